/* A parser over the UTF-8 of the input that accepts what ujson 6.1 accepts (RFC 8259
 * JSON plus NaN, Infinity, -Infinity and ujson's leniencies: leading zeros, "1.", "-.5",
 * a bare "-" for 0, raw control characters in strings) and fails where it fails, with
 * its messages. ujson reads a NUL byte as the end of the text, except that a NUL after a
 * complete document is "Trailing data"; peek() gives the same view. It nests at most
 * UJSON_MAX_DEPTH deep, keeping the open arrays and objects on a stack of its own rather
 * than on the C stack. */
#include "decoder.h"

#include "buffer.h"
#include "floats.h"
#include "limits.h"
#include "text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <wchar.h>

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
        /* An object's key whose value is being read, else HPy_NULL (the key is being
         * read). */
        HPy key;
        /* Whether key is a reference of our own to close, or the key cache's. */
        int key_owned;
        /* Whether key came from parse_key: else it is a container in a key's place. */
        int key_is_str;
        int is_object;
    } open[UJSON_MAX_DEPTH];
    /* The last scalar read was a string: ujson takes any value whose last scalar is a
     * string as an object key. */
    int last_is_str;
    /* Such a key was a container (so unhashable): ujson raises JSONDecodeError("Invalid
     * JSON: object keys must be strings") once the parse ends, in place of any syntax
     * error met after it. */
    int key_error;
    /* fail_at raised the pending exception. */
    int syntax_error;
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

/* Raise JSONDecodeError(reason) for the text at `where`; beyond ujson's message it has
 * the attributes of json.JSONDecodeError: msg, doc, pos, lineno, colno. */
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
    d->syntax_error = 1;

    HPy type = HPy_GetAttr_s(ctx, d->module, "JSONDecodeError");
    if (HPy_IsNull(type)) {
        HPyErr_Clear(ctx);
        type = HPy_Dup(ctx, ctx->h_ValueError);
    }
    HPy msg = HPyUnicode_FromString(ctx, reason);
    HPy exc = HPy_IsNull(msg) ? HPy_NULL : HPy_Call(ctx, type, &msg, 1, HPy_NULL);
    if (!HPy_IsNull(exc) && HPy_SetAttr_s(ctx, exc, "msg", msg) == 0 &&
        HPy_SetAttr_s(ctx, exc, "doc", d->doc) == 0 && set_attr_long(ctx, exc, "pos", pos) == 0 &&
        set_attr_long(ctx, exc, "lineno", lineno) == 0 &&
        set_attr_long(ctx, exc, "colno", colno) == 0)
        HPyErr_SetObject(ctx, type, exc);
    HPy_Close(ctx, exc);
    HPy_Close(ctx, msg);
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
    /* Most gaps are empty or one space (json.dumps writes ", " and ": "); every byte
     * above ' ' ends one. */
    if (p < end && *p == ' ')
        p++;
    if (p == end || *p > ' ') {
        d->p = p;
        return;
    }
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

/* The byte at p, or 0 at the end of the text, which is what ujson reads there. */
static inline unsigned char peek(const decoder *d, cursor p)
{
    return p < d->end ? *p : 0;
}

/* Length of the UTF-8 sequence at s, checked as ujson checks it, or 0 with *error set
 * to ujson's message. Lone surrogates (ED A0..BF xx) are accepted, as ujson accepts
 * them; they set *surrogates. */
static size_t utf8_sequence(const decoder *d, cursor s, int *surrogates, const char **error)
{
    unsigned char c = s[0];
    if (c < 0xC0) {
        *error = "Found UTF-8 continuation byte without corresponding start byte when "
                 "decoding 'string'";
        return 0;
    }
    if (c >= 0xF8) {
        *error = "Invalid UTF-8 sequence length when decoding 'string'";
        return 0;
    }
    if (c >= 0xF5) {
        *error = "Code point > U+10FFFF encountered whilst decoding 'string'";
        return 0;
    }
    size_t n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        unsigned char b = peek(d, s + i);
        if ((b & 0xC0) != 0x80) {
            *error = "Invalid UTF-8 continuation byte when decoding 'string'";
            return 0;
        }
        cp = cp << 6 | (b & 0x3F);
    }
    if (n == 2 && cp < 0x80)
        *error = "Overlong 2-byte UTF-8 sequence detected when decoding 'string'";
    else if (n == 3 && cp < 0x800)
        *error = "Overlong 3-byte UTF-8 sequence detected when encoding string";
    else if (n == 4 && cp < 0x10000)
        *error = "Overlong 4-byte UTF-8 sequence detected when decoding 'string'";
    else if (cp > 0x10FFFF)
        *error = "Code point > U+10FFFF encountered whilst decoding 'string'";
    else {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            *surrogates = 1;
        return n;
    }
    return 0;
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

/* The four hex digits after "\u" at s, or -1 with ujson's message in *error. */
static inline long read_hex4(const decoder *d, cursor s, const char **error)
{
    long value = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = peek(d, s + i);
        unsigned digit = hex_digit_plus_one[c];
        if (digit == 0) {
            *error = c == 0 ? "Unterminated unicode escape sequence when decoding 'string'"
                            : "Unexpected character in unicode escape sequence when decoding "
                              "'string'";
            return -1;
        }
        value = value << 4 | (long)(digit - 1);
    }
    return value;
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

/* Reads the escape at *at (a backslash) into *code_point and moves *at past it; -1 with
 * an error. Inlined in both its callers: a call per escape costs a fifth of the loads of
 * escaped text. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int read_escape(decoder *d, cursor *at, uint32_t *code_point)
{
    cursor s = *at;
    switch (peek(d, s + 1)) {
    case '"': *code_point = '"'; break;
    case '\\': *code_point = '\\'; break;
    case '/': *code_point = '/'; break;
    case 'b': *code_point = '\b'; break;
    case 'f': *code_point = '\f'; break;
    case 'n': *code_point = '\n'; break;
    case 'r': *code_point = '\r'; break;
    case 't': *code_point = '\t'; break;
    case 'u': {
        const char *error = NULL;
        long unit = read_hex4(d, s + 2, &error);
        if (unit < 0) {
            fail_at(d, s, error);
            return -1;
        }
        uint32_t cp = (uint32_t)unit;
        /* A high surrogate escape right before a low one makes one code point; an
         * invalid escape after it fails on the next call. */
        if (cp >= 0xD800 && cp <= 0xDBFF && peek(d, s + 6) == '\\' && peek(d, s + 7) == 'u') {
            long low = read_hex4(d, s + 8, &error);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (uint32_t)(low - 0xDC00);
                s += 6;
            }
        }
        *code_point = cp;
        s += 4;
        break;
    }
    case 0:
        fail_at(d, s, "Unterminated escape sequence when decoding 'string'");
        return -1;
    default:
        fail_at(d, s, "Unrecognized escape sequence when decoding 'string'");
        return -1;
    }
    *at = s + 2;
    return 0;
}

/* Decodes the escape at *at (a backslash) into out, moves *at past it and returns the new
 * end of out; NULL with an error. At most four bytes are written. */
static inline char *put_escape(decoder *d, cursor *at, char *out, int *surrogates)
{
    uint32_t cp;
    if (read_escape(d, at, &cp) < 0)
        return NULL;
    if (cp >= 0xD800 && cp <= 0xDFFF)
        *surrogates = 1;
    return put_utf8(out, cp);
}

/* The code point of the UTF-8 sequence at s, known to be valid (lone surrogates may
 * appear in their three-byte form), and its length in *n. */
static inline uint32_t valid_code_point(cursor s, size_t *n)
{
    unsigned char c = s[0];
    if (c < 0xE0) {
        *n = 2;
        return (uint32_t)(c & 0x1F) << 6 | (s[1] & 0x3F);
    }
    if (c < 0xF0) {
        *n = 3;
        return (uint32_t)(c & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    }
    *n = 4;
    return (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
           (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

/* A string with an escape is rebuilt as code points (wchar_t holds UCS4 here), from which
 * HPyUnicode_FromWideChar makes the str in one step: rebuilt as UTF-8, its text would be
 * decoded a second time, with a copy each time a wider character widens the str. Up to
 * WIDE_MAX code points: a longer string is rebuilt as UTF-8, a quarter of the memory. */
#if WCHAR_MAX >= 0x10FFFF
#define WIDE_MAX ((size_t)1 << 20)
#else
#define WIDE_MAX 0
#endif

/* Room in d->scratch for n more code points after the first `used`; their address. */
static inline wchar_t *wide_room(decoder *d, size_t used, size_t n)
{
    d->scratch.len = used * sizeof(wchar_t);
    if (ujson_buffer_reserve(d->ctx, &d->scratch, n * sizeof(wchar_t)) < 0)
        return NULL;
    return (wchar_t *)d->scratch.data + used;
}

/* Code points of escapes and non-ASCII sequences decoded between two room checks. */
#define WIDE_BATCH 64

/* Rebuilds the string whose plain content starts at run, and whose first escape is at
 * *at, as code points in d->scratch: 0 with their count in *count and *at on the closing
 * quote, 1 when it is longer than WIDE_MAX (nothing consumed), -1 with an error. */
static int scan_wide(decoder *d, cursor run, cursor *at, size_t *count)
{
    cursor s = run, end = d->end;
    size_t n = 0;
    for (;;) {
        /* The plain run before *at was checked by scan_string; after it, by this loop. */
        cursor plain = s < *at ? *at : skip_plain_bytes(s, end, 1);
        if (n + (size_t)(plain - s) > WIDE_MAX)
            return 1;
        wchar_t *out = wide_room(d, n, (size_t)(plain - s) + WIDE_BATCH);
        if (out == NULL)
            return -1;
        while (s < plain) {
            if (*s < 0x80) {
                *out++ = (wchar_t)*s++;
            } else {
                size_t len;
                *out++ = (wchar_t)valid_code_point(s, &len);
                s += len;
            }
        }
        /* Escapes and non-ASCII text come in runs: up to WIDE_BATCH of them are decoded
         * here before going back to the scan for plain bytes. */
        wchar_t *batch_end = out + WIDE_BATCH;
        unsigned char c;
        while (out < batch_end && ((c = peek(d, s)) == '\\' || c >= 0x80)) {
            uint32_t cp;
            if (c == '\\' && end - s >= 6 && s[1] == 'u') {
                /* The common escape, \uXXXX of a character outside the surrogates, with
                 * no bound to check per digit; anything else goes through read_escape. */
                unsigned h0 = (unsigned char)(hex_digit_plus_one[s[2]] - 1);
                unsigned h1 = (unsigned char)(hex_digit_plus_one[s[3]] - 1);
                unsigned h2 = (unsigned char)(hex_digit_plus_one[s[4]] - 1);
                unsigned h3 = (unsigned char)(hex_digit_plus_one[s[5]] - 1);
                cp = h0 << 12 | h1 << 8 | h2 << 4 | h3;
                if ((h0 | h1 | h2 | h3) <= 15 && (cp < 0xD800 || cp > 0xDFFF)) {
                    *out++ = (wchar_t)cp;
                    s += 6;
                    continue;
                }
            }
            if (c == '\\') {
                if (read_escape(d, &s, &cp) < 0)
                    return -1;
            } else {
                int surrogates = 0;
                const char *error = NULL;
                size_t len = d->check_utf8 ? utf8_sequence(d, s, &surrogates, &error) : 1;
                if (len == 0) {
                    fail_at(d, s, error);
                    return -1;
                }
                cp = valid_code_point(s, &len);
                s += len;
            }
            *out++ = (wchar_t)cp;
        }
        n = (size_t)(out - (wchar_t *)d->scratch.data);
        if (out == batch_end)
            continue;
        c = peek(d, s);
        if (c == '"')
            break;
        if (c == 0) {
            fail_at(d, s, "Unmatched '\"' when decoding 'string'");
            return -1;
        }
        if (c < 0x20) {
            /* A control character, which ujson takes as it is. */
            *out = (wchar_t)c;
            s++;
            n++;
        }
    }
    d->scratch.len = n * sizeof(wchar_t);
    *count = n;
    *at = s;
    return 0;
}

/* Reads the string whose opening quote is at d->p into *text and leaves d->p after the
 * closing quote: its UTF-8, either in the input or in d->scratch, *len bytes; or, when
 * *wide is set, *len code points in d->scratch (scan_wide). -1 with an error. */
static int scan_string(decoder *d, const char **text, size_t *len, int *surrogates, int *wide)
{
    cursor quote = d->p, s = d->p + 1, end = d->end;
    int escaped = 0;
    *surrogates = 0;
    *wide = 0;
    d->scratch.len = 0;
    cursor run = s;
    for (;;) {
        s = skip_plain_bytes(s, end, d->check_utf8);
        unsigned char c = peek(d, s);
        if (c == '"')
            break;
        if (c == 0) {
            fail_at(d, s, "Unmatched '\"' when decoding 'string'");
            return -1;
        }
        if (c < 0x20) {
            /* ujson takes control characters as they are. */
            s++;
            continue;
        }
        if (c >= 0x80) {
            const char *error = NULL;
            size_t n = utf8_sequence(d, s, surrogates, &error);
            if (n == 0) {
                fail_at(d, s, error);
                return -1;
            }
            s += n;
            continue;
        }
        /* A backslash: from here on the string is rebuilt in scratch. Escapes often come
         * in runs (non-ASCII text from json.dumps), decoded here without going back to
         * the scan for plain bytes. */
        if (!escaped && WIDE_MAX > 0) {
            cursor stop = s;
            int res = scan_wide(d, quote + 1, &stop, len);
            if (res < 0)
                return -1;
            if (res == 0) {
                *text = d->scratch.data;
                *wide = 1;
                d->p = stop + 1;
                d->last_is_str = 1;
                return 0;
            }
            d->scratch.len = 0;
        }
        escaped = 1;
        if (s > run &&
            ujson_buffer_write(d->ctx, &d->scratch, (const char *)run, (size_t)(s - run)) < 0)
            return -1;
        do {
            if (ujson_buffer_reserve(d->ctx, &d->scratch, 4) < 0)
                return -1;
            char *out = put_escape(d, &s, d->scratch.data + d->scratch.len, surrogates);
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
    d->last_is_str = 1;
    return 0;
}

static HPy make_str(decoder *d, const char *text, size_t len, int surrogates)
{
    if (ujson_check_room(d->ctx, len) < 0)
        return HPy_NULL;
    return HPyUnicode_DecodeUTF8(d->ctx, text, (HPy_ssize_t)len,
                                 surrogates ? "surrogatepass" : NULL);
}

static HPy make_wide_str(decoder *d, const char *text, size_t count)
{
    return HPyUnicode_FromWideChar(d->ctx, (const wchar_t *)(const void *)text,
                                   (HPy_ssize_t)count);
}

static HPy parse_string(decoder *d)
{
    const char *text;
    size_t len;
    int surrogates, wide;
    if (scan_string(d, &text, &len, &surrogates, &wide) < 0)
        return HPy_NULL;
    return wide ? make_wide_str(d, text, len) : make_str(d, text, len, surrogates);
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

/* Keys go through a small cache, so a repeated key costs no call at all: *owned is 0
 * for a key the cache holds, which the caller uses but does not close. */
static HPy parse_key(decoder *d, int *owned)
{
    *owned = 1;
    const char *text;
    size_t len;
    int surrogates, wide;
    if (scan_string(d, &text, &len, &surrogates, &wide) < 0)
        return HPy_NULL;
    if (wide)
        return make_wide_str(d, text, len);
    if (len > UJSON_KEY_CACHE_MAX_LEN || surrogates)
        return make_str(d, text, len, surrogates);
    size_t index = key_slot_index(text, len);
    struct key_slot *slot = &d->keys[index];
    if (d->slot_filled[index] && slot->len == len && memcmp(slot->bytes, text, len) == 0) {
        *owned = 0;
        return slot->key;
    }
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

static __attribute__((noinline)) void fail_word(decoder *d, cursor at, const char *word)
{
    char message[80];
    snprintf(message, sizeof message, "Unexpected character found when decoding '%s'", word);
    fail_at(d, at, message);
}

/* Moves past `word`, of `len` bytes, at `at`: 0, or -1 with ujson's error for it.
 * Inline, so that with a constant length the compare needs no call. */
static inline int parse_word(decoder *d, cursor at, const char *word, size_t len)
{
    if ((size_t)(d->end - at) < len || memcmp(at, word, len) != 0) {
        fail_word(d, at, word);
        return -1;
    }
    d->p = at + len;
    d->last_is_str = 0;
    return 0;
}

static HPy parse_special_float(decoder *d, cursor at, const char *word, double value)
{
    if (parse_word(d, at, word, strlen(word)) < 0)
        return HPy_NULL;
    return HPyFloat_FromDouble(d->ctx, value);
}

/* What ujson hands to double-conversion once it meets '.', 'e' or 'E' after the
 * integer digits: digits, an optional '.' and digits, an optional exponent (taken only
 * when it has a digit), needing one digit before or after the point. Without one the
 * number is junk: 0.0, and d->p stays, so the text after it is what fails. */
static HPy parse_float_tail(decoder *d, cursor first, int negative, cursor int_digits,
                            size_t nint)
{
    cursor p = int_digits + nint, frac_digits = p, end = d->end;
    size_t nfrac = 0;
    if (peek(d, p) == '.') {
        frac_digits = ++p;
        while (p < end && is_digit(*p))
            p++;
        nfrac = (size_t)(p - frac_digits);
    }
    d->last_is_str = 0;
    if (nint == 0 && nfrac == 0) {
        d->p = first;
        return HPyFloat_FromDouble(d->ctx, 0.0);
    }
    int64_t exponent = 0;
    unsigned char c = peek(d, p);
    if (c == 'e' || c == 'E') {
        cursor q = p + 1;
        int exp_negative = 0;
        if (peek(d, q) == '+' || peek(d, q) == '-')
            exp_negative = *q++ == '-';
        if (is_digit(peek(d, q))) {
            for (p = q; is_digit(peek(d, p)); p++)
                if (exponent < 100000000000LL)
                    exponent = exponent * 10 + (*p - '0');
            if (exp_negative)
                exponent = -exponent;
        }
    }
    d->p = p;
    double value;
    if (ujson_parse_double((const char *)int_digits, nint, (const char *)frac_digits, nfrac,
                           exponent, negative, &value) < 0)
        return HPyErr_NoMemory(d->ctx);
    return HPyFloat_FromDouble(d->ctx, value);
}

/* ujson's numbers: NaN, Infinity, -Infinity, or '-', digits (leading zeros allowed, none
 * at all reading as 0), then either the float tail or an int, of any size. */
static HPy parse_number(decoder *d)
{
    HPyContext *ctx = d->ctx;
    cursor first = d->p, p = d->p;
    if (*p == 'N')
        return parse_special_float(d, p, "NaN", NAN);
    if (*p == 'I')
        return parse_special_float(d, p, "Infinity", INFINITY);
    int negative = *p == '-';
    if (negative) {
        p++;
        if (peek(d, p) == 'I')
            return parse_special_float(d, first, "-Infinity", -INFINITY);
    }
    cursor int_digits = p, end = d->end;
    while (p < end && is_digit(*p))
        p++;
    size_t nint = (size_t)(p - int_digits);
    unsigned char c = peek(d, p);
    if (c == '.' || c == 'e' || c == 'E')
        return parse_float_tail(d, first, negative, int_digits, nint);
    d->p = p;
    d->last_is_str = 0;
    /* Up to 19 significant digits fit in 64 bits unchecked; ujson's limits are 2**64 - 1
     * and, negated, 2**63. */
    cursor sig = int_digits;
    if (nint > 19)
        while (sig < p && *sig == '0')
            sig++;
    uint64_t limit = negative ? UINT64_C(1) << 63 : UINT64_MAX, magnitude = 0;
    int overflow = p - sig > 20;
    for (cursor q = sig; q < p && !overflow; q++) {
        unsigned digit = (unsigned)(*q - '0');
        if (p - sig == 20 && magnitude > (limit - digit) / 10)
            overflow = 1;
        magnitude = magnitude * 10 + digit;
    }
    if (magnitude > limit)
        overflow = 1;
    if (!overflow) {
        if (!negative)
            return HPyLong_FromUInt64_t(ctx, magnitude);
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

/* The singleton itself, not a new reference: a literal costs no API call. */
static inline HPy parse_literal(decoder *d, const char *word, size_t len, HPy value)
{
    return parse_word(d, d->p, word, len) < 0 ? HPy_NULL : value;
}

/* A value that is not an array or an object, starting at d->p; *owned is 0 for a
 * literal, which the caller uses but does not close. */
static HPy parse_scalar(decoder *d, int *owned)
{
    *owned = 0;
    switch (peek(d, d->p)) {
    case 't':
        return parse_literal(d, "true", 4, d->ctx->h_True);
    case 'f':
        return parse_literal(d, "false", 5, d->ctx->h_False);
    case 'n':
        return parse_literal(d, "null", 4, d->ctx->h_None);
    }
    *owned = 1;
    switch (peek(d, d->p)) {
    case '"':
        return parse_string(d);
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
    case '8': case '9': case '-': case 'I': case 'N':
        return parse_number(d);
    default:
        return fail(d, "Expected object or value");
    }
}

/* The value at d->p. Nesting is kept in d->open, not on the C stack: a recursive parser
 * needs a frame per level, and UJSON_MAX_DEPTH of them overflow a small thread stack
 * (128 KiB on musl).
 * An object's key is any value whose last scalar is a string, as in ujson: a string, or
 * (the error case) a container, which is left out of the dict and sets d->key_error. So
 * a key may open containers too; an open object whose key is HPy_NULL is reading one. */
static HPy parse_value(decoder *d)
{
    HPyContext *ctx = d->ctx;
    size_t depth = 0;
    HPy value;
    /* Whether value is ours to close (see parse_scalar and parse_key), and whether it
     * came from parse_key, the only way a str reaches a key's place. */
    int owned, from_key;
    for (;;) {
        from_key = 0;
        skip_whitespace(d);
        unsigned char c = peek(d, d->p);
        if (c == '[' || c == '{') {
            int is_object = c == '{';
            if (depth >= UJSON_MAX_DEPTH) {
                fail(d, "Reached object decoding depth limit");
                goto error;
            }
            if (!is_object)
                d->last_is_str = 0;
            /* The keys read inside may evict the enclosing object's key from the cache,
             * which would close it: from here on it needs a reference of its own. */
            if (depth > 0 && !d->open[depth - 1].key_owned &&
                !HPy_IsNull(d->open[depth - 1].key)) {
                d->open[depth - 1].key = HPy_Dup(ctx, d->open[depth - 1].key);
                d->open[depth - 1].key_owned = 1;
            }
            d->p++;
            HPy container = is_object ? HPyDict_New(ctx) : HPyList_New(ctx, 0);
            if (HPy_IsNull(container))
                goto error;
            struct open_container *top = &d->open[depth++];
            top->container = container;
            top->key = HPy_NULL;
            top->key_owned = 0;
            top->is_object = is_object;
            skip_whitespace(d);
            c = peek(d, d->p);
            if (c == (is_object ? '}' : ']')) {
                d->p++;
                depth--;
                value = container;
                owned = 1;
            } else if (is_object) {
                d->last_is_str = 0;
                if (c != '"')
                    continue;
                value = parse_key(d, &owned);
                if (HPy_IsNull(value))
                    goto error;
                from_key = 1;
            } else {
                continue;
            }
        } else {
            value = parse_scalar(d, &owned);
            if (HPy_IsNull(value))
                goto error;
        }
        /* value is complete: it goes into the innermost open container (as its key, if
         * that is an object without one), and closing that one may complete the one
         * around it. */
        for (;;) {
            if (depth == 0)
                return owned ? value : HPy_Dup(ctx, value);
            struct open_container *top = &d->open[depth - 1];
            if (top->is_object && HPy_IsNull(top->key)) {
                if (!d->last_is_str) {
                    if (owned)
                        HPy_Close(ctx, value);
                    fail(d, "Key name of object must be 'string' when decoding 'object'");
                    goto error;
                }
                skip_whitespace(d);
                if (peek(d, d->p) != ':') {
                    if (owned)
                        HPy_Close(ctx, value);
                    fail(d, "No ':' found when decoding object value");
                    goto error;
                }
                d->p++;
                top->key = value;
                top->key_owned = owned;
                top->key_is_str = from_key;
                break;
            }
            int res = 0;
            if (top->is_object) {
                if (top->key_is_str)
                    res = HPy_SetItem(ctx, top->container, top->key, value);
                else
                    d->key_error = 1;
                if (top->key_owned)
                    HPy_Close(ctx, top->key);
                top->key = HPy_NULL;
            } else {
                res = HPyList_Append(ctx, top->container, value);
            }
            if (owned)
                HPy_Close(ctx, value);
            if (res < 0)
                goto error;
            const char *unexpected =
                top->is_object ? "Unexpected character in found when decoding object value"
                               : "Unexpected character found when decoding array value (2)";
            skip_whitespace(d);
            c = peek(d, d->p);
            if (c == (top->is_object ? '}' : ']')) {
                d->p++;
                depth--;
                value = top->container;
                owned = 1;
                from_key = 0;
                continue;
            }
            if (c != ',') {
                fail(d, unexpected);
                goto error;
            }
            d->p++;
            skip_whitespace(d);
            c = peek(d, d->p);
            if (c == (top->is_object ? '}' : ']')) {
                fail(d, top->is_object ? unexpected
                                       : "Unexpected character found when decoding array "
                                         "value (1)");
                goto error;
            }
            if (!top->is_object)
                break;
            d->last_is_str = 0;
            if (c != '"')
                break;
            value = parse_key(d, &owned);
            if (HPy_IsNull(value))
                goto error;
            from_key = 1;
        }
    }
error:
    while (depth > 0) {
        depth--;
        if (d->open[depth].key_owned)
            HPy_Close(ctx, d->open[depth].key);
        HPy_Close(ctx, d->open[depth].container);
    }
    return HPy_NULL;
}

/* ---- entry point ---- */

static HPy decode_utf8(decoder *d)
{
    HPy result = parse_value(d);
    if (!HPy_IsNull(result)) {
        skip_whitespace(d);
        if (d->p != d->end) {
            HPy_Close(d->ctx, result);
            result = fail(d, "Trailing data");
        }
    }
    /* ujson's unhashable key error stays pending while it parses on, and only an
     * exception of Python's own (int's digit limit, MemoryError) replaces it. */
    if (d->key_error && (!HPy_IsNull(result) || d->syntax_error)) {
        HPy_Close(d->ctx, result);
        if (d->syntax_error)
            HPyErr_Clear(d->ctx);
        result = fail(d, "Invalid JSON: object keys must be strings");
    }
    return result;
}

/* ujson 6.1 takes str, bytes and bytearray; other objects with a C-contiguous buffer
 * get a message of their own. */
static HPy raise_bad_input(HPyContext *ctx, HPy obj)
{
    int contiguous = 0;
    HPy view = HPy_Call(ctx, ctx->h_MemoryViewType, &obj, 1, HPy_NULL);
    if (HPy_IsNull(view)) {
        HPyErr_Clear(ctx);
    } else {
        HPy flag = HPy_GetAttr_s(ctx, view, "c_contiguous");
        contiguous = HPy_IsNull(flag) ? 0 : HPy_IsTrue(ctx, flag) == 1;
        HPy_Close(ctx, flag);
        HPy release = HPy_GetAttr_s(ctx, view, "release");
        HPy done = HPy_IsNull(release) ? HPy_NULL : HPy_Call(ctx, release, NULL, 0, HPy_NULL);
        HPy_Close(ctx, done);
        HPy_Close(ctx, release);
        HPy_Close(ctx, view);
        HPyErr_Clear(ctx);
    }
    return HPyErr_SetString(ctx, ctx->h_TypeError,
                            contiguous ? "Arbitrary bytes-like objects are no longer supported. "
                                         "Use either string, bytes, or bytearray."
                                       : "Expected string, bytes, or bytearray");
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
    } else if (HPy_TypeCheck(ctx, obj, ctx->h_ByteArrayType)) {
        owner = HPy_Bytes(ctx, obj);
        if (HPy_IsNull(owner))
            return owner;
        text = HPyBytes_AS_STRING(ctx, owner);
        size = HPyBytes_GET_SIZE(ctx, owner);
    } else {
        return raise_bad_input(ctx, obj);
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
    d->last_is_str = d->key_error = d->syntax_error = 0;
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
