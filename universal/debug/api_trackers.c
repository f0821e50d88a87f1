/* HPyTracker in debug mode: a debug handle of its own kind holding debug handles, which
 * HPyTracker_Close closes through the same checks as HPy_Close (double close, closing an
 * argument or a constant). The debug layer serves these calls itself, so it counts them
 * in the trace when trace mode is on too. */
#include "debug.h"
#include "trace.h"

typedef struct {
    HPy *items;
    HPy_ssize_t n, capacity;
} tracked;

HPyTracker hdbg_HPyTracker_New(HPyContext *ctx, HPy_ssize_t size)
{
    hdbg_call *call = hdbg_enter(ctx, "HPyTracker_New");
    if (call == NULL)
        return (HPyTracker){0};
    uint64_t start = hdbg_now();
    tracked *t = PyMem_Calloc(1, sizeof(tracked));
    HPy_ssize_t capacity = size < 1 ? 1 : size;
    HPy *items = t ? PyMem_Malloc(sizeof(HPy) * (size_t)capacity) : NULL;
    intptr_t value = items ? hdbg_new(HDBG_TRACKER, 0, "HPyTracker_New", call->binding->name)
                           : 0;
    hdbg_slot *slot;
    if (value == 0 || hdbg_lookup(value, &slot) != HDBG_OK) {
        PyMem_Free(t);
        PyMem_Free(items);
        PyErr_NoMemory();
        return (HPyTracker){0};
    }
    t->items = items;
    t->capacity = capacity;
    slot->aux = t;
    hdbg_trace_served(call, HTRACE_HPyTracker_New, start);
    return (HPyTracker){value};
}

/* The tracker's slot; NULL (reported) for anything else, a failed New's 0 included. */
static hdbg_slot *tracker(hdbg_call *call, HPyTracker ht, const char *fn)
{
    if (ht._i == 0) {
        hdbg_text t = {0};
        hdbg_printf(&t, "handlepy debug mode: %s got the null tracker of a failed "
                    "HPyTracker_New\n", fn);
        hdbg_describe_here(&t, call);
        hdbg_report(call, &t, HDBG_FATAL_TO_CALL);
        return NULL;
    }
    return hdbg_expect(call, ht._i, HDBG_TRACKER, fn, "the tracker");
}

int hdbg_HPyTracker_Add(HPyContext *ctx, HPyTracker ht, HPy h)
{
    hdbg_call *call = hdbg_enter(ctx, "HPyTracker_Add");
    if (call == NULL)
        return -1;
    uint64_t start = hdbg_now();
    hdbg_slot *slot = tracker(call, ht, "HPyTracker_Add");
    HPy u;
    if (slot == NULL || hdbg_unwrap(call, h, &u, "HPyTracker_Add", "h") < 0)
        return -1;
    tracked *t = slot->aux;
    if (t->n == t->capacity) {
        HPy *grown = PyMem_Realloc(t->items, sizeof(HPy) * (size_t)t->capacity * 2);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        t->items = grown;
        t->capacity *= 2;
    }
    t->items[t->n++] = h;
    hdbg_trace_served(call, HTRACE_HPyTracker_Add, start);
    return 0;
}

void hdbg_HPyTracker_ForgetAll(HPyContext *ctx, HPyTracker ht)
{
    hdbg_call *call = hdbg_enter(ctx, "HPyTracker_ForgetAll");
    if (call == NULL)
        return;
    uint64_t start = hdbg_now();
    hdbg_slot *slot = tracker(call, ht, "HPyTracker_ForgetAll");
    if (slot != NULL)
        ((tracked *)slot->aux)->n = 0;
    hdbg_trace_served(call, HTRACE_HPyTracker_ForgetAll, start);
}

void hdbg_HPyTracker_Close(HPyContext *ctx, HPyTracker ht)
{
    hdbg_call *call = hdbg_enter(ctx, "HPyTracker_Close");
    /* Closing a failed New's tracker does nothing, as in universal mode. */
    if (call == NULL || ht._i == 0)
        return;
    uint64_t start = hdbg_now();
    hdbg_slot *slot = tracker(call, ht, "HPyTracker_Close");
    if (slot == NULL)
        return;
    tracked *t = slot->aux;
    slot->aux = NULL;
    hdbg_retire(slot, "HPyTracker_Close");
    for (HPy_ssize_t i = 0; i < t->n; i++)
        Py_XDECREF((PyObject *)hdbg_close(call, t->items[i], "HPyTracker_Close")._i);
    PyMem_Free(t->items);
    PyMem_Free(t);
    hdbg_trace_served(call, HTRACE_HPyTracker_Close, start);
}
