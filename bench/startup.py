"""What installing handlepy costs at interpreter start (docs/performance.md).

    python bench/startup.py [--runs 50] [--interpreter PYTHON ...]

For each interpreter (which must have handlepy installed), makes two fresh venvs of it:
one bare, one given the installed handlepy-startup.pth and handlepy (a link to the
installed package). Reports the modules each starts
with and the median wall time of ``python -c pass`` over interleaved runs.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def installed_pth(python):
    code = ("import handlepy, pathlib; "
            "print(pathlib.Path(handlepy.__file__).parent.parent / 'handlepy-startup.pth')")
    # Not from the current folder, which may be a checkout of handlepy.
    return Path(subprocess.run([python, "-c", code], check=True, capture_output=True,
                               text=True, cwd=tempfile.gettempdir()).stdout.strip())


def make_venv(python, where, pth):
    subprocess.run([python, "-m", "venv", "--without-pip", str(where)], check=True)
    venv_python = where / "bin" / "python"
    if pth is not None:
        site = subprocess.run(
            [str(venv_python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True, capture_output=True, text=True).stdout.strip()
        (Path(site) / pth.name).write_bytes(pth.read_bytes())
        (Path(site) / "handlepy").symlink_to(pth.parent / "handlepy")
    return venv_python


def modules(python):
    return subprocess.run([str(python), "-c", "import sys; print(*sorted(sys.modules))"],
                          check=True, capture_output=True, text=True).stdout.split()


def time_starts(pythons, runs):
    """Median wall and CPU (user + system) milliseconds of ``python -c pass``, the
    interpreters taking turns; CPU time is the steadier of the two on a busy machine."""
    wall = {p: [] for p in pythons}
    cpu = {p: [] for p in pythons}
    for _ in range(runs):
        for python in pythons:
            start = time.perf_counter()
            pid = os.spawnv(os.P_NOWAIT, str(python), [str(python), "-c", "pass"])
            _, status, usage = os.wait4(pid, 0)
            wall[python].append(time.perf_counter() - start)
            cpu[python].append(usage.ru_utime + usage.ru_stime)
            if status != 0:
                raise RuntimeError(f"{python} -c pass failed")
    return ({p: statistics.median(t) * 1000 for p, t in wall.items()},
            {p: statistics.median(t) * 1000 for p, t in cpu.items()})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--interpreter", action="append", default=None)
    args = ap.parse_args(argv)
    print("| interpreter | modules at start, bare | with handlepy | `python -c pass`, bare "
          "| with handlepy | difference | CPU time, bare | with handlepy | difference |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for python in map(os.path.abspath, args.interpreter or [sys.executable]):
        with tempfile.TemporaryDirectory() as tmp:
            bare = make_venv(python, Path(tmp) / "bare", None)
            with_handlepy = make_venv(python, Path(tmp) / "handlepy", installed_pth(python))
            before, after = modules(bare), modules(with_handlepy)
            extra = sorted(set(after) - set(before))
            wall, cpu = time_starts([bare, with_handlepy], args.runs)
            version = subprocess.run(
                [str(bare), "-c", "import sys, platform; print(platform.python_implementation(),"
                 " '.'.join(map(str, sys.version_info[:2])))"],
                check=True, capture_output=True, text=True).stdout.strip()
            columns = [version, str(len(before)),
                       f"{len(after)}{' (' + ', '.join(extra) + ')' if extra else ''}"]
            for times in wall, cpu:
                columns += [f"{times[bare]:.1f} ms", f"{times[with_handlepy]:.1f} ms",
                            f"{times[with_handlepy] - times[bare]:+.1f} ms"]
            print("| " + " | ".join(columns) + " |")

if __name__ == "__main__":
    main()
