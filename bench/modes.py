"""``python bench/modes.py``: what debug and trace modes cost, on the micro benchmarks and
on the JSON sample; writes bench/results/<date>-modes.md.

The same universal binaries run in each mode, one long-lived worker process per mode;
every round times each case in every mode back to back (in a shuffled order), and each
mode keeps its fastest round, as bench/run.py does. The ratios are to the binary with
both modes off (the generated trampolines).

With ``--baseline-python``, the interpreter of a venv with another handlepy (say, main
before debug mode), it also counts with callgrind the instructions per micro-benchmark
call with both modes off, under that handlepy and under this one: the fast path must
not change.
"""
import argparse
import datetime
import json
import os
import platform
import random
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import callgrind  # noqa: E402
from micro_cases import CASES, MODE_VARIANTS, SEGMENTS, VARIANTS  # noqa: E402
from json_cases import CASES as JSON_CASES, DEFAULT_DATA, FILES  # noqa: E402
from run import Suite, Worker, calibrate  # noqa: E402

OFF = next(v for v in VARIANTS if v.name == "handlepy-universal")
MODES = [OFF, *MODE_VARIANTS]


def measure(workers, cases, rounds, target, name_of):
    """{(mode, case name): (seconds per call, ratio to OFF)}."""
    loops = {name_of(c): calibrate(workers[OFF.name], c, target) for c in cases}
    times = {(m.name, name_of(c)): [] for m in MODES for c in cases}
    rng = random.Random(0)
    for r in range(rounds):
        for case in cases:
            order = list(MODES)
            rng.shuffle(order)
            for m in order:
                times[(m.name, name_of(case))].append(
                    workers[m.name].time(case, loops[name_of(case)]))
        print(f"modes: round {r + 1}/{rounds}", flush=True)
    return {(m.name, name_of(c)): (min(times[(m.name, name_of(c))]) / loops[name_of(c)],
                                   min(times[(m.name, name_of(c))])
                                   / min(times[(OFF.name, name_of(c))]))
            for m in MODES for c in cases}


def count_off_instructions(python, out, n):
    """Instructions per call of each micro case with both modes off, for `python`'s
    handlepy (its own build of the micro module)."""
    shutil.rmtree(out, ignore_errors=True)
    build = out / "build"
    subprocess.run([python, str(HERE / "build_micro.py"), OFF.build, str(build / OFF.build)],
                   check=True, capture_output=True)
    cg = out / "callgrind"
    cg.mkdir(parents=True)
    env = dict(os.environ, PYTHONHASHSEED="0", **OFF.env)
    subprocess.run(["valgrind", "--tool=callgrind", "--dump-before=getppid",
                    f"--callgrind-out-file={cg / 'callgrind.out'}", python,
                    str(HERE / "worker.py"), OFF.name, str(build), "--segments",
                    json.dumps({c.name: n for c in CASES})],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    parts = {callgrind.part(f): f for f in cg.glob("callgrind.out*")}
    result = {}
    for i, case in enumerate(CASES):
        _, once, _, twice = (parts[2 + len(SEGMENTS) * i + k] for k in range(len(SEGMENTS)))
        result[case.name] = (callgrind.total(twice) - callgrind.total(once)) / n
    return result


def command_output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unavailable"


def table(rows, header):
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


def timing_table(results, case_names, scale, unit):
    rows = []
    for name in case_names:
        row = [name]
        for m in MODES:
            seconds, ratio = results[(m.name, name)]
            row.append(f"{seconds * scale:.3g} {unit}" + ("" if m is OFF else f" ({ratio:.1f}x)"))
        rows.append(row)
    return table(rows, ["case", *[m.label if m is not OFF else "modes off" for m in MODES]])


def write(path, args, micro, json, fast_path):
    commit = command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    lines = [
        f"# Debug and trace mode overhead ({datetime.date.today().isoformat()})", "",
        "Written by `python bench/modes.py` (see docs/debug.md). The same universal "
        "binaries in each mode, time per call (fastest of "
        f"{args.rounds} interleaved rounds for the micro benchmarks, {args.json_rounds} for "
        "the JSON sample) and, in parentheses, the ratio to both modes "
        "off. Debug mode records 4 frames of C backtrace where each handle is opened "
        "(`HANDLEPY_DEBUG_BACKTRACE`, the default); \"no backtraces\" sets it to 0.", "",
        f"- interpreter: {platform.python_implementation()} {platform.python_version()}",
        f"- handlepy: commit {commit}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs (shared; wall times are noisy)",
        "",
        "## Micro benchmarks", "",
        "The cases of bench/micro_cases.py (see docs/performance.md).", "",
        timing_table(micro, [c.name for c in CASES], 1e9, "ns"), "",
        "## JSON sample", "",
        "samples/ujson's `loads` and `dumps` of the files in `../shared/data/json` "
        "(the usual JSON benchmark documents).", "",
        timing_table(json, [c.name for c in json_cases()], 1e3, "ms"), "",
    ]
    if fast_path is not None:
        base, here = fast_path
        rows = [[c.name, f"{base[c.name]:.1f}", f"{here[c.name]:.1f}"] for c in CASES]
        lines += ["## The fast path with both modes off", "",
                  f"Instructions per call (callgrind, {args.calls} calls) of the universal "
                  f"binary with the generated trampolines, built and loaded by the handlepy of "
                  f"`{args.baseline_python}` ({args.baseline_label or 'the baseline'}) and "
                  f"by this one:", "",
                  table(rows, ["case", "baseline handlepy", "this handlepy"]), ""]
    path.write_text("\n".join(lines))


def json_cases():
    return [c for c in JSON_CASES if c.document in FILES]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10, help="rounds of the micro benchmarks")
    ap.add_argument("--json-rounds", type=int, default=5, help="rounds of the JSON sample")
    ap.add_argument("--target", type=float, default=0.005,
                    help="seconds one micro timing should take with both modes off")
    ap.add_argument("--json-target", type=float, default=0.01,
                    help="seconds one JSON timing should take with both modes off")
    ap.add_argument("--baseline-python", help="interpreter of a venv with another handlepy")
    ap.add_argument("--baseline-label", help="what that handlepy is, for the results")
    ap.add_argument("--calls", type=int, default=2000, help="calls per callgrind segment")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    for key in ("HANDLEPY_DEBUG", "HANDLEPY_TRACE", "HANDLEPY_DEBUG_BACKTRACE",
                "HANDLEPY_DEBUG_ON_ERROR"):
        os.environ.pop(key, None)
    build_root = ROOT / "build" / "bench-modes"
    subprocess.run([sys.executable, str(HERE / "build_micro.py"), OFF.build,
                    str(build_root / OFF.build)], check=True)

    micro_suite = Suite("modes", "", sys.executable, "worker.py", [str(build_root)], MODES,
                        OFF.name, CASES, [], ())
    workers = {m.name: Worker(micro_suite, m) for m in MODES}
    try:
        micro = measure(workers, CASES, args.rounds, args.target, lambda c: c.name)
    finally:
        for w in workers.values():
            w.close()
    json_suite = Suite("modes-json", "", sys.executable, "json_worker.py",
                       [str(DEFAULT_DATA)], MODES, OFF.name, json_cases(), [], ())
    # The universal ujson_hpy, in each mode: the library's name, the mode's environment.
    workers = {m.name: Worker(json_suite, m._replace(name="ujson_hpy-universal"))
               for m in MODES}
    try:
        json = measure(workers, json_cases(), args.json_rounds, args.json_target,
                       lambda c: c.name)
    finally:
        for w in workers.values():
            w.close()
    fast_path = None
    if args.baseline_python:
        fast_path = (count_off_instructions(args.baseline_python, build_root / "baseline",
                                            args.calls),
                     count_off_instructions(sys.executable, build_root / "this", args.calls))
    args.results.mkdir(parents=True, exist_ok=True)
    path = args.results / f"{datetime.date.today().isoformat()}-modes.md"
    write(path, args, micro, json, fast_path)
    print(f"modes: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
