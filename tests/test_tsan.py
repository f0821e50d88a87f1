"""Under make test-tsan the loader and the test modules are built with ThreadSanitizer and
the host CPython runs with libtsan preloaded (docs/design.md, "Without the GIL"). A module
whose threads write one counter without a lock while they are out of Python must get
TSan's report: otherwise the clean runs of the thread tests would prove nothing."""
import os
import subprocess
import sys
import tempfile
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    "thread" not in os.environ.get("HANDLEPY_SANITIZE", ""),
    reason="the modules are built with ThreadSanitizer only under make test-tsan "
           "(HANDLEPY_SANITIZE=thread)")

SOURCE = """
    /* volatile: else the loop folds into one add, which the threads might not do at
     * overlapping times (TSan reports accesses that no lock or atomic orders, but it
     * only sees the ones made while it remembers the other). */
    static volatile long counter;
    static _Atomic long atomic_counter;

    /* bump(racy, n): adds 1 to a counter n times, out of Python. */
    HPyDef_METH(bump, "bump", HPyFunc_VARARGS)
    static HPy bump_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int racy = HPy_IsTrue(ctx, args[0]);
        long n = HPyLong_AsLong(ctx, args[1]);
        HPy_BEGIN_LEAVE_PYTHON(ctx)
        for (long i = 0; i < n; i++) {
            if (racy)
                counter++;
            else
                atomic_counter++;
        }
        HPy_END_LEAVE_PYTHON(ctx)
        return HPy_Dup(ctx, ctx->h_None);
    }

    @EXPORT(bump)
    @INIT
"""

RUN = """
import sys, threading
from handlepy.conformance import ExtensionCompiler
mod = ExtensionCompiler(sys.argv[1]).make_module({source!r})
racy = sys.argv[2] == "racy"
threads = [threading.Thread(target=mod.bump, args=(racy, 1000000)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("done", flush=True)
"""


def run(abi, racy):
    code = RUN.format(source=textwrap.dedent(SOURCE))
    env = {**os.environ, "TSAN_OPTIONS": os.environ.get("TSAN_OPTIONS", "") + " exitcode=66"}
    # Not from the checkout's root: its handlepy/ (no _loader) would shadow the installed one.
    return subprocess.run([sys.executable, "-c", code, abi, "racy" if racy else "atomic"],
                          capture_output=True, text=True, cwd=tempfile.gettempdir(),
                          timeout=300, env=env)


@pytest.mark.parametrize("abi", ["cpython", "universal"])
def test_atomic_counter_is_clean(abi):
    proc = run(abi, racy=False)
    assert proc.returncode == 0, proc.stderr
    assert "ThreadSanitizer" not in proc.stderr
    assert proc.stdout.strip() == "done"


@pytest.mark.parametrize("abi", ["cpython", "universal"])
def test_race_outside_python_is_reported(abi):
    proc = run(abi, racy=True)
    assert "WARNING: ThreadSanitizer: data race" in proc.stderr
    assert "bump_impl" in proc.stderr
    assert proc.returncode == 66
