"""make stress: the samples' tests, the conformance suite and long loads/dumps loops
(workloads.py), over and over, under conditions that make lifetime bugs show (issue 15):
the collector forced very often (gc_pressure.py; on PyPy a tiny nursery and frequent
major collections), CPU contention from busy processes, faulthandler on, the address
space limited (ulimit -v); on CPython also every allocation of a set of calls failing
in turn, and the loops once more on the universal binary in debug mode. CPython runs
both ABIs, PyPy the universal binaries. The jobs
take turns in slices of a sixth of the budget (at least a minute); a suite cut at the end
of its slice continues where it stopped on its next turn. Runs for a bounded time, then
prints how many runs, tests and iterations ran under which conditions.

A run that dies of a signal (or in which faulthandler reports a fatal error) is a crash:
its report, in build/stress/crashes/, names the test that was running (gc_pressure.py
records it), holds faulthandler's Python traceback and gdb's native backtrace from the
core file. The exit status is 1 when anything crashed or failed.

    python tests/stress/run.py [--seconds 600] [--vmem-gb 8] [--busy 2] [--parallel 2]
"""
import argparse
import itertools
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PYPY_GC = {"PYPY_GC_NURSERY": "64k", "PYPY_GC_MAJOR_COLLECT": "1.1"}
# PyPy before 7.3.16 frees objects a list still holds when a copy into the list meets
# incremental marking (pypy/pypy#3959): pypy_gc_probe.py, pure Python, crashes 7.3.11
# within seconds under PYPY_GC, and ran clean each time with marking done in one step (an
# increment larger than any heap here). Issue 15's crash B was that bug; the runs are to
# find handlepy's, so on those versions the collector marks in one step.
PYPY_FIXED_MARKING = (7, 3, 16)
PYPY_ONE_STEP_MARKING = {"PYPY_GC_INCREMENT_STEP": "100GB"}
WORKLOADS = ["documents", "fuzz", "threads", "big", "oom"]
# CPython alone can make its allocations fail on demand (workloads.nomemory_loop).
CPYTHON_WORKLOADS = WORKLOADS + ["nomemory"]
# Debug mode (the universal binary, loaded with debug=True) reports a handle used after
# it was closed and faults on a read through a closed handle's buffer, which the hosts
# forgive while the object lives; its handles cost time, so it gets the smaller inputs.
DEBUG_WORKLOADS = ["documents", "fuzz", "nomemory"]


class Job:
    def __init__(self, name, python, args, env=None, kind="pytest"):
        self.name, self.python, self.args = name, python, args
        self.env, self.kind = env or {}, kind
        self.runs = self.completed = self.tests = 0
        self.iterations = {}
        self.seconds = 0.0
        # Where the next run of a suite starts: a run cut at the end of its slice is
        # continued by the next one, so the suites are covered round after round.
        self.first_test = 0
        # Doubled while a run's slice ends before its first test (collection and builds
        # are slow on PyPy with a tiny nursery on a loaded machine).
        self.slice_factor = 1


def pypy_version(python):
    proc = subprocess.run([python, "-c", "import sys; print(*sys.pypy_version_info[:3])"],
                          capture_output=True, text=True, timeout=60)
    return tuple(int(part) for part in proc.stdout.split())


def pypy_gc_env(python):
    """The collector settings of the PyPy runs: PYPY_GC, marking in one step where
    PyPy's incremental marking has its own bug."""
    if pypy_version(python) < PYPY_FIXED_MARKING:
        return {**PYPY_GC, **PYPY_ONE_STEP_MARKING}
    return dict(PYPY_GC)


def make_jobs(cpython, pypy, pypy_gc):
    """The test suites and the loops, in the order they take turns."""
    pytest_args = ["-m", "pytest", "-p", "gc_pressure", "-p", "no:cacheprovider", "-q",
                   "-rfE", "--tb=short"]
    samples = str(ROOT / "tests" / "samples")
    conformance = str(ROOT / "tests" / "conformance")
    pypy_env = {"HANDLEPY_ABIS": "universal", **pypy_gc}
    suites, loops = [], []
    if cpython:
        suites.append(Job("cpython/samples (cpython+universal)", cpython, pytest_args + [samples]))
        suites.append(Job("cpython/conformance (cpython+universal)", cpython,
                          pytest_args + [conformance]))
    if pypy:
        suites.append(Job("pypy/samples (universal)", pypy, pytest_args + [samples], pypy_env))
        # The installed copy, as make test runs it on PyPy.
        suites.append(Job("pypy/conformance (universal)", pypy,
                          ["-m", "handlepy.conformance", "-p", "gc_pressure", "-q", "-rfE",
                           "--tb=short"], pypy_gc))
    for python, abi, env, workloads in (
            (cpython, "cpython", {}, CPYTHON_WORKLOADS),
            (cpython, "universal", {}, CPYTHON_WORKLOADS),
            (pypy, "universal", pypy_gc, WORKLOADS),
            (cpython, "debug", {}, DEBUG_WORKLOADS)):
        if python:
            interp = "pypy" if python is pypy else "cpython"
            loops.append(Job(f"{interp}/ujson loops ({abi})", python,
                             [str(HERE / "workloads.py"), ",".join(workloads), abi], env,
                             kind="loop"))
    # Suites and loops alternate, so that a short budget still reaches every loop.
    jobs = []
    for i in range(max(len(suites), len(loops))):
        jobs += suites[i:i + 1] + loops[i:i + 1]
    return jobs


def limits(vmem):
    def apply():
        os.nice(10)
        resource.setrlimit(resource.RLIMIT_AS, (vmem, vmem))
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        os.setsid()
    return apply


def gdb_backtrace(python, core):
    exe = os.path.realpath(python)
    if shutil.which("gdb") is None:
        return "(gdb is not installed: no native backtrace)"
    proc = subprocess.run(["gdb", "-q", "-batch", "-ex", "set pagination off",
                           "-ex", "printf \"faulting pc: %#lx\\n\", $pc",
                           "-ex", "printf \"return address: %#lx\\n\", *(unsigned long *)$sp",
                           "-ex", "info sharedlibrary", "-ex", "thread apply all bt 40",
                           exe, str(core)],
                          capture_output=True, text=True, timeout=300)
    return proc.stdout + proc.stderr


# The libraries handlepy makes or loads: its loader, universal binaries, and the modules
# the tests and samples build into their caches.
_HANDLEPY_LIBRARY = re.compile(r"\S*(handlepy|samples-cache|conformance-cache|ujson_hpy)\S*\.so")


def interpreter_alone(gdb_output):
    """Whether gdb listed the core's libraries and none of them is handlepy's: the crash
    is then the interpreter's own. PyPy before 7.3.16 has a collector bug that crashes at
    random, mostly while pytest rewrites a test module's asserts (pypy/pypy#3959), which
    is how a crash of PyPy 7.3.11 showed up in issue 15's hunt. Without a listing (no gdb,
    an unreadable core) nothing is known."""
    return "Shared Object Library" in gdb_output and not _HANDLEPY_LIBRARY.search(gdb_output)


_LIBRARY_LINE = re.compile(
    r"^(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+\S+(?: \(\*\))?\s+(/\S+)$", re.M)
_PLT_ENTRY = re.compile(r"^([0-9a-f]+) <(\S+)@plt>:$", re.M)


def plt_entries(library):
    """The PLT entries of a library file as (start, name), at its unrelocated addresses."""
    proc = subprocess.run(["objdump", "-d", "-j", ".plt", library],
                          capture_output=True, text=True, timeout=120)
    return [(int(start, 16), name) for start, name in _PLT_ENTRY.findall(proc.stdout)]


def unrelocated_plt_target(gdb_output):
    """(library, symbol) when the crash jumped from a library's code to an address in
    that library's PLT as it is in the file, below where the library is mapped: the
    call went through a GOT slot holding the file's value, not the one the dynamic
    loader wrote there. The library's relocated pages had been replaced by its file's
    content (they revert so under madvise(MADV_DONTNEED)), or the file was rewritten
    while loaded. That is issue 15's crash A ("segfault at 45a6 ip 45a6": the
    lazy-binding entry of PyDict_GetItemWithError@plt in that build of ujson_hpy): no
    handle or object lifetime bug jumps there."""
    pc = re.search(r"^faulting pc: (0x[0-9a-f]+)$", gdb_output, re.M)
    ret = re.search(r"^return address: (0x[0-9a-f]+)$", gdb_output, re.M)
    if pc is None or ret is None:
        return None
    pc, ret = int(pc.group(1), 16), int(ret.group(1), 16)
    for low, high, library in _LIBRARY_LINE.findall(gdb_output):
        if not int(low, 16) <= ret <= int(high, 16) or pc >= int(low, 16):
            continue
        entries = plt_entries(library) if os.path.exists(library) else []
        ends = [start for start, _ in entries[1:]] + [entries[-1][0] + 16] if entries else []
        for (start, name), end in zip(entries, ends):
            if start <= pc < end:
                return library, name
    return None


def interpreter_version(python):
    proc = subprocess.run([python, "-c", "import sys; print(sys.version.replace(chr(10), ' '))"],
                          capture_output=True, text=True, timeout=60)
    return proc.stdout.strip() or "(unknown)"


def run_job(job, index, out, vmem, deadline, base_env, slice_seconds):
    workdir = out / "runs" / f"{index:04d}"
    workdir.mkdir(parents=True, exist_ok=True)
    current = workdir / "current-test"
    env = {**base_env, **job.env, "STRESS_CURRENT_TEST": str(current),
           "STRESS_FIRST_TEST": str(job.first_test)}
    remaining = deadline - time.monotonic()
    cmd = [job.python, "-X", "faulthandler", *job.args]
    seconds = max(5.0, min(slice_seconds * job.slice_factor, remaining))
    if job.kind == "loop":
        # A loop stops itself, and reports its iterations; the margin is for building.
        cmd.append(f"{seconds:.0f}")
        timeout = seconds + 300
    else:
        timeout = seconds
    start = time.monotonic()
    with open(workdir / "stdout", "w") as stdout, open(workdir / "stderr", "w") as stderr:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=stdout, stderr=stderr,
                                preexec_fn=limits(vmem))
    return {"job": job, "proc": proc, "workdir": workdir, "start": start,
            "timeout": timeout, "cmd": cmd, "current": current}


def finish(run, out, crashes, failures):
    job, proc, workdir = run["job"], run["proc"], run["workdir"]
    timed_out = False
    rc = proc.poll()
    if rc is None:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        rc = proc.wait()
    job.runs += 1
    job.seconds += time.monotonic() - run["start"]
    stdout = (workdir / "stdout").read_text(errors="replace")
    stderr = (workdir / "stderr").read_text(errors="replace")
    record = run["current"].read_text() if run["current"].exists() else ""
    count, _, test = record.partition(" ")
    started = int(count) if count.isdigit() else 0
    if job.kind == "pytest":
        job.tests += started
        if timed_out:
            job.first_test += max(started - 1, 0)
        else:
            job.first_test = 0
        job.slice_factor = 2 * job.slice_factor if timed_out and started == 0 else 1
    for name, count in re.findall(r"iterations (\w+)=(\d+)", stdout):
        job.iterations[name] = job.iterations.get(name, 0) + int(count)
    crashed = not timed_out and (rc < 0 or "Fatal Python error" in stderr or rc > 128)
    if crashed:
        cores = sorted(workdir.glob("core*"))
        native = gdb_backtrace(job.python, cores[0]) if cores else "(no core file was written)"
        for core in cores:
            core.unlink()
        whose = (" (no library of handlepy's was loaded: the interpreter's own crash)"
                 if interpreter_alone(native) else "")
        stale = unrelocated_plt_target(native)
        if stale:
            whose += (f" (jumped through a GOT slot holding its value in the file,"
                      f" {stale[1]}@plt of {stale[0]}: the library's relocated pages were"
                      f" replaced by the file's content, not a handle bug)")
        report = out / "crashes" / f"{workdir.name}.txt"
        report.parent.mkdir(exist_ok=True)
        report.write_text(
            f"job: {job.name}\ninterpreter: {interpreter_version(job.python)}\n"
            f"command: {' '.join(run['cmd'])}\nexit status: {rc}"
            f" ({signal.Signals(-rc).name if rc < 0 and -rc in signal.valid_signals() else ''})\n"
            f"test running: {test or '(not a test run)'} (test {started} of the run)\n\n"
            f"---- stderr (faulthandler) ----\n{stderr[-20000:]}\n"
            f"---- stdout (last lines) ----\n{stdout[-3000:]}\n"
            f"---- gdb ----\n{native}\n")
        crashes.append(f"{job.name}: signal/status {rc} in {test or 'the loop'}{whose}"
                       f" -> {report}")
        status = "CRASHED"
    elif timed_out:
        status = f"slice over after {started} tests, resumed next time"
    elif rc != 0:
        lines = [ln for ln in stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))]
        tail = stderr.strip().splitlines()[-3:] if not lines else []
        failures.append(f"{job.name}: exit {rc}: " + "; ".join(lines[:10] + tail))
        status = "FAILED"
    else:
        job.completed += 1
        status = "passed"
    if not crashed:
        shutil.rmtree(workdir, ignore_errors=True)
    return status


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float,
                        default=float(os.environ.get("STRESS_SECONDS", "600")))
    parser.add_argument("--vmem-gb", type=float, default=8.0, help="ulimit -v of each run")
    parser.add_argument("--busy", type=int, default=2, help="busy processes for contention")
    parser.add_argument("--parallel", type=int, default=2, help="runs at a time")
    parser.add_argument("--cpython", default=str(ROOT / ".venv" / "bin" / "python"))
    parser.add_argument("--pypy", default=str(ROOT / ".venv-pypy" / "bin" / "python"))
    parser.add_argument("--out", default=str(ROOT / "build" / "stress"))
    args = parser.parse_args()

    cpython = args.cpython if Path(args.cpython).exists() else None
    pypy = args.pypy if Path(args.pypy).exists() else None
    out = Path(args.out)
    shutil.rmtree(out / "runs", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    vmem = int(args.vmem_gb * 2**30)
    slice_seconds = max(60, int(args.seconds / 6))
    pypy_gc = pypy_gc_env(pypy) if pypy else {}
    marking = (" (marking in one step: this PyPy predates the fix of pypy/pypy#3959)"
               if "PYPY_GC_INCREMENT_STEP" in pypy_gc else "")
    jobs = make_jobs(cpython, pypy, pypy_gc)
    data = os.environ.get("HANDLEPY_JSON_DATA") or str(ROOT.parent / "shared" / "data" / "json")
    base_env = {**os.environ, "PYTHONPATH": str(HERE), "PYTHONFAULTHANDLER": "1",
                "HANDLEPY_JSON_DATA": data,
                "HANDLEPY_CONFORMANCE_CACHE": os.environ.get(
                    "HANDLEPY_CONFORMANCE_CACHE", str(ROOT / "build" / "conformance-cache"))}
    print(f"make stress: {args.seconds:.0f} s, {args.parallel} runs at a time beside "
          f"{args.busy} busy processes, ulimit -v {args.vmem_gb:g} GiB, faulthandler on, "
          f"gc.set_threshold(1) and a full collection around each test on CPython, "
          f"{' '.join(f'{k}={v}' for k, v in pypy_gc.items())} on PyPy{marking}; "
          f"interpreters: {cpython or '(no CPython venv)'}, {pypy or '(no PyPy venv)'}; "
          f"shared documents: {data}" +
          ("" if Path(data).is_dir() else " (missing: generated ones)"),
          flush=True)

    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"],
                             preexec_fn=lambda: os.nice(10))
            for _ in range(args.busy)]
    crashes, failures, running = [], [], []
    deadline = time.monotonic() + args.seconds
    counter = itertools.count()
    order = itertools.cycle(jobs)
    try:
        while time.monotonic() < deadline or running:
            for run in list(running):
                late = time.monotonic() - run["start"] > run["timeout"]
                if run["proc"].poll() is not None or late:
                    running.remove(run)
                    status = finish(run, out, crashes, failures)
                    print(f"  [{time.monotonic() - deadline + args.seconds:4.0f} s] "
                          f"{run['job'].name}: {status}", flush=True)
            while (time.monotonic() < deadline - 5 and len(running) < args.parallel and
                   len(running) < len(jobs)):
                job = next(order)
                if any(r["job"] is job for r in running):
                    continue
                running.append(run_job(job, next(counter), out, vmem, deadline, base_env,
                                       slice_seconds))
            time.sleep(0.5)
    finally:
        for p in busy:
            p.kill()
            p.wait()
        for run in running:
            os.killpg(run["proc"].pid, signal.SIGKILL)

    print(f"\nruns in slices of {slice_seconds} s, under the conditions above:")
    for job in jobs:
        if job.runs == 0:
            continue
        what = (f"{job.tests} tests, {job.completed} complete passes" if job.kind == "pytest"
                else "iterations: " + ", ".join(f"{k} {v}" for k, v in job.iterations.items()))
        print(f"  {job.name:42} {job.runs:3} runs, {what}, {job.seconds:.0f} s")
    idle = [job.name for job in jobs if job.runs == 0]
    if idle:
        print(f"  not reached in {args.seconds:.0f} s: {len(idle)} of {len(jobs)} jobs "
              f"(STRESS_SECONDS longer reaches them)")
    for title, items in (("CRASHES", crashes), ("FAILURES", failures)):
        if items:
            print(f"\n{title}:")
            for item in items:
                print("  " + item)
    if not crashes and not failures:
        print("\nno crash, no failure")
    return 1 if crashes or failures else 0


if __name__ == "__main__":
    sys.exit(main())
