/* CPython-backend side of types, fields and globals. The larger pieces live in
 * cpython-backend/runtime/type.c, compiled into each CPython-mode extension and into
 * the universal loader. */
#ifndef HANDLEPY_CPYTHON_IMPL_TYPE_H
#define HANDLEPY_CPYTHON_IMPL_TYPE_H

#include <stdalign.h>

/* Chooses the host function installed for the implementation `impl` of a definition
 * (a getset has two); the extension's own generated trampoline when NULL. Lets the loader
 * substitute other trampolines, in module and in type creation. */
typedef PyCFunction (*handlepy_bind_fn)(HPyDef *def, HPyCFunction impl, void *data);
_HPy_HIDDEN PyObject *handlepy_type_from_spec(HPyType_Spec *spec, HPyType_SpecParam *params,
                                              handlepy_bind_fn bind, void *data);
_HPy_HIDDEN PyObject *handlepy_generic_new(PyObject *type);
_HPy_HIDDEN PyObject *handlepy_new(PyObject *type, void **data);
_HPy_HIDDEN const char *handlepy_type_name(PyObject *type);
_HPy_HIDDEN HPyType_BuiltinShape handlepy_builtin_shape(PyObject *type);
_HPy_HIDDEN PyObject *handlepy_call_with_tuple_dict(HPyContext *ctx, HPyCFunction impl,
                                                    PyObject *self,
                                                    PyObject *args, PyObject *kw);
_HPy_HIDDEN int handlepy_set_call_function(PyObject *obj, HPyCallFunction *func);
/* The object's own call function, NULL when it has none; and a call of one with tp_call's
 * arguments (for the debug handler of HPy_tp_call, which has no trampoline to reuse). */
_HPy_HIDDEN cpy_vectorcallfunc handlepy_own_call_function(PyObject *self);
_HPy_HIDDEN PyObject *handlepy_call_function_with_tuple_dict(cpy_vectorcallfunc func,
                                                             PyObject *self, PyObject *args,
                                                             PyObject *kw);
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

HPyAPI_FUNC PyObject *_hpy_cpy_xnewref(PyObject *o)
{
    Py_XINCREF(o);
    return o;
}

/* Takes the field's word itself: writing it through a PyObject ** would break strict
 * aliasing, and the compiler could then reorder or drop the store. */
HPyAPI_FUNC void handlepy_field_store(intptr_t *slot, PyObject *value)
{
    PyObject *old = (PyObject *)*slot;
    Py_XINCREF(value);
    *slot = (intptr_t)value;
    Py_XDECREF(old);
}

HPyAPI_FUNC const HPy *handlepy_tuple_items(PyObject *tuple, HPy_ssize_t *size)
{
    *size = PyTuple_GET_SIZE(tuple);
    return (const HPy *)&PyTuple_GET_ITEM(tuple, 0);
}

#endif
