/* CPython-backend helpers for the object protocol, included before impl.h, which uses
 * them. They guard C-API calls whose bad input is undefined behaviour on the host, and
 * make PyPy's cpyext answer as CPython does. */
#ifndef HANDLEPY_CPYTHON_IMPL_OBJECT_H
#define HANDLEPY_CPYTHON_IMPL_OBJECT_H

#include <errno.h>
#include <string.h>

/* PyPy reports a non-str name in words of its own; this gives CPython's. */
HPyAPI_FUNC int _hpy_cpy_bad_attr_name(PyObject *name)
{
    if (PyUnicode_Check(name))
        return 0;
    PyErr_Format(PyExc_TypeError, "attribute name must be string, not '%.200s'",
                 Py_TYPE(name)->tp_name);
    return 1;
}

HPyAPI_FUNC PyObject *_hpy_cpy_getattr(PyObject *obj, PyObject *name)
{
    return _hpy_cpy_bad_attr_name(name) ? NULL : PyObject_GetAttr(obj, name);
}

/* PyPy's PyObject_SetAttr with a NULL value deletes, but ignores a missing attribute;
 * its PyObject_DelAttr raises AttributeError as CPython does. */
HPyAPI_FUNC int _hpy_cpy_setattr(PyObject *obj, PyObject *name, PyObject *value)
{
    if (_hpy_cpy_bad_attr_name(name))
        return -1;
    return value == NULL ? PyObject_DelAttr(obj, name) : PyObject_SetAttr(obj, name, value);
}

HPyAPI_FUNC int _hpy_cpy_setattr_s(PyObject *obj, const char *name, PyObject *value)
{
    return value == NULL ? PyObject_DelAttrString(obj, name)
                         : PyObject_SetAttrString(obj, name, value);
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

HPyAPI_FUNC int _hpy_cpy_setitem(PyObject *obj, PyObject *key, PyObject *value)
{
    if (_hpy_cpy_null_arg(obj) || _hpy_cpy_null_arg(key) || _hpy_cpy_null_arg(value))
        return -1;
    return PyObject_SetItem(obj, key, value);
}

#ifdef PYPY_VERSION
/* What CPython answers for a NULL object, where cpyext dereferences it. */
HPyAPI_FUNC PyObject *_hpy_cpy_getitem(PyObject *obj, PyObject *key)
{
    return _hpy_cpy_null_arg(obj) || _hpy_cpy_null_arg(key) ? NULL : PyObject_GetItem(obj, key);
}

HPyAPI_FUNC int _hpy_cpy_delitem(PyObject *obj, PyObject *key)
{
    return _hpy_cpy_null_arg(obj) || _hpy_cpy_null_arg(key) ? -1 : PyObject_DelItem(obj, key);
}

HPyAPI_FUNC Py_ssize_t _hpy_cpy_length(PyObject *obj)
{
    return _hpy_cpy_null_arg(obj) ? -1 : PyObject_Length(obj);
}

HPyAPI_FUNC PyObject *_hpy_cpy_ascii(PyObject *obj)
{
    return obj == NULL ? PyUnicode_FromString("<NULL>") : PyObject_ASCII(obj);
}

HPyAPI_FUNC int _hpy_cpy_callable_check(PyObject *obj)
{
    return obj != NULL && PyCallable_Check(obj);
}

#define _HPY_CPY_UNARY(name, call)                                            \
    HPyAPI_FUNC PyObject *name(PyObject *obj)                                 \
    {                                                                         \
        return _hpy_cpy_null_arg(obj) ? NULL : call(obj);                     \
    }
_HPY_CPY_UNARY(_hpy_cpy_negative, PyNumber_Negative)
_HPY_CPY_UNARY(_hpy_cpy_positive, PyNumber_Positive)
_HPY_CPY_UNARY(_hpy_cpy_absolute, PyNumber_Absolute)
_HPY_CPY_UNARY(_hpy_cpy_invert, PyNumber_Invert)
_HPY_CPY_UNARY(_hpy_cpy_index, PyNumber_Index)
_HPY_CPY_UNARY(_hpy_cpy_long, PyNumber_Long)
_HPY_CPY_UNARY(_hpy_cpy_float, PyNumber_Float)
#undef _HPY_CPY_UNARY
#else
#define _hpy_cpy_getitem PyObject_GetItem
#define _hpy_cpy_delitem PyObject_DelItem
#define _hpy_cpy_length PyObject_Length
#define _hpy_cpy_ascii PyObject_ASCII
#define _hpy_cpy_callable_check PyCallable_Check
#define _hpy_cpy_negative PyNumber_Negative
#define _hpy_cpy_positive PyNumber_Positive
#define _hpy_cpy_absolute PyNumber_Absolute
#define _hpy_cpy_invert PyNumber_Invert
#define _hpy_cpy_index PyNumber_Index
#define _hpy_cpy_long PyNumber_Long
#define _hpy_cpy_float PyNumber_Float
#endif

/* PyPy's PyObject_Bytes stops after bytes, __bytes__ and the buffer protocol; CPython's
 * goes on to any iterable of ints but str, and names the type when it gives up. */
HPyAPI_FUNC PyObject *_hpy_cpy_bytes(PyObject *obj)
{
#ifdef PYPY_VERSION
    if (obj == NULL)
        return PyBytes_FromString("<NULL>");
    if (!PyBytes_Check(obj) && !PyObject_HasAttrString((PyObject *)Py_TYPE(obj), "__bytes__")) {
        int is_str = PyUnicode_Check(obj);
        PyObject *result = is_str ? NULL : PyObject_Bytes(obj);
        if (result != NULL || (!is_str && !PyErr_ExceptionMatches(PyExc_TypeError)))
            return result;
        PyErr_Clear();
        PyObject *items = is_str ? NULL : PyObject_GetIter(obj);
        if (items != NULL) {
            result = PyObject_CallOneArg((PyObject *)&PyBytes_Type, items);
            Py_DECREF(items);
            return result;
        }
        if (!is_str && !PyErr_ExceptionMatches(PyExc_TypeError))
            return NULL;
        PyErr_Format(PyExc_TypeError, "cannot convert '%.200s' object to bytes",
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
#endif
    return PyObject_Bytes(obj);
}

/* A handle carries no C type, so unlike PyObject_TypeCheck this must check that `type`
 * is one. Callers test the result as a boolean, so a bad `type` answers "no" (0) and
 * leaves TypeError set to surface at the caller's next error check. */
HPyAPI_FUNC int _hpy_cpy_type_check(PyObject *obj, PyObject *type)
{
    if (!PyType_Check(type)) {
        PyErr_Format(PyExc_TypeError, "HPy_TypeCheck() arg 2 must be a type, not %.200s",
                     Py_TYPE(type)->tp_name);
        return 0;
    }
    return PyObject_TypeCheck(obj, (PyTypeObject *)type);
}

/* CPython only asserts that `op` is in range and indexes a table with it. */
HPyAPI_FUNC int _hpy_cpy_bad_compare_op(int op)
{
    if (op >= Py_LT && op <= Py_GE)
        return 0;
    PyErr_SetString(PyExc_SystemError, "bad argument to internal function");
    return 1;
}

/* cpyext dereferences a NULL operand, which CPython refuses. */
HPyAPI_FUNC int _hpy_cpy_bad_compare_args(PyObject *v, PyObject *w, int op)
{
#ifdef PYPY_VERSION
    if (v == NULL || w == NULL) {
        PyErr_SetString(PyExc_SystemError, "bad argument to internal function");
        return 1;
    }
#else
    (void)v;
    (void)w;
#endif
    return _hpy_cpy_bad_compare_op(op);
}

HPyAPI_FUNC PyObject *_hpy_cpy_rich_compare(PyObject *v, PyObject *w, int op)
{
    return _hpy_cpy_bad_compare_args(v, w, op) ? NULL : PyObject_RichCompare(v, w, op);
}

HPyAPI_FUNC int _hpy_cpy_rich_compare_bool(PyObject *v, PyObject *w, int op)
{
    return _hpy_cpy_bad_compare_args(v, w, op) ? -1 : PyObject_RichCompareBool(v, w, op);
}

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

#endif
