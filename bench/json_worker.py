"""The JSON benchmark worker: imports one library (json_cases.LIBRARIES), builds the
documents, then times calls.

``json_worker.py LIBRARY DATA_DIR``: print ``ready``, then serve ``CASE LOOPS`` lines
with the elapsed seconds, until end of input (as worker.py does for the micro cases).
``json_worker.py LIBRARY DATA_DIR --check``: for each case, print ``ok`` when its result
equals the standard json module's, for the smoke test.
``json_worker.py LIBRARY DATA_DIR --segments JSON``: JSON maps cases to call counts N;
for each of them, in that order, make N calls to warm up, N, and N again, each segment
after a call to ``os.getppid`` (for callgrind's ``--dump-before=getppid``, as worker.py).
The cyclic garbage collector is off while timing and counting, as timeit (and so ujson's
own benchmark) has it: its passes, triggered by allocation counts, would land in
whichever timing crossed the threshold. On PyPy it stays on: there gc.disable() stops
every major collection, and what cpyext keeps for a C extension piles up (ujson's
256 x 256 loads: 70 MB a call, until the kernel killed the process). A full collection
after each timing instead made the next short timing pay for rebuilding what cpyext
had dropped (256 Trues loads, 8 calls a timing: 73 times ujson's time).

ujson_hpy comes from samples/ujson/build.py's cache; the universal binary goes through
handlepy's loader, which reads its settings (trampolines, debug, trace) from the
environment.
"""
import gc
import importlib
import importlib.util
import json
import sys
import time
from itertools import repeat
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import serve  # noqa: E402
from json_cases import CASES, ROOT, SEGMENTS, library  # noqa: E402


def load(name):
    if not name.startswith("ujson_hpy-"):
        return importlib.import_module(name)
    spec = importlib.util.spec_from_file_location("ujson_build", ROOT / "samples/ujson/build.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    return builder.load(name.partition("-")[2])


def make_loop(module, lib, case, docs):
    """A function timing `loops` calls, the call inline in the loop (as in timeit)."""
    call = "loads(text)" if case.op == "loads" else (lib.sorted if case.sort_keys else lib.dumps)
    source = ("def loop(loops, dumps, loads, doc, text, OPT_SORT_KEYS):\n"
              "    it = _repeat(None, loops)\n"
              "    t0 = _timer()\n"
              "    for _ in it:\n"
              f"        {call}\n"
              "    return _timer() - t0\n")
    namespace = {"_repeat": repeat, "_timer": time.perf_counter}
    exec(compile(source, f"<{case.name}>", "exec"), namespace)
    loop = namespace["loop"]
    doc, text = docs[case.document]
    args = (module.dumps, module.loads, doc, text, getattr(module, "OPT_SORT_KEYS", None))
    return lambda loops: loop(loops, *args), (call, args)


def check(module, lib, docs):
    for case in CASES:
        _, (call, args) = make_loop(module, lib, case, docs)
        names = dict(zip(("dumps", "loads", "doc", "text", "OPT_SORT_KEYS"), args))
        value = eval(call, names)
        doc, text = docs[case.document]
        if case.op == "loads":
            good = value == json.loads(text)
        else:
            if isinstance(value, bytes):
                value = value.decode("utf-8")
            good = json.loads(value) == doc
            if case.sort_keys and isinstance(doc, dict):
                good = good and list(json.loads(value)) == sorted(doc)
        print("ok" if good else f"mismatch in {case.name}", flush=True)


def main(argv):
    from json_cases import documents

    lib = library(argv[0])
    module = load(lib.name)
    docs = documents(argv[1])
    if argv[2:3] == ["--check"]:
        check(module, lib, docs)
        return 0
    loops = {case.name: make_loop(module, lib, case, docs)[0] for case in CASES}
    gc.collect()
    if sys.implementation.name != "pypy":
        gc.disable()
    return serve.main(loops, argv[2:], SEGMENTS)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
