"""HPyArg_Parse, HPyArg_ParseKeywords and HPyArg_ParseKeywordsDict: every format unit,
the optional, keyword-only and positional-only markers, and CPython's error messages word
for word. Where the host has ctypes.pythonapi, Hypothesis compares random formats and
calls against CPython's own PyArg_ParseTuple and PyArg_ParseTupleAndKeywords."""
import math
import platform
import sys
import warnings
from pathlib import Path

import pytest
from argparse_reference import UNITS, available, parse_outcome, reference

# The generic parsers (parse, parse_kw, parse_dict) come from argparse_harness.c, which
# the fuzz target shares; the definitions below are this module's own.
HARNESS = (Path(__file__).parent / "argparse_harness.c").read_text()


def invalid_keyword(name, where):
    """CPython's message for a keyword no parameter has, in the running version's words."""
    if sys.version_info >= (3, 13):
        return f"{where} got an unexpected keyword argument '{name}'"
    return f"'{name}' is an invalid keyword argument for {where}"


SOURCE = HARNESS + r"""
/* The tracker is optional (but for 'O' units in the keyword parsers); after a failure
 * it is closed and null. */
HPyDef_METH(tracker_states, "tracker_states", HPyFunc_VARARGS)
static HPy tracker_states_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    long a = 0, b = 0, c = 0;
    HPy obj = HPy_NULL;
    int no_tracker = HPyArg_Parse(ctx, NULL, args, nargs, "l|O", &a, &obj);
    HPyErr_Clear(ctx);
    static const char *kw[] = {"a", "b", NULL};
    int no_tracker_kw = HPyArg_ParseKeywords(ctx, NULL, args, nargs, HPy_NULL, "l|l", kw,
                                             &b, &c);
    HPyErr_Clear(ctx);
    HPyTracker ht = {-1};
    int ok = HPyArg_Parse(ctx, &ht, args, nargs, "l|O", &a, &obj);
    HPyErr_Clear(ctx);
    int null_after = HPy_IsNull(ht);
    if (ok)
        HPyTracker_Close(ctx, ht);
    return HPyTuple_Pack(ctx, 4, no_tracker ? ctx->h_True : ctx->h_False,
                         no_tracker_kw ? ctx->h_True : ctx->h_False,
                         ok ? ctx->h_True : ctx->h_False,
                         null_after ? ctx->h_True : ctx->h_False);
}

/* A typical method: scale(x, y=0, *, factor=1.0) -> (x + y) * factor. */
HPyDef_METH(scale, "scale", HPyFunc_KEYWORDS)
static HPy scale_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    static const char *kw[] = {"x", "y", "factor", NULL};
    long x, y = 0;
    double factor = 1.0;
    if (!HPyArg_ParseKeywords(ctx, NULL, args, nargs, kwnames, "l|l$d:scale", kw, &x, &y,
                              &factor))
        return HPy_NULL;
    return HPyFloat_FromDouble(ctx, (double)(x + y) * factor);
}

/* More keyword arguments than fit the parser's small buffer. */
HPyDef_METH(many, "many", HPyFunc_KEYWORDS)
static HPy many_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    static const char *kw[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", NULL};
    long v[12] = {0};
    if (!HPyArg_ParseKeywords(ctx, NULL, args, nargs, kwnames, "|llllllllllll:many", kw,
                              &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
                              &v[9], &v[10], &v[11]))
        return HPy_NULL;
    long total = 0;
    for (int i = 0; i < 12; i++)
        total = total * 2 + v[i];
    return HPyLong_FromLong(ctx, total);
}

/* call(callable, args, kwnames): a vectorcall with a kwnames tuple of our choosing;
 * the keyword values follow args. */
HPyDef_METH(call, "call", HPyFunc_VARARGS)
static HPy call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy items[MAX_UNITS];
    HPy_ssize_t n = HPy_Length(ctx, args[1]);
    for (HPy_ssize_t i = 0; i < n; i++)
        items[i] = HPy_GetItem_i(ctx, args[1], i);
    HPy_ssize_t nkw = HPy_Length(ctx, args[2]);
    HPy result = HPy_Call(ctx, args[0], items, (size_t)(n - nkw), args[2]);
    for (HPy_ssize_t i = 0; i < n; i++)
        HPy_Close(ctx, items[i]);
    return result;
}

@EXPORT(call)
@EXPORT(parse)
@EXPORT(parse_kw)
@EXPORT(parse_dict)
@EXPORT(tracker_states)
@EXPORT(scale)
@EXPORT(many)
@INIT
"""

IS_PYPY = platform.python_implementation() == "PyPy"


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def outcome(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except Exception as e:  # the exception is the result under test
        return type(e).__name__, str(e)


# ---- every unit -------------------------------------------------------------------

@pytest.mark.parametrize("unit, value, expected", [
    ("b", 0, 0), ("b", 255, 255),
    ("B", 256 + 7, 7), ("B", -1, 255), ("B", 2**70 + 3, 3),
    ("h", -2**15, -2**15), ("h", 2**15 - 1, 2**15 - 1),
    ("H", -1, 2**16 - 1), ("H", 2**40 + 7, 7),
    ("i", -2**31, -2**31), ("i", 2**31 - 1, 2**31 - 1), ("i", True, 1),
    ("I", -1, 2**32 - 1), ("I", -2**70 - 5, 2**32 - 5),
    ("l", -2**63, -2**63), ("l", 2**63 - 1, 2**63 - 1),
    ("k", -1, 2**64 - 1), ("k", 2**64 + 9, 9),
    ("L", -2**63, -2**63), ("L", 2**63 - 1, 2**63 - 1),
    ("K", -2**70 - 5, 2**64 - 5),
    ("n", -2**63, -2**63), ("n", 2**63 - 1, 2**63 - 1),
    ("f", 1.5, 1.5), ("f", 1e300, math.inf), ("f", 3, 3.0),
    ("d", 0.1, 0.1), ("d", 2**53, 2.0**53), ("d", -math.inf, -math.inf),
    ("p", [], 0), ("p", [0], 1), ("p", None, 0), ("p", "x", 1),
    ("s", "héllo", "héllo"), ("s", "", ""),
])
def test_unit_values(mod, unit, value, expected):
    assert mod.parse(unit, value) == (expected,)
    assert mod.parse_kw(unit, ("a",), a=value) == (expected,)


def test_object_unit_is_the_argument(mod):
    obj = object()
    assert mod.parse("O", obj)[0] is obj
    assert mod.parse_kw("O", ("a",), a=obj)[0] is obj


class Index:
    def __index__(self):
        return 7


class Real:
    def __float__(self):
        return 2.5


@pytest.mark.parametrize("unit", "bBhHiIlLn")
def test_integer_units_take_index(mod, unit):
    assert mod.parse(unit, Index()) == (7,)


@pytest.mark.parametrize("unit", "kK")
def test_unsigned_long_units_take_index_from_3_14(mod, unit):
    if sys.version_info >= (3, 14):
        assert mod.parse(unit, Index()) == (7,)
    else:
        with pytest.raises(TypeError, match=r"^argument 1 must be int, not Index$"):
            mod.parse(unit, Index())


@pytest.mark.parametrize("unit, fits, too_big, too_small", [
    ("B", (-2**7, 2**8 - 1), 2**8, -2**7 - 1),
    ("H", (-2**15, 2**16 - 1), 2**16, -2**15 - 1),
    ("I", (-2**31, 2**32 - 1), 2**32, -2**31 - 1),
    ("k", (-2**63, 2**64 - 1), 2**64, -2**63 - 1),
    ("K", (-2**63, 2**64 - 1), 2**70, -2**70),
])
def test_unsigned_units_warn_out_of_range_from_3_15(mod, unit, fits, too_big, too_small):
    # 3.15 still keeps the low bits, but warns for what needs more bytes than the type has.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for value in fits:
            mod.parse(unit, value)
        for value in (too_big, too_small):
            if sys.version_info >= (3, 15):
                with pytest.raises(DeprecationWarning, match="^integer value out of range$"):
                    mod.parse(unit, value)
            else:
                mod.parse(unit, value)
            if available():
                ref = reference(unit, None, (value,), {})
                got = outcome(mod.parse, unit, value)
                assert got == (ref[1:] if ref[0] == "raised" else ref[1])


def test_float_units_take_float_index_and_int(mod):
    assert mod.parse("dd", Real(), Index()) == (2.5, 7.0)
    assert mod.parse("ff", Real(), Index()) == (2.5, 7.0)


@pytest.mark.parametrize("fmt, args, error", [
    ("b:f", (-1,), ("OverflowError", "unsigned byte integer is less than minimum")),
    ("b:f", (256,), ("OverflowError", "unsigned byte integer is greater than maximum")),
    ("h:f", (2**15,), ("OverflowError", "signed short integer is greater than maximum")),
    ("h:f", (-2**15 - 1,), ("OverflowError", "signed short integer is less than minimum")),
    ("i:f", (2**31,), ("OverflowError", "signed integer is greater than maximum")),
    ("i:f", (-2**31 - 1,), ("OverflowError", "signed integer is less than minimum")),
    ("i:f", (2**100,), ("OverflowError", "Python int too large to convert to C long")),
    ("b:f", (2**64,), ("OverflowError", "Python int too large to convert to C long")),
    ("l:f", (2**63,), ("OverflowError", "Python int too large to convert to C long")),
    ("l:f", (-2**63 - 1,), ("OverflowError", "Python int too large to convert to C long")),
    ("L:f", (2**63,), ("OverflowError", "int too big to convert")),
    ("L:f", (-2**63 - 1,), ("OverflowError", "int too big to convert")),
    ("n:f", (2**63,), ("OverflowError", "Python int too large to convert to C ssize_t")),
    ("d:f", (10**400,), ("OverflowError", "int too large to convert to float")),
    ("f:f", (2**1024,), ("OverflowError", "int too large to convert to float")),
    ("i:f", ("x",), ("TypeError", "'str' object cannot be interpreted as an integer")),
    ("n", (1.5,), ("TypeError", "'float' object cannot be interpreted as an integer")),
    ("B", (None,), ("TypeError", "'NoneType' object cannot be interpreted as an integer")),
    ("ik:f", (1, 1.0), ("TypeError", "f() argument 2 must be int, not float")),
    ("K", ("x",), ("TypeError", "argument 1 must be int, not str")),
    ("k", (None,), ("TypeError", "argument 1 must be int, not None")),
    ("d:f", ("x",), ("TypeError", "must be real number, not str")),
    ("f", (None,), ("TypeError", "must be real number, not NoneType")),
    ("s:f", (1,), ("TypeError", "f() argument 1 must be str, not int")),
    ("s:f", (b"x",), ("TypeError", "f() argument 1 must be str, not bytes")),
    ("s:f", (None,), ("TypeError", "f() argument 1 must be str, not None")),
    ("s:f", ("a\0b",), ("ValueError", "embedded null character")),
    ("k;boom", (1.0,), ("TypeError", "boom")),
    ("i;boom", ("x",), ("TypeError", "'str' object cannot be interpreted as an integer")),
])
def test_conversion_errors(mod, fmt, args, error):
    assert outcome(mod.parse, fmt, *args) == error
    kw = tuple("abcdefgh"[:len(args)])
    assert outcome(mod.parse_kw, fmt, kw, *args) == error


def test_type_names_follow_tp_name(mod):
    class Local:
        pass
    import collections
    assert outcome(mod.parse, "s", Local()) == (
        "TypeError", "argument 1 must be str, not Local")
    # A static type outside builtins is named with its module on CPython; PyPy's
    # OrderedDict is a Python class, named without it.
    expected = "OrderedDict" if IS_PYPY else "collections.OrderedDict"
    assert outcome(mod.parse, "s", collections.OrderedDict()) == (
        "TypeError", f"argument 1 must be str, not {expected}")


def test_string_with_surrogate_fails_to_encode(mod):
    with pytest.raises(UnicodeEncodeError):
        mod.parse("s", "\ud800")


def test_truth_errors_propagate(mod):
    class Bad:
        def __bool__(self):
            raise ZeroDivisionError("no truth")
    with pytest.raises(ZeroDivisionError, match="no truth"):
        mod.parse("p", Bad())


def test_index_errors_propagate(mod):
    class Bad:
        def __index__(self):
            raise KeyError("no index")
    with pytest.raises(KeyError, match="no index"):
        mod.parse("i", Bad())


# ---- argument counts: HPyArg_Parse, as PyArg_ParseTuple --------------------------

@pytest.mark.parametrize("fmt, args, message", [
    ("ii", (1,), "function takes exactly 2 arguments (1 given)"),
    ("ii:f", (1,), "f() takes exactly 2 arguments (1 given)"),
    ("ii:f", (1, 2, 3), "f() takes exactly 2 arguments (3 given)"),
    ("i|i:f", (), "f() takes at least 1 argument (0 given)"),
    ("i|i:f", (1, 2, 3), "f() takes at most 2 arguments (3 given)"),
    ("i:f", (1, 2), "f() takes exactly 1 argument (2 given)"),
    (":f", (1,), "f() takes exactly 0 arguments (1 given)"),
    ("", (1,), "function takes exactly 0 arguments (1 given)"),
    ("ii;boom", (1,), "boom"),
    ("i:" + "x" * 300, (1, 2), "x" * 150 + "() takes exactly 1 argument (2 given)"),
])
def test_positional_counts(mod, fmt, args, message):
    assert outcome(mod.parse, fmt, *args) == ("TypeError", message)


def test_positional_optional_left_untouched(mod):
    assert mod.parse("i|iO", 5) == (5, 0, ...)
    assert mod.parse("|s") == (...,)


# ---- HPyArg_ParseKeywords, as PyArg_ParseTupleAndKeywords ------------------------

@pytest.mark.parametrize("fmt, keywords, args, kwargs, message", [
    ("ii", "ab", (1, 2, 3), {}, "function takes at most 2 arguments (3 given)"),
    ("i|i:f", "ab", (1, 2, 3), {}, "f() takes at most 2 arguments (3 given)"),
    ("ii:f", "ab", (1, 2), {"a": 1}, "f() takes at most 2 arguments (3 given)"),
    (":f", "", (), {"a": 1}, "f() takes at most 0 keyword arguments (1 given)"),
    ("i:f", "a", (), {"a": 1, "b": 2}, "f() takes at most 1 keyword argument (2 given)"),
    ("i|i:f", "ab", (), {}, "f() missing required argument 'a' (pos 1)"),
    ("i|i", "ab", (), {}, "function missing required argument 'a' (pos 1)"),
    ("ii:f", "ab", (1,), {"c": 1}, "f() missing required argument 'b' (pos 2)"),
    ("ii:f", "ab", (), {"b": 1}, "f() missing required argument 'a' (pos 1)"),
    ("ii$i", "abc", (1, 2), {}, "function missing required argument 'c' (pos 3)"),
    ("ii;boom", "ab", (1,), {}, "function missing required argument 'b' (pos 2)"),
    ("i|$i:f", "ab", (1, 2), {}, "f() takes at most 1 positional argument (2 given)"),
    ("ii|$i:f", "abc", (1, 2, 3), {}, "f() takes at most 2 positional arguments (3 given)"),
    ("ii$i:f", "abc", (1, 2, 3), {}, "f() takes exactly 2 positional arguments (3 given)"),
    ("|$i:f", "a", (1,), {}, "f() takes no positional arguments"),
    ("|ii:f", "ab", (1,), {"a": 2}, "argument for f() given by name ('a') and position (1)"),
    ("|ii", "ab", (1,), {"a": 2}, "argument for function given by name ('a') and position (1)"),
    ("|ii:f", "ab", (), {"c": 2}, invalid_keyword("c", "f()")),
    ("|ii", "ab", (), {"c": 2}, invalid_keyword("c", "this function")),
    ("|i:f", "a", (), {"é": 2}, invalid_keyword("é", "f()")),
    ("|i:f", "a", (), {"\ud800": 2}, invalid_keyword("\ud800", "f()")),
])
def test_keyword_errors(mod, fmt, keywords, args, kwargs, message):
    assert outcome(mod.parse_kw, fmt, tuple(keywords), *args, **kwargs) == (
        "TypeError", message)


@pytest.mark.parametrize("fmt, keywords, args, kwargs, message", [
    ("ii:f", ("", ""), (1,), {"b": 2}, "f() takes exactly 2 positional arguments (1 given)"),
    ("ii:f", ("", "b"), (), {"a": 1}, "f() takes at least 1 positional argument (0 given)"),
    ("ii|ii:f", ("", "", "c", "d"), (1,), {},
     "f() takes at least 2 positional arguments (1 given)"),
    ("ii|i$i:f", ("", "b", "c", "d"), (), {"b": 2},
     "f() takes at least 1 positional argument (0 given)"),
    ("ii|i$i:f", ("", "", "", "d"), (1, 2, 3, 4), {},
     "f() takes at most 3 positional arguments (4 given)"),
    ("|i:f", ("",), (), {"": 1}, invalid_keyword("", "f()")),
])
def test_positional_only_errors(mod, fmt, keywords, args, kwargs, message):
    assert outcome(mod.parse_kw, fmt, keywords, *args, **kwargs) == ("TypeError", message)


def test_repeated_keyword_names(mod):
    # Only a kwnames tuple built by hand can repeat a name; the interpreter never does.
    # PyPy's vectorcall passes keywords through a dict on the way, so the last one wins
    # before the parser sees them.
    expected = (2, 0) if IS_PYPY else (
        "TypeError", "f() got multiple values for keyword argument 'a'")
    assert outcome(mod.call, mod.parse_kw, ("|ii:f", ("a", "b"), 1, 2), ("a", "a")) == expected


def test_keywords_fill_in_format_order(mod):
    assert mod.parse_kw("iO|dsp", tuple("abcde"), 1, e=[1], c=2, b="x") == (1, "x", 2.0, ..., 1)
    assert mod.parse_kw("i|i$ii", ("", "b", "c", "d"), 1, d=4) == (1, 0, 0, 4)
    assert mod.parse_kw("i|ii", ("", "", "c"), 1) == (1, 0, 0)


def test_conversion_error_position_counts_keywords(mod):
    assert outcome(mod.parse_kw, "|ik:f", ("a", "b"), b=1.0) == (
        "TypeError", "f() argument 2 must be int, not float")


def test_typical_method(mod):
    assert mod.scale(2) == 2.0
    assert mod.scale(2, 3, factor=0.5) == 2.5
    assert mod.scale(y=1, x=2) == 3.0
    with pytest.raises(TypeError, match=r"^scale\(\) takes at most 2 positional arguments "
                                        r"\(3 given\)$"):
        mod.scale(1, 2, 3)
    with pytest.raises(TypeError, match=r"^scale\(\) missing required argument 'x' \(pos 1\)$"):
        mod.scale(factor=2.0)


def test_many_keywords(mod):
    assert mod.many(l=1, a=1) == 2**11 + 1
    assert mod.many(**{k: 1 for k in "abcdefghijkl"}) == 2**12 - 1
    with pytest.raises(TypeError) as error:
        mod.many(a=1, b=1, c=1, d=1, e=1, f=1, g=1, h=1, i=1, m=1)
    assert str(error.value) == invalid_keyword("m", "many()")


def test_tracker_is_optional_and_closed_on_failure(mod):
    assert mod.tracker_states(1) == (True, True, True, False)
    assert mod.tracker_states("x") == (False, False, False, True)


@pytest.mark.parametrize("fmt", ["z", "i$i", "||i", "i|$|i", "y#", "i!"])
def test_bad_formats_raise_system_error(mod, fmt):
    with pytest.raises(SystemError, match="HPyArg_Parse: "):
        mod.parse(fmt, 1, 2)


@pytest.mark.parametrize("fmt, keywords, message", [
    ("z", ("a",), "HPyArg_ParseKeywords: 'z'"),
    ("$$i", ("a",), "HPyArg_ParseKeywords: '\\$'"),
    ("ii", ("a", ""), "Empty keyword parameter name"),
    ("i$i", ("", ""), r"Empty parameter name after \$"),
])
def test_bad_keyword_formats_raise_system_error(mod, fmt, keywords, message):
    with pytest.raises(SystemError, match=message):
        mod.parse_kw(fmt, keywords)


# A keyword list that does not fit the format: HPy 0.9's TypeError, in its words.
@pytest.mark.parametrize("fmt, keywords, message", [
    ("ii", ("a",), "function mismatched args (too few keywords for fmt)"),
    ("ii:f", ("a",), "f() mismatched args (too few keywords for fmt)"),
    ("i", ("a", "b"), "function mismatched args (too many keywords for fmt)"),
    ("|i:f", ("", "b"), "f() mismatched args (too many keywords for fmt)"),
    ("ii;boom", ("a",), "boom"),
])
def test_keywords_not_fitting_the_format_raise_type_error(mod, fmt, keywords, message):
    assert outcome(mod.parse_kw, fmt, keywords, 1) == ("TypeError", message)
    assert outcome(mod.parse_dict, fmt, keywords, (1,), None) == ("TypeError", message)


# ---- 'O' in the keyword parsers: new handles that the tracker owns (HPy 0.9) -------

OWNED = """
    /* HPy's own pattern: the caller closes the handles it parsed from, then uses the
     * outputs, which the tracker still holds. */
    HPyDef_METH(add_dict, "add_dict", HPyFunc_VARARGS)
    static HPy add_dict_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        static const char *kwlist[] = { "a", "b", NULL };
        HPy_ssize_t n = HPy_Length(ctx, args[0]);
        HPy items[4];
        for (HPy_ssize_t i = 0; i < n; i++)
            items[i] = HPy_GetItem_i(ctx, args[0], i);
        HPy a, b = HPy_NULL;
        HPyTracker ht;
        int ok = HPyArg_ParseKeywordsDict(ctx, &ht, items, n, args[1], "O|O", kwlist, &a, &b);
        for (HPy_ssize_t i = 0; i < n; i++)
            HPy_Close(ctx, items[i]);
        if (!ok)
            return HPy_NULL;
        if (HPy_IsNull(b)) {
            b = HPyLong_FromLong(ctx, 5);
            HPyTracker_Add(ctx, ht, b);
        }
        HPy res = HPy_Add(ctx, a, b);
        HPyTracker_Close(ctx, ht);
        return res;
    }

    HPyDef_METH(add_kw, "add_kw", HPyFunc_KEYWORDS)
    static HPy add_kw_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                           HPy kwnames)
    {
        static const char *kwlist[] = { "a", "b", NULL };
        HPy a, b;
        HPyTracker ht;
        if (!HPyArg_ParseKeywords(ctx, &ht, args, nargs, kwnames, "OO", kwlist, &a, &b))
            return HPy_NULL;
        HPy res = HPy_Add(ctx, a, b);
        HPyTracker_Close(ctx, ht);
        return res;
    }

    /* Without a tracker: a format with 'O' units is refused, whatever the call passes. */
    HPyDef_METH(untracked, "untracked", HPyFunc_KEYWORDS)
    static HPy untracked_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                              HPy kwnames)
    {
        static const char *kwlist[] = { "a", "b", NULL };
        long a = 0;
        HPy b = HPy_NULL;
        if (!HPyArg_ParseKeywords(ctx, NULL, args, nargs, kwnames, "l|O", kwlist, &a, &b))
            return HPy_NULL;
        return HPyLong_FromLong(ctx, a);
    }
    @EXPORT(add_dict)
    @EXPORT(add_kw)
    @EXPORT(untracked)
    @INIT
"""


def test_object_outputs_outlive_the_callers_handles(hpy):
    m = hpy.make_module(OWNED)
    assert m.add_dict((), {"a": 3, "b": 2}) == 5
    assert m.add_dict((3, 2), {}) == 5
    assert m.add_dict((), {"a": 3}) == 8
    assert m.add_dict(("x", "y"), {}) == "xy"
    with pytest.raises(TypeError, match=r"^function missing required argument 'a' \(pos 1\)$"):
        m.add_dict((), {})
    assert m.add_kw("x", b="y") == "xy"
    assert m.add_kw(b="y", a="x") == "xy"


def test_object_units_need_a_tracker_in_the_keyword_parsers(hpy, mod):
    m = hpy.make_module(OWNED)
    message = (r"^HPyArg_ParseKeywords: a format with 'O' units needs a tracker, which owns "
               r"the handles they give$")
    with pytest.raises(SystemError, match=message):
        m.untracked(1)
    with pytest.raises(SystemError, match=message):
        m.untracked(1, b=2)
    assert outcome(mod.parse_dict, "|O", ("a",), (), None, False) == (
        "SystemError", "HPyArg_ParseKeywordsDict: a format with 'O' units needs a tracker, "
                       "which owns the handles they give")


# ---- HPyArg_ParseKeywordsDict: keywords in a dict, as tp_new and tp_init get them ----

def test_dict_values(mod):
    obj = object()
    assert mod.parse_dict("iO|ds", tuple("abcd"), (1,), {"b": obj, "d": "x"}) == (
        1, obj, 0.0, "x")
    assert mod.parse_dict("ii", ("a", "b"), (1, 2), None) == (1, 2)
    assert mod.parse_dict("ii", ("a", "b"), (1, 2), {}) == (1, 2)
    assert mod.parse_dict("|i$i", ("a", "b"), (), {"b": 5}) == (0, 5)
    assert mod.parse_dict("i|i", ("", "b"), (3,), {"b": 4}) == (3, 4)


def test_dict_tracker_is_optional_without_object_units(mod):
    # (An 's' output from kw would point into a value whose handle the parser closed.)
    assert mod.parse_dict("i", ("a",), (), {"a": 2}, False) == (2,)
    assert mod.parse_dict("i|i", ("a", "b"), (1,), {"b": 3}, False) == (1, 3)
    for kw in (None, {}, {"b": 1}):
        with pytest.raises(SystemError, match=r"^HPyArg_ParseKeywordsDict: a format with 'O' "
                                              r"units needs a tracker"):
            mod.parse_dict("O|i", ("a", "b"), (object(),), kw, False)


@pytest.mark.parametrize("fmt, keywords, args, kw, error", [
    ("|ii:f", "ab", (), {"c": 2}, ("TypeError", invalid_keyword("c", "f()"))),
    ("|ii", "ab", (), {"c": 2}, ("TypeError", invalid_keyword("c", "this function"))),
    ("|ii:f", "ab", (1,), {"a": 2},
     ("TypeError", "argument for f() given by name ('a') and position (1)")),
    ("|ii:f", "ab", (), {1: 2}, ("TypeError", "keywords must be strings")),
    ("|ii:f", "ab", (), {"a": 1, (): 2}, ("TypeError", "keywords must be strings")),
    ("ii:f", "ab", (1,), {}, ("TypeError", "f() missing required argument 'b' (pos 2)")),
    ("ii:f", "ab", (), {"b": 1}, ("TypeError", "f() missing required argument 'a' (pos 1)")),
    ("i:f", "a", (), {"a": 1, "b": 2},
     ("TypeError", "f() takes at most 1 keyword argument (2 given)")),
    ("i|$i:f", "ab", (1, 2), None,
     ("TypeError", "f() takes at most 1 positional argument (2 given)")),
    ("ii:f", ("", "b"), (), {"a": 1},
     ("TypeError", "f() takes at least 1 positional argument (0 given)")),
    ("|ik:f", "ab", (), {"b": 1.0}, ("TypeError", "f() argument 2 must be int, not float")),
])
def test_dict_errors(mod, fmt, keywords, args, kw, error):
    assert outcome(mod.parse_dict, fmt, tuple(keywords), args, kw) == error
    assert outcome(mod.parse_dict, fmt, tuple(keywords), args, kw, False) == error


def test_dict_kw_must_be_a_dict(mod):
    with pytest.raises(SystemError, match=r"^HPyArg_ParseKeywordsDict: kw must be a dict or "
                                          r"HPy_NULL$"):
        mod.parse_dict("|i", ("a",), (), [("a", 1)])
    with pytest.raises(TypeError, match=r"^function mismatched args \(too many keywords "
                                        r"for fmt\)$"):
        mod.parse_dict("i", ("a", "b"), (1,), None)


def test_dict_in_tp_new(hpy):
    T = hpy.make_module("""
        typedef struct { long x; double y; } PointObject;
        HPyType_HELPERS(PointObject)
        HPyDef_SLOT(P_new, HPy_tp_new)
        static HPy P_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                              HPy kw)
        {
            static const char *keywords[] = {"x", "y", NULL};
            long x;
            double y = 0.5;
            HPyTracker ht;
            if (!HPyArg_ParseKeywordsDict(ctx, &ht, args, nargs, kw, "l|d:Point",
                                          keywords, &x, &y))
                return HPy_NULL;
            HPyTracker_Close(ctx, ht);
            PointObject *p;
            HPy h = HPy_New(ctx, type, &p);
            if (!HPy_IsNull(h)) {
                p->x = x;
                p->y = y;
            }
            return h;
        }
        HPyDef_MEMBER(P_x, "x", HPyMember_LONG, offsetof(PointObject, x))
        HPyDef_MEMBER(P_y, "y", HPyMember_DOUBLE, offsetof(PointObject, y))
        static HPyDef *defines[] = { &P_new, &P_x, &P_y, NULL };
        static HPyType_Spec spec = {
            .name = "mytest.Point", .basicsize = sizeof(PointObject), .defines = defines,
        };
        @EXPORT_TYPE("Point", spec)
        @INIT
    """).Point
    p = T(1, y=2.5)
    assert (p.x, p.y) == (1, 2.5)
    assert (T(x=3).x, T(x=3).y) == (3, 0.5)
    with pytest.raises(TypeError) as error:
        T(1, z=2)
    assert str(error.value) == invalid_keyword("z", "Point()")
    with pytest.raises(TypeError, match=r"^Point\(\) missing required argument 'x' \(pos 1\)$"):
        T(y=1.0)


# ---- against CPython's own parser ----------------------------------------------

try:
    from hypothesis import HealthCheck, given, settings, strategies as st
except ImportError:
    given = None

needs_reference = pytest.mark.skipif(
    not available() or given is None,
    reason="needs ctypes.pythonapi (CPython) and Hypothesis for the reference comparison")


if given is not None:
    EDGES = [0, 1, -1, 127, 128, 255, 256, 2**15 - 1, 2**15, -2**15, -2**15 - 1, 2**16,
             2**31 - 1, 2**31, -2**31, -2**31 - 1, 2**32, 2**63 - 1, 2**63, -2**63,
             -2**63 - 1, 2**64, 2**64 + 1, 10**30, -10**30]
    values = st.one_of(
        st.sampled_from(EDGES), st.integers(), st.sampled_from(EDGES), st.integers(-3, 300),
        st.booleans(), st.none(),
        st.floats(allow_nan=True), st.text(max_size=5), st.sampled_from(["a\0b", "\ud800"]),
        st.binary(max_size=3), st.lists(st.integers(), max_size=2), st.just(Index()),
        st.just(Real()))

    @st.composite
    def positional_calls(draw):
        units = draw(st.text(alphabet=UNITS, max_size=5))
        bar = draw(st.none() | st.integers(0, len(units)))
        fmt = units if bar is None else units[:bar] + "|" + units[bar:]
        fmt += draw(st.sampled_from(["", ":f", ";custom message"]))
        args = draw(st.lists(values, max_size=len(units) + draw(st.sampled_from([0, 0, 0, 1]))))
        return fmt, args

    @st.composite
    def keyword_calls(draw):
        units = draw(st.text(alphabet=UNITS, max_size=5))
        n = len(units)
        pos = draw(st.integers(0, n))
        bar = draw(st.none() | st.integers(0, n))
        dollar = draw(st.none() | st.integers(max(pos, bar or 0), n))
        marks = {}
        if bar is not None:
            marks[bar] = "|"
        if dollar is not None:
            marks[dollar] = marks.get(dollar, "") + "$"
        fmt = "".join(marks.get(i, "") + u for i, u in enumerate(units)) + marks.get(n, "")
        fmt += draw(st.sampled_from(["", ":f", ";custom message"]))
        keywords = [""] * pos + ["a", "b", "c", "d", "e"][pos:n]
        args = draw(st.lists(values, max_size=n + draw(st.sampled_from([0, 0, 0, 1]))))
        valid = [k for k in keywords if k]
        names = st.sampled_from(valid) if valid and draw(st.booleans()) else \
            st.sampled_from(valid + ["zz", "é"])
        kwargs = draw(st.dictionaries(names, values, max_size=3))
        return fmt, keywords, args, kwargs

    slow_fixture = settings(deadline=None, max_examples=300,
                            suppress_health_check=[HealthCheck.function_scoped_fixture])

    @needs_reference
    @slow_fixture
    @given(positional_calls())
    def test_parse_matches_cpython(mod, call):
        fmt, args = call
        assert parse_outcome(mod.parse, fmt, *args) == reference(fmt, None, args, {})

    @needs_reference
    @slow_fixture
    @given(keyword_calls())
    def test_parse_keywords_matches_cpython(mod, call):
        fmt, keywords, args, kwargs = call
        assert parse_outcome(mod.parse_kw, fmt, tuple(keywords), *args, **kwargs) == \
            reference(fmt, keywords, args, kwargs)
else:
    @needs_reference
    def test_parse_matches_cpython():
        pass

    @needs_reference
    def test_parse_keywords_matches_cpython():
        pass
