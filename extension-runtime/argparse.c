/* HPyArg_Parse, HPyArg_ParseKeywords and HPyArg_ParseKeywordsDict: PyArg_ParseTuple and
 * PyArg_ParseTupleAndKeywords for handles, with the format units HPy documents. Their
 * error messages and conversions are those of the CPython version the extension runs on,
 * word for word, so that porting an extension changes nothing its users see; the CPython
 * conversion functions they rely on are reproduced through the public API only, so that
 * PyPy gives the messages of the Python version it implements. Where HPy 0.9 defines
 * what CPython does not (a keyword list that does not fit the format, 'O' outputs of the
 * keyword parsers as handles the tracker owns), they behave as HPy 0.9.
 *
 * An extension compiled with HANDLEPY_HPY_MESSAGES (HPy projects, built through the HPy
 * route of the build tools) calls the _HPyMessages entry points instead (helpers.h):
 * where HPy 0.9 raises its own words, they raise those, with the same exception types,
 * since that project's tests and users expect HPy's. */
#include "hpy.h"

/* This file defines both sets of entry points, whatever the flags it is compiled with. */
#undef HPyArg_Parse
#undef HPyArg_ParseKeywords
#undef HPyArg_ParseKeywordsDict
_HPy_HIDDEN int HPyArg_Parse(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                             size_t nargs, const char *fmt, ...);
_HPy_HIDDEN int HPyArg_ParseKeywords(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                     size_t nargs, HPy kwnames, const char *fmt,
                                     const char *keywords[], ...);
_HPy_HIDDEN int HPyArg_ParseKeywordsDict(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                         HPy_ssize_t nargs, HPy kw, const char *fmt,
                                         const char *keywords[], ...);
_HPy_HIDDEN int _HPyArg_Parse_HPyMessages(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                          size_t nargs, const char *fmt, ...);
_HPy_HIDDEN int _HPyArg_ParseKeywords_HPyMessages(HPyContext *ctx, HPyTracker *ht,
                                                  const HPy *args, size_t nargs,
                                                  HPy kwnames, const char *fmt,
                                                  const char *keywords[], ...);
_HPy_HIDDEN int _HPyArg_ParseKeywordsDict_HPyMessages(HPyContext *ctx, HPyTracker *ht,
                                                      const HPy *args, HPy_ssize_t nargs,
                                                      HPy kw, const char *fmt,
                                                      const char *keywords[], ...);

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define UNITS "bBhHiIlkLKnfdOps"

typedef struct {
    const char *api;     /* for messages about a bad format string */
    int nunits;
    int min;             /* units before '|' are required; nunits without '|' */
    int max;             /* units from '$' on are keyword-only; nunits without '$' */
    int has_bar;
    const char *fname;   /* from ":fname", or NULL */
    const char *message; /* from ";message", or NULL */
    int hpy_words;       /* HPy 0.9's messages where it has its own (raise_hpy) */
} format_info;

/* vsnprintf into a buffer big enough for the message; 0 so callers can return it. */
static int raise_fmt(HPyContext *ctx, HPy type, const char *fmt, ...)
{
    char small[512];
    va_list vargs;
    va_start(vargs, fmt);
    int len = vsnprintf(small, sizeof small, fmt, vargs);
    va_end(vargs);
    if (len < 0) {
        HPyErr_SetString(ctx, ctx->h_SystemError, "cannot format an argument parsing error");
        return 0;
    }
    if ((size_t)len < sizeof small) {
        HPyErr_SetString(ctx, type, small);
        return 0;
    }
    char *big = (char *)malloc((size_t)len + 1);
    if (big == NULL) {
        HPyErr_NoMemory(ctx);
        return 0;
    }
    va_start(vargs, fmt);
    vsnprintf(big, (size_t)len + 1, fmt, vargs);
    va_end(vargs);
    HPyErr_SetString(ctx, type, big);
    free(big);
    return 0;
}

/* HPy 0.9's form of a message: the format's ";message", else "name() what", else
 * "function what". */
static int raise_hpy(HPyContext *ctx, const format_info *f, HPy type, const char *what)
{
    if (f->message != NULL)
        return raise_fmt(ctx, type, "%s", f->message);
    if (f->fname != NULL)
        return raise_fmt(ctx, type, "%.200s() %s", f->fname, what);
    return raise_fmt(ctx, type, "function %s", what);
}

static const char *fname_of(const format_info *f)
{
    return f->fname ? f->fname : "function";
}

static const char *parens_of(const format_info *f)
{
    return f->fname ? "()" : "";
}

static const char *plural(long long n)
{
    return n == 1 ? "" : "s";
}

static int scan_format(HPyContext *ctx, const char *fmt, int keywords, format_info *f)
{
    f->nunits = 0;
    f->has_bar = 0;
    f->min = f->max = -1;
    f->fname = f->message = NULL;
    for (const char *p = fmt; *p; p++) {
        if (*p == ':' || *p == ';') {
            *(*p == ':' ? &f->fname : &f->message) = p + 1;
            break;
        }
        if (*p == '|' && f->min < 0 && f->max < 0) {
            f->min = f->nunits;
            f->has_bar = 1;
        } else if (*p == '$' && keywords && f->max < 0) {
            f->max = f->nunits;
        } else if (strchr(UNITS, *p) != NULL) {
            f->nunits++;
        } else if (f->hpy_words) {
            /* The name or message after the bad unit still words the error. */
            const char *tail = strpbrk(p, ":;");
            if (tail != NULL)
                *(*tail == ':' ? &f->fname : &f->message) = tail + 1;
            return raise_hpy(ctx, f, ctx->h_SystemError, "unknown arg format code");
        } else {
            return raise_fmt(ctx, ctx->h_SystemError,
                             "%s: '%c' is misplaced or not a format unit it supports "
                             "(format \"%s\")", f->api, *p, fmt);
        }
    }
    if (f->min < 0)
        f->min = f->nunits;
    if (f->max < 0)
        f->max = f->nunits;
    return 1;
}

/* CPython names a type by its tp_name, which the API does not expose: a heap type's
 * tp_name is its __name__, a static type's is "module.name" outside builtins. */
#define HEAPTYPE_FLAG (1UL << 9)

static void type_name(HPyContext *ctx, HPy obj, char *buf, size_t size)
{
    snprintf(buf, size, "?");
    HPy type = HPy_Type(ctx, obj);
    HPy name = HPy_GetAttr_s(ctx, type, "__name__");
    HPy flags = HPy_GetAttr_s(ctx, type, "__flags__");
    HPy module = HPy_GetAttr_s(ctx, type, "__module__");
    const char *c_name = HPy_IsNull(name) ? NULL : HPyUnicode_AsUTF8AndSize(ctx, name, NULL);
    const char *c_module = NULL;
    if (!HPy_IsNull(module) && HPyUnicode_Check(ctx, module))
        c_module = HPyUnicode_AsUTF8AndSize(ctx, module, NULL);
    unsigned long type_flags = HPy_IsNull(flags) ? 0 : HPyLong_AsUnsignedLongMask(ctx, flags);
    if (c_name != NULL) {
        if ((type_flags & HEAPTYPE_FLAG) || c_module == NULL || strcmp(c_module, "builtins") == 0)
            snprintf(buf, size, "%s", c_name);
        else
            snprintf(buf, size, "%s.%s", c_module, c_name);
    }
    HPyErr_Clear(ctx);
    HPy_Close(ctx, module);
    HPy_Close(ctx, flags);
    HPy_Close(ctx, name);
    HPy_Close(ctx, type);
}

/* The minor version of the running Python 3. A universal binary cannot know it when it
 * is compiled, and only error paths and rarely used conversions ask, so it is read from
 * sys.version_info on first use; 11 (the oldest supported) if that fails. */
static int host_minor(HPyContext *ctx)
{
    static atomic_int cached;
    int minor = atomic_load_explicit(&cached, memory_order_relaxed);
    if (minor != 0)
        return minor;
    minor = 11;
    HPy sys = HPyImport_ImportModule(ctx, "sys");
    HPy info = HPy_IsNull(sys) ? HPy_NULL : HPy_GetAttr_s(ctx, sys, "version_info");
    HPy item = HPy_IsNull(info) ? HPy_NULL : HPy_GetItem_i(ctx, info, 1);
    long value = HPy_IsNull(item) ? -1 : HPyLong_AsLong(ctx, item);
    if (value > 0 && value < INT_MAX)
        minor = (int)value;
    HPyErr_Clear(ctx);
    HPy_Close(ctx, item);
    HPy_Close(ctx, info);
    HPy_Close(ctx, sys);
    atomic_store_explicit(&cached, minor, memory_order_relaxed);
    return minor;
}

/* Replace the exception of a failed conversion with CPython's, when it is `kind`. */
static void reword(HPyContext *ctx, HPy kind, const char *message)
{
    if (HPyErr_ExceptionMatches(ctx, kind)) {
        HPyErr_Clear(ctx);
        HPyErr_SetString(ctx, kind, message);
    }
}

static int has_method(HPyContext *ctx, HPy obj, const char *name)
{
    HPy type = HPy_Type(ctx, obj);
    int found = HPy_HasAttr_s(ctx, type, name);
    HPy_Close(ctx, type);
    return found;
}

/* The exact int behind `arg` (via __index__), or HPy_NULL with an exception. */
static HPy as_int(HPyContext *ctx, HPy arg)
{
    if (HPyLong_Check(ctx, arg))
        return HPy_Dup(ctx, arg);
    if (!has_method(ctx, arg, "__index__")) {
        char name[256];
        type_name(ctx, arg, name, sizeof name);
        raise_fmt(ctx, ctx->h_TypeError, "'%.200s' object cannot be interpreted as an integer",
                  name);
        return HPy_NULL;
    }
    return HPy_Index(ctx, arg);
}

static int as_long(HPyContext *ctx, HPy arg, long *out)
{
    HPy num = as_int(ctx, arg);
    if (HPy_IsNull(num))
        return -1;
    *out = HPyLong_AsLong(ctx, num);
    HPy_Close(ctx, num);
    if (*out == -1 && HPyErr_Occurred(ctx)) {
        reword(ctx, ctx->h_OverflowError, "Python int too large to convert to C long");
        return -1;
    }
    return 0;
}

static int long_in_range(HPyContext *ctx, const format_info *f, long value, long lo, long hi,
                         const char *what)
{
    char message[96];
    if (f->hpy_words && (value < lo || value > hi)) {
        snprintf(message, sizeof message, "%s is %s", what,
                 value < lo ? "less than minimum" : "greater than maximum");
        return raise_hpy(ctx, f, ctx->h_OverflowError, message) - 1;
    }
    if (value < lo)
        return raise_fmt(ctx, ctx->h_OverflowError, "%s is less than minimum", what) - 1;
    if (value > hi)
        return raise_fmt(ctx, ctx->h_OverflowError, "%s is greater than maximum", what) - 1;
    return 0;
}

static int is_exact_int(HPyContext *ctx, HPy obj)
{
    HPy type = HPy_Type(ctx, obj);
    int exact = HPy_Is(ctx, type, ctx->h_LongType) || HPy_Is(ctx, type, ctx->h_BoolType);
    HPy_Close(ctx, type);
    return exact;
}

/* As CPython 3.11's PyFloat_AsDouble, which also takes __index__ (older hosts do not). */
static int as_double(HPyContext *ctx, HPy arg, double *out)
{
    if (HPyFloat_Check(ctx, arg) || HPyLong_Check(ctx, arg) || has_method(ctx, arg, "__float__")) {
        *out = HPyFloat_AsDouble(ctx, arg);
        if (*out != -1.0 || !HPyErr_Occurred(ctx))
            return 0;
        if (is_exact_int(ctx, arg))
            reword(ctx, ctx->h_OverflowError, "int too large to convert to float");
        return -1;
    }
    if (!has_method(ctx, arg, "__index__")) {
        char name[256];
        type_name(ctx, arg, name, sizeof name);
        return raise_fmt(ctx, ctx->h_TypeError, "must be real number, not %.50s", name) - 1;
    }
    HPy num = HPy_Index(ctx, arg);
    if (HPy_IsNull(num))
        return -1;
    *out = HPyLong_AsDouble(ctx, num);
    HPy_Close(ctx, num);
    if (*out != -1.0 || !HPyErr_Occurred(ctx))
        return 0;
    reword(ctx, ctx->h_OverflowError, "int too large to convert to float");
    return -1;
}

/* 3.15's PyArg_Parse still keeps the low bits for B, H, I, k and K, but warns when the
 * value needs more than `size` bytes, signed or unsigned: it accepts -2**(8*size-1) up
 * to 2**(8*size)-1 silently. Older interpreters never warn. */
static int warn_out_of_range(HPyContext *ctx, HPy num, size_t size)
{
    if (host_minor(ctx) < 15)
        return 0;
    unsigned long long umax = size >= sizeof(unsigned long long)
                              ? ULLONG_MAX : (1ULL << (8 * size)) - 1;
    long long smin = size >= sizeof(long long) ? LLONG_MIN : -(long long)(umax / 2) - 1;
    int fits;
    long long value = HPyLong_AsLongLong(ctx, num);
    if (value != -1 || !HPyErr_Occurred(ctx)) {
        fits = value < 0 ? value >= smin : (unsigned long long)value <= umax;
    } else {
        HPyErr_Clear(ctx);
        unsigned long long big = HPyLong_AsUnsignedLongLong(ctx, num);
        fits = big != (unsigned long long)-1 || !HPyErr_Occurred(ctx);
        HPyErr_Clear(ctx);
    }
    if (fits)
        return 0;
    return HPyErr_WarnEx(ctx, ctx->h_DeprecationWarning, "integer value out of range", 1);
}

/* Convert `arg` for `unit` into the next output of `vargs`: 0 on success, -1 with an
 * exception, or 1 when `arg` has the wrong type and the caller must say so with the
 * argument's position; `*expected` is then the type wanted. With `owner`, an 'O' output
 * is a new handle the tracker owns (the keyword parsers, as in HPy 0.9); without, it is
 * `arg` itself (HPyArg_Parse). */
static int convert(HPyContext *ctx, const format_info *f, char unit, HPy arg,
                   HPyTracker *owner, va_list *vargs, const char **expected)
{
    long value;
    switch (unit) {
    case 'b':
        if (as_long(ctx, arg, &value) < 0 ||
            long_in_range(ctx, f, value, 0, UCHAR_MAX, "unsigned byte integer") < 0)
            return -1;
        *va_arg(*vargs, unsigned char *) = (unsigned char)value;
        return 0;
    case 'h':
        if (as_long(ctx, arg, &value) < 0 ||
            long_in_range(ctx, f, value, SHRT_MIN, SHRT_MAX, "signed short integer") < 0)
            return -1;
        *va_arg(*vargs, short *) = (short)value;
        return 0;
    case 'i':
        if (as_long(ctx, arg, &value) < 0 ||
            long_in_range(ctx, f, value, INT_MIN, INT_MAX, "signed integer") < 0)
            return -1;
        *va_arg(*vargs, int *) = (int)value;
        return 0;
    case 'l':
        if (as_long(ctx, arg, &value) < 0)
            return -1;
        *va_arg(*vargs, long *) = value;
        return 0;
    case 'B': case 'H': case 'I': {
        /* No overflow error: these keep the low bits, like a C cast. */
        HPy num = as_int(ctx, arg);
        if (HPy_IsNull(num))
            return -1;
        size_t size = unit == 'B' ? sizeof(unsigned char)
                      : unit == 'H' ? sizeof(unsigned short) : sizeof(unsigned int);
        unsigned long bits = HPyLong_AsUnsignedLongMask(ctx, num);
        if ((bits == (unsigned long)-1 && HPyErr_Occurred(ctx)) ||
            warn_out_of_range(ctx, num, size) < 0) {
            HPy_Close(ctx, num);
            return -1;
        }
        HPy_Close(ctx, num);
        if (unit == 'B')
            *va_arg(*vargs, unsigned char *) = (unsigned char)bits;
        else if (unit == 'H')
            *va_arg(*vargs, unsigned short *) = (unsigned short)bits;
        else
            *va_arg(*vargs, unsigned int *) = (unsigned int)bits;
        return 0;
    }
    case 'k': case 'K': {
        /* Before 3.14, unlike the others, these take an int only, not any __index__ object. */
        HPy num;
        if (HPyLong_Check(ctx, arg))
            num = HPy_Dup(ctx, arg);
        else if (host_minor(ctx) >= 14 && has_method(ctx, arg, "__index__"))
            num = HPy_Index(ctx, arg);
        else {
            *expected = "int";
            return 1;
        }
        if (HPy_IsNull(num))
            return -1;
        unsigned long long bits = HPyLong_AsUnsignedLongLongMask(ctx, num);
        if ((bits == (unsigned long long)-1 && HPyErr_Occurred(ctx)) ||
            warn_out_of_range(ctx, num, unit == 'k' ? sizeof(unsigned long)
                                                    : sizeof(unsigned long long)) < 0) {
            HPy_Close(ctx, num);
            return -1;
        }
        HPy_Close(ctx, num);
        if (unit == 'k')
            *va_arg(*vargs, unsigned long *) = (unsigned long)bits;
        else
            *va_arg(*vargs, unsigned long long *) = bits;
        return 0;
    }
    case 'L': case 'n': {
        HPy num = as_int(ctx, arg);
        if (HPy_IsNull(num))
            return -1;
        long long wide = unit == 'L' ? HPyLong_AsLongLong(ctx, num) : HPyLong_AsSsize_t(ctx, num);
        HPy_Close(ctx, num);
        if (wide == -1 && HPyErr_Occurred(ctx)) {
            reword(ctx, ctx->h_OverflowError,
                   unit == 'L' ? "int too big to convert"
                               : "Python int too large to convert to C ssize_t");
            return -1;
        }
        if (unit == 'L')
            *va_arg(*vargs, long long *) = wide;
        else
            *va_arg(*vargs, HPy_ssize_t *) = (HPy_ssize_t)wide;
        return 0;
    }
    case 'f': case 'd': {
        double real = 0.0;
        if (as_double(ctx, arg, &real) < 0)
            return -1;
        if (unit == 'f')
            *va_arg(*vargs, float *) = (float)real;
        else
            *va_arg(*vargs, double *) = real;
        return 0;
    }
    case 'p': {
        int truth = HPy_IsTrue(ctx, arg);
        if (truth < 0)
            return -1;
        *va_arg(*vargs, int *) = truth;
        return 0;
    }
    case 's': {
        if (!HPyUnicode_Check(ctx, arg)) {
            if (f->hpy_words)
                return raise_hpy(ctx, f, ctx->h_TypeError, "a str is required") - 1;
            *expected = "str";
            return 1;
        }
        HPy_ssize_t size;
        const char *utf8 = HPyUnicode_AsUTF8AndSize(ctx, arg, &size);
        if (utf8 == NULL)
            return -1;
        if (strlen(utf8) != (size_t)size) {
            if (f->hpy_words)
                return raise_hpy(ctx, f, ctx->h_ValueError, "embedded null character") - 1;
            HPyErr_SetString(ctx, ctx->h_ValueError, "embedded null character");
            return -1;
        }
        *va_arg(*vargs, const char **) = utf8;
        return 0;
    }
    default: /* 'O'; scan_format let no other unit through */
        if (owner != NULL) {
            arg = HPy_Dup(ctx, arg);
            if (HPyTracker_Add(ctx, *owner, arg) < 0) {
                HPy_Close(ctx, arg);
                return -1;
            }
        }
        *va_arg(*vargs, HPy *) = arg;
        return 0;
    }
}

/* Convert the argument at 0-based position `index`; 0 with an exception on failure. */
static int convert_at(HPyContext *ctx, const format_info *f, char unit, HPy arg, int index,
                      HPyTracker *owner, va_list *vargs)
{
    const char *expected = NULL;
    int res = convert(ctx, f, unit, arg, owner, vargs, &expected);
    if (res <= 0)
        return res == 0;
    if (f->message != NULL)
        return raise_fmt(ctx, ctx->h_TypeError, "%s", f->message);
    char name[256];
    if (HPy_Is(ctx, arg, ctx->h_None))
        snprintf(name, sizeof name, "None");
    else
        type_name(ctx, arg, name, sizeof name);
    return raise_fmt(ctx, ctx->h_TypeError, "%.200s%sargument %d must be %.50s, not %.50s",
                     f->fname ? f->fname : "", f->fname ? "() " : "", index + 1, expected, name);
}

/* The next format unit at or after `*p`, skipping '|' and '$'. */
static char next_unit(const char **p)
{
    while (**p == '|' || **p == '$')
        (*p)++;
    return *(*p)++;
}

static int start_tracker(HPyContext *ctx, HPyTracker *ht)
{
    if (ht == NULL)
        return 1;
    *ht = HPyTracker_New(ctx, 0);
    return !HPy_IsNull(*ht);
}

static int finish_tracker(HPyContext *ctx, HPyTracker *ht, int ok)
{
    if (!ok && ht != NULL) {
        HPyTracker_Close(ctx, *ht);
        *ht = (HPyTracker){0};
    }
    return ok;
}

static int parse_positional(HPyContext *ctx, const HPy *args, size_t nargs, const char *fmt,
                            int hpy_words, va_list *vargs)
{
    format_info f = {.api = "HPyArg_Parse", .hpy_words = hpy_words};
    if (!scan_format(ctx, fmt, 0, &f))
        return 0;
    long long given = (long long)nargs;
    if (hpy_words && given < f.min)
        return raise_hpy(ctx, &f, ctx->h_TypeError, "required positional argument missing");
    if (hpy_words && given > f.nunits)
        return raise_hpy(ctx, &f, ctx->h_TypeError,
                         "mismatched args (too many arguments for fmt)");
    if (given < f.min || given > f.nunits) {
        if (f.message != NULL)
            return raise_fmt(ctx, ctx->h_TypeError, "%s", f.message);
        int bound = given < f.min ? f.min : f.nunits;
        const char *how = f.min == f.nunits ? "exactly" : given < f.min ? "at least" : "at most";
        return raise_fmt(ctx, ctx->h_TypeError, "%.150s%s takes %s %d argument%s (%lld given)",
                         fname_of(&f), parens_of(&f), how, bound, plural(bound), given);
    }
    const char *p = fmt;
    for (int i = 0; i < (int)nargs; i++) {
        if (!convert_at(ctx, &f, next_unit(&p), args[i], i, NULL, vargs))
            return 0;
    }
    return 1;
}

int HPyArg_Parse(HPyContext *ctx, HPyTracker *ht, const HPy *args, size_t nargs,
                 const char *fmt, ...)
{
    if (!start_tracker(ctx, ht))
        return 0;
    va_list vargs;
    va_start(vargs, fmt);
    int ok = parse_positional(ctx, args, nargs, fmt, 0, &vargs);
    va_end(vargs);
    return finish_tracker(ctx, ht, ok);
}

int _HPyArg_Parse_HPyMessages(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                              size_t nargs, const char *fmt, ...)
{
    if (!start_tracker(ctx, ht))
        return 0;
    va_list vargs;
    va_start(vargs, fmt);
    int ok = parse_positional(ctx, args, nargs, fmt, 1, &vargs);
    va_end(vargs);
    return finish_tracker(ctx, ht, ok);
}

/* A keyword argument's name as UTF-8; `utf8` is NULL for a name no parameter can match
 * (not a str, or not encodable). */
typedef struct {
    HPy name;
    const char *utf8;
    HPy_ssize_t size;
} kwname;

static int find_keyword(const kwname *names, HPy_ssize_t nkw, const char *keyword)
{
    size_t len = strlen(keyword);
    for (HPy_ssize_t j = 0; j < nkw; j++) {
        if (names[j].utf8 != NULL && (size_t)names[j].size == len &&
            memcmp(names[j].utf8, keyword, len) == 0)
            return (int)j;
    }
    return -1;
}

static int check_keywords(HPyContext *ctx, const format_info *f, const char *keywords[],
                          int *npositional_only)
{
    int len = 0, pos = 0;
    for (; keywords[len] != NULL; len++) {
        if (keywords[len][0] == '\0') {
            if (pos != len && f->hpy_words)
                return raise_hpy(ctx, f, ctx->h_SystemError, "empty keyword parameter name");
            if (pos != len)
                return raise_fmt(ctx, ctx->h_SystemError, "Empty keyword parameter name");
            pos++;
        }
    }
    /* HPy 0.9's exception and words: the message names the function, or is the one
     * the format gives after ';'. */
    if (len != f->nunits) {
        const char *what = len < f->nunits ? "mismatched args (too few keywords for fmt)"
                                           : "mismatched args (too many keywords for fmt)";
        if (f->message != NULL)
            return raise_fmt(ctx, ctx->h_TypeError, "%s", f->message);
        return raise_fmt(ctx, ctx->h_TypeError, "%.200s%s %s", fname_of(f), parens_of(f),
                         what);
    }
    if (f->max < pos)
        return raise_fmt(ctx, ctx->h_SystemError, "Empty parameter name after $");
    *npositional_only = pos;
    return 1;
}

static int raise_invalid_keyword(HPyContext *ctx, const format_info *f, HPy name)
{
    const char *fname = f->fname ? f->fname : "this function";
    char before[320], after[320];
    if (host_minor(ctx) >= 13) {
        snprintf(before, sizeof before, "%.200s%s got an unexpected keyword argument '",
                 fname, parens_of(f));
        snprintf(after, sizeof after, "'");
    } else {
        snprintf(before, sizeof before, "'");
        snprintf(after, sizeof after, "' is an invalid keyword argument for %.200s%s",
                 fname, parens_of(f));
    }
    /* The name is a str object, maybe not encodable: build the message as str. */
    HPy head = HPyUnicode_FromString(ctx, before);
    HPy tail = HPyUnicode_FromString(ctx, after);
    HPy named = HPy_IsNull(head) ? HPy_NULL : HPy_Add(ctx, head, name);
    HPy message = HPy_IsNull(named) || HPy_IsNull(tail) ? HPy_NULL : HPy_Add(ctx, named, tail);
    if (!HPy_IsNull(message))
        HPyErr_SetObject(ctx, ctx->h_TypeError, message);
    HPy_Close(ctx, message);
    HPy_Close(ctx, named);
    HPy_Close(ctx, tail);
    HPy_Close(ctx, head);
    return 0;
}

/* Keyword arguments no unit took: their parameter was also given by position or by an
 * earlier keyword, or there is no such parameter. Raises and returns 0. */
static int reject_unused_keywords(HPyContext *ctx, const format_info *f,
                                  const char *keywords[], int pos, size_t nargs,
                                  const kwname *names, HPy_ssize_t nkw)
{
    for (int i = pos; i < (int)nargs; i++) {
        if (find_keyword(names, nkw, keywords[i]) >= 0)
            return raise_fmt(ctx, ctx->h_TypeError,
                             "argument for %.200s%s given by name ('%s') and position (%d)",
                             fname_of(f), parens_of(f), keywords[i], i + 1);
    }
    for (HPy_ssize_t j = 0; j < nkw; j++) {
        if (!HPyUnicode_Check(ctx, names[j].name))
            return raise_fmt(ctx, ctx->h_TypeError, "keywords must be strings");
        int i = pos;
        while (i < f->nunits && find_keyword(&names[j], 1, keywords[i]) != 0)
            i++;
        if (i == f->nunits)
            return raise_invalid_keyword(ctx, f, names[j].name);
        /* Only a kwnames tuple built by hand can repeat a name. */
        if (find_keyword(names, j, keywords[i]) >= 0)
            return raise_fmt(ctx, ctx->h_TypeError,
                             "%.200s%s got multiple values for keyword argument '%s'",
                             fname_of(f), parens_of(f), keywords[i]);
    }
    return raise_fmt(ctx, ctx->h_SystemError, "%s: a keyword argument was left unused", f->api);
}

/* The main pass, in the order CPython takes it: units in format order, each taking its
 * positional argument or else its keyword argument; which error wins when several apply
 * follows from that order. */
static int parse_units(HPyContext *ctx, const format_info *f, const char *fmt,
                       const char *keywords[], int pos, const HPy *args, size_t nargs,
                       const kwname *names, HPy_ssize_t nkw, HPyTracker *owner,
                       va_list *vargs)
{
    long long given = (long long)nargs;
    HPy_ssize_t unused_kw = nkw;
    int skip = 0, i;
    const char *p = fmt;
    for (i = 0; i < f->nunits; i++) {
        if (i == f->max) {
            if (skip)
                break;
            if (given > f->max) {
                if (f->hpy_words)
                    return raise_hpy(ctx, f, ctx->h_TypeError,
                                     "keyword only argument passed as positional argument");
                if (f->max == 0)
                    return raise_fmt(ctx, ctx->h_TypeError, "%.200s%s takes no positional arguments",
                                     fname_of(f), parens_of(f));
                return raise_fmt(ctx, ctx->h_TypeError,
                                 "%.200s%s takes %s %d positional argument%s (%lld given)",
                                 fname_of(f), parens_of(f), f->has_bar ? "at most" : "exactly",
                                 f->max, plural(f->max), given);
            }
        }
        char unit = next_unit(&p);
        if (skip)
            continue;
        HPy arg = HPy_NULL;
        if (i < (int)nargs) {
            arg = args[i];
        } else if (unused_kw > 0 && i >= pos) {
            int j = find_keyword(names, nkw, keywords[i]);
            if (j >= 0) {
                arg = args[nargs + (size_t)j];
                unused_kw--;
            }
        }
        if (!HPy_IsNull(arg)) {
            if (!convert_at(ctx, f, unit, arg, i, owner, vargs))
                return 0;
            continue;
        }
        if (i < f->min) {
            if (f->hpy_words)
                return raise_hpy(ctx, f, ctx->h_TypeError, "no value for required argument");
            if (i >= pos)
                return raise_fmt(ctx, ctx->h_TypeError,
                                 "%.200s%s missing required argument '%s' (pos %d)",
                                 fname_of(f), parens_of(f), keywords[i], i + 1);
            /* The message needs the counts of positional parameters, known only at '|',
             * '$' or the end. */
            skip = 1;
            continue;
        }
        if (unused_kw == 0)
            return 1;
        /* An optional unit with no argument: its output stays as it is. */
        (void)va_arg(*vargs, void *);
    }
    if (skip) {
        int bound = pos < f->min ? pos : f->min;
        return raise_fmt(ctx, ctx->h_TypeError,
                         "%.200s%s takes %s %d positional argument%s (%lld given)",
                         fname_of(f), parens_of(f), bound < i ? "at least" : "exactly", bound,
                         plural(bound), given);
    }
    return unused_kw == 0 ||
           reject_unused_keywords(ctx, f, keywords, pos, nargs, names, nkw);
}

static int has_object_unit(const char *fmt)
{
    for (const char *p = fmt; *p && *p != ':' && *p != ';'; p++)
        if (*p == 'O')
            return 1;
    return 0;
}

#define SMALL_KWNAMES 8

/* `ht` is NULL or the caller's new tracker, which owns every 'O' output. */
static int parse_keywords(HPyContext *ctx, const char *api, int hpy_words, HPyTracker *ht,
                          const HPy *args, size_t nargs, HPy kwnames, const char *fmt,
                          const char *keywords[], va_list *vargs)
{
    format_info f = {.api = api, .hpy_words = hpy_words};
    int pos = 0;
    if (keywords == NULL)
        return raise_fmt(ctx, ctx->h_SystemError, "%s: keywords is NULL", api);
    if (!scan_format(ctx, fmt, 1, &f))
        return 0;
    /* Checked whatever the call passes, so that the mistake shows on the first call. */
    if (ht == NULL && has_object_unit(fmt))
        return raise_fmt(ctx, ctx->h_SystemError,
                         "%s: a format with 'O' units needs a tracker, which owns the "
                         "handles they give", api);
    if (!check_keywords(ctx, &f, keywords, &pos))
        return 0;
    HPy_ssize_t nkw = HPy_IsNull(kwnames) ? 0 : HPy_Length(ctx, kwnames);
    if (nkw < 0)
        return 0;
    long long given = (long long)nargs + nkw;
    if (given > f.nunits)
        return raise_fmt(ctx, ctx->h_TypeError, "%.200s%s takes at most %d %sargument%s (%lld given)",
                         fname_of(&f), parens_of(&f), f.nunits, nargs == 0 ? "keyword " : "",
                         plural(f.nunits), given);

    kwname small[SMALL_KWNAMES];
    kwname *names = small;
    if (nkw > SMALL_KWNAMES) {
        names = (kwname *)malloc(sizeof(kwname) * (size_t)nkw);
        if (names == NULL) {
            HPyErr_NoMemory(ctx);
            return 0;
        }
    }
    HPy_ssize_t fetched = 0;
    int ok = 1;
    for (; fetched < nkw && ok; fetched++) {
        kwname *kw = &names[fetched];
        kw->name = HPy_GetItem_i(ctx, kwnames, fetched);
        kw->utf8 = NULL;
        if (HPy_IsNull(kw->name)) {
            ok = 0;
        } else if (HPyUnicode_Check(ctx, kw->name)) {
            kw->utf8 = HPyUnicode_AsUTF8AndSize(ctx, kw->name, &kw->size);
            if (kw->utf8 == NULL)
                HPyErr_Clear(ctx);
        }
    }
    if (ok)
        ok = parse_units(ctx, &f, fmt, keywords, pos, args, nargs, names, nkw, ht, vargs);
    for (HPy_ssize_t j = 0; j < fetched; j++)
        HPy_Close(ctx, names[j].name);
    if (names != small)
        free(names);
    return ok;
}

int HPyArg_ParseKeywords(HPyContext *ctx, HPyTracker *ht, const HPy *args, size_t nargs,
                         HPy kwnames, const char *fmt, const char *keywords[], ...)
{
    if (!start_tracker(ctx, ht))
        return 0;
    va_list vargs;
    va_start(vargs, keywords);
    int ok = parse_keywords(ctx, "HPyArg_ParseKeywords", 0, ht, args, nargs, kwnames, fmt,
                            keywords, &vargs);
    va_end(vargs);
    return finish_tracker(ctx, ht, ok);
}

int _HPyArg_ParseKeywords_HPyMessages(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                      size_t nargs, HPy kwnames, const char *fmt,
                                      const char *keywords[], ...)
{
    if (!start_tracker(ctx, ht))
        return 0;
    va_list vargs;
    va_start(vargs, keywords);
    int ok = parse_keywords(ctx, "HPyArg_ParseKeywords", 1, ht, args, nargs, kwnames, fmt,
                            keywords, &vargs);
    va_end(vargs);
    return finish_tracker(ctx, ht, ok);
}

/* The dict's items in the vectorcall layout, so that parse_keywords does the rest: the
 * positional handles, then the values, with the keys as kwnames. The values are new
 * handles; with a tracker, it keeps them until it is closed, so that the string an 's'
 * output points into stays alive. */
static int parse_keywords_dict(HPyContext *ctx, int hpy_words, HPyTracker *ht,
                               const HPy *args, HPy_ssize_t nargs, HPy kw, const char *fmt,
                               const char *keywords[], va_list *vargs)
{
    const char *api = "HPyArg_ParseKeywordsDict";
    if (nargs < 0)
        return raise_fmt(ctx, ctx->h_SystemError, "%s: nargs is negative", api);
    if (HPy_IsNull(kw))
        return parse_keywords(ctx, api, hpy_words, ht, args, (size_t)nargs, HPy_NULL, fmt,
                              keywords, vargs);
    if (!HPyDict_Check(ctx, kw))
        return raise_fmt(ctx, ctx->h_SystemError, "%s: kw must be a dict or HPy_NULL", api);
    HPy keys = HPyDict_Keys(ctx, kw);
    HPy_ssize_t nkw = HPy_IsNull(keys) ? -1 : HPy_Length(ctx, keys);
    if (nkw < 0) {
        HPy_Close(ctx, keys);
        return 0;
    }
    size_t total = (size_t)nargs + (size_t)nkw;
    HPy *all = (HPy *)malloc(sizeof(HPy) * (total > 0 ? total : 1));
    HPy *names = (HPy *)malloc(sizeof(HPy) * (nkw > 0 ? (size_t)nkw : 1));
    if (all == NULL || names == NULL) {
        free(all);
        free(names);
        HPy_Close(ctx, keys);
        HPyErr_NoMemory(ctx);
        return 0;
    }
    for (HPy_ssize_t i = 0; i < nargs; i++)
        all[i] = args[i];
    HPy_ssize_t fetched = 0;
    int ok = 1;
    for (; fetched < nkw && ok; fetched++) {
        names[fetched] = HPy_GetItem_i(ctx, keys, fetched);
        all[nargs + fetched] = HPy_IsNull(names[fetched])
                                   ? HPy_NULL : HPy_GetItem(ctx, kw, names[fetched]);
        ok = !HPy_IsNull(all[nargs + fetched]);
    }
    HPy kwnames = ok ? HPyTuple_FromArray(ctx, names, nkw) : HPy_NULL;
    if (ok && !HPy_IsNull(kwnames))
        ok = parse_keywords(ctx, api, hpy_words, ht, all, (size_t)nargs, kwnames, fmt,
                            keywords, vargs);
    else
        ok = 0;
    for (HPy_ssize_t j = 0; j < fetched; j++) {
        HPy value = all[nargs + j];
        if (ht == NULL || HPy_IsNull(value)) {
            HPy_Close(ctx, value);
        } else if (HPyTracker_Add(ctx, *ht, value) < 0) {
            /* The tracker could not take it: an 's' output may point into it. */
            HPy_Close(ctx, value);
            ok = 0;
        }
        HPy_Close(ctx, names[j]);
    }
    HPy_Close(ctx, kwnames);
    HPy_Close(ctx, keys);
    free(names);
    free(all);
    return ok;
}

int HPyArg_ParseKeywordsDict(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                             HPy_ssize_t nargs, HPy kw, const char *fmt,
                             const char *keywords[], ...)
{
    if (!start_tracker(ctx, ht))
        return 0;
    va_list vargs;
    va_start(vargs, keywords);
    int ok = parse_keywords_dict(ctx, 0, ht, args, nargs, kw, fmt, keywords, &vargs);
    va_end(vargs);
    return finish_tracker(ctx, ht, ok);
}

int _HPyArg_ParseKeywordsDict_HPyMessages(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                          HPy_ssize_t nargs, HPy kw, const char *fmt,
                                          const char *keywords[], ...)
{
    if (!start_tracker(ctx, ht))
        return 0;
    va_list vargs;
    va_start(vargs, keywords);
    int ok = parse_keywords_dict(ctx, 1, ht, args, nargs, kw, fmt, keywords, &vargs);
    va_end(vargs);
    return finish_tracker(ctx, ht, ok);
}
