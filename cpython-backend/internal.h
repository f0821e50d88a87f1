/* The CPython backend's internal declarations: what its files (compiled into each
 * CPython-mode extension and into the universal loader) share with each other and with
 * the loader (universal/), and no extension may call. This header sits beside the
 * backend's sources, never on an extension's include path; the installed headers
 * (include/) declare none of it (tests/test_headers.py checks). */
#ifndef HANDLEPY_CPYTHON_BACKEND_INTERNAL_H
#define HANDLEPY_CPYTHON_BACKEND_INTERNAL_H

#include "hpy.h"

/* Chooses the host function installed for the implementation `impl` of a definition
 * (a getset has two); the extension's own generated trampoline when NULL. Lets the loader
 * substitute other trampolines (debug and trace modes, libffi closures), in module and in
 * type creation. */
typedef PyCFunction (*handlepy_bind_fn)(HPyDef *def, HPyCFunction impl, void *data);

/* handlepy_type_from_spec with the loader's hook: the type made takes `data` when
 * `release` is not NULL, and releases it when it goes; when no type is made, `data`
 * stays the caller's. */
_HPy_HIDDEN PyObject *handlepy_type_from_spec_bound(HPyType_Spec *spec,
                                                    HPyType_SpecParam *params,
                                                    handlepy_bind_fn bind, void *data,
                                                    void (*release)(void *data));

/* The object's own call function, NULL when it has none; and a call of one with tp_call's
 * arguments (for the debug handler of HPy_tp_call, which has no trampoline to reuse). */
_HPy_HIDDEN cpy_vectorcallfunc handlepy_own_call_function(PyObject *self);
_HPy_HIDDEN PyObject *handlepy_call_function_with_tuple_dict(cpy_vectorcallfunc func,
                                                             PyObject *self, PyObject *args,
                                                             PyObject *kw);

/* Where a subtype of the var-sized `builtin` may start its struct's reserved room. */
HPyAPI_FUNC Py_ssize_t handlepy_var_struct_reserve(PyTypeObject *builtin)
{
    Py_ssize_t items_at, item_size;
    if (builtin == &PyLong_Type) {
        items_at = HANDLEPY_LONG_ITEMS_AT;
        item_size = HANDLEPY_LONG_ITEM_SIZE;
    } else {
        items_at = (Py_ssize_t)offsetof(PyTupleObject, ob_item);
        item_size = (Py_ssize_t)sizeof(PyObject *);
    }
    Py_ssize_t fixed = items_at + item_size;
    if (fixed < builtin->tp_basicsize)
        fixed = builtin->tp_basicsize;
    return fixed + HANDLEPY_STRUCT_ALIGN - 1;
}

/* Turning an HPyModuleDef into a CPython PyModuleDef. */

/* The host function for `impl`: bind's choice, or `trampoline` without a bind hook. */
_HPy_HIDDEN PyCFunction handlepy_host_function(HPyDef *def, HPyCFunction impl,
                                               cpy_PyCFunction trampoline,
                                               handlepy_bind_fn bind, void *data);

/* The METH_* flags for an HPyFunc_* method signature; -1 for other signatures. */
_HPy_HIDDEN int handlepy_method_flags(HPyFunc_Signature sig);

/* A heap-allocated PyModuleDef that lives as long as the process (CPython keeps
 * pointers into it), or NULL with an exception. */
_HPy_HIDDEN PyModuleDef *handlepy_moduledef_new(const char *name, HPyModuleDef *hdef,
                                                handlepy_bind_fn bind, void *data);

/* Frees a definition of handlepy_moduledef_new that no module was made from. */
_HPy_HIDDEN void handlepy_moduledef_free(PyModuleDef *def);

/* 1 if the module of `def` (made by handlepy_moduledef_new) has an HPy_mod_create slot;
 * handlepy_moduledef_create then runs it, as the host's Py_mod_create slot does. */
_HPy_HIDDEN int handlepy_moduledef_creates(PyModuleDef *def);
_HPy_HIDDEN PyObject *handlepy_moduledef_create(PyObject *spec, PyModuleDef *def);

/* The host type for `spec` (type.c has turned the HPyType_Spec into it), made by `meta`
 * when not NULL. `*spec_type` is set to the type that holds the spec's slots: the result,
 * or its hidden base where the interpreter cannot make a type of `meta` from a spec
 * (type_meta.c). */
_HPy_HIDDEN PyObject *handlepy_type_from_cpy_spec(PyType_Spec *spec, PyObject *bases,
                                                  PyTypeObject *meta, PyObject **spec_type);

#endif
