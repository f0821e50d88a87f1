"""make stress tells a crash of the interpreter alone from one with handlepy's code
loaded, from the library list gdb reads from the core."""
import importlib.util
from pathlib import Path

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
