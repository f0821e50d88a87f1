/* CPython-backend mappings that need more than one C-API call. They work on PyObject*
 * and are shared by CPython-mode extensions and by the universal loader's context. */
#ifndef HANDLEPY_CPYTHON_IMPL_H
#define HANDLEPY_CPYTHON_IMPL_H

HPyAPI_FUNC PyObject *_hpy_cpy_newref(PyObject *o)
{
    Py_INCREF(o);
    return o;
}

HPyAPI_FUNC PyObject *_hpy_cpy_builtins_module(void)
{
    return PyImport_AddModule("builtins");
}

HPyAPI_FUNC PyObject *_hpy_cpy_getitem_i(PyObject *obj, Py_ssize_t idx)
{
    PyObject *key = PyLong_FromSsize_t(idx);
    if (key == NULL)
        return NULL;
    PyObject *result = PyObject_GetItem(obj, key);
    Py_DECREF(key);
    return result;
}

HPyAPI_FUNC PyObject *_hpy_cpy_getitem_s(PyObject *obj, const char *utf8_key)
{
    PyObject *key = PyUnicode_FromString(utf8_key);
    if (key == NULL)
        return NULL;
    PyObject *result = PyObject_GetItem(obj, key);
    Py_DECREF(key);
    return result;
}

HPyAPI_FUNC int _hpy_cpy_setitem_i(PyObject *obj, Py_ssize_t idx, PyObject *value)
{
    if (_hpy_cpy_null_value(value))
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
    if (_hpy_cpy_null_value(value))
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

HPyAPI_FUNC PyObject *_hpy_cpy_tuple_from_array(PyObject **items, Py_ssize_t n)
{
    PyObject *tuple = PyTuple_New(n);
    if (tuple == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_INCREF(items[i]);
        PyTuple_SET_ITEM(tuple, i, items[i]);
    }
    return tuple;
}

HPyAPI_FUNC PyObject *_hpy_cpy_list_new(Py_ssize_t len)
{
    PyObject *list = PyList_New(len);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_INCREF(Py_None);
        PyList_SET_ITEM(list, i, Py_None);
    }
    return list;
}

/* A builder is its unfinished container; a failed New leaves it 0, and Set on it is a
 * no-op so that callers check once, at Build. */
HPyAPI_FUNC HPyTupleBuilder _hpy_cpy_tuple_builder_new(Py_ssize_t size)
{
    return (HPyTupleBuilder){(intptr_t)PyTuple_New(size)};
}

HPyAPI_FUNC HPyListBuilder _hpy_cpy_list_builder_new(Py_ssize_t size)
{
    return (HPyListBuilder){(intptr_t)_hpy_cpy_list_new(size)};
}

HPyAPI_FUNC void _hpy_cpy_seq_builder_set(intptr_t container, Py_ssize_t index, PyObject *item)
{
    PyObject *seq = (PyObject *)container;
    if (seq == NULL)
        return;
    Py_INCREF(item);
    if (PyTuple_Check(seq)) {
        PyObject *old = PyTuple_GET_ITEM(seq, index);
        PyTuple_SET_ITEM(seq, index, item);
        Py_XDECREF(old);
    } else {
        PyObject *old = PyList_GET_ITEM(seq, index);
        PyList_SET_ITEM(seq, index, item);
        Py_XDECREF(old);
    }
}

HPyAPI_FUNC PyObject *_hpy_cpy_dict_keys(PyObject *h)
{
    if (!PyDict_Check(h)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    return PyDict_Keys(h);
}

HPyAPI_FUNC PyObject *_hpy_cpy_dict_copy(PyObject *h)
{
    if (!PyDict_Check(h)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    return PyDict_Copy(h);
}

HPyAPI_FUNC PyObject *_hpy_cpy_dict_getitem(PyObject *h, PyObject *key)
{
    if (!PyDict_Check(h)) {
        PyErr_BadInternalCall();
        return NULL;
    }
    PyObject *item = PyDict_GetItemWithError(h, key);
    Py_XINCREF(item);
    return item;
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
