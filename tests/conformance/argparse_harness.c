/* The argument parsers under test with formats and keyword names chosen at run time, so
 * that one compiled module serves every call. Shared by tests/conformance/test_argparse.py
 * and fuzz/argparse_target.py, which append their own definitions and @EXPORT lines.
 * Unit k is stored in slots[k]; a success returns the values as a tuple (an unset object
 * or string slot as Ellipsis). Formats and names may be str or bytes. */
#include <string.h>

#define MAX_UNITS 16

typedef union {
    unsigned char b; short h; unsigned short H; int i; unsigned int I; long l;
    unsigned long k; long long L; unsigned long long K; HPy_ssize_t n; float f;
    double d; HPy O; const char *s;
} slot;

/* The parser reads typed pointers; passing them as void * is fine on every platform
 * handlepy targets, and lets one call serve any format. */
#define SLOT_PTRS(s) (void *)&s[0], (void *)&s[1], (void *)&s[2], (void *)&s[3], \
    (void *)&s[4], (void *)&s[5], (void *)&s[6], (void *)&s[7], (void *)&s[8], \
    (void *)&s[9], (void *)&s[10], (void *)&s[11], (void *)&s[12], (void *)&s[13], \
    (void *)&s[14], (void *)&s[15]

static const char *text_of(HPyContext *ctx, HPy h)
{
    if (HPyBytes_Check(ctx, h))
        return HPyBytes_AsString(ctx, h);
    return HPyUnicode_AsUTF8AndSize(ctx, h, NULL);
}

static HPy slot_value(HPyContext *ctx, char unit, const slot *s)
{
    switch (unit) {
    case 'b': case 'B': return HPyLong_FromLong(ctx, s->b);
    case 'h': return HPyLong_FromLong(ctx, s->h);
    case 'H': return HPyLong_FromLong(ctx, s->H);
    case 'i': case 'p': return HPyLong_FromLong(ctx, s->i);
    case 'I': return HPyLong_FromUnsignedLong(ctx, s->I);
    case 'l': return HPyLong_FromLong(ctx, s->l);
    case 'k': return HPyLong_FromUnsignedLong(ctx, s->k);
    case 'L': return HPyLong_FromLongLong(ctx, s->L);
    case 'K': return HPyLong_FromUnsignedLongLong(ctx, s->K);
    case 'n': return HPyLong_FromSsize_t(ctx, s->n);
    case 'f': return HPyFloat_FromDouble(ctx, s->f);
    case 'd': return HPyFloat_FromDouble(ctx, s->d);
    case 'O': return HPy_Dup(ctx, HPy_IsNull(s->O) ? ctx->h_Ellipsis : s->O);
    case 's': return s->s ? HPyUnicode_FromString(ctx, s->s) : HPy_Dup(ctx, ctx->h_Ellipsis);
    }
    return HPyErr_SetString(ctx, ctx->h_SystemError, "the parser accepted an unknown unit");
}

/* The parser's result: it must raise exactly when it fails. */
static HPy outcome(HPyContext *ctx, int ok, const char *fmt, const slot *slots)
{
    if (ok && HPyErr_Occurred(ctx))
        return HPyErr_SetString(ctx, ctx->h_AssertionError, "succeeded with an exception set");
    if (!ok)
        return HPyErr_Occurred(ctx) ? HPy_NULL : HPyErr_SetString(
            ctx, ctx->h_AssertionError, "failed without an exception");
    HPy items[MAX_UNITS];
    HPy_ssize_t n = 0;
    for (const char *p = fmt; *p && *p != ':' && *p != ';'; p++) {
        if (*p == '|' || *p == '$')
            continue;
        if (n == MAX_UNITS)
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "more units than slots");
        items[n] = slot_value(ctx, *p, &slots[n]);
        if (HPy_IsNull(items[n])) {
            for (HPy_ssize_t i = 0; i < n; i++)
                HPy_Close(ctx, items[i]);
            return HPy_NULL;
        }
        n++;
    }
    HPy result = HPyTuple_FromArray(ctx, items, n);
    for (HPy_ssize_t i = 0; i < n; i++)
        HPy_Close(ctx, items[i]);
    return result;
}

/* parse(fmt, *args): HPyArg_Parse with a tracker. */
HPyDef_METH(parse, "parse", HPyFunc_VARARGS)
static HPy parse_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    slot slots[MAX_UNITS];
    memset(slots, 0, sizeof slots);
    const char *fmt = text_of(ctx, args[0]);
    if (fmt == NULL)
        return HPy_NULL;
    HPyTracker ht;
    int ok = HPyArg_Parse(ctx, &ht, args + 1, nargs - 1, fmt, SLOT_PTRS(slots));
    HPy result = outcome(ctx, ok, fmt, slots);
    if (ok)
        HPyTracker_Close(ctx, ht);
    return result;
}

/* The keyword names of a tuple, NULL-terminated in `keywords`; their handles in `names`,
 * to close after. -1 with an exception. */
static HPy_ssize_t read_keywords(HPyContext *ctx, HPy tuple, const char **keywords,
                                 HPy *names)
{
    HPy_ssize_t n = HPy_Length(ctx, tuple);
    if (n < 0)
        return -1;
    if (n > MAX_UNITS + 1) {
        HPyErr_SetString(ctx, ctx->h_ValueError, "too many keywords for the harness");
        return -1;
    }
    for (HPy_ssize_t i = 0; i < n; i++) {
        names[i] = HPy_GetItem_i(ctx, tuple, i);
        keywords[i] = text_of(ctx, names[i]);
    }
    keywords[n] = NULL;
    return n;
}

/* parse_kw(fmt, keywords, *args, **kwargs): HPyArg_ParseKeywords with a tracker. */
HPyDef_METH(parse_kw, "parse_kw", HPyFunc_KEYWORDS)
static HPy parse_kw_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                         HPy kwnames)
{
    slot slots[MAX_UNITS];
    memset(slots, 0, sizeof slots);
    const char *keywords[MAX_UNITS + 2];
    HPy names[MAX_UNITS + 1];
    HPy_ssize_t nnames = read_keywords(ctx, args[1], keywords, names);
    if (nnames < 0)
        return HPy_NULL;
    const char *fmt = text_of(ctx, args[0]);
    HPy result = HPy_NULL;
    if (fmt != NULL) {
        HPyTracker ht;
        int ok = HPyArg_ParseKeywords(ctx, &ht, args + 2, nargs - 2, kwnames, fmt, keywords,
                                      SLOT_PTRS(slots));
        result = outcome(ctx, ok, fmt, slots);
        if (ok)
            HPyTracker_Close(ctx, ht);
    }
    for (HPy_ssize_t i = 0; i < nnames; i++)
        HPy_Close(ctx, names[i]);
    return result;
}

/* parse_dict(fmt, keywords, args: tuple, kw: dict or None): HPyArg_ParseKeywordsDict,
 * with a tracker unless a fifth argument says False. */
HPyDef_METH(parse_dict, "parse_dict", HPyFunc_VARARGS)
static HPy parse_dict_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    slot slots[MAX_UNITS];
    memset(slots, 0, sizeof slots);
    const char *keywords[MAX_UNITS + 2];
    HPy names[MAX_UNITS + 1];
    HPy positional[MAX_UNITS + 8];
    HPy_ssize_t npos = HPy_Length(ctx, args[2]);
    if (npos < 0)
        return HPy_NULL;
    if (npos > MAX_UNITS + 8)
        return HPyErr_SetString(ctx, ctx->h_ValueError, "too many arguments for the harness");
    HPy_ssize_t nnames = read_keywords(ctx, args[1], keywords, names);
    if (nnames < 0)
        return HPy_NULL;
    for (HPy_ssize_t i = 0; i < npos; i++)
        positional[i] = HPy_GetItem_i(ctx, args[2], i);
    HPy kw = HPy_Is(ctx, args[3], ctx->h_None) ? HPy_NULL : args[3];
    int tracked = nargs < 5 || HPy_IsTrue(ctx, args[4]);
    const char *fmt = text_of(ctx, args[0]);
    HPy result = HPy_NULL;
    if (fmt != NULL) {
        HPyTracker ht;
        int ok = HPyArg_ParseKeywordsDict(ctx, tracked ? &ht : NULL, positional, npos, kw,
                                          fmt, keywords, SLOT_PTRS(slots));
        result = outcome(ctx, ok, fmt, slots);
        if (ok && tracked)
            HPyTracker_Close(ctx, ht);
    }
    for (HPy_ssize_t i = 0; i < npos; i++)
        HPy_Close(ctx, positional[i]);
    for (HPy_ssize_t i = 0; i < nnames; i++)
        HPy_Close(ctx, names[i]);
    return result;
}
