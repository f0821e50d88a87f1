/* PyUnicode_FromFormat's format language on the public API, so that it behaves alike
 * in every ABI and on every host; object units take handles. Where CPython versions
 * disagree this follows 3.12: a zero-padded negative number keeps its sign in front,
 * and an unknown unit raises SystemError instead of copying the rest verbatim. Where
 * HPy 0.9 departs from CPython it follows HPy: HPy_NULL for an object unit, 0-padding
 * of a non-number and a width or precision for %c and %p raise SystemError. */
#include "hpy.h"

#include <stdio.h>
#include <string.h>

#define FLAG_LJUST 1
#define FLAG_ZERO 2
#define NO_VALUE (-1)
#define MAX_SSIZE ((HPy_ssize_t)INTPTR_MAX)

enum size_modifier { SIZE_INT, SIZE_LONG, SIZE_LONG_LONG, SIZE_SIZE_T };

typedef struct {
    int flags;
    HPy_ssize_t width, precision;
    enum size_modifier size;
} spec_t;

/* The result is a list of str pieces joined at the end. Plain text (literal runs,
 * numbers, padding, %c) gathers as UTF-8 in `text` and becomes a piece whenever an
 * object piece has to follow it. */
typedef struct {
    HPyContext *ctx;
    HPy pieces;
    char *text;
    size_t len, cap;
} out_t;

static int out_reserve(out_t *out, size_t extra)
{
    if (extra <= out->cap - out->len)
        return 0;
    if (extra > (size_t)MAX_SSIZE - out->len) {
        HPyErr_NoMemory(out->ctx);
        return -1;
    }
    size_t cap = out->cap ? out->cap : 64;
    while (cap - out->len < extra)
        cap = cap > (size_t)MAX_SSIZE / 2 ? out->len + extra : cap * 2;
    char *text = realloc(out->text, cap);
    if (text == NULL) {
        HPyErr_NoMemory(out->ctx);
        return -1;
    }
    out->text = text;
    out->cap = cap;
    return 0;
}

static int out_text(out_t *out, const char *s, size_t n)
{
    if (n == 0)
        return 0;  /* text may still be NULL, which memcpy may not take even for 0 bytes */
    if (out_reserve(out, n) < 0)
        return -1;
    memcpy(out->text + out->len, s, n);
    out->len += n;
    return 0;
}

static int out_fill(out_t *out, char c, HPy_ssize_t n)
{
    if (n <= 0)
        return 0;
    if (out_reserve(out, (size_t)n) < 0)
        return -1;
    memset(out->text + out->len, c, (size_t)n);
    out->len += (size_t)n;
    return 0;
}

static int out_append(out_t *out, HPy piece)
{
    return HPyList_Append(out->ctx, out->pieces, piece);
}

/* %c writes lone surrogates too, which strict UTF-8 refuses. */
static int out_flush_text(out_t *out)
{
    if (out->len == 0)
        return 0;
    HPy piece = HPyUnicode_DecodeUTF8(out->ctx, out->text, (HPy_ssize_t)out->len,
                                      "surrogatepass");
    if (HPy_IsNull(piece))
        return -1;
    out->len = 0;
    int res = out_append(out, piece);
    HPy_Close(out->ctx, piece);
    return res;
}

/* Width counts code points and pads with spaces; precision keeps the first code points. */
static int out_str(out_t *out, HPy str, const spec_t *spec)
{
    HPyContext *ctx = out->ctx;
    HPy_ssize_t len = HPyUnicode_GetLength(ctx, str);
    if (len < 0)
        return -1;
    int cut = spec->precision >= 0 && len > spec->precision;
    HPy piece = cut ? HPyUnicode_Substring(ctx, str, 0, spec->precision) : HPy_Dup(ctx, str);
    if (HPy_IsNull(piece))
        return -1;
    if (cut)
        len = spec->precision;
    HPy_ssize_t pad = spec->width > len ? spec->width - len : 0;
    int res = 0;
    if (!(spec->flags & FLAG_LJUST))
        res = out_fill(out, ' ', pad);
    if (res == 0)
        res = out_flush_text(out);
    if (res == 0)
        res = out_append(out, piece);
    if (res == 0 && (spec->flags & FLAG_LJUST))
        res = out_fill(out, ' ', pad);
    HPy_Close(ctx, piece);
    return res;
}

/* Precision for a C string counts bytes; a sequence it cuts in two decodes as U+FFFD. */
static int out_utf8(out_t *out, const char *s, const spec_t *spec, char unit)
{
    if (s == NULL) {
        HPyErr_Format(out->ctx, out->ctx->h_SystemError,
                      "HPyUnicode_FromFormat: null c string passed as value for "
                      "formatting unit '%%%c'", unit);
        return -1;
    }
    HPy_ssize_t n = 0;
    while (s[n] != '\0' && (spec->precision < 0 || n < spec->precision))
        n++;
    HPy str = HPyUnicode_DecodeUTF8(out->ctx, s, n, "replace");
    if (HPy_IsNull(str))
        return -1;
    spec_t whole = *spec;
    whole.precision = NO_VALUE;
    int res = out_str(out, str, &whole);
    HPy_Close(out->ctx, str);
    return res;
}

static HPy object_text(HPyContext *ctx, HPy obj, char unit)
{
    /* CPython writes "<NULL>" for %S, %R and %A; HPy 0.9 refuses it as for %U. */
    if (HPy_IsNull(obj))
        return HPyErr_Format(ctx, ctx->h_SystemError,
                             "HPyUnicode_FromFormat: HPy_NULL passed as value for formatting "
                             "unit '%%%c'", unit);
    switch (unit) {
    case 'S':
        return HPy_Str(ctx, obj);
    case 'R':
        return HPy_Repr(ctx, obj);
    case 'A':
        return HPy_ASCII(ctx, obj);
    default:
        if (!HPyUnicode_Check(ctx, obj))
            return HPyErr_Format(ctx, ctx->h_SystemError,
                                 "HPyUnicode_FromFormat: %%%c needs a str, not %R", unit,
                                 obj);
        return HPy_Dup(ctx, obj);
    }
}

static int out_object(out_t *out, HPy obj, const spec_t *spec, char unit)
{
    HPy str = object_text(out->ctx, obj, unit);
    if (HPy_IsNull(str))
        return -1;
    int res = out_str(out, str, spec);
    HPy_Close(out->ctx, str);
    return res;
}

/* Precision is the minimum number of digits; the 0 flag zero-pads to the width, and a
 * sign always stays in front of the zeros. */
static int out_integer(out_t *out, const spec_t *spec, char unit, va_list *vargs)
{
    char digits[3 * sizeof(unsigned long long) + 2];
    if (unit == 'd' || unit == 'i') {
        long long value;
        switch (spec->size) {
        case SIZE_LONG: value = va_arg(*vargs, long); break;
        case SIZE_LONG_LONG: value = va_arg(*vargs, long long); break;
        case SIZE_SIZE_T: value = va_arg(*vargs, HPy_ssize_t); break;
        default: value = va_arg(*vargs, int); break;
        }
        snprintf(digits, sizeof digits, "%lld", value);
    } else {
        unsigned long long value;
        switch (spec->size) {
        case SIZE_LONG: value = va_arg(*vargs, unsigned long); break;
        case SIZE_LONG_LONG: value = va_arg(*vargs, unsigned long long); break;
        case SIZE_SIZE_T: value = va_arg(*vargs, size_t); break;
        default: value = va_arg(*vargs, unsigned int); break;
        }
        snprintf(digits, sizeof digits, unit == 'x' ? "%llx" : "%llu", value);
    }
    if (spec->width > MAX_SSIZE / 2 || spec->precision > MAX_SSIZE / 2) {
        HPyErr_NoMemory(out->ctx);  /* and keeps the sums below from overflowing */
        return -1;
    }
    HPy_ssize_t sign = digits[0] == '-';
    HPy_ssize_t len = (HPy_ssize_t)strlen(digits) - sign;
    HPy_ssize_t precision = spec->precision > len ? spec->precision : len;
    HPy_ssize_t width = spec->width > precision + sign ? spec->width : precision + sign;
    if ((spec->flags & FLAG_ZERO) && !(spec->flags & FLAG_LJUST))
        precision = width - sign;
    HPy_ssize_t spaces = width - precision - sign;
    if (!(spec->flags & FLAG_LJUST) && out_fill(out, ' ', spaces) < 0)
        return -1;
    if (out_text(out, digits, (size_t)sign) < 0 || out_fill(out, '0', precision - len) < 0 ||
        out_text(out, digits + sign, (size_t)len) < 0)
        return -1;
    if ((spec->flags & FLAG_LJUST) && out_fill(out, ' ', spaces) < 0)
        return -1;
    return 0;
}

static int out_char(out_t *out, int ordinal)
{
    if (ordinal < 0 || ordinal > 0x10ffff) {
        HPyErr_SetString(out->ctx, out->ctx->h_OverflowError,
                         "character argument not in range(0x110000)");
        return -1;
    }
    unsigned c = (unsigned)ordinal;
    char utf8[4];
    size_t n;
    if (c < 0x80) {
        utf8[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        utf8[0] = (char)(0xc0 | (c >> 6));
        utf8[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        utf8[0] = (char)(0xe0 | (c >> 12));
        utf8[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        utf8[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        utf8[0] = (char)(0xf0 | (c >> 18));
        utf8[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        utf8[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        utf8[3] = (char)(0x80 | (c & 0x3f));
        n = 4;
    }
    return out_text(out, utf8, n);
}

/* The platform's %p varies (glibc prints "(nil)"); this is always 0x and lowercase hex. */
static int out_pointer(out_t *out, void *p)
{
    char text[2 * sizeof(uintptr_t) + 3];
    snprintf(text, sizeof text, "0x%llx", (unsigned long long)(uintptr_t)p);
    return out_text(out, text, strlen(text));
}

static int parse_number(HPyContext *ctx, const char **f, HPy_ssize_t *value,
                        const char *what)
{
    HPy_ssize_t n = 0;
    for (; **f >= '0' && **f <= '9'; (*f)++) {
        int digit = **f - '0';
        if (n > (MAX_SSIZE - digit) / 10) {
            HPyErr_Format(ctx, ctx->h_ValueError, "%s too big", what);
            return -1;
        }
        n = n * 10 + digit;
    }
    *value = n;
    return 0;
}

/* Reads one "%[flags][width][.precision][size]unit" at *f and writes its output. */
static int format_unit(out_t *out, const char **f, va_list *vargs)
{
    HPyContext *ctx = out->ctx;
    const char *start = *f;
    const char *p = start + 1;
    spec_t spec = {0, NO_VALUE, NO_VALUE, SIZE_INT};
    if (*p == '%') {
        *f = p + 1;
        return out_text(out, "%", 1);
    }
    for (;; p++) {
        if (*p == '-')
            spec.flags |= FLAG_LJUST;
        else if (*p == '0')
            spec.flags |= FLAG_ZERO;
        else
            break;
    }
    if (*p == '*') {
        int width = va_arg(*vargs, int);
        if (width < 0) {
            spec.flags |= FLAG_LJUST;
            width = -width;
        }
        spec.width = width;
        p++;
    } else if (*p >= '0' && *p <= '9' && parse_number(ctx, &p, &spec.width, "width") < 0) {
        return -1;
    }
    if (*p == '.') {
        p++;
        if (*p == '*') {
            int precision = va_arg(*vargs, int);
            spec.precision = precision < 0 ? NO_VALUE : precision;
            p++;
        } else if (parse_number(ctx, &p, &spec.precision, "precision") < 0) {
            return -1;
        }
    }
    if (p[0] == 'l' && p[1] == 'l') {
        spec.size = SIZE_LONG_LONG;
        p += 2;
    } else if (*p == 'l') {
        spec.size = SIZE_LONG;
        p++;
    } else if (*p == 'z') {
        spec.size = SIZE_SIZE_T;
        p++;
    }
    char unit = *p;
    if (unit == '\0' || (spec.size != SIZE_INT && strchr("diux", unit) == NULL))
        unit = '?';
    else
        *f = p + 1;
    /* HPy 0.9 refuses what CPython ignores or pads with zeros as digits. */
    if ((spec.flags & FLAG_ZERO) && strchr("cpsUVSRA", unit) != NULL) {
        HPyErr_Format(ctx, ctx->h_SystemError,
                      "formatting unit '%%%c' does not support 0-padding", unit);
        return -1;
    }
    if ((unit == 'c' || unit == 'p') && (spec.width != NO_VALUE || spec.precision != NO_VALUE)) {
        HPyErr_Format(ctx, ctx->h_SystemError,
                      "formatting unit '%%%c' does not support width nor precision", unit);
        return -1;
    }
    switch (unit) {
    case 'd': case 'i': case 'u': case 'x':
        return out_integer(out, &spec, unit, vargs);
    case 'c':
        return out_char(out, va_arg(*vargs, int));
    case 'p':
        return out_pointer(out, va_arg(*vargs, void *));
    case 's':
        return out_utf8(out, va_arg(*vargs, const char *), &spec, 's');
    case 'U': case 'S': case 'R': case 'A':
        return out_object(out, va_arg(*vargs, HPy), &spec, unit);
    case 'V': {
        HPy obj = va_arg(*vargs, HPy);
        const char *utf8 = va_arg(*vargs, const char *);
        if (HPy_IsNull(obj))
            return out_utf8(out, utf8, &spec, 'V');
        return out_object(out, obj, &spec, 'V');
    }
    default:
        HPyErr_Format(ctx, ctx->h_SystemError, "invalid format string: %s", start);
        return -1;
    }
}

static HPy join_pieces(HPyContext *ctx, HPy pieces)
{
    HPy sep = HPyUnicode_FromString(ctx, "");
    HPy name = HPyUnicode_FromString(ctx, "join");
    HPy result = HPy_NULL;
    if (!HPy_IsNull(sep) && !HPy_IsNull(name)) {
        HPy args[] = {sep, pieces};
        result = HPy_CallMethod(ctx, name, args, 2, HPy_NULL);
    }
    HPy_Close(ctx, sep);
    HPy_Close(ctx, name);
    return result;
}

static int format_all(out_t *out, const char *fmt, va_list *vargs)
{
    const char *f = fmt;
    while (*f != '\0') {
        if (*f == '%') {
            if (format_unit(out, &f, vargs) < 0)
                return -1;
            continue;
        }
        const char *run = f;
        for (; *f != '\0' && *f != '%'; f++) {
            if ((unsigned char)*f > 127) {
                char message[128];
                snprintf(message, sizeof message,
                         "HPyUnicode_FromFormatV() expected an ASCII-encoded format "
                         "string, got a non-ASCII byte: 0x%02x", (unsigned char)*f);
                HPyErr_SetString(out->ctx, out->ctx->h_ValueError, message);
                return -1;
            }
        }
        if (out_text(out, run, (size_t)(f - run)) < 0)
            return -1;
    }
    return out_flush_text(out);
}

HPy HPyUnicode_FromFormatV(HPyContext *ctx, const char *fmt, va_list vargs)
{
    out_t out = {ctx, HPyList_New(ctx, 0), NULL, 0, 0};
    if (HPy_IsNull(out.pieces))
        return HPy_NULL;
    /* A va_list parameter may be an array in disguise; a copy can be passed by address. */
    va_list args;
    va_copy(args, vargs);
    int res = format_all(&out, fmt, &args);
    va_end(args);
    free(out.text);
    HPy result = res < 0 ? HPy_NULL : join_pieces(ctx, out.pieces);
    HPy_Close(ctx, out.pieces);
    return result;
}

HPy HPyUnicode_FromFormat(HPyContext *ctx, const char *fmt, ...)
{
    va_list vargs;
    va_start(vargs, fmt);
    HPy result = HPyUnicode_FromFormatV(ctx, fmt, vargs);
    va_end(vargs);
    return result;
}

HPy HPyErr_Format(HPyContext *ctx, HPy h_type, const char *fmt, ...)
{
    va_list vargs;
    va_start(vargs, fmt);
    HPy message = HPyUnicode_FromFormatV(ctx, fmt, vargs);
    va_end(vargs);
    if (HPy_IsNull(message))
        return HPy_NULL;
    HPyErr_SetObject(ctx, h_type, message);
    HPy_Close(ctx, message);
    return HPy_NULL;
}
