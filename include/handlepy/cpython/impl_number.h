/* CPython-backend mappings of api/number.api. On PyPy they refuse a NULL operand,
 * which cpyext dereferences, with CPython's SystemError. */
#ifndef HANDLEPY_CPYTHON_IMPL_NUMBER_H
#define HANDLEPY_CPYTHON_IMPL_NUMBER_H

#include "handlepy/cpython/common.h"

#ifdef PYPY_VERSION
HPyAPI_FUNC PyObject *_hpy_cpy_negative(PyObject *obj)
{
    return _hpy_cpy_null_arg(obj) ? NULL : PyNumber_Negative(obj);
}
#else
#define _hpy_cpy_negative PyNumber_Negative
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC PyObject *_hpy_cpy_positive(PyObject *obj)
{
    return _hpy_cpy_null_arg(obj) ? NULL : PyNumber_Positive(obj);
}
#else
#define _hpy_cpy_positive PyNumber_Positive
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC PyObject *_hpy_cpy_absolute(PyObject *obj)
{
    return _hpy_cpy_null_arg(obj) ? NULL : PyNumber_Absolute(obj);
}
#else
#define _hpy_cpy_absolute PyNumber_Absolute
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC PyObject *_hpy_cpy_invert(PyObject *obj)
{
    return _hpy_cpy_null_arg(obj) ? NULL : PyNumber_Invert(obj);
}
#else
#define _hpy_cpy_invert PyNumber_Invert
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC PyObject *_hpy_cpy_index(PyObject *obj)
{
    return _hpy_cpy_null_arg(obj) ? NULL : PyNumber_Index(obj);
}
#else
#define _hpy_cpy_index PyNumber_Index
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC PyObject *_hpy_cpy_long(PyObject *obj)
{
    return _hpy_cpy_null_arg(obj) ? NULL : PyNumber_Long(obj);
}
#else
#define _hpy_cpy_long PyNumber_Long
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC PyObject *_hpy_cpy_float(PyObject *obj)
{
    return _hpy_cpy_null_arg(obj) ? NULL : PyNumber_Float(obj);
}
#else
#define _hpy_cpy_float PyNumber_Float
#endif

#ifdef PYPY_VERSION
/* cpyext refuses a modulus. CPython first offers v's in-place power the operands (a
 * Python-level __ipow__ never sees the modulus), then falls back on pow(v, w, z). */
HPyAPI_FUNC PyObject *_hpy_cpy_inplace_power(PyObject *v, PyObject *w, PyObject *z)
{
    if (z == Py_None)
        return PyNumber_InPlacePower(v, w, z);
    PyObject *ipow = PyObject_GetAttrString((PyObject *)Py_TYPE(v), "__ipow__");
    if (ipow == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError))
            return NULL;
        PyErr_Clear();
    } else {
        PyObject *result = PyObject_CallFunctionObjArgs(ipow, v, w, NULL);
        Py_DECREF(ipow);
        if (result != Py_NotImplemented)
            return result;
        Py_DECREF(result);
    }
    return PyNumber_Power(v, w, z);
}
#else
#define _hpy_cpy_inplace_power PyNumber_InPlacePower
#endif

#endif
