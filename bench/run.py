"""``make bench``: build the micro benchmark modules, measure them, write the results.

Writes bench/results/<date>.md and <date>.png. Every figure in them comes from this run.

Wall time: one worker process per variant stays alive; for each round and case, every
variant times the same number of calls back to back (in a shuffled order), so that the
load of a shared machine hits all variants alike. Other processes only ever add time to
a timing, so a variant's figure is its fastest round; its ratio is that over the
baseline's fastest round.

Instructions: one callgrind process per variant makes, for each case, N calls and then
2N calls, callgrind counting each segment apart; the difference over N is the cost of
one call, start-up, import and the segment's fixed costs cancelled. A second N-call
segment measures what is left as noise.
"""
import argparse
import datetime
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
import callgrind  # noqa: E402
from micro_cases import BASELINE, CASES, SEGMENTS, UNMEASURED, VARIANTS  # noqa: E402
from report import write_chart, write_markdown  # noqa: E402

BUILDS = sorted({v.build for v in VARIANTS})


def variant_env(variant, **extra):
    env = dict(os.environ)
    env.pop("HANDLEPY_TRAMPOLINES", None)
    env.update(variant.env)
    env.update(extra)
    return env


def build_all(build_root):
    for build in BUILDS:
        print(f"bench: building {build}", flush=True)
        subprocess.run([sys.executable, str(HERE / "build_micro.py"), build,
                        str(build_root / build)], check=True)


class Worker:
    def __init__(self, variant, build_root):
        self.variant = variant
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "worker.py"), variant.name, str(build_root)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=variant_env(variant))
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"worker for {variant.name} did not start")

    def time(self, case, loops):
        self.proc.stdin.write(f"{case.name} {loops}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker for {self.variant.name} died on {case.name}")
        return float(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def calibrate(worker, case, target):
    """Loops for one timing of about `target` seconds on the baseline."""
    loops = 1000
    while True:
        elapsed = worker.time(case, loops)
        if elapsed >= target / 10:
            return max(1, int(loops * target / elapsed))
        loops *= 10


def measure_wall(build_root, rounds, target):
    workers = {v.name: Worker(v, build_root) for v in VARIANTS}
    try:
        loops = {c.name: calibrate(workers[BASELINE], c, target) for c in CASES}
        times = {(v.name, c.name): [] for v in VARIANTS for c in CASES}
        rng = random.Random(0)
        for r in range(rounds):
            for case in CASES:
                order = list(VARIANTS)
                rng.shuffle(order)
                for v in order:
                    times[(v.name, case.name)].append(workers[v.name].time(case, loops[case.name]))
            if (r + 1) % 10 == 0 or r + 1 == rounds:
                print(f"bench: wall time round {r + 1}/{rounds}", flush=True)
    finally:
        for w in workers.values():
            w.close()
    result = {}
    for v in VARIANTS:
        for c in CASES:
            mine, base = times[(v.name, c.name)], times[(BASELINE, c.name)]
            result[(v.name, c.name)] = {
                "ns": min(mine) / loops[c.name] * 1e9,
                "ratio": min(mine) / min(base),
            }
    return result, loops


def callgrind_run(variant, build_root, n, out_dir):
    out_dir.mkdir(parents=True)
    out_file = out_dir / "callgrind.out"
    cmd = ["valgrind", "--tool=callgrind", "--dump-before=getppid",
           f"--callgrind-out-file={out_file}", sys.executable, str(HERE / "worker.py"),
           variant.name, str(build_root), "--segments", str(n)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=variant_env(variant, PYTHONHASHSEED="0"))
    parts = {callgrind.part(f): f for f in out_dir.glob("callgrind.out*")}
    # Start-up, four segments per case, then what follows the last marker.
    expected = 1 + len(SEGMENTS) * len(CASES) + 1
    if sorted(parts) != list(range(1, expected + 1)):
        raise RuntimeError(f"{variant.name}: callgrind wrote parts {sorted(parts)}, "
                           f"expected 1..{expected}: was getppid called elsewhere?")
    return parts


def measure_instructions(build_root, out_dir, n):
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = {v.name: pool.submit(callgrind_run, v, build_root, n, out_dir / v.name)
                for v in VARIANTS}
        parts = {name: job.result() for name, job in jobs.items()}
    result, profiles, noise = {}, {}, 0.0
    for v in VARIANTS:
        for i, c in enumerate(CASES):
            # Part 1 is start-up; case i's segments are the next four parts.
            _, once, again, twice = (parts[v.name][2 + len(SEGMENTS) * i + k]
                                     for k in range(len(SEGMENTS)))
            result[(v.name, c.name)] = (callgrind.total(twice) - callgrind.total(once)) / n
            noise = max(noise, abs(callgrind.total(again) - callgrind.total(once)) / n)
            once_costs, twice_costs = callgrind.self_costs(once), callgrind.self_costs(twice)
            profiles[(v.name, c.name)] = {
                key: (twice_costs.get(key, 0) - once_costs.get(key, 0)) / n
                for key in set(once_costs) | set(twice_costs)}
    return result, profiles, noise


def command_output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unavailable"


def lscpu_field(field):
    for line in command_output(["lscpu"]).splitlines():
        key, _, value = line.partition(":")
        if key.strip() == field:
            return value.strip()
    return "unavailable"


def environment():
    from importlib.metadata import version

    import handlepy

    commit = command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = command_output(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"])
    cc = command_output([os.environ.get("CC", "cc"), "--version"]).splitlines()[0]
    return {
        "cpu": lscpu_field("Model name"),
        "cpus": lscpu_field("CPU(s)"),
        "cores": f"{lscpu_field('Core(s) per socket')} per socket x "
                 f"{lscpu_field('Socket(s)')} socket(s), "
                 f"{lscpu_field('Thread(s) per core')} thread(s) per core",
        "interpreter": f"{platform.python_implementation()} {platform.python_version()} "
                       f"({sys.executable})",
        "handlepy": f"{handlepy.__version__} (commit {commit}{', modified' if dirty else ''})",
        "hpy": version("hpy"),
        "valgrind": command_output(["valgrind", "--version"]),
        "compiler": cc,
        "libffi": command_output(["pkg-config", "--modversion", "libffi"]),
        "matplotlib": version("matplotlib"),
        "platform": platform.platform(),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=60, help="wall-time rounds")
    ap.add_argument("--target", type=float, default=0.01,
                    help="seconds one wall-time measurement should take")
    ap.add_argument("--calls", type=int, default=20000, help="N, for callgrind")
    ap.add_argument("--results", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)

    started = time.monotonic()
    started_at = datetime.datetime.now().isoformat(timespec="seconds")
    today = datetime.date.today().isoformat()
    build_root = ROOT / "build" / "bench"
    build_all(build_root)
    load_before = os.getloadavg()
    wall, loops = measure_wall(build_root, args.rounds, args.target)
    load_after = os.getloadavg()
    cg_dir = build_root / "callgrind"
    shutil.rmtree(cg_dir, ignore_errors=True)
    instructions, profiles, noise = measure_instructions(build_root, cg_dir, args.calls)

    run = {
        "date": today,
        "started": started_at,
        "env": environment(),
        "cases": CASES,
        "variants": VARIANTS,
        "baseline": BASELINE,
        "unmeasured": UNMEASURED,
        "wall": wall,
        "loops": loops,
        "rounds": args.rounds,
        "load": (load_before, load_after),
        "instructions": instructions,
        "profiles": profiles,
        "noise": noise,
        "calls": args.calls,
    }
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
