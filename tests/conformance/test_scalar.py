"""Floats and booleans: checks, constructors and HPyFloat_AsDouble's conversions."""
import math
import platform
import sys

import pytest

CPYTHON = platform.python_implementation() == "CPython"

SOURCE = """
    #include <float.h>
    #include <limits.h>
    #include <math.h>

    HPyDef_METH(float_check, "float_check", HPyFunc_O)
    static HPy float_check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyFloat_Check(ctx, arg));
    }

    HPyDef_METH(bool_check, "bool_check", HPyFunc_O)
    static HPy bool_check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyBool_Check(ctx, arg));
    }

    HPyDef_METH(as_double, "as_double", HPyFunc_O)
    static HPy as_double_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        double value = HPyFloat_AsDouble(ctx, arg);
        if (HPyErr_Occurred(ctx)) {
            if (value != -1.0) {
                HPyErr_Clear(ctx);
                HPyErr_SetString(ctx, ctx->h_SystemError, "bad error value");
            }
            return HPy_NULL;
        }
        return HPyFloat_FromDouble(ctx, value);
    }

    static HPy pack(HPyContext *ctx, HPy *items, HPy_ssize_t n)
    {
        HPy result = HPy_NULL;
        for (HPy_ssize_t i = 0; i < n; i++)
            if (HPy_IsNull(items[i]))
                goto done;
        result = HPyTuple_FromArray(ctx, items, n);
    done:
        for (HPy_ssize_t i = 0; i < n; i++)
            HPy_Close(ctx, items[i]);
        return result;
    }

    HPyDef_METH(special_doubles, "special_doubles", HPyFunc_NOARGS)
    static HPy special_doubles_impl(HPyContext *ctx, HPy self)
    {
        HPy items[] = {
            HPyFloat_FromDouble(ctx, HUGE_VAL), HPyFloat_FromDouble(ctx, -HUGE_VAL),
            HPyFloat_FromDouble(ctx, NAN), HPyFloat_FromDouble(ctx, -0.0),
            HPyFloat_FromDouble(ctx, DBL_MAX), HPyFloat_FromDouble(ctx, DBL_MIN),
            HPyFloat_FromDouble(ctx, DBL_TRUE_MIN), HPyFloat_FromDouble(ctx, 0.1),
        };
        return pack(ctx, items, sizeof items / sizeof items[0]);
    }

    HPyDef_METH(bools, "bools", HPyFunc_NOARGS)
    static HPy bools_impl(HPyContext *ctx, HPy self)
    {
        HPy items[] = {
            HPyBool_FromBool(ctx, true), HPyBool_FromBool(ctx, false),
            HPyBool_FromLong(ctx, 0), HPyBool_FromLong(ctx, 1), HPyBool_FromLong(ctx, -1),
            HPyBool_FromLong(ctx, 2), HPyBool_FromLong(ctx, LONG_MIN),
            HPyBool_FromLong(ctx, LONG_MAX),
        };
        return pack(ctx, items, sizeof items / sizeof items[0]);
    }

    @EXPORT(float_check)
    @EXPORT(bool_check)
    @EXPORT(as_double)
    @EXPORT(special_doubles)
    @EXPORT(bools)
    @INIT
"""


def make(hpy):
    return hpy.make_module(SOURCE)


class FloatSubclass(float):
    pass


class HasFloat:
    def __float__(self):
        return 2.5


class HasIndex:
    def __index__(self):
        return 7


class FloatAndIndex:
    """__float__ wins over __index__."""

    def __float__(self):
        return 0.5

    def __index__(self):
        return 9


class BadFloat:
    def __float__(self):
        return 3


class FloatRaises:
    def __float__(self):
        raise KeyError("inner")


def test_float_check(hpy):
    check = make(hpy).float_check
    for yes in (1.5, -0.0, math.inf, FloatSubclass(2)):
        assert check(yes) == 1
    for no in (1, True, "1.5", None, 1j, HasFloat()):
        assert check(no) == 0


def test_from_double_special_values(hpy):
    inf, ninf, nan, nzero, dmax, dmin, tmin, tenth = make(hpy).special_doubles()
    assert inf == math.inf and ninf == -math.inf and math.isnan(nan)
    assert nzero == 0.0 and math.copysign(1.0, nzero) == -1.0
    assert dmax == sys.float_info.max and dmin == sys.float_info.min
    assert tmin == 5e-324 and tenth == 0.1
    assert all(type(v) is float for v in (inf, nan, nzero, dmax, tmin))


def test_as_double(hpy):
    as_double = make(hpy).as_double
    for value in (0.0, -0.0, 1.5, -1e300, math.inf, 5e-324, sys.float_info.max):
        result = as_double(value)
        assert result == value and type(result) is float
        assert math.copysign(1.0, result) == math.copysign(1.0, value)
    assert math.isnan(as_double(math.nan))
    assert as_double(FloatSubclass(4.25)) == 4.25
    assert as_double(3) == 3.0 and as_double(True) == 1.0 and as_double(-2 ** 60) == -2.0 ** 60
    assert as_double(2 ** 53 + 1) == 2.0 ** 53
    assert as_double(HasFloat()) == 2.5
    assert as_double(HasIndex()) == 7.0
    assert as_double(FloatAndIndex()) == 0.5


def test_as_double_errors(hpy):
    as_double = make(hpy).as_double
    with pytest.raises(OverflowError, match="^int too large to convert to float$"):
        as_double(2 ** 1024)
    for bad in ("1.5", None, [1.0]):
        with pytest.raises(TypeError, match=f"^must be real number, not {type(bad).__name__}$"):
            as_double(bad)
    # Python 3.9 (PyPy's level) gives complex a __float__ that raises, in other words.
    with pytest.raises(TypeError):
        as_double(1j)
    with pytest.raises(KeyError, match="inner"):
        as_double(FloatRaises())
    with pytest.raises(TypeError):
        as_double(BadFloat())


@pytest.mark.skipif(not CPYTHON, reason="PyPy words these its own way, in float() too")
def test_as_double_cpython_messages(hpy):
    as_double = make(hpy).as_double
    # 3.15 names the method by its qualified name and words it anew.
    with pytest.raises(TypeError,
                       match=r"^(BadFloat.__float__ returned non-float \(type int\)"
                             r"|(\w+\.)*BadFloat.__float__\(\) must return a float, "
                             r"not int)$"):
        as_double(BadFloat())
    with pytest.raises(TypeError, match="^must be real number, not complex$"):
        as_double(1j)


def test_bool_check(hpy):
    check = make(hpy).bool_check
    assert check(True) == 1 and check(False) == 1
    for no in (0, 1, None, 1.0, "True"):
        assert check(no) == 0


def test_bool_constructors(hpy):
    # The singletons themselves, not merely equal values.
    expected = (True, False, False, True, True, True, True, True)
    got = make(hpy).bools()
    assert len(got) == len(expected)
    assert all(g is e for g, e in zip(got, expected))
