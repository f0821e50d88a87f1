/* CPython-backend mappings of api/bytes.api. */
#ifndef HANDLEPY_CPYTHON_IMPL_BYTES_H
#define HANDLEPY_CPYTHON_IMPL_BYTES_H

#include "handlepy/cpython/common.h"

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

#ifdef PYPY_VERSION
/* cpyext's PyBytes_Size measures any sized object. */
HPyAPI_FUNC Py_ssize_t _hpy_cpy_bytes_size(PyObject *h)
{
    if (!PyBytes_Check(h)) {
        PyErr_Format(PyExc_TypeError, "expected bytes, %.200s found", Py_TYPE(h)->tp_name);
        return -1;
    }
    return PyBytes_Size(h);
}
#else
#define _hpy_cpy_bytes_size PyBytes_Size
#endif

#endif
