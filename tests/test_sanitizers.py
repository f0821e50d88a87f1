"""Under make test-asan the test modules are built with AddressSanitizer and
UndefinedBehaviorSanitizer: a module with a heap overflow, or a signed overflow, must stop
the interpreter with the sanitizer's report, not run on."""
import os
import subprocess
import sys
import tempfile
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    "address" not in os.environ.get("HANDLEPY_SANITIZE", "")
    or "undefined" not in os.environ.get("HANDLEPY_SANITIZE", ""),
    reason="the modules are built with sanitizers only under make test-asan "
           "(HANDLEPY_SANITIZE=address,undefined)")

SOURCE = """
    #include <stdlib.h>

    HPyDef_METH(overflow_heap, "overflow_heap", HPyFunc_O)
    static HPy overflow_heap_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        long n = HPyLong_AsLong(ctx, arg);
        char *volatile buffer = malloc(8);  /* hidden from UBSan's object-size check */
        if (buffer == NULL)
            return HPyErr_NoMemory(ctx);
        buffer[n] = 1;
        long seen = buffer[n];
        free(buffer);
        return HPyLong_FromLong(ctx, seen);
    }

    HPyDef_METH(overflow_int, "overflow_int", HPyFunc_O)
    static HPy overflow_int_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        int n = (int)HPyLong_AsLong(ctx, arg);
        return HPyLong_FromLong(ctx, n + 1);
    }

    @EXPORT(overflow_heap)
    @EXPORT(overflow_int)
    @INIT
"""

RUN = """
import sys
from handlepy.conformance import ExtensionCompiler
mod = ExtensionCompiler(sys.argv[1]).make_module({source!r})
print(mod.{function}(int(sys.argv[2])), flush=True)
print("still running", flush=True)
"""


def run(abi, function, argument):
    code = RUN.format(source=textwrap.dedent(SOURCE), function=function)
    # Not from the checkout's root: its handlepy/ (no _loader) would shadow the installed one.
    return subprocess.run([sys.executable, "-c", code, abi, str(argument)],
                          capture_output=True, text=True, cwd=tempfile.gettempdir(), timeout=120)


@pytest.mark.parametrize("abi", ["cpython", "universal"])
def test_in_bounds_runs(abi):
    for function in ("overflow_heap", "overflow_int"):
        proc = run(abi, function, 7)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines() == ["1" if function == "overflow_heap" else "8",
                                       "still running"]


@pytest.mark.parametrize("abi", ["cpython", "universal"])
def test_heap_overflow_is_caught(abi):
    proc = run(abi, "overflow_heap", 8)
    assert proc.returncode != 0
    assert "ERROR: AddressSanitizer: heap-buffer-overflow" in proc.stderr
    assert "still running" not in proc.stdout


@pytest.mark.parametrize("abi", ["cpython", "universal"])
def test_signed_overflow_halts(abi):
    proc = run(abi, "overflow_int", 2**31 - 1)
    assert proc.returncode != 0
    assert "runtime error: signed integer overflow" in proc.stderr
    assert "still running" not in proc.stdout
