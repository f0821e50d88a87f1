"""python -m handlepy.hpysuite: HPy 0.9's test suite, unchanged, against handlepy.

    python -m handlepy.hpysuite tests [PATH ...] [--abis cpython,universal,...]
        [--results FILE] [-n N] [--pytest-args "-k ... -x"]

runs HPy's ``test/`` (all but ``test/hpy_devel/``, which installs HPy itself) on this
interpreter, in the ABIs given (default: every ABI HPy's tests are written for).
Universal binaries go into a cache shared by every interpreter (``HANDLEPY_HPY_CACHE``);
with ``HANDLEPY_REQUIRE_CACHED=1`` a run uses the binaries another interpreter built.

    python -m handlepy.hpysuite examples [--abis cpython,universal,hybrid] [--results FILE]
    python -m handlepy.hpysuite microbench [--abis cpython,universal] [--results FILE]

build HPy's ``docs/examples`` and ``microbench/`` from their unchanged ``setup.py`` files
and run their tests (handlepy/hpysuite/examples.py and microbench.py say how).
"""
import argparse
import os
import subprocess
import sys

from . import SHIM_DIR, report
from .abis import ALL_ABIS
from .fetch import hpy_sources


def run_tests(abis, paths, results, workers, pytest_args):
    sources = hpy_sources()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SHIM_DIR), env.get("PYTHONPATH")]))
    env["HANDLEPY_HPY_ABIS"] = ",".join(abis)
    if results:
        env["HANDLEPY_HPY_RESULTS"] = os.path.abspath(results)
    cmd = [sys.executable, "-m", "pytest", *(str(sources / p) for p in paths),
           f"--ignore={sources / 'test' / 'hpy_devel'}", "--rootdir", str(sources),
           "-p", "handlepy.hpysuite.plugin", "-p", "no:cacheprovider",
           # handlepy's own leak check would fail HPy's tests that leak on purpose.
           "-p", "no:handlepy-debug", "-q", "-rfE"]
    if workers:
        cmd += ["-n", str(workers)]
    code = subprocess.run(cmd + pytest_args, env=env, cwd=sources).returncode
    # Failing tests are the report's to judge; anything else (no tests, a usage error,
    # an interrupted run) fails here.
    return 0 if code in (0, 1) else code


def write_report(results, out):
    problems = report.write(results, out)
    print(f"hpysuite: wrote {out}")
    for problem in problems:
        print(f"hpysuite: {problem}")
    if problems:
        print(f"hpysuite: {len(problems)} problem(s): each failure needs a reason in "
              "handlepy/hpysuite/known.py, no test may crash, and each ABI needs 97%")
    return 1 if problems else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m handlepy.hpysuite",
                                     description="Run HPy 0.9's test suite against handlepy.")
    sub = parser.add_subparsers(dest="what", required=True)
    tests = sub.add_parser("tests", help="HPy's test/ folder")
    tests.add_argument("--abis", default=",".join(ALL_ABIS),
                       help="comma-separated ABIs (default: %(default)s)")
    tests.add_argument("paths", nargs="*", default=["test"],
                       help="test files or folders, relative to HPy's sources (default: test)")
    tests.add_argument("--results", help="write each test's outcome here (JSON)")
    tests.add_argument("-n", "--workers", type=int, default=0,
                       help="pytest-xdist workers (0: none)")
    tests.add_argument("--pytest-args", default="",
                       help="more pytest arguments, in one string (split on spaces)")
    examples = sub.add_parser("examples", help="HPy's docs/examples, built from their setup.py")
    examples.add_argument("--abis", default="cpython,universal,hybrid",
                          help="comma-separated runs (default: %(default)s)")
    examples.add_argument("--results", help="write each outcome here (JSON)")
    examples.add_argument("--keep", help="build here, and keep it, instead of a temporary folder")
    microbench = sub.add_parser("microbench",
                                help="HPy's microbench/, built from its setup.py, for correctness")
    microbench.add_argument("--abis", default="cpython,universal",
                            help="comma-separated ABIs (default: %(default)s)")
    microbench.add_argument("--results", help="write each outcome here (JSON)")
    microbench.add_argument("--keep", help="build here, and keep it, instead of a temporary folder")
    report = sub.add_parser("report", help="write docs/hpy-compatibility.md from runs")
    report.add_argument("--out", required=True, help="the Markdown file to write")
    report.add_argument("results", nargs="+", help="outcome files of tests --results")
    args = parser.parse_args(argv)
    if args.what == "report":
        return write_report(args.results, args.out)
    if args.what in ("examples", "microbench"):
        from . import examples, microbench
        runner = examples if args.what == "examples" else microbench
        unknown = set(args.abis.split(",")) - set(runner.RUNS)
        if unknown:
            parser.error(f"{args.what}: unknown ABIs: {', '.join(sorted(unknown))}")
        return runner.run(hpy_sources(), args.abis.split(","), args.results, args.keep)
    abis = args.abis.split(",")
    unknown = set(abis) - set(ALL_ABIS)
    if unknown:
        parser.error(f"unknown ABIs: {', '.join(sorted(unknown))}")
    return run_tests(abis, args.paths, args.results, args.workers, args.pytest_args.split())


if __name__ == "__main__":
    sys.exit(main())
