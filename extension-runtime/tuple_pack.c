#include "hpy.h"

HPy HPyTuple_Pack(HPyContext *ctx, HPy_ssize_t n, ...)
{
    if (n < 0)
        return HPyErr_SetString(ctx, ctx->h_SystemError, "HPyTuple_Pack: negative size");
    HPyTupleBuilder builder = HPyTupleBuilder_New(ctx, n);
    va_list vargs;
    va_start(vargs, n);
    for (HPy_ssize_t i = 0; i < n; i++)
        HPyTupleBuilder_Set(ctx, builder, i, va_arg(vargs, HPy));
    va_end(vargs);
    return HPyTupleBuilder_Build(ctx, builder);
}
