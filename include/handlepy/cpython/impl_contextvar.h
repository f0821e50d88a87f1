/* CPython-backend mappings of api/contextvar.api. */
#ifndef HANDLEPY_CPYTHON_IMPL_CONTEXTVAR_H
#define HANDLEPY_CPYTHON_IMPL_CONTEXTVAR_H

#include "handlepy/cpython/common.h"

HPyAPI_FUNC PyObject *_hpy_cpy_contextvar_new(const char *name, PyObject *default_value)
{
    /* The C API would crash on a NULL name; Python's ContextVar() refuses a non-str. */
    if (name == NULL) {
        PyErr_SetString(PyExc_TypeError, "context variable name must be a str");
        return NULL;
    }
    return PyContextVar_New(name, default_value);
}

/* Writes the HPy result as HPy: storing through a PyObject ** would break strict
 * aliasing. The C API leaves its output unset on error, hence the NULL start. */
HPyAPI_FUNC int32_t _hpy_cpy_contextvar_get(PyObject *var, PyObject *default_value,
                                            HPy *result)
{
    PyObject *value = NULL;
    int32_t status = PyContextVar_Get(var, default_value, &value);
    *result = _py2h(value);
    return status;
}

#endif
