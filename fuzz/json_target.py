"""Fuzz target: the ujson_hpy sample's decoder and encoder.

The first byte of an input picks what is fuzzed:

- even: the rest, as UTF-8 text (bad bytes replaced) and as raw bytes, goes to
  ``loads``, which must give what ``json.loads`` gives for the JSON it accepts (ujson
  accepts more: leading zeros, raw control characters, ...), and, where ujson 6.1 is
  installed, accept what it accepts, with the same value, and refuse what it refuses;
- odd: the rest describes a Python value (see ``Reader``) and the first byte's other bits
  the options; ``dumps`` must give text that ``json.loads`` reads back as that value.
"""
import importlib.util
import json
import math
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ujson_hpy nests 1024 levels; json.loads recurses in Python, so keep under its limit.
MAX_DEPTH = 200


try:
    import ujson
    if ujson.__version__ != "6.1.0":
        ujson = None
except ImportError:
    ujson = None


def load(abi="cpython"):
    spec = importlib.util.spec_from_file_location("ujson_hpy_build",
                                                  ROOT / "samples" / "ujson" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.load(abi)


def same(a, b):
    """Equal values of the same types, NaN equal to NaN and -0.0 apart from 0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return ((math.isnan(a) and math.isnan(b)) or
                (a == b and math.copysign(1, a) == math.copysign(1, b)))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def check(uj, data):
    if not data:
        return
    if data[0] % 2 == 0:
        check_decoder(uj, data[1:].decode("utf-8", "replace"))
        check_decoder(uj, data[1:])
    else:
        check_encoder(uj, data[0] >> 1, data[1:])


def outcome(loads, doc):
    try:
        return loads(doc)
    except ValueError:
        return ValueError


def check_decoder(uj, doc):
    text = doc.decode("utf-8", "replace") if isinstance(doc, bytes) else doc
    if text.count("[") + text.count("{") > MAX_DEPTH:
        return
    try:
        expected = json.loads(text)
    except (ValueError, RecursionError):
        expected = ValueError
    if isinstance(doc, bytes) and expected is not ValueError:
        try:
            doc.decode("utf-8")
        except UnicodeDecodeError:
            expected = ValueError
    got = outcome(uj.loads, doc)
    if expected is not ValueError:
        assert got is not ValueError and same(got, expected), \
            f"loads({doc!r}) gave {got!r}, json gives {expected!r}"
    if ujson is not None:
        theirs = outcome(ujson.loads, doc)
        if theirs is ValueError or got is ValueError:
            assert got is theirs, f"loads({doc!r}): ujson gives {theirs!r}, ujson_hpy {got!r}"
        else:
            assert same(got, theirs), f"loads({doc!r}) gave {got!r}, ujson gives {theirs!r}"


class Reader:
    """A Python value spelt in bytes: each value starts with a tag byte."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def byte(self):
        if self.pos >= len(self.data):
            return 0
        self.pos += 1
        return self.data[self.pos - 1]

    def take(self, n):
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk.ljust(n, b"\0")

    def value(self, depth=0):
        tag = self.byte()
        kind = tag % 9 if depth < 20 else tag % 5
        if kind == 0:
            return None
        if kind == 1:
            return bool(tag & 16)
        if kind == 2:
            return int.from_bytes(self.take(1 + self.byte() % 24), "little", signed=True)
        if kind == 3:
            return struct.unpack("<d", self.take(8))[0]
        if kind == 4:
            return self.string()
        if kind in (5, 6):
            return [self.value(depth + 1) for _ in range(self.byte() % 8)]
        return {self.key(): self.value(depth + 1) for _ in range(self.byte() % 8)}

    def string(self):
        # Code points of every width, lone surrogates included.
        return "".join(chr(int.from_bytes(self.take(3), "little") % 0x110000)
                       if self.byte() & 1 else chr(self.byte())
                       for _ in range(self.byte() % 16))

    def key(self):
        tag = self.byte() % 4
        if tag == 0:
            return self.string()
        if tag == 1:
            return int.from_bytes(self.take(2), "little", signed=True)
        return (None, True, False)[self.byte() % 3]


def as_key(key):
    if key is None or isinstance(key, bool):
        return {None: "null", True: "true", False: "false"}[key]
    return str(key)


def expected_value(value):
    """What json.loads gives for ujson_hpy's text of ``value``."""
    if isinstance(value, list):
        return [expected_value(v) for v in value]
    if isinstance(value, dict):
        result = {}
        for k, v in value.items():
            result[as_key(k)] = expected_value(v)
        return result
    return value


def paired(value):
    """``value`` with each high surrogate followed by a low one merged into one code point,
    as a JSON reader does with the two escapes ``\\udXXX\\udYYY`` that stand for them."""
    if isinstance(value, str):
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    if isinstance(value, list):
        return [paired(v) for v in value]
    if isinstance(value, dict):
        return {paired(k): paired(v) for k, v in value.items()}
    return value


def unordered_same(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(unordered_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(unordered_same(x, y) for x, y in zip(a, b))
    return same(a, b)


def check_encoder(uj, options, data):
    value = Reader(data).value()
    kwargs = dict(ensure_ascii=bool(options & 1), escape_forward_slashes=bool(options & 2),
                  encode_html_chars=bool(options & 4), sort_keys=bool(options & 8),
                  allow_nan=bool(options & 16), indent=(0, 2, 4, -1)[(options >> 5) % 4])
    try:
        text = uj.dumps(value, **kwargs)
    except OverflowError:
        assert not kwargs["allow_nan"], f"dumps({value!r}, **{kwargs}) overflowed"
        return
    except TypeError:
        assert kwargs["sort_keys"], f"dumps({value!r}, **{kwargs}) raised TypeError"
        return
    if kwargs["ensure_ascii"]:
        assert text.isascii(), f"dumps({value!r}, **{kwargs}) gave {text!r}"
    expected = paired(expected_value(value))
    assert unordered_same(paired(json.loads(text)), expected), \
        f"dumps({value!r}, **{kwargs}) gave {text!r}"
    assert unordered_same(paired(uj.loads(text)), expected), \
        f"loads(dumps({value!r}, **{kwargs})) differs"
