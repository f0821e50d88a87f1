"""Threads: several Python threads call into one module whose functions allocate handles,
release the GIL with HPy_BEGIN_LEAVE_PYTHON while they compute on C data, and call back
into Python, for a bounded time. Nothing may crash, every result must be right, and the
interpreter's memory must not grow with the number of calls. Fields and globals too:
threads store into and load from one shared field and one global, leaving Python around
C work in between, so that a store that released the old value twice, or a load that
outlived its object, would show as a crash, a wrong value or a reference count that
drifts (docs/design.md, "Without the GIL", says what a GIL build can and cannot show).

With the GIL these tests cannot show a race that only a free-threaded build has: the
stores and loads all run with the GIL held. What they check is that the atomic field
store, the strong-reference reads and the locks added for that build change nothing
here."""
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


def allocated_blocks():
    """PyPy has no sys.getallocatedblocks: there, only the results are checked."""
    return getattr(sys, "getallocatedblocks", lambda: 0)()


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
    blocks = allocated_blocks()
    calls = stress(mod, SECONDS)
    gc.collect()
    grown = allocated_blocks() - blocks
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


SHARED = """
    #include <threads.h>

    typedef struct { HPyField value; } BoxObject;
    HPyType_HELPERS(BoxObject)

    HPyDef_SLOT(Box_new, HPy_tp_new)
    static HPy Box_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                            HPy kw)
    {
        BoxObject *b;
        return HPy_New(ctx, type, &b);
    }

    HPyDef_SLOT(Box_traverse, HPy_tp_traverse)
    static int Box_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        HPy_VISIT(&((BoxObject *)self)->value);
        return 0;
    }

    static HPyDef *Box_defines[] = { &Box_new, &Box_traverse, NULL };
    static HPyType_Spec Box_spec = {
        .name = "mytest.Box",
        .basicsize = sizeof(BoxObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
        .defines = Box_defines,
    };

    static HPyGlobal shared;

    static unsigned long churn(unsigned long seed)
    {
        for (int i = 0; i < 100; i++)
            seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        struct timespec pause = {0, 500};
        thrd_sleep(&pause, NULL);
        return seed;
    }

    /* swap(box, value, rounds): each round stores value into the box's field and the
     * global, leaves Python for some C work, and loads both back; returns the two last
     * loads, which may be any thread's values. */
    HPyDef_METH(swap, "swap", HPyFunc_VARARGS)
    static HPy swap_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (nargs != 3)
            return HPyErr_SetString(ctx, ctx->h_TypeError, "swap(box, value, rounds)");
        long rounds = HPyLong_AsLong(ctx, args[2]);
        if (rounds == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        HPy from_field = HPy_NULL, from_global = HPy_NULL;
        for (long i = 0; i < rounds; i++) {
            HPyField_Store(ctx, args[0], &BoxObject_AsStruct(ctx, args[0])->value, args[1]);
            HPyGlobal_Store(ctx, &shared, args[1]);
            unsigned long seed = (unsigned long)i;
            HPy_BEGIN_LEAVE_PYTHON(ctx)
            seed = churn(seed);
            HPy_END_LEAVE_PYTHON(ctx)
            (void)seed;
            HPy_Close(ctx, from_field);
            HPy_Close(ctx, from_global);
            from_field = HPyField_Load(ctx, args[0], BoxObject_AsStruct(ctx, args[0])->value);
            from_global = HPyGlobal_Load(ctx, shared);
        }
        if (HPy_IsNull(from_field) || HPy_IsNull(from_global)) {
            HPy_Close(ctx, from_field);
            HPy_Close(ctx, from_global);
            return HPy_Dup(ctx, ctx->h_None);
        }
        HPy pair = HPyTuple_Pack(ctx, 2, from_field, from_global);
        HPy_Close(ctx, from_field);
        HPy_Close(ctx, from_global);
        return pair;
    }

    HPyDef_METH(clear, "clear", HPyFunc_O)
    static HPy clear_impl(HPyContext *ctx, HPy self, HPy box)
    {
        HPyField_Store(ctx, box, &BoxObject_AsStruct(ctx, box)->value, HPy_NULL);
        HPyGlobal_Store(ctx, &shared, HPy_NULL);
        return HPy_Dup(ctx, ctx->h_None);
    }

    @EXPORT_TYPE("Box", Box_spec)
    @EXPORT(swap)
    @EXPORT(clear)
    @INIT
"""


def share(mod, box, seconds):
    """THREADS threads swap their own values through one field and one global."""
    errors, calls = [], [0] * THREADS
    deadline = time.monotonic() + seconds

    def worker(index):
        try:
            while time.monotonic() < deadline:
                # A fresh int each time (not a cached small one), tagged with its thread.
                value = (calls[index] + 10**6) * 1000 + index
                loaded = mod.swap(box, value, 1 + calls[index] % 4)
                assert type(loaded) is tuple and len(loaded) == 2
                for got in loaded:
                    assert type(got) is int and got >= 10**9 and got % 1000 < THREADS
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


@THREADS_LEAK_IN_CPYTHON
def test_threads_share_a_field_and_a_global(hpy):
    mod = hpy.make_module(SHARED)
    box = mod.Box()
    share(mod, box, 0.2)
    mod.clear(box)
    gc.collect()
    blocks = allocated_blocks()
    refs = getattr(sys, "gettotalrefcount", lambda: 0)()
    calls = share(mod, box, SECONDS)
    mod.clear(box)
    gc.collect()
    grown = allocated_blocks() - blocks
    assert calls > 50 * THREADS, "the threads barely ran"
    assert grown < BLOCKS_TOLERANCE, f"{grown} memory blocks more after {calls} calls"
    if hasattr(sys, "gettotalrefcount"):
        drift = sys.gettotalrefcount() - refs
        assert drift < BLOCKS_TOLERANCE, f"{drift} references more after {calls} calls"
