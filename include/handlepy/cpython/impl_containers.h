/* CPython-backend mappings of api/containers.api: tuples, lists, builders, dicts and
 * slices. They check what the C API leaves to the caller, so that a wrong type or index
 * raises instead of corrupting memory; a wrong type raises SystemError, as CPython's
 * concrete-object functions do for a bad internal call. */
#ifndef HANDLEPY_CPYTHON_IMPL_CONTAINERS_H
#define HANDLEPY_CPYTHON_IMPL_CONTAINERS_H

#include "handlepy/cpython/common.h"

HPyAPI_FUNC int _hpy_cpy_require(int ok, const char *func, const char *expected, PyObject *obj)
{
    if (!ok)
        PyErr_Format(PyExc_SystemError, "%s requires a %s, not %.200s", func, expected,
                     obj == NULL ? "HPy_NULL" : Py_TYPE(obj)->tp_name);
    return ok;
}

HPyAPI_FUNC int _hpy_cpy_nonnegative(Py_ssize_t size, const char *func)
{
    if (size < 0)
        PyErr_Format(PyExc_SystemError, "%s: negative size %zd", func, size);
    return size >= 0;
}

/* Takes the HPy array itself: reading it through a PyObject ** would break strict
 * aliasing, and newer GCCs then see the caller's array as never read. */
HPyAPI_FUNC PyObject *_hpy_cpy_tuple_from_array(const HPy *items, Py_ssize_t n)
{
    if (!_hpy_cpy_nonnegative(n, "HPyTuple_FromArray"))
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (_h2py(items[i]) == NULL) {
            PyErr_Format(PyExc_SystemError, "HPyTuple_FromArray: item %zd is HPy_NULL", i);
            return NULL;
        }
    }
    PyObject *tuple = PyTuple_New(n);
    if (tuple == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = _h2py(items[i]);
        Py_INCREF(item);
        PyTuple_SET_ITEM(tuple, i, item);
    }
    return tuple;
}

HPyAPI_FUNC PyObject *_hpy_cpy_list_new(Py_ssize_t len)
{
    if (!_hpy_cpy_nonnegative(len, "HPyList_New"))
        return NULL;
    /* CPython's own limit; PyPy would wrap its MemoryError in a SystemError. */
    if ((size_t)len > (size_t)PY_SSIZE_T_MAX / sizeof(PyObject *))
        return PyErr_NoMemory();
    PyObject *list = PyList_New(len);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_INCREF(Py_None);
        PyList_SET_ITEM(list, i, Py_None);
    }
    return list;
}

HPyAPI_FUNC int _hpy_cpy_list_append(PyObject *list, PyObject *item)
{
    if (!_hpy_cpy_require(list != NULL && PyList_Check(list), "HPyList_Append", "list", list))
        return -1;
    if (item == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPyList_Append: the item is HPy_NULL");
        return -1;
    }
    return PyList_Append(list, item);
}

/* Builders collect their items in their own array and create the container only in
 * Build: a bad Set (index out of range, or an HPy_NULL item from an unchecked failed
 * call) is remembered and reported by Build, and an item never set is caught there too,
 * instead of leaving a hole in a live container. */
enum { _HPY_BUILDER_OK, _HPY_BUILDER_BAD_INDEX, _HPY_BUILDER_NULL_ITEM };

typedef struct {
    Py_ssize_t size;
    int failure;
    Py_ssize_t failed_index;
    PyObject **items; /* the allocation's tail */
} _hpy_cpy_builder;

HPyAPI_FUNC intptr_t _hpy_cpy_builder_new(Py_ssize_t size, const char *func)
{
    if (!_hpy_cpy_nonnegative(size, func))
        return 0;
    size_t limit = ((size_t)PY_SSIZE_T_MAX - sizeof(_hpy_cpy_builder)) / sizeof(PyObject *);
    _hpy_cpy_builder *b = NULL;
    if ((size_t)size <= limit)
        b = (_hpy_cpy_builder *)PyMem_Calloc(
            1, sizeof(_hpy_cpy_builder) + sizeof(PyObject *) * (size_t)size);
    if (b == NULL) {
        PyErr_NoMemory();
        return 0;
    }
    b->size = size;
    b->items = (PyObject **)(b + 1);
    return (intptr_t)b;
}

HPyAPI_FUNC void _hpy_cpy_builder_set(intptr_t builder, Py_ssize_t index, PyObject *item)
{
    _hpy_cpy_builder *b = (_hpy_cpy_builder *)builder;
    if (b == NULL || b->failure != _HPY_BUILDER_OK)
        return;
    if (index < 0 || index >= b->size) {
        b->failure = _HPY_BUILDER_BAD_INDEX;
        b->failed_index = index;
        return;
    }
    if (item == NULL) {
        b->failure = _HPY_BUILDER_NULL_ITEM;
        b->failed_index = index;
        return;
    }
    PyObject *old = b->items[index];
    Py_INCREF(item);
    b->items[index] = item;
    Py_XDECREF(old);
}

HPyAPI_FUNC void _hpy_cpy_builder_cancel(intptr_t builder)
{
    _hpy_cpy_builder *b = (_hpy_cpy_builder *)builder;
    if (b == NULL)
        return;
    for (Py_ssize_t i = 0; i < b->size; i++)
        Py_XDECREF(b->items[i]);
    PyMem_Free(b);
}

/* 0 when every item is set; otherwise raises (keeping the exception of the failed call
 * that produced an HPy_NULL item) and returns -1. */
HPyAPI_FUNC int _hpy_cpy_builder_check(_hpy_cpy_builder *b, int is_list)
{
    const char *kind = is_list ? "HPyListBuilder" : "HPyTupleBuilder";
    switch (b->failure) {
    case _HPY_BUILDER_BAD_INDEX:
        PyErr_SetString(PyExc_IndexError, is_list ? "list assignment index out of range"
                                                  : "tuple assignment index out of range");
        return -1;
    case _HPY_BUILDER_NULL_ITEM:
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_SystemError, "%s_Set: item %zd is HPy_NULL", kind,
                         b->failed_index);
        return -1;
    }
    for (Py_ssize_t i = 0; i < b->size; i++) {
        if (b->items[i] == NULL) {
            PyErr_Format(PyExc_SystemError, "%s_Build: item %zd was never set", kind, i);
            return -1;
        }
    }
    return 0;
}

HPyAPI_FUNC PyObject *_hpy_cpy_builder_build(intptr_t builder, int is_list)
{
    _hpy_cpy_builder *b = (_hpy_cpy_builder *)builder;
    if (b == NULL) {
        /* New failed and raised already; this also covers a builder never created. */
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_SystemError, "Build called on a builder that New failed to create");
        return NULL;
    }
    PyObject *seq = NULL;
    if (_hpy_cpy_builder_check(b, is_list) == 0)
        seq = is_list ? PyList_New(b->size) : PyTuple_New(b->size);
    if (seq == NULL) {
        _hpy_cpy_builder_cancel(builder);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < b->size; i++) {
        if (is_list)
            PyList_SET_ITEM(seq, i, b->items[i]);
        else
            PyTuple_SET_ITEM(seq, i, b->items[i]);
    }
    PyMem_Free(b);
    return seq;
}

HPyAPI_FUNC PyObject *_hpy_cpy_dict_keys(PyObject *h)
{
    if (!_hpy_cpy_require(h != NULL && PyDict_Check(h), "HPyDict_Keys", "dict", h))
        return NULL;
    return PyDict_Keys(h);
}

HPyAPI_FUNC PyObject *_hpy_cpy_dict_copy(PyObject *h)
{
    if (!_hpy_cpy_require(h != NULL && PyDict_Check(h), "HPyDict_Copy", "dict", h))
        return NULL;
    return PyDict_Copy(h);
}

HPyAPI_FUNC PyObject *_hpy_cpy_dict_getitem(PyObject *h, PyObject *key)
{
    if (!_hpy_cpy_require(h != NULL && PyDict_Check(h), "HPyDict_GetItem", "dict", h))
        return NULL;
    if (key == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPyDict_GetItem: the key is HPy_NULL");
        return NULL;
    }
#ifdef Py_GIL_DISABLED
    /* A borrowed item may be freed by another thread before the incref. */
    PyObject *item;
    (void)PyDict_GetItemRef(h, key, &item);
#else
    PyObject *item = PyDict_GetItemWithError(h, key);
    Py_XINCREF(item);
#endif
    return item;
}

#ifdef PYPY_VERSION
/* cpyext's PyDict_Next keeps a snapshot of the keys in the dict's C struct (_tmpkeys, in
 * its dictobject.h) and looks each up with the dict's __getitem__: a fatal error when a
 * key has gone since the snapshot, and a subclass's override called. This keeps the same
 * snapshot in the same place (cpyext frees it with the dict) but reads each value from
 * the dict's storage, skipping the keys that have gone. An iteration that finds the
 * snapshot gone (another one over the same dict ended) takes a new one: for an
 * unchanged dict it lists the keys in the same order. The lookup may run a key's
 * __eq__, which may start another iteration and replace the snapshot, hence the
 * references held across it. */
HPyAPI_FUNC int _hpy_cpy_dict_next_ref(PyObject *dict, Py_ssize_t *cursor, PyObject **k,
                                       PyObject **v)
{
    if (*cursor < 0)
        return 0;
    PyDictObject *d = (PyDictObject *)dict;
    PyObject *keys = d->_tmpkeys;
    if (*cursor == 0 || keys == NULL) {
        keys = PyDict_Keys(dict);
        if (keys == NULL)
            return -1;
        PyObject *old = d->_tmpkeys;
        d->_tmpkeys = keys;
        Py_XDECREF(old);
    }
    Py_INCREF(keys);
    int result = 0;
    while (*cursor < PyList_GET_SIZE(keys)) {
        PyObject *key = PyList_GET_ITEM(keys, *cursor);
        Py_INCREF(key);
        (*cursor)++;
        PyObject *value = PyDict_GetItemWithError(dict, key);
        if (value != NULL) {
            Py_INCREF(value);
            *k = key;
            *v = value;
            result = 1;
            break;
        }
        Py_DECREF(key);
        if (PyErr_Occurred()) {
            result = -1;
            break;
        }
    }
    if (result == 0 && d->_tmpkeys == keys) {
        d->_tmpkeys = NULL;
        Py_DECREF(keys);
    }
    Py_DECREF(keys);
    return result;
}
#else
/* PyDict_Next, with new references. */
HPyAPI_FUNC int _hpy_cpy_dict_next_ref(PyObject *dict, Py_ssize_t *cursor, PyObject **k,
                                       PyObject **v)
{
    if (!PyDict_Next(dict, cursor, k, v))
        return 0;
    Py_INCREF(*k);
    Py_INCREF(*v);
    return 1;
}
#endif

/* PyDict_Next with new references: the item is read and increfed in one step, under the
 * dict's critical section without the GIL (PyDict_Next's borrowed references could be
 * freed by another thread before the incref). Each call takes the section anew, so a
 * concurrent change between two calls is what a change by the caller would be: PyDict_Next
 * checks the cursor against the dict's current entries and never reads past them. */
HPyAPI_FUNC int _hpy_cpy_dict_next(PyObject *dict, HPy_ssize_t *pos, HPy *key, HPy *value)
{
    if (key != NULL)
        *key = _py2h(NULL);
    if (value != NULL)
        *value = _py2h(NULL);
    if (!_hpy_cpy_require(dict != NULL && PyDict_Check(dict), "HPyDict_Next", "dict", dict))
        return -1;
    if (pos == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPyDict_Next: pos is NULL");
        return -1;
    }
    Py_ssize_t cursor = (Py_ssize_t)*pos;
    PyObject *k = NULL, *v = NULL;
    int more;
#ifdef Py_GIL_DISABLED
    Py_BEGIN_CRITICAL_SECTION(dict);
#endif
    more = _hpy_cpy_dict_next_ref(dict, &cursor, &k, &v);
#ifdef Py_GIL_DISABLED
    Py_END_CRITICAL_SECTION();
#endif
    *pos = (HPy_ssize_t)cursor;
    if (more <= 0)
        return more;
    if (key != NULL)
        *key = _py2h(k);
    else
        Py_DECREF(k);
    if (value != NULL)
        *value = _py2h(v);
    else
        Py_DECREF(v);
    return 1;
}

#ifdef PYPY_VERSION
/* On PyPy a tuple is a C struct that cpyext keeps filled, but a list is not: its items
 * are read in place as a C-API extension reads them (PySequence_Fast_ITEMS), which moves
 * the list to cpyext's storage for good, its items then held as C objects while it
 * lives. Copying the range to a new list instead spares the caller's list but makes
 * cpyext build C storage for every item on every call: 26 times the C API's cost for 16
 * items (docs/performance.md). */
HPyAPI_FUNC int _hpy_cpy_list_range(PyObject *list, Py_ssize_t start, Py_ssize_t count,
                                    HPy *items)
{
    Py_ssize_t size = PySequence_Fast_GET_SIZE(list);
    if (start > size || count > size - start)
        return 0;
    PyObject **stored = count == 0 ? NULL : PySequence_Fast_ITEMS(list);
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_INCREF(stored[start + i]);
        items[i] = _py2h(stored[start + i]);
    }
    return 1;
}
#endif

/* Copies the range into items as new references: 1, 0 when it is out of range, -1 with
 * an exception. Without the GIL the size is read and the items increfed inside the
 * sequence's critical section, so another thread's change to a list is seen whole or
 * not at all. */
HPyAPI_FUNC int _hpy_cpy_stored_range(PyObject *seq, int list, Py_ssize_t start,
                                      Py_ssize_t count, HPy *items)
{
#ifdef PYPY_VERSION
    if (list)
        return _hpy_cpy_list_range(seq, start, count, items);
#else
    (void)list;
#endif
    int ok;
#ifdef Py_GIL_DISABLED
    Py_BEGIN_CRITICAL_SECTION(seq);
#endif
    Py_ssize_t size = Py_SIZE(seq);
    ok = start <= size && count <= size - start;
    if (ok) {
#ifdef PYPY_VERSION
        PyObject **stored = ((PyTupleObject *)seq)->ob_item;
#else
        PyObject **stored = PySequence_Fast_ITEMS(seq);
#endif
        for (Py_ssize_t i = 0; i < count; i++) {
            PyObject *item = stored[start + i];
            Py_INCREF(item);
            items[i] = _py2h(item);
        }
    }
#ifdef Py_GIL_DISABLED
    Py_END_CRITICAL_SECTION();
#endif
    return ok;
}

HPyAPI_FUNC int _hpy_cpy_sequence_get_items(PyObject *seq, HPy_ssize_t start,
                                            HPy_ssize_t count, HPy *items)
{
    if (seq == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPySequence_GetItems: seq is HPy_NULL");
        return -1;
    }
    int list = PyList_Check(seq);
    if (!list && !PyTuple_Check(seq)) {
        PyErr_Format(PyExc_TypeError, "HPySequence_GetItems: expected a list or tuple, not %.200s",
                     Py_TYPE(seq)->tp_name);
        return -1;
    }
    if (count > 0 && items == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPySequence_GetItems: items is NULL");
        return -1;
    }
    int ok = start >= 0 && count >= 0 ? _hpy_cpy_stored_range(seq, list, start, count, items) : 0;
    if (ok == 0)
        PyErr_SetString(PyExc_IndexError,
                        list ? "list index out of range" : "tuple index out of range");
    return ok > 0 ? 0 : -1;
}

HPyAPI_FUNC int _hpy_cpy_slice_unpack(PyObject *slice, Py_ssize_t *start, Py_ssize_t *stop,
                                      Py_ssize_t *step)
{
    if (!_hpy_cpy_require(slice != NULL && PySlice_Check(slice), "HPySlice_Unpack", "slice", slice))
        return -1;
    return PySlice_Unpack(slice, start, stop, step);
}

HPyAPI_FUNC Py_ssize_t _hpy_cpy_slice_adjust(Py_ssize_t length, Py_ssize_t *start,
                                             Py_ssize_t *stop, Py_ssize_t step)
{
    /* CPython divides by the step here; Unpack never yields 0, a caller's own value may. */
    if (step == 0) {
        PyErr_SetString(PyExc_ValueError, "slice step cannot be zero");
        return -1;
    }
    return PySlice_AdjustIndices(length, start, stop, step);
}

#endif
