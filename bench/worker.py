"""The micro benchmark worker: imports one variant's module, then times calls.

``worker.py VARIANT BUILD_ROOT``: serve timing requests, one ``CASE LOOPS`` line in, the
elapsed seconds out, until end of input (run.py keeps one worker per variant alive and
interleaves them, so all variants of a case are timed under the same machine load).
``worker.py VARIANT BUILD_ROOT --check``: print each case's value (repr), one per line,
for the smoke test.
``worker.py VARIANT BUILD_ROOT --segments JSON``: JSON maps cases to call counts N; for
each of them, in that order, make N calls to warm up, N calls, N calls again and 2N
calls, each segment after a call to ``os.getppid``, then exit. run.py runs this under
callgrind with ``--dump-before=getppid``, so that each segment is counted on its own.
"""
import importlib
import importlib.util
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import serve  # noqa: E402
from micro_cases import ALL_VARIANTS, CASES, SEGMENTS  # noqa: E402


def load(variant, root, name=None):
    folder = Path(root) / variant.build
    if name is None:
        name = "capi_micro" if variant.build.startswith("capi") else "hpy_micro"
    for key, value in variant.env.items():
        # The loader reads its settings from the environment run.py gave this process.
        if os.environ.get(key) != value:
            raise SystemExit(f"{variant.name} needs {key}={value} in the environment")
    if variant.loader == "extension":
        sys.path.insert(0, str(folder))
        return importlib.import_module(name)
    if variant.loader == "handlepy":
        import handlepy

        return handlepy.load(name, str(folder / f"{name}.handlepy.so"))
    import hpy.universal

    path = str(folder / f"{name}.hpy0.so")
    return hpy.universal.load(name, path, importlib.util.spec_from_file_location(name, path))


class Holder:
    pass


def objects(module):
    obj = Holder()
    obj.x = 1
    return {"none": None, "number": 12345, "obj": obj, "mapping": {"k": 1},
            "items": [1, 2, 3], "custom": module.allocate_custom(),
            "items16": list(range(16)), "items256": list(range(256))}


def function(module, case):
    return None if case.function is None else getattr(module, case.function)


def make_loop(module, case):
    """A function timing `loops` calls of the case, compiled so that its statement runs
    inline in the loop, as in timeit: no extra Python call per iteration."""
    names = objects(module)
    params = ", ".join(["f", *names])
    source = (f"def loop(loops, {params}):\n"
              f"    it = _repeat(None, loops)\n"
              f"    t0 = _timer()\n"
              f"    for _ in it:\n"
              f"        {case.call}\n"
              f"    return _timer() - t0\n")
    namespace = {"_repeat": __import__("itertools").repeat, "_timer": time.perf_counter}
    exec(compile(source, f"<{case.name}>", "exec"), namespace)
    loop = namespace["loop"]
    fn = function(module, case)
    values = list(names.values())
    return lambda loops: loop(loops, fn, *values)


def check(module):
    for case in CASES:
        value = eval(case.call, {"f": function(module, case), **objects(module)})
        print(repr(type(value).__name__ if case.expected == "Custom" else value), flush=True)


def main(argv):
    variant = next(v for v in ALL_VARIANTS if v.name == argv[0])
    module = load(variant, argv[1])
    if argv[2:3] == ["--check"]:
        check(module)
        return 0
    loops = {case.name: make_loop(module, case) for case in CASES}
    return serve.main(loops, argv[2:], SEGMENTS)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
