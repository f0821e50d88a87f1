"""HPy 0.9's ``docs/examples``, built from their unchanged ``setup.py`` files with
handlepy (``python -m handlepy.hpy_setup``, see docs/building.md), and their
``tests.py`` run against the result, once per ABI.

``tests.py`` imports every example module at its top, so each run puts one build of
every project on the path: the ``cpython`` and ``hybrid`` runs build all of them in
that ABI; the ``universal`` run builds the pure HPy projects universal and
``mixed-example`` (which also calls the C API) hybrid, the universal ABI it is written
for. ``snippets/legacyinit.c`` is a plain C-API extension (``ext_modules``) and builds
as such in every run.

``tests.py`` and the two scripts run from a copy (unchanged) in the folder of the
run's builds: in ``docs/examples`` the project folders (``snippets/``, ...) would be
imported as namespace packages before handlepy's import finder, which comes last on
``sys.path``, saw the universal binaries of the same names.

Each build is an outcome of its own (``docs/examples/<project>/setup.py::build[abi]``)
beside the tests' (``docs/examples/tests.py::<test>[abi]``, or ``::collect[abi]`` when
``tests.py`` does not import) and the scripts' (``docs/examples/<script>::run[abi]``),
in the format of ``tests --results``.
"""
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import SHIM_DIR

PROJECTS = ("simple-example", "mixed-example", "snippets", "quickstart", "hpytype-example")
# The projects that call the C API beside HPy's, and so have no pure universal build.
MIXED = {"mixed-example"}
RUNS = ("cpython", "universal", "hybrid")
# Tests of tests.py that check HPy's own implementation, with the reason; they are
# not run, and are reported as skipped with this reason.
NOT_RUN = {
    "test_leak_detector_with_traces_output":
        "asserts the log line of HPy's loader (HPY_LOG=1) and its file name "
        "snippets.hpy0.so; debug-example.py, run here in handlepy's debug mode, checks "
        "the leak report itself",
}
# Tests that only an ABI with debug and trace modes can pass, as with HPy.
UNIVERSAL_ONLY = {
    "test_trace_mode_output": "trace mode exists for universal binaries only (as in HPy)",
}


def interpreter():
    version = ".".join(map(str, sys.version_info[:3]))
    if platform.python_implementation() == "PyPy":
        version = ".".join(map(str, sys.version_info[:2])) + \
            f" (PyPy {'.'.join(map(str, sys.pypy_version_info[:3]))})"
    return f"{platform.python_implementation()} {version}"


def outcome(passed, message="", when="call", skipped=False):
    return {"outcome": "skipped" if skipped else "passed" if passed else "failed",
            "when": when, "message": message[-2000:], "crashed": False}


def error_lines(text):
    lines = [line for line in text.splitlines() if line.startswith("E ")] or \
        [line for line in text.splitlines() if "error" in line.lower()]
    return "\n".join(lines[-5:] or text.strip().splitlines()[-5:])


def build_project(src, abi, lib, temp):
    """Build the copy of an example project at ``src`` in ``abi`` into ``lib``."""
    # PyPy ships HPy, whose hpy_ext_modules handlepy otherwise leaves to it.
    env = dict(os.environ, HANDLEPY_ABI="", HANDLEPY_BUILD_HPY_EXT_MODULES="1")
    proc = subprocess.run([sys.executable, "-m", "handlepy.hpy_setup", f"--hpy-abi={abi}",
                           "build_ext", "--build-lib", str(lib), "--build-temp", str(temp)],
                          cwd=src, env=env, capture_output=True, text=True)
    return proc.returncode == 0, error_lines(proc.stdout + proc.stderr)


def _script_failure(proc):
    last = (proc.stderr.strip().splitlines() or ["no error output"])[-1]
    return f"{last} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}"


def run_script(script, lib, env_extra):
    env = dict(os.environ, **env_extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(lib), str(SHIM_DIR),
                                                      os.environ.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, cwd=lib)


def check_scripts(examples, lib, abi):
    """debug-example.py and trace-example.py, in handlepy's debug and trace modes (HPy's
    tests select them with HPy's variable ``HPY``)."""
    results = {}
    proc = run_script(lib / "debug-example.py", lib,
                      {"HANDLEPY_DEBUG": "snippets", "HPY": "debug"})
    ok = (proc.returncode != 0 and "HPyLeakError: 1 unclosed handle" in proc.stderr
          and "SUCCESS" not in proc.stdout)
    results[f"docs/examples/debug-example.py::run[{abi}]"] = outcome(
        ok, "" if ok else _script_failure(proc))
    proc = run_script(lib / "trace-example.py", lib,
                      {"HANDLEPY_TRACE": "snippets", "HPY": "trace"})
    ok = proc.returncode == 0 and 'get_call_counts()["ctx_Add"] == 1' in proc.stdout
    results[f"docs/examples/trace-example.py::run[{abi}]"] = outcome(
        ok, "" if ok else _script_failure(proc))
    return results


def run_tests(examples, lib, abi, work):
    """tests.py with the run's builds on the path; returns the outcomes by test id."""
    raw = work / f"tests-{abi}.json"
    env = dict(os.environ, HANDLEPY_HPY_RESULTS=str(raw))
    env.pop("HANDLEPY_HPY_ABIS", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(lib), str(SHIM_DIR),
                                                      os.environ.get("PYTHONPATH")]))
    skipped = dict(NOT_RUN)
    if abi == "cpython":
        skipped.update(UNIVERSAL_ONLY)
    tests = lib / "tests.py"
    cmd = [sys.executable, "-m", "pytest", str(tests), "--rootdir", str(lib),
           "-p", "handlepy.hpysuite.plugin", "-p", "no:cacheprovider", "-q", "-rfE",
           *(f"--deselect={tests}::{name}" for name in skipped)]
    proc = subprocess.run(cmd, env=env, cwd=lib, capture_output=True, text=True)
    print(proc.stdout[-3000:], end="")
    results = {}
    if raw.exists():
        for nodeid, result in json.loads(raw.read_text())["tests"].items():
            results[f"docs/examples/{nodeid}[{abi}]"] = result
    if proc.returncode not in (0, 1) or not results:
        # A collection error (tests.py imports every example at its top): one outcome
        # for the file, with pytest's message.
        results[f"docs/examples/tests.py::collect[{abi}]"] = outcome(
            False, error_lines(proc.stdout + proc.stderr), when="collect")
    for name, reason in skipped.items():
        results[f"docs/examples/tests.py::{name}[{abi}]"] = outcome(
            False, f"not run: {reason}", skipped=True)
    return results


def run(sources, runs=RUNS, results_path=None, keep=None):
    examples = sources / "docs" / "examples"
    outcomes = {}
    with tempfile.TemporaryDirectory(prefix="hpy-examples-") as tmp:
        work = Path(keep or tmp)
        for abi in runs:
            lib = work / abi / "lib"
            lib.mkdir(parents=True, exist_ok=True)
            for name in ("tests.py", "debug-example.py", "trace-example.py"):
                shutil.copyfile(examples / name, lib / name)
            for project in PROJECTS:
                project_abi = "hybrid" if abi == "universal" and project in MIXED else abi
                src = work / abi / project
                shutil.copytree(examples / project, src, dirs_exist_ok=True)
                ok, message = build_project(src, project_abi, lib, work / abi / "temp" / project)
                outcomes[f"docs/examples/{project}/setup.py::build[{abi}]"] = outcome(
                    ok, "" if ok else message, when="build")
                print(f"hpysuite examples: {project} in {project_abi}: "
                      f"{'built' if ok else 'FAILED: ' + message}")
            outcomes.update(run_tests(examples, lib, abi, work))
            if abi != "cpython":
                outcomes.update(check_scripts(examples, lib, abi))
    return finish("docs/examples", outcomes, results_path)


def finish(what, outcomes, results_path):
    """Print the failures and write the outcomes; failures are the report's to judge."""
    failed = sorted(n for n, r in outcomes.items() if r["outcome"] == "failed")
    passed = sum(r["outcome"] == "passed" for r in outcomes.values())
    print(f"hpysuite {what}: {passed} passed, {len(failed)} failed")
    for nodeid in failed:
        print(f"  {nodeid}: {(outcomes[nodeid]['message'].splitlines() or [''])[0]}")
    if results_path:
        os.makedirs(os.path.dirname(os.path.abspath(results_path)), exist_ok=True)
        with open(results_path, "w") as f:
            json.dump({"interpreter": f"{interpreter()}, {what}", "tests": outcomes}, f,
                      indent=1, sort_keys=True)
    return 0
