"""Bytes: checks, sizes, buffers and constructors."""
import pytest

SOURCE = """
    HPyDef_METH(check, "check", HPyFunc_O)
    static HPy check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyBytes_Check(ctx, arg));
    }

    HPyDef_METH(size, "size", HPyFunc_O)
    static HPy size_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t n = HPyBytes_Size(ctx, arg);
        if (n == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyLong_FromSsize_t(ctx, n);
    }

    /* The unchecked macros, on a bytes object as they require. */
    HPyDef_METH(unchecked, "unchecked", HPyFunc_O)
    static HPy unchecked_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        if (!HPyBytes_Check(ctx, arg))
            return HPyErr_SetString(ctx, ctx->h_TypeError, "test wants bytes");
        return HPyBytes_FromStringAndSize(ctx, HPyBytes_AS_STRING(ctx, arg),
                                          HPyBytes_GET_SIZE(ctx, arg));
    }

    /* The buffer read up to its NUL terminator, which it must have past its size. */
    HPyDef_METH(as_string, "as_string", HPyFunc_O)
    static HPy as_string_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        const char *s = HPyBytes_AsString(ctx, arg);
        if (s == NULL)
            return HPy_NULL;
        if (s[HPyBytes_Size(ctx, arg)] != '\\0')
            return HPyErr_SetString(ctx, ctx->h_SystemError, "not NUL-terminated");
        return HPyBytes_FromString(ctx, s);
    }

    HPyDef_METH(from_string_and_size, "from_string_and_size", HPyFunc_VARARGS)
    static HPy from_string_and_size_impl(HPyContext *ctx, HPy self, const HPy *args,
                                         size_t nargs)
    {
        if (nargs != 2)
            return HPyErr_SetString(ctx, ctx->h_TypeError, "want 2 arguments");
        HPy_ssize_t size = HPyLong_AsSsize_t(ctx, args[1]);
        if (size == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        /* None stands for a NULL buffer. */
        const char *s = NULL;
        if (!HPy_Is(ctx, args[0], ctx->h_None) && (s = HPyBytes_AsString(ctx, args[0])) == NULL)
            return HPy_NULL;
        return HPyBytes_FromStringAndSize(ctx, s, size);
    }

    HPyDef_METH(from_literals, "from_literals", HPyFunc_NOARGS)
    static HPy from_literals_impl(HPyContext *ctx, HPy self)
    {
        HPy items[] = {
            HPyBytes_FromString(ctx, "abc"),
            HPyBytes_FromString(ctx, ""),
            HPyBytes_FromString(ctx, "\\xff\\x01"),
            HPyBytes_FromStringAndSize(ctx, "a\\0b", 3),
        };
        HPy result = HPy_NULL;
        size_t n = sizeof items / sizeof items[0];
        for (size_t i = 0; i < n; i++)
            if (HPy_IsNull(items[i]))
                goto done;
        result = HPyTuple_FromArray(ctx, items, (HPy_ssize_t)n);
    done:
        for (size_t i = 0; i < n; i++)
            HPy_Close(ctx, items[i]);
        return result;
    }

    @EXPORT(check)
    @EXPORT(size)
    @EXPORT(unchecked)
    @EXPORT(as_string)
    @EXPORT(from_string_and_size)
    @EXPORT(from_literals)
    @INIT
"""


def make(hpy):
    return hpy.make_module(SOURCE)


class BytesSubclass(bytes):
    pass


NOT_BYTES = [("str", "x"), ("bytearray", bytearray(b"x")), ("memoryview", memoryview(b"x")),
             ("NoneType", None), ("int", 1)]


def test_check(hpy):
    check = make(hpy).check
    assert check(b"") == 1 and check(b"ab") == 1 and check(BytesSubclass(b"x")) == 1
    for _, no in NOT_BYTES:
        assert check(no) == 0


def test_size(hpy):
    size = make(hpy).size
    assert size(b"") == 0 and size(b"a\0b") == 3 and size(BytesSubclass(b"xy")) == 2
    for name, bad in NOT_BYTES:
        with pytest.raises(TypeError, match=f"^expected bytes, {name} found$"):
            size(bad)


def test_unchecked_macros(hpy):
    unchecked = make(hpy).unchecked
    for data in (b"", b"abc", b"a\0b\xff", BytesSubclass(b"sub")):
        result = unchecked(data)
        assert result == data and type(result) is bytes


def test_as_string(hpy):
    as_string = make(hpy).as_string
    assert as_string(b"abc") == b"abc"
    assert as_string(b"") == b""
    assert as_string(b"ab\0cd") == b"ab"
    assert as_string(BytesSubclass(b"xy")) == b"xy"
    for name, bad in NOT_BYTES:
        with pytest.raises(TypeError, match=f"^expected bytes, {name} found$"):
            as_string(bad)


def test_from_string_and_size(hpy):
    mod = make(hpy)
    assert mod.from_string_and_size(b"ab\0cd", 5) == b"ab\0cd"
    assert mod.from_string_and_size(b"abcdef", 2) == b"ab"
    assert mod.from_string_and_size(b"abc", 0) == b""
    # CPython would hand back uninitialised memory, which an extension could not fill in;
    # HPy 0.9 refuses NULL with any size.
    for size in (4, 0, -1):
        with pytest.raises(ValueError,
                           match=r"^NULL char \* passed to HPyBytes_FromStringAndSize$"):
            mod.from_string_and_size(None, size)
    with pytest.raises(SystemError, match="^Negative size passed to PyBytes_FromStringAndSize$"):
        mod.from_string_and_size(b"abc", -1)


def test_from_string(hpy):
    assert make(hpy).from_literals() == (b"abc", b"", b"\xff\x01", b"a\0b")
