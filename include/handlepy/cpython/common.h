/* What every CPython-backend mapping header (impl_<area>.h, one per api/<area>.api file)
 * builds on: the host's headers, handlepy's types, the conversions between a handle and
 * its PyObject pointer, and the few helpers more than one area's mappings call. Each
 * impl_<area>.h includes this and what else it needs, so that backend.h may include
 * them in any order. */
#ifndef HANDLEPY_CPYTHON_COMMON_H
#define HANDLEPY_CPYTHON_COMMON_H

#ifndef PY_SSIZE_T_CLEAN
#  define PY_SSIZE_T_CLEAN
#endif
#include <Python.h>

#include "handlepy/types.h"

#define _h2py(h) ((PyObject *)(h)._i)
#define _py2h(o) ((HPy){(intptr_t)(o)})

HPyAPI_FUNC PyObject *_hpy_cpy_newref(PyObject *o)
{
    Py_INCREF(o);
    return o;
}

HPyAPI_FUNC PyObject *_hpy_cpy_xnewref(PyObject *o)
{
    Py_XINCREF(o);
    return o;
}

/* CPython's abstract object API refuses a NULL object with this SystemError (its
 * null_error()); PyPy's cpyext dereferences it. */
HPyAPI_FUNC int _hpy_cpy_null_arg(PyObject *arg)
{
    if (arg != NULL)
        return 0;
    PyErr_SetString(PyExc_SystemError, "null argument to internal routine");
    return 1;
}

/* PyPy reports a non-str name in words of its own; this gives CPython's. */
HPyAPI_FUNC int _hpy_cpy_bad_attr_name(PyObject *name)
{
    if (PyUnicode_Check(name))
        return 0;
    PyErr_Format(PyExc_TypeError, "attribute name must be string, not '%.200s'",
                 Py_TYPE(name)->tp_name);
    return 1;
}

#endif
