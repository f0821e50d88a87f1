/* Turning an HPyModuleDef into a CPython PyModuleDef. Shared by the CPython backend's
 * runtime (compiled into each CPython-mode extension) and by the universal loader. */
#ifndef HANDLEPY_MODULEDEF_H
#define HANDLEPY_MODULEDEF_H

#include "hpy.h"

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
