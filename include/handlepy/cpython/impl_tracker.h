/* HPyTracker for the CPython backend: a growable array of owned references.
 * As in HPy, the array always keeps one free slot, so that Add can store its handle
 * before it grows: when growing fails, the handle is still tracked and Close still
 * closes it, and New(n) guarantees n Adds that cannot fail. */
#ifndef HANDLEPY_CPYTHON_IMPL_TRACKER_H
#define HANDLEPY_CPYTHON_IMPL_TRACKER_H

typedef struct {
    Py_ssize_t length;
    Py_ssize_t capacity;
    PyObject **items;
} _hpy_cpy_tracker;

HPyAPI_FUNC int _hpy_cpy_tracker_resize(_hpy_cpy_tracker *t, Py_ssize_t capacity)
{
    PyObject **items = NULL;
    if (capacity > 0 && (size_t)capacity <= (size_t)PY_SSIZE_T_MAX / sizeof(PyObject *))
        items = (PyObject **)PyMem_Realloc(t->items, sizeof(PyObject *) * (size_t)capacity);
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    t->items = items;
    t->capacity = capacity;
    return 0;
}

HPyAPI_FUNC HPyTracker _hpy_cpy_tracker_new(Py_ssize_t size)
{
    _hpy_cpy_tracker *t = (_hpy_cpy_tracker *)PyMem_Malloc(sizeof(_hpy_cpy_tracker));
    if (t == NULL) {
        PyErr_NoMemory();
        return (HPyTracker){0};
    }
    t->length = 0;
    t->capacity = 0;
    t->items = NULL;
    /* size is only a hint: 0 or less asks for a small default. */
    Py_ssize_t hint = size > 0 ? size : 4;
    if (hint == PY_SSIZE_T_MAX || _hpy_cpy_tracker_resize(t, hint + 1) < 0) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        PyMem_Free(t);
        return (HPyTracker){0};
    }
    return (HPyTracker){(intptr_t)t};
}

HPyAPI_FUNC int _hpy_cpy_tracker_add(HPyTracker ht, PyObject *h)
{
    _hpy_cpy_tracker *t = (_hpy_cpy_tracker *)ht._i;
    if (t == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_SystemError, "HPyTracker_Add on a tracker New failed to create");
        return -1;
    }
    /* Full only after a failed grow; HPy allows only Close then, but stay safe. */
    if (t->length == t->capacity && _hpy_cpy_tracker_resize(t, t->capacity * 2) < 0)
        return -1;
    t->items[t->length++] = h;
    if (t->length == t->capacity)
        return _hpy_cpy_tracker_resize(t, t->capacity * 2);
    return 0;
}

HPyAPI_FUNC void _hpy_cpy_tracker_forget_all(HPyTracker ht)
{
    _hpy_cpy_tracker *t = (_hpy_cpy_tracker *)ht._i;
    if (t != NULL)
        t->length = 0;
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
