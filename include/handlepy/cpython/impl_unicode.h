/* CPython-backend mappings of api/unicode.api. They check what CPython's C API leaves
 * to the caller; on PyPy, whose cpyext accepts other inputs or words its errors
 * differently, they rebuild the call from ones both hosts implement alike. Errors
 * raised by the codecs themselves keep the host's wording, as in Python code. */
#ifndef HANDLEPY_CPYTHON_IMPL_UNICODE_H
#define HANDLEPY_CPYTHON_IMPL_UNICODE_H

#include "handlepy/cpython/common.h"
#include <wchar.h>

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
HPyAPI_FUNC PyObject *_hpy_cpy_unicode_decode_ascii(const char *s, Py_ssize_t size,
                                                   const char *errors)
{
    return _hpy_cpy_refuse_negative_size(size) ? NULL : PyUnicode_DecodeASCII(s, size, errors);
}
#else
#define _hpy_cpy_unicode_decode_ascii PyUnicode_DecodeASCII
#endif

#ifdef PYPY_VERSION
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
#define _hpy_cpy_unicode_from_wide_char PyUnicode_FromWideChar
#endif

#ifdef PYPY_VERSION
HPyAPI_FUNC PyObject *_hpy_cpy_unicode_encode_fs_default(PyObject *h)
{
    if (!PyUnicode_Check(h)) {
        PyErr_BadArgument();
        return NULL;
    }
    return PyUnicode_EncodeFSDefault(h);
}
#else
#define _hpy_cpy_unicode_encode_fs_default PyUnicode_EncodeFSDefault
#endif

#ifdef PYPY_VERSION
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
#else
#define _hpy_cpy_unicode_from_encoded_object PyUnicode_FromEncodedObject
#endif

#endif
