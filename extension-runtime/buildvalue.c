/* HPy_BuildValue on the public API, so that it behaves the same in both modes. Like
 * CPython, each level is counted before it is built: the count decides between a single
 * value and a tuple, and the errors and their messages are CPython's. */
#include "hpy.h"

#include <stdio.h>

/* This file defines both entry points, whatever the flags it is compiled with: the
 * _HPyMessages one, for extensions built with HANDLEPY_HPY_MESSAGES (helpers.h), words
 * its errors as HPy 0.9 does and reads dicts as strictly as HPy 0.9. */
#undef HPy_BuildValue
_HPy_HIDDEN HPy HPy_BuildValue(HPyContext *ctx, const char *fmt, ...);
_HPy_HIDDEN HPy _HPy_BuildValue_HPyMessages(HPyContext *ctx, const char *fmt, ...);

typedef struct {
    HPyContext *ctx;
    const char *fmt;
    va_list args;
    int hpy_words;
} builder;

static HPy build_one(builder *b);

static HPy fail(builder *b, const char *message)
{
    return HPyErr_SetString(b->ctx, b->ctx->h_SystemError, message);
}

/* HPy 0.9's message for a format that ends inside a container opened with `open`. */
static HPy fail_unmatched(builder *b, char open)
{
    char message[96];
    snprintf(message, sizeof message,
             "unmatched '%c' in the format string passed to HPy_BuildValue", open);
    return fail(b, message);
}

static char opener_of(char end)
{
    return end == ')' ? '(' : end == ']' ? '[' : '{';
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
    char last_open = '(';
    for (; level > 0 || *f != end; f++) {
        switch (*f) {
        case '\0':
            if (b->hpy_words)
                fail_unmatched(b, end != '\0' ? opener_of(end) : last_open);
            else
                fail(b, "unmatched paren in format");
            return -1;
        case '(':
        case '[':
        case '{':
            if (level == 0) {
                n++;
                last_open = *f;
            }
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
        if (b->hpy_words)
            fail_unmatched(b, opener_of(end));
        else
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

static HPy hpy_dict_error(builder *b, HPy dict, const char *what)
{
    char message[96];
    snprintf(message, sizeof message, "%s in the format string passed to HPy_BuildValue",
             what);
    HPy_Close(b->ctx, dict);
    return fail(b, message);
}

/* HPy 0.9's dict grammar: "key:value" items, a ',' between two of them (one more before
 * the '}' is allowed), blanks anywhere between units. */
static HPy build_dict_strictly(builder *b)
{
    HPyContext *ctx = b->ctx;
    HPy dict = HPyDict_New(ctx);
    if (HPy_IsNull(dict))
        return HPy_NULL;
    int after_item = 0;
    for (;;) {
        char c = *b->fmt;
        if (c == ' ') {
            b->fmt++;
        } else if (c == '}') {
            b->fmt++;
            return dict;
        } else if (c == '\0') {
            return hpy_dict_error(b, dict, "unmatched '{'");
        } else if (c == ',') {
            if (!after_item)
                return hpy_dict_error(b, dict, "unexpected ','");
            b->fmt++;
            after_item = 0;
        } else if (after_item) {
            return hpy_dict_error(b, dict, "missing ','");
        } else {
            HPy key = build_one(b);
            if (HPy_IsNull(key))
                goto fail;
            if (*b->fmt != ':') {
                HPy_Close(ctx, key);
                return hpy_dict_error(b, dict, "missing ':'");
            }
            b->fmt++;
            HPy value = build_one(b);
            int res = HPy_IsNull(value) ? -1 : HPy_SetItem(ctx, dict, key, value);
            HPy_Close(ctx, key);
            HPy_Close(ctx, value);
            if (res < 0)
                goto fail;
            after_item = 1;
        }
    }

fail:
    HPy_Close(ctx, dict);
    return HPy_NULL;
}

static HPy build_dict(builder *b)
{
    HPyContext *ctx = b->ctx;
    if (b->hpy_words)
        return build_dict_strictly(b);
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
        fail(b, b->hpy_words ? "HPy_NULL object passed to HPy_BuildValue"
                             : "NULL object passed to Py_BuildValue");
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
            if (b->hpy_words)
                return fail(b, "HPy_BuildValue does not support the 'N' formatting unit.");
            return fail(b, "HPy_BuildValue does not support 'N': handles are never "
                           "stolen, so pass the handle with 'O' and close it after");
        default:
            if (b->hpy_words) {
                char message[96];
                snprintf(message, sizeof message,
                         "bad format char '%c' in the format string passed to HPy_BuildValue",
                         c);
                return fail(b, message);
            }
            return fail(b, "bad format char passed to Py_BuildValue");
        }
    }
}

static HPy build_value(builder *b)
{
    HPy_ssize_t n = count_units(b, b->fmt, '\0');
    if (n < 0)
        return HPy_NULL;
    if (n == 0)
        return HPy_Dup(b->ctx, b->ctx->h_None);
    /* The top level is counted once, here. */
    return n == 1 ? build_one(b) : build_items(b, n, '\0', 0);
}

HPy HPy_BuildValue(HPyContext *ctx, const char *fmt, ...)
{
    builder b = {.ctx = ctx, .fmt = fmt};
    if (fmt == NULL)
        return fail(&b, "HPy_BuildValue: the format is NULL");
    va_start(b.args, fmt);
    HPy result = build_value(&b);
    va_end(b.args);
    return result;
}

HPy _HPy_BuildValue_HPyMessages(HPyContext *ctx, const char *fmt, ...)
{
    builder b = {.ctx = ctx, .fmt = fmt, .hpy_words = 1};
    if (fmt == NULL)
        return fail(&b, "HPy_BuildValue: the format is NULL");
    va_start(b.args, fmt);
    HPy result = build_value(&b);
    va_end(b.args);
    return result;
}
