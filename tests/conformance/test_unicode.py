"""Strings: construction, encoding and decoding, errors, indexing and slicing."""
import re
import sys

import pytest

SOURCE = """
    /* NULL for None, as the C API takes a missing encoding or error handler. */
    static int optional_utf8(HPyContext *ctx, HPy h, const char **out)
    {
        *out = NULL;
        if (HPy_Is(ctx, h, ctx->h_None))
            return 0;
        *out = HPyUnicode_AsUTF8AndSize(ctx, h, NULL);
        return *out == NULL ? -1 : 0;
    }

    static int want_args(HPyContext *ctx, size_t nargs, size_t want)
    {
        if (nargs == want)
            return 0;
        HPyErr_SetString(ctx, ctx->h_TypeError, "wrong number of arguments");
        return -1;
    }

    HPyDef_METH(check, "check", HPyFunc_O)
    static HPy check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyUnicode_Check(ctx, arg));
    }

    HPyDef_METH(from_string, "from_string", HPyFunc_O)
    static HPy from_string_impl(HPyContext *ctx, HPy self, HPy utf8)
    {
        const char *s = HPyBytes_AsString(ctx, utf8);
        return s == NULL ? HPy_NULL : HPyUnicode_FromString(ctx, s);
    }

    HPyDef_METH(from_string_and_size, "from_string_and_size", HPyFunc_VARARGS)
    static HPy from_string_and_size_impl(HPyContext *ctx, HPy self, const HPy *args,
                                         size_t nargs)
    {
        if (want_args(ctx, nargs, 2) < 0)
            return HPy_NULL;
        const char *s = HPyBytes_AsString(ctx, args[0]);
        HPy_ssize_t size = HPyLong_AsSsize_t(ctx, args[1]);
        if (s == NULL || HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyUnicode_FromStringAndSize(ctx, s, size);
    }

    #define UNARY(SYM, FN)                                                          \\
        HPyDef_METH(SYM, #SYM, HPyFunc_O)                                           \\
        static HPy SYM##_impl(HPyContext *ctx, HPy self, HPy arg)                   \\
        {                                                                           \\
            return FN(ctx, arg);                                                    \\
        }
    UNARY(as_ascii, HPyUnicode_AsASCIIString)
    UNARY(as_latin1, HPyUnicode_AsLatin1String)
    UNARY(as_utf8_string, HPyUnicode_AsUTF8String)
    UNARY(encode_fs, HPyUnicode_EncodeFSDefault)

    /* The UTF-8 buffer read with the size the call reports, and up to its first NUL
     * when asked with no size; the buffer must be NUL-terminated either way. */
    HPyDef_METH(as_utf8_and_size, "as_utf8_and_size", HPyFunc_O)
    static HPy as_utf8_and_size_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t size;
        const char *sized = HPyUnicode_AsUTF8AndSize(ctx, arg, &size);
        if (sized == NULL)
            return HPy_NULL;
        const char *unsized = HPyUnicode_AsUTF8AndSize(ctx, arg, NULL);
        if (unsized == NULL)
            return HPy_NULL;
        if (sized[size] != '\\0')
            return HPyErr_SetString(ctx, ctx->h_SystemError, "not NUL-terminated");
        HPy items[2] = {
            HPyBytes_FromStringAndSize(ctx, sized, size),
            HPyBytes_FromString(ctx, unsized),
        };
        HPy result = HPy_IsNull(items[0]) || HPy_IsNull(items[1])
                     ? HPy_NULL : HPyTuple_FromArray(ctx, items, 2);
        HPy_Close(ctx, items[0]);
        HPy_Close(ctx, items[1]);
        return result;
    }

    HPyDef_METH(as_utf8_no_size, "as_utf8_no_size", HPyFunc_O)
    static HPy as_utf8_no_size_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        const char *s = HPyUnicode_AsUTF8AndSize(ctx, arg, NULL);
        return s == NULL ? HPy_NULL : HPyBytes_FromString(ctx, s);
    }

    /* Which wide string to convert, and with what size: C is where they come from. */
    HPyDef_METH(from_wide, "from_wide", HPyFunc_O)
    static HPy from_wide_impl(HPyContext *ctx, HPy self, HPy which)
    {
        static const wchar_t mixed[] = L"h\\u00e9\\u20ac\\U0001F600";
        static const wchar_t with_nul[] = L"ab\\0cd";
        static const wchar_t invalid[] = {L'a', (wchar_t)0x110000, 0};
        switch (HPyLong_AsLong(ctx, which)) {
        case 0: return HPyUnicode_FromWideChar(ctx, mixed, -1);
        case 1: return HPyUnicode_FromWideChar(ctx, mixed, 2);
        case 2: return HPyUnicode_FromWideChar(ctx, with_nul, 5);
        case 3: return HPyUnicode_FromWideChar(ctx, with_nul, -1);
        case 4: return HPyUnicode_FromWideChar(ctx, NULL, 0);
        case 5: return HPyUnicode_FromWideChar(ctx, mixed, 0);
        case 6: return HPyUnicode_FromWideChar(ctx, invalid, -1);
        }
        return HPyErr_Occurred(ctx) ? HPy_NULL
                                    : HPyErr_SetString(ctx, ctx->h_ValueError, "no such case");
    }

    /* NULL buffers and negative sizes, which only C can pass. */
    HPyDef_METH(bad_buffer, "bad_buffer", HPyFunc_O)
    static HPy bad_buffer_impl(HPyContext *ctx, HPy self, HPy which)
    {
        switch (HPyLong_AsLong(ctx, which)) {
        case 0: return HPyUnicode_FromStringAndSize(ctx, NULL, 3);
        case 1: return HPyUnicode_FromStringAndSize(ctx, NULL, 0);
        case 2: return HPyUnicode_DecodeASCII(ctx, "abc", -1, NULL);
        case 3: return HPyUnicode_DecodeLatin1(ctx, "abc", -1, NULL);
        case 4: return HPyUnicode_DecodeUTF8(ctx, "abc", -1, NULL);
        case 5: return HPyUnicode_DecodeFSDefaultAndSize(ctx, "abc", -1);
        case 6: return HPyUnicode_FromWideChar(ctx, L"abc", -2);
        case 7: return HPyUnicode_FromWideChar(ctx, NULL, 3);
        }
        return HPyErr_Occurred(ctx) ? HPy_NULL
                                    : HPyErr_SetString(ctx, ctx->h_ValueError, "no such case");
    }

    HPyDef_METH(decode_fs, "decode_fs", HPyFunc_O)
    static HPy decode_fs_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        const char *s = HPyBytes_AsString(ctx, arg);
        return s == NULL ? HPy_NULL : HPyUnicode_DecodeFSDefault(ctx, s);
    }

    HPyDef_METH(decode_fs_size, "decode_fs_size", HPyFunc_VARARGS)
    static HPy decode_fs_size_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (want_args(ctx, nargs, 2) < 0)
            return HPy_NULL;
        const char *s = HPyBytes_AsString(ctx, args[0]);
        HPy_ssize_t size = HPyLong_AsSsize_t(ctx, args[1]);
        if (s == NULL || HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyUnicode_DecodeFSDefaultAndSize(ctx, s, size);
    }

    HPyDef_METH(read_char, "read_char", HPyFunc_VARARGS)
    static HPy read_char_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (want_args(ctx, nargs, 2) < 0)
            return HPy_NULL;
        HPy_ssize_t index = HPyLong_AsSsize_t(ctx, args[1]);
        if (HPyErr_Occurred(ctx))
            return HPy_NULL;
        HPy_UCS4 c = HPyUnicode_ReadChar(ctx, args[0], index);
        if (HPyErr_Occurred(ctx)) {
            if (c != (HPy_UCS4)-1) {
                HPyErr_Clear(ctx);
                HPyErr_SetString(ctx, ctx->h_SystemError, "bad error value");
            }
            return HPy_NULL;
        }
        return HPyLong_FromUInt32_t(ctx, c);
    }

    /* decode(data, errors): the bytes' buffer and size, errors None for strict. */
    #define DECODE(SYM, FN)                                                         \\
        HPyDef_METH(SYM, #SYM, HPyFunc_VARARGS)                                     \\
        static HPy SYM##_impl(HPyContext *ctx, HPy self, const HPy *args,           \\
                              size_t nargs)                                         \\
        {                                                                           \\
            const char *errors;                                                     \\
            if (want_args(ctx, nargs, 2) < 0                                        \\
                || optional_utf8(ctx, args[1], &errors) < 0)                        \\
                return HPy_NULL;                                                    \\
            const char *s = HPyBytes_AsString(ctx, args[0]);                        \\
            if (s == NULL)                                                          \\
                return HPy_NULL;                                                    \\
            return FN(ctx, s, HPyBytes_Size(ctx, args[0]), errors);                 \\
        }
    DECODE(decode_ascii, HPyUnicode_DecodeASCII)
    DECODE(decode_latin1, HPyUnicode_DecodeLatin1)
    DECODE(decode_utf8, HPyUnicode_DecodeUTF8)

    HPyDef_METH(from_encoded, "from_encoded", HPyFunc_VARARGS)
    static HPy from_encoded_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *encoding, *errors;
        if (want_args(ctx, nargs, 3) < 0 || optional_utf8(ctx, args[1], &encoding) < 0
            || optional_utf8(ctx, args[2], &errors) < 0)
            return HPy_NULL;
        return HPyUnicode_FromEncodedObject(ctx, args[0], encoding, errors);
    }

    HPyDef_METH(substring, "substring", HPyFunc_VARARGS)
    static HPy substring_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (want_args(ctx, nargs, 3) < 0)
            return HPy_NULL;
        HPy_ssize_t start = HPyLong_AsSsize_t(ctx, args[1]);
        HPy_ssize_t end = HPyLong_AsSsize_t(ctx, args[2]);
        if (HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyUnicode_Substring(ctx, args[0], start, end);
    }

    HPyDef_METH(get_length, "get_length", HPyFunc_O)
    static HPy get_length_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t n = HPyUnicode_GetLength(ctx, arg);
        if (n == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyLong_FromSsize_t(ctx, n);
    }

    @EXPORT(check)
    @EXPORT(from_string)
    @EXPORT(from_string_and_size)
    @EXPORT(as_ascii)
    @EXPORT(as_latin1)
    @EXPORT(as_utf8_string)
    @EXPORT(encode_fs)
    @EXPORT(as_utf8_and_size)
    @EXPORT(as_utf8_no_size)
    @EXPORT(from_wide)
    @EXPORT(bad_buffer)
    @EXPORT(decode_fs)
    @EXPORT(decode_fs_size)
    @EXPORT(read_char)
    @EXPORT(decode_ascii)
    @EXPORT(decode_latin1)
    @EXPORT(decode_utf8)
    @EXPORT(from_encoded)
    @EXPORT(substring)
    @EXPORT(get_length)
    @INIT
"""

BAD_ARGUMENT = "^bad argument type for built-in operation$"
MIXED = "h\u00e9\u20ac\U0001F600"


def make(hpy):
    return hpy.make_module(SOURCE)


def raises_like(python_equivalent):
    """Expects what the same operation raises in Python code on this host: the codecs
    word some errors differently on PyPy, in Python and C alike."""
    try:
        python_equivalent()
    except Exception as e:
        return pytest.raises(type(e), match=f"^{re.escape(str(e))}$")
    raise AssertionError("the Python equivalent did not raise")


class StrSubclass(str):
    pass


def test_check(hpy):
    check = make(hpy).check
    assert check("") == 1 and check(MIXED) == 1 and check(StrSubclass("x")) == 1
    for no in (b"x", bytearray(b"x"), None, 1, ["x"]):
        assert check(no) == 0


def test_from_string(hpy):
    mod = make(hpy)
    assert mod.from_string(MIXED.encode()) == MIXED
    assert mod.from_string(b"") == ""
    assert mod.from_string(b"ab\0cd") == "ab"
    with pytest.raises(UnicodeDecodeError, match="^'utf-8' codec can't decode byte 0xff in "
                                                 "position 1: invalid start byte$"):
        mod.from_string(b"a\xff")


def test_from_string_and_size(hpy):
    mod = make(hpy)
    assert mod.from_string_and_size(b"ab\0cd", 5) == "ab\0cd"
    assert mod.from_string_and_size(MIXED.encode(), 3) == "h\u00e9"
    assert mod.from_string_and_size(b"abc", 0) == ""
    # The size cuts a multi-byte sequence short.
    with pytest.raises(UnicodeDecodeError, match="unexpected end of data"):
        mod.from_string_and_size("\u00e9".encode(), 1)
    with pytest.raises(SystemError,
                       match="^Negative size passed to PyUnicode_FromStringAndSize$"):
        mod.from_string_and_size(b"abc", -1)


def test_encode(hpy):
    mod = make(hpy)
    assert mod.as_ascii("abc") == b"abc"
    assert mod.as_latin1("caf\u00e9") == b"caf\xe9"
    assert mod.as_utf8_string(MIXED) == MIXED.encode()
    assert type(mod.as_utf8_string(StrSubclass("x"))) is bytes
    with pytest.raises(UnicodeEncodeError, match=r"^'ascii' codec can't encode character "
                                                 r"'\\xe9' in position 3: ordinal not in "
                                                 r"range\(128\)$"):
        mod.as_ascii("caf\u00e9")
    with raises_like(lambda: "\u20ac".encode("latin-1")):
        mod.as_latin1("\u20ac")
    with pytest.raises(UnicodeEncodeError, match=r"^'utf-8' codec can't encode character "
                                                 r"'\\ud800' in position 1: surrogates not "
                                                 r"allowed$"):
        mod.as_utf8_string("a\ud800")
    for encode in (mod.as_ascii, mod.as_latin1, mod.as_utf8_string):
        with pytest.raises(TypeError, match=BAD_ARGUMENT):
            encode(b"abc")


def test_as_utf8_and_size(hpy):
    mod = make(hpy)
    assert mod.as_utf8_and_size(MIXED) == (MIXED.encode(), MIXED.encode())
    assert mod.as_utf8_and_size("") == (b"", b"")
    # Without the size, an embedded NUL ends the string as C sees it.
    assert mod.as_utf8_and_size("ab\0cd") == (b"ab\0cd", b"ab")
    assert mod.as_utf8_no_size(MIXED) == MIXED.encode()
    for convert in (mod.as_utf8_and_size, mod.as_utf8_no_size):
        with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"):
            convert("a\udc80")
        with pytest.raises(TypeError, match=BAD_ARGUMENT):
            convert(b"abc")


def test_from_wide_char(hpy):
    from_wide = make(hpy).from_wide
    assert from_wide(0) == MIXED
    assert from_wide(1) == "h\u00e9"
    assert from_wide(2) == "ab\0cd"
    assert from_wide(3) == "ab"
    assert from_wide(4) == ""
    assert from_wide(5) == ""
    with pytest.raises(ValueError, match=r"^character U\+110000 is not in range "
                                         r"\[U\+0000; U\+10ffff\]$"):
        from_wide(6)


def test_null_buffers_and_negative_sizes(hpy):
    bad_buffer = make(hpy).bad_buffer
    # Not uninitialised memory, as CPython before 3.12 gave.
    with pytest.raises(SystemError, match="^NULL string with positive size with NULL passed "
                                          "to PyUnicode_FromStringAndSize$"):
        bad_buffer(0)
    assert bad_buffer(1) == ""
    for which in (2, 3, 4, 5, 6):
        with pytest.raises(SystemError, match="^Negative size passed to PyUnicode_New$"):
            bad_buffer(which)
    with pytest.raises(SystemError, match="bad argument to internal function$"):
        bad_buffer(7)


def test_fs_default(hpy):
    mod = make(hpy)
    fs = sys.getfilesystemencoding()
    name = "caf\u00e9.txt"
    raw = name.encode(fs)
    assert mod.decode_fs(raw) == name
    assert mod.decode_fs(b"ab\0cd") == "ab"
    assert mod.decode_fs_size(b"ab\0cd", 5) == "ab\0cd"
    assert mod.decode_fs_size(raw, 3) == raw[:3].decode(fs)
    assert mod.encode_fs(name) == raw
    # Undecodable bytes round-trip through surrogateescape, as os.fsdecode does.
    assert mod.decode_fs(b"\xff") == "\udcff"
    assert mod.decode_fs_size(b"a\xffb", 3) == "a\udcffb"
    assert mod.encode_fs("a\udcffb") == b"a\xffb"
    with pytest.raises(TypeError, match=BAD_ARGUMENT):
        mod.encode_fs(b"abc")


def test_read_char(hpy):
    read_char = make(hpy).read_char
    assert [read_char(MIXED, i) for i in range(4)] == [ord(c) for c in MIXED]
    for s, index in ((MIXED, 4), (MIXED, -1), ("", 0), ("a", 2 ** 40)):
        with pytest.raises(IndexError, match="^string index out of range$"):
            read_char(s, index)
    with pytest.raises(TypeError, match=BAD_ARGUMENT):
        read_char(b"abc", 0)


def test_decode_ascii(hpy):
    decode = make(hpy).decode_ascii
    assert decode(b"abc", None) == "abc"
    assert decode(b"a\0b", None) == "a\0b"
    with pytest.raises(UnicodeDecodeError, match=r"^'ascii' codec can't decode byte 0xe9 in "
                                                 r"position 1: ordinal not in range\(128\)$"):
        decode(b"a\xe9", None)
    with pytest.raises(UnicodeDecodeError, match="^'ascii' codec can't decode"):
        decode(b"a\xe9", "strict")
    assert decode(b"a\xe9b", "replace") == "a\ufffdb"
    assert decode(b"a\xe9b", "ignore") == "ab"
    assert decode(b"a\xe9b", "surrogateescape") == "a\udce9b"
    with raises_like(lambda: b"a\xe9".decode("ascii", "bogus")):
        decode(b"a\xe9", "bogus")
    # The handler is looked up only when an error needs it.
    assert decode(b"abc", "bogus") == "abc"


def test_decode_latin1(hpy):
    decode = make(hpy).decode_latin1
    assert decode(bytes(range(256)), None) == "".join(map(chr, range(256)))
    assert decode(b"", "strict") == ""


def test_decode_utf8(hpy):
    decode = make(hpy).decode_utf8
    assert decode(MIXED.encode(), None) == MIXED
    assert decode(b"a\0b", None) == "a\0b"
    with pytest.raises(UnicodeDecodeError, match="^'utf-8' codec can't decode byte 0xff in "
                                                 "position 0: invalid start byte$") as info:
        decode(b"\xffab", None)
    assert (info.value.encoding, info.value.object, info.value.start, info.value.end) == \
        ("utf-8", b"\xffab", 0, 1)
    with pytest.raises(UnicodeDecodeError, match="^'utf-8' codec can't decode byte 0xc3 in "
                                                 "position 1: unexpected end of data$"):
        decode(b"a\xc3", None)
    assert decode(b"a\xffb", "replace") == "a\ufffdb"
    assert decode(b"a\xed\xa0\x80", "surrogatepass") == "a\ud800"
    with raises_like(lambda: b"\xff".decode("utf-8", "bogus")):
        decode(b"\xff", "bogus")
    assert decode(b"abc", "bogus") == "abc"


def test_from_encoded_object(hpy):
    from_encoded = make(hpy).from_encoded
    assert from_encoded(MIXED.encode(), None, None) == MIXED
    assert from_encoded(bytearray(b"caf\xe9"), "latin-1", None) == "caf\u00e9"
    assert from_encoded(memoryview(b"abc"), "ascii", "strict") == "abc"
    assert from_encoded(b"a\xff", "utf-8", "replace") == "a\ufffd"
    assert from_encoded("\u00e9".encode("utf-16"), "utf-16", None) == "\u00e9"
    with pytest.raises(UnicodeDecodeError, match="'utf-8' codec can't decode byte 0xff"):
        from_encoded(b"a\xff", None, None)
    with pytest.raises(LookupError, match="^unknown encoding: bogus$"):
        from_encoded(b"abc", "bogus", None)
    with pytest.raises(TypeError, match="^decoding str is not supported$"):
        from_encoded("abc", None, None)
    with pytest.raises(TypeError, match="^decoding to str: need a bytes-like object, "
                                        "int found$"):
        from_encoded(42, None, None)


def test_substring(hpy):
    substring = make(hpy).substring
    s = "abcdef"
    for start, end in ((0, 6), (1, 4), (2, 2), (4, 2), (0, 100), (3, 100), (6, 6), (7, 9),
                       (0, 0)):
        assert substring(s, start, end) == s[start:end], (start, end)
    assert substring(MIXED, 1, 4) == MIXED[1:4]
    assert type(substring(StrSubclass("abc"), 0, 2)) is str
    for start, end in ((-1, 3), (0, -1), (-3, -1)):
        with pytest.raises(IndexError, match="^string index out of range$"):
            substring(s, start, end)


@pytest.mark.hpy_undefined
def test_substring_of_a_non_str(hpy):
    with pytest.raises(TypeError, match=BAD_ARGUMENT):
        make(hpy).substring(b"abc", 0, 1)


def test_get_length(hpy):
    get_length = make(hpy).get_length
    assert get_length("") == 0 and get_length(MIXED) == 4 and get_length("a\0b") == 3
    with pytest.raises(TypeError, match=BAD_ARGUMENT):
        get_length(b"abc")
