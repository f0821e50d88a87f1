/* CPython-backend mappings of api/long.api. CPython has no checked 32-bit conversion,
 * so both hosts get one here. On PyPy, whose cpyext accepts other inputs or words its
 * errors differently, each conversion is rebuilt from calls both hosts implement
 * alike, so that a universal binary sees CPython's behaviour, messages included. */
#ifndef HANDLEPY_CPYTHON_IMPL_LONG_H
#define HANDLEPY_CPYTHON_IMPL_LONG_H

#include "handlepy/cpython/common.h"
#include <limits.h>
#include <stdint.h>

#define _HPY_NOT_AN_INT "an integer is required"

/* Where an int lies among the C integer ranges; _hpy_cpy_read_int reads it in the
 * narrowest of long long and unsigned long long that holds it. */
enum {
    _HPY_INT_ERROR = -2,
    _HPY_INT_BELOW_LLONG = -1,
    _HPY_INT_IN_LLONG = 0,
    _HPY_INT_IN_ULLONG = 1,
    _HPY_INT_ABOVE_ULLONG = 2,
};

HPyAPI_FUNC int _hpy_cpy_read_int(PyObject *v, long long *s, unsigned long long *u)
{
    int overflow;
    *s = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (*s == -1 && PyErr_Occurred())
        return _HPY_INT_ERROR;
    if (overflow < 0)
        return _HPY_INT_BELOW_LLONG;
    if (overflow == 0)
        return _HPY_INT_IN_LLONG;
    *u = PyLong_AsUnsignedLongLong(v);
    if (*u == (unsigned long long)-1 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError))
            return _HPY_INT_ERROR;
        PyErr_Clear();
        return _HPY_INT_ABOVE_ULLONG;
    }
    return _HPY_INT_IN_ULLONG;
}

#if defined(PYPY_VERSION) && PY_VERSION_HEX < 0x030A0000
HPyAPI_FUNC PyObject *_hpy_cpy_int_via_dunder_int(PyObject *h)
{
    PyObject *result = PyObject_CallMethod(h, "__int__", NULL);
    if (result == NULL)
        return NULL;
    if (!PyLong_Check(result)) {
        PyErr_Format(PyExc_TypeError, "__int__ returned non-int (type %.200s)",
                     Py_TYPE(result)->tp_name);
        Py_DECREF(result);
        return NULL;
    }
    if (PyErr_WarnFormat(PyExc_DeprecationWarning, 1,
                         "an integer is required (got type %.200s).  Implicit conversion "
                         "to integers using __int__ is deprecated, and may be removed in "
                         "a future version of Python.", Py_TYPE(h)->tp_name) < 0) {
        Py_DECREF(result);
        return NULL;
    }
    return result;
}
#endif

/* A new reference to the int a conversion reads: `h` itself, or, when `via_index`,
 * its __index__() (as CPython's signed and mask conversions do); the unsigned ones
 * take ints only. */
HPyAPI_FUNC PyObject *_hpy_cpy_int_operand(PyObject *h, int via_index)
{
    if (h == NULL) {
        /* CPython's conversions refuse it so (PyErr_BadInternalCall). */
        PyErr_SetString(PyExc_SystemError, "bad argument to internal function");
        return NULL;
    }
    if (PyLong_Check(h)) {
        Py_INCREF(h);
        return h;
    }
    if (via_index) {
#if defined(PYPY_VERSION) && PY_VERSION_HEX < 0x030A0000
        /* The running interpreter decides: a Python 3.9, as PyPy 3.9 is, falls back on
         * __int__ (with CPython 3.9's DeprecationWarning) where there is no __index__. */
        if (!PyIndex_Check(h) && PyObject_HasAttrString((PyObject *)Py_TYPE(h), "__int__"))
            return _hpy_cpy_int_via_dunder_int(h);
#endif
        return PyNumber_Index(h);
    }
    PyErr_SetString(PyExc_TypeError, _HPY_NOT_AN_INT);
    return NULL;
}

/* CPython's signed conversions give one message for overflow in either direction. */
HPyAPI_FUNC long long _hpy_cpy_int_as_signed(PyObject *h, int via_index, long long lo,
                                            long long hi, const char *overflow_msg)
{
    PyObject *v = _hpy_cpy_int_operand(h, via_index);
    if (v == NULL)
        return -1;
    long long s;
    unsigned long long u;
    int where = _hpy_cpy_read_int(v, &s, &u);
    Py_DECREF(v);
    if (where == _HPY_INT_ERROR)
        return -1;
    if (where != _HPY_INT_IN_LLONG || s < lo || s > hi) {
        PyErr_SetString(PyExc_OverflowError, overflow_msg);
        return -1;
    }
    return s;
}

HPyAPI_FUNC unsigned long long _hpy_cpy_int_as_unsigned(PyObject *h, unsigned long long hi,
                                                       const char *negative_msg,
                                                       const char *too_large_msg)
{
    PyObject *v = _hpy_cpy_int_operand(h, 0);
    if (v == NULL)
        return (unsigned long long)-1;
    long long s;
    unsigned long long u = 0;
    int where = _hpy_cpy_read_int(v, &s, &u);
    Py_DECREF(v);
    if (where == _HPY_INT_ERROR)
        return (unsigned long long)-1;
    if (where == _HPY_INT_BELOW_LLONG || (where == _HPY_INT_IN_LLONG && s < 0)) {
        PyErr_SetString(PyExc_OverflowError, negative_msg);
        return (unsigned long long)-1;
    }
    if (where == _HPY_INT_IN_LLONG)
        u = (unsigned long long)s;
    if (where == _HPY_INT_ABOVE_ULLONG || u > hi) {
        PyErr_SetString(PyExc_OverflowError, too_large_msg);
        return (unsigned long long)-1;
    }
    return u;
}

/* As PyLong_AsInt (CPython 3.13; _PyLong_AsInt before): __index__ for non-ints and
 * CPython's "C int" message for overflow either way, however far out of range. */
HPyAPI_FUNC int32_t _hpy_cpy_long_as_int32(PyObject *h)
{
    return (int32_t)_hpy_cpy_int_as_signed(h, 1, INT32_MIN, INT32_MAX,
                                           "Python int too large to convert to C int");
}

/* CPython has no checked unsigned int conversion; this is PyLong_AsUnsignedLong's
 * behaviour (ints only, its negative-value message) with the range and wording of
 * the C type, as PyLong_AsInt words its own. */
HPyAPI_FUNC uint32_t _hpy_cpy_long_as_uint32(PyObject *h)
{
    return (uint32_t)_hpy_cpy_int_as_unsigned(
        h, UINT32_MAX, "can't convert negative value to unsigned int",
        "Python int too large to convert to C unsigned int");
}

#ifdef PYPY_VERSION
HPyAPI_FUNC long _hpy_cpy_long_as_long(PyObject *h)
{
    return (long)_hpy_cpy_int_as_signed(h, 1, LONG_MIN, LONG_MAX,
                                        "Python int too large to convert to C long");
}
#else
#define _hpy_cpy_long_as_long PyLong_AsLong
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC long long _hpy_cpy_long_as_long_long(PyObject *h)
{
    return _hpy_cpy_int_as_signed(h, 1, LLONG_MIN, LLONG_MAX, "int too big to convert");
}
#else
#define _hpy_cpy_long_as_long_long PyLong_AsLongLong
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC Py_ssize_t _hpy_cpy_long_as_ssize_t(PyObject *h)
{
    return (Py_ssize_t)_hpy_cpy_int_as_signed(h, 0, PY_SSIZE_T_MIN, PY_SSIZE_T_MAX,
                                              "Python int too large to convert to C ssize_t");
}
#else
#define _hpy_cpy_long_as_ssize_t PyLong_AsSsize_t
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC unsigned long _hpy_cpy_long_as_unsigned_long(PyObject *h)
{
    return (unsigned long)_hpy_cpy_int_as_unsigned(
        h, ULONG_MAX, "can't convert negative value to unsigned int",
        "Python int too large to convert to C unsigned long");
}
#else
#define _hpy_cpy_long_as_unsigned_long PyLong_AsUnsignedLong
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC unsigned long long _hpy_cpy_long_as_unsigned_long_long(PyObject *h)
{
    return _hpy_cpy_int_as_unsigned(h, ULLONG_MAX, "can't convert negative int to unsigned",
                                    "int too big to convert");
}
#else
#define _hpy_cpy_long_as_unsigned_long_long PyLong_AsUnsignedLongLong
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC size_t _hpy_cpy_long_as_size_t(PyObject *h)
{
    return (size_t)_hpy_cpy_int_as_unsigned(h, SIZE_MAX,
                                            "can't convert negative value to size_t",
                                            "Python int too large to convert to C size_t");
}
#else
#define _hpy_cpy_long_as_size_t PyLong_AsSize_t
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC unsigned long long _hpy_cpy_long_as_unsigned_long_long_mask(PyObject *h)
{
    PyObject *v = _hpy_cpy_int_operand(h, 1);
    if (v == NULL)
        return (unsigned long long)-1;
    unsigned long long result = PyLong_AsUnsignedLongLongMask(v);
    Py_DECREF(v);
    return result;
}
#else
#define _hpy_cpy_long_as_unsigned_long_long_mask PyLong_AsUnsignedLongLongMask
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC unsigned long _hpy_cpy_long_as_unsigned_long_mask(PyObject *h)
{
    return (unsigned long)_hpy_cpy_long_as_unsigned_long_long_mask(h);
}
#else
#define _hpy_cpy_long_as_unsigned_long_mask PyLong_AsUnsignedLongMask
#endif

#ifdef PYPY_VERSION
/* CPython reads a pointer as a signed long when negative, else as an unsigned long,
 * and reports overflow in the words of whichever it used. */
HPyAPI_FUNC void *_hpy_cpy_long_as_void_ptr(PyObject *h)
{
    PyObject *v = _hpy_cpy_int_operand(h, 0);
    if (v == NULL)
        return NULL;
    long long s;
    unsigned long long u = 0;
    int where = _hpy_cpy_read_int(v, &s, &u);
    Py_DECREF(v);
    if (where == _HPY_INT_ERROR)
        return NULL;
    if (where == _HPY_INT_BELOW_LLONG || (where == _HPY_INT_IN_LLONG && s < INTPTR_MIN)) {
        PyErr_SetString(PyExc_OverflowError, "Python int too large to convert to C long");
        return NULL;
    }
    if (where == _HPY_INT_IN_LLONG && s < 0)
        return (void *)(intptr_t)s;
    if (where == _HPY_INT_IN_LLONG)
        u = (unsigned long long)s;
    if (where == _HPY_INT_ABOVE_ULLONG || u > UINTPTR_MAX) {
        PyErr_SetString(PyExc_OverflowError,
                        "Python int too large to convert to C unsigned long");
        return NULL;
    }
    return (void *)(uintptr_t)u;
}
#else
#define _hpy_cpy_long_as_void_ptr PyLong_AsVoidPtr
#endif

#ifdef PYPY_VERSION
/* cpyext's PyLong_AsDouble is float(h); CPython's takes ints only. */
HPyAPI_FUNC double _hpy_cpy_long_as_double(PyObject *h)
{
    if (h == NULL) {
        PyErr_SetString(PyExc_SystemError, "bad argument to internal function");
        return -1.0;
    }
    if (!PyLong_Check(h)) {
        PyErr_SetString(PyExc_TypeError, _HPY_NOT_AN_INT);
        return -1.0;
    }
    return PyLong_AsDouble(h);
}
#else
#define _hpy_cpy_long_as_double PyLong_AsDouble
#endif

#endif
