/* CPython-backend mappings of api/type.api: types, fields and globals. The larger
 * pieces live in cpython-backend/type.c, compiled into each CPython-mode extension and
 * into the universal loader. */
#ifndef HANDLEPY_CPYTHON_IMPL_TYPE_H
#define HANDLEPY_CPYTHON_IMPL_TYPE_H

#include "handlepy/cpython/common.h"
#include <stdalign.h>
#include <stddef.h>

_HPy_HIDDEN PyObject *handlepy_type_from_spec(HPyType_Spec *spec, HPyType_SpecParam *params);
_HPy_HIDDEN PyObject *handlepy_generic_new(PyObject *type);
_HPy_HIDDEN PyObject *handlepy_new(PyObject *type, void **data);
_HPy_HIDDEN const char *handlepy_type_name(PyObject *type);
_HPy_HIDDEN HPyType_BuiltinShape handlepy_builtin_shape(PyObject *type);
_HPy_HIDDEN PyObject *handlepy_call_with_tuple_dict(HPyContext *ctx, HPyCFunction impl,
                                                    PyObject *self,
                                                    PyObject *args, PyObject *kw);
_HPy_HIDDEN int handlepy_call_traverse(HPyCFunction impl, PyObject *self,
                                       cpy_visitproc visit, void *arg);
_HPy_HIDDEN void handlepy_dealloc(PyObject *self, HPyCFunction destroy);

/* Structs start after the builtin base's fixed part, aligned for any C type. */
#define HANDLEPY_STRUCT_ALIGN ((Py_ssize_t)alignof(max_align_t))

HPyAPI_FUNC Py_ssize_t handlepy_struct_offset(PyTypeObject *builtin)
{
    return (builtin->tp_basicsize + HANDLEPY_STRUCT_ALIGN - 1) & ~(HANDLEPY_STRUCT_ALIGN - 1);
}

HPyAPI_FUNC void *handlepy_struct_at(PyObject *obj, PyTypeObject *builtin)
{
    return (char *)obj + handlepy_struct_offset(builtin);
}

/* int and tuple keep their items inside the object, so a subtype's struct follows the
 * items: it moves with their count, which never changes once the object is made. A
 * subtype's basicsize reserves room for one more item than the fixed part holds and for
 * the alignment padding (cpython-backend/internal.h), so the struct fits in what the
 * host allocates for any count, and CPython's negative tp_dictoffset of a Python
 * subclass lands after it. */
HPyAPI_FUNC Py_ssize_t handlepy_align_struct(Py_ssize_t offset)
{
    return (offset + HANDLEPY_STRUCT_ALIGN - 1) & ~(HANDLEPY_STRUCT_ALIGN - 1);
}

#ifdef PYPY_VERSION
/* cpyext's int keeps its value outside the C object: it has a fixed shape there. */
#define HANDLEPY_LONG_ITEMS_AT ((Py_ssize_t)sizeof(PyLongObject))
#define HANDLEPY_LONG_ITEM_SIZE ((Py_ssize_t)0)
#elif PY_VERSION_HEX >= 0x030C0000
#define HANDLEPY_LONG_ITEMS_AT ((Py_ssize_t)offsetof(PyLongObject, long_value.ob_digit))
#define HANDLEPY_LONG_ITEM_SIZE ((Py_ssize_t)sizeof(digit))
#else
#define HANDLEPY_LONG_ITEMS_AT ((Py_ssize_t)offsetof(PyLongObject, ob_digit))
#define HANDLEPY_LONG_ITEM_SIZE ((Py_ssize_t)sizeof(digit))
#endif

/* The digits an int's object holds: CPython allocates one for zero too. */
HPyAPI_FUNC Py_ssize_t handlepy_long_digits(PyObject *obj)
{
#ifdef PYPY_VERSION
    (void)obj;
    return 0;
#else
#if PY_VERSION_HEX >= 0x030C0000
    Py_ssize_t n = (Py_ssize_t)(((PyLongObject *)obj)->long_value.lv_tag >> _PyLong_NON_SIZE_BITS);
#else
    Py_ssize_t n = Py_SIZE(obj) < 0 ? -Py_SIZE(obj) : Py_SIZE(obj);
#endif
    return n == 0 ? 1 : n;
#endif
}

HPyAPI_FUNC void *handlepy_long_struct(PyObject *obj)
{
    return (char *)obj + handlepy_align_struct(HANDLEPY_LONG_ITEMS_AT + HANDLEPY_LONG_ITEM_SIZE *
                                                                    handlepy_long_digits(obj));
}

HPyAPI_FUNC void *handlepy_tuple_struct(PyObject *obj)
{
    return (char *)obj + handlepy_align_struct((Py_ssize_t)offsetof(PyTupleObject, ob_item) +
                                               (Py_ssize_t)sizeof(PyObject *) * Py_SIZE(obj));
}

/* Fields and globals take the field's word itself: writing it through a PyObject **
 * would break strict aliasing, and the compiler could then reorder or drop the store.
 *
 * With the GIL, a store and a load are each one step already. Without it, a store takes
 * the lock of its word (cpython-backend/type.c keeps a small table of PyMutex,
 * chosen by the word's address) around the exchange, and HPyField_LoadAt and
 * HPyGlobal_LoadAt take it around the read and the new reference: the old object's
 * release, after the store unlocks, then comes after any load that saw it has its own
 * reference. HPyField_Load and HPyGlobal_Load get the word's value, not its address, and
 * cannot take the lock (docs/design.md, "Without the GIL"). */
#ifdef Py_GIL_DISABLED
_HPy_HIDDEN void handlepy_field_store(intptr_t *slot, PyObject *value);
_HPy_HIDDEN PyObject *handlepy_field_load_at(const intptr_t *slot);
#else
HPyAPI_FUNC void handlepy_field_store(intptr_t *slot, PyObject *value)
{
    Py_XINCREF(value);
    /* One exchange, so that the old value is read and replaced at once: releasing it
     * may run a finalizer, which may store into the same field. (Not <stdatomic.h>:
     * C++ extensions include this header too.) */
    PyObject *old = (PyObject *)__atomic_exchange_n(slot, (intptr_t)value, __ATOMIC_ACQ_REL);
    Py_XDECREF(old);
}

HPyAPI_FUNC PyObject *handlepy_field_load_at(const intptr_t *slot)
{
    return _hpy_cpy_xnewref((PyObject *)__atomic_load_n(slot, __ATOMIC_ACQUIRE));
}
#endif

HPyAPI_FUNC const HPy *handlepy_tuple_items(PyObject *tuple, HPy_ssize_t *size)
{
    *size = PyTuple_GET_SIZE(tuple);
    return (const HPy *)&PyTuple_GET_ITEM(tuple, 0);
}

#endif
