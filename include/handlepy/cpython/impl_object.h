/* CPython-backend mappings of api/object.api, the object protocol. They guard C-API
 * calls whose bad input is undefined behaviour on the host, and make PyPy's cpyext
 * answer as CPython does. */
#ifndef HANDLEPY_CPYTHON_IMPL_OBJECT_H
#define HANDLEPY_CPYTHON_IMPL_OBJECT_H

#include "handlepy/cpython/common.h"

/* Py_XDECREF is inline on every host, so on PyPy only a freed object calls into cpyext. */
HPyAPI_FUNC void _hpy_cpy_close_many(const HPy *h, HPy_ssize_t n)
{
    if (h == NULL)
        return;
    for (HPy_ssize_t i = 0; i < n; i++)
        Py_XDECREF(_h2py(h[i]));
}

/* Compares type pointers only (PyPy exports the builtin type objects and None as data),
 * so the answer costs no call on any host; the most frequent kinds in JSON-like data
 * come first. */
HPyAPI_FUNC HPyKind _hpy_cpy_builtin_kind(PyObject *o)
{
    if (o == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPy_BuiltinKind: HPy_NULL");
        return HPyKind_Error;
    }
    PyTypeObject *t = Py_TYPE(o);
    if (t == &PyUnicode_Type)
        return HPyKind_Unicode;
    if (t == &PyLong_Type)
        return HPyKind_Long;
    if (t == &PyFloat_Type)
        return HPyKind_Float;
    if (t == &PyDict_Type)
        return HPyKind_Dict;
    if (t == &PyList_Type)
        return HPyKind_List;
    if (o == Py_None)
        return HPyKind_None;
    if (t == &PyBool_Type)
        return HPyKind_Bool;
    if (t == &PyTuple_Type)
        return HPyKind_Tuple;
    if (t == &PyBytes_Type)
        return HPyKind_Bytes;
    return HPyKind_Other;
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

HPyAPI_FUNC int _hpy_cpy_setitem(PyObject *obj, PyObject *key, PyObject *value)
{
    if (_hpy_cpy_null_arg(obj) || _hpy_cpy_null_arg(key) || _hpy_cpy_null_arg(value))
        return -1;
    return PyObject_SetItem(obj, key, value);
}

#ifdef PYPY_VERSION
/* cpyext dereferences a NULL object, which CPython refuses (null_error()). */
HPyAPI_FUNC PyObject *_hpy_cpy_getitem(PyObject *obj, PyObject *key)
{
    return _hpy_cpy_null_arg(obj) || _hpy_cpy_null_arg(key) ? NULL : PyObject_GetItem(obj, key);
}
#else
#define _hpy_cpy_getitem PyObject_GetItem
#endif

#ifdef PYPY_VERSION
/* cpyext dereferences a NULL object, which CPython refuses (null_error()). */
HPyAPI_FUNC int _hpy_cpy_delitem(PyObject *obj, PyObject *key)
{
    return _hpy_cpy_null_arg(obj) || _hpy_cpy_null_arg(key) ? -1 : PyObject_DelItem(obj, key);
}
#else
#define _hpy_cpy_delitem PyObject_DelItem
#endif

#ifdef PYPY_VERSION
/* cpyext dereferences a NULL object, which CPython refuses (null_error()). */
HPyAPI_FUNC Py_ssize_t _hpy_cpy_length(PyObject *obj)
{
    return _hpy_cpy_null_arg(obj) ? -1 : PyObject_Length(obj);
}
#else
#define _hpy_cpy_length PyObject_Length
#endif

#ifdef PYPY_VERSION
/* CPython's repr of a NULL object, where cpyext dereferences it. */
HPyAPI_FUNC PyObject *_hpy_cpy_ascii(PyObject *obj)
{
    return obj == NULL ? PyUnicode_FromString("<NULL>") : PyObject_ASCII(obj);
}
#else
#define _hpy_cpy_ascii PyObject_ASCII
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

HPyAPI_FUNC PyObject *_hpy_cpy_getitem_i(PyObject *obj, Py_ssize_t idx)
{
    if (_hpy_cpy_null_arg(obj))
        return NULL;
#ifndef PYPY_VERSION
    /* An exact list or tuple answers an index in range with its item, as obj[idx] would:
     * no int to make for the key, no dispatch through the mapping protocol. (cpyext would
     * move a list's items into C storage for this, so PyPy keeps the general path.) */
#ifdef Py_GIL_DISABLED
    /* Without the GIL another thread may shrink the list between a borrowed read and
     * the incref: PyList_GetItemRef (3.13+, as every free-threaded CPython) reads and
     * increfs as one step. */
    if (PyList_CheckExact(obj) && idx >= 0)
        return PyList_GetItemRef(obj, idx);
#else
    if (PyList_CheckExact(obj) && idx >= 0 && idx < PyList_GET_SIZE(obj))
        return _hpy_cpy_newref(PyList_GET_ITEM(obj, idx));
#endif
    if (PyTuple_CheckExact(obj) && idx >= 0 && idx < PyTuple_GET_SIZE(obj))
        return _hpy_cpy_newref(PyTuple_GET_ITEM(obj, idx));
#endif
    PyObject *key = PyLong_FromSsize_t(idx);
    if (key == NULL)
        return NULL;
    PyObject *result = PyObject_GetItem(obj, key);
    Py_DECREF(key);
    return result;
}

HPyAPI_FUNC PyObject *_hpy_cpy_getitem_s(PyObject *obj, const char *utf8_key)
{
    if (_hpy_cpy_null_arg(obj))
        return NULL;
    PyObject *key = PyUnicode_FromString(utf8_key);
    if (key == NULL)
        return NULL;
    PyObject *result = PyObject_GetItem(obj, key);
    Py_DECREF(key);
    return result;
}

HPyAPI_FUNC int _hpy_cpy_setitem_i(PyObject *obj, Py_ssize_t idx, PyObject *value)
{
    if (_hpy_cpy_null_arg(obj) || _hpy_cpy_null_arg(value))
        return -1;
    PyObject *key = PyLong_FromSsize_t(idx);
    if (key == NULL)
        return -1;
    int result = PyObject_SetItem(obj, key, value);
    Py_DECREF(key);
    return result;
}

HPyAPI_FUNC int _hpy_cpy_setitem_s(PyObject *obj, const char *utf8_key, PyObject *value)
{
    if (_hpy_cpy_null_arg(obj) || _hpy_cpy_null_arg(value))
        return -1;
    PyObject *key = PyUnicode_FromString(utf8_key);
    if (key == NULL)
        return -1;
    int result = PyObject_SetItem(obj, key, value);
    Py_DECREF(key);
    return result;
}

HPyAPI_FUNC int _hpy_cpy_delitem_i(PyObject *obj, Py_ssize_t idx)
{
    if (_hpy_cpy_null_arg(obj))
        return -1;
    PyObject *key = PyLong_FromSsize_t(idx);
    if (key == NULL)
        return -1;
    int result = PyObject_DelItem(obj, key);
    Py_DECREF(key);
    return result;
}

#endif
