"""HPyUnicode_FromFormat, HPyUnicode_FromFormatV and HPyErr_Format, checked against
Python's own %-formatting wherever it has the same unit."""
import re
import struct

import pytest

# Each function takes the format string first; the C type of the other arguments is
# fixed by the function, so Python picks the function that matches the unit tested.
SOURCE = r"""
    #define METH(NAME, ...)                                                        \
        HPyDef_METH(NAME, #NAME, HPyFunc_VARARGS)                                  \
        static HPy NAME##_impl(HPyContext *ctx, HPy self, const HPy *args,         \
                               size_t nargs) { __VA_ARGS__ }
    #define FMT HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL)
    #define BYTES(h) (HPy_Is(ctx, (h), ctx->h_None) ? NULL : HPyBytes_AsString(ctx, (h)))
    #define HANDLE(h) (HPy_Is(ctx, (h), ctx->h_None) ? HPy_NULL : (h))

    METH(f_int, return HPyUnicode_FromFormat(ctx, FMT, (int)HPyLong_AsLong(ctx, args[1]));)
    METH(f_long, return HPyUnicode_FromFormat(ctx, FMT, HPyLong_AsLong(ctx, args[1]));)
    METH(f_llong, return HPyUnicode_FromFormat(ctx, FMT, HPyLong_AsLongLong(ctx, args[1]));)
    METH(f_ssize, return HPyUnicode_FromFormat(ctx, FMT, HPyLong_AsSsize_t(ctx, args[1]));)
    METH(f_uint, return HPyUnicode_FromFormat(ctx, FMT,
                                              (unsigned)HPyLong_AsUnsignedLongMask(ctx, args[1]));)
    METH(f_ulong, return HPyUnicode_FromFormat(ctx, FMT,
                                               HPyLong_AsUnsignedLongMask(ctx, args[1]));)
    METH(f_ullong, return HPyUnicode_FromFormat(ctx, FMT,
                                                HPyLong_AsUnsignedLongLongMask(ctx, args[1]));)
    METH(f_size, return HPyUnicode_FromFormat(
                     ctx, FMT, (size_t)HPyLong_AsUnsignedLongLongMask(ctx, args[1]));)
    METH(f_ptr, return HPyUnicode_FromFormat(ctx, FMT, HPyLong_AsVoidPtr(ctx, args[1]));)
    METH(f_cstr, return HPyUnicode_FromFormat(ctx, FMT, BYTES(args[1]));)
    METH(f_obj, return HPyUnicode_FromFormat(ctx, FMT, HANDLE(args[1]));)
    METH(f_V, return HPyUnicode_FromFormat(ctx, FMT, HANDLE(args[1]), BYTES(args[2]));)
    METH(f_star_int, return HPyUnicode_FromFormat(ctx, FMT, (int)HPyLong_AsLong(ctx, args[1]),
                                                  (int)HPyLong_AsLong(ctx, args[2]),
                                                  (int)HPyLong_AsLong(ctx, args[3]));)
    METH(f_star_obj, return HPyUnicode_FromFormat(ctx, FMT, (int)HPyLong_AsLong(ctx, args[1]),
                                                  (int)HPyLong_AsLong(ctx, args[2]), args[3]);)
    METH(f_mixed,
        return HPyUnicode_FromFormat(ctx, "%d|%s|%R|%5U|%c|%lu|%%|%S", -42, "caf\xc3\xa9",
                                     args[0], args[1], 0x20ac, 7ul, args[0]);)

    static HPy via_va_list(HPyContext *ctx, const char *fmt, ...)
    {
        va_list vargs;
        va_start(vargs, fmt);
        HPy result = HPyUnicode_FromFormatV(ctx, fmt, vargs);
        va_end(vargs);
        return result;
    }
    METH(f_v, return via_va_list(ctx, FMT, (int)HPyLong_AsLong(ctx, args[1]), args[2]);)

    METH(err_format,
        HPy r = HPyErr_Format(ctx, args[0], HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL),
                              args[2], 7);
        if (!HPy_IsNull(r) || !HPyErr_Occurred(ctx))
            return HPyUnicode_FromString(ctx, "HPyErr_Format did not raise");
        return HPy_NULL;)

    @EXPORT(f_int)
    @EXPORT(f_long)
    @EXPORT(f_llong)
    @EXPORT(f_ssize)
    @EXPORT(f_uint)
    @EXPORT(f_ulong)
    @EXPORT(f_ullong)
    @EXPORT(f_size)
    @EXPORT(f_ptr)
    @EXPORT(f_cstr)
    @EXPORT(f_obj)
    @EXPORT(f_V)
    @EXPORT(f_star_int)
    @EXPORT(f_star_obj)
    @EXPORT(f_mixed)
    @EXPORT(f_v)
    @EXPORT(err_format)
    @INIT
"""

LONG_BITS = struct.calcsize("l") * 8
SIGNED = [("f_int", "", 32), ("f_long", "l", LONG_BITS), ("f_llong", "ll", 64),
          ("f_ssize", "z", 64)]
UNSIGNED = [("f_uint", "", 32), ("f_ulong", "l", LONG_BITS), ("f_ullong", "ll", 64),
            ("f_size", "z", 64)]
SPECS = ["", "7", "-7", "07", "-07", ".3", "9.4", "-9.4", "09.4", ".0"]


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


@pytest.mark.parametrize("func,size,bits", SIGNED)
@pytest.mark.parametrize("unit", ["d", "i"])
def test_signed_integers(mod, func, size, bits, unit):
    for spec in SPECS:
        for value in [0, 5, -5, 123456, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1]:
            c_fmt, py_fmt = f"<%{spec}{size}{unit}>", f"<%{spec}{unit}>"
            assert getattr(mod, func)(c_fmt, value) == py_fmt % value, c_fmt


@pytest.mark.parametrize("func,size,bits", UNSIGNED)
@pytest.mark.parametrize("unit", ["u", "x"])
def test_unsigned_integers(mod, func, size, bits, unit):
    for spec in SPECS:
        for value in [0, 5, 0xBEEF, 2 ** bits - 1, -1]:
            c_fmt, py_fmt = f"<%{spec}{size}{unit}>", f"<%{spec}{unit}>"
            expected = py_fmt % (value & (2 ** bits - 1))
            assert getattr(mod, func)(c_fmt, value) == expected, c_fmt


def test_star_width_and_precision(mod):
    for width, precision in [(6, 3), (-6, 3), (0, 0), (2, 5)]:
        assert mod.f_star_int("%*.*d|", width, precision, -42) == \
            "%*.*d|" % (width, precision, -42)
        assert mod.f_star_obj("%*.*R|", width, precision, "abcdef") == \
            "%*.*r|" % (width, precision, "abcdef")
    assert mod.f_star_obj("%*.*R|", 4, -1, "abcdef") == "'abcdef'|"


@pytest.mark.parametrize("obj", ["héllo", 42, [1, "x"], "\ud800", None.__class__, "€" * 3])
def test_object_units(mod, obj):
    for spec in ["", "12", "-12", ".3", "10.2"]:
        for unit, py_unit in [("S", "s"), ("R", "r"), ("A", "a")]:
            fmt = f"<%{spec}{unit}>"
            assert mod.f_obj(fmt, obj) == f"<%{spec}{py_unit}>" % obj, fmt
        if isinstance(obj, str):
            assert mod.f_obj(f"<%{spec}U>", obj) == f"<%{spec}s>" % obj


def test_null_handles(mod):
    # HPy 0.9 refuses them all; CPython writes "<NULL>" for %S, %R and %A.
    for unit in "URSA":
        with pytest.raises(SystemError, match=f"HPy_NULL passed as value for formatting "
                                              f"unit '%{unit}'"):
            mod.f_obj(f"[%{unit}]", None)
    with pytest.raises(SystemError, match="%U needs a str, not 42"):
        mod.f_obj("%U", 42)


def test_c_strings(mod):
    assert mod.f_cstr("[%s]", b"abc") == "[abc]"
    assert mod.f_cstr("[%6s]", "héllo".encode()) == "[ héllo]"
    assert mod.f_cstr("[%-6s]", "héllo".encode()) == "[héllo ]"
    assert mod.f_cstr("[%.2s]", b"abcdef") == "[ab]"
    # Precision counts bytes: it can cut a character in two.
    assert mod.f_cstr("[%.2s]", "héllo".encode()) == "[h\ufffd]"
    assert mod.f_cstr("[%s]", b"a\xffb") == "[a\ufffdb]"
    with pytest.raises(SystemError, match="null c string passed as value for formatting "
                                          "unit '%s'"):
        mod.f_cstr("%s", None)


def test_V_unit(mod):
    assert mod.f_V("[%V]", "obj", b"text") == "[obj]"
    assert mod.f_V("[%V]", None, b"text") == "[text]"
    assert mod.f_V("[%.2V]", None, "é!".encode()) == "[é]"
    assert mod.f_V("[%5.2V]", "héllo", None) == "[   hé]"
    with pytest.raises(SystemError, match="null c string passed as value for formatting "
                                          "unit '%V'"):
        mod.f_V("%V", None, None)


def test_characters(mod):
    for ordinal in [0x41, 0xE9, 0x20AC, 0x1F600, 0xD800, 0x10FFFF]:
        assert mod.f_int("<%c>", ordinal) == f"<{chr(ordinal)}>"
    for ordinal in [-1, 0x110000]:
        with pytest.raises(OverflowError, match=r"^character argument not in range\(0x110000\)$"):
            mod.f_int("%c", ordinal)


def test_pointers(mod):
    assert mod.f_ptr("%p", 0xDEADBEEF) == "0xdeadbeef"
    assert mod.f_ptr("<%p>", 0) == "<0x0>"


def test_percent_and_plain_text(mod):
    assert mod.f_int("100%% of %d", 3) == "100% of 3"
    assert mod.f_int("", 0) == ""
    assert mod.f_int("no units", 0) == "no units"


def test_many_units_in_one_call(mod):
    obj, name = ["x"], "ab"
    assert mod.f_mixed(obj, name) == "-42|café|['x']|   ab|€|7|%|['x']"


def test_va_list_variant(mod):
    assert mod.f_v("%03d:%R", 7, (1,)) == "007:(1,)"


@pytest.mark.parametrize("fmt,exc,message", [
    ("%y", SystemError, "invalid format string: %y"),
    ("abc %", SystemError, "invalid format string: %"),
    ("%5%", SystemError, "invalid format string: %5%"),
    ("%lc", SystemError, "invalid format string: %lc"),
    ("%zs and more", SystemError, "invalid format string: %zs and more"),
    ("%99999999999999999999d", ValueError, "width too big"),
    ("%.99999999999999999999d", ValueError, "precision too big"),
    ("caf\xe9", ValueError, "HPyUnicode_FromFormatV() expected an ASCII-encoded format "
                            "string, got a non-ASCII byte: 0xc3"),
])
def test_bad_formats(mod, fmt, exc, message):
    with pytest.raises(exc, match="^" + re.escape(message) + "$"):
        mod.f_int(fmt, 1)


def test_results_too_big_to_build(mod):
    huge = 2 ** 63 - 2
    for fmt in [f"%{huge}d", f"%.{huge}d", f"%{huge}.{huge}d"]:
        with pytest.raises(MemoryError):
            mod.f_int(fmt, 1)
    with pytest.raises(MemoryError):
        mod.f_cstr(f"%{huge}s", b"x")


def test_err_format(mod):
    with pytest.raises(KeyError) as info:
        mod.err_format(KeyError, "missing %R (%d)", "k")
    assert info.value.args == ("missing 'k' (7)",)
    with pytest.raises(ValueError, match="^bad: 'x' 7$"):
        mod.err_format(ValueError, "bad: %R %d", "x")


def test_err_format_reports_a_bad_format(mod):
    with pytest.raises(SystemError, match="^invalid format string: %y$"):
        mod.err_format(ValueError, "%R %y", "x")


# HPy 0.9's refusals, where CPython pads or ignores.
@pytest.mark.parametrize("fmt, message", [
    ("%4p", "formatting unit '%p' does not support width nor precision"),
    ("%.4p", "formatting unit '%p' does not support width nor precision"),
    ("%04p", "formatting unit '%p' does not support 0-padding"),
    ("%08.4p", "formatting unit '%p' does not support 0-padding"),
    ("%4c", "formatting unit '%c' does not support width nor precision"),
    ("%-4c", "formatting unit '%c' does not support width nor precision"),
    ("%04c", "formatting unit '%c' does not support 0-padding"),
])
def test_units_refusing_width_or_zero_padding(mod, fmt, message):
    func = mod.f_ptr if fmt.endswith("p") else mod.f_int
    with pytest.raises(SystemError, match=f"^{re.escape(message)}$"):
        func(fmt, 65)


@pytest.mark.parametrize("unit", "sUVSRA")
def test_zero_padding_only_for_numbers(mod, unit):
    with pytest.raises(SystemError, match=f"^formatting unit '%{unit}' does not support "
                                          f"0-padding$"):
        if unit == "s":
            mod.f_cstr("%05s", b"x")
        elif unit == "V":
            mod.f_V("%05V", "x", b"x")
        else:
            mod.f_obj(f"%05{unit}", "x")
