/* The loader's functions behind handlepy.trace. */
#include "trace.h"
#include "modes.h"

#include <string.h>

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
