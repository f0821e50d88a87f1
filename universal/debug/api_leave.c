/* Releasing the interpreter: debug mode marks the thread, so that any API call before
 * HPy_ReenterPythonExecution is caught (checks.c). */
#include "debug.h"

HPyThreadState hdbg_HPy_LeavePythonExecution(HPyContext *ctx)
{
    hdbg_call *call = hdbg_enter(ctx, "HPy_LeavePythonExecution");
    if (call == NULL)
        return (HPyThreadState){0};
    HPyThreadState state = call->inner->HPy_LeavePythonExecution(call->inner);
    hdbg_released = 1;
    return state;
}

void hdbg_HPy_ReenterPythonExecution(HPyContext *ctx, HPyThreadState state)
{
    hdbg_call *call = hdbg_call_of(ctx);
    if (!hdbg_released) {
        hdbg_text t = {0};
        hdbg_printf(&t, "handlepy debug mode: HPy_ReenterPythonExecution was called without "
                    "HPy_LeavePythonExecution before it\n");
        hdbg_describe_here(&t, call);
        hdbg_fatal(&t);
    }
    hdbg_released = 0;
    HPyContext *inner = call != NULL ? call->inner : (HPyContext *)hdbg_universal;
    inner->HPy_ReenterPythonExecution(inner, state);
    hdbg_enter(ctx, "HPy_ReenterPythonExecution");
}
