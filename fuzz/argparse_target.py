"""Fuzz target: HPyArg_Parse and HPyArg_ParseKeywords on formats, keyword lists and
arguments of the fuzzer's choosing.

For any format the parser must not crash, and must raise exactly when it fails. When the
format is one CPython documents (units, then an optional '|', an optional '$' for
keywords, then ':name' or ';message'), the outcome must be CPython's own parser's,
called through ctypes: the same values, or the same exception and message.
"""
import ctypes
import re

MAX_UNITS = 16
UNITS = "bBhHiIlkLKnfdOps"
# Format bytes are drawn mostly from what the parser knows, plus a few it must refuse.
FORMAT_ALPHABET = UNITS + "||$$::;;zy(#&e"
NAMES = ["", "", "a", "b", "c", "d", "e", "\u00e9"]

SOURCE = r"""
#include <string.h>

#define MAX_UNITS 16

typedef union {
    unsigned char b; short h; unsigned short H; int i; unsigned int I; long l;
    unsigned long k; long long L; unsigned long long K; HPy_ssize_t n; float f;
    double d; HPy O; const char *s;
} slot;

/* One call serves any format: each unit gets a slot big enough for any output. */
#define SLOT_PTRS(s) (void *)&s[0], (void *)&s[1], (void *)&s[2], (void *)&s[3], \
    (void *)&s[4], (void *)&s[5], (void *)&s[6], (void *)&s[7], (void *)&s[8], \
    (void *)&s[9], (void *)&s[10], (void *)&s[11], (void *)&s[12], (void *)&s[13], \
    (void *)&s[14], (void *)&s[15]

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

/* parse(fmt: bytes, *args) */
HPyDef_METH(parse, "parse", HPyFunc_VARARGS)
static HPy parse_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    slot slots[MAX_UNITS];
    memset(slots, 0, sizeof slots);
    const char *fmt = HPyBytes_AsString(ctx, args[0]);
    if (fmt == NULL)
        return HPy_NULL;
    HPyTracker ht;
    int ok = HPyArg_Parse(ctx, &ht, args + 1, nargs - 1, fmt, SLOT_PTRS(slots));
    HPy result = outcome(ctx, ok, fmt, slots);
    if (ok)
        HPyTracker_Close(ctx, ht);
    return result;
}

/* parse_kw(fmt: bytes, keywords: tuple of bytes, *args, **kwargs) */
HPyDef_METH(parse_kw, "parse_kw", HPyFunc_KEYWORDS)
static HPy parse_kw_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                         HPy kwnames)
{
    slot slots[MAX_UNITS];
    memset(slots, 0, sizeof slots);
    const char *keywords[MAX_UNITS + 2];
    HPy names[MAX_UNITS + 1];
    HPy_ssize_t nnames = HPy_Length(ctx, args[1]);
    if (nnames < 0 || nnames > MAX_UNITS + 1)
        return HPyErr_SetString(ctx, ctx->h_ValueError, "too many keywords for the harness");
    for (HPy_ssize_t i = 0; i < nnames; i++) {
        names[i] = HPy_GetItem_i(ctx, args[1], i);
        keywords[i] = HPyBytes_AsString(ctx, names[i]);
    }
    keywords[nnames] = NULL;
    const char *fmt = HPyBytes_AsString(ctx, args[0]);
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

@EXPORT(parse)
@EXPORT(parse_kw)
@INIT
"""


def load(abi="cpython"):
    from handlepy.conformance import ExtensionCompiler
    return ExtensionCompiler(abi).make_module(SOURCE)


class Index:
    def __index__(self):
        return 7


class Real:
    def __float__(self):
        return 2.5


VALUES = [0, 1, -1, 127, 128, 255, 256, 2**15 - 1, 2**15, -2**15 - 1, 2**16, 2**31 - 1,
          2**31, -2**31 - 1, 2**32, 2**63 - 1, 2**63, -2**63 - 1, 2**64, 10**30, True,
          False, None, 0.5, -1e300, float("nan"), float("inf"), "", "x", "h\u00e9",
          "a\0b", "\ud800", b"", b"b", [], [0], (), Index(), Real(), object]


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def byte(self):
        self.pos += 1
        return self.data[self.pos - 1] if self.pos <= len(self.data) else 0

    def value(self):
        return VALUES[self.byte() % len(VALUES)]

    def format(self):
        chars = []
        for _ in range(self.byte() % 24):
            b = self.byte()
            chars.append(FORMAT_ALPHABET[b % len(FORMAT_ALPHABET)] if b < 0xf0 else chr(b))
        return "".join(chars).encode("latin-1")


def unit_count(fmt):
    return sum(chr(c) in UNITS for c in re.split(rb"[:;]", fmt)[0])


def documented(fmt, keywords):
    """A call CPython's parser is specified for, so that the two must agree: a well-formed
    format and, for keywords, one ASCII name per unit (CPython 3.11 compares names as
    ASCII), the positional-only ones ("") first and before any '$'.
    (A keyword list that does not fit the format is a SystemError whose wording is
    handlepy's own.)"""
    markers = r"(\|[%s]*)?(\$[%s]*)?" % (UNITS, UNITS) if keywords is not None \
        else r"(\|[%s]*)?" % UNITS
    if re.fullmatch(r"[%s]*%s(:[a-z]*|;[a-z ]*)?" % (UNITS, markers),
                    fmt.decode("latin-1")) is None:
        return False
    if keywords is None:
        return True
    before_dollar = unit_count(fmt.split(b"$")[0])
    return (len(keywords) == unit_count(fmt) and keywords == sorted(keywords, key=bool)
            and keywords.count(b"") <= before_dollar and all(k.isascii() for k in keywords))


def check(mod, data):
    r = Reader(data)
    use_keywords = r.byte() & 1
    fmt = r.format()
    if unit_count(fmt) > MAX_UNITS:
        return
    keywords = [NAMES[r.byte() % len(NAMES)].encode() for _ in range(r.byte() % 8)]
    args = [r.value() for _ in range(r.byte() % 8)]
    kwargs = {NAMES[r.byte() % len(NAMES)] or "zz": r.value() for _ in range(r.byte() % 4)}
    if use_keywords:
        got = result(mod.parse_kw, fmt, tuple(keywords), *args, **kwargs)
    else:
        got = result(mod.parse, fmt, *args)
    assert got[1] != "AssertionError", f"{fmt!r} {keywords} {args} {kwargs}: {got[2]}"
    if documented(fmt, keywords if use_keywords else None):
        expected = reference(fmt, keywords if use_keywords else None, args, kwargs)
        assert got == expected, f"{fmt!r} {keywords} {args} {kwargs}: {got} != CPython's {expected}"


def comparable(values):
    """Objects by identity, floats by repr (NaN equals itself)."""
    return tuple(repr(v) if isinstance(v, float) else
                 v if isinstance(v, (int, str, type(...))) else ("id", id(v)) for v in values)


def result(func, *args, **kwargs):
    try:
        values = func(*args, **kwargs)
    except Exception as e:  # the exception is the outcome under test
        return "raised", type(e).__name__, str(e)
    return "returned", comparable(values)


def _ctypes_slot(unit):
    c = ctypes
    return {"b": c.c_ubyte, "B": c.c_ubyte, "h": c.c_short, "H": c.c_ushort, "i": c.c_int,
            "I": c.c_uint, "l": c.c_long, "k": c.c_ulong, "L": c.c_longlong,
            "K": c.c_ulonglong, "n": c.c_ssize_t, "f": c.c_float, "d": c.c_double,
            "O": c.py_object, "p": c.c_int, "s": c.c_char_p}[unit]()


def _slot_value(unit, slot):
    if unit == "O":
        try:
            return slot.value
        except ValueError:  # a NULL object: the argument was not given
            return ...
    if unit == "s":
        return ... if slot.value is None else slot.value.decode()
    return slot.value


def reference(fmt, keywords, args, kwargs):
    """CPython's PyArg_ParseTuple (keywords None) or PyArg_ParseTupleAndKeywords."""
    units = [chr(c) for c in re.split(rb"[:;]", fmt)[0] if chr(c) in UNITS]
    slots = [_ctypes_slot(u) for u in units]
    ptrs = [ctypes.byref(s) for s in slots]
    api = ctypes.pythonapi
    try:
        if keywords is None:
            api.PyArg_ParseTuple(ctypes.py_object(tuple(args)), fmt, *ptrs)
        else:
            names = (ctypes.c_char_p * (len(keywords) + 1))(*keywords, None)
            api.PyArg_ParseTupleAndKeywords(ctypes.py_object(tuple(args)),
                                            ctypes.py_object(dict(kwargs)), fmt, names, *ptrs)
    except Exception as e:  # the exception is the outcome under test
        return "raised", type(e).__name__, str(e)
    return "returned", comparable(_slot_value(u, s) for u, s in zip(units, slots))

