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
     * global, leaves Python for some C work, and loads both back (by address, then by
     * value, in turn); returns the two last loads, which may be any thread's values. */
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
            /* Both loads: the address ones are what is safe without the GIL. */
            BoxObject *box = BoxObject_AsStruct(ctx, args[0]);
            if (i % 2 == 0) {
                from_field = HPyField_LoadAt(ctx, args[0], &box->value);
                from_global = HPyGlobal_LoadAt(ctx, &shared);
            } else {
                from_field = HPyField_Load(ctx, args[0], box->value);
                from_global = HPyGlobal_Load(ctx, shared);
            }
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


def share(mod, box, seconds, rounds_done=None):
    """THREADS threads swap their own values through one field and one global; adds the
    rounds they made to ``rounds_done[0]`` when given."""
    errors, calls, rounds = [], [0] * THREADS, [0] * THREADS
    deadline = time.monotonic() + seconds

    def worker(index):
        try:
            while time.monotonic() < deadline:
                # A fresh int each time (not a cached small one), tagged with its thread.
                value = (calls[index] + 10**6) * 1000 + index
                loaded = mod.swap(box, value, 1 + calls[index] % 4)
                rounds[index] += 1 + calls[index] % 4
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
    if rounds_done is not None:
        rounds_done[0] += sum(rounds)
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


def load_in_mode(source, package, **mode):
    """The universal binary of ``source``, loaded afresh as ``package.<name>`` in the
    mode given (debug=True or trace=True); the caller removes it from sys.modules."""
    import handlepy
    from handlepy.conformance.compiler import ExtensionCompiler

    name, path = ExtensionCompiler("universal").build(source)
    return handlepy.load(f"{package}.{name}", str(path), **mode)


@THREADS_LEAK_IN_CPYTHON
def test_threads_in_trace_mode_count_every_call():
    """Trace mode counts HPy_LeavePythonExecution after the GIL is released: threads
    leaving at once must not lose a count (the counters are atomic adds). Every count
    must match the calls the threads made."""
    from handlepy import trace

    mod = load_in_mode(SHARED, "threads_trace", trace=True)
    try:
        box = mod.Box()
        trace.reset(mod)
        done = [0]
        calls = share(mod, box, SECONDS / 2, done)
        counts = trace.get_call_counts(mod)
        assert calls > 20 * THREADS, "the threads barely ran"
        for name in ("HPyField_Store", "HPyGlobal_Store", "HPy_LeavePythonExecution",
                     "HPy_ReenterPythonExecution"):
            assert counts[name] == done[0], (name, counts[name], done[0])
        # Loads alternate: by address on even rounds, by value on odd ones.
        assert counts["HPyField_LoadAt"] + counts["HPyField_Load"] == done[0]
        assert counts["HPyGlobal_LoadAt"] == counts["HPyField_LoadAt"]
        mod.clear(box)
    finally:
        sys.modules.pop(mod.__name__, None)


@THREADS_LEAK_IN_CPYTHON
def test_threads_in_debug_mode_leave_no_handle_open():
    """Debug mode's handle tables under threads that store, load and leave Python: every
    handle opened in the run is closed at its end, and no misuse is reported."""
    from handlepy import debug

    mod = load_in_mode(SHARED, "threads_debug", debug=True)
    try:
        box = mod.Box()
        detector = debug.LeakDetector().start()
        calls = share(mod, box, SECONDS / 2)
        detector.stop()   # raises HandleLeakError, naming them, if handles stayed open
        assert calls > 10 * THREADS, "the threads barely ran"
        mod.clear(box)
    finally:
        sys.modules.pop(mod.__name__, None)


READS = """
    #include <threads.h>

    static void pause_outside(HPyContext *ctx)
    {
        HPy_BEGIN_LEAVE_PYTHON(ctx)
        thrd_sleep(&(struct timespec){.tv_nsec = 500}, NULL);
        HPy_END_LEAVE_PYTHON(ctx)
    }

    /* An int from a shared container, or a miss: another thread may have removed it. */
    static int check_item(HPyContext *ctx, HPy item, long *found)
    {
        if (HPy_IsNull(item)) {
            if (HPyErr_Occurred(ctx)) {
                if (!HPyErr_ExceptionMatches(ctx, ctx->h_IndexError) &&
                    !HPyErr_ExceptionMatches(ctx, ctx->h_KeyError))
                    return -1;
                HPyErr_Clear(ctx);
            }
            return 0;
        }
        int ok = HPyLong_Check(ctx, item) && HPyLong_AsLong(ctx, item) >= 1000000;
        HPy_Close(ctx, item);
        if (!ok) {
            HPyErr_SetString(ctx, ctx->h_AssertionError, "not an item that was stored");
            return -1;
        }
        (*found)++;
        return 0;
    }

    /* peek(list, dict, key, rounds): the list's last item (HPy_GetItem_i's list fast
     * path) and dict[key] (HPyDict_GetItem, HPy_GetItem), while other threads replace
     * them; returns how many reads found an item. */
    HPyDef_METH(peek, "peek", HPyFunc_VARARGS)
    static HPy peek_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (nargs != 4)
            return HPyErr_SetString(ctx, ctx->h_TypeError, "peek(list, dict, key, rounds)");
        long rounds = HPyLong_AsLong(ctx, args[3]);
        if (rounds == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        long found = 0;
        for (long i = 0; i < rounds; i++) {
            HPy_ssize_t n = HPy_Length(ctx, args[0]);
            if (n < 0)
                return HPy_NULL;
            if (n > 0 && check_item(ctx, HPy_GetItem_i(ctx, args[0], n - 1), &found) < 0)
                return HPy_NULL;
            if (check_item(ctx, HPyDict_GetItem(ctx, args[1], args[2]), &found) < 0 ||
                check_item(ctx, HPy_GetItem(ctx, args[1], args[2]), &found) < 0)
                return HPy_NULL;
            pause_outside(ctx);
        }
        return HPyLong_FromLong(ctx, found);
    }

    HPyDef_CALL_FUNCTION(call_a)
    static HPy call_a_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                           HPy kwnames)
    {
        return HPyUnicode_FromString(ctx, "a");
    }

    HPyDef_CALL_FUNCTION(call_b)
    static HPy call_b_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                           HPy kwnames)
    {
        return HPyUnicode_FromString(ctx, "b");
    }

    typedef struct { long unused; } CObject;

    HPyDef_SLOT(C_new, HPy_tp_new)
    static HPy C_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                          HPy kw)
    {
        CObject *data;
        HPy h = HPy_New(ctx, type, &data);
        if (!HPy_IsNull(h) && HPy_SetCallFunction(ctx, h, &call_a) < 0) {
            HPy_Close(ctx, h);
            return HPy_NULL;
        }
        return h;
    }

    HPyDef_SLOT(C_call, HPy_tp_call)
    static HPy C_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                           HPy kwnames)
    {
        return HPyUnicode_FromString(ctx, "default");
    }

    static HPyDef *C_defines[] = { &C_new, &C_call, NULL };
    static HPyType_Spec C_spec = {
        .name = "mytest.C",
        .basicsize = sizeof(CObject),
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = C_defines,
    };

    /* flip(obj, rounds): sets obj's call function to b and back to a, rounds times,
     * leaving Python in between, while other threads call obj. */
    HPyDef_METH(flip, "flip", HPyFunc_VARARGS)
    static HPy flip_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (nargs != 2)
            return HPyErr_SetString(ctx, ctx->h_TypeError, "flip(obj, rounds)");
        long rounds = HPyLong_AsLong(ctx, args[1]);
        if (rounds == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        for (long i = 0; i < rounds; i++) {
            if (HPy_SetCallFunction(ctx, args[0], i % 2 ? &call_a : &call_b) < 0)
                return HPy_NULL;
            pause_outside(ctx);
        }
        return HPy_SetCallFunction(ctx, args[0], &call_a) < 0 ? HPy_NULL
                                                             : HPy_Dup(ctx, ctx->h_None);
    }

    /* make_type(): a new type from C's spec, made after leaving Python for a while: in
     * debug and trace modes each type gets libffi closures (universal/ffi_bind.c). */
    HPyDef_METH(make_type, "make_type", HPyFunc_NOARGS)
    static HPy make_type_impl(HPyContext *ctx, HPy self)
    {
        pause_outside(ctx);
        return HPyType_FromSpec(ctx, &C_spec, NULL);
    }

    @EXPORT_TYPE("C", C_spec)
    @EXPORT(peek)
    @EXPORT(flip)
    @EXPORT(make_type)
    @INIT
"""


def run_threads(targets, seconds):
    """Runs each target(index, deadline) in its own thread; raises the first error."""
    errors = []
    deadline = time.monotonic() + seconds

    def wrap(target, index):
        try:
            target(index, deadline)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=wrap, args=(t, i)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


@THREADS_LEAK_IN_CPYTHON
def test_threads_read_containers_that_others_change(hpy):
    """Readers take items out of a list and a dict (HPy_GetItem_i, HPyDict_GetItem,
    HPy_GetItem) while writers replace them with fresh ints: each read is a strong
    reference taken in one step (PyList_GetItemRef, PyDict_GetItemRef without the GIL),
    so a reader never holds a freed item. Memory and reference counts must not grow."""
    mod = hpy.make_module(READS)
    shared_list, shared_dict = [10**6], {"k": 10**6}
    found = [0]

    def writer(index, deadline):
        n = 0
        while time.monotonic() < deadline:
            n += 1
            shared_list.append(10**6 + n)
            if len(shared_list) > 8:
                del shared_list[:4]
            if n % 3:
                shared_dict["k"] = 10**6 + n * 7
            else:
                shared_dict.pop("k", None)
            time.sleep(0.0001)   # else a writer holds the GIL for its whole time slice

    def reader(index, deadline):
        while time.monotonic() < deadline:
            found[0] += mod.peek(shared_list, shared_dict, "k", 20)

    def run(seconds):
        run_threads([writer, writer] + [reader] * (THREADS - 2), seconds)

    run(0.2)
    gc.collect()
    blocks = allocated_blocks()
    refs = getattr(sys, "gettotalrefcount", lambda: 0)()
    found[0] = 0
    run(SECONDS)
    gc.collect()
    assert found[0] > 50 * THREADS, "the readers barely ran"
    grown = allocated_blocks() - blocks
    assert grown < BLOCKS_TOLERANCE, f"{grown} memory blocks more after {found[0]} reads"
    if hasattr(sys, "gettotalrefcount"):
        drift = sys.gettotalrefcount() - refs
        assert drift < BLOCKS_TOLERANCE, f"{drift} references more"


def test_threads_call_an_object_whose_call_function_changes(hpy):
    """One thread keeps switching an object's call function (HPy_SetCallFunction, one
    atomic word) while the others call it: every call runs one of the two functions,
    never a torn pointer."""
    mod = hpy.make_module(READS)
    obj = mod.C()
    seen = set()

    def flipper(index, deadline):
        while time.monotonic() < deadline:
            mod.flip(obj, 50)

    def caller(index, deadline):
        while time.monotonic() < deadline:
            for _ in range(100):
                seen.add(obj())

    run_threads([flipper] + [caller] * (THREADS - 1), SECONDS / 2)
    assert seen <= {"a", "b"}, seen
    assert obj() == "a"


@THREADS_LEAK_IN_CPYTHON
@pytest.mark.parametrize("mode", ["trace", "debug"])
def test_threads_make_types_in_trace_and_debug_mode(mode):
    """Threads make types at once in a module loaded in trace or debug mode, where each
    type binds libffi closures and prepares their call descriptions on first use
    (universal/ffi_bind.c, under a lock without the GIL); every type works, and trace
    mode counts every HPyType_FromSpec."""
    from handlepy import trace

    mod = load_in_mode(READS, f"threads_types_{mode}", **{mode: True})
    try:
        made = [0] * THREADS

        def maker(index, deadline):
            while time.monotonic() < deadline:
                cls = mod.make_type()
                assert cls()() == "a"
                made[index] += 1

        if mode == "trace":
            trace.reset(mod)
        run_threads([maker] * THREADS, SECONDS / 3)
        assert sum(made) > THREADS, "the threads barely ran"
        if mode == "trace":
            assert trace.get_call_counts(mod)["HPyType_FromSpec"] == sum(made)
    finally:
        sys.modules.pop(mod.__name__, None)
