#include "hpy.h"

int HPyHelpers_AddType(HPyContext *ctx, HPy obj, const char *name, HPyType_Spec *spec,
                       HPyType_SpecParam *params)
{
    HPy type = HPyType_FromSpec(ctx, spec, params);
    if (HPy_IsNull(type))
        return 0;
    int res = HPy_SetAttr_s(ctx, obj, name, type);
    HPy_Close(ctx, type);
    return res == 0;
}

int HPyHelpers_PackArgsAndKeywords(HPyContext *ctx, const HPy *args, size_t nargs,
                                   HPy kwnames, HPy *out_args_tuple, HPy *out_kwd)
{
    if (out_args_tuple == NULL || out_kwd == NULL) {
        HPyErr_SetString(ctx, ctx->h_SystemError,
                         "HPyHelpers_PackArgsAndKeywords: an output pointer is NULL");
        return 0;
    }
    HPy_ssize_t nkw = HPy_IsNull(kwnames) ? 0 : HPy_Length(ctx, kwnames);
    if (nkw < 0)
        return 0;
    HPy kwd = HPy_NULL, tuple = HPy_NULL;
    if (nkw > 0) {
        kwd = HPyDict_New(ctx);
        if (HPy_IsNull(kwd))
            return 0;
        for (HPy_ssize_t i = 0; i < nkw; i++) {
            HPy key = HPy_GetItem_i(ctx, kwnames, i);
            int failed = HPy_IsNull(key) || HPy_SetItem(ctx, kwd, key, args[nargs + (size_t)i]) < 0;
            HPy_Close(ctx, key);
            if (failed) {
                HPy_Close(ctx, kwd);
                return 0;
            }
        }
    }
    if (nargs > 0) {
        tuple = HPyTuple_FromArray(ctx, (HPy *)args, (HPy_ssize_t)nargs);
        if (HPy_IsNull(tuple)) {
            HPy_Close(ctx, kwd);
            return 0;
        }
    }
    /* The outputs are written only on success, as in HPy 0.9. */
    *out_args_tuple = tuple;
    *out_kwd = kwd;
    return 1;
}
