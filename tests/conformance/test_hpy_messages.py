"""HPy projects' wording: an extension compiled with HANDLEPY_HPY_MESSAGES (what the HPy
route of handlepy's build tools defines: ``hpy_ext_modules``, HPy's ``hpy.devel``) gets
HPy 0.9's messages from HPyArg_Parse*, HPy_BuildValue and a module method of unknown
signature; the same source without it gets the running CPython's (test_argparse.py and
test_buildvalue.py check those in full). The exception types are the same either way."""
from pathlib import Path

import pytest

HARNESS = (Path(__file__).parent / "argparse_harness.c").read_text()

BUILD = r"""
/* build(case): HPy_BuildValue with one of the formats below. */
HPyDef_METH(build, "build", HPyFunc_O)
static HPy build_impl(HPyContext *ctx, HPy self, HPy arg)
{
    switch (HPyLong_AsLong(ctx, arg)) {
    case 0: return HPy_BuildValue(ctx, "(q)", 42);
    case 1: return HPy_BuildValue(ctx, "(i", 42);
    case 2: return HPy_BuildValue(ctx, "[i", 42);
    case 3: return HPy_BuildValue(ctx, "(i]", 42);
    case 4: return HPy_BuildValue(ctx, "[i)", 42);
    case 5: return HPy_BuildValue(ctx, "N", 42);
    case 6: return HPy_BuildValue(ctx, "{i:i", 1, 2);
    case 7: return HPy_BuildValue(ctx, "{i:i,,}", 1, 2);
    case 8: return HPy_BuildValue(ctx, "{i:ii,}", 1, 2, 3);
    case 9: return HPy_BuildValue(ctx, "{i}", 1);
    case 10: return HPy_BuildValue(ctx, "O", HPy_NULL);
    case 11: return HPy_BuildValue(ctx, "{i:i, i:i,}", 1, 2, 3, 4);
    case 12: return HPy_BuildValue(ctx, "{s:i,s:[i,i]}", "a", 1, "b", 2, 3);
    }
    return HPy_NULL;
}

static HPyDef *defines[] = {&parse, &parse_kw, &parse_dict, &build, NULL};
static HPyModuleDef def = {.defines = defines};
HPy_MODINIT(@NAME@, def)
"""

HPY_WORDS = '#define HANDLEPY_HPY_MESSAGES\n#include "hpy.h"\n'


@pytest.fixture(params=["hpy", "cpython"])
def wording(request, hpy):
    """The module in each wording, and which wording it is."""
    prefix = HPY_WORDS if request.param == "hpy" else '#include "hpy.h"\n'
    return request.param, hpy.make_module(prefix + HARNESS + BUILD)


def raises(exc, func, *args, **kwargs):
    with pytest.raises(exc) as info:
        func(*args, **kwargs)
    return str(info.value)


# (call, exception, HPy 0.9's message, CPython's message); `m` is the module.
PARSE_CASES = [
    (lambda m: m.parse("OO:two_add"), TypeError,
     "two_add() required positional argument missing",
     "two_add() takes exactly 2 arguments (0 given)"),
    (lambda m: m.parse("OOO"), TypeError,
     "function required positional argument missing",
     "function takes exactly 3 arguments (0 given)"),
    (lambda m: m.parse("OO:two_add", 1, 2, 3), TypeError,
     "two_add() mismatched args (too many arguments for fmt)",
     "two_add() takes exactly 2 arguments (3 given)"),
    (lambda m: m.parse("OOO;my-error-message", 1), TypeError,
     "my-error-message", "my-error-message"),
    (lambda m: m.parse("b", 256), OverflowError,
     "function unsigned byte integer is greater than maximum",
     "unsigned byte integer is greater than maximum"),
    (lambda m: m.parse("b:f", -1), OverflowError,
     "f() unsigned byte integer is less than minimum",
     "unsigned byte integer is less than minimum"),
    (lambda m: m.parse("h", 2 ** 15), OverflowError,
     "function signed short integer is greater than maximum",
     "signed short integer is greater than maximum"),
    (lambda m: m.parse("i", -2 ** 31 - 1), OverflowError,
     "function signed integer is less than minimum",
     "signed integer is less than minimum"),
    (lambda m: m.parse("s", b"x"), TypeError,
     "function a str is required", "argument 1 must be str, not bytes"),
    (lambda m: m.parse("s", "a\0b"), ValueError,
     "function embedded null character", "embedded null character"),
    (lambda m: m.parse("O$O:two_add", 1, 2), SystemError,
     "two_add() unknown arg format code",
     "HPyArg_Parse: '$' is misplaced or not a format unit it supports "
     "(format \"O$O:two_add\")"),
    (lambda m: m.parse_kw("ZZ:two_add", ("a", "b"), "a"), SystemError,
     "two_add() unknown arg format code",
     "HPyArg_ParseKeywords: 'Z' is misplaced or not a format unit it supports "
     "(format \"ZZ:two_add\")"),
    (lambda m: m.parse_kw("OO:add_two", ("a", "b"), 1), TypeError,
     "add_two() no value for required argument",
     "add_two() missing required argument 'b' (pos 2)"),
    (lambda m: m.parse_kw("O|O", ("", "b"), a=1, b=2), TypeError,
     "function no value for required argument",
     "function takes at least 1 positional argument (0 given)"),
    (lambda m: m.parse_kw("O$O", ("a", "b"), 1, 2), TypeError,
     "function keyword only argument passed as positional argument",
     "function takes exactly 1 positional argument (2 given)"),
    (lambda m: m.parse_kw("lll", ("", "b", "")), SystemError,
     "function empty keyword parameter name", "Empty keyword parameter name"),
    (lambda m: m.parse_dict("OO:add_two", ("a", "b"), (1,), None), TypeError,
     "add_two() no value for required argument",
     "add_two() missing required argument 'b' (pos 2)"),
]


@pytest.mark.parametrize("case", range(len(PARSE_CASES)))
def test_argument_parsers(wording, case):
    words, m = wording
    call, exc, hpy_message, cpython_message = PARSE_CASES[case]
    assert raises(exc, call, m) == (hpy_message if words == "hpy" else cpython_message)


def test_argument_parsers_succeed_alike(wording):
    _, m = wording
    assert m.parse("bhis|O", 1, 2, 3, "x") == (1, 2, 3, "x", ...)
    assert m.parse_kw("O|O$O", ("a", "b", "c"), 1, c=3) == (1, ..., 3)
    assert m.parse_dict("O|O", ("a", "b"), (1,), {"b": 2}) == (1, 2)


BUILD_CASES = {
    0: ("bad format char 'q' in the format string passed to HPy_BuildValue",
        "bad format char passed to Py_BuildValue"),
    1: ("unmatched '(' in the format string passed to HPy_BuildValue",
        "unmatched paren in format"),
    2: ("unmatched '[' in the format string passed to HPy_BuildValue",
        "unmatched paren in format"),
    3: ("unmatched '(' in the format string passed to HPy_BuildValue",
        "unmatched paren in format"),
    4: ("unmatched '[' in the format string passed to HPy_BuildValue",
        "unmatched paren in format"),
    5: ("HPy_BuildValue does not support the 'N' formatting unit.",
        "HPy_BuildValue does not support 'N': handles are never stolen, so pass the "
        "handle with 'O' and close it after"),
    6: ("unmatched '{' in the format string passed to HPy_BuildValue",
        "unmatched paren in format"),
    8: ("missing ',' in the format string passed to HPy_BuildValue", "Bad dict format"),
    9: ("missing ':' in the format string passed to HPy_BuildValue", "Bad dict format"),
    10: ("HPy_NULL object passed to HPy_BuildValue", "NULL object passed to Py_BuildValue"),
}


@pytest.mark.parametrize("case", sorted(BUILD_CASES))
def test_build_value_errors(wording, case):
    words, m = wording
    hpy_message, cpython_message = BUILD_CASES[case]
    assert raises(SystemError, m.build, case) == (
        hpy_message if words == "hpy" else cpython_message)


def test_build_value_dicts(wording):
    """HPy 0.9 reads a dict's format its own way: one ',' between items, and one more
    allowed before the '}'; CPython takes any run of separators between items, and none
    before the '}'."""
    words, m = wording
    assert m.build(12) == {"a": 1, "b": [2, 3]}
    if words == "hpy":
        assert m.build(11) == {1: 2, 3: 4}
        assert raises(SystemError, m.build, 7) == (
            "unexpected ',' in the format string passed to HPy_BuildValue")
    else:
        assert raises(SystemError, m.build, 11) == "Unmatched paren in format"
        assert raises(SystemError, m.build, 7) == "Unmatched paren in format"


UNSUPPORTED = r"""
HPyDef f = {
    .kind = HPyDef_Kind_Meth,
    .meth = {.name = "f", .impl = NULL, .signature = (HPyFunc_Signature)1234},
};
static HPyDef *defines[] = {&f, NULL};
static HPyModuleDef def = {.defines = defines};
HPy_MODINIT(@NAME@, def)
"""


@pytest.mark.parametrize("words", ["hpy", "cpython"])
def test_unsupported_method_signature(hpy, words):
    prefix = HPY_WORDS if words == "hpy" else '#include "hpy.h"\n'
    with pytest.raises(ValueError) as info:
        hpy.make_module(prefix + UNSUPPORTED)
    assert str(info.value) == ("Unsupported HPyMeth signature" if words == "hpy" else
                               "method 'f' has an unsupported HPyMeth signature 1234")
