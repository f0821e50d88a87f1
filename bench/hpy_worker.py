"""The worker of HPy's microbench suite (bench/hpy_microbench.py): imports one variant's
module and HPy's test_microbench.py, then runs its test methods.

``hpy_worker.py VARIANT BUILD_ROOT SDIST``, with ``--check`` or ``--segments JSON`` or
neither, speaks worker.py's protocol: a case's "loops" are the method's N, and the
elapsed seconds are what the method's timer enclosed. Under ``--segments`` the timer
calls os.getppid as it starts and as it stops (callgrind's --dump-before=getppid).
"""
import importlib
import importlib.util
import inspect
import json
import os
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hpy_microbench  # noqa: E402
import serve  # noqa: E402
from worker import load  # noqa: E402


class Timer:
    """The ``timer`` fixture: HPy's test methods use it once, as ``with timer:``."""

    def __init__(self, mark):
        self.mark = mark
        self.elapsed = None

    def __enter__(self):
        self.mark()
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.start
        self.mark()


def valgrind_stub():
    """test_microbench.py imports _valgrind, a cffi helper of HPy's setup.py, to start
    and stop callgrind's counting and to ask whether valgrind runs (then it divides its
    own N by 100). The worker counts with getppid marks and sets N itself: this stands
    in for the helper, answering that valgrind does not run."""
    module = types.ModuleType("_valgrind")
    module.lib = types.SimpleNamespace(callgrind_start=lambda: None,
                                       callgrind_stop=lambda: None,
                                       is_running_on_valgrind=lambda: 0)
    return module


def import_tests(sources):
    sys.modules.setdefault("_valgrind", valgrind_stub())
    path = hpy_microbench.test_file(sources)
    spec = importlib.util.spec_from_file_location("hpy_test_microbench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_run(tests, module, api, case, mark):
    method = getattr(getattr(tests, case.cls)(), case.method)
    wanted = inspect.signature(method).parameters

    def run(n):
        timer = Timer(mark)
        fixtures = {"simple": module, "timer": timer, "N": n, "api": api}
        method(**{name: fixtures[name] for name in wanted})
        return timer.elapsed
    return run


def main(argv):
    variant = next(v for v in hpy_microbench.VARIANTS if v.name == argv[0])
    root, sources, rest = argv[1], argv[2], argv[3:]
    api = "cpy" if variant.name == hpy_microbench.BASELINE else "hpy"
    module = load(variant, root, "cpy_simple" if api == "cpy" else "hpy_simple")
    tests = import_tests(sources)
    counting = rest[:1] == ["--segments"]
    mark = os.getppid if counting else (lambda: None)
    runs = {c.name: make_run(tests, module, api, c, mark)
            for c in hpy_microbench.cases(sources)}
    if rest[:1] == ["--check"]:
        for name, run in runs.items():
            print(name, run(10) is not None, flush=True)
    elif counting:
        for name, n in json.loads(rest[1]).items():
            for count in hpy_microbench.SEGMENTS:
                runs[name](count * n)
    else:
        serve.serve(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
