"""HPy_NULL where CPython's C API checks for NULL: the same exception (or result) in every
ABI and on every host. PyPy's cpyext dereferences NULL in these calls, so the mappings
check it there themselves; HPy_Dup accepts HPy_NULL as HPy 0.9's does."""
import re

import pytest

# (C expression with the handle `o` (an int) at hand, kind of its result)
CALLS = [
    ("HPy_GetItem(ctx, HPy_NULL, o)", "HPy"),
    ("HPy_GetItem(ctx, o, HPy_NULL)", "HPy"),
    ("HPy_GetItem_i(ctx, HPy_NULL, 0)", "HPy"),
    ("HPy_GetItem_s(ctx, HPy_NULL, \"a\")", "HPy"),
    ("HPy_SetItem(ctx, HPy_NULL, o, o)", "int"),
    ("HPy_SetItem(ctx, o, HPy_NULL, o)", "int"),
    ("HPy_SetItem(ctx, o, o, HPy_NULL)", "int"),
    ("HPy_SetItem_i(ctx, HPy_NULL, 0, o)", "int"),
    ("HPy_SetItem_s(ctx, HPy_NULL, \"a\", o)", "int"),
    ("HPy_DelItem(ctx, HPy_NULL, o)", "int"),
    ("HPy_DelItem(ctx, o, HPy_NULL)", "int"),
    ("HPy_DelItem_i(ctx, HPy_NULL, 0)", "int"),
    ("HPy_Length(ctx, HPy_NULL)", "int"),
    ("HPy_Negative(ctx, HPy_NULL)", "HPy"),
    ("HPy_Positive(ctx, HPy_NULL)", "HPy"),
    ("HPy_Absolute(ctx, HPy_NULL)", "HPy"),
    ("HPy_Invert(ctx, HPy_NULL)", "HPy"),
    ("HPy_Index(ctx, HPy_NULL)", "HPy"),
    ("HPy_Long(ctx, HPy_NULL)", "HPy"),
    ("HPy_Float(ctx, HPy_NULL)", "HPy"),
    ("HPy_RichCompare(ctx, HPy_NULL, o, HPy_EQ)", "HPy"),
    ("HPy_RichCompare(ctx, o, HPy_NULL, HPy_LT)", "HPy"),
    ("HPy_RichCompareBool(ctx, HPy_NULL, o, HPy_EQ)", "int"),
    ("HPy_RichCompareBool(ctx, o, HPy_NULL, HPy_NE)", "int"),
    ("HPyLong_AsLong(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsUnsignedLong(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsUnsignedLongMask(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsLongLong(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsUnsignedLongLong(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsUnsignedLongLongMask(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsInt32_t(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsUInt32_t(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsUInt32_tMask(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsInt64_t(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsUInt64_t(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsUInt64_tMask(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsSize_t(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsSsize_t(ctx, HPy_NULL)", "int"),
    ("HPyLong_AsDouble(ctx, HPy_NULL)", "double"),
    ("HPyFloat_AsDouble(ctx, HPy_NULL)", "double"),
    ("HPyUnicode_FromEncodedObject(ctx, HPy_NULL, NULL, NULL)", "HPy"),
    ("HPy_Repr(ctx, HPy_NULL)", "HPy"),
    ("HPy_Str(ctx, HPy_NULL)", "HPy"),
    ("HPy_ASCII(ctx, HPy_NULL)", "HPy"),
    ("HPy_Bytes(ctx, HPy_NULL)", "HPy"),
    ("HPyCallable_Check(ctx, HPy_NULL)", "int"),
    ("HPy_Dup(ctx, HPy_NULL)", "HPy"),
    ("HPyErr_SetString(ctx, HPy_NULL, \"lost\")", "HPy"),
    ("HPyErr_SetObject(ctx, HPy_NULL, o)", "HPy"),
]

NULL_ROUTINE = ("SystemError", r"null argument to internal routine")
# CPython's message starts with the C file and line that raised it.
BAD_INTERNAL_CALL = ("SystemError", r"([\w/.]+:\d+: )?bad argument to internal function")
NOT_AN_EXCEPTION = ("SystemError",
                    r"_PyErr_SetObject: exception <NULL> is not a BaseException subclass")


def expected(call):
    name = call.split("(")[0]
    if name in ("HPy_Repr", "HPy_Str", "HPy_ASCII"):
        return "<NULL>"
    if name == "HPy_Bytes":
        return b"<NULL>"
    if name == "HPyCallable_Check":
        return 0
    if name == "HPy_Dup":
        return "HPy_NULL"
    if name in ("HPyErr_SetString", "HPyErr_SetObject"):
        return NOT_AN_EXCEPTION
    if name.startswith("HPy_RichCompare") or name.startswith("HPyLong_As") or \
            name == "HPyUnicode_FromEncodedObject":
        return BAD_INTERNAL_CALL
    if name == "HPyFloat_AsDouble":
        return ("TypeError", r"bad argument type for built-in operation")
    return NULL_ROUTINE


def case(i, call, kind):
    if kind == "HPy":
        return (f"    case {i}: {{ HPy r = {call};\n"
                f"        if (HPy_IsNull(r) && !HPyErr_Occurred(ctx))\n"
                f"            return HPyUnicode_FromString(ctx, \"HPy_NULL\");\n"
                f"        return r; }}\n")
    if kind == "int":
        # The unsigned ones fail with their all-ones value, which is no -1 here.
        return (f"    case {i}: {{ long long r = (long long){call};\n"
                f"        if (HPyErr_Occurred(ctx)) return HPy_NULL;\n"
                f"        return HPyLong_FromLongLong(ctx, r); }}\n")
    return (f"    case {i}: {{ double r = {call};\n"
            f"        if (r == -1.0 && HPyErr_Occurred(ctx)) return HPy_NULL;\n"
            f"        return HPyFloat_FromDouble(ctx, r); }}\n")


SOURCE = (
    "HPyDef_METH(call, \"call\", HPyFunc_VARARGS)\n"
    "static HPy call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)\n"
    "{\n"
    "    HPy o = args[1];\n"
    "    switch (HPyLong_AsLong(ctx, args[0])) {\n"
    + "".join(case(i, call, kind) for i, (call, kind) in enumerate(CALLS)) +
    "    }\n"
    "    return HPyErr_SetString(ctx, ctx->h_ValueError, \"no such call\");\n"
    "}\n"
    "@EXPORT(call)\n"
    "@INIT\n")


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


@pytest.mark.parametrize("index", range(len(CALLS)), ids=[call for call, _ in CALLS])
def test_null_handle(mod, index):
    want = expected(CALLS[index][0])
    try:
        got = mod.call(index, 1)
    except Exception as e:  # the exception is the result under test
        assert isinstance(want, tuple), f"raised {e!r}, expected {want!r}"
        assert type(e).__name__ == want[0]
        assert re.fullmatch(want[1], str(e)), str(e)
    else:
        assert got == want
