#include "args.h"

#include <stdio.h>
#include <string.h>

static int type_error(HPyContext *ctx, const char *message)
{
    HPyErr_SetString(ctx, ctx->h_TypeError, message);
    return -1;
}

static HPy_ssize_t find_name(HPyContext *ctx, const ujson_signature *sig, HPy name,
                             const char **utf8)
{
    HPy_ssize_t size;
    *utf8 = HPyUnicode_AsUTF8AndSize(ctx, name, &size);
    if (*utf8 == NULL)
        return -2;
    for (size_t i = 0; i < sig->count; i++)
        if (strlen(sig->names[i]) == (size_t)size && memcmp(sig->names[i], *utf8, (size_t)size) == 0)
            return (HPy_ssize_t)i;
    return -1;
}

int ujson_parse_args(HPyContext *ctx, const ujson_signature *sig, const HPy *args,
                     size_t nargs, HPy kwnames, HPy *out)
{
    char message[320];
    for (size_t i = 0; i < sig->count; i++)
        out[i] = HPy_NULL;
    if (nargs > sig->max_positional) {
        snprintf(message, sizeof message, "%s() takes at most %zu positional argument%s (%zu given)",
                 sig->fname, sig->max_positional, sig->max_positional == 1 ? "" : "s", nargs);
        return type_error(ctx, message);
    }
    for (size_t i = 0; i < nargs; i++)
        out[i] = args[i];

    HPy_ssize_t nkw = HPy_IsNull(kwnames) ? 0 : HPy_Length(ctx, kwnames);
    if (nkw < 0)
        return -1;
    for (HPy_ssize_t k = 0; k < nkw; k++) {
        HPy name = HPy_GetItem_i(ctx, kwnames, k);
        if (HPy_IsNull(name))
            return -1;
        const char *utf8;
        HPy_ssize_t index = find_name(ctx, sig, name, &utf8);
        if (index == -1)
            snprintf(message, sizeof message, "'%.200s' is an invalid keyword argument for %s()",
                     utf8, sig->fname);
        else if (index >= 0 && !HPy_IsNull(out[index]))
            snprintf(message, sizeof message,
                     "argument for %s() given by name ('%s') and position (%zd)",
                     sig->fname, sig->names[index], index + 1);
        HPy_Close(ctx, name);
        if (index == -2)
            return -1;
        if (index == -1 || !HPy_IsNull(out[index]))
            return type_error(ctx, message);
        out[index] = args[nargs + (size_t)k];
    }

    for (size_t i = 0; i < sig->required; i++) {
        if (HPy_IsNull(out[i])) {
            snprintf(message, sizeof message, "%s() missing required argument '%s' (pos %zu)",
                     sig->fname, sig->names[i], i + 1);
            return type_error(ctx, message);
        }
    }
    return 0;
}
