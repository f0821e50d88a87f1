/* CPython-backend mappings of api/scalar.api (floats and booleans). */
#ifndef HANDLEPY_CPYTHON_IMPL_SCALAR_H
#define HANDLEPY_CPYTHON_IMPL_SCALAR_H

#include "handlepy/cpython/common.h"

#ifdef PYPY_VERSION
/* CPython falls back on __index__ for an object with no __float__; cpyext does not. */
HPyAPI_FUNC double _hpy_cpy_float_as_double(PyObject *h)
{
    if (h == NULL) {
        PyErr_SetString(PyExc_TypeError, "bad argument type for built-in operation");
        return -1.0;
    }
    if (PyFloat_Check(h))
        return PyFloat_AS_DOUBLE(h);
    if (!PyLong_Check(h) && PyIndex_Check(h)
        && !PyObject_HasAttrString((PyObject *)Py_TYPE(h), "__float__")) {
        PyObject *v = PyNumber_Index(h);
        if (v == NULL)
            return -1.0;
        double result = PyLong_AsDouble(v);
        Py_DECREF(v);
        return result;
    }
    return PyFloat_AsDouble(h);
}
#else
#define _hpy_cpy_float_as_double PyFloat_AsDouble
#endif

#endif
