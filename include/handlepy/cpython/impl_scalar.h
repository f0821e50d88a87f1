/* CPython-backend mappings for numbers, strings and bytes that need more than one C-API
 * call.
 *
 * The first part serves every host: CPython has no checked 32-bit conversion, and a few
 * calls need checks CPython leaves to the caller. The PYPY_VERSION part serves the
 * universal loader on PyPy, whose cpyext accepts other inputs, or words its errors
 * differently, in many of these calls: it rebuilds them from calls both hosts implement
 * alike, so that a universal binary sees CPython's behaviour, messages included, on
 * either host. Errors raised by the interpreter's own operations (operators, codecs)
 * keep the host's wording, as the same operation in Python code has it. */
#ifndef HANDLEPY_CPYTHON_IMPL_SCALAR_H
#define HANDLEPY_CPYTHON_IMPL_SCALAR_H

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

/* A NULL buffer with a positive size would be uninitialised memory: CPython deprecated
 * that for str (3.12 refuses it with this error), and HPy 0.9 refuses a NULL buffer for
 * bytes, whose buffer an extension may not write, whatever the size (first). */
HPyAPI_FUNC PyObject *_hpy_cpy_unicode_from_string_and_size(const char *s, Py_ssize_t size)
{
    if (size < 0) {
        PyErr_SetString(PyExc_SystemError, "Negative size passed to PyUnicode_FromStringAndSize");
        return NULL;
    }
    if (s == NULL && size > 0) {
        PyErr_SetString(PyExc_SystemError, "NULL string with positive size with NULL passed to "
                                           "PyUnicode_FromStringAndSize");
        return NULL;
    }
    return PyUnicode_FromStringAndSize(s, size);
}

HPyAPI_FUNC PyObject *_hpy_cpy_bytes_from_string_and_size(const char *s, Py_ssize_t size)
{
    if (s == NULL) {
        PyErr_SetString(PyExc_ValueError, "NULL char * passed to HPyBytes_FromStringAndSize");
        return NULL;
    }
    if (size < 0) {
        PyErr_SetString(PyExc_SystemError, "Negative size passed to PyBytes_FromStringAndSize");
        return NULL;
    }
    return PyBytes_FromStringAndSize(s, size);
}

/* CPython's PyUnicode_Substring trusts its argument to be a str; cpyext's takes
 * negative bounds for Python's slice indices. */
HPyAPI_FUNC PyObject *_hpy_cpy_unicode_substring(PyObject *s, Py_ssize_t start, Py_ssize_t end)
{
    if (!PyUnicode_Check(s)) {
        PyErr_BadArgument();
        return NULL;
    }
    if (start < 0 || end < 0) {
        PyErr_SetString(PyExc_IndexError, "string index out of range");
        return NULL;
    }
    return PyUnicode_Substring(s, start, end);
}

/* A negative size: cpyext answers with a garbled error or an empty string, CPython's
 * debug build fails an assertion in PyUnicode_DecodeLatin1 where its release build raises
 * this SystemError, and CPython 3.14.10's UTF-8 decoders raise a bare MemoryError. */
HPyAPI_FUNC int _hpy_cpy_refuse_negative_size(Py_ssize_t size)
{
    if (size >= 0)
        return 0;
    PyErr_SetString(PyExc_SystemError, "Negative size passed to PyUnicode_New");
    return -1;
}

HPyAPI_FUNC PyObject *_hpy_cpy_unicode_decode_latin1(const char *s, Py_ssize_t size,
                                                    const char *errors)
{
    return _hpy_cpy_refuse_negative_size(size) ? NULL : PyUnicode_DecodeLatin1(s, size, errors);
}

HPyAPI_FUNC PyObject *_hpy_cpy_unicode_decode_utf8(const char *s, Py_ssize_t size,
                                                  const char *errors)
{
    return _hpy_cpy_refuse_negative_size(size) ? NULL : PyUnicode_DecodeUTF8(s, size, errors);
}

HPyAPI_FUNC PyObject *_hpy_cpy_unicode_decode_fs_default_and_size(const char *s, Py_ssize_t size)
{
    return _hpy_cpy_refuse_negative_size(size) ? NULL : PyUnicode_DecodeFSDefaultAndSize(s, size);
}

#ifdef PYPY_VERSION

HPyAPI_FUNC long _hpy_cpy_long_as_long(PyObject *h)
{
    return (long)_hpy_cpy_int_as_signed(h, 1, LONG_MIN, LONG_MAX,
                                        "Python int too large to convert to C long");
}

HPyAPI_FUNC long long _hpy_cpy_long_as_long_long(PyObject *h)
{
    return _hpy_cpy_int_as_signed(h, 1, LLONG_MIN, LLONG_MAX, "int too big to convert");
}

HPyAPI_FUNC Py_ssize_t _hpy_cpy_long_as_ssize_t(PyObject *h)
{
    return (Py_ssize_t)_hpy_cpy_int_as_signed(h, 0, PY_SSIZE_T_MIN, PY_SSIZE_T_MAX,
                                              "Python int too large to convert to C ssize_t");
}

HPyAPI_FUNC unsigned long _hpy_cpy_long_as_unsigned_long(PyObject *h)
{
    return (unsigned long)_hpy_cpy_int_as_unsigned(
        h, ULONG_MAX, "can't convert negative value to unsigned int",
        "Python int too large to convert to C unsigned long");
}

HPyAPI_FUNC unsigned long long _hpy_cpy_long_as_unsigned_long_long(PyObject *h)
{
    return _hpy_cpy_int_as_unsigned(h, ULLONG_MAX, "can't convert negative int to unsigned",
                                    "int too big to convert");
}

HPyAPI_FUNC size_t _hpy_cpy_long_as_size_t(PyObject *h)
{
    return (size_t)_hpy_cpy_int_as_unsigned(h, SIZE_MAX,
                                            "can't convert negative value to size_t",
                                            "Python int too large to convert to C size_t");
}

HPyAPI_FUNC unsigned long long _hpy_cpy_long_as_unsigned_long_long_mask(PyObject *h)
{
    PyObject *v = _hpy_cpy_int_operand(h, 1);
    if (v == NULL)
        return (unsigned long long)-1;
    unsigned long long result = PyLong_AsUnsignedLongLongMask(v);
    Py_DECREF(v);
    return result;
}

HPyAPI_FUNC unsigned long _hpy_cpy_long_as_unsigned_long_mask(PyObject *h)
{
    return (unsigned long)_hpy_cpy_long_as_unsigned_long_long_mask(h);
}

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

HPyAPI_FUNC PyObject *_hpy_cpy_unicode_encode_fs_default(PyObject *h)
{
    if (!PyUnicode_Check(h)) {
        PyErr_BadArgument();
        return NULL;
    }
    return PyUnicode_EncodeFSDefault(h);
}

/* cpyext decodes bytes only; CPython any object with a buffer. cpyext also dereferences
 * NULL, which CPython refuses. */
HPyAPI_FUNC PyObject *_hpy_cpy_unicode_from_encoded_object(PyObject *obj, const char *encoding,
                                                          const char *errors)
{
    if (obj == NULL) {
        PyErr_SetString(PyExc_SystemError, "bad argument to internal function");
        return NULL;
    }
    if (PyBytes_Check(obj) || PyUnicode_Check(obj))
        return PyUnicode_FromEncodedObject(obj, encoding, errors);
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0) {
        PyErr_Format(PyExc_TypeError, "decoding to str: need a bytes-like object, %.80s found",
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    PyObject *result = PyUnicode_Decode(view.buf, view.len, encoding, errors);
    PyBuffer_Release(&view);
    return result;
}

/* cpyext's PyBytes_Size measures any sized object. */
HPyAPI_FUNC Py_ssize_t _hpy_cpy_bytes_size(PyObject *h)
{
    if (!PyBytes_Check(h)) {
        PyErr_Format(PyExc_TypeError, "expected bytes, %.200s found", Py_TYPE(h)->tp_name);
        return -1;
    }
    return PyBytes_Size(h);
}

HPyAPI_FUNC PyObject *_hpy_cpy_unicode_decode_ascii(const char *s, Py_ssize_t size,
                                                   const char *errors)
{
    return _hpy_cpy_refuse_negative_size(size) ? NULL : PyUnicode_DecodeASCII(s, size, errors);
}

/* cpyext reads a NULL buffer as zeros; CPython refuses it with PyErr_BadInternalCall,
 * whose message cpyext words differently. */
HPyAPI_FUNC PyObject *_hpy_cpy_unicode_from_wide_char(const wchar_t *w, Py_ssize_t size)
{
    if (w == NULL && size != 0) {
        PyErr_SetString(PyExc_SystemError, "bad argument to internal function");
        return NULL;
    }
    if (size != -1 && _hpy_cpy_refuse_negative_size(size))
        return NULL;
    return PyUnicode_FromWideChar(w, size);
}

#else

#define _hpy_cpy_bytes_size PyBytes_Size
#define _hpy_cpy_unicode_decode_ascii PyUnicode_DecodeASCII
#define _hpy_cpy_unicode_from_wide_char PyUnicode_FromWideChar
#define _hpy_cpy_unicode_encode_fs_default PyUnicode_EncodeFSDefault
#define _hpy_cpy_unicode_from_encoded_object PyUnicode_FromEncodedObject
#define _hpy_cpy_inplace_power PyNumber_InPlacePower
#define _hpy_cpy_long_as_long PyLong_AsLong
#define _hpy_cpy_long_as_long_long PyLong_AsLongLong
#define _hpy_cpy_long_as_ssize_t PyLong_AsSsize_t
#define _hpy_cpy_long_as_unsigned_long PyLong_AsUnsignedLong
#define _hpy_cpy_long_as_unsigned_long_long PyLong_AsUnsignedLongLong
#define _hpy_cpy_long_as_size_t PyLong_AsSize_t
#define _hpy_cpy_long_as_unsigned_long_long_mask PyLong_AsUnsignedLongLongMask
#define _hpy_cpy_long_as_unsigned_long_mask PyLong_AsUnsignedLongMask
#define _hpy_cpy_long_as_void_ptr PyLong_AsVoidPtr
#define _hpy_cpy_long_as_double PyLong_AsDouble
#define _hpy_cpy_float_as_double PyFloat_AsDouble

#endif

#endif
