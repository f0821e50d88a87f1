"""Threads: several Python threads call into one module whose functions allocate handles,
release the GIL with HPy_BEGIN_LEAVE_PYTHON while they compute on C data, and call back
into Python, for a bounded time. Nothing may crash, every result must be right, and the
interpreter's memory must not grow with the number of calls."""
import gc
import sys
import threading
import time

import pytest

from handlepy.conformance.plugin import hpy  # noqa: F401  (the fixture)

SOURCE = """
    #include <threads.h>

    /* Work done without the GIL: no handle may be touched here. */
    static unsigned long churn(unsigned long seed, long rounds)
    {
        for (long i = 0; i < rounds; i++)
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        struct timespec pause = {0, 1000};
        thrd_sleep(&pause, NULL);
        return seed;
    }

    /* build(n, seed): [seed + 0, ..., seed + n - 1, churned], the GIL released in between. */
    HPyDef_METH(build, "build", HPyFunc_VARARGS)
    static HPy build_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (nargs != 2)
            return HPyErr_SetString(ctx, ctx->h_TypeError, "build(n, seed)");
        long n = HPyLong_AsLong(ctx, args[0]);
        unsigned long seed = HPyLong_AsUnsignedLong(ctx, args[1]);
        if (HPyErr_Occurred(ctx))
            return HPy_NULL;
        HPyListBuilder items = HPyListBuilder_New(ctx, n + 1);
        for (long i = 0; i < n; i++) {
            HPy item = HPyLong_FromUnsignedLong(ctx, seed + (unsigned long)i);
            if (HPy_IsNull(item)) {
                HPyListBuilder_Cancel(ctx, items);
                return HPy_NULL;
            }
            HPyListBuilder_Set(ctx, items, i, item);
            HPy_Close(ctx, item);
        }
        unsigned long churned;
        HPy_BEGIN_LEAVE_PYTHON(ctx)
        churned = churn(seed, 200);
        HPy_END_LEAVE_PYTHON(ctx)
        HPy last = HPyLong_FromUnsignedLong(ctx, churned);
        if (HPy_IsNull(last)) {
            HPyListBuilder_Cancel(ctx, items);
            return HPy_NULL;
        }
        HPyListBuilder_Set(ctx, items, n, last);
        HPy_Close(ctx, last);
        return HPyListBuilder_Build(ctx, items);
    }

    /* call_twice(f, x): (f(x), f(x)), the GIL released before each call. */
    HPyDef_METH(call_twice, "call_twice", HPyFunc_VARARGS)
    static HPy call_twice_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (nargs != 2)
            return HPyErr_SetString(ctx, ctx->h_TypeError, "call_twice(f, x)");
        HPy results[2];
        for (int i = 0; i < 2; i++) {
            HPy_BEGIN_LEAVE_PYTHON(ctx)
            churn((unsigned long)i, 100);
            HPy_END_LEAVE_PYTHON(ctx)
            HPy arg = HPy_Dup(ctx, args[1]);
            results[i] = HPy_Call(ctx, args[0], &arg, 1, HPy_NULL);
            HPy_Close(ctx, arg);
            if (HPy_IsNull(results[i])) {
                if (i == 1)
                    HPy_Close(ctx, results[0]);
                return HPy_NULL;
            }
        }
        HPy pair = HPyTuple_Pack(ctx, 2, results[0], results[1]);
        HPy_Close(ctx, results[0]);
        HPy_Close(ctx, results[1]);
        return pair;
    }

    @EXPORT(build)
    @EXPORT(call_twice)
    @INIT
"""

THREADS = 6
SECONDS = 1.5
# A leak of one object per call would leave tens of thousands of blocks behind.
BLOCKS_TOLERANCE = 2000


def churn(seed, rounds=200):
    for _ in range(rounds):
        seed = (seed * 6364136223846793005 + 1442695040888963407) % 2**64
    return seed


def stress(mod, seconds):
    """Run THREADS threads for ``seconds``; returns the calls made, raises the first error."""
    errors, calls = [], [0] * THREADS
    deadline = time.monotonic() + seconds

    def worker(index):
        try:
            while time.monotonic() < deadline:
                seed = index * 1000 + calls[index]
                n = 1 + calls[index] % 50
                assert mod.build(n, seed) == [seed + i for i in range(n)] + [churn(seed)]
                assert mod.call_twice(lambda x: [x, index], seed) == ([seed, index],) * 2
                calls[index] += 1
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return sum(calls)


THREADS_LEAK_IN_CPYTHON = pytest.mark.refleaks_skip(
    "starting and joining threads leaves references behind in CPython 3.11 itself (pure "
    "Python threads do too); the test bounds what its own calls leave")


@THREADS_LEAK_IN_CPYTHON
def test_threads_leaving_python(hpy):
    mod = hpy.make_module(SOURCE)
    stress(mod, 0.2)
    gc.collect()
    blocks = sys.getallocatedblocks()
    calls = stress(mod, SECONDS)
    gc.collect()
    grown = sys.getallocatedblocks() - blocks
    assert calls > 100 * THREADS, "the threads barely ran"
    assert grown < BLOCKS_TOLERANCE, f"{grown} memory blocks more after {calls} calls"


@THREADS_LEAK_IN_CPYTHON
@pytest.mark.skipif(not hasattr(sys, "gettotalrefcount"),
                    reason="the total reference count exists only in debug builds of CPython")
def test_threads_keep_the_reference_count(hpy):
    mod = hpy.make_module(SOURCE)
    stress(mod, 0.2)
    gc.collect()
    refs = sys.gettotalrefcount()
    calls = stress(mod, SECONDS / 2)
    gc.collect()
    grown = sys.gettotalrefcount() - refs
    assert grown < BLOCKS_TOLERANCE, f"{grown} references more after {calls} calls"
