"""Integers: HPyLong_Check, every From and As conversion at its C type's limits.

Bad input must raise what CPython's equivalent C-API call raises, message included; the
expected messages below are CPython's (3.11). The conversions that take ``__index__``
fall back on ``__int__`` where the running interpreter is a Python 3.9 (PyPy 3.9).
"""
import struct
import sys

import pytest

SOURCE = """
    #include <limits.h>

    /* Each AS_* export converts its argument and back, so a test sees both directions;
     * on failure it also checks the documented error value. */
    #define AS(SYM, CTYPE, AS_FN, FROM_FN)                                            \\
        HPyDef_METH(SYM, #SYM, HPyFunc_O)                                           \\
        static HPy SYM##_impl(HPyContext *ctx, HPy self, HPy arg)                   \\
        {                                                                           \\
            CTYPE value = AS_FN(ctx, arg);                                          \\
            if (HPyErr_Occurred(ctx)) {                                             \\
                if (value != (CTYPE)-1) {                                           \\
                    HPyErr_Clear(ctx);                                              \\
                    HPyErr_SetString(ctx, ctx->h_SystemError, "bad error value");   \\
                }                                                                   \\
                return HPy_NULL;                                                    \\
            }                                                                       \\
            return FROM_FN(ctx, value);                                             \\
        }

    AS(as_int32, int32_t, HPyLong_AsInt32_t, HPyLong_FromInt32_t)
    AS(as_uint32, uint32_t, HPyLong_AsUInt32_t, HPyLong_FromUInt32_t)
    AS(as_uint32_mask, uint32_t, HPyLong_AsUInt32_tMask, HPyLong_FromUInt32_t)
    AS(as_int64, int64_t, HPyLong_AsInt64_t, HPyLong_FromInt64_t)
    AS(as_uint64, uint64_t, HPyLong_AsUInt64_t, HPyLong_FromUInt64_t)
    AS(as_uint64_mask, uint64_t, HPyLong_AsUInt64_tMask, HPyLong_FromUInt64_t)
    AS(as_size_t, size_t, HPyLong_AsSize_t, HPyLong_FromSize_t)
    AS(as_ssize_t, HPy_ssize_t, HPyLong_AsSsize_t, HPyLong_FromSsize_t)
    AS(as_long, long, HPyLong_AsLong, HPyLong_FromLong)
    AS(as_ulong, unsigned long, HPyLong_AsUnsignedLong, HPyLong_FromUnsignedLong)
    AS(as_ulong_mask, unsigned long, HPyLong_AsUnsignedLongMask, HPyLong_FromUnsignedLong)
    AS(as_longlong, long long, HPyLong_AsLongLong, HPyLong_FromLongLong)
    AS(as_ulonglong, unsigned long long, HPyLong_AsUnsignedLongLong,
       HPyLong_FromUnsignedLongLong)
    AS(as_ulonglong_mask, unsigned long long, HPyLong_AsUnsignedLongLongMask,
       HPyLong_FromUnsignedLongLong)
    AS(as_double, double, HPyLong_AsDouble, HPyFloat_FromDouble)

    HPyDef_METH(as_void_ptr, "as_void_ptr", HPyFunc_O)
    static HPy as_void_ptr_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        void *p = HPyLong_AsVoidPtr(ctx, arg);
        if (HPyErr_Occurred(ctx)) {
            if (p != NULL) {
                HPyErr_Clear(ctx);
                HPyErr_SetString(ctx, ctx->h_SystemError, "bad error value");
            }
            return HPy_NULL;
        }
        return HPyLong_FromSize_t(ctx, (size_t)p);
    }

    HPyDef_METH(check, "check", HPyFunc_O)
    static HPy check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyLong_Check(ctx, arg));
    }

    static int put(HPyContext *ctx, HPy dict, const char *key, HPy value)
    {
        if (HPy_IsNull(value))
            return -1;
        int res = HPy_SetItem_s(ctx, dict, key, value);
        HPy_Close(ctx, value);
        return res;
    }

    /* The From functions at the limits of their C types, which Python cannot pass in. */
    HPyDef_METH(from_limits, "from_limits", HPyFunc_NOARGS)
    static HPy from_limits_impl(HPyContext *ctx, HPy self)
    {
        HPy d = HPyDict_New(ctx);
        if (HPy_IsNull(d))
            return HPy_NULL;
        if (put(ctx, d, "int32_min", HPyLong_FromInt32_t(ctx, INT32_MIN)) < 0
            || put(ctx, d, "int32_max", HPyLong_FromInt32_t(ctx, INT32_MAX)) < 0
            || put(ctx, d, "uint32_max", HPyLong_FromUInt32_t(ctx, UINT32_MAX)) < 0
            || put(ctx, d, "int64_min", HPyLong_FromInt64_t(ctx, INT64_MIN)) < 0
            || put(ctx, d, "int64_max", HPyLong_FromInt64_t(ctx, INT64_MAX)) < 0
            || put(ctx, d, "uint64_max", HPyLong_FromUInt64_t(ctx, UINT64_MAX)) < 0
            || put(ctx, d, "size_max", HPyLong_FromSize_t(ctx, SIZE_MAX)) < 0
            || put(ctx, d, "ssize_min", HPyLong_FromSsize_t(ctx, INTPTR_MIN)) < 0
            || put(ctx, d, "ssize_max", HPyLong_FromSsize_t(ctx, INTPTR_MAX)) < 0
            || put(ctx, d, "long_min", HPyLong_FromLong(ctx, LONG_MIN)) < 0
            || put(ctx, d, "long_max", HPyLong_FromLong(ctx, LONG_MAX)) < 0
            || put(ctx, d, "ulong_max", HPyLong_FromUnsignedLong(ctx, ULONG_MAX)) < 0
            || put(ctx, d, "longlong_min", HPyLong_FromLongLong(ctx, LLONG_MIN)) < 0
            || put(ctx, d, "longlong_max", HPyLong_FromLongLong(ctx, LLONG_MAX)) < 0
            || put(ctx, d, "ulonglong_max",
                   HPyLong_FromUnsignedLongLong(ctx, ULLONG_MAX)) < 0
            || put(ctx, d, "zero", HPyLong_FromUInt64_t(ctx, 0)) < 0) {
            HPy_Close(ctx, d);
            return HPy_NULL;
        }
        return d;
    }

    @EXPORT(as_int32)
    @EXPORT(as_uint32)
    @EXPORT(as_uint32_mask)
    @EXPORT(as_int64)
    @EXPORT(as_uint64)
    @EXPORT(as_uint64_mask)
    @EXPORT(as_size_t)
    @EXPORT(as_ssize_t)
    @EXPORT(as_long)
    @EXPORT(as_ulong)
    @EXPORT(as_ulong_mask)
    @EXPORT(as_longlong)
    @EXPORT(as_ulonglong)
    @EXPORT(as_ulonglong_mask)
    @EXPORT(as_double)
    @EXPORT(as_void_ptr)
    @EXPORT(check)
    @EXPORT(from_limits)
    @INIT
"""


def bits(fmt):
    return 8 * struct.calcsize(fmt)


LONG_BITS, LONGLONG_BITS, PTR_BITS = bits("l"), bits("q"), bits("P")

NOT_INDEX = "'{}' object cannot be interpreted as an integer"
NOT_INT = "an integer is required"


class Index:
    """Not an int, but convertible with __index__."""

    def __index__(self):
        return 42


class OnlyInt:
    """Not an int, and no __index__: only __int__."""

    def __int__(self):
        return 7


# The running interpreter decides: a Python 3.9 (PyPy 3.9) falls back on __int__, with a
# DeprecationWarning, in the conversions that take __index__; 3.10 and later do not.
INT_FALLBACK = sys.version_info < (3, 10)


def check_int_fallback(as_c, expected_with_fallback):
    """``as_c`` of objects that have __int__ but no __index__."""
    for value, expected in ((OnlyInt(), 7), (1.0, 1)):
        if INT_FALLBACK:
            with pytest.warns(DeprecationWarning, match="^an integer is required"):
                assert as_c(value) == expected_with_fallback(expected)
        else:
            message = NOT_INDEX.format(type(value).__name__)
            with pytest.raises(TypeError, match=f"^{message}$"):
                as_c(value)


class IntSubclass(int):
    pass


def signed(lo_bits):
    return -2 ** (lo_bits - 1), 2 ** (lo_bits - 1) - 1


# name -> (min, max, TypeError message or None if __index__ is used,
#          message for too small, message for too large)
CHECKED = {
    "as_int32": (*signed(32), None, "Python int too large to convert to C int",
                 "Python int too large to convert to C int"),
    "as_uint32": (0, 2 ** 32 - 1, NOT_INT, "can't convert negative value to unsigned int",
                  "Python int too large to convert to C unsigned int"),
    "as_int64": (*signed(64), None, "int too big to convert", "int too big to convert"),
    "as_uint64": (0, 2 ** 64 - 1, NOT_INT, "can't convert negative int to unsigned",
                  "int too big to convert"),
    "as_size_t": (0, 2 ** PTR_BITS - 1, NOT_INT, "can't convert negative value to size_t",
                  "Python int too large to convert to C size_t"),
    "as_ssize_t": (*signed(PTR_BITS), NOT_INT,
                   "Python int too large to convert to C ssize_t",
                   "Python int too large to convert to C ssize_t"),
    "as_long": (*signed(LONG_BITS), None, "Python int too large to convert to C long",
                "Python int too large to convert to C long"),
    "as_ulong": (0, 2 ** LONG_BITS - 1, NOT_INT,
                 "can't convert negative value to unsigned int",
                 "Python int too large to convert to C unsigned long"),
    "as_longlong": (*signed(LONGLONG_BITS), None, "int too big to convert",
                    "int too big to convert"),
    "as_ulonglong": (0, 2 ** LONGLONG_BITS - 1, NOT_INT,
                     "can't convert negative int to unsigned", "int too big to convert"),
}

MASKED = {
    "as_uint32_mask": 32,
    "as_uint64_mask": 64,
    "as_ulong_mask": LONG_BITS,
    "as_ulonglong_mask": LONGLONG_BITS,
}


def make(hpy):
    return hpy.make_module(SOURCE)


@pytest.mark.parametrize("name", sorted(CHECKED))
def test_as_checked_limits(hpy, name):
    as_c = getattr(make(hpy), name)
    lo, hi, _, too_small, too_large = CHECKED[name]
    for value in (lo, lo + 1, 0, 1, hi - 1, hi, True, IntSubclass(7)):
        result = as_c(value)
        assert result == value and type(result) is int
    with pytest.raises(OverflowError, match=f"^{too_large}$"):
        as_c(hi + 1)
    with pytest.raises(OverflowError, match=f"^{too_large}$"):
        as_c(2 ** 200)
    with pytest.raises(OverflowError, match=f"^{too_small}$"):
        as_c(lo - 1)
    with pytest.raises(OverflowError, match=f"^{too_small}$"):
        as_c(-2 ** 200)


@pytest.mark.parametrize("name", sorted(CHECKED))
def test_as_checked_non_int(hpy, name):
    as_c = getattr(make(hpy), name)
    not_int = CHECKED[name][2]
    for bad in ("7", None) if not_int is None else ("7", 1.0, None, OnlyInt()):
        message = not_int or NOT_INDEX.format(type(bad).__name__)
        with pytest.raises(TypeError, match=f"^{message}$"):
            as_c(bad)
    if not_int is None:
        assert as_c(Index()) == 42
        check_int_fallback(as_c, lambda value: value)
    else:
        with pytest.raises(TypeError, match=f"^{not_int}$"):
            as_c(Index())


@pytest.mark.parametrize("name", sorted(MASKED))
def test_as_mask_truncates(hpy, name):
    as_c = getattr(make(hpy), name)
    width = MASKED[name]
    top = 2 ** width - 1
    cases = {0: 0, 1: 1, top: top, top + 1: 0, top + 6: 5, -1: top, -2: top - 1,
             -2 ** (width - 1): 2 ** (width - 1), 2 ** 200 + 9: 9, -2 ** 200: 0,
             True: 1, IntSubclass(3): 3, Index(): 42}
    for value, expected in cases.items():
        assert as_c(value) == expected
    for bad in ("7", None):
        with pytest.raises(TypeError, match=f"^{NOT_INDEX.format(type(bad).__name__)}$"):
            as_c(bad)
    check_int_fallback(as_c, lambda value: value)


def test_as_void_ptr(hpy):
    as_void_ptr = make(hpy).as_void_ptr
    top = 2 ** PTR_BITS - 1
    assert as_void_ptr(0) == 0
    assert as_void_ptr(0x1234) == 0x1234
    assert as_void_ptr(top) == top
    # A negative int is a signed address, as PyLong_AsVoidPtr reads it.
    assert as_void_ptr(-1) == top
    assert as_void_ptr(-2 ** (PTR_BITS - 1)) == 2 ** (PTR_BITS - 1)
    with pytest.raises(OverflowError,
                       match="^Python int too large to convert to C unsigned long$"):
        as_void_ptr(top + 1)
    with pytest.raises(OverflowError, match="^Python int too large to convert to C long$"):
        as_void_ptr(-2 ** (PTR_BITS - 1) - 1)
    for bad in ("7", 1.0, Index()):
        with pytest.raises(TypeError, match=f"^{NOT_INT}$"):
            as_void_ptr(bad)


def test_as_double(hpy):
    as_double = make(hpy).as_double
    for value in (0, -1, 2 ** 53, -2 ** 53, 2 ** 64 + 2 ** 20, 2 ** 1023, True):
        result = as_double(value)
        assert result == float(value) and type(result) is float
    # Rounds to nearest like float(): 2**53 + 1 is not representable.
    assert as_double(2 ** 53 + 1) == float(2 ** 53)
    with pytest.raises(OverflowError, match="^int too large to convert to float$"):
        as_double(2 ** 1024)
    with pytest.raises(OverflowError, match="^int too large to convert to float$"):
        as_double(-2 ** 1024)
    for bad in ("7", 1.5, Index()):
        with pytest.raises(TypeError, match=f"^{NOT_INT}$"):
            as_double(bad)


def test_from_limits(hpy):
    limits = make(hpy).from_limits()
    assert limits == {
        "int32_min": -2 ** 31, "int32_max": 2 ** 31 - 1, "uint32_max": 2 ** 32 - 1,
        "int64_min": -2 ** 63, "int64_max": 2 ** 63 - 1, "uint64_max": 2 ** 64 - 1,
        "size_max": 2 ** PTR_BITS - 1,
        "ssize_min": -2 ** (PTR_BITS - 1), "ssize_max": 2 ** (PTR_BITS - 1) - 1,
        "long_min": -2 ** (LONG_BITS - 1), "long_max": 2 ** (LONG_BITS - 1) - 1,
        "ulong_max": 2 ** LONG_BITS - 1,
        "longlong_min": -2 ** (LONGLONG_BITS - 1),
        "longlong_max": 2 ** (LONGLONG_BITS - 1) - 1,
        "ulonglong_max": 2 ** LONGLONG_BITS - 1,
        "zero": 0,
    }
    assert all(type(v) is int for v in limits.values())


def test_check(hpy):
    check = make(hpy).check
    for yes in (0, -5, 2 ** 100, True, IntSubclass(1)):
        assert check(yes) == 1
    for no in (1.0, "1", b"1", None, Index(), 1j):
        assert check(no) == 0
