"""Long-running loads/dumps loops for make stress, one workload per process:

    python tests/stress/workloads.py WORKLOAD[,WORKLOAD...] ABI SECONDS

Each runs until its share of SECONDS has passed (at least one iteration), checks what it
computes, and prints ``iterations WORKLOAD=N`` at its end. A crash is the process dying;
a wrong result is an AssertionError. The workloads replay the conditions under which
issue 15's crashes were seen (A: dumps of twitter.json after thousands of loads of its
text and bytes; B: the kinds of input a ujson-style test module throws at the module; C:
100 MB strings, also with the address space nearly exhausted; D: the nesting limits on
small thread stacks) and make allocations fail one by one (nomemory), with the collector
forced often (gc.set_threshold(1) on CPython; on PyPy the nursery size comes from the
environment). ABI ``debug`` is the universal binary in debug mode. Shared documents are
read from HANDLEPY_JSON_DATA.
"""
import gc
import importlib.util
import itertools
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("HANDLEPY_JSON_DATA") or ROOT.parent / "shared" / "data" / "json")
DOCUMENTS = ["twitter.json", "citm_catalog.json", "canada.json"]


def load_ujson(abi):
    spec = importlib.util.spec_from_file_location("ujson_hpy_build",
                                                  ROOT / "samples" / "ujson" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.load(abi, os.environ.get("STRESS_UJSON_CACHE"))


def documents():
    found = [(name, (DATA / name).read_text(encoding="utf-8")) for name in DOCUMENTS
             if (DATA / name).exists()]
    if not found:
        # Without the shared documents, a generated one of the same flavour.
        rng = random.Random(1)
        doc = [{"id": i, "text": "tweet \u00e9\u4e2d\U0001f600 " * rng.randint(1, 9),
                "user": {"name": f"user{i}", "followers": rng.randint(0, 10**9),
                         "ratio": rng.random(), "tags": [f"t{j}" for j in range(i % 7)]},
                "url": "https://example.com/a/b"} for i in range(2000)]
        found = [("generated.json", json.dumps(doc, ensure_ascii=False))]
    return found


def documents_loop(uj, deadline):
    """A: loads of each document's text and of its bytes, a thousand times each, then
    dumps of the result as often, repeated; every 50th result is checked against the json
    module. Stops at the deadline, wherever it is."""
    n = 0
    docs = [(name, text, json.loads(text)) for name, text in documents()]
    while True:
        for name, text, expected in docs:
            for i in range(2000):
                obj = uj.loads(text) if i < 1000 else uj.loads(text.encode())
                if i % 50 == 0:
                    assert obj == expected, name
                n += 1
                if time.monotonic() > deadline:
                    return n
            for i in range(1000):
                out = uj.dumps(obj)
                if i % 50 == 0:
                    assert json.loads(out) == expected, name
                    assert uj.loads(uj.dumps(obj, indent=2, sort_keys=True,
                                             ensure_ascii=False)) == expected, name
                n += 1
                if time.monotonic() > deadline:
                    return n


def big_loop(uj, deadline):
    """C: 100 MB strings in and out, with the address space limited by make stress."""
    size = 10**8
    n = 0
    while True:
        out = uj.dumps("\x01" * size)
        assert len(out) == 6 * size + 2 and out.startswith('"\\u0001')
        del out
        out = uj.loads('"' + "a" * size + '"')
        assert len(out) == size
        del out
        out = uj.loads(b'"' + b"\xc3\xa9" * (size // 2) + b'"')
        assert len(out) == size // 2
        del out
        out = uj.dumps(["\u00e9" * (size // 4)], ensure_ascii=False)
        assert len(out) == size // 4 + 4
        del out
        gc.collect()
        n += 4
        if time.monotonic() > deadline:
            return n


OOM_CHILD = """
import importlib.util, resource, sys
spec = importlib.util.spec_from_file_location("b", sys.argv[1])
b = importlib.util.module_from_spec(spec)
spec.loader.exec_module(b)
uj = b.load(sys.argv[2], None if sys.argv[4] == "-" else sys.argv[4])
limit = int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
n = 10**8
for name, op in (("dumps", lambda: uj.dumps("\\x01" * n)),
                 ("loads", lambda: uj.loads('"' + "a" * n + '"')),
                 ("loads bytes", lambda: uj.loads(b'"' + b"a" * n + b'"'))):
    try:
        op()
        print(name, "ok", flush=True)
    except MemoryError:
        print(name, "MemoryError", flush=True)
"""


def oom_loop(uj, deadline):
    """C: 100 MB dumps and loads in child processes whose address space is limited to
    1.2 to 2.8 GB: each must succeed or raise MemoryError, never kill the process (PyPy
    used to segfault between 1.6 and 2.0 GB)."""
    import subprocess
    n = 0
    limits = [int(g * 2**30) for g in (1.2, 1.6, 2.0, 2.4, 2.8)]
    # Short runs start at different limits, so that make stress reaches them all.
    first = int(time.time()) % len(limits)
    limits = limits[first:] + limits[:first]
    while True:
        for limit in limits:
            proc = subprocess.run([sys.executable, "-X", "faulthandler", "-c", OOM_CHILD,
                                   str(ROOT / "samples" / "ujson" / "build.py"), uj.abi,
                                   str(limit), os.environ.get("STRESS_UJSON_CACHE") or "-"],
                                  capture_output=True, text=True, timeout=600)
            # A MemoryError outside the calls (the interpreter's own) is no crash either.
            last = (proc.stderr.strip().splitlines() or [""])[-1]
            assert proc.returncode == 0 or (proc.returncode > 0 and "MemoryError" in last), (
                f"ulimit -v {limit}: exit {proc.returncode}\n{proc.stdout}{proc.stderr[-3000:]}")
            n += len(proc.stdout.splitlines())
            if time.monotonic() > deadline:
                return n


def _random_value(rng, depth=0):
    kind = rng.randrange(9 if depth < 6 else 6)
    if kind == 0:
        return rng.randint(-2**70, 2**70)
    if kind == 1:
        return rng.choice([rng.random() * 10 ** rng.randint(-300, 300), -0.0, 1e16])
    if kind == 2:
        return "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 0x11000)]))
                       for _ in range(rng.randrange(12))).replace("\ud800", "x")
    if kind == 3:
        return rng.choice([None, True, False])
    if kind == 4:
        return bytes(rng.randrange(128) for _ in range(rng.randrange(8)))
    if kind == 5:
        return "".join(rng.choice("ab\"\\/\n\u00e9\U0001f600") for _ in range(rng.randrange(20)))
    if kind == 6:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(5))]
    if kind == 7:
        return tuple(_random_value(rng, depth + 1) for _ in range(rng.randrange(5)))
    return {str(_random_value(rng, depth + 1))[:10]: _random_value(rng, depth + 1)
            for _ in range(rng.randrange(5))}


FRAGMENTS = ['"- I', "- I", "-Infinity", "Infinit", "NaN", "[1,", '{"a"', '"\\u12', '"\\ud800"',
             "[[[[[]]]]]", "1e99999", "-", "tru", "nul", '"\\x"', "[" * 50, "{" * 50, "\x00",
             "\ud800", '"\xe9\U0001f600"', "1" * 400, "0." + "9" * 50, "[1.5e-400]"]


def fuzz_loop(uj, deadline):
    """B: what a ujson-style test module does, over and over: conversions of encoded
    strings, incomplete special inputs, dumps of random bytes and of nested arrays. Bytes
    that are not UTF-8 raise OverflowError (ensure_ascii) or UnicodeDecodeError, as in
    ujson 6.1."""
    rng = random.Random(15)
    n = 0
    while True:
        value = _random_value(rng)
        try:
            text = uj.dumps(value, reject_bytes=False, ensure_ascii=rng.random() < 0.5)
        except (OverflowError, TypeError, UnicodeError, ValueError):
            text = None
        if text is not None:
            uj.loads(text)
            uj.loads(text.encode("utf-8", "surrogatepass"))
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
        for candidate in (blob, blob.decode("latin-1"), rng.choice(FRAGMENTS),
                          rng.choice(FRAGMENTS) + rng.choice(FRAGMENTS), bytearray(blob)):
            try:
                uj.loads(candidate)
            except (ValueError, TypeError):
                pass
        try:
            uj.dumps(blob, reject_bytes=False)
        except (UnicodeDecodeError, OverflowError):
            pass
        try:
            uj.dumps(blob)
        except TypeError:
            pass
        nested = []
        for _ in range(rng.randrange(1, 300)):
            nested = [nested, [nested]] if rng.random() < 0.01 else [nested]
        uj.loads(uj.dumps(nested))
        s = "".join(chr(rng.randrange(0x10000)) for _ in range(50))
        for encoded in (s.encode("utf-8", "surrogatepass"), s.encode("utf-16", "surrogatepass")):
            try:
                uj.loads(encoded)
            except (ValueError, TypeError):
                pass
            try:
                uj.dumps(encoded, reject_bytes=False)
            except (UnicodeDecodeError, OverflowError, TypeError):
                pass
        n += 1
        if time.monotonic() > deadline:
            return n


def threads_loop(uj, deadline):
    """D under load: the nesting limits on threads with 128 KiB stacks, several at once."""
    threading.stack_size(128 * 1024)
    errors = []
    count = [0]

    def work():
        try:
            value = []
            for _ in range(1024):
                value = [value]
            while time.monotonic() < deadline:
                assert uj.loads("[" * 1024 + "]" * 1024) is not None
                assert len(uj.dumps(value)) == 2 * 1025
                try:
                    uj.loads("[" * 2000)
                except ValueError:
                    pass
                count[0] += 1
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return count[0]


class _Raw:
    def __json__(self):
        return '{"raw": [1, 2]}'


class _ToDict:
    def toDict(self):
        return {"t": [1, 2.5, None]}


class _Other:
    pass


def _nomemory_ops(uj):
    """The calls whose every allocation nomemory_loop makes fail in turn; their arguments
    are made beforehand, so that only the module's own allocations (and CPython's on its
    behalf) fail."""
    import decimal
    doc = {"a": [1, 2.5, "x\u00e9\U0001f600", None, True, False, {"b": "c/d"}, (1, 2),
                 2**70, -3], "k\u00e9y": {"n": [[], {}, [[1]]]}, "s": "plain " * 20}
    specials = [_Raw(), _ToDict(), decimal.Decimal("1.5"), b"bytes\xc3\xa9"]
    keys = {None: 1, True: 2, 3: 4, b"x": 5, 2.5: 6}
    seps = (", ", "\ud800:")
    default = [_Other(), {1: _Other()}]
    texts = ['{"a": [1, 2.5, "x\\u00e9\\ud83d\\ude00", null, true, {"b": "c"}], '
             '"k": {"n": [[], {}, [[1]]]}, "big": 123456789012345678901234567890}',
             '[1, -0.5e-3, "abc", {"x": 1e300, "y": NaN}]', '"\\ud800 \xe9"',
             '[1, 2', '{"a" 1}', '{[1]: 2}', "[" * 40, '{"a": 1} x']
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    return ([("dumps", lambda: uj.dumps(doc)),
             ("dumps options", lambda: uj.dumps(doc, sort_keys=True, indent=2,
                                                ensure_ascii=False, escape_forward_slashes=False)),
             ("dumps separators", lambda: uj.dumps(doc, separators=seps)),
             ("dumps default", lambda: uj.dumps(default, default=repr)),
             ("dumps specials", lambda: uj.dumps(specials, reject_bytes=False)),
             ("dumps keys", lambda: uj.dumps(keys)),
             ("dumps unserialisable", lambda: uj.dumps(default))]
            + [(f"loads {t[:12]!r}", lambda t=t: uj.loads(t)) for t in texts]
            + [(f"loads {t[:12]!r}", lambda t=t: uj.loads(t)) for t in encoded]
            + [("loads bytearray", lambda: uj.loads(bytearray(encoded[0])))])


def nomemory_loop(uj, deadline):
    """Error paths, where a reference or handle dropped twice or kept too long hides
    best: each call of _nomemory_ops with its n-th allocation failing (and with every
    allocation from the n-th on failing) for n = 0, 1, 2, ..., through CPython's
    _testcapi.set_nomemory; after each, the call must give what it gave at first. On
    PyPy, which has no such hook, it does nothing."""
    try:
        import _testcapi
        _testcapi.set_nomemory
    except (ImportError, AttributeError):
        return 0

    def outcome(op):
        try:
            return ("ok", repr(op()))
        except Exception as e:
            return (type(e).__name__, str(e))

    ops = [(name, op, outcome(op)) for name, op in _nomemory_ops(uj)]
    n = 0
    for first in itertools.count():
        for name, op, expected in ops:
            for stop in (first + 1, 0):
                try:
                    _testcapi.set_nomemory(first, stop)
                    try:
                        op()
                    finally:
                        _testcapi.remove_mem_hooks()
                except Exception:
                    pass
                gc.collect()
                assert outcome(op) == expected, (name, first, stop)
                n += 1
            if time.monotonic() > deadline:
                return n
        if first == 2000:
            return n


WORKLOADS = {"documents": documents_loop, "big": big_loop, "fuzz": fuzz_loop,
             "threads": threads_loop, "oom": oom_loop, "nomemory": nomemory_loop}


def main():
    """workloads.py WORKLOAD[,WORKLOAD...] ABI SECONDS: the seconds are shared out."""
    workloads, abi, seconds = sys.argv[1].split(","), sys.argv[2], float(sys.argv[3])
    if hasattr(gc, "set_threshold"):
        gc.set_threshold(1)
    uj = load_ujson(abi)
    for name in workloads:
        n = WORKLOADS[name](uj, time.monotonic() + seconds / len(workloads))
        print(f"iterations {name}={n}", flush=True)


if __name__ == "__main__":
    main()
