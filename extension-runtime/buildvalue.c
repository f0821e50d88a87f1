/* HPy_BuildValue on the public API, so that it behaves the same in both modes. Like
 * CPython, each level is counted before it is built: the count decides between a single
 * value and a tuple, and the errors and their messages are CPython's. */
#include "hpy.h"

typedef struct {
    HPyContext *ctx;
    const char *fmt;
    va_list args;
} builder;

static HPy build_one(builder *b);

static HPy fail(builder *b, const char *message)
{
    return HPyErr_SetString(b->ctx, b->ctx->h_SystemError, message);
}

static int is_separator(char c)
{
    return c == ',' || c == ':' || c == ' ' || c == '\t';
}

/* The units of one level, up to `end`; nested containers count as one. Unsupported
 * characters count too, so that they fail when built instead of being skipped. */
static HPy_ssize_t count_units(builder *b, const char *f, char end)
{
    HPy_ssize_t n = 0;
    /* The common formats start flat ("ii", "OO"): each letter before anything else is a
     * unit of this level (no `end` is a letter). The rest is counted as CPython does. */
    while ((unsigned char)((*f | 0x20) - 'a') < 26) {
        n++;
        f++;
    }
    int level = 0;
    for (; level > 0 || *f != end; f++) {
        switch (*f) {
        case '\0':
            fail(b, "unmatched paren in format");
            return -1;
        case '(':
        case '[':
        case '{':
            if (level == 0)
                n++;
            level++;
            break;
        case ')':
        case ']':
        case '}':
            level--;
            break;
        default:
            if (level == 0 && !is_separator(*f))
                n++;
        }
    }
    return n;
}

/* After the items of a container, the format must be at its closing character. */
static int close_level(builder *b, char end)
{
    if (*b->fmt != end) {
        fail(b, "Unmatched paren in format");
        return -1;
    }
    if (end != '\0')
        b->fmt++;
    return 0;
}

static void close_all(HPyContext *ctx, HPy *items, HPy_ssize_t n)
{
    for (HPy_ssize_t i = 0; i < n; i++)
        HPy_Close(ctx, items[i]);
}

/* A tuple or list of the `n` units up to `end`. */
static HPy build_items(builder *b, HPy_ssize_t n, char end, int as_list)
{
    HPyContext *ctx = b->ctx;
    HPy small[8];
    HPy *items = n <= 8 ? small : malloc(sizeof(HPy) * (size_t)n);
    if (items == NULL)
        return HPyErr_NoMemory(ctx);
    HPy result = HPy_NULL;
    HPy_ssize_t built = 0;
    for (; built < n; built++) {
        items[built] = build_one(b);
        if (HPy_IsNull(items[built]))
            goto done;
    }
    if (close_level(b, end) < 0)
        goto done;
    if (as_list) {
        HPyListBuilder list = HPyListBuilder_New(ctx, n);
        for (HPy_ssize_t i = 0; i < n; i++)
            HPyListBuilder_Set(ctx, list, i, items[i]);
        result = HPyListBuilder_Build(ctx, list);
    } else {
        result = HPyTuple_FromArray(ctx, items, n);
    }

done:
    close_all(ctx, items, built);
    if (items != small)
        free(items);
    return result;
}

static HPy build_sequence(builder *b, char end, int as_list)
{
    HPy_ssize_t n = count_units(b, b->fmt, end);
    return n < 0 ? HPy_NULL : build_items(b, n, end, as_list);
}

static HPy build_dict(builder *b)
{
    HPyContext *ctx = b->ctx;
    HPy_ssize_t n = count_units(b, b->fmt, '}');
    if (n < 0)
        return HPy_NULL;
    if (n % 2 != 0)
        return fail(b, "Bad dict format");
    HPy dict = HPyDict_New(ctx);
    if (HPy_IsNull(dict))
        return HPy_NULL;
    for (HPy_ssize_t i = 0; i < n; i += 2) {
        HPy key = build_one(b);
        if (HPy_IsNull(key))
            goto fail;
        HPy value = build_one(b);
        int res = HPy_IsNull(value) ? -1 : HPy_SetItem(ctx, dict, key, value);
        HPy_Close(ctx, key);
        HPy_Close(ctx, value);
        if (res < 0)
            goto fail;
    }
    if (close_level(b, '}') < 0)
        goto fail;
    return dict;

fail:
    HPy_Close(ctx, dict);
    return HPy_NULL;
}

static HPy build_object(builder *b)
{
    HPy h = va_arg(b->args, HPy);
    if (!HPy_IsNull(h))
        return HPy_Dup(b->ctx, h);
    /* A NULL argument is taken for the failed call that produced it, whose exception
     * is kept. */
    if (!HPyErr_Occurred(b->ctx))
        fail(b, "NULL object passed to Py_BuildValue");
    return HPy_NULL;
}

static HPy build_string(builder *b)
{
    const char *s = va_arg(b->args, const char *);
    if (s == NULL)
        return HPy_Dup(b->ctx, b->ctx->h_None);
    return HPyUnicode_FromString(b->ctx, s);
}

static HPy build_one(builder *b)
{
    HPyContext *ctx = b->ctx;
    for (;;) {
        char c = *b->fmt;
        if (c == '\0')
            return fail(b, "bad format char passed to Py_BuildValue");
        b->fmt++;
        switch (c) {
        case ',':
        case ':':
        case ' ':
        case '\t':
            continue;
        case '(':
            return build_sequence(b, ')', 0);
        case '[':
            return build_sequence(b, ']', 1);
        case '{':
            return build_dict(b);
        case 'i':
            return HPyLong_FromLong(ctx, va_arg(b->args, int));
        case 'l':
            return HPyLong_FromLong(ctx, va_arg(b->args, long));
        case 'I':
            return HPyLong_FromUnsignedLong(ctx, va_arg(b->args, unsigned int));
        case 'k':
            return HPyLong_FromUnsignedLong(ctx, va_arg(b->args, unsigned long));
        case 'L':
            return HPyLong_FromLongLong(ctx, va_arg(b->args, long long));
        case 'K':
            return HPyLong_FromUnsignedLongLong(ctx, va_arg(b->args, unsigned long long));
        case 'n':
            return HPyLong_FromSsize_t(ctx, va_arg(b->args, HPy_ssize_t));
        case 'f': /* a float argument arrives promoted to double */
        case 'd':
            return HPyFloat_FromDouble(ctx, va_arg(b->args, double));
        case 's':
            return build_string(b);
        case 'O':
        case 'S':
            return build_object(b);
        case 'N':
            return fail(b, "HPy_BuildValue does not support 'N': handles are never "
                           "stolen, so pass the handle with 'O' and close it after");
        default:
            return fail(b, "bad format char passed to Py_BuildValue");
        }
    }
}

HPy HPy_BuildValue(HPyContext *ctx, const char *fmt, ...)
{
    builder b = {.ctx = ctx, .fmt = fmt};
    if (fmt == NULL)
        return fail(&b, "HPy_BuildValue: the format is NULL");
    HPy_ssize_t n = count_units(&b, fmt, '\0');
    if (n < 0)
        return HPy_NULL;
    if (n == 0)
        return HPy_Dup(ctx, ctx->h_None);
    va_start(b.args, fmt);
    /* The top level is counted once, here. */
    HPy result = n == 1 ? build_one(&b) : build_items(&b, n, '\0', 0);
    va_end(b.args);
    return result;
}
