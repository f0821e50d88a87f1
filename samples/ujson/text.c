#include "text.h"

#include <stdio.h>

const char *ujson_str_utf8(HPyContext *ctx, HPy str, HPy_ssize_t *size, HPy *owner)
{
    *owner = HPy_NULL;
    const char *utf8 = HPyUnicode_AsUTF8AndSize(ctx, str, size);
    if (utf8 != NULL || !HPyErr_ExceptionMatches(ctx, ctx->h_UnicodeEncodeError))
        return utf8;
    HPyErr_Clear(ctx);
    HPy method = HPyUnicode_FromString(ctx, "encode");
    HPy args[3] = {str, HPyUnicode_FromString(ctx, "utf-8"),
                   HPyUnicode_FromString(ctx, "surrogatepass")};
    if (!HPy_IsNull(method) && !HPy_IsNull(args[1]) && !HPy_IsNull(args[2]))
        *owner = HPy_CallMethod(ctx, method, args, 3, HPy_NULL);
    HPy_Close(ctx, method);
    HPy_Close(ctx, args[1]);
    HPy_Close(ctx, args[2]);
    if (HPy_IsNull(*owner))
        return NULL;
    *size = HPyBytes_GET_SIZE(ctx, *owner);
    return HPyBytes_AS_STRING(ctx, *owner);
}

void ujson_type_name(HPyContext *ctx, HPy obj, char *buf, size_t size)
{
    HPy type = HPy_Type(ctx, obj);
    HPy name = HPy_IsNull(type) ? HPy_NULL : HPy_GetAttr_s(ctx, type, "__name__");
    const char *utf8 = HPy_IsNull(name) ? NULL : HPyUnicode_AsUTF8AndSize(ctx, name, NULL);
    if (utf8 == NULL)
        HPyErr_Clear(ctx);
    snprintf(buf, size, "%s", utf8 ? utf8 : "?");
    HPy_Close(ctx, name);
    HPy_Close(ctx, type);
}
