/* HPy_Close in debug mode: only a handle the extension owns may be closed, once. */
#include "debug.h"

void hdbg_HPy_Close(HPyContext *ctx, HPy h)
{
    hdbg_call *call = hdbg_enter(ctx, "HPy_Close");
    if (call == NULL)
        return;
    HPy inner = hdbg_close(call, h, "HPy_Close");
    if (!HPy_IsNull(inner))
        call->inner->HPy_Close(call->inner, inner);
}
