/* HPyTracker for the CPython backend: a growable array of owned references. */
#ifndef HANDLEPY_CPYTHON_IMPL_TRACKER_H
#define HANDLEPY_CPYTHON_IMPL_TRACKER_H

typedef struct {
    Py_ssize_t length;
    Py_ssize_t capacity;
    PyObject **items;
} _hpy_cpy_tracker;

HPyAPI_FUNC HPyTracker _hpy_cpy_tracker_new(Py_ssize_t size)
{
    if (size < 1)
        size = 1;
    _hpy_cpy_tracker *t = (_hpy_cpy_tracker *)PyMem_Malloc(sizeof(_hpy_cpy_tracker));
    PyObject **items = (PyObject **)PyMem_Malloc(sizeof(PyObject *) * (size_t)size);
    if (t == NULL || items == NULL) {
        PyMem_Free(t);
        PyMem_Free(items);
        PyErr_NoMemory();
        return (HPyTracker){0};
    }
    t->length = 0;
    t->capacity = size;
    t->items = items;
    return (HPyTracker){(intptr_t)t};
}

HPyAPI_FUNC int _hpy_cpy_tracker_add(HPyTracker ht, PyObject *h)
{
    _hpy_cpy_tracker *t = (_hpy_cpy_tracker *)ht._i;
    if (t->length == t->capacity) {
        Py_ssize_t capacity = t->capacity * 2;
        PyObject **items = (PyObject **)PyMem_Realloc(t->items,
                                                      sizeof(PyObject *) * (size_t)capacity);
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->items = items;
        t->capacity = capacity;
    }
    t->items[t->length++] = h;
    return 0;
}

HPyAPI_FUNC void _hpy_cpy_tracker_forget_all(HPyTracker ht)
{
    ((_hpy_cpy_tracker *)ht._i)->length = 0;
}

HPyAPI_FUNC void _hpy_cpy_tracker_close(HPyTracker ht)
{
    _hpy_cpy_tracker *t = (_hpy_cpy_tracker *)ht._i;
    if (t == NULL)
        return;
    for (Py_ssize_t i = 0; i < t->length; i++)
        Py_XDECREF(t->items[i]);
    PyMem_Free(t->items);
    PyMem_Free(t);
}

#endif
