"""HPy 0.9's ``microbench/``, built from its unchanged ``setup.py`` with handlepy
(``python -m handlepy.hpy_setup``, see docs/building.md) in each ABI, and its
``test_microbench.py`` run for correctness: each benchmark calls the module's functions
and checks nothing but that they run, so the run uses ``--fast`` (a hundredth of the
iterations) and reports no timing.

The build needs ``cffi`` (``setup.py`` builds the ``_valgrind`` helper with it) and
valgrind's ``callgrind.h``; the tests run outside valgrind, where ``_valgrind``'s
start and stop calls do nothing. ``make bench`` measures handlepy against HPy.

Each build is an outcome (``microbench/setup.py::build[abi]``) beside the tests'
(``microbench/test_microbench.py::<test>[<api>-<abi>]``), in the format of
``tests --results``.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .examples import error_lines, finish, outcome

RUNS = ("cpython", "universal")


def prerequisites():
    """What the build lacks, or None."""
    try:
        import cffi  # noqa: F401
    except ImportError:
        return "cffi is not installed (setup.py builds its _valgrind helper with it)"
    return None


def run_abi(sources, abi, work):
    src = work / abi
    shutil.copytree(sources / "microbench", src)
    results = {}
    proc = subprocess.run([sys.executable, "-m", "handlepy.hpy_setup", f"--hpy-abi={abi}",
                           "build_ext", "--inplace"],
                          cwd=src, env=dict(os.environ, HANDLEPY_ABI="",
                                            HANDLEPY_BUILD_HPY_EXT_MODULES="1"),
                          capture_output=True, text=True)
    built = proc.returncode == 0
    results[f"microbench/setup.py::build[{abi}]"] = outcome(
        built, "" if built else error_lines(proc.stdout + proc.stderr), when="build")
    print(f"hpysuite microbench: built in {abi}" if built else
          f"hpysuite microbench: the build in {abi} FAILED:\n{proc.stdout[-2000:]}"
          f"{proc.stderr[-3000:]}")
    if not built:
        return results
    raw = work / f"tests-{abi}.json"
    env = dict(os.environ, HANDLEPY_HPY_RESULTS=str(raw))
    env.pop("HANDLEPY_HPY_ABIS", None)
    cmd = [sys.executable, "-m", "pytest", "test_microbench.py", "--fast", "--rootdir", str(src),
           "-p", "handlepy.hpysuite.plugin", "-p", "no:cacheprovider", "-q", "-rfE"]
    proc = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True)
    print(proc.stdout[-3000:], end="")
    if raw.exists():
        for nodeid, result in json.loads(raw.read_text())["tests"].items():
            tagged = f"{nodeid[:-1]}-{abi}]" if nodeid.endswith("]") else f"{nodeid}[{abi}]"
            results[f"microbench/{tagged}"] = result
    if proc.returncode not in (0, 1) or not raw.exists():
        results[f"microbench/test_microbench.py::collect[{abi}]"] = outcome(
            False, error_lines(proc.stdout + proc.stderr), when="collect")
    return results


def run(sources, runs=RUNS, results_path=None, keep=None):
    missing = prerequisites()
    if missing:
        print(f"hpysuite microbench: cannot build: {missing}")
        return 2
    outcomes = {}
    with tempfile.TemporaryDirectory(prefix="hpy-microbench-") as tmp:
        work = Path(keep or tmp)
        for abi in runs:
            outcomes.update(run_abi(sources, abi, work))
    return finish("microbench", outcomes, results_path)
