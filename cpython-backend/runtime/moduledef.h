/* Turning an HPyModuleDef into a CPython PyModuleDef. Shared by the CPython backend's
 * runtime (compiled into each CPython-mode extension) and by the universal loader. */
#ifndef HANDLEPY_MODULEDEF_H
#define HANDLEPY_MODULEDEF_H

#include "hpy.h"

/* Chooses the host function installed for a method or slot definition; the extension's
 * own generated trampoline when NULL. Lets the loader substitute other trampolines. */
typedef PyCFunction (*handlepy_bind_fn)(HPyDef *def, void *data);

/* The METH_* flags for an HPyFunc_* method signature; -1 for other signatures. */
_HPy_HIDDEN int handlepy_method_flags(HPyFunc_Signature sig);

/* A heap-allocated PyModuleDef that lives as long as the process (CPython keeps
 * pointers into it), or NULL with an exception. */
_HPy_HIDDEN PyModuleDef *handlepy_moduledef_new(const char *name, HPyModuleDef *hdef,
                                                handlepy_bind_fn bind, void *data);

#endif
