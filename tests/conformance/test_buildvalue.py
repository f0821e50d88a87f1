"""HPy_BuildValue: every format unit HPy 0.9 documents (plus ``s``), and CPython's errors."""
import platform
import sys

import pytest

IS_CPYTHON = platform.python_implementation() == "CPython"

# (C arguments after ctx, the value Python sees). `obj` is a str handle the test owns.
CASES = [
    ('""', None),
    ('"i", 42', 42),
    ('"i", INT_MIN', -2**31),
    ('"l", LONG_MIN', -2**63),
    ('"I", UINT_MAX', 2**32 - 1),
    ('"k", ULONG_MAX', 2**64 - 1),
    ('"L", LLONG_MIN', -2**63),
    ('"K", ULLONG_MAX', 2**64 - 1),
    ('"n", (HPy_ssize_t)INTPTR_MIN', -2**63),
    ('"f", 1.5f', 1.5),
    ('"d", -0.25', -0.25),
    ('"s", "h\\xc3\\xa9"', "h\u00e9"),
    ('"s", (const char *)NULL', None),
    ('"O", obj', "obj"),
    ('"S", obj', "obj"),
    ('"ii", 1, 2', (1, 2)),
    ('"()"', ()),
    ('"(i)", 7', (7,)),
    ('"[]"', []),
    ('"[i]", 7', [7]),
    ('"[i,s]", 1, "a"', [1, "a"]),
    ('"{}"', {}),
    ('"{s:i,s:O}", "a", 1, "b", obj', {"a": 1, "b": "obj"}),
    ('"((ii)[d]{i:(i)})", 1, 2, 3.0, 4, 5', ((1, 2), [3.0], {4: (5,)})),
    # CPython's separators: commas, colons and blanks anywhere between units.
    ('"i, i :i\\ti", 1, 2, 3, 4', (1, 2, 3, 4)),
    ('"{ii}", 1, 2', {1: 2}),
    # Letters first, then a container: the flat start is counted apart from the rest.
    ('"Oi(i)[s]", obj, 1, 2, "a"', ("obj", 1, (2,), ["a"])),
    ('"iI{s:i}", 1, 2u, "a", 3', (1, 2, {"a": 3})),
    # One unit gives its value; what follows it at the top level is not read.
    ('"i)", 5', 5),
]

ERRORS = [
    ('"x"', SystemError, "bad format char passed to Py_BuildValue"),
    ('"(ix)", 1', SystemError, "bad format char passed to Py_BuildValue"),
    ('"s#", "abc", (HPy_ssize_t)2', SystemError, "bad format char passed to Py_BuildValue"),
    ('"(i", 1', SystemError, "unmatched paren in format"),
    ('"[i)", 1', SystemError, "unmatched paren in format"),
    ('"{i:i", 1, 2', SystemError, "unmatched paren in format"),
    ('"ii)", 1, 2', SystemError, "Unmatched paren in format"),
    ('"ii(i", 1, 2, 3', SystemError, "unmatched paren in format"),
    ('"{i}", 1', SystemError, "Bad dict format"),
    ('"O", HPy_NULL', SystemError, "NULL object passed to Py_BuildValue"),
    ('"[iO]", 1, HPy_NULL', SystemError, "NULL object passed to Py_BuildValue"),
    ('"N", obj', SystemError, "does not support 'N'"),
    ('"s", "\\xff"', UnicodeDecodeError, "can't decode byte 0xff"),
    ('"{O:i}", empty_list, 1', TypeError, "unhashable type: 'list'"),
]


def _source(cases):
    lines = "".join(f"    case {i}: result = HPy_BuildValue(ctx, {args}); break;\n"
                    for i, (args, *_) in enumerate(cases))
    return """
    #include <limits.h>

    HPyDef_METH(build, "build", HPyFunc_O)
    static HPy build_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy obj = HPyUnicode_FromString(ctx, "obj");
        HPy empty_list = HPyList_New(ctx, 0);
        HPy result = HPy_NULL;
        switch (HPyLong_AsLong(ctx, arg)) {
    """ + lines + """
        default: HPyErr_SetString(ctx, ctx->h_IndexError, "no such case");
        }
        HPy_Close(ctx, obj);
        HPy_Close(ctx, empty_list);
        return result;
    }

    /* The NULL handle of a failed call: its exception must come out unchanged. */
    HPyDef_METH(build_after_error, "build_after_error", HPyFunc_NOARGS)
    static HPy build_after_error_impl(HPyContext *ctx, HPy self)
    {
        HPy failed = HPyErr_SetString(ctx, ctx->h_KeyError, "from the caller");
        return HPy_BuildValue(ctx, "(i{s:O})", 1, "k", failed);
    }

    HPyDef_METH(build_twice, "build_twice", HPyFunc_O)
    static HPy build_twice_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPy_BuildValue(ctx, "(OS[O]{O:O})", arg, arg, arg, arg, arg);
    }

    @EXPORT(build)
    @EXPORT(build_after_error)
    @EXPORT(build_twice)
    @INIT
    """


@pytest.fixture
def values(hpy):
    return hpy.make_module(_source(CASES))


@pytest.fixture
def errors(hpy):
    return hpy.make_module(_source(ERRORS))


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c[0] for c in CASES])
def test_build_value(values, index):
    result = values.build(index)
    expected = CASES[index][1]
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("index", range(len(ERRORS)), ids=[e[0] for e in ERRORS])
def test_build_value_errors(errors, index):
    _, exc, message = ERRORS[index]
    with pytest.raises(exc) as info:
        errors.build(index)
    assert message in str(info.value)


def test_null_handle_keeps_the_callers_exception(values):
    with pytest.raises(KeyError, match="from the caller"):
        values.build_after_error()


def test_handles_are_duplicated_never_stolen(values):
    obj = ("a", "tuple")
    result = values.build_twice(obj)
    assert result == (obj, obj, [obj], {obj: obj})
    assert all(x is obj for x in result[:2])
    if IS_CPYTHON:
        before = sys.getrefcount(obj)
        for _ in range(100):
            values.build_twice(obj)
        assert sys.getrefcount(obj) == before


CPYTHON_FORMAT_ERRORS = [(b"x",), (b"(i", 1), (b"ii)", 1, 2), (b"{i}", 1), (b"[i)", 1)]


@pytest.mark.skipif(not IS_CPYTHON, reason="compares with CPython's Py_BuildValue via ctypes")
@pytest.mark.parametrize("args", CPYTHON_FORMAT_ERRORS, ids=lambda a: a[0].decode())
def test_messages_are_cpythons(errors, args):
    import ctypes

    build = ctypes.pythonapi.Py_BuildValue
    build.restype = ctypes.py_object
    with pytest.raises(SystemError) as cpython:
        build(*args)
    c_args = '"' + args[0].decode() + '"' + "".join(f", {a}" for a in args[1:])
    index = [e[0] for e in ERRORS].index(c_args)
    with pytest.raises(SystemError) as ours:
        errors.build(index)
    assert str(ours.value) == str(cpython.value)
