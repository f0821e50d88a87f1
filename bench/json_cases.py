"""The JSON benchmark: its documents, its cases and the libraries they run on, shared by
the driver (run.py) and the worker it starts in each library's interpreter
(json_worker.py).

The generated documents follow the kinds of ujson's own benchmark (its
tests/benchmark.py): 256 doubles, 256 UTF-8 strings, 256 ASCII strings, a medium
object, 256 `True`s, 256 one-pair dicts of string to int, a dict of 256 arrays of those
(also dumped with sorted keys), and a complex object. Random parts come from a seeded
generator, so every process, on every interpreter, builds the same documents. The three
shared documents are read from the data folder (`../shared/data/json` beside the
project by default).
"""
import random
import sys
from collections import namedtuple
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "json"
FILES = ["twitter.json", "citm_catalog.json", "canada.json"]

# op: "dumps" or "loads"; document: a key of documents(); sort_keys: dumps with sorted keys.
Case = namedtuple("Case", "name op document sort_keys")

# Instantiated alike in every worker; the texts loads reads are json.dumps of these (for
# the files: the files' own text), as in ujson's benchmark.
GENERATED = ["256 doubles", "256 UTF-8 strings", "256 ASCII strings", "medium object",
             "256 Trues", "256 {str: int}", "256 x 256 {str: int}", "complex object"]
SORTED = "256 x 256 {str: int}"


def _cases():
    out = []
    for doc in GENERATED + FILES:
        out.append(Case(f"{doc} dumps", "dumps", doc, False))
        if doc == SORTED:
            out.append(Case(f"{doc} dumps, sorted keys", "dumps", doc, True))
        out.append(Case(f"{doc} loads", "loads", doc, False))
    return out


CASES = _cases()

# call: the statement a timing repeats, with `dumps`/`loads` the library's functions,
# `doc` the document and `text` its JSON; calls[0] is unsorted dumps, calls[1] sorted.
# ujson's benchmark calls ujson with ensure_ascii=False and json and orjson with their
# defaults; so do we. orjson.dumps returns bytes, the others str.
Library = namedtuple("Library", "name label dumps sorted")

LIBRARIES = [
    Library("ujson", "ujson (baseline)", "dumps(doc, ensure_ascii=False)",
            "dumps(doc, ensure_ascii=False, sort_keys=True)"),
    Library("ujson_hpy-cpython", "ujson_hpy CPython ABI", "dumps(doc, ensure_ascii=False)",
            "dumps(doc, ensure_ascii=False, sort_keys=True)"),
    Library("ujson_hpy-universal", "ujson_hpy universal", "dumps(doc, ensure_ascii=False)",
            "dumps(doc, ensure_ascii=False, sort_keys=True)"),
    Library("orjson", "orjson", "dumps(doc)", "dumps(doc, option=OPT_SORT_KEYS)"),
    Library("json", "json (standard library)", "dumps(doc)", "dumps(doc, sort_keys=True)"),
]
BASELINE = "ujson"
# Counted with callgrind as well: ujson_hpy against the library it copies.
COUNTED = ["ujson", "ujson_hpy-cpython", "ujson_hpy-universal"]
# On PyPy: what installs there (orjson does not support PyPy; ujson builds from source).
PYPY_LIBRARIES = ["ujson", "ujson_hpy-universal", "json"]


# The callgrind segments of each case, in units of N: a warm-up, N, N again (the two
# differ only by noise). A call costs tens of thousands of instructions at least, so
# the segment's own fixed cost (a few hundred) is left in: N calls over N is one call.
SEGMENTS = (1, 1, 1)


def library(name):
    return next(lib for lib in LIBRARIES if lib.name == name)


# Our own text, mixing scripts so that every UTF-8 sequence length occurs.
_UTF8 = ("Многоязычная строка: ελληνικά, العربية, 日本語のテキスト, 한국어 문장, "
         "emoji \U0001F600\U0001F680, and some plain ASCII between them. ")
_ASCII = "An ASCII string of moderate length, kept in a list"


def _user(rng, i):
    return {"id": 1000 + i, "login": f"user{i}", "name": "Zoë Ångström", "active": True,
            "score": round(rng.random() * 1000, 4), "ratio": rng.random(),
            "roles": ["reader", "writer"], "manager": None}


def _complex(rng):
    """Nested records of every JSON type: escapes, slashes, big and negative numbers,
    deep nesting, empty containers."""
    words = ["alpha", "beta", "gamma", "delta", "ε", "ζήτα", "名前", "quote\"d",
             "back\\slash", "tab\there", "new\nline", "http://example.org/a/b"]
    records = []
    for i in range(200):
        records.append({
            "id": i,
            "guid": "%08x-%04x" % (rng.getrandbits(32), rng.getrandbits(16)),
            "active": rng.random() < 0.5,
            "balance": round(rng.uniform(-1e6, 1e6), 2),
            "big": rng.getrandbits(62) - (1 << 61),
            "tags": rng.sample(words, 4),
            "about": " ".join(rng.choice(words) for _ in range(20)),
            "location": {"lat": rng.uniform(-90, 90), "lon": rng.uniform(-180, 180),
                         "history": [[rng.random(), rng.random()] for _ in range(5)]},
            "friends": [{"id": rng.randrange(200), "name": rng.choice(words),
                         "since": rng.randrange(1990, 2030)} for _ in range(3)],
            "nested": {"a": {"b": {"c": {"d": [i, None, True, False, {}, []]}}}},
            "missing": None,
        })
    return {"version": 3, "generated": "2026-01-01T00:00:00Z", "records": records}


def generated_documents():
    rng = random.Random(20261123)
    user = _user(rng, 0)
    friends = [_user(rng, i) for i in range(1, 9)]
    return {
        "256 doubles": [sys.maxsize * rng.random() for _ in range(256)],
        "256 UTF-8 strings": [_UTF8] * 256,
        "256 ASCII strings": [_ASCII] * 256,
        "medium object": [[user, friends] for _ in range(6)],
        "256 Trues": [True] * 256,
        "256 {str: int}": [{str(rng.random() * 20): int(rng.random() * 1000000)}
                           for _ in range(256)],
        "256 x 256 {str: int}": {
            str(rng.random() * 20): [{str(rng.random() * 20): int(rng.random() * 1000000)}
                                     for _ in range(256)]
            for _ in range(256)},
        "complex object": _complex(rng),
    }


def documents(data_dir):
    """{name: (document, its JSON text)}, the texts made by the standard json module (the
    files': their own text)."""
    import json

    out = {name: (doc, json.dumps(doc)) for name, doc in generated_documents().items()}
    for name in FILES:
        text = (Path(data_dir) / name).read_text(encoding="utf-8")
        out[name] = (json.loads(text), text)
    return out
