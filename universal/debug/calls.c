/* Host calls into the extension in debug mode: each gets a context of its own and debug
 * handles for its arguments, which it owns and closes when it returns. Contexts are
 * reused oldest first, after at least MIN_FREE other calls, so that a context kept from
 * an earlier call is caught when a later one uses it (but for a later call that was
 * handed that very context again). */
#include "debug.h"

#include <string.h>

typedef struct {
    HPyContext ctx;
    hdbg_call *call;
    /* The binding of the call it was last passed to. */
    const char *last;
} call_context;

static _Thread_local hdbg_call *current;
_Thread_local int hdbg_released;

static call_context **free_ring;
static size_t ring_capacity, ring_head, ring_len;

/* Fewer free contexts than this and a new one is made. */
#define MIN_FREE 64

static int ring_push(call_context *c)
{
    if (ring_len == ring_capacity) {
        size_t capacity = ring_capacity ? ring_capacity * 2 : 8;
        call_context **grown = malloc(capacity * sizeof(call_context *));
        if (grown == NULL)
            return -1;
        for (size_t i = 0; i < ring_len; i++)
            grown[i] = free_ring[(ring_head + i) % ring_capacity];
        free(free_ring);
        free_ring = grown, ring_capacity = capacity, ring_head = 0;
    }
    free_ring[(ring_head + ring_len++) % ring_capacity] = c;
    return 0;
}

static call_context *acquire(void)
{
    while (ring_len < MIN_FREE) {
        call_context *c = malloc(sizeof(call_context));
        if (c == NULL || ring_push(c) < 0) {
            free(c);
            return NULL;
        }
        c->ctx = hdbg_template;
        c->ctx._private = c;
        c->call = NULL;
        c->last = NULL;
    }
    call_context *c = free_ring[ring_head];
    ring_head = (ring_head + 1) % ring_capacity;
    ring_len--;
    return c;
}

static void out_of_memory(const char *what)
{
    hdbg_text t = {0};
    hdbg_printf(&t, "handlepy debug mode: out of memory for %s", what);
    hdbg_fatal(&t);
}

hdbg_call *hdbg_current(void)
{
    return current;
}

hdbg_call *hdbg_call_of(HPyContext *ctx)
{
    return ((call_context *)ctx->_private)->call;
}

const char *hdbg_context_last(HPyContext *ctx)
{
    return ((call_context *)ctx->_private)->last;
}

HPyContext *hdbg_call_enter(hdbg_call *call, void *binding)
{
    handlepy_binding *b = binding;
    call_context *c = acquire();
    if (c == NULL)
        out_of_memory("a context");
    call->outer = current;
    call->binding = b;
    call->impl = b->impl;
    call->ctx = &c->ctx;
    call->inner = b->ctx;
    call->failed = 0;
    call->error_type = call->error_value = call->error_traceback = NULL;
    call->nsingles = 0;
    call->array = NULL;
    call->narray = 0;
    c->call = call;
    current = call;
    return call->ctx;
}

/* Argument handles borrow the host's references, which outlive the call. (Taking one
 * would resurrect the object passed to a finalizer that PyPy runs from tp_dealloc.) */
static HPy open_arg(hdbg_call *call, PyObject *obj)
{
    if (obj == NULL)
        return HPy_NULL;
    intptr_t value = hdbg_new(HDBG_ARG, (intptr_t)obj, "the host", call->binding->name);
    if (value == 0)
        out_of_memory("an argument handle");
    return (HPy){value};
}

HPy hdbg_call_arg(hdbg_call *call, cpy_PyObject *obj)
{
    if (call->nsingles == HDBG_MAX_SINGLES)
        out_of_memory("one more argument");
    HPy h = open_arg(call, obj);
    call->singles[call->nsingles++] = h;
    return h;
}

const HPy *hdbg_call_args(hdbg_call *call, cpy_PyObject *const *items, HPy_ssize_t n)
{
    call->array = call->inline_array;
    if (n > HDBG_INLINE_ARGS) {
        call->array = malloc(sizeof(HPy) * (size_t)n);
        if (call->array == NULL)
            out_of_memory("the argument handles");
    }
    for (HPy_ssize_t i = 0; i < n; i++)
        call->array[i] = open_arg(call, items[i]);
    call->narray = n;
    return call->array;
}

HPy_ssize_t hdbg_host_kwcount(cpy_PyObject *kwnames)
{
    return kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
}

cpy_PyObject *hdbg_discard(cpy_PyObject *obj)
{
    Py_XDECREF(obj);
    return NULL;
}

static const char *returned_what(hdbg_slot *slot)
{
    return slot->kind == HDBG_ARG ? "one of its arguments" : slot->constant_name;
}

cpy_PyObject *hdbg_call_result(hdbg_call *call, HPy h)
{
    hdbg_slot *slot;
    hdbg_status status = hdbg_lookup(h._i, &slot);
    if (status == HDBG_NULL)
        return NULL;
    if (status == HDBG_OK && slot->kind == HDBG_HANDLE) {
        /* The handle's reference becomes the host's. */
        PyObject *obj = (PyObject *)slot->inner;
        hdbg_retire(slot, "the return to the host", 0);
        hdbg_protect_buffers(slot);
        return obj;
    }
    hdbg_text t = {0};
    if (status == HDBG_OK && (slot->kind == HDBG_ARG || slot->kind == HDBG_CONSTANT)) {
        hdbg_printf(&t, "handlepy debug mode: %s returned %s without HPy_Dup: what a function "
                    "returns belongs to its caller, so return HPy_Dup(ctx, h)\n",
                    call->binding->name, returned_what(slot));
        hdbg_hpy_words(&t, HDBG_HPY_CLOSED);
        hdbg_describe_function(&t, call);
        if (hdbg_report(call, &t, HDBG_RECOVERABLE) < 0)
            return NULL;
        PyObject *obj = (PyObject *)slot->inner;
        Py_INCREF(obj);
        return obj;
    }
    hdbg_printf(&t, "handlepy debug mode: %s returned ", call->binding->name);
    if (status == HDBG_OK)
        hdbg_printf(&t, "an %s where a handle was expected\n", hdbg_kind_name(slot->kind));
    else if (status == HDBG_CLOSED) {
        hdbg_printf(&t, "a closed handle\n");
        hdbg_hpy_words(&t, HDBG_HPY_CLOSED);
    }
    else
        hdbg_printf(&t, "an invalid handle 0x%llx\n", (unsigned long long)h._i);
    if (slot != NULL && (status == HDBG_OK || hdbg_still_describes(slot, h._i)))
        hdbg_describe_slot(&t, slot, "  ");
    hdbg_describe_function(&t, call);
    hdbg_report(call, &t, HDBG_FATAL_TO_CALL);
    return NULL;
}

static void close_arg(HPy h)
{
    hdbg_slot *slot;
    if (hdbg_lookup(h._i, &slot) != HDBG_OK)
        return;
    hdbg_retire(slot, "the end of its call", 0);
    hdbg_protect_buffers(slot);
}

int hdbg_call_leave(hdbg_call *call)
{
    for (int i = 0; i < call->nsingles; i++)
        close_arg(call->singles[i]);
    for (HPy_ssize_t i = 0; i < call->narray; i++)
        close_arg(call->array[i]);
    if (call->array != call->inline_array)
        free(call->array);
    call_context *c = call->ctx->_private;
    c->call = NULL;
    c->last = call->binding->name;
    if (ring_push(c) < 0)
        free(c);
    current = call->outer;
    if (!call->failed)
        return 0;
    /* The extension may have cleared the exception of the failed API call, or replaced
     * it: the host gets that exception back. */
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    if (value != NULL && value == call->error_value) {
        PyErr_Restore(type, value, traceback);
        Py_XDECREF(call->error_type);
        Py_XDECREF(call->error_value);
        Py_XDECREF(call->error_traceback);
    } else {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(traceback);
        PyErr_Restore(call->error_type, call->error_value, call->error_traceback);
    }
    if (!PyErr_Occurred())
        PyErr_Format(hdbg_HandleError, "%s misused the handle API", call->binding->name);
    return 1;
}

void hdbg_call_leave_void(hdbg_call *call)
{
    if (hdbg_call_leave(call))
        PyErr_WriteUnraisable(NULL);
}
