"""The ujson_hpy sample: ujson 6.1's API on the handle API, in every ABI this interpreter
runs. The module is built once per ABI (cached under build/samples-cache) and checked
against the standard json module and ujson 6.1's behaviour, written out here so that it
is checked where ujson itself cannot be installed (test_ujson_vs_ujson.py compares with
the real ujson), and for the differences the README lists as deliberate."""
import collections
import decimal
import importlib.util
import io
import json
import math
import os
import platform
import re
import struct
import sys
from pathlib import Path

import pytest

from handlepy.conformance.plugin import supported_abis

ROOT = Path(__file__).resolve().parents[2]
# The shared documents live beside the checkout; HANDLEPY_JSON_DATA names another folder
# (a worktree, or make stress run elsewhere).
DATA = Path(os.environ.get("HANDLEPY_JSON_DATA") or ROOT.parent / "shared" / "data" / "json")
DATA_FILES = ["twitter.json", "citm_catalog.json", "canada.json"]

_spec = importlib.util.spec_from_file_location("ujson_hpy_build",
                                               ROOT / "samples" / "ujson" / "build.py")
_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_build)

try:
    import hypothesis
    from hypothesis import given, settings, strategies as st
except ImportError:
    hypothesis = None

needs_hypothesis = pytest.mark.skipif(hypothesis is None, reason="hypothesis is not installed")
cpython_only = pytest.mark.skipif(platform.python_implementation() != "CPython",
                                  reason="reference counts are a CPython notion")


def _abis():
    """Every ABI this interpreter runs, and the universal binary once more in debug mode:
    a handle used after it was closed, or a pointer read from a closed handle's UTF-8,
    works on the hosts (a handle is the object's pointer) but breaks the API's contract,
    which debug mode enforces (it faulted on the separators' UTF-8 once)."""
    abis = supported_abis()
    return abis + ["debug"] if "universal" in abis else abis


@pytest.fixture(scope="session", params=_abis())
def uj(request):
    return _build.load(request.param)


def like_json(obj, **kw):
    """json.dumps, except that ujson writes DEL (U+007F) as it is, even in ASCII mode."""
    return json.dumps(obj, **kw).replace("\\u007f", "\x7f")


def ujson_float(value):
    """How ujson writes a float: repr's digits, an exponent without a leading zero."""
    return re.sub(r"e([+-])0(\d)$", r"e\1\2", repr(value))


def compact(obj, **kw):
    """What ujson's defaults give, spelt with the json module (which never escapes /)."""
    return like_json(obj, separators=(",", ":"), **kw).replace("/", "\\/")


# ---- the module ----

def test_module_surface(uj):
    assert uj.__name__ == "ujson_hpy"
    assert uj.__version__ == "6.1.0"
    assert issubclass(uj.JSONDecodeError, ValueError)
    assert uj.encode is not uj.dumps and uj.encode([1]) == uj.dumps([1]) == "[1]"
    assert uj.decode("[1]") == uj.loads("[1]") == [1]
    assert "ujson" not in sys.modules or sys.modules["ujson"] is not uj


# ---- the shared documents ----

@pytest.mark.parametrize("name", DATA_FILES)
def test_data_files_round_trip(uj, name):
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{path} is missing (shared/ is not beside the checkout)")
    text = path.read_text(encoding="utf-8")
    expected = json.loads(text)
    assert uj.loads(text) == expected
    assert uj.loads(text.encode("utf-8")) == expected
    assert (uj.dumps(expected, escape_forward_slashes=False) ==
            json.dumps(expected, separators=(",", ":")))
    assert uj.dumps(expected, ensure_ascii=False, escape_forward_slashes=False) == json.dumps(
        expected, separators=(",", ":"), ensure_ascii=False)
    assert (uj.dumps(expected, indent=2, escape_forward_slashes=False) ==
            json.dumps(expected, indent=2))
    assert uj.loads(uj.dumps(expected)) == expected
    assert uj.loads(uj.dumps(expected, ensure_ascii=False).encode("utf-8")) == expected


# ---- scalars ----

@pytest.mark.parametrize("value, text", [
    (None, "null"), (True, "true"), (False, "false"), (0, "0"), (-1, "-1"),
    (2**63 - 1, "9223372036854775807"), (-2**63, "-9223372036854775808"),
    (2**64, "18446744073709551616"), (-2**100, str(-2**100)), (10**200, str(10**200)),
    (1.0, "1.0"), (-0.0, "-0.0"), (0.1, "0.1"), (1e16, "1e+16"), (1e15, "1000000000000000.0"),
    (1.5e-5, "1.5e-5"), (1e-7, "1e-7"), (1e22, "1e+22"), (0.0001, "0.0001"),
    (5e-324, "5e-324"), (1e-322, "1e-322"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (0.30000000000000004, "0.30000000000000004"),
    ("", '""'), ("abc", '"abc"'),
])
def test_scalars(uj, value, text):
    assert uj.dumps(value) == text
    result = uj.loads(text)
    assert result == value and type(result) is type(value)
    if isinstance(value, float):
        assert math.copysign(1, result) == math.copysign(1, value)


def test_floats_print_like_ujson(uj):
    values = [2.0 ** k for k in range(-1074, 1024)]
    values += [math.nextafter(10.0 ** e, d) for e in range(-300, 300) for d in (0, math.inf)]
    values += struct.unpack("<4096d", bytes((i * 7919 + 13) % 251 for i in range(8 * 4096)))
    values = [v for v in values if math.isfinite(v)]
    assert uj.dumps(values) == "[" + ",".join(map(ujson_float, values)) + "]"


@pytest.mark.parametrize("text", [
    "0.1", "1e23", "8.41e21", "2.2250738585072011e-308", "4.9406564584124654e-324",
    "1.7976931348623157e308", "1e400", "-1e400", "1e-400", "9007199254740993e0",
    "9007199254740993.0", "0." + "1" * 400, "1" * 400 + ".5", "123456789012345678901234567890e-10",
    "1E2", "1e+2", "1.5E-3", "-0.0", "0e0", "1e999999999999999999999",
])
def test_float_parsing_is_exact(uj, text):
    value = uj.loads(text)
    assert value == float(text)
    assert math.copysign(1, value) == math.copysign(1, float(text))


def test_special_floats(uj):
    assert uj.dumps([math.nan, math.inf, -math.inf]) == "[NaN,Infinity,-Infinity]"
    result = uj.loads("[NaN, Infinity, -Infinity]")
    assert math.isnan(result[0]) and result[1:] == [math.inf, -math.inf]
    for value in (math.nan, math.inf, -math.inf):
        with pytest.raises(OverflowError, match="Invalid value when encoding double"):
            uj.dumps([value], allow_nan=False)


def test_integers_of_any_size(uj):
    for value in [2**64 - 1, 2**64, -2**63 - 1, 3**500, -(7**300)]:
        assert uj.dumps(value) == str(value)
        assert uj.loads(str(value)) == value
    assert uj.loads("-9223372036854775808") == -2**63
    assert uj.loads("18446744073709551615") == 2**64 - 1


def test_int_and_float_subclasses(uj):
    class Flag(int):
        def __repr__(self):
            return "Flag!"
        __str__ = __repr__

    class Big(int):
        __str__ = __repr__ = Flag.__repr__

    class Ratio(float):
        def __repr__(self):
            return "Ratio!"

    assert uj.dumps([Flag(3), Big(2**70), Ratio(0.5)]) == f"[3,{2**70},0.5]"


# ---- strings ----

def test_string_escapes(uj):
    text = "\"\\/\b\f\n\r\t\x00\x1f\x7f é\u2028\U0001f600<>&"
    assert uj.dumps(text) == (
        '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\x7f \\u00e9\\u2028\\ud83d\\ude00<>&"')
    assert uj.loads(uj.dumps(text)) == text
    assert uj.dumps(text, ensure_ascii=False) == (
        '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\x7f é\u2028\U0001f600<>&"')
    assert uj.loads(uj.dumps(text, ensure_ascii=False)) == text


def test_escape_decoding(uj):
    assert uj.loads(r'"\u00e9\ud83d\ude00\/\b\f\n\r\t\"\\\u0041"') == 'é😀/\b\f\n\r\t"\\A'
    assert uj.loads(r'"\uD83D\uDE00"') == "😀"


def test_lone_surrogates(uj):
    assert uj.loads(r'"\ud800"') == "\ud800"
    assert uj.loads(r'"\udc00x\ud800\u0041"') == "\udc00x\ud800A"
    assert uj.loads('"\ud800"') == "\ud800"
    assert uj.loads(b'"\xed\xa0\x80"') == "\ud800"
    assert uj.dumps("\ud800") == '"\\ud800"'
    assert uj.dumps("\ud800x", ensure_ascii=False) == '"\ud800x"'
    assert uj.dumps({"\udfff": 1}) == '{"\\udfff":1}'


def test_escaped_strings_are_made_from_code_points(uj):
    """A string with an escape is rebuilt as code points (up to 2**20 of them, then as
    UTF-8): raw UTF-8 of every length, control characters and escapes mixed, in values
    and keys, from str and bytes input."""
    text = "a\x01é\u0800\U0001f600\ud800" + "\n" + "日本"
    encoded = '"a\x01é\u0800\U0001f600\\ud800\\n日本"'
    assert uj.loads(encoded) == text
    assert uj.loads(encoded.encode("utf-8", "surrogatepass")) == text
    assert uj.loads("{%s: %s}" % (encoded, encoded)) == {text: text}
    assert uj.loads('["\\u00e9", "\\t\u00e9", "x\\"", "\\u0000"]') == ["é", "\té", 'x"', "\0"]
    for n in (2**20 - 2, 2**20, 2**20 + 5, 3 * 2**20):
        long = "é" * n + "\n" + "\U0001f600"
        assert uj.loads(uj.dumps(long, ensure_ascii=False)) == long
        assert uj.loads(uj.dumps(long)) == long


def test_escaped_strings_report_errors_where_they_are(uj):
    with pytest.raises(ValueError, match="Invalid UTF-8 continuation byte"):
        uj.loads(b'"\\n\xc3("')
    with pytest.raises(ValueError, match="Unrecognized escape sequence"):
        uj.loads('"\u00e9\\n\\q"')
    with pytest.raises(ValueError, match="Unmatched"):
        uj.loads('"\\n\u00e9')


def test_str_subclass(uj):
    class Name(str):
        pass

    assert uj.dumps([Name("x")]) == '["x"]'
    assert uj.dumps({Name("k"): 1}) == '{"k":1}'


# ---- encoder options ----

SAMPLE = {"b": [1, 2, {"x": None}], "a": "é<>&/", "c": {}, "d": []}


def test_default_options(uj):
    assert uj.dumps(SAMPLE) == '{"b":[1,2,{"x":null}],"a":"\\u00e9<>&\\/","c":{},"d":[]}'


def test_ensure_ascii(uj):
    assert uj.dumps("åäö") == '"\\u00e5\\u00e4\\u00f6"'
    assert uj.dumps("åäö", ensure_ascii=False) == '"åäö"'
    # Any truth value counts, as in ujson.
    assert uj.dumps("é", ensure_ascii=[]) == '"é"'
    assert uj.dumps("é", ensure_ascii="yes") == '"\\u00e9"'


def test_encode_html_chars(uj):
    assert uj.dumps("<script>John&Doe", encode_html_chars=True) == (
        '"\\u003cscript\\u003eJohn\\u0026Doe"')
    assert uj.dumps({"<": ">"}, encode_html_chars=True) == '{"\\u003c":"\\u003e"}'
    assert uj.dumps("<é>", encode_html_chars=True, ensure_ascii=False) == '"\\u003cé\\u003e"'


def test_escape_forward_slashes(uj):
    assert uj.dumps("https://example.com") == '"https:\\/\\/example.com"'
    assert uj.dumps("https://example.com", escape_forward_slashes=False) == '"https://example.com"'


def test_sort_keys(uj):
    assert uj.dumps({"b": 1, "a": 2, "B": 3}, sort_keys=True) == '{"B":3,"a":2,"b":1}'
    assert uj.dumps({10: 1, 9: 2}, sort_keys=True) == '{"9":2,"10":1}'
    with pytest.raises(TypeError, match="'<' not supported"):
        uj.dumps({1: 1, "a": 2}, sort_keys=True)
    assert uj.dumps(collections.OrderedDict(b=1, a=2)) == '{"b":1,"a":2}'


def test_indent(uj):
    assert uj.dumps(SAMPLE, indent=2) == (
        '{\n  "b": [\n    1,\n    2,\n    {\n      "x": null\n    }\n  ],\n'
        '  "a": "\\u00e9<>&\\/",\n  "c": {},\n  "d": []\n}')
    assert uj.dumps({"foo": "bar"}, indent=4) == '{\n    "foo": "bar"\n}'
    assert uj.dumps(SAMPLE, indent=0) == uj.dumps(SAMPLE)
    assert uj.dumps({"a": [1, 2]}, indent=-2) == '{"a": [1,2]}'
    assert uj.dumps([1, {"a": 2}], indent=True) == '[\n 1,\n {\n  "a": 2\n }\n]'
    for bad in ("  ", None, 2.0):
        with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
            uj.dumps([1], indent=bad)
    with pytest.raises(OverflowError):
        uj.dumps([1], indent=2**70)


def test_separators(uj):
    assert uj.dumps([1, {"a": 2}], separators=(", ", ": ")) == '[1, {"a": 2}]'
    assert uj.dumps([1, {"a": 2}], separators=(";", "=")) == '[1;{"a"=2}]'
    assert uj.dumps([1, {"a": 2}], separators=None) == '[1,{"a":2}]'
    assert uj.dumps({"a": [1, 2]}, indent=2, separators=(", ", ": ")) == (
        '{\n  "a": [\n    1, \n    2\n  ]\n}')
    with pytest.raises(TypeError, match="expected tuple or None as separator"):
        uj.dumps([1], separators=[",", ":"])
    with pytest.raises(ValueError, match="expected tuple of size 2 as separator"):
        uj.dumps([1], separators=(",", ":", "!"))
    with pytest.raises(TypeError, match="expected str as item separator"):
        uj.dumps([1], separators=(1, ":"))
    with pytest.raises(TypeError, match="expected str as key separator"):
        uj.dumps([1], separators=(",", 2))


def test_reject_bytes(uj):
    with pytest.raises(TypeError, match="^b'abc' is not JSON serializable$"):
        uj.dumps(b"abc")
    # Rejected bytes go to default first, as in ujson 6.
    assert uj.dumps([b"abc"], default=lambda b: b.decode() + "!") == '["abc!"]'
    assert uj.dumps([b"abc", "é".encode()], reject_bytes=False) == '["abc","\\u00e9"]'
    assert uj.dumps(b"\xed\xa0\x80", reject_bytes=False) == '"\\ud800"'
    assert uj.dumps(b"\xed\xa0\x80", reject_bytes=False, ensure_ascii=False) == '"\ud800"'
    # ujson copies what it does not check and fails when it decodes its output; what it
    # checks (with ensure_ascii) fails with OverflowError.
    for bad in (b"\xff", b"\x80"):
        with pytest.raises(UnicodeDecodeError):
            uj.dumps(bad, reject_bytes=False)
        with pytest.raises(UnicodeDecodeError):
            uj.dumps(bad, reject_bytes=False, ensure_ascii=False)
    for bad, message in [(b"\xc3", "Unterminated UTF-8 sequence"),
                         (b"\xc0\x80", "Overlong 2-byte UTF-8 sequence"),
                         (b"\xe9xy", "Invalid continuation byte in 3-byte UTF-8 sequence"),
                         (b"\xf4\x90\x80\x80", ">U+10FFFF in 4-byte UTF-8 sequence"),
                         (b"\xf8", "Unsupported UTF-8 sequence length")]:
        with pytest.raises(OverflowError,
                           match=re.escape(message) + " detected when encoding string|"
                           + re.escape(message) + " when encoding string"):
            uj.dumps(bad, reject_bytes=False)
    # Keys are written as bytes values are, whatever reject_bytes says.
    assert uj.dumps({b"k": 1}) == '{"k":1}'
    assert uj.dumps({b"\xc3\xa9": 1}) == '{"\\u00e9":1}'


def test_non_string_keys(uj):
    assert uj.dumps({1: 1, 2.5: 2, None: 3, True: 4, False: 5}) == (
        '{"1":4,"2.5":2,"null":3,"false":5}')
    assert uj.dumps({2**70: 1, (1, 2): 2}) == '{"1180591620717411303424":1,"(1, 2)":2}'


def test_containers(uj):
    assert uj.dumps((1, (2, [3]))) == "[1,[2,[3]]]"

    class D(dict):
        pass

    class L(list):
        pass

    assert uj.dumps([D(a=1), L([1])]) == '[{"a":1},[1]]'


def test_json_method(uj):
    class Raw:
        def __init__(self, text):
            self.text = text

        def __json__(self):
            return self.text

    assert uj.dumps([Raw('{"raw": true}')]) == '[{"raw": true}]'
    assert uj.dumps([Raw(b"[1, 2]")]) == "[[1, 2]]"
    # __json__ wins over default.
    assert uj.dumps(Raw("7"), default=lambda o: "d") == "7"
    with pytest.raises(TypeError, match=r"__json__\(\) should return str or bytes, got int"):
        uj.dumps(Raw(5))

    class Failing:
        def __json__(self):
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        uj.dumps([Failing()])


def test_default(uj):
    assert uj.dumps({1, 2}, default=sorted) == "[1,2]"
    assert uj.dumps([object()], default=lambda o: "X") == '["X"]'
    with pytest.raises(TypeError, match="is not JSON serializable"):
        uj.dumps(object(), default=None)
    with pytest.raises(ZeroDivisionError):
        uj.dumps(object(), default=lambda o: 1 / 0)
    with pytest.raises(TypeError, match="'int' object is not callable"):
        uj.dumps(object(), default=1)
    # default may replace an object three times in a row, as in ujson 6.1.
    with pytest.raises(TypeError, match="^maximum recursion depth exceeded$"):
        uj.dumps(object(), default=lambda o: o)

    class Chain:
        def __init__(self, n):
            self.n = n

    def countdown(obj):
        return Chain(obj.n - 1) if obj.n > 1 else "end"

    assert uj.dumps([Chain(3)], default=countdown) == '["end"]'
    with pytest.raises(TypeError, match="^maximum recursion depth exceeded$"):
        uj.dumps([Chain(4)], default=countdown)
    # A default that wraps its argument recurses until the depth limit.
    with pytest.raises(OverflowError, match="Maximum recursion level reached"):
        uj.dumps(object(), default=lambda o: [o])


def test_to_dict_and_decimal(uj):
    class Record:
        def __init__(self, value):
            self.value = value

        def toDict(self):
            return self.value

        def __json__(self):
            return "ignored: toDict comes first"

    assert uj.dumps([Record({"a": Record({})})]) == '[{"a":{}}]'
    with pytest.raises(TypeError, match=r"^toDict\(\) should return a dict, got list$"):
        uj.dumps(Record([1]))
    assert uj.dumps([decimal.Decimal("1.5"), decimal.Decimal("-0"), decimal.Decimal("1e400")]) == (
        "[1.5,-0.0,Infinity]")
    with pytest.raises(OverflowError, match="Invalid value when encoding double"):
        uj.dumps(decimal.Decimal("NaN"), allow_nan=False)
    with pytest.raises(ValueError, match="signaling NaN"):
        uj.dumps(decimal.Decimal("sNaN"))


def test_unserialisable(uj):
    for value in ({1}, object(), iter([]), {"a": 1}.keys(), 1j):
        with pytest.raises(TypeError, match="is not JSON serializable"):
            uj.dumps([value])
    with pytest.raises(TypeError, match=r"^\{1\} is not JSON serializable$"):
        uj.dumps({1})

    class BadRepr:
        def __repr__(self):
            return "\ud800"

    # ujson encodes the repr for its message, strictly.
    with pytest.raises(UnicodeEncodeError):
        uj.dumps(BadRepr())


def test_encode_depth_limit(uj):
    def nest(n):
        value = []
        for _ in range(n - 1):
            value = [value]
        return value

    assert uj.dumps(nest(1025)) == "[" * 1025 + "]" * 1025
    with pytest.raises(OverflowError, match="Maximum recursion level reached"):
        uj.dumps(nest(1026))
    with pytest.raises(OverflowError, match="Maximum recursion level reached"):
        uj.dumps(nest(200000))
    cycle = []
    cycle.append(cycle)
    with pytest.raises(OverflowError, match="Maximum recursion level reached"):
        uj.dumps(cycle)


def test_dict_mutated_by_default(uj):
    data = {"a": object(), "b": 1}

    def default(obj):
        data.clear()
        return None

    with pytest.raises(RuntimeError, match="changed"):
        uj.dumps(data, default=default)
    # Deliberate differences from ujson 6.1, which truncates the output here (sorted) or
    # stops early without a word.
    data = {"a": object(), "b": 1}
    with pytest.raises(RuntimeError, match="changed"):
        uj.dumps(data, default=default, sort_keys=True)


def test_list_mutated_by_default(uj):
    """ujson 6.1 reads past the end of the shrunk list and crashes (SIGSEGV)."""
    data = [object(), 1, 2, 3]

    def default(obj):
        data.clear()
        return None

    with pytest.raises(IndexError):
        uj.dumps(data, default=default)


def test_failed_sort_raises(uj):
    """ujson 6.1 goes on with the sort's exception pending: a later int beyond 64 bits
    clears it and the output is broken JSON ('[{,18446744073709551616]')."""
    for doc in ([{1: 1, "a": 2}, 2**64], [{1: 1, "a": 2}, b"x"]):
        with pytest.raises(TypeError, match="'<' not supported"):
            uj.dumps(doc, sort_keys=True)


# ---- arguments ----

def test_positional_options(uj):
    assert uj.dumps([1, {"a": 1, "b": 2}], 1, 0, 1, 1, 0, 1, 1, None, (";", "=")) == (
        '[1;{"a"=1;"b"=2}]')


def test_argument_errors(uj):
    # Worded as PyArg_ParseTupleAndKeywords words them for ujson.
    with pytest.raises(TypeError, match=r"^function missing required argument 'obj' \(pos 1\)$"):
        uj.dumps()
    unknown_keyword = ("^this function got an unexpected keyword argument 'foo'$"
                       if sys.version_info >= (3, 13) else
                       "^'foo' is an invalid keyword argument for this function$")
    with pytest.raises(TypeError, match=unknown_keyword):
        uj.dumps([1], foo=1)
    with pytest.raises(TypeError, match=r"^argument for function given by name \('obj'\) "
                                        r"and position \(1\)$"):
        uj.dumps([1], obj=2)
    with pytest.raises(TypeError, match=r"^function takes at most 10 arguments \(11 given\)$"):
        uj.dumps(*range(11))
    with pytest.raises(TypeError, match=r"^function takes at most 1 argument \(2 given\)$"):
        uj.loads("1", "2")
    with pytest.raises(TypeError, match=r"^function takes at most 1 argument \(2 given\)$"):
        uj.loads("1", precise_float=True)
    with pytest.raises(TypeError, match=r"^function takes at most 1 keyword argument \(2 given\)$"):
        uj.loads(obj="1", precise_float=True)
    with pytest.raises(TypeError, match="^function missing required argument 'obj'"):
        uj.loads(precise_float=True)
    assert uj.loads(obj="[1]") == [1]
    assert uj.dumps(obj=[1], sort_keys=True) == "[1]"

    class Bad:
        def __bool__(self):
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        uj.dumps([1], ensure_ascii=Bad())


def test_dump_and_load(uj):
    out = io.StringIO()
    assert uj.dump({"a": "/"}, out, escape_forward_slashes=False, indent=1) is None
    assert out.getvalue() == '{\n "a": "/"\n}'
    assert uj.load(io.StringIO('{"a": [1]}')) == {"a": [1]}
    assert uj.load(io.BytesIO(b'{"a": [1]}')) == {"a": [1]}
    with pytest.raises(TypeError, match="expected file"):
        uj.dump([1], 1)
    with pytest.raises(TypeError, match="expected file"):
        uj.load(1)
    with pytest.raises(TypeError, match=r"^function takes exactly 2 arguments \(3 given\)$"):
        uj.dump([1], out, True)
    with pytest.raises(TypeError, match=r"^function takes exactly 1 argument \(0 given\)$"):
        uj.load(fp=io.StringIO("1"))
    with pytest.raises(TypeError, match="expected file"):
        uj.dump([1], type("NotCallable", (), {"write": 1})())
    with pytest.raises(uj.JSONDecodeError):
        uj.load(io.StringIO("["))

    class FailingWriter:
        def write(self, text):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        uj.dump([1], FailingWriter())


# ---- decoder ----

def test_loads_input_types(uj):
    assert uj.loads(b'[1, "\xc3\xa9"]') == [1, "é"]
    assert uj.loads(bytearray(b"[1]")) == [1]
    with pytest.raises(TypeError, match="^Arbitrary bytes-like objects are no longer supported"):
        uj.loads(memoryview(b"[1]"))
    for bad in (1, None, [b"1"], memoryview(b"[1, 2]")[::2]):
        with pytest.raises(TypeError, match="^Expected string, bytes, or bytearray$"):
            uj.loads(bad)


def test_loads_structure(uj):
    assert uj.loads(' \t\n\r[ 1 , 2 , { "a" : [ ] , "b" : { } } ]\n') == [1, 2, {"a": [], "b": {}}]
    assert uj.loads('{"a": 1, "a": 2}') == {"a": 2}
    assert uj.loads('""') == ""
    keys = uj.loads('[{"same": 1}, {"same": 2}]')
    assert [list(d) for d in keys] == [["same"], ["same"]]


def error_of(uj, text):
    with pytest.raises(uj.JSONDecodeError) as info:
        uj.loads(text)
    return info.value


STRING = "when decoding 'string'"


@pytest.mark.parametrize("text, reason, pos", [
    ("", "Expected object or value", 0),
    ("   ", "Expected object or value", 3),
    ("[1,]", "Unexpected character found when decoding array value (1)", 3),
    ('{"a":1,}', "Unexpected character in found when decoding object value", 7),
    ('{"a" 1}', "No ':' found when decoding object value", 5),
    ("{1: 2}", "Key name of object must be 'string' when decoding 'object'", 2),
    ('{["a"]: 2}', "Invalid JSON: object keys must be strings", 10),
    ('{["a"]: 2, x', "Invalid JSON: object keys must be strings", 11),
    ("[1 2]", "Unexpected character found when decoding array value (2)", 3),
    ('{"a": 1 "b": 2}', "Unexpected character in found when decoding object value", 8),
    ("[1", "Unexpected character found when decoding array value (2)", 2),
    ('{"a": 1', "Unexpected character in found when decoding object value", 7),
    ('"abc', "Unmatched '\"' " + STRING, 4),
    ('"a\x00"', "Unmatched '\"' " + STRING, 2),
    ('"a\\', "Unterminated escape sequence " + STRING, 2),
    ('"\\x"', "Unrecognized escape sequence " + STRING, 1),
    ('"\\u12g4"', "Unexpected character in unicode escape sequence " + STRING, 1),
    ('"\\u12', "Unterminated unicode escape sequence " + STRING, 1),
    ('"\\u00e9\\n\\u12G"', "Unexpected character in unicode escape sequence " + STRING, 9),
    ('"\\u00e9\\q"', "Unrecognized escape sequence " + STRING, 7),
    ('"\\ud83d\\u"', "Unexpected character in unicode escape sequence " + STRING, 7),
    ("tru", "Unexpected character found when decoding 'true'", 0),
    ("nul", "Unexpected character found when decoding 'null'", 0),
    ("nan", "Unexpected character found when decoding 'null'", 0),
    ("Nan", "Unexpected character found when decoding 'NaN'", 0),
    ("-Inf", "Unexpected character found when decoding '-Infinity'", 0),
    ("-NaN", "Trailing data", 1),
    ("+1", "Expected object or value", 0),
    (".5", "Expected object or value", 0),
    ("--", "Trailing data", 1),
    ("-.", "Trailing data", 0),
    ("1e", "Trailing data", 1),
    ("1.5.3", "Trailing data", 3),
    ("1 2", "Trailing data", 2),
    ("truex", "Trailing data", 4),
    ("[1]\x00", "Trailing data", 3),
    ("\u00a0[1]", "Expected object or value", 0),
])
def test_decode_errors(uj, text, reason, pos):
    error = error_of(uj, text)
    assert isinstance(error, ValueError)
    assert str(error) == error.msg == reason
    assert error.args == (reason,)
    assert error.pos == pos
    assert error.doc is text


def test_lenient_numbers_and_strings(uj):
    """What ujson accepts beyond JSON, ujson_hpy accepts the same way."""
    for text, value in [("01", 1), ("-", 0), ("[-]", [0]), ("-0", 0), ("1.", 1.0), ("-.5", -0.5),
                        ("00.5", 0.5), ("1.e2", 100.0), ("-.0", -0.0), ("0" * 30 + "7", 7),
                        ('"a\nb\x01"', "a\nb\x01"), ('{"a":-}', {"a": 0})]:
        result = uj.loads(text)
        assert result == value and type(result) is type(value), text
    assert math.copysign(1, uj.loads("-.0")) == -1


def test_error_positions(uj):
    """Beyond ujson, the error says where: msg, doc, pos, lineno and colno as in the
    json module."""
    error = error_of(uj, '[\n  "é",\n  tru\n]')
    assert (error.pos, error.lineno, error.colno) == (11, 3, 3)
    error = error_of(uj, '["é", x]'.encode())
    assert error.pos == 7  # bytes input: positions count bytes
    error = error_of(uj, b'["\xff"]')
    assert error.msg == "Invalid UTF-8 sequence length " + STRING and error.pos == 2
    for bad, reason in [
            (b'"\x80"', "Found UTF-8 continuation byte without corresponding start byte " + STRING),
            (b'"\xc0\x80"', "Overlong 2-byte UTF-8 sequence detected " + STRING),
            (b'"\xe0\x80\x80"', "Overlong 3-byte UTF-8 sequence detected when encoding string"),
            (b'"\xf0\x80\x80\x80"', "Overlong 4-byte UTF-8 sequence detected " + STRING),
            (b'"\xf4\x90\x80\x80"', "Code point > U+10FFFF encountered whilst decoding 'string'"),
            (b'"\xf5"', "Code point > U+10FFFF encountered whilst decoding 'string'"),
            (b'"\xe9"', "Invalid UTF-8 continuation byte " + STRING),
            (b'"\xf0\x9f\x98"', "Invalid UTF-8 continuation byte " + STRING)]:
        assert error_of(uj, bad).msg == reason


def test_decode_depth_limit(uj):
    assert uj.loads("[" * 1024 + "]" * 1024) is not None
    for text in ("[" * 1025 + "]" * 1025, '{"a":' * 1025 + "1" + "}" * 1025, "[" * 1000000):
        error = error_of(uj, text)
        assert error.msg == "Reached object decoding depth limit"
        assert error.pos == 1024 or error.pos == 1024 * 5


def test_huge_integer_literal(uj):
    with pytest.raises(ValueError, match="integer string conversion"):
        uj.loads("1" * 100000)
    # Leading zeros keep an int small, as ujson counts them.
    assert uj.loads("0" * 100000 + "1") == 1


# ---- references ----

@cpython_only
def test_no_reference_leaks(uj):
    key, value = "some-key-" + "x" * 40, object()
    text = json.dumps({key: [1, 2.5, "s", None, {"k": key}]})

    class Raw:
        def __json__(self):
            return "1"

    raw = Raw()
    before = (sys.getrefcount(key), sys.getrefcount(value), sys.getrefcount(raw))
    for _ in range(200):
        uj.dumps({key: [value, raw, 2**80]}, default=lambda o: key, sort_keys=True)
        uj.loads(text)
        with pytest.raises(TypeError):
            uj.dumps([key, value])
        with pytest.raises(uj.JSONDecodeError):
            uj.loads(text[:-3])
    assert (sys.getrefcount(key), sys.getrefcount(value), sys.getrefcount(raw)) == before


# ---- properties, against the json module ----

if hypothesis is not None:
    scalars = (st.none() | st.booleans() | st.integers() | st.integers(-2**200, 2**200)
               | st.floats(allow_nan=False, allow_infinity=False)
                 .filter(lambda f: "e-0" not in repr(f))
               | st.text())
    documents = st.recursive(
        scalars,
        lambda children: (st.lists(children, max_size=5) |
                          st.dictionaries(st.text(), children, max_size=5)),
        max_leaves=30)
    PROPERTY = settings(max_examples=300, deadline=None,
                        suppress_health_check=list(hypothesis.HealthCheck))
else:
    documents = None


def property_test(strategy):
    """@given(strategy) with this module's settings, or a skip without hypothesis."""
    def wrap(test):
        if hypothesis is None:
            return needs_hypothesis(test)
        return PROPERTY(given(strategy)(test))
    return wrap


@property_test(documents)
def test_property_dumps_matches_json(uj, doc):
    """The json module writes floats as repr() does, ujson without an exponent's leading
    zero: the documents leave those floats out."""
    assert uj.dumps(doc, escape_forward_slashes=False) == like_json(doc, separators=(",", ":"))
    assert uj.dumps(doc, ensure_ascii=False, escape_forward_slashes=False) == json.dumps(
        doc, separators=(",", ":"), ensure_ascii=False)
    assert uj.dumps(doc) == compact(doc)


@property_test(documents)
def test_property_round_trip(uj, doc):
    assert uj.loads(uj.dumps(doc)) == doc
    assert uj.loads(uj.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")) == doc
    assert uj.loads(json.dumps(doc, indent=1)) == doc
    assert uj.loads(uj.dumps(doc, indent=3, sort_keys=True)) == doc


@property_test(st.floats(allow_nan=False, allow_infinity=False) if hypothesis else None)
def test_property_floats(uj, value):
    assert uj.dumps(value) == ujson_float(value)
    assert uj.loads(repr(value)) == value
    assert uj.loads("%.30e" % value) == float("%.30e" % value)


@property_test(st.floats(min_value=1e-300, max_value=1e300) if hypothesis else None)
def test_property_float_parsing(uj, value):
    """Exact decimal midpoints between two doubles, and every length of rounded digits,
    parse as float() parses them."""
    with decimal.localcontext() as context:
        context.prec = 1000
        midpoint = (decimal.Decimal(value) + decimal.Decimal(math.nextafter(value, math.inf))) / 2
    texts = [format(midpoint, "e")] + ["%.*e" % (digits, value) for digits in range(25)]
    assert uj.loads("[" + ",".join(texts) + "]") == [float(text) for text in texts]


JSONISH = '[]{}",:0123456789.eE+-\\u tfalsenuNIn \n\tinityé\x00\x1f'


@property_test(st.text(alphabet=JSONISH, max_size=30) if hypothesis else None)
def test_property_accepts_what_json_accepts(uj, text):
    """ujson accepts all JSON, and more (its verdict on the rest is compared with the
    real ujson in test_ujson_vs_ujson.py)."""
    try:
        expected = json.loads(text)
    except ValueError:
        return
    assert json.dumps(uj.loads(text)) == json.dumps(expected)


def test_cached_key_outlives_its_cache_slot(uj):
    # The second "k" comes from the decoder's key cache without a reference of its own;
    # the object under it has enough keys to evict "k" from every slot before "k" goes
    # into its dict. In debug mode a key used after the cache closed it faults.
    inner = {f"key{i}": i for i in range(4 * 256)}
    text = json.dumps([{"k": 0}, {"k": inner}, {"k": [inner, "k"]}])
    assert uj.loads(text) == json.loads(text)
    assert uj.loads(text.encode()) == json.loads(text)


def test_literals_in_every_place(uj):
    # Literals are the decoder's borrowed singletons: each place that takes a value
    # (top level, list, object value, after a nested container) must keep its own.
    text = '[true, false, null, {"a": true, "b": [null, false]}, [[true]], null]'
    for _ in range(3):
        assert uj.loads(text) == json.loads(text)
    for word, value in (("true", True), ("false", False), ("null", None)):
        assert uj.loads(word) is value
        assert uj.loads(f" {word} ") is value
    for bad in ("tru", "fals", "nul", "[tru]", '{"a": nul}', "truex", "[true"):
        with pytest.raises(uj.JSONDecodeError):
            uj.loads(bad)
