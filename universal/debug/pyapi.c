/* The loader's functions behind handlepy.debug and handlepy.trace. */
#include "debug.h"
#include "modes.h"
#include "trace.h"

#include <string.h>

PyObject *handlepy_debug_serial(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    return PyLong_FromUnsignedLongLong(hdbg_serial());
}

typedef struct {
    hdbg_slot **slots;
    Py_ssize_t n, capacity;
} leak_list;

static void collect(hdbg_slot *slot, void *arg)
{
    leak_list *list = arg;
    if (slot->kind == HDBG_ARG || slot->kind == HDBG_CONSTANT || slot->reported)
        return;
    if (list->n == list->capacity) {
        Py_ssize_t capacity = list->capacity * 2 + 16;
        hdbg_slot **grown = realloc(list->slots, sizeof(hdbg_slot *) * (size_t)capacity);
        if (grown == NULL)
            return;
        list->slots = grown, list->capacity = capacity;
    }
    list->slots[list->n++] = slot;
}

static PyObject *describe_leak(hdbg_slot *slot, char **lines)
{
    PyObject *frames = PyList_New(0);
    for (int i = 0; frames != NULL && i < slot->opened_at.n; i++) {
        PyObject *text = PyUnicode_FromString(lines ? lines[i] : "(no symbols)");
        PyObject *split = text ? PyUnicode_Splitlines(text, 0) : NULL;
        Py_ssize_t end = PyList_GET_SIZE(frames);
        if (split == NULL || PyList_SetSlice(frames, end, end, split) < 0)
            Py_CLEAR(frames);
        Py_XDECREF(text);
        Py_XDECREF(split);
    }
    if (frames == NULL)
        return NULL;
    PyObject *obj = slot->kind == HDBG_HANDLE ? (PyObject *)slot->inner : Py_None;
    return Py_BuildValue("(sssON)", hdbg_kind_name(slot->kind), slot->opened_by, slot->call,
                         obj, frames);
}

static int by_serial(const void *a, const void *b)
{
    uint64_t x = (*(hdbg_slot *const *)a)->serial, y = (*(hdbg_slot *const *)b)->serial;
    return (x > y) - (x < y);
}

/* debug_leaks(since, mark): (kind, opened_by, call, object or None, [frame, ...]) for
 * each handle, builder or tracker opened after serial `since` and still open, in the
 * order they were opened, leaving out those an earlier report showed; with `mark`, they
 * are left out of later ones. */
PyObject *handlepy_debug_leaks(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "debug_leaks(since, mark)");
        return NULL;
    }
    unsigned long long since = PyLong_AsUnsignedLongLong(args[0]);
    int mark = PyObject_IsTrue(args[1]);
    if (PyErr_Occurred() || mark < 0)
        return NULL;
    leak_list list = {0};
    hdbg_each_open(since, collect, &list);
    if (list.n > 1)
        qsort(list.slots, (size_t)list.n, sizeof(hdbg_slot *), by_serial);
    PyObject *result = PyList_New(list.n);
    for (Py_ssize_t i = 0; result != NULL && i < list.n; i++) {
        hdbg_slot *slot = list.slots[i];
        char **lines = hdbg_symbolize(slot->opened_at.frames, slot->opened_at.n);
        PyObject *item = describe_leak(slot, lines);
        hdbg_free_lines(lines, slot->opened_at.n);
        if (item == NULL)
            Py_CLEAR(result);
        else
            PyList_SET_ITEM(result, i, item);
    }
    if (result != NULL && mark)
        for (Py_ssize_t i = 0; i < list.n; i++)
            list.slots[i]->reported = 1;
    free(list.slots);
    return result;
}

static const char *const action_names[] = {"abort", "raise", "log", "hook"};

/* debug_configure(on_error, hook, depth): None leaves a setting as it is. */
PyObject *handlepy_debug_configure(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "debug_configure(on_error, hook, depth)");
        return NULL;
    }
    if (hdbg_read_settings() < 0)
        return NULL;
    int action = -1;
    if (args[0] != Py_None) {
        const char *name = PyUnicode_AsUTF8(args[0]);
        if (name == NULL)
            return NULL;
        for (int i = 0; i < 4; i++)
            if (strcmp(name, action_names[i]) == 0)
                action = i;
        if (action < 0 || (action == HDBG_HOOK && !PyCallable_Check(args[1]))) {
            PyErr_Format(PyExc_ValueError, "on_error must be 'abort', 'raise', 'log' or "
                         "'hook' with a callable hook, not %R", args[0]);
            return NULL;
        }
    }
    long depth = -1;
    if (args[2] != Py_None) {
        depth = PyLong_AsLong(args[2]);
        if (depth == -1 && PyErr_Occurred())
            return NULL;
        if (depth < 0 || depth > 256) {
            PyErr_SetString(PyExc_ValueError, "the backtrace depth must be from 0 to 256");
            return NULL;
        }
        hdbg_depth = (int)depth;
    }
    if (action >= 0) {
        PyObject *old = hdbg_hook;
        hdbg_on_error = (hdbg_action)action;
        hdbg_hook = action == HDBG_HOOK ? args[1] : NULL;
        Py_XINCREF(hdbg_hook);
        Py_XDECREF(old);
    }
    Py_RETURN_NONE;
}

PyObject *handlepy_debug_settings(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    if (hdbg_read_settings() < 0)
        return NULL;
    return Py_BuildValue("(sOi)", action_names[hdbg_on_error],
                         hdbg_hook ? hdbg_hook : Py_None, hdbg_depth);
}

/* The trace contexts of `module` (a name), or all of them for None; -1 with an
 * exception for a name no module in trace mode has. */
static int for_module(PyObject *module, void (*fn)(htrace_context *, void *), void *arg)
{
    const char *name = NULL;
    if (module != Py_None && (name = PyUnicode_AsUTF8(module)) == NULL)
        return -1;
    int found = 0;
    for (htrace_context *t = htrace_all; t != NULL; t = t->next) {
        if (name == NULL || strcmp(name, t->module) == 0) {
            fn(t, arg);
            found = 1;
        }
    }
    if (name != NULL && !found) {
        PyErr_Format(PyExc_ValueError, "module %R is not loaded in trace mode", module);
        return -1;
    }
    return 0;
}

typedef struct {
    uint64_t counts[HTRACE_ENTRIES], ns[HTRACE_ENTRIES];
} totals;

static void add_up(htrace_context *t, void *arg)
{
    totals *sum = arg;
    for (int i = 0; i < HTRACE_ENTRIES; i++) {
        sum->counts[i] += __atomic_load_n(&t->counts[i], __ATOMIC_RELAXED);
        sum->ns[i] += __atomic_load_n(&t->ns[i], __ATOMIC_RELAXED);
    }
}

PyObject *handlepy_trace_counts(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 1) {
        PyErr_SetString(PyExc_TypeError, "trace_counts(module)");
        return NULL;
    }
    totals sum;
    memset(&sum, 0, sizeof sum);
    if (for_module(args[0], add_up, &sum) < 0)
        return NULL;
    PyObject *result = PyDict_New();
    for (int i = 0; result != NULL && i < HTRACE_ENTRIES; i++) {
        PyObject *pair = Py_BuildValue("(KK)", (unsigned long long)sum.counts[i],
                                       (unsigned long long)sum.ns[i]);
        if (pair == NULL || PyDict_SetItemString(result, htrace_names[i], pair) < 0)
            Py_CLEAR(result);
        Py_XDECREF(pair);
    }
    return result;
}

static void zero(htrace_context *t, void *arg)
{
    (void)arg;
    for (int i = 0; i < HTRACE_ENTRIES; i++) {
        __atomic_store_n(&t->counts[i], 0, __ATOMIC_RELAXED);
        __atomic_store_n(&t->ns[i], 0, __ATOMIC_RELAXED);
    }
}

PyObject *handlepy_trace_reset(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 1) {
        PyErr_SetString(PyExc_TypeError, "trace_reset(module)");
        return NULL;
    }
    if (for_module(args[0], zero, NULL) < 0)
        return NULL;
    Py_RETURN_NONE;
}

typedef struct {
    PyObject *list;
    uint64_t since;
    int open;
} index_list;

static int holds_object(hdbg_slot *slot)
{
    return slot->kind == HDBG_HANDLE || slot->kind == HDBG_ARG;
}

static void add_index(hdbg_slot *slot, void *arg)
{
    index_list *out = arg;
    if (out->list == NULL || !holds_object(slot) || slot->serial <= out->since)
        return;
    if (out->open && slot->kind != HDBG_HANDLE)
        return;
    PyObject *pair = Py_BuildValue("(KI)", (unsigned long long)slot->serial, slot->index);
    if (pair == NULL || PyList_Append(out->list, pair) < 0)
        Py_CLEAR(out->list);
    Py_XDECREF(pair);
}

/* debug_handles(open, since): [(serial, slot index), ...] of the handles opened after
 * serial `since` that are open (the extension's own: no arguments or constants), or
 * that wait in the closed-slot queue, oldest first. */
PyObject *handlepy_debug_handles(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "debug_handles(open, since)");
        return NULL;
    }
    int open = PyObject_IsTrue(args[0]);
    unsigned long long since = PyLong_AsUnsignedLongLong(args[1]);
    if (open < 0 || PyErr_Occurred())
        return NULL;
    index_list out = {PyList_New(0), since, open};
    if (open)
        hdbg_each_open(since, add_index, &out);
    else
        hdbg_each_queued(add_index, &out);
    if (out.list != NULL && open && PyList_Sort(out.list) < 0)
        Py_CLEAR(out.list);
    return out.list;
}

static hdbg_slot *slot_arg(PyObject *arg)
{
    unsigned long index = PyLong_AsUnsignedLong(arg);
    if (index == (unsigned long)-1 && PyErr_Occurred())
        return NULL;
    hdbg_slot *slot = index <= UINT32_MAX ? hdbg_slot_at((uint32_t)index) : NULL;
    if (slot == NULL)
        PyErr_Format(PyExc_ValueError, "no debug handle has index %lu", index);
    return slot;
}

/* debug_handle(index): (open, object or None) of the slot at `index` now. */
PyObject *handlepy_debug_handle(PyObject *self, PyObject *arg)
{
    (void)self;
    hdbg_slot *slot = slot_arg(arg);
    if (slot == NULL)
        return NULL;
    int live = slot->open && holds_object(slot);
    return Py_BuildValue("(OO)", slot->open ? Py_True : Py_False,
                         live ? (PyObject *)slot->inner : Py_None);
}

/* debug_force_close(index): close the extension's open handle at `index`, as if
 * HPy_Close had closed it (for tests that leak on purpose). */
PyObject *handlepy_debug_force_close(PyObject *self, PyObject *arg)
{
    (void)self;
    hdbg_slot *slot = slot_arg(arg);
    if (slot == NULL)
        return NULL;
    if (!slot->open || slot->kind != HDBG_HANDLE) {
        PyErr_SetString(PyExc_ValueError, "the debug handle is not an open handle");
        return NULL;
    }
    PyObject *inner = (PyObject *)slot->inner;
    hdbg_retire(slot, "_force_close", 0);
    hdbg_protect_buffers(slot);
    Py_XDECREF(inner);
    Py_RETURN_NONE;
}

/* debug_queue_max(size): the size of the closed-slot queue; sets it unless None. */
PyObject *handlepy_debug_queue_max(PyObject *self, PyObject *arg)
{
    (void)self;
    size_t previous = hdbg_queue_max();
    if (arg != Py_None) {
        Py_ssize_t size = PyLong_AsSsize_t(arg);
        if (size == -1 && PyErr_Occurred())
            return NULL;
        if (size < 0) {
            PyErr_SetString(PyExc_ValueError, "the queue size must not be negative");
            return NULL;
        }
        hdbg_set_queue_max((size_t)size);
    }
    return PyLong_FromSize_t(previous);
}

/* trace_hooks(on_enter, on_exit): the functions called with a context function's name
 * before and after each call in trace mode; None for none. */
PyObject *handlepy_trace_hooks(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "trace_hooks(on_enter, on_exit)");
        return NULL;
    }
    for (int i = 0; i < 2; i++) {
        if (args[i] != Py_None && !PyCallable_Check(args[i])) {
            PyErr_Format(PyExc_TypeError, "%s must be callable or None, not %.100s",
                         i == 0 ? "on_enter" : "on_exit", Py_TYPE(args[i])->tp_name);
            return NULL;
        }
    }
    PyObject *old_enter = htrace_on_enter, *old_exit = htrace_on_exit;
    htrace_on_enter = args[0] == Py_None ? NULL : args[0];
    htrace_on_exit = args[1] == Py_None ? NULL : args[1];
    Py_XINCREF(htrace_on_enter);
    Py_XINCREF(htrace_on_exit);
    Py_XDECREF(old_enter);
    Py_XDECREF(old_exit);
    Py_RETURN_NONE;
}
