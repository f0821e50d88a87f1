/* CPython-backend mappings that need more than one C-API call. They work on PyObject*
 * and are shared by CPython-mode extensions and by the universal loader's context. */
#ifndef HANDLEPY_CPYTHON_IMPL_H
#define HANDLEPY_CPYTHON_IMPL_H

HPyAPI_FUNC PyObject *_hpy_cpy_newref(PyObject *o)
{
    Py_INCREF(o);
    return o;
}

/* The module's own dict, not PyEval_GetBuiltins(): that one is the running frame's,
 * which code run with other globals may have replaced. */
HPyAPI_FUNC PyObject *_hpy_cpy_builtins_dict(void)
{
    PyObject *module = PyImport_AddModule("builtins");
    return module == NULL ? NULL : PyModule_GetDict(module);
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

HPyAPI_FUNC PyObject *_hpy_cpy_call_tuple_dict(PyObject *callable, PyObject *args, PyObject *kw)
{
    if (args != NULL && !PyTuple_Check(args)) {
        PyErr_SetString(PyExc_TypeError,
                        "HPy_CallTupleDict requires args to be a tuple or null handle");
        return NULL;
    }
    if (kw != NULL && !PyDict_Check(kw)) {
        PyErr_SetString(PyExc_TypeError,
                        "HPy_CallTupleDict requires kw to be a dict or null handle");
        return NULL;
    }
    if (args == NULL)
        return PyObject_VectorcallDict(callable, NULL, 0, kw);
    return PyObject_Call(callable, args, kw);
}

HPyAPI_FUNC PyObject *_hpy_cpy_vectorcall(PyObject *callable, PyObject *const *args,
                                         size_t nargs, PyObject *kwnames)
{
    if (kwnames != NULL && !PyTuple_Check(kwnames)) {
        PyErr_SetString(PyExc_TypeError, "HPy_Call requires kwnames to be a tuple or null handle");
        return NULL;
    }
    return PyObject_Vectorcall(callable, args, nargs, kwnames);
}

HPyAPI_FUNC PyObject *_hpy_cpy_vectorcall_method(PyObject *name, PyObject *const *args,
                                                size_t nargs, PyObject *kwnames)
{
    if (nargs == 0) {
        PyErr_SetString(PyExc_TypeError, "HPy_CallMethod requires the receiver in args[0]");
        return NULL;
    }
    if (kwnames != NULL && !PyTuple_Check(kwnames)) {
        PyErr_SetString(PyExc_TypeError,
                        "HPy_CallMethod requires kwnames to be a tuple or null handle");
        return NULL;
    }
    if (_hpy_cpy_bad_attr_name(name))
        return NULL;
    return PyObject_VectorcallMethod(name, args, nargs, kwnames);
}

HPyAPI_FUNC HPyThreadState _hpy_cpy_leave_python(void)
{
    return (HPyThreadState){(intptr_t)PyEval_SaveThread()};
}

HPyAPI_FUNC void *_hpy_cpy_module_state(PyObject *module)
{
    if (!PyModule_Check(module)) {
        PyErr_SetString(PyExc_TypeError, "HPyModule_GetState: expected a module");
        return NULL;
    }
    /* CPython hands stateless modules a zero-byte allocation; say "no state" instead. */
    PyModuleDef *def = PyModule_GetDef(module);
    if (def == NULL || def->m_size <= 0)
        return NULL;
    return PyModule_GetState(module);
}

#endif
