#include "encoder.h"

#include "buffer.h"
#include "floats.h"
#include "limits.h"
#include "text.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>

/* What the string writer does with each UTF-8 byte. */
enum { COPY = 0, ESCAPE, NON_ASCII_ESCAPE };

/* Items of a list or tuple read per HPySequence_GetItems call, and handles released per
 * HPy_CloseMany call: in universal mode each is one call for that many items. */
#define ITEM_CHUNK 32
#define RELEASE_BATCH 64

/* How an open container's items are read. */
enum { SEQUENCE = 0, DICT_KEYS, DICT_NEXT };

typedef struct {
    HPyContext *ctx;
    ujson_buffer out;
    unsigned char byte_action[256];
    /* The same choices for eight bytes at a time (see word_is_plain). */
    int ensure_ascii, html, escape_slashes;
    int sort_keys;
    int allow_nan;
    int reject_bytes;
    int indent;
    HPy default_fn;
    /* The separators' UTF-8, kept valid by the handles that own it. */
    const char *item_sep, *key_sep;
    size_t item_sep_len, key_sep_len;
    HPy item_sep_owner, key_sep_owner, item_sep_bytes, key_sep_bytes;
    /* Lone surrogates, or bytes copied unchecked, reached the output: it is decoded
     * with surrogatepass, and invalid UTF-8 then raises UnicodeDecodeError, as in
     * ujson. */
    int surrogates;
    /* The arrays and objects being written, outermost first: a stack of their own, not
     * the C stack, which a frame per level would overflow on a thread with a small
     * stack (128 KiB on musl) well before UJSON_MAX_DEPTH. */
    struct open_container *open;
    size_t nopen, open_cap;
    /* Handles done with, closed together by flush_released. */
    HPy released[RELEASE_BATCH];
    int nreleased;
    /* Goes up whenever Python code may have run (default(), toDict(), a key's str()...),
     * which may have changed the sequences being written: their read-ahead items are
     * then read again. */
    unsigned long epoch;
} encoder;

/* An array or object being written. */
struct open_container {
    /* The list, tuple or dict; owned. */
    HPy container;
    /* DICT_KEYS: the dict's keys in the order they are written (owned); else HPy_NULL. */
    HPy keys;
    HPy_ssize_t next, count;
    int depth;
    int mode;
    /* DICT_NEXT: HPyDict_Next's cursor. */
    HPy_ssize_t pos;
    /* SEQUENCE: items read ahead, ahead[first] to ahead[nahead - 1] owned and not yet
     * written, read at epoch `epoch`. */
    int first, nahead;
    unsigned long epoch;
    HPy ahead[ITEM_CHUNK];
};

static HPy sequence_items(HPyContext *ctx, HPy seq);

static __attribute__((noinline)) void flush_released(encoder *e)
{
    HPy_CloseMany(e->ctx, e->released, e->nreleased);
    e->nreleased = 0;
}

/* Closes h (HPy_NULL too), later: in batches of RELEASE_BATCH. */
static inline void release(encoder *e, HPy h)
{
    if (HPy_IsNull(h))
        return;
    if (e->nreleased == RELEASE_BATCH)
        flush_released(e);
    e->released[e->nreleased++] = h;
}

/* Two equal handles name the same object. The converse does not hold (a debug-mode
 * handle differs from the context's for the same singleton), so a miss goes on to a
 * call; in universal mode the common case then needs none. */
static inline int same_handle(HPy a, HPy b)
{
    return a._i == b._i;
}

static int emit(encoder *e, const char *s, size_t n)
{
    return ujson_buffer_write(e->ctx, &e->out, s, n);
}

static int emit_literal(encoder *e, const char *s)
{
    return emit(e, s, strlen(s));
}

static int raise_str(HPyContext *ctx, HPy type, const char *message)
{
    HPyErr_SetString(ctx, type, message);
    return -1;
}

/* ---- options ---- */

static int read_flag(HPyContext *ctx, HPy value, int fallback)
{
    return HPy_IsNull(value) ? fallback : HPy_IsTrue(ctx, value);
}

/* A separator holding lone surrogates is written in its surrogatepass form, as ujson
 * writes it. The UTF-8 is valid only while the handle it came from is open, so it is
 * taken from *owner, which the encoder keeps, not from item, which its caller closes
 * (debug mode faults on a read through a closed handle's buffer). */
static int read_separator(encoder *e, HPy item, HPy *owner, HPy *bytes, const char **utf8,
                          size_t *len)
{
    *owner = HPy_Dup(e->ctx, item);
    HPy_ssize_t size;
    *utf8 = ujson_str_utf8(e->ctx, *owner, &size, bytes);
    if (*utf8 == NULL)
        return -1;
    if (!HPy_IsNull(*bytes))
        e->surrogates = 1;
    *len = (size_t)size;
    return 0;
}

static int read_separator_pair(encoder *e, HPy separators);

static int read_separators(encoder *e, HPy separators)
{
    HPyContext *ctx = e->ctx;
    if (HPy_IsNull(separators) || HPy_Is(ctx, separators, ctx->h_None))
        return 0;
    if (!HPyTuple_Check(ctx, separators))
        return raise_str(ctx, ctx->h_TypeError, "expected tuple or None as separator");
    HPy items = sequence_items(ctx, separators);
    if (HPy_IsNull(items))
        return -1;
    int res = read_separator_pair(e, items);
    HPy_Close(ctx, items);
    return res;
}

static int read_separator_pair(encoder *e, HPy separators)
{
    HPyContext *ctx = e->ctx;
    HPy_ssize_t n = HPy_Length(ctx, separators);
    if (n < 0)
        return -1;
    if (n != 2)
        return raise_str(ctx, ctx->h_ValueError, "expected tuple of size 2 as separator");
    /* Both are checked before either is read, as ujson checks them. */
    HPy item = HPy_GetItem_i(ctx, separators, 0);
    HPy key = HPy_IsNull(item) ? HPy_NULL : HPy_GetItem_i(ctx, separators, 1);
    int res = -1;
    if (HPy_IsNull(key))
        ;
    else if (!HPyUnicode_Check(ctx, item))
        raise_str(ctx, ctx->h_TypeError, "expected str as item separator");
    else if (!HPyUnicode_Check(ctx, key))
        raise_str(ctx, ctx->h_TypeError, "expected str as key separator");
    else if (read_separator(e, item, &e->item_sep_owner, &e->item_sep_bytes, &e->item_sep,
                            &e->item_sep_len) == 0)
        res = read_separator(e, key, &e->key_sep_owner, &e->key_sep_bytes, &e->key_sep,
                             &e->key_sep_len);
    HPy_Close(ctx, key);
    HPy_Close(ctx, item);
    return res;
}

static void fill_byte_actions(encoder *e, int ensure_ascii, int html, int escape_slashes)
{
    memset(e->byte_action, ESCAPE, 0x20);
    memset(e->byte_action + 0x20, COPY, 0x60);
    memset(e->byte_action + 0x80, ensure_ascii ? NON_ASCII_ESCAPE : COPY, 0x80);
    e->byte_action['"'] = e->byte_action['\\'] = ESCAPE;
    if (html)
        e->byte_action['<'] = e->byte_action['>'] = e->byte_action['&'] = ESCAPE;
    if (escape_slashes)
        e->byte_action['/'] = ESCAPE;
    e->ensure_ascii = ensure_ascii;
    e->html = html;
    e->escape_slashes = escape_slashes;
}

/* ujson reads its options as PyArg_ParseTupleAndKeywords does ("p" for the flags, "i"
 * for indent): in parameter order, so the first bad one is the one reported. */
static int read_indent(HPyContext *ctx, HPy value, int *indent)
{
    *indent = 0;
    if (HPy_IsNull(value))
        return 0;
    /* "i" refuses a float on every Python; HPyLong_AsLong takes one on a Python 3.9
     * (PyPy 3.9), through __int__, as PyLong_AsLong does there. */
    if (HPyFloat_Check(ctx, value))
        return raise_str(ctx, ctx->h_TypeError, "'float' object cannot be interpreted as an "
                                                "integer");
    long n = HPyLong_AsLong(ctx, value);
    if (n == -1 && HPyErr_Occurred(ctx))
        return -1;
    if (n > INT_MAX)
        return raise_str(ctx, ctx->h_OverflowError, "signed integer is greater than maximum");
    if (n < INT_MIN)
        return raise_str(ctx, ctx->h_OverflowError, "signed integer is less than minimum");
    *indent = (int)n;
    return 0;
}

static int encoder_init(encoder *e, HPyContext *ctx, const HPy options[UJSON_OPT_COUNT])
{
    e->ctx = ctx;
    ujson_buffer_init(&e->out);
    e->item_sep_owner = e->key_sep_owner = HPy_NULL;
    e->item_sep_bytes = e->key_sep_bytes = HPy_NULL;
    e->surrogates = 0;
    e->open = NULL;
    e->nopen = e->open_cap = 0;
    e->nreleased = 0;
    e->epoch = 0;

    int ensure_ascii, html, slashes, indent;
    if ((ensure_ascii = read_flag(ctx, options[UJSON_OPT_ENSURE_ASCII], 1)) < 0 ||
        (html = read_flag(ctx, options[UJSON_OPT_ENCODE_HTML_CHARS], 0)) < 0 ||
        (slashes = read_flag(ctx, options[UJSON_OPT_ESCAPE_FORWARD_SLASHES], 1)) < 0 ||
        (e->sort_keys = read_flag(ctx, options[UJSON_OPT_SORT_KEYS], 0)) < 0 ||
        read_indent(ctx, options[UJSON_OPT_INDENT], &indent) < 0 ||
        (e->allow_nan = read_flag(ctx, options[UJSON_OPT_ALLOW_NAN], 1)) < 0 ||
        (e->reject_bytes = read_flag(ctx, options[UJSON_OPT_REJECT_BYTES], 1)) < 0)
        return -1;
    fill_byte_actions(e, ensure_ascii, html, slashes);

    /* ujson's bound, which also keeps a deep document's indentation from growing the
     * output beyond memory; any negative indent means no newlines. */
    if (indent > UJSON_MAX_INDENT)
        return raise_str(ctx, ctx->h_ValueError, "Maximum allowed indentation is 1000");
    e->indent = indent < -1 ? -1 : indent;

    HPy fn = options[UJSON_OPT_DEFAULT];
    e->default_fn = HPy_IsNull(fn) || HPy_Is(ctx, fn, ctx->h_None) ? HPy_NULL : fn;

    /* ujson puts a space after the colon whenever indent is not zero. */
    e->item_sep = ",";
    e->item_sep_len = 1;
    e->key_sep = e->indent != 0 ? ": " : ":";
    e->key_sep_len = e->indent != 0 ? 2 : 1;
    return read_separators(e, options[UJSON_OPT_SEPARATORS]);
}

static void encoder_free(encoder *e)
{
    while (e->nopen > 0) {
        struct open_container *top = &e->open[--e->nopen];
        HPy_CloseMany(e->ctx, top->ahead + top->first, top->nahead - top->first);
        release(e, top->keys);
        release(e, top->container);
    }
    flush_released(e);
    free(e->open);
    ujson_buffer_free(&e->out);
    HPy_Close(e->ctx, e->item_sep_owner);
    HPy_Close(e->ctx, e->key_sep_owner);
    HPy_Close(e->ctx, e->item_sep_bytes);
    HPy_Close(e->ctx, e->key_sep_bytes);
}

/* ---- strings ---- */

static const char hex_digits[] = "0123456789abcdef";

static char *put_u_escape(char *p, unsigned unit)
{
    p[0] = '\\';
    p[1] = 'u';
    p[2] = hex_digits[(unit >> 12) & 0xF];
    p[3] = hex_digits[(unit >> 8) & 0xF];
    p[4] = hex_digits[(unit >> 4) & 0xF];
    p[5] = hex_digits[unit & 0xF];
    return p + 6;
}

static char *put_ascii_escape(char *p, unsigned char c)
{
    char short_form = 0;
    switch (c) {
    case '"': short_form = '"'; break;
    case '\\': short_form = '\\'; break;
    case '/': short_form = '/'; break;
    case '\b': short_form = 'b'; break;
    case '\f': short_form = 'f'; break;
    case '\n': short_form = 'n'; break;
    case '\r': short_form = 'r'; break;
    case '\t': short_form = 't'; break;
    }
    if (short_form == 0)
        return put_u_escape(p, c);
    p[0] = '\\';
    p[1] = short_form;
    return p + 2;
}

/* Length of the UTF-8 sequence that starts with lead byte c (the input is valid UTF-8,
 * where lone surrogates may appear in their three-byte form). */
static size_t sequence_length(unsigned char c)
{
    return c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static char *put_code_point_escape(char *p, const unsigned char *s, size_t n)
{
    uint32_t cp;
    if (n == 2)
        cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    else if (n == 3)
        cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    else
        cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
             ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    if (cp < 0x10000)
        return put_u_escape(p, cp);
    cp -= 0x10000;
    p = put_u_escape(p, 0xD800 | (cp >> 10));
    return put_u_escape(p, 0xDC00 | (cp & 0x3FF));
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGH_BITS UINT64_C(0x8080808080808080)

/* The high bit of each byte of w equal to c (exact up to the first such byte). */
static inline uint64_t bytes_equal(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (ONES * c);
    return (x - ONES) & ~x;
}

/* No byte of w needs escaping: byte_action is COPY for all eight. */
static inline int word_is_plain(const encoder *e, uint64_t w)
{
    uint64_t flags = ((w - ONES * 0x20) & ~w) | bytes_equal(w, '"') | bytes_equal(w, '\\');
    if (e->ensure_ascii)
        flags |= w;
    if (e->escape_slashes)
        flags |= bytes_equal(w, '/');
    if (e->html)
        flags |= bytes_equal(w, '<') | bytes_equal(w, '>') | bytes_equal(w, '&');
    return (flags & HIGH_BITS) == 0;
}

/* Strings are escaped this many input bytes at a time, each piece with room reserved
 * for its worst case. Reserving for a whole string at once took six times its size:
 * 600 MB of address space for a 100 MB string, most of it never written. */
#define ESCAPE_CHUNK 65536

/* Writes the quoted, escaped form of the n UTF-8 bytes at s. */
static int write_escaped(encoder *e, const unsigned char *s, size_t n)
{
    const unsigned char *end = s + n;
    int first = 1;
    do {
        const unsigned char *stop = (size_t)(end - s) < ESCAPE_CHUNK ? end : s + ESCAPE_CHUNK;
        /* Six output bytes per input byte cover the worst case (a control character); a
         * sequence that starts before stop may end three bytes past it, and the quotes. */
        if (ujson_buffer_reserve(e->ctx, &e->out, 6 * (size_t)(stop - s) + 26) < 0)
            return -1;
        char *p = e->out.data + e->out.len;
        if (first)
            *p++ = '"';
        first = 0;
        while (s < stop) {
            uint64_t w;
            while (stop - s >= 8 && (memcpy(&w, s, sizeof w), word_is_plain(e, w))) {
                memcpy(p, &w, sizeof w);
                p += 8;
                s += 8;
            }
            while (s < stop && e->byte_action[*s] == COPY)
                *p++ = (char)*s++;
            if (s >= stop)
                break;
            if (e->byte_action[*s] == ESCAPE) {
                p = put_ascii_escape(p, *s++);
            } else {
                size_t len = sequence_length(*s);
                p = put_code_point_escape(p, s, len);
                s += len;
            }
        }
        if (s >= end)
            *p++ = '"';
        e->out.len = (size_t)(p - e->out.data);
    } while (s < end);
    return 0;
}

static int encode_str(encoder *e, HPy str)
{
    HPy owner;
    HPy_ssize_t size;
    const char *utf8 = ujson_str_utf8(e->ctx, str, &size, &owner);
    if (utf8 == NULL)
        return -1;
    /* Unless escaped, the surrogatepass bytes go to the output as they are. */
    if (!HPy_IsNull(owner) && !e->ensure_ascii)
        e->surrogates = 1;
    int res = write_escaped(e, (const unsigned char *)utf8, (size_t)size);
    release(e, owner);
    return res;
}

/* Bytes (values with reject_bytes=False, and keys) go out as ujson writes them: without
 * ensure_ascii copied as they are; with it, checked as UTF-8 the way ujson checks them,
 * a bad sequence raising OverflowError with ujson's message. Bytes that ujson copies
 * unchecked (a stray continuation byte, 0xFE, 0xFF) make the final decoding raise
 * UnicodeDecodeError, once the whole document is written, as in ujson. */
static int write_bytes(encoder *e, const unsigned char *s, size_t n)
{
    if (!e->ensure_ascii) {
        e->surrogates = 1;
        return write_escaped(e, s, n);
    }
    if (n > (SIZE_MAX - 2) / 6) {
        HPyErr_NoMemory(e->ctx);
        return -1;
    }
    /* At most six output bytes per input byte, as in write_escaped. */
    if (ujson_buffer_reserve(e->ctx, &e->out, 6 * n + 2) < 0)
        return -1;
    char *p = e->out.data + e->out.len;
    const unsigned char *end = s + n;
    const char *error = NULL;
    *p++ = '"';
    while (s < end && error == NULL) {
        unsigned char c = *s;
        if (c < 0x80) {
            if (e->byte_action[c] == COPY)
                *p++ = (char)c;
            else
                p = put_ascii_escape(p, c);
            s++;
            continue;
        }
        size_t len = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : c < 0xFE ? 0 : 1;
        if (len == 1) {
            e->surrogates = 1;
            *p++ = (char)*s++;
            continue;
        }
        if (len == 0) {
            error = "Unsupported UTF-8 sequence length when encoding string";
            break;
        }
        if ((size_t)(end - s) < len) {
            error = "Unterminated UTF-8 sequence when encoding string";
            break;
        }
        for (size_t i = 1; i < len; i++)
            if ((s[i] & 0xC0) != 0x80)
                error = len == 2   ? "Invalid continuation byte in 2-byte UTF-8 sequence "
                                     "detected when encoding string"
                        : len == 3 ? "Invalid continuation byte in 3-byte UTF-8 sequence "
                                     "detected when encoding string"
                                   : "Invalid continuation byte in 4-byte UTF-8 sequence "
                                     "detected when encoding string";
        if (error != NULL)
            break;
        if (len == 4 && ((c >= 0xF4 && s[1] >= 0x90) || c >= 0xF5)) {
            error = ">U+10FFFF in 4-byte UTF-8 sequence detected when encoding string";
            break;
        }
        uint32_t cp = len == 2   ? ((uint32_t)(c & 0x1F) << 6) | (s[1] & 0x3F)
                      : len == 3 ? ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) |
                                       (s[2] & 0x3F)
                                 : ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                                       ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        if (cp < (len == 2 ? 0x80u : len == 3 ? 0x800u : 0x10000u)) {
            error = len == 2   ? "Overlong 2-byte UTF-8 sequence detected when encoding string"
                    : len == 3 ? "Overlong 3-byte UTF-8 sequence detected when encoding string"
                               : "Overlong 4-byte UTF-8 sequence detected when encoding string";
            break;
        }
        p = put_code_point_escape(p, s, len);
        s += len;
    }
    if (error != NULL)
        return raise_str(e->ctx, e->ctx->h_OverflowError, error);
    *p++ = '"';
    e->out.len = (size_t)(p - e->out.data);
    return 0;
}

static int encode_bytes(encoder *e, HPy bytes)
{
    return write_bytes(e, (const unsigned char *)HPyBytes_AS_STRING(e->ctx, bytes),
                       (size_t)HPyBytes_GET_SIZE(e->ctx, bytes));
}

/* ---- numbers ---- */

static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes v in decimal, two digits per division. */
static char *put_uint(char *p, unsigned long long v)
{
    char digits[20];
    char *q = digits + sizeof digits;
    while (v >= 100) {
        unsigned pair = (unsigned)(v % 100) * 2;
        v /= 100;
        q -= 2;
        q[0] = digit_pairs[pair];
        q[1] = digit_pairs[pair + 1];
    }
    if (v >= 10) {
        q -= 2;
        q[0] = digit_pairs[v * 2];
        q[1] = digit_pairs[v * 2 + 1];
    } else {
        *--q = (char)('0' + v);
    }
    size_t n = (size_t)(digits + sizeof digits - q);
    memcpy(p, q, n);
    return p + n;
}

/* Integers beyond 64 bits: int.__repr__ gives the digits even for a subclass that
 * overrides its own repr or str. */
static int encode_big_int(encoder *e, HPy obj)
{
    HPyContext *ctx = e->ctx;
    HPy int_repr = HPy_GetAttr_s(ctx, ctx->h_LongType, "__repr__");
    if (HPy_IsNull(int_repr))
        return -1;
    HPy text = HPy_Call(ctx, int_repr, &obj, 1, HPy_NULL);
    HPy_Close(ctx, int_repr);
    if (HPy_IsNull(text))
        return -1;
    HPy_ssize_t size;
    const char *utf8 = HPyUnicode_AsUTF8AndSize(ctx, text, &size);
    int res = utf8 == NULL ? -1 : emit(e, utf8, (size_t)size);
    HPy_Close(ctx, text);
    return res;
}

static int encode_int(encoder *e, HPy obj)
{
    HPyContext *ctx = e->ctx;
    long long value = HPyLong_AsLongLong(ctx, obj);
    if (value == -1 && HPyErr_Occurred(ctx)) {
        if (!HPyErr_ExceptionMatches(ctx, ctx->h_OverflowError))
            return -1;
        HPyErr_Clear(ctx);
        return encode_big_int(e, obj);
    }
    if (ujson_buffer_reserve(ctx, &e->out, 21) < 0)
        return -1;
    char *p = e->out.data + e->out.len;
    if (value < 0) {
        *p++ = '-';
        p = put_uint(p, 0ULL - (unsigned long long)value);
    } else {
        p = put_uint(p, (unsigned long long)value);
    }
    e->out.len = (size_t)(p - e->out.data);
    return 0;
}

static int encode_float(encoder *e, HPy obj)
{
    HPyContext *ctx = e->ctx;
    double value = HPyFloat_AsDouble(ctx, obj);
    if (value == -1.0 && HPyErr_Occurred(ctx))
        return -1;
    if (!isfinite(value)) {
        if (!e->allow_nan)
            return raise_str(ctx, ctx->h_OverflowError, "Invalid value when encoding double");
        return emit_literal(e, isnan(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }
    if (ujson_buffer_reserve(ctx, &e->out, UJSON_DOUBLE_MAX) < 0)
        return -1;
    e->out.len += ujson_format_double(value, e->out.data + e->out.len);
    return 0;
}

/* ---- containers ---- */

static int write_newline_indent(encoder *e, int depth)
{
    if (e->indent <= 0)
        return 0;
    size_t n = (size_t)e->indent * (size_t)depth;
    if (ujson_buffer_reserve(e->ctx, &e->out, n + 1) < 0)
        return -1;
    e->out.data[e->out.len++] = '\n';
    memset(e->out.data + e->out.len, ' ', n);
    e->out.len += n;
    return 0;
}

/* Makes container, whose items are written by next_item as `mode` says, the innermost
 * open one. It takes over the handle of container when it succeeds (encode_document sees
 * the stack grow), and keys (a dict's) in any case. */
static int push_container(encoder *e, HPy container, HPy keys, HPy_ssize_t count, int depth,
                          int mode)
{
    if (e->nopen == e->open_cap) {
        size_t cap = e->open_cap == 0 ? 16 : 2 * e->open_cap;
        struct open_container *open = realloc(e->open, cap * sizeof *open);
        if (open == NULL) {
            HPy_Close(e->ctx, keys);
            HPyErr_NoMemory(e->ctx);
            return -1;
        }
        e->open = open;
        e->open_cap = cap;
    }
    struct open_container *top = &e->open[e->nopen++];
    top->container = container;
    top->keys = keys;
    top->next = 0;
    top->count = count;
    top->depth = depth;
    top->mode = mode;
    top->pos = 0;
    top->first = top->nahead = 0;
    return 0;
}

/* A list or tuple whose items are those seq stores: seq itself, or for a subclass (whose
 * __len__ and __getitem__ ujson never calls) a plain copy made by list.copy or
 * tuple.__add__, which read the storage. */
static HPy sequence_items(HPyContext *ctx, HPy seq)
{
    HPy type = HPy_Type(ctx, seq);
    if (HPy_IsNull(type))
        return type;
    int list = HPy_Is(ctx, type, ctx->h_ListType);
    int exact = list || HPy_Is(ctx, type, ctx->h_TupleType);
    HPy_Close(ctx, type);
    if (exact)
        return HPy_Dup(ctx, seq);
    list = HPyList_Check(ctx, seq);
    HPy method = HPy_GetAttr_s(ctx, list ? ctx->h_ListType : ctx->h_TupleType,
                               list ? "copy" : "__add__");
    if (HPy_IsNull(method))
        return method;
    HPy args[2] = {seq, list ? HPy_NULL : HPyTuple_FromArray(ctx, NULL, 0)};
    HPy items = !list && HPy_IsNull(args[1]) ? HPy_NULL
                                             : HPy_Call(ctx, method, args, list ? 1 : 2, HPy_NULL);
    HPy_Close(ctx, args[1]);
    HPy_Close(ctx, method);
    return items;
}

/* The open container is seq itself for an exact list or tuple, else what sequence_items
 * gives, so seq's own handle goes when it is pushed (encode_document sees the stack
 * grow). */
static int begin_sequence(encoder *e, HPy seq, int depth, int exact)
{
    HPyContext *ctx = e->ctx;
    HPy items = exact ? seq : sequence_items(ctx, seq);
    if (HPy_IsNull(items))
        return -1;
    if (exact) {
        HPy_ssize_t n = HPy_Length(ctx, seq);
        if (n <= 0)
            return n < 0 ? -1 : emit(e, "[]", 2);
        if (emit(e, "[", 1) < 0)
            return -1;
        return push_container(e, seq, HPy_NULL, n, depth, SEQUENCE);
    }
    HPy_ssize_t n = HPy_Length(ctx, items);
    if (n <= 0) {
        HPy_Close(ctx, items);
        return n < 0 ? -1 : emit(e, "[]", 2);
    }
    if (emit(e, "[", 1) < 0 || push_container(e, items, HPy_NULL, n, depth, SEQUENCE) < 0) {
        HPy_Close(ctx, items);
        return -1;
    }
    HPy_Close(ctx, seq);
    return 0;
}

/* ujson's rule for keys: str as is, bytes as bytes values are written (whatever
 * reject_bytes says), None and the booleans spelt as in JSON, anything else through
 * str(). */
static int encode_key(encoder *e, HPy key)
{
    HPyContext *ctx = e->ctx;
    if (HPyUnicode_Check(ctx, key))
        return encode_str(e, key);
    if (HPy_Is(ctx, key, ctx->h_None))
        return emit(e, "\"null\"", 6);
    if (HPy_Is(ctx, key, ctx->h_True))
        return emit(e, "\"true\"", 6);
    if (HPy_Is(ctx, key, ctx->h_False))
        return emit(e, "\"false\"", 7);
    if (HPyBytes_Check(ctx, key))
        return encode_bytes(e, key);
    e->epoch++;
    HPy text = HPy_Str(ctx, key);
    if (HPy_IsNull(text))
        return -1;
    int res = encode_str(e, text);
    HPy_Close(ctx, text);
    return res;
}

HPyGlobal ujson_sort_name;

static HPy sorted_keys(encoder *e, HPy dict)
{
    HPyContext *ctx = e->ctx;
    HPy keys = HPyDict_Keys(ctx, dict);
    if (HPy_IsNull(keys))
        return keys;
    HPy name = HPyGlobal_Load(ctx, ujson_sort_name);
    e->epoch++;
    HPy done = HPy_CallMethod(ctx, name, &keys, 1, HPy_NULL);
    HPy_Close(ctx, name);
    if (HPy_IsNull(done)) {
        HPy_Close(ctx, keys);
        return HPy_NULL;
    }
    HPy_Close(ctx, done);
    return keys;
}

/* An exact dict, unsorted, is read with HPyDict_Next: one call per item, and no keys
 * list; its length, known at the start, tells whether it shrank meanwhile. */
static int begin_dict(encoder *e, HPy dict, int depth, int exact)
{
    HPyContext *ctx = e->ctx;
    if (exact && !e->sort_keys) {
        HPy_ssize_t n = HPy_Length(ctx, dict);
        if (n <= 0)
            return n < 0 ? -1 : emit(e, "{}", 2);
        if (emit(e, "{", 1) < 0)
            return -1;
        return push_container(e, dict, HPy_NULL, n, depth, DICT_NEXT);
    }
    HPy keys = e->sort_keys ? sorted_keys(e, dict) : HPyDict_Keys(ctx, dict);
    if (HPy_IsNull(keys))
        return -1;
    HPy_ssize_t n = HPy_Length(ctx, keys);
    if (n <= 0) {
        HPy_Close(ctx, keys);
        return n < 0 ? -1 : emit(e, "{}", 2);
    }
    if (emit(e, "{", 1) < 0) {
        HPy_Close(ctx, keys);
        return -1;
    }
    return push_container(e, dict, keys, n, depth, DICT_KEYS);
}

/* Writes what goes before the next item of the innermost open container (a separator,
 * an indent, a dict's key) and leaves the item in *item (owned) and its depth in *depth:
 * 1. Containers whose items are all written are closed on the way. 0 when none is open
 * any more, -1 with an error. */
static int next_item(encoder *e, HPy *item, int *depth)
{
    HPyContext *ctx = e->ctx;
    while (e->nopen > 0) {
        struct open_container *top = &e->open[e->nopen - 1];
        if (top->next == top->count) {
            int res = write_newline_indent(e, top->depth) < 0 ||
                              emit(e, top->mode == SEQUENCE ? "]" : "}", 1) < 0
                          ? -1
                          : 0;
            e->nopen--;
            release(e, top->keys);
            release(e, top->container);
            if (res < 0)
                return -1;
            continue;
        }
        HPy_ssize_t i = top->next++;
        if (i > 0 && emit(e, e->item_sep, e->item_sep_len) < 0)
            return -1;
        *depth = top->depth + 1;
        if (top->mode == SEQUENCE) {
            if (write_newline_indent(e, *depth) < 0)
                return -1;
            if (top->first == top->nahead || top->epoch != e->epoch) {
                /* Read ahead, again from the sequence as it is now if Python code ran
                 * since the last read: a shrunk list raises IndexError. */
                HPy_CloseMany(ctx, top->ahead + top->first, top->nahead - top->first);
                top->first = top->nahead = 0;
                HPy_ssize_t n = top->count - i < ITEM_CHUNK ? top->count - i : ITEM_CHUNK;
                if (HPySequence_GetItems(ctx, top->container, i, n, top->ahead) < 0)
                    return -1;
                top->nahead = (int)n;
                top->epoch = e->epoch;
            }
            *item = top->ahead[top->first++];
            return 1;
        }
        HPy key, value;
        if (top->mode == DICT_NEXT) {
            int more = HPyDict_Next(ctx, top->container, &top->pos, &key, &value);
            if (more <= 0) {
                if (more == 0)
                    HPyErr_SetString(ctx, ctx->h_RuntimeError,
                                     "dictionary changed size during encoding");
                return -1;
            }
        } else {
            key = HPy_GetItem_i(ctx, top->keys, i);
            value = HPy_IsNull(key) ? HPy_NULL : HPyDict_GetItem(ctx, top->container, key);
        }
        if (HPy_IsNull(value)) {
            if (!HPy_IsNull(key) && !HPyErr_Occurred(ctx))
                HPyErr_SetString(ctx, ctx->h_RuntimeError,
                                 "dictionary changed size during encoding");
            HPy_Close(ctx, key);
            return -1;
        }
        int res = write_newline_indent(e, *depth) < 0 || encode_key(e, key) < 0 ||
                          emit(e, e->key_sep, e->key_sep_len) < 0
                      ? -1
                      : 0;
        release(e, key);
        if (res < 0) {
            HPy_Close(ctx, value);
            return -1;
        }
        *item = value;
        return 1;
    }
    return 0;
}

/* ---- everything else ---- */

/* __json__() returns JSON text that goes into the output as it is. */
static int encode_raw_json(encoder *e, HPy method)
{
    HPyContext *ctx = e->ctx;
    HPy text = HPy_Call(ctx, method, NULL, 0, HPy_NULL);
    if (HPy_IsNull(text))
        return -1;
    int res;
    if (HPyUnicode_Check(ctx, text)) {
        HPy owner;
        HPy_ssize_t size;
        const char *utf8 = ujson_str_utf8(ctx, text, &size, &owner);
        if (!HPy_IsNull(owner))
            e->surrogates = 1;
        res = utf8 == NULL ? -1 : emit(e, utf8, (size_t)size);
        HPy_Close(ctx, owner);
    } else if (HPyBytes_Check(ctx, text)) {
        e->surrogates = 1;
        res = emit(e, HPyBytes_AS_STRING(ctx, text), (size_t)HPyBytes_GET_SIZE(ctx, text));
    } else {
        char name[100], message[200];
        ujson_type_name(ctx, text, name, sizeof name);
        snprintf(message, sizeof message, "__json__() should return str or bytes, got %s", name);
        res = raise_str(ctx, ctx->h_TypeError, message);
    }
    HPy_Close(ctx, text);
    return res;
}

/* ujson words this with the object's repr, which must then encode as UTF-8 (a lone
 * surrogate in it raises UnicodeEncodeError instead). */
static int raise_not_serializable(HPyContext *ctx, HPy obj)
{
    HPy repr = HPy_Repr(ctx, obj);
    if (HPy_IsNull(repr))
        return -1;
    HPy suffix = HPyUnicode_AsUTF8AndSize(ctx, repr, NULL) == NULL
                     ? HPy_NULL
                     : HPyUnicode_FromString(ctx, " is not JSON serializable");
    HPy message = HPy_IsNull(suffix) ? HPy_NULL : HPy_Add(ctx, repr, suffix);
    if (!HPy_IsNull(message))
        HPyErr_SetObject(ctx, ctx->h_TypeError, message);
    HPy_Close(ctx, message);
    HPy_Close(ctx, suffix);
    HPy_Close(ctx, repr);
    return -1;
}

HPyGlobal ujson_decimal_type;

static int is_decimal(HPyContext *ctx, HPy obj)
{
    HPy type = HPyGlobal_Load(ctx, ujson_decimal_type);
    int res = !HPy_Is(ctx, type, ctx->h_None) && HPy_TypeCheck(ctx, obj, type);
    HPy_Close(ctx, type);
    return res;
}

/* obj.toDict() is written as the dict it must return, left in *dict (owned). */
static int to_dict(encoder *e, HPy obj, HPy *dict)
{
    HPyContext *ctx = e->ctx;
    HPy method = HPy_GetAttr_s(ctx, obj, "toDict");
    HPy result = HPy_IsNull(method) ? HPy_NULL : HPy_Call(ctx, method, NULL, 0, HPy_NULL);
    HPy_Close(ctx, method);
    if (HPy_IsNull(result))
        return -1;
    if (!HPyDict_Check(ctx, result)) {
        char name[100], message[200];
        ujson_type_name(ctx, result, name, sizeof name);
        snprintf(message, sizeof message, "toDict() should return a dict, got %s", name);
        HPy_Close(ctx, result);
        return raise_str(ctx, ctx->h_TypeError, message);
    }
    *dict = result;
    return 0;
}

/* What is neither a JSON type nor a container, in ujson's order: Decimal as a float,
 * toDict(), __json__(), then default(), asked at most UJSON_MAX_DEFAULT_CALLS times in
 * a row (default_calls so far). A replacement, toDict()'s or default()'s, is left in
 * *replacement (owned) to be written in obj's place. */
static int encode_other(encoder *e, HPy obj, int default_calls, HPy *replacement)
{
    HPyContext *ctx = e->ctx;
    e->epoch++;
    if (is_decimal(ctx, obj))
        return encode_float(e, obj);
    if (HPy_HasAttr_s(ctx, obj, "toDict"))
        return to_dict(e, obj, replacement);
    if (HPy_HasAttr_s(ctx, obj, "__json__")) {
        HPy method = HPy_GetAttr_s(ctx, obj, "__json__");
        if (HPy_IsNull(method))
            return -1;
        int res = encode_raw_json(e, method);
        HPy_Close(ctx, method);
        return res;
    }
    if (HPy_IsNull(e->default_fn))
        return raise_not_serializable(ctx, obj);
    if (default_calls >= UJSON_MAX_DEFAULT_CALLS)
        return raise_str(ctx, ctx->h_TypeError, "maximum recursion depth exceeded");
    *replacement = HPy_Call(ctx, e->default_fn, &obj, 1, HPy_NULL);
    return HPy_IsNull(*replacement) ? -1 : 0;
}

/* Writes obj, or for a list, tuple or dict its opening bracket (next_item gives its
 * items); a replacement from toDict() or default() is left in *replacement. */
static int encode_value(encoder *e, HPy obj, int depth, int default_calls, HPy *replacement)
{
    HPyContext *ctx = e->ctx;
    if (depth > UJSON_MAX_DEPTH)
        return raise_str(ctx, ctx->h_OverflowError, "Maximum recursion level reached");
    if (same_handle(obj, ctx->h_True))
        return emit(e, "true", 4);
    if (same_handle(obj, ctx->h_False))
        return emit(e, "false", 5);
    if (same_handle(obj, ctx->h_None))
        return emit(e, "null", 4);
    /* One call tells the exact builtin types; each check below is another call in
     * universal mode, made only for subclasses and the rest. */
    HPyKind kind = HPy_BuiltinKind(ctx, obj);
    switch (kind) {
    case HPyKind_Unicode:
        return encode_str(e, obj);
    case HPyKind_Long:
        return encode_int(e, obj);
    case HPyKind_Float:
        return encode_float(e, obj);
    case HPyKind_Bool:
        return HPy_Is(ctx, obj, ctx->h_True) ? emit(e, "true", 4) : emit(e, "false", 5);
    case HPyKind_None:
        return emit(e, "null", 4);
    case HPyKind_List:
    case HPyKind_Tuple:
        return begin_sequence(e, obj, depth, 1);
    case HPyKind_Dict:
        return begin_dict(e, obj, depth, 1);
    case HPyKind_Error:
        return -1;
    default:
        break;
    }
    /* Rejected bytes go on to default(), as in ujson 6. */
    if (kind == HPyKind_Bytes)
        return e->reject_bytes ? encode_other(e, obj, default_calls, replacement)
                               : encode_bytes(e, obj);
    if (HPyUnicode_Check(ctx, obj))
        return encode_str(e, obj);
    if (HPyFloat_Check(ctx, obj))
        return encode_float(e, obj);
    if (HPyLong_Check(ctx, obj)) {
        if (HPy_Is(ctx, obj, ctx->h_True))
            return emit(e, "true", 4);
        if (HPy_Is(ctx, obj, ctx->h_False))
            return emit(e, "false", 5);
        return encode_int(e, obj);
    }
    if (HPy_Is(ctx, obj, ctx->h_None))
        return emit(e, "null", 4);
    if (HPyList_Check(ctx, obj) || HPyTuple_Check(ctx, obj))
        return begin_sequence(e, obj, depth, 0);
    if (HPyDict_Check(ctx, obj))
        return begin_dict(e, obj, depth, 0);
    if (!e->reject_bytes && HPyBytes_Check(ctx, obj))
        return encode_bytes(e, obj);
    return encode_other(e, obj, default_calls, replacement);
}

static int encode_document(encoder *e, HPy obj)
{
    HPyContext *ctx = e->ctx;
    HPy item = HPy_Dup(ctx, obj);
    int depth = 0, default_calls = 0;
    for (;;) {
        HPy replacement = HPy_NULL;
        size_t open_before = e->nopen;
        int res = encode_value(e, item, depth, default_calls, &replacement);
        if (e->nopen == open_before)
            release(e, item);
        if (res < 0)
            return -1;
        if (!HPy_IsNull(replacement)) {
            /* In item's place, at its depth; only default() can return something that
             * asks default() again, so counting toDict()'s dict too changes nothing. */
            item = replacement;
            default_calls++;
            continue;
        }
        default_calls = 0;
        res = next_item(e, &item, &depth);
        if (res <= 0)
            return res;
    }
}

HPy ujson_encode(HPyContext *ctx, HPy obj, const HPy options[UJSON_OPT_COUNT])
{
    encoder e;
    if (encoder_init(&e, ctx, options) < 0 || encode_document(&e, obj) < 0) {
        encoder_free(&e);
        return HPy_NULL;
    }
    /* The str is a copy: the slack goes first, which lowers the peak by up to a fifth. */
    ujson_buffer_trim(&e.out);
    if (ujson_check_room(ctx, e.out.len) < 0) {
        encoder_free(&e);
        return HPy_NULL;
    }
    HPy result = HPyUnicode_DecodeUTF8(ctx, e.out.data, (HPy_ssize_t)e.out.len,
                                       e.surrogates ? "surrogatepass" : NULL);
    encoder_free(&e);
    return result;
}
