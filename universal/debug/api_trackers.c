/* HPyTracker in debug mode: a debug handle of its own kind holding debug handles, which
 * HPyTracker_Close closes through the same checks as HPy_Close (double close, closing an
 * argument or a constant). The debug layer serves these calls itself, so it counts them
 * in the trace when trace mode is on too. */
#include "debug.h"
#include "trace/trace.h"

typedef struct {
    HPy *items;
    HPy_ssize_t n, capacity;
} tracked;

/* As in universal mode, the array keeps one free slot, so that Add stores its handle
 * before it grows: when growing fails, the handle is still tracked. */
static int grow(tracked *t)
{
    HPy *items = NULL;
    if ((size_t)t->capacity <= (size_t)PY_SSIZE_T_MAX / (2 * sizeof(HPy)))
        items = realloc(t->items, sizeof(HPy) * (size_t)t->capacity * 2);
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    t->items = items;
    t->capacity *= 2;
    return 0;
}

HPyTracker hdbg_HPyTracker_New(HPyContext *ctx, HPy_ssize_t size)
{
    hdbg_call *call = hdbg_enter(ctx, "HPyTracker_New");
    if (call == NULL)
        return (HPyTracker){0};
    uint64_t start = hdbg_now();
    /* size is only a hint: 0 or less asks for a small default. */
    HPy_ssize_t hint = size > 0 ? size : 4;
    tracked *t = calloc(1, sizeof(tracked));
    HPy *items = NULL;
    if (t != NULL && (size_t)hint < (size_t)PY_SSIZE_T_MAX / sizeof(HPy))
        items = malloc(sizeof(HPy) * (size_t)(hint + 1));
    intptr_t value = items ? hdbg_new(HDBG_TRACKER, 0, "HPyTracker_New", call->binding->name)
                           : 0;
    hdbg_slot *slot;
    if (value == 0 || hdbg_lookup(value, &slot) != HDBG_OK) {
        free(t);
        free(items);
        PyErr_NoMemory();
        return (HPyTracker){0};
    }
    t->items = items;
    t->capacity = hint + 1;
    slot->aux = t;
    hdbg_trace_served(call, HTRACE_HPyTracker_New, start);
    return (HPyTracker){value};
}

int hdbg_HPyTracker_Add(HPyContext *ctx, HPyTracker ht, HPy h)
{
    hdbg_call *call = hdbg_enter(ctx, "HPyTracker_Add");
    if (call == NULL)
        return -1;
    if (ht._i == 0)
        return call->inner->HPyTracker_Add(call->inner, ht, HPy_NULL);
    uint64_t start = hdbg_now();
    hdbg_slot *slot = hdbg_expect(call, ht._i, HDBG_TRACKER, "HPyTracker_Add", "the tracker");
    HPy u;
    if (slot == NULL || hdbg_unwrap(call, h, &u, "HPyTracker_Add", "h") < 0)
        return -1;
    tracked *t = slot->aux;
    /* Full only after a failed grow: then only Close may follow, but stay safe. */
    if (t->n == t->capacity && grow(t) < 0)
        return -1;
    t->items[t->n++] = h;
    int result = t->n == t->capacity ? grow(t) : 0;
    hdbg_trace_served(call, HTRACE_HPyTracker_Add, start);
    return result;
}

void hdbg_HPyTracker_ForgetAll(HPyContext *ctx, HPyTracker ht)
{
    hdbg_call *call = hdbg_enter(ctx, "HPyTracker_ForgetAll");
    if (call == NULL || ht._i == 0)
        return;
    uint64_t start = hdbg_now();
    hdbg_slot *slot = hdbg_expect(call, ht._i, HDBG_TRACKER, "HPyTracker_ForgetAll",
                                  "the tracker");
    if (slot != NULL)
        ((tracked *)slot->aux)->n = 0;
    hdbg_trace_served(call, HTRACE_HPyTracker_ForgetAll, start);
}

void hdbg_HPyTracker_Close(HPyContext *ctx, HPyTracker ht)
{
    hdbg_call *call = hdbg_enter(ctx, "HPyTracker_Close");
    /* A null tracker (New failed) is the universal context's to handle: as there, Add
     * raises and ForgetAll and Close do nothing. */
    if (call == NULL || ht._i == 0)
        return;
    uint64_t start = hdbg_now();
    hdbg_slot *slot = hdbg_expect(call, ht._i, HDBG_TRACKER, "HPyTracker_Close", "the tracker");
    if (slot == NULL)
        return;
    tracked *t = slot->aux;
    slot->aux = NULL;
    hdbg_retire(slot, "HPyTracker_Close", 1);
    for (HPy_ssize_t i = 0; i < t->n; i++)
        Py_XDECREF((PyObject *)hdbg_close(call, t->items[i], "HPyTracker_Close")._i);
    free(t->items);
    free(t);
    hdbg_trace_served(call, HTRACE_HPyTracker_Close, start);
}
