"""``make bench``: build the benchmark modules, measure them, write the results.

Five suites, in one run: the micro cases (bench/micro_cases.py), HPy 0.9's own
microbench/ (bench/hpy_microbench.py) and the JSON cases (bench/json_cases.py) on
CPython, then the micro and JSON cases again on PyPy (wall time only). Writes
bench/results/<date>.md and <date>.png. Every figure in them comes from this run.

Wall time: one worker process per variant stays alive; for each round and case, every
variant times the same number of calls back to back (in a shuffled order), so that the
load of a shared machine hits all variants alike. Other processes only ever add time to
a timing, so a variant's figure is its fastest round; its ratio is that over the
baseline's fastest round.

Instructions (CPython only): one callgrind process per variant makes, for each case, N
calls and then 2N calls, callgrind counting each segment apart; the difference over N
is the cost of one call, start-up, import and the segment's fixed costs cancelled. A
second N-call segment measures what is left as noise.

PyPy: before its timed rounds, each variant repeats each case's timing until the JIT has
settled: until the last WARMUP_WINDOW timings lie within WARMUP_SPREAD of their fastest
(at most WARMUP_MAX timings). How many it took, and the spread reached, go into the
results beside the figures. The calls per timing are calibrated again after the
baseline's first warm-up, and a PyPy timing lasts --pypy-target seconds, longer than a
CPython one: a cold calibration gave timings of a single call.
"""
import argparse
import datetime
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import callgrind  # noqa: E402
import hpy_microbench  # noqa: E402
import json_cases  # noqa: E402
import micro_cases  # noqa: E402
from environment import environment  # noqa: E402
from report import write_chart, write_markdown  # noqa: E402

MICRO_BUILDS = sorted({v.build for v in micro_cases.VARIANTS + hpy_microbench.VARIANTS})
# The C-API builds for PyPy's cpyext: the folder, and the build_micro.py build in it.
PYPY_CAPI_BUILDS = {v.build: v.build[:-len("-pypy")] for v in micro_cases.PYPY_VARIANTS
                    if v.build.endswith("-pypy")}
# PyPy's warm-up (module docstring): timings in a row, their spread, and a cap.
WARMUP_WINDOW = 5
WARMUP_SPREAD = 0.05
WARMUP_MAX = 40
# A worker's address space: one that leaks (as PyPy's did with its collector off) fails
# with a MemoryError instead of drawing the kernel's OOM killer onto the machine.
WORKER_MEMORY = 8 << 30

# python: the interpreter the workers run; worker: their script; args: what follows the
# variant's name on its command line; counted: the variants callgrind counts, in the
# worker's segments (micro_cases.SEGMENTS or json_cases.SEGMENTS); marks: "before" where
# the worker calls getppid before each segment, "around" where it calls it before and
# after (hpy_worker.py); warmup: wait for timings to settle first (PyPy's JIT).
Suite = namedtuple("Suite", "name title python worker args variants baseline cases counted "
                            "segments marks warmup", defaults=("before", False))


def variant_env(variant, **extra):
    env = dict(os.environ)
    for key in ("HANDLEPY_TRAMPOLINES", "HANDLEPY_DEBUG", "HANDLEPY_TRACE"):
        env.pop(key, None)
    env.update(getattr(variant, "env", {}))
    env.update(extra)
    return env


def build_all(build_root, pypy):
    for build in MICRO_BUILDS:
        print(f"bench: building {build}", flush=True)
        subprocess.run([sys.executable, str(HERE / "build_micro.py"), build,
                        str(build_root / build)], check=True)
    if pypy:
        for folder, build in PYPY_CAPI_BUILDS.items():
            print(f"bench: building {build} for PyPy's cpyext", flush=True)
            subprocess.run([pypy, str(HERE / "build_micro.py"), build,
                            str(build_root / folder)], check=True)
    # ujson_hpy in both ABIs, into samples/ujson/build.py's cache (PyPy finds the
    # universal binary there).
    for abi in ("cpython", "universal"):
        subprocess.run([sys.executable, str(ROOT / "samples/ujson/build.py"), abi],
                       check=True, stdout=subprocess.DEVNULL)


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))


class Worker:
    def __init__(self, suite, variant):
        self.name = variant.name
        self.proc = subprocess.Popen(
            [suite.python, str(HERE / suite.worker), variant.name, *suite.args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=variant_env(variant), preexec_fn=limit_memory)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"worker for {variant.name} did not start")

    def time(self, case, loops):
        try:
            self.proc.stdin.write(f"{case.name} {loops}\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            raise RuntimeError(f"worker for {self.name} died on {case.name} ({loops} calls), "
                               f"exit status {self.proc.wait()}")
        return float(line)

    def close(self):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait()


def calibrate(worker, case, target):
    """Loops for one timing of about `target` seconds on the baseline. The fastest of
    three timings decides: on PyPy one slow timing (a collection, a bridge compiled)
    made timings of 8 calls where 0.3 ms calls wanted a thousand."""
    loops = 1
    while True:
        elapsed = min(worker.time(case, loops) for _ in range(3))
        if elapsed >= target / 10:
            return max(1, int(loops * target / elapsed))
        loops *= 10


def warm_up(worker, case, loops):
    """Time `loops` calls again and again until the last WARMUP_WINDOW timings lie within
    WARMUP_SPREAD of their fastest, or WARMUP_MAX timings were made: (timings made,
    spread of the last window, whether it settled)."""
    times = []
    while True:
        times.append(worker.time(case, loops))
        window = times[-WARMUP_WINDOW:]
        spread = (max(window) - min(window)) / min(window)
        if len(window) == WARMUP_WINDOW and spread <= WARMUP_SPREAD:
            return len(times), spread, True
        if len(times) >= WARMUP_MAX:
            return len(times), spread, False


def measure_wall(suite, rounds, target):
    workers = {v.name: Worker(suite, v) for v in suite.variants}
    warmup = {}
    try:
        loops = {c.name: calibrate(workers[suite.baseline], c, target) for c in suite.cases}
        if suite.warmup:
            for c in suite.cases:
                # The first calibration ran cold: calibrated again once the baseline has
                # settled, each timing lasts about `target` at the JIT's full speed.
                warm_up(workers[suite.baseline], c, loops[c.name])
                loops[c.name] = calibrate(workers[suite.baseline], c, target)
                for v in suite.variants:
                    warmup[(v.name, c.name)] = warm_up(workers[v.name], c, loops[c.name])
            print(f"bench: {suite.name}: warmed up", flush=True)
        times = {(v.name, c.name): [] for v in suite.variants for c in suite.cases}
        rng = random.Random(0)
        for r in range(rounds):
            for case in suite.cases:
                order = list(suite.variants)
                rng.shuffle(order)
                for v in order:
                    times[(v.name, case.name)].append(
                        workers[v.name].time(case, loops[case.name]))
            if (r + 1) % 10 == 0 or r + 1 == rounds:
                print(f"bench: {suite.name}: wall time round {r + 1}/{rounds}", flush=True)
    finally:
        for w in workers.values():
            w.close()
    result = {}
    for v in suite.variants:
        for c in suite.cases:
            mine, base = times[(v.name, c.name)], times[(suite.baseline, c.name)]
            result[(v.name, c.name)] = {
                "ns": min(mine) / loops[c.name] * 1e9,
                "ratio": min(mine) / min(base),
                # How far the timed rounds strayed: their median over their fastest.
                "median_over_min": sorted(mine)[len(mine) // 2] / min(mine),
            }
    return result, loops, warmup


def segment_part(suite, case_index, segment):
    """The number of the callgrind part (callgrind.part) that counted a segment."""
    if suite.marks == "around":
        # Part 1 is start-up; then each segment, and what follows it up to the next one.
        return 2 + 2 * (len(suite.segments) * case_index + segment)
    return 2 + len(suite.segments) * case_index + segment


def expected_parts(suite, cases):
    if suite.marks == "around":
        return 1 + 2 * len(suite.segments) * cases
    # Start-up, the segments of each case, then what follows the last marker.
    return 1 + len(suite.segments) * cases + 1


def callgrind_run(suite, variant, counts, out_dir):
    out_dir.mkdir(parents=True)
    out_file = out_dir / "callgrind.out"
    cmd = ["valgrind", "--tool=callgrind", "--dump-before=getppid",
           f"--callgrind-out-file={out_file}", suite.python, str(HERE / suite.worker),
           variant.name, *suite.args, "--segments", json.dumps(counts)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=variant_env(variant, PYTHONHASHSEED="0"))
    parts = {callgrind.part(f): f for f in out_dir.glob("callgrind.out*")}
    expected = expected_parts(suite, len(counts))
    if sorted(parts) != list(range(1, expected + 1)):
        raise RuntimeError(f"{variant.name}: callgrind wrote parts {sorted(parts)}, "
                           f"expected 1..{expected}: was getppid called elsewhere?")
    return parts


def measure_instructions(suite, counts, out_dir):
    variants = [v for v in suite.variants if v.name in suite.counted]
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {v.name: pool.submit(callgrind_run, suite, v, counts, out_dir / v.name)
                for v in variants}
        parts = {name: job.result() for name, job in jobs.items()}
    result, profiles, noise = {}, {}, 0.0
    segs = len(suite.segments)
    for v in variants:
        for i, (name, n) in enumerate(counts.items()):
            # Case i's segments: warm-up, N, N again and (micro) 2N, whose difference to
            # N cancels the fixed costs.
            once, again, *twice = (parts[v.name][segment_part(suite, i, k)]
                                   for k in range(1, segs))
            base_costs = {} if not twice else callgrind.self_costs(once)
            top = twice[0] if twice else once
            base_total = callgrind.total(once) if twice else 0
            result[(v.name, name)] = (callgrind.total(top) - base_total) / n
            noise = max(noise, abs(callgrind.total(again) - callgrind.total(once))
                        / callgrind.total(once))
            top_costs = callgrind.self_costs(top)
            profiles[(v.name, name)] = {
                key: (top_costs.get(key, 0) - base_costs.get(key, 0)) / n
                for key in set(top_costs) | set(base_costs)}
    return result, profiles, noise


def pypy_libraries(pypy):
    """The JSON libraries PyPy can import (ujson only if it installed there)."""
    names = []
    for name in json_cases.PYPY_LIBRARIES:
        module = "ujson" if name == "ujson" else None
        if module is None or subprocess.run([pypy, "-c", f"import {module}"],
                                            capture_output=True).returncode == 0:
            names.append(name)
    return names


def hpy_microbench_sources():
    """HPy 0.9's unpacked sdist, as make test-hpy gets it (downloaded once into
    $HANDLEPY_HPY_SDIST, build/hpy-sdist under make)."""
    from handlepy.hpysuite.fetch import hpy_sources

    return hpy_sources()


def suites(args):
    build_root = ROOT / "build" / "bench"
    data = str(args.data)
    cases = re.compile(args.cases)
    micro = [c for c in micro_cases.CASES if cases.search(c.name)]
    sources = hpy_microbench_sources()
    hpymb = [c for c in hpy_microbench.cases(sources) if cases.search(c.name)]
    jcases = [c for c in json_cases.CASES if cases.search(c.name)]
    out = [
        Suite("micro", "Micro benchmarks, CPython", sys.executable, "worker.py",
              [str(build_root)], micro_cases.VARIANTS, micro_cases.BASELINE, micro,
              [v.name for v in micro_cases.VARIANTS], micro_cases.SEGMENTS),
        Suite("hpy-micro", "HPy 0.9's microbench, CPython", sys.executable, "hpy_worker.py",
              [str(build_root), str(sources)], hpy_microbench.VARIANTS,
              hpy_microbench.BASELINE, hpymb, [v.name for v in hpy_microbench.VARIANTS],
              hpy_microbench.SEGMENTS, marks="around"),
        Suite("json", "JSON, CPython", sys.executable, "json_worker.py", [data],
              json_cases.LIBRARIES, json_cases.BASELINE, jcases, json_cases.COUNTED,
              json_cases.SEGMENTS),
    ]
    if args.pypy:
        libs = [json_cases.library(n) for n in pypy_libraries(args.pypy)]
        base = json_cases.BASELINE if any(lib.name == json_cases.BASELINE for lib in libs) \
            else "json"
        out += [
            Suite("pypy-micro", "Micro benchmarks, PyPy", args.pypy, "worker.py",
                  [str(build_root)], micro_cases.PYPY_VARIANTS, micro_cases.PYPY_BASELINE,
                  micro, [], (), warmup=True),
            Suite("pypy-json", "JSON, PyPy", args.pypy, "json_worker.py", [data], libs,
                  base, jcases, [], (), warmup=True),
        ]
    wanted = set(args.suites.split(","))
    return [s for s in out if s.name in wanted]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=60, help="wall-time rounds, micro")
    ap.add_argument("--hpy-rounds", type=int, default=20,
                    help="wall-time rounds, HPy's microbench")
    ap.add_argument("--json-rounds", type=int, default=20, help="wall-time rounds, JSON")
    ap.add_argument("--target", type=float, default=0.01,
                    help="seconds one wall-time measurement should take (JSON: twice that)")
    ap.add_argument("--pypy-target", type=float, default=0.03,
                    help="the same on PyPy, once the JIT has settled")
    ap.add_argument("--calls", type=int, default=20000, help="N for callgrind, micro")
    ap.add_argument("--json-share", type=float, default=0.2,
                    help="N for callgrind, JSON: this share of the calibrated wall-time loops")
    ap.add_argument("--quick", action="store_true",
                    help="a short run to develop with: 3 rounds, small targets and N")
    ap.add_argument("--suites", default="micro,hpy-micro,json,pypy-micro,pypy-json",
                    help="comma-separated suites to run")
    ap.add_argument("--cases", default="", help="regular expression: only matching cases")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--data", type=Path,
                    default=Path(os.environ.get("BENCH_JSON_DATA", json_cases.DEFAULT_DATA)),
                    help="folder of the shared JSON documents (or $BENCH_JSON_DATA)")
    ap.add_argument("--pypy", default=str(ROOT / ".venv-pypy" / "bin" / "python"),
                    help="PyPy interpreter with handlepy installed ('' for none)")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    if args.quick:
        args.rounds, args.hpy_rounds, args.json_rounds = 3, 3, 3
        args.target, args.pypy_target, args.calls = 0.002, 0.006, 2000
    if args.pypy and not Path(args.pypy).exists():
        ap.error(f"{args.pypy} does not exist: make pypy-venv, or --pypy ''")

    started = time.monotonic()
    started_at = datetime.datetime.now().isoformat(timespec="seconds")
    today = datetime.date.today().isoformat()
    build_root = ROOT / "build" / "bench"
    build_all(build_root, args.pypy)
    run = {"date": today, "started": started_at, "suites": [],
           "env": environment(args.pypy), "data": args.data}
    load_before = os.getloadavg()
    for suite in suites(args):
        is_json = suite.worker == "json_worker.py"
        rounds = {"json_worker.py": args.json_rounds,
                  "hpy_worker.py": args.hpy_rounds}.get(suite.worker, args.rounds)
        target = (args.pypy_target if suite.warmup else args.target) * (2 if is_json else 1)
        wall, loops, warmup = measure_wall(suite, rounds, target)
        run["suites"].append({"suite": suite, "wall": wall, "loops": loops, "rounds": rounds,
                              "warmup": warmup,
                              "warmup_rule": (WARMUP_WINDOW, WARMUP_SPREAD, WARMUP_MAX),
                              "instructions": {}, "profiles": {},
                              "noise": 0.0, "counts": {}})
    run["load"] = (load_before, os.getloadavg())
    for result in run["suites"]:
        suite = result["suite"]
        if args.no_callgrind or not suite.counted or not suite.cases:
            continue
        print(f"bench: {suite.name}: counting instructions with callgrind", flush=True)
        if suite.worker == "json_worker.py":
            counts = {c.name: max(1, int(result["loops"][c.name] * args.json_share))
                      for c in suite.cases}
        else:
            counts = {c.name: args.calls for c in suite.cases}
        cg_dir = build_root / "callgrind" / suite.name
        shutil.rmtree(cg_dir, ignore_errors=True)
        result["instructions"], result["profiles"], result["noise"] = \
            measure_instructions(suite, counts, cg_dir)
        result["counts"] = counts

    args.results.mkdir(parents=True, exist_ok=True)
    chart = args.results / f"{today}.png"
    write_chart(run, chart)
    run["duration"] = time.monotonic() - started
    md = args.results / f"{today}.md"
    write_markdown(run, md, chart.name)
    print(f"bench: wrote {md} and {chart} in {run['duration']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
