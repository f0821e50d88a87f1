#include "args.h"

#include <stdio.h>
#include <string.h>

static int type_error(HPyContext *ctx, const char *message)
{
    HPyErr_SetString(ctx, ctx->h_TypeError, message);
    return -1;
}

/* The running interpreter's minor version, read on the error path only (so uncached):
 * PyArg_ParseTupleAndKeywords, which ujson uses, words an unknown keyword by version. */
static long host_minor_version(HPyContext *ctx)
{
    HPy sys = HPyImport_ImportModule(ctx, "sys");
    HPy info = HPy_IsNull(sys) ? HPy_NULL : HPy_GetAttr_s(ctx, sys, "version_info");
    HPy item = HPy_IsNull(info) ? HPy_NULL : HPy_GetItem_i(ctx, info, 1);
    long minor = HPy_IsNull(item) ? -1 : HPyLong_AsLong(ctx, item);
    HPy_Close(ctx, item);
    HPy_Close(ctx, info);
    HPy_Close(ctx, sys);
    return minor;
}

/* The parameter named `name`, or -1; -2 with an exception. */
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

/* The checks come in PyArg_ParseTupleAndKeywords' order: the count of all arguments,
 * then each parameter in turn (given twice, or required and missing), then keywords
 * that name no parameter. */
int ujson_parse_args(HPyContext *ctx, const ujson_signature *sig, const HPy *args,
                     size_t nargs, HPy kwnames, const HPy *kwvalues, HPy *out)
{
    char message[320];
    HPy_ssize_t nkw = HPy_IsNull(kwnames) ? 0 : HPy_Length(ctx, kwnames);
    if (nkw < 0)
        return -1;
    if (nargs + (size_t)nkw > sig->count) {
        snprintf(message, sizeof message, "function takes at most %zu %sargument%s (%zu given)",
                 sig->count, nargs == 0 ? "keyword " : "", sig->count == 1 ? "" : "s",
                 nargs + (size_t)nkw);
        return type_error(ctx, message);
    }
    for (size_t i = 0; i < sig->count; i++)
        out[i] = i < nargs ? args[i] : HPy_NULL;

    /* The first positional parameter also given by keyword, and the first keyword that
     * names no parameter. */
    HPy_ssize_t duplicate = -1, unknown = -1;
    for (HPy_ssize_t k = 0; k < nkw; k++) {
        HPy name = HPy_GetItem_i(ctx, kwnames, k);
        if (HPy_IsNull(name))
            return -1;
        const char *utf8;
        HPy_ssize_t index = find_name(ctx, sig, name, &utf8);
        HPy_Close(ctx, name);
        if (index == -2)
            return -1;
        if (index == -1) {
            if (unknown < 0)
                unknown = k;
        } else if ((size_t)index < nargs) {
            if (duplicate < 0 || index < duplicate)
                duplicate = index;
        } else {
            out[index] = kwvalues[k];
        }
    }
    for (size_t i = 0; i < sig->count; i++) {
        if ((HPy_ssize_t)i == duplicate) {
            snprintf(message, sizeof message,
                     "argument for function given by name ('%s') and position (%zu)",
                     sig->names[i], i + 1);
            return type_error(ctx, message);
        }
        if (i < sig->required && HPy_IsNull(out[i])) {
            snprintf(message, sizeof message, "function missing required argument '%s' (pos %zu)",
                     sig->names[i], i + 1);
            return type_error(ctx, message);
        }
    }
    if (unknown >= 0) {
        HPy name = HPy_GetItem_i(ctx, kwnames, unknown);
        if (HPy_IsNull(name))
            return -1;
        const char *utf8 = HPyUnicode_AsUTF8AndSize(ctx, name, NULL);
        long minor = utf8 == NULL ? -1 : host_minor_version(ctx);
        if (minor >= 13) {
            snprintf(message, sizeof message,
                     "this function got an unexpected keyword argument '%.200s'", utf8);
            type_error(ctx, message);
        } else if (minor >= 0) {
            snprintf(message, sizeof message,
                     "'%.200s' is an invalid keyword argument for this function", utf8);
            type_error(ctx, message);
        }
        HPy_Close(ctx, name);
        return -1;
    }
    return 0;
}

int ujson_check_exact_args(HPyContext *ctx, size_t nargs, size_t n)
{
    if (nargs == n)
        return 0;
    char message[100];
    snprintf(message, sizeof message, "function takes exactly %zu argument%s (%zu given)", n,
             n == 1 ? "" : "s", nargs);
    return type_error(ctx, message);
}
