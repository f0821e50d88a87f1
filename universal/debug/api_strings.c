/* Pointers valid while a handle is open: debug mode returns protected copies that stop
 * being readable when the handle closes (protect.c). */
#include "debug.h"

/* The slot of h, which the caller has unwrapped successfully. */
static hdbg_slot *slot_of(HPy h)
{
    hdbg_slot *slot;
    hdbg_lookup(h._i, &slot);
    return slot;
}

const char *hdbg_HPyUnicode_AsUTF8AndSize(HPyContext *ctx, HPy h, HPy_ssize_t *size)
{
    const char *fn = "HPyUnicode_AsUTF8AndSize";
    hdbg_call *call = hdbg_enter(ctx, fn);
    HPy u;
    if (call == NULL || hdbg_unwrap(call, h, &u, fn, "h") < 0)
        return NULL;
    HPy_ssize_t n;
    const char *data = call->inner->HPyUnicode_AsUTF8AndSize(call->inner, u, &n);
    if (data == NULL || slot_of(h) == NULL)
        return data;
    if (size != NULL)
        *size = n;
    return hdbg_protected_copy(slot_of(h), data, (size_t)n + 1, fn);
}

static const char *bytes_buffer(HPyContext *ctx, HPy h, const char *fn,
                                const char *(*get)(HPyContext *, HPy))
{
    hdbg_call *call = hdbg_enter(ctx, fn);
    HPy u;
    if (call == NULL || hdbg_unwrap(call, h, &u, fn, "h") < 0)
        return NULL;
    const char *data = get(call->inner, u);
    /* HPyBytes_AS_STRING does not check its argument: nothing to copy from a non-bytes. */
    if (data == NULL || slot_of(h) == NULL || !PyBytes_Check((PyObject *)u._i))
        return data;
    return hdbg_protected_copy(slot_of(h), data,
                               (size_t)PyBytes_GET_SIZE((PyObject *)u._i) + 1, fn);
}

static const char *inner_as_string(HPyContext *inner, HPy u)
{
    return inner->HPyBytes_AsString(inner, u);
}

static const char *inner_AS_STRING(HPyContext *inner, HPy u)
{
    return inner->HPyBytes_AS_STRING(inner, u);
}

const char *hdbg_HPyBytes_AsString(HPyContext *ctx, HPy h)
{
    return bytes_buffer(ctx, h, "HPyBytes_AsString", inner_as_string);
}

const char *hdbg_HPyBytes_AS_STRING(HPyContext *ctx, HPy h)
{
    return bytes_buffer(ctx, h, "HPyBytes_AS_STRING", inner_AS_STRING);
}
