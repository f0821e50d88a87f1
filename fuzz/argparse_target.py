"""Fuzz target: HPyArg_Parse, HPyArg_ParseKeywords and HPyArg_ParseKeywordsDict on formats,
keyword lists and arguments of the fuzzer's choosing.

For any format the parser must not crash, and must raise exactly when it fails. When the
format is one CPython documents (units, then an optional '|', an optional '$' for
keywords, then ':name' or ';message'), the outcome must be CPython's own parser's,
called through ctypes: the same values, or the same exception and message.
"""
import re
import sys
from pathlib import Path

CONFORMANCE = Path(__file__).resolve().parent.parent / "tests" / "conformance"
# Once: the regression test runs this file again and again.
if str(CONFORMANCE) not in sys.path:
    sys.path.insert(0, str(CONFORMANCE))
from argparse_reference import UNITS, parse_outcome, reference  # noqa: E402

MAX_UNITS = 16
# Format bytes are drawn mostly from what the parser knows, plus a few it must refuse.
FORMAT_ALPHABET = UNITS + "||$$::;;zy(#&e"
NAMES = ["", "", "a", "b", "c", "d", "e", "\u00e9"]

# The harness the conformance tests use, so that the two cannot drift apart.
HARNESS = CONFORMANCE / "argparse_harness.c"
SOURCE = HARNESS.read_text() + """
@EXPORT(parse)
@EXPORT(parse_kw)
@EXPORT(parse_dict)
@INIT
"""


def load(abi="cpython"):
    from handlepy.conformance import ExtensionCompiler
    return ExtensionCompiler(abi).make_module(SOURCE)


class Index:
    def __index__(self):
        return 7


class Real:
    def __float__(self):
        return 2.5


VALUES = [0, 1, -1, 127, 128, 255, 256, 2**15 - 1, 2**15, -2**15 - 1, 2**16, 2**31 - 1,
          2**31, -2**31 - 1, 2**32, 2**63 - 1, 2**63, -2**63 - 1, 2**64, 10**30, True,
          False, None, 0.5, -1e300, float("nan"), float("inf"), "", "x", "h\u00e9",
          "a\0b", "\ud800", b"", b"b", [], [0], (), Index(), Real(), object]


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def byte(self):
        self.pos += 1
        return self.data[self.pos - 1] if self.pos <= len(self.data) else 0

    def value(self):
        return VALUES[self.byte() % len(VALUES)]

    def format(self):
        chars = []
        for _ in range(self.byte() % 24):
            b = self.byte()
            chars.append(FORMAT_ALPHABET[b % len(FORMAT_ALPHABET)] if b < 0xf0 else chr(b))
        return "".join(chars).encode("latin-1")


def unit_count(fmt):
    return sum(chr(c) in UNITS for c in re.split(rb"[:;]", fmt)[0])


def documented(fmt, keywords):
    """A call CPython's parser is specified for, so that the two must agree: a well-formed
    format and, for keywords, one ASCII name per unit (CPython 3.11 compares names as
    ASCII), the positional-only ones ("") first and before any '$'.
    (A keyword list that does not fit the format is HPy 0.9's TypeError, in its words.)"""
    markers = r"(\|[%s]*)?(\$[%s]*)?" % (UNITS, UNITS) if keywords is not None \
        else r"(\|[%s]*)?" % UNITS
    if re.fullmatch(r"[%s]*%s(:[a-z]*|;[a-z ]*)?" % (UNITS, markers),
                    fmt.decode("latin-1")) is None:
        return False
    if keywords is None:
        return True
    before_dollar = unit_count(fmt.split(b"$")[0])
    return (len(keywords) == unit_count(fmt) and keywords == sorted(keywords, key=bool)
            and keywords.count(b"") <= before_dollar and all(k.isascii() for k in keywords))


def check(mod, data):
    r = Reader(data)
    use_keywords = r.byte() & 1
    fmt = r.format()
    if unit_count(fmt) > MAX_UNITS:
        return
    keywords = [NAMES[r.byte() % len(NAMES)].encode() for _ in range(r.byte() % 8)]
    args = [r.value() for _ in range(r.byte() % 8)]
    kwargs = {NAMES[r.byte() % len(NAMES)] or "zz": r.value() for _ in range(r.byte() % 4)}
    if use_keywords:
        got = parse_outcome(mod.parse_kw, fmt, tuple(keywords), *args, **kwargs)
        # The dict variant must agree with the vectorcall one on every input (its messages
        # about a bad format name it instead).
        from_dict = parse_outcome(mod.parse_dict, fmt, tuple(keywords), tuple(args),
                                  kwargs or None)
        if from_dict[0] == "raised":
            from_dict = from_dict[:2] + (from_dict[2].replace("KeywordsDict:", "Keywords:"),)
        assert from_dict == got, f"{fmt!r} {keywords} {args} {kwargs}: dict {from_dict} != {got}"
    else:
        got = parse_outcome(mod.parse, fmt, *args)
    assert got[1] != "AssertionError", f"{fmt!r} {keywords} {args} {kwargs}: {got[2]}"
    if documented(fmt, keywords if use_keywords else None):
        expected = reference(fmt, keywords if use_keywords else None, args, kwargs)
        assert got == expected, f"{fmt!r} {keywords} {args} {kwargs}: {got} != CPython's {expected}"

