/* CPython-backend mappings of api/handles.api that need more than one C-API call. */
#ifndef HANDLEPY_CPYTHON_IMPL_HANDLES_H
#define HANDLEPY_CPYTHON_IMPL_HANDLES_H

#include "handlepy/cpython/common.h"

/* The module's own dict, not PyEval_GetBuiltins(): that one is the running frame's,
 * which code run with other globals may have replaced. */
HPyAPI_FUNC PyObject *_hpy_cpy_builtins_dict(void)
{
    PyObject *module = PyImport_AddModule("builtins");
    return module == NULL ? NULL : PyModule_GetDict(module);
}

#endif
