"""make stress tells a crash of the interpreter alone from one with handlepy's code
loaded, from the library list gdb reads from the core, and names a jump through a GOT
slot that holds the library file's value instead of the loader's."""
import importlib.util
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "stress_run", Path(__file__).resolve().parent / "stress" / "run.py")
stress_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stress_run)

PYPY_ALONE = """From                To                  Syms Read   Shared Object Library
0x00007f0c2a7d5000  0x00007f0c2c2f9b55  No          /usr/lib/pypy3.9/libpypy3.9-c.so
0x00007f0c2a6f1000  0x00007f0c2a74e2a5  Yes         /lib/x86_64-linux-gnu/libm.so.6
"""


def test_interpreter_alone_is_told_apart():
    assert stress_run.interpreter_alone(PYPY_ALONE)


def test_nothing_is_told_without_the_library_listing():
    assert not stress_run.interpreter_alone("(gdb is not installed: no native backtrace)")
    assert not stress_run.interpreter_alone("(no core file was written)")


def test_each_kind_of_handlepy_library_counts():
    for path in (
        "/w/.venv-pypy/lib/pypy3.9/site-packages/handlepy/_loader.pypy39-pp73-x86_64-linux-gnu.so",
        "/w/build/samples-cache/universal/ab12/ujson_hpy.handlepy.so",
        "/w/build/samples-cache/cpython/ab12/ujson_hpy.cpython-311-x86_64-linux-gnu.so",
        "/w/build/conformance-cache/universal/cd34/hm_0cc671f5.handlepy.so",
    ):
        line = f"0x00007f0c29000000  0x00007f0c29010000  Yes         {path}\n"
        assert not stress_run.interpreter_alone(PYPY_ALONE + line), path


LIBRARY_SOURCE = "#include <string.h>\nsize_t measure(const char *s) { return strlen(s); }\n"

# Loads the library, calls it once (the dynamic loader has filled its GOT), hands the
# library's pages back to the kernel, which refills them from the file, and calls again.
REVERT_AND_CALL = """
import ctypes, sys
path = sys.argv[1]
lib = ctypes.CDLL(path)
lib.measure.argtypes = [ctypes.c_char_p]
assert lib.measure(b"abc") == 3
libc = ctypes.CDLL(None)
libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
MADV_DONTNEED = 4
for line in open("/proc/self/maps"):
    fields = line.split()
    if fields[-1] == path:
        low, high = (int(x, 16) for x in fields[0].split("-"))
        assert libc.madvise(low, high - low, MADV_DONTNEED) == 0
lib.measure(b"abc")
"""


def test_a_jump_through_an_unrelocated_got_slot_is_named(tmp_path):
    """Issue 15's crash A jumped to 0x45a6, the lazy-binding entry of
    PyDict_GetItemWithError@plt in that build: its GOT slot held the file's value. The
    same crash, made on purpose, is reported as such."""
    if shutil.which("gdb") is None or shutil.which("cc") is None:
        pytest.skip("needs gdb and cc to make and read the crash")
    source = tmp_path / "measure.c"
    source.write_text(LIBRARY_SOURCE)
    library = tmp_path / "libmeasure.so"
    # A plain PLT (no IBT entries), as the build that crashed had.
    subprocess.run(["cc", "-shared", "-fPIC", "-O0", "-fno-builtin", "-fcf-protection=none",
                    "-Wl,-z,lazy", "-o", str(library), str(source)], check=True)

    def allow_core():
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))

    proc = subprocess.run([sys.executable, "-c", REVERT_AND_CALL, str(library)], cwd=tmp_path,
                          preexec_fn=allow_core, capture_output=True, text=True)
    assert proc.returncode == -signal.SIGSEGV, proc.stderr
    cores = sorted(tmp_path.glob("core*"))
    if not cores:
        pattern = Path("/proc/sys/kernel/core_pattern").read_text().strip()
        pytest.skip(f"no core file in the working folder (core_pattern is {pattern!r})")
    report = stress_run.gdb_backtrace(sys.executable, cores[0])
    assert stress_run.unrelocated_plt_target(report) == (str(library), "strlen"), report


def test_a_crash_inside_mapped_code_is_not_called_unrelocated():
    listing = ("faulting pc: 0x7f0c2a7d6000\n" + PYPY_ALONE)
    assert stress_run.unrelocated_plt_target(listing) is None
    assert stress_run.unrelocated_plt_target("(no core file was written)") is None
