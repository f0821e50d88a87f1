/* Internal context functions: only the extension's own trampolines call them, and
 * debug mode never runs those (its closures do that work), so a call is a misuse. */
#include "debug.h"

static void misuse(HPyContext *ctx, const char *fn)
{
    hdbg_call *call = hdbg_enter(ctx, fn);
    hdbg_text t = {0};
    hdbg_printf(&t, "handlepy debug mode: %s is internal to the generated trampolines and "
                "cannot be called in debug mode\n", fn);
    hdbg_describe_here(&t, call);
    hdbg_report(call, &t, HDBG_FATAL_TO_CALL);
}

const HPy *hdbg__HPy_TupleItems(HPyContext *ctx, HPy tuple, HPy_ssize_t *size)
{
    (void)tuple;
    (void)size;
    misuse(ctx, "_HPy_TupleItems");
    return NULL;
}

HPy hdbg__HPy_CallWithTupleDict(HPyContext *ctx, HPyCFunction impl, HPy self, HPy args,
                                HPy kw)
{
    (void)impl, (void)self, (void)args, (void)kw;
    misuse(ctx, "_HPy_CallWithTupleDict");
    return HPy_NULL;
}

int hdbg__HPy_CallTraverse(HPyContext *ctx, HPyCFunction impl, HPy self, cpy_visitproc visit,
                           void *arg)
{
    (void)impl, (void)self, (void)visit, (void)arg;
    misuse(ctx, "_HPy_CallTraverse");
    return -1;
}

void hdbg__HPy_Dealloc(HPyContext *ctx, HPy self, HPyCFunction destroy)
{
    (void)self, (void)destroy;
    misuse(ctx, "_HPy_Dealloc");
}
