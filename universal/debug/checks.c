/* What every generated debug wrapper does: check its context and its handles, unwrap
 * them for the inner context, and open a debug handle on the result. */
#include "debug.h"

#include <stdio.h>

/* Stands for the running call when an API function is called with no call running
 * (a context kept past its call and used from elsewhere) and the action carries on. */
static handlepy_binding no_binding = {.name = "(no call into the extension)"};
static hdbg_call no_call = {.binding = &no_binding};

HPyContext *hdbg_inner(hdbg_call *call)
{
    return call->inner;
}

hdbg_call *hdbg_enter(HPyContext *ctx, const char *fn)
{
    hdbg_call *owner = hdbg_call_of(ctx), *current = hdbg_current();
    if (!hdbg_released && owner != NULL && owner == current)
        return current;
    hdbg_text t = {0};
    if (hdbg_released) {
        hdbg_printf(&t, "handlepy debug mode: %s was called between HPy_LeavePythonExecution "
                    "and HPy_ReenterPythonExecution, where no API call is allowed\n", fn);
        hdbg_describe_here(&t, current);
        hdbg_fatal(&t);
    }
    hdbg_printf(&t, "handlepy debug mode: %s was called with a context that belongs to "
                "another call: a context is valid only during the call it was passed to\n", fn);
    hdbg_hpy_words(&t, HDBG_HPY_WRONG_CONTEXT);
    if (owner != NULL)
        hdbg_printf(&t, "  the context belongs to the call to %s, which is still running "
                    "further up the stack\n", owner->binding->name);
    else
        hdbg_printf(&t, "  the context was passed to an earlier call, to %s, which has "
                    "returned\n", hdbg_context_last(ctx) ? hdbg_context_last(ctx) : "(none)");
    if (current != NULL)
        hdbg_printf(&t, "  the running call is %s: use the context it was passed\n",
                    current->binding->name);
    else
        hdbg_printf(&t, "  no call into the extension is running on this thread\n");
    hdbg_describe_here(&t, current);
    if (hdbg_report(current, &t, HDBG_RECOVERABLE) < 0)
        return NULL;
    if (current != NULL)
        return current;
    no_call.inner = (HPyContext *)hdbg_universal;
    return &no_call;
}

int hdbg_bad_handle(hdbg_call *call, intptr_t value, const char *fn, const char *what,
                    const char *expected)
{
    return hdbg_bad_handle_as(call, value, fn, what, expected, HDBG_FATAL_TO_CALL);
}

int hdbg_bad_handle_as(hdbg_call *call, intptr_t value, const char *fn, const char *what,
                       const char *expected, hdbg_severity severity)
{
    hdbg_slot *slot;
    hdbg_status status = hdbg_lookup(value, &slot);
    hdbg_text t = {0};
    hdbg_printf(&t, "handlepy debug mode: %s got ", fn);
    switch (status) {
    case HDBG_OK:
        hdbg_printf(&t, "%s %s as %s, where %s is expected\n",
                    slot->kind == HDBG_HANDLE ? "a" : "an", hdbg_kind_name(slot->kind), what,
                    expected);
        hdbg_describe_slot(&t, slot, "  ");
        break;
    case HDBG_CLOSED:
        hdbg_printf(&t, "a closed %s as %s: it was used after it was closed\n", expected,
                    what);
        hdbg_hpy_words(&t, HDBG_HPY_CLOSED);
        if (hdbg_still_describes(slot, value))
            hdbg_describe_slot(&t, slot, "  ");
        break;
    case HDBG_NEVER:
        hdbg_printf(&t, "an invalid %s 0x%llx as %s: no %s ever had this value\n", expected,
                    (unsigned long long)value, what, expected);
        break;
    default:
        hdbg_printf(&t, "an invalid %s 0x%llx as %s: it is not a debug-mode %s (an object "
                    "pointer, or uninitialised memory?)\n", expected, (unsigned long long)value,
                    what, expected);
        break;
    }
    hdbg_describe_here(&t, call);
    return hdbg_report(call, &t, severity);
}

int hdbg_unwrap(hdbg_call *call, HPy h, HPy *out, const char *fn, const char *param)
{
    hdbg_slot *slot;
    hdbg_status status = hdbg_lookup(h._i, &slot);
    if (status == HDBG_NULL) {
        *out = HPy_NULL;
        return 0;
    }
    if (status == HDBG_OK && slot->kind <= HDBG_CONSTANT) {
        *out = (HPy){slot->inner};
        return 0;
    }
    char what[160];
    snprintf(what, sizeof what, "argument '%.120s'", param);
    hdbg_bad_handle(call, h._i, fn, what, "handle");
    return -1;
}

int hdbg_unwrap_array(hdbg_call *call, const HPy *h, HPy_ssize_t n, hdbg_array *out,
                      const char *fn, const char *param)
{
    /* A NULL array or a negative length is the inner function's to refuse. */
    out->items = h == NULL ? NULL : out->inline_items;
    if (h == NULL || n <= 0)
        return 0;
    if (n > HDBG_INLINE_ARGS) {
        out->items = malloc(sizeof(HPy) * (size_t)n);
        if (out->items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    for (HPy_ssize_t i = 0; i < n; i++) {
        char item[128];
        snprintf(item, sizeof item, "%.80s[%zd]", param, (Py_ssize_t)i);
        if (hdbg_unwrap(call, h[i], &out->items[i], fn, item) < 0) {
            hdbg_array_free(out);
            return -1;
        }
    }
    return 0;
}

void hdbg_array_free(hdbg_array *a)
{
    if (a->items != a->inline_items)
        free(a->items);
}

HPy_ssize_t hdbg_kwcount(HPy kwnames)
{
    PyObject *names = (PyObject *)kwnames._i;
    return names != NULL && PyTuple_Check(names) ? PyTuple_GET_SIZE(names) : 0;
}

HPy hdbg_open(hdbg_call *call, HPy u, const char *fn)
{
    if (HPy_IsNull(u))
        return HPy_NULL;
    intptr_t value = hdbg_new(HDBG_HANDLE, u._i, fn, call->binding->name);
    if (value == 0) {
        Py_DECREF((PyObject *)u._i);
        PyErr_NoMemory();
        return HPy_NULL;
    }
    return (HPy){value};
}

HPy hdbg_constant(HPy u, const char *name)
{
    Py_XINCREF((PyObject *)u._i);
    intptr_t value = hdbg_new(HDBG_CONSTANT, u._i, "the context", "(none)");
    hdbg_slot *slot;
    if (hdbg_lookup(value, &slot) == HDBG_OK)
        slot->constant_name = name;
    return (HPy){value};
}

hdbg_slot *hdbg_expect(hdbg_call *call, intptr_t value, hdbg_kind kind, const char *fn,
                       const char *what)
{
    hdbg_slot *slot;
    if (hdbg_lookup(value, &slot) == HDBG_OK && slot->kind == kind)
        return slot;
    hdbg_bad_handle(call, value, fn, what, hdbg_kind_name(kind));
    return NULL;
}

HPy hdbg_close(hdbg_call *call, HPy h, const char *fn)
{
    hdbg_slot *slot;
    hdbg_status status = hdbg_lookup(h._i, &slot);
    if (status == HDBG_NULL)
        return HPy_NULL;
    if (status == HDBG_OK && slot->kind == HDBG_HANDLE) {
        HPy inner = {slot->inner};
        hdbg_retire(slot, fn, 1);
        hdbg_protect_buffers(slot);
        return inner;
    }
    hdbg_text t = {0};
    if (status == HDBG_OK && slot->kind == HDBG_ARG) {
        hdbg_printf(&t, "handlepy debug mode: %s closed an argument of %s, which the function "
                    "does not own: its caller closes it (HPy_Dup it to keep one of its own)\n",
                    fn, slot->call);
    } else if (status == HDBG_OK && slot->kind == HDBG_CONSTANT) {
        hdbg_printf(&t, "handlepy debug mode: %s closed the context constant %s, which the "
                    "context owns\n", fn, slot->constant_name);
    } else if (status == HDBG_CLOSED) {
        hdbg_printf(&t, "handlepy debug mode: %s closed a handle that is already closed "
                    "(double close)\n", fn);
        if (hdbg_still_describes(slot, h._i))
            hdbg_describe_slot(&t, slot, "  ");
    } else {
        free(t.text);
        hdbg_bad_handle(call, h._i, fn, "the handle to close", "handle");
        return HPy_NULL;
    }
    /* HPy closes arguments and constants the way it closes any handle, so it sees the
     * misuse later, as a handle closed twice. */
    hdbg_hpy_words(&t, HDBG_HPY_CLOSED);
    hdbg_describe_here(&t, call);
    hdbg_report(call, &t, HDBG_RECOVERABLE);
    return HPy_NULL;
}
