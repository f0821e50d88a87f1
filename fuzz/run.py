"""Build the fuzz targets with libFuzzer, AddressSanitizer and UBSan, and run each for a
bounded time (``make fuzz``). Run it with a Python that has handlepy installed and a
shared libpython (Debian's python3.11; see the Makefile).

Each target is fuzz/<name>_target.py; its seeds are fuzz/corpus/<name>/, and what the
fuzzer learns is kept in build/fuzz/corpus/<name>/. An input that crashes, hangs or fails
the target's check is copied to fuzz/regressions/<name>/, where
tests/test_fuzz_regressions.py replays it in every ABI: commit it with the fix.
"""
import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
OUT = ROOT / "build" / "fuzz"
TARGETS = sorted(p.name[:-len("_target.py")] for p in FUZZ.glob("*_target.py"))
SANITIZERS = "address,undefined"


def extension_env(cc):
    """How a target's load() builds the extension under test: with clang's coverage
    instrumentation for libFuzzer and the sanitizers, cached apart from other builds."""
    return {**os.environ, "CC": cc, "HANDLEPY_SANITIZE": f"fuzzer-no-link,{SANITIZERS}",
            "HANDLEPY_CONFORMANCE_CACHE": str(OUT / "cache"),
            "ASAN_OPTIONS": "detect_leaks=0", "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"}


def build_driver(name, cc):
    """One executable per target: libFuzzer's main, the embedded interpreter, the target."""
    binary = OUT / f"fuzz_{name}"
    libdir = sysconfig.get_config_var("LIBDIR")
    cmd = [cc, "-g", "-O1", "-std=c11", "-Wall", "-Wextra", "-Werror",
           f"-fsanitize=fuzzer,{SANITIZERS}", "-fno-sanitize-recover=all",
           f"-I{sysconfig.get_paths()['include']}",
           f'-DFUZZ_PYTHON="{sys.executable}"', f'-DFUZZ_DIR="{FUZZ}"',
           f'-DFUZZ_TARGET="{name}_target"', str(FUZZ / "driver.c"),
           f"-L{libdir}", f"-Wl,-rpath,{libdir}",
           f"-lpython{sysconfig.get_config_var('LDVERSION')}",
           "-o", str(binary)]
    subprocess.run(cmd, check=True)
    return binary


def run(name, binary, seconds, cc):
    corpus = OUT / "corpus" / name
    crashes = OUT / "crashes" / name
    for folder in (corpus, crashes):
        folder.mkdir(parents=True, exist_ok=True)
    seeds = FUZZ / "corpus" / name
    cmd = [str(binary), f"-max_total_time={seconds}", "-timeout=10", "-max_len=4096",
           "-print_final_stats=1", f"-artifact_prefix={crashes}/", str(corpus), str(seeds)]
    print(f"fuzz: {name} for {seconds} s: {' '.join(cmd)}", flush=True)
    proc = subprocess.run(cmd, env=extension_env(cc), cwd=ROOT)
    found = sorted(crashes.iterdir())
    if not found and proc.returncode == 0:
        return True
    regressions = FUZZ / "regressions" / name
    regressions.mkdir(parents=True, exist_ok=True)
    for crash in found:
        shutil.copy(crash, regressions / crash.name)
        crash.unlink()
        print(f"fuzz: {name} failed on {crash.name}, now in {regressions.relative_to(ROOT)}")
    if not found:
        print(f"fuzz: {name} exited with {proc.returncode} and left no input behind")
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=int, default=60, help="per target (default 60)")
    ap.add_argument("--target", action="append", choices=TARGETS,
                    help="run only this target (repeatable); default: all")
    ap.add_argument("--cc", default="clang")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    ok = True
    for name in args.target or TARGETS:
        ok &= run(name, build_driver(name, args.cc), args.seconds, args.cc)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
