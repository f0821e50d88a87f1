/* CPython-backend mappings of api/errors.api. They refuse what would crash the host or
 * make PyPy's cpyext answer otherwise than CPython. */
#ifndef HANDLEPY_CPYTHON_IMPL_ERRORS_H
#define HANDLEPY_CPYTHON_IMPL_ERRORS_H

#include "handlepy/cpython/common.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* PyPy's cpyext takes any type and fails only when the error is raised, and a NULL
 * value there is a fatal error; CPython raises a NULL value as ``type()``. */
HPyAPI_FUNC int _hpy_cpy_bad_exception_type(PyObject *type)
{
    if (type != NULL && PyExceptionClass_Check(type))
        return 0;
    /* Not %R of NULL, which cpyext asserts against. */
    if (type == NULL)
        PyErr_SetString(PyExc_SystemError,
                        "_PyErr_SetObject: exception <NULL> is not a BaseException subclass");
    else
        PyErr_Format(PyExc_SystemError,
                     "_PyErr_SetObject: exception %R is not a BaseException subclass", type);
    return 1;
}

HPyAPI_FUNC PyObject *_hpy_cpy_err_set_object(PyObject *type, PyObject *value)
{
    if (!_hpy_cpy_bad_exception_type(type))
        PyErr_SetObject(type, value != NULL ? value : Py_None);
    return NULL;
}

HPyAPI_FUNC PyObject *_hpy_cpy_err_set_string(PyObject *type, const char *utf8_message)
{
    if (!_hpy_cpy_bad_exception_type(type))
        PyErr_SetString(type, utf8_message);
    return NULL;
}

/* CPython's C API calls whatever category it is given, and PyPy's defaults a NULL one to
 * UserWarning; this checks like warnings.warn() and defaults like CPython. A bad category
 * goes to the running interpreter's warnings.warn() itself, so that the TypeError is
 * worded as that interpreter words it (3.15 words it anew). */
HPyAPI_FUNC int _hpy_cpy_warn(PyObject *category, const char *utf8_message,
                              Py_ssize_t stack_level)
{
    if (category == NULL)
        category = PyExc_RuntimeWarning;
    if (PyType_Check(category) &&
        PyType_IsSubtype((PyTypeObject *)category, (PyTypeObject *)PyExc_Warning))
        return PyErr_WarnEx(category, utf8_message, stack_level);
    PyObject *warnings = PyImport_ImportModule("warnings");
    if (warnings == NULL)
        return -1;
    PyObject *res = PyObject_CallMethod(warnings, "warn", "sOn", utf8_message, category,
                                        stack_level);
    Py_DECREF(warnings);
    if (res == NULL)
        return -1;
    /* A warnings module that took it after all: its TypeError is CPython's own. */
    Py_DECREF(res);
    PyErr_Format(PyExc_TypeError, "category must be a Warning subclass, not '%.200s'",
                 Py_TYPE(category)->tp_name);
    return -1;
}

/* PyPy's PyErr_SetFromErrno* put a None filename in the arguments when there is no
 * filename; CPython's leave it out. */
HPyAPI_FUNC PyObject *_hpy_cpy_err_from_errno_only(PyObject *type)
{
#ifdef PYPY_VERSION
    int code = errno;
    PyObject *message = PyUnicode_DecodeLocale(code ? strerror(code) : "Error",
                                               "surrogateescape");
    if (message == NULL)
        return NULL;
    PyObject *exc = PyObject_CallFunction(type, "iO", code, message);
    Py_DECREF(message);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
#else
    return PyErr_SetFromErrno(type);
#endif
}

HPyAPI_FUNC PyObject *_hpy_cpy_err_from_errno(PyObject *type, const char *filename)
{
    return filename == NULL ? _hpy_cpy_err_from_errno_only(type)
                            : PyErr_SetFromErrnoWithFilename(type, filename);
}

HPyAPI_FUNC PyObject *_hpy_cpy_err_from_errno_objects(PyObject *type, PyObject *filename1,
                                                      PyObject *filename2)
{
    if (filename1 == NULL)
        return _hpy_cpy_err_from_errno_only(type);
    if (filename2 == NULL)
        return PyErr_SetFromErrnoWithFilenameObject(type, filename1);
    return PyErr_SetFromErrnoWithFilenameObjects(type, filename1, filename2);
}

/* PyPy's PyErr_ExceptionMatches crashes when no exception is set. */
HPyAPI_FUNC int _hpy_cpy_exception_matches(PyObject *exc)
{
    return PyErr_Occurred() != NULL && PyErr_ExceptionMatches(exc);
}

/* Not every host declares Py_FatalError noreturn (PyPy does not). */
HPyAPI_FUNC _HPy_NO_RETURN void _hpy_cpy_fatal_error(const char *message)
{
    Py_FatalError(message);
    abort();
}

#endif
