/* The bulk calls in debug mode: each handle of the array is checked or opened as the
 * one-handle call would do it (HPy_Close, the generated wrappers' outputs), so a report
 * names the bulk call, while the inner context still sees a single call. */
#include "debug.h"

/* Inner handles closed per inner HPy_CloseMany call: a stack array, so that closing many
 * handles allocates nothing. */
#define HDBG_CLOSE_BATCH 64

void hdbg_HPy_CloseMany(HPyContext *ctx, const HPy *h, HPy_ssize_t n)
{
    hdbg_call *call = hdbg_enter(ctx, "HPy_CloseMany");
    if (call == NULL || h == NULL)
        return;
    HPy batch[HDBG_CLOSE_BATCH];
    HPy_ssize_t pending = 0;
    for (HPy_ssize_t i = 0; i < n; i++) {
        HPy inner = hdbg_close(call, h[i], "HPy_CloseMany");
        if (HPy_IsNull(inner))
            continue;
        batch[pending++] = inner;
        if (pending == HDBG_CLOSE_BATCH) {
            call->inner->HPy_CloseMany(call->inner, batch, pending);
            pending = 0;
        }
    }
    if (pending > 0)
        call->inner->HPy_CloseMany(call->inner, batch, pending);
}

/* The inner call writes its handles into the caller's array, which then gets each one
 * as a new debug handle in place: nothing to allocate, whatever count is. */
int hdbg_HPySequence_GetItems(HPyContext *ctx, HPy seq, HPy_ssize_t start, HPy_ssize_t count,
                              HPy *items)
{
    hdbg_call *call = hdbg_enter(ctx, "HPySequence_GetItems");
    if (call == NULL)
        return -1;
    HPy u_seq;
    if (hdbg_unwrap(call, seq, &u_seq, "HPySequence_GetItems", "seq") < 0)
        return -1;
    HPyContext *inner = hdbg_inner(call);
    if (inner->HPySequence_GetItems(inner, u_seq, start, count, items) < 0)
        return -1;
    for (HPy_ssize_t i = 0; i < count; i++) {
        HPy opened = hdbg_open(call, items[i], "HPySequence_GetItems");
        if (HPy_IsNull(opened)) {
            /* hdbg_open released items[i]; the rest were never given to the caller. */
            inner->HPy_CloseMany(inner, items + i + 1, count - i - 1);
            for (HPy_ssize_t j = 0; j < i; j++)
                inner->HPy_Close(inner, hdbg_close(call, items[j], "HPySequence_GetItems"));
            return -1;
        }
        items[i] = opened;
    }
    return 0;
}
