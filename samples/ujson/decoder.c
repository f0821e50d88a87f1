/* A parser over the UTF-8 of the input. It accepts RFC 8259 JSON plus NaN, Infinity and
 * -Infinity (as the json module does) and nests at most UJSON_MAX_DEPTH deep, keeping
 * the open arrays and objects on a stack of its own rather than on the C stack. */
#include "decoder.h"

#include "buffer.h"
#include "floats.h"
#include "limits.h"
#include "text.h"

#include <math.h>
#include <stdio.h>

typedef const unsigned char *cursor;

typedef struct {
    HPyContext *ctx;
    HPy module;
    HPy doc;
    cursor start, p, end;
    /* Report positions in code points (str input) rather than bytes. */
    int positions_in_chars;
    /* Non-ASCII bytes need checking: bytes input may be invalid UTF-8, and in a str's
     * surrogatepass form the strings that hold surrogates must be found. */
    int check_utf8;
    ujson_buffer scratch;
    /* Recently made object keys: most documents repeat a few keys many times. Only
     * the slots listed in `filled` hold a key, so a small document never touches the
     * rest. */
    struct key_slot {
        HPy key;
        size_t len;
        char bytes[UJSON_KEY_CACHE_MAX_LEN];
    } keys[UJSON_KEY_CACHE_SIZE];
    unsigned char slot_filled[UJSON_KEY_CACHE_SIZE];
    uint16_t filled[UJSON_KEY_CACHE_SIZE];
    size_t nfilled;
    /* The arrays and objects being read, outermost first (see parse_value). */
    struct open_container {
        HPy container;
        /* An object's key whose value is being read, else HPy_NULL. */
        HPy key;
        int is_object;
    } open[UJSON_MAX_DEPTH];
} decoder;

/* ---- errors ---- */

static HPy_ssize_t position_of(const decoder *d, cursor where)
{
    if (!d->positions_in_chars)
        return where - d->start;
    HPy_ssize_t chars = 0;
    for (cursor c = d->start; c < where; c++)
        chars += (*c & 0xC0) != 0x80;
    return chars;
}

static int set_attr_long(HPyContext *ctx, HPy obj, const char *name, HPy_ssize_t value)
{
    HPy h = HPyLong_FromSsize_t(ctx, value);
    if (HPy_IsNull(h))
        return -1;
    int res = HPy_SetAttr_s(ctx, obj, name, h);
    HPy_Close(ctx, h);
    return res;
}

/* Raise JSONDecodeError for the text at `where`; its attributes are those of
 * json.JSONDecodeError: msg, doc, pos, lineno, colno. */
static HPy fail_at(decoder *d, cursor where, const char *reason)
{
    HPyContext *ctx = d->ctx;
    if (where > d->end)
        where = d->end;
    cursor line_start = d->start;
    HPy_ssize_t lineno = 1;
    for (cursor c = d->start; c < where; c++) {
        if (*c == '\n') {
            lineno++;
            line_start = c + 1;
        }
    }
    HPy_ssize_t pos = position_of(d, where);
    HPy_ssize_t colno = pos - position_of(d, line_start) + 1;
    char message[300];
    snprintf(message, sizeof message, "%s: line %lld column %lld (char %lld)", reason,
             (long long)lineno, (long long)colno, (long long)pos);

    HPy type = HPy_GetAttr_s(ctx, d->module, "JSONDecodeError");
    if (HPy_IsNull(type)) {
        HPyErr_Clear(ctx);
        type = HPy_Dup(ctx, ctx->h_ValueError);
    }
    HPy text = HPyUnicode_FromString(ctx, message);
    HPy msg = HPyUnicode_FromString(ctx, reason);
    HPy exc = HPy_IsNull(text) ? HPy_NULL : HPy_Call(ctx, type, &text, 1, HPy_NULL);
    if (!HPy_IsNull(exc) && !HPy_IsNull(msg) && HPy_SetAttr_s(ctx, exc, "msg", msg) == 0 &&
        HPy_SetAttr_s(ctx, exc, "doc", d->doc) == 0 && set_attr_long(ctx, exc, "pos", pos) == 0 &&
        set_attr_long(ctx, exc, "lineno", lineno) == 0 &&
        set_attr_long(ctx, exc, "colno", colno) == 0)
        HPyErr_SetObject(ctx, type, exc);
    HPy_Close(ctx, exc);
    HPy_Close(ctx, msg);
    HPy_Close(ctx, text);
    HPy_Close(ctx, type);
    return HPy_NULL;
}

static HPy fail(decoder *d, const char *reason)
{
    return fail_at(d, d->p, reason);
}

/* ---- scanning ---- */

#define ONES UINT64_C(0x0101010101010101)
#define HIGH_BITS UINT64_C(0x8080808080808080)

/* Indented documents have long runs of spaces: those go eight at a time. */
static inline void skip_whitespace(decoder *d)
{
    cursor p = d->p, end = d->end;
    while (p < end) {
        uint64_t w;
        if (end - p >= 8 && (memcpy(&w, p, sizeof w), w == ONES * ' ')) {
            p += 8;
            continue;
        }
        if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
            break;
        p++;
    }
    d->p = p;
}

static inline int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Length of the valid UTF-8 sequence at s, or 0. Lone surrogates (ED A0..BF xx) count
 * as valid, as the json module's surrogatepass decoding of bytes has them; they set
 * *surrogates. */
static size_t utf8_sequence(cursor s, cursor end, int *surrogates)
{
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if ((size_t)(end - s) < n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (c == 0xED && s[1] >= 0xA0)
        *surrogates = 1;
    return n;
}

/* ---- strings ---- */

/* Sets the high bit of every byte of w that is below 0x20, a quote or a backslash (and
 * perhaps of bytes above the first such one, which a borrow reaches: only the first
 * flag is exact, and only it is used). */
static inline uint64_t special_bytes(uint64_t w)
{
    uint64_t quote = w ^ (ONES * '"'), backslash = w ^ (ONES * '\\');
    return (((w - ONES * 0x20) & ~w) | ((quote - ONES) & ~quote) |
            ((backslash - ONES) & ~backslash)) & HIGH_BITS;
}

/* The first byte at or after s that ends a run of plain string content: a quote, a
 * backslash, a control character, or (when non_ascii_too) a byte >= 0x80. Eight bytes
 * at a time while the input lasts. */
static inline cursor skip_plain_bytes(cursor s, cursor end, int non_ascii_too)
{
    uint64_t extra = non_ascii_too ? HIGH_BITS : 0;
    while (end - s >= 8) {
        uint64_t w;
        memcpy(&w, s, sizeof w);
        if ((special_bytes(w) | (w & extra)) != 0)
            break;
        s += 8;
    }
    while (s < end && *s >= 0x20 && *s != '"' && *s != '\\' && (*s < 0x80 || !non_ascii_too))
        s++;
    return s;
}

/* One more than the value of each hex digit, 0 for any other byte: a \uXXXX escape
 * reads four digits, one table load each. */
static const unsigned char hex_digit_plus_one[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
    ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
    ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16,
};

/* The four hex digits after "\u" at s, or -1. */
static inline long read_hex4(cursor s, cursor end)
{
    if (end - s < 4)
        return -1;
    unsigned a = hex_digit_plus_one[s[0]], b = hex_digit_plus_one[s[1]];
    unsigned c = hex_digit_plus_one[s[2]], e = hex_digit_plus_one[s[3]];
    if (a == 0 || b == 0 || c == 0 || e == 0)
        return -1;
    return (long)((a - 1) << 12 | (b - 1) << 8 | (c - 1) << 4 | (e - 1));
}

static inline char *put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        *out++ = (char)cp;
    } else if (cp < 0x800) {
        *out++ = (char)(0xC0 | (cp >> 6));
        *out++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *out++ = (char)(0xE0 | (cp >> 12));
        *out++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *out++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *out++ = (char)(0xF0 | (cp >> 18));
        *out++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *out++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *out++ = (char)(0x80 | (cp & 0x3F));
    }
    return out;
}

/* Decodes the escape at *s (a backslash) into out, moves *s past it and returns the new
 * end of out; NULL with an error. At most four bytes are written. */
static inline char *put_escape(decoder *d, cursor *at, cursor quote, char *out,
                               int *surrogates)
{
    cursor s = *at, end = d->end;
    if (s + 1 >= end) {
        fail_at(d, quote, "Unterminated string");
        return NULL;
    }
    switch (s[1]) {
    case '"': *out++ = '"'; break;
    case '\\': *out++ = '\\'; break;
    case '/': *out++ = '/'; break;
    case 'b': *out++ = '\b'; break;
    case 'f': *out++ = '\f'; break;
    case 'n': *out++ = '\n'; break;
    case 'r': *out++ = '\r'; break;
    case 't': *out++ = '\t'; break;
    case 'u': {
        long unit = read_hex4(s + 2, end);
        if (unit < 0) {
            fail_at(d, s, "Invalid \\uXXXX escape in string");
            return NULL;
        }
        uint32_t cp = (uint32_t)unit;
        if (cp >= 0xD800 && cp <= 0xDBFF && end - s >= 12 && s[6] == '\\' && s[7] == 'u') {
            long low = read_hex4(s + 8, end);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (uint32_t)(low - 0xDC00);
                s += 6;
            }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF)
            *surrogates = 1;
        out = put_utf8(out, cp);
        s += 4;
        break;
    }
    default:
        fail_at(d, s, "Invalid escape in string");
        return NULL;
    }
    *at = s + 2;
    return out;
}

/* Reads the string whose opening quote is at d->p into *text (its UTF-8, either in the
 * input or in d->scratch) and leaves d->p after the closing quote. -1 with an error. */
static int scan_string(decoder *d, const char **text, size_t *len, int *surrogates)
{
    cursor quote = d->p, s = d->p + 1, end = d->end;
    int escaped = 0;
    *surrogates = 0;
    d->scratch.len = 0;
    cursor run = s;
    for (;;) {
        s = skip_plain_bytes(s, end, d->check_utf8);
        if (s >= end) {
            fail_at(d, quote, "Unterminated string");
            return -1;
        }
        unsigned char c = *s;
        if (c == '"')
            break;
        if (c < 0x20) {
            fail_at(d, s, "Invalid control character in string");
            return -1;
        }
        if (c >= 0x80) {
            size_t n = utf8_sequence(s, end, surrogates);
            if (n == 0) {
                fail_at(d, s, "Invalid UTF-8 sequence in string");
                return -1;
            }
            s += n;
            continue;
        }
        /* A backslash: from here on the string is rebuilt in scratch. Escapes often come
         * in runs (non-ASCII text from json.dumps), decoded here without going back to
         * the scan for plain bytes. */
        escaped = 1;
        if (s > run &&
            ujson_buffer_write(d->ctx, &d->scratch, (const char *)run, (size_t)(s - run)) < 0)
            return -1;
        do {
            if (ujson_buffer_reserve(d->ctx, &d->scratch, 4) < 0)
                return -1;
            char *out = put_escape(d, &s, quote, d->scratch.data + d->scratch.len, surrogates);
            if (out == NULL)
                return -1;
            d->scratch.len = (size_t)(out - d->scratch.data);
        } while (s < end && *s == '\\');
        run = s;
    }
    if (escaped) {
        if (ujson_buffer_write(d->ctx, &d->scratch, (const char *)run, (size_t)(s - run)) < 0)
            return -1;
        *text = d->scratch.data;
        *len = d->scratch.len;
    } else {
        *text = (const char *)quote + 1;
        *len = (size_t)(s - quote - 1);
    }
    d->p = s + 1;
    return 0;
}

static HPy make_str(decoder *d, const char *text, size_t len, int surrogates)
{
    if (ujson_check_room(d->ctx, len) < 0)
        return HPy_NULL;
    return HPyUnicode_DecodeUTF8(d->ctx, text, (HPy_ssize_t)len,
                                 surrogates ? "surrogatepass" : NULL);
}

static HPy parse_string(decoder *d)
{
    const char *text;
    size_t len;
    int surrogates;
    if (scan_string(d, &text, &len, &surrogates) < 0)
        return HPy_NULL;
    return make_str(d, text, len, surrogates);
}

/* A slot for the key: its length and its first and last eight bytes, mixed by
 * multiplication, whose top bits are the best mixed. */
static size_t key_slot_index(const char *text, size_t len)
{
    uint64_t head = 0, tail = 0;
    if (len >= 8) {
        memcpy(&head, text, 8);
        memcpy(&tail, text + len - 8, 8);
    } else {
        memcpy(&head, text, len);
    }
    uint64_t h = (head ^ (tail * UINT64_C(0x9E3779B97F4A7C15)) ^ len) * UINT64_C(0xFF51AFD7ED558CCD);
    return (size_t)(h >> (64 - UJSON_KEY_CACHE_BITS));
}

/* Keys go through a small cache, so a repeated key costs one HPy_Dup. */
static HPy parse_key(decoder *d)
{
    const char *text;
    size_t len;
    int surrogates;
    if (scan_string(d, &text, &len, &surrogates) < 0)
        return HPy_NULL;
    if (len > UJSON_KEY_CACHE_MAX_LEN || surrogates)
        return make_str(d, text, len, surrogates);
    size_t index = key_slot_index(text, len);
    struct key_slot *slot = &d->keys[index];
    if (d->slot_filled[index] && slot->len == len && memcmp(slot->bytes, text, len) == 0)
        return HPy_Dup(d->ctx, slot->key);
    HPy key = make_str(d, text, len, 0);
    if (HPy_IsNull(key))
        return key;
    if (d->slot_filled[index]) {
        HPy_Close(d->ctx, slot->key);
    } else {
        d->slot_filled[index] = 1;
        d->filled[d->nfilled++] = (uint16_t)index;
    }
    slot->key = HPy_Dup(d->ctx, key);
    slot->len = len;
    memcpy(slot->bytes, text, len);
    return key;
}

/* ---- numbers ---- */

static HPy parse_number(decoder *d)
{
    HPyContext *ctx = d->ctx;
    cursor p = d->p, end = d->end, first = d->p;
    int negative = 0;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    cursor int_digits = p;
    if (p < end && *p == '0') {
        p++;
    } else if (p < end && is_digit(*p)) {
        while (p < end && is_digit(*p))
            p++;
    } else {
        return fail_at(d, p, "Invalid number");
    }
    size_t nint = (size_t)(p - int_digits);
    cursor frac_digits = p;
    size_t nfrac = 0;
    int is_float = 0;
    if (p < end && *p == '.') {
        frac_digits = ++p;
        while (p < end && is_digit(*p))
            p++;
        nfrac = (size_t)(p - frac_digits);
        if (nfrac == 0)
            return fail_at(d, p, "Invalid number: no digit after the decimal point");
        is_float = 1;
    }
    int64_t exponent = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        is_float = 1;
        p++;
        int exp_negative = 0;
        if (p < end && (*p == '+' || *p == '-'))
            exp_negative = *p++ == '-';
        if (p >= end || !is_digit(*p))
            return fail_at(d, p, "Invalid number: no digit in the exponent");
        while (p < end && is_digit(*p)) {
            if (exponent < 100000000000LL)
                exponent = exponent * 10 + (*p - '0');
            p++;
        }
        if (exp_negative)
            exponent = -exponent;
    }
    d->p = p;

    if (is_float) {
        double value;
        if (ujson_parse_double((const char *)int_digits, nint, (const char *)frac_digits, nfrac,
                               exponent, negative, &value) < 0)
            return HPyErr_NoMemory(ctx);
        return HPyFloat_FromDouble(ctx, value);
    }
    if (nint <= 19) {
        uint64_t magnitude = 0;
        for (size_t i = 0; i < nint; i++)
            magnitude = magnitude * 10 + (uint64_t)(int_digits[i] - '0');
        if (!negative)
            return HPyLong_FromUInt64_t(ctx, magnitude);
        if (magnitude <= (UINT64_C(1) << 63))
            return HPyLong_FromInt64_t(ctx, (int64_t)(0 - magnitude));
    }
    /* Beyond 64 bits int() does the work, with its own limit on digit count. */
    HPy text = HPyUnicode_FromStringAndSize(ctx, (const char *)first, p - first);
    if (HPy_IsNull(text))
        return text;
    HPy value = HPy_Long(ctx, text);
    HPy_Close(ctx, text);
    return value;
}

/* ---- literals and containers ---- */

static HPy parse_literal(decoder *d, const char *word, size_t len, HPy value)
{
    if ((size_t)(d->end - d->p) < len || memcmp(d->p, word, len) != 0)
        return fail(d, "Expected object or value");
    d->p += len;
    return HPy_Dup(d->ctx, value);
}

static HPy parse_special_float(decoder *d, const char *word, size_t len, double value)
{
    if ((size_t)(d->end - d->p) < len || memcmp(d->p, word, len) != 0)
        return fail(d, "Expected object or value");
    d->p += len;
    return HPyFloat_FromDouble(d->ctx, value);
}

/* After an item of an array or object: 1 past a ',' (another item follows), 0 past the
 * closer (the container is complete), -1 with the error raised. */
static inline int after_item(decoder *d, char closer, const char *expected,
                             const char *unterminated)
{
    skip_whitespace(d);
    if (d->p >= d->end) {
        fail(d, unterminated);
        return -1;
    }
    if (*d->p == ',') {
        d->p++;
        return 1;
    }
    if (*d->p == closer) {
        d->p++;
        return 0;
    }
    fail(d, expected);
    return -1;
}

/* Reads an object's key and the ':' after it into the innermost open container. */
static int read_key(decoder *d, struct open_container *top)
{
    skip_whitespace(d);
    if (d->p >= d->end || *d->p != '"') {
        fail(d, "Expected a string for an object key");
        return -1;
    }
    HPy key = parse_key(d);
    if (HPy_IsNull(key))
        return -1;
    skip_whitespace(d);
    if (d->p >= d->end || *d->p != ':') {
        HPy_Close(d->ctx, key);
        fail(d, "Expected ':' after an object key");
        return -1;
    }
    d->p++;
    top->key = key;
    return 0;
}

/* A value that is not an array or an object, starting at d->p (not at the end). */
static HPy parse_scalar(decoder *d)
{
    switch (*d->p) {
    case '"':
        return parse_string(d);
    case 't':
        return parse_literal(d, "true", 4, d->ctx->h_True);
    case 'f':
        return parse_literal(d, "false", 5, d->ctx->h_False);
    case 'n':
        return parse_literal(d, "null", 4, d->ctx->h_None);
    case 'N':
        return parse_special_float(d, "NaN", 3, NAN);
    case 'I':
        return parse_special_float(d, "Infinity", 8, INFINITY);
    case '-':
        if (d->end - d->p > 1 && d->p[1] == 'I')
            return parse_special_float(d, "-Infinity", 9, -INFINITY);
        return parse_number(d);
    default:
        if (is_digit(*d->p))
            return parse_number(d);
        return fail(d, "Expected object or value");
    }
}

/* The value at d->p. Nesting is kept in d->open, not on the C stack: a recursive parser
 * needs a frame per level, and UJSON_MAX_DEPTH of them overflow a small thread stack
 * (128 KiB on musl). */
static HPy parse_value(decoder *d)
{
    HPyContext *ctx = d->ctx;
    size_t depth = 0;
    HPy value;
    for (;;) {
        skip_whitespace(d);
        if (d->p >= d->end) {
            fail(d, "Expected object or value");
            goto error;
        }
        if (*d->p == '[' || *d->p == '{') {
            int is_object = *d->p == '{';
            if (depth >= UJSON_MAX_DEPTH) {
                fail(d, "Reached object decoding depth limit");
                goto error;
            }
            d->p++;
            HPy container = is_object ? HPyDict_New(ctx) : HPyList_New(ctx, 0);
            if (HPy_IsNull(container))
                goto error;
            struct open_container *top = &d->open[depth++];
            top->container = container;
            top->key = HPy_NULL;
            top->is_object = is_object;
            skip_whitespace(d);
            if (d->p < d->end && *d->p == (is_object ? '}' : ']')) {
                d->p++;
                depth--;
                value = container;
            } else {
                if (is_object && read_key(d, top) < 0)
                    goto error;
                continue;
            }
        } else {
            value = parse_scalar(d);
            if (HPy_IsNull(value))
                goto error;
        }
        /* value is complete: it goes into the innermost open container, and closing
         * that one may complete the one around it. */
        for (;;) {
            if (depth == 0)
                return value;
            struct open_container *top = &d->open[depth - 1];
            int res, next;
            if (top->is_object) {
                res = HPy_SetItem(ctx, top->container, top->key, value);
                HPy_Close(ctx, top->key);
                top->key = HPy_NULL;
            } else {
                res = HPyList_Append(ctx, top->container, value);
            }
            HPy_Close(ctx, value);
            if (res < 0)
                goto error;
            if (top->is_object)
                next = after_item(d, '}', "Expected ',' or '}' after object value",
                                  "Unterminated object");
            else
                next = after_item(d, ']', "Expected ',' or ']' after array value",
                                  "Unterminated array");
            if (next < 0)
                goto error;
            if (next > 0) {
                if (top->is_object && read_key(d, top) < 0)
                    goto error;
                break;
            }
            depth--;
            value = top->container;
        }
    }
error:
    while (depth > 0) {
        depth--;
        HPy_Close(ctx, d->open[depth].key);
        HPy_Close(ctx, d->open[depth].container);
    }
    return HPy_NULL;
}

/* ---- entry point ---- */

static HPy decode_utf8(decoder *d)
{
    HPy result = parse_value(d);
    if (HPy_IsNull(result))
        return result;
    skip_whitespace(d);
    if (d->p != d->end) {
        HPy_Close(d->ctx, result);
        return fail(d, "Trailing data");
    }
    return result;
}

HPy ujson_decode(HPyContext *ctx, HPy module, HPy obj)
{
    HPy owner = HPy_NULL;
    const char *text;
    HPy_ssize_t size;
    int is_str = HPyUnicode_Check(ctx, obj);
    if (is_str) {
        text = ujson_str_utf8(ctx, obj, &size, &owner);
        if (text == NULL)
            return HPy_NULL;
    } else if (HPyBytes_Check(ctx, obj)) {
        text = HPyBytes_AS_STRING(ctx, obj);
        size = HPyBytes_GET_SIZE(ctx, obj);
    } else if (HPy_TypeCheck(ctx, obj, ctx->h_ByteArrayType) ||
               HPy_TypeCheck(ctx, obj, ctx->h_MemoryViewType)) {
        owner = HPy_Bytes(ctx, obj);
        if (HPy_IsNull(owner))
            return owner;
        text = HPyBytes_AS_STRING(ctx, owner);
        size = HPyBytes_GET_SIZE(ctx, owner);
    } else {
        return HPyErr_SetString(ctx, ctx->h_TypeError,
                                "Expected string or C-contiguous bytes-like object");
    }

    decoder *d = malloc(sizeof *d);
    if (d == NULL) {
        HPy_Close(ctx, owner);
        return HPyErr_NoMemory(ctx);
    }
    d->ctx = ctx;
    d->module = module;
    d->doc = obj;
    d->start = d->p = (cursor)text;
    d->end = d->start + size;
    d->positions_in_chars = is_str;
    d->check_utf8 = !is_str || !HPy_IsNull(owner);
    ujson_buffer_init(&d->scratch);
    memset(d->slot_filled, 0, sizeof d->slot_filled);
    d->nfilled = 0;

    HPy result = decode_utf8(d);

    for (size_t i = 0; i < d->nfilled; i++)
        HPy_Close(ctx, d->keys[d->filled[i]].key);
    ujson_buffer_free(&d->scratch);
    free(d);
    HPy_Close(ctx, owner);
    return result;
}
