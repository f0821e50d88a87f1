/* CPython-backend mappings of api/module.api. */
#ifndef HANDLEPY_CPYTHON_IMPL_MODULE_H
#define HANDLEPY_CPYTHON_IMPL_MODULE_H

#include "handlepy/cpython/common.h"

HPyAPI_FUNC void *_hpy_cpy_module_state(PyObject *module)
{
    if (!PyModule_Check(module)) {
        PyErr_SetString(PyExc_TypeError, "HPyModule_GetState: expected a module");
        return NULL;
    }
    /* CPython hands stateless modules a zero-byte allocation; say "no state" instead. */
    PyModuleDef *def = PyModule_GetDef(module);
    if (def == NULL || def->m_size <= 0)
        return NULL;
    return PyModule_GetState(module);
}

#endif
