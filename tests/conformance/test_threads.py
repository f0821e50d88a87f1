"""Leaving the interpreter: while C code runs outside it, other Python threads run.

Each waiter leaves the interpreter, counts itself in, and waits for a flag that only a
Python thread can set (through a method, so it needs the interpreter). The main thread
sets it once every waiter is counted in: had any waiter kept the interpreter, neither the
count nor the flag could advance, the waiters would time out and the test would fail,
without depending on how fast anything runs."""
import threading
import time

import pytest

SOURCE = r"""
#include <stdatomic.h>
#include <threads.h>
#include <time.h>

static atomic_int waiting;
static atomic_int go;

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    timespec_get(&now, TIME_UTC);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Runs without the interpreter: no API call in here. */
static int wait_for_go(double timeout)
{
    struct timespec start;
    timespec_get(&start, TIME_UTC);
    atomic_fetch_add(&waiting, 1);
    while (!atomic_load(&go)) {
        if (seconds_since(&start) > timeout)
            return 0;
        thrd_sleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    return 1;
}

HPyDef_METH(wait_explicit, "wait_explicit", HPyFunc_O)
static HPy wait_explicit_impl(HPyContext *ctx, HPy self, HPy timeout)
{
    double seconds = HPyFloat_AsDouble(ctx, timeout);
    HPyThreadState state = HPy_LeavePythonExecution(ctx);
    int saw_go = wait_for_go(seconds);
    HPy_ReenterPythonExecution(ctx, state);
    return HPyBool_FromBool(ctx, saw_go);
}

HPyDef_METH(wait_macros, "wait_macros", HPyFunc_O)
static HPy wait_macros_impl(HPyContext *ctx, HPy self, HPy timeout)
{
    double seconds = HPyFloat_AsDouble(ctx, timeout);
    int saw_go;
    HPy_BEGIN_LEAVE_PYTHON(ctx)
    saw_go = wait_for_go(seconds);
    HPy_END_LEAVE_PYTHON(ctx)
    return HPyBool_FromBool(ctx, saw_go);
}

HPyDef_METH(waiting_count, "waiting_count", HPyFunc_NOARGS)
static HPy waiting_count_impl(HPyContext *ctx, HPy self)
{
    return HPyLong_FromLong(ctx, atomic_load(&waiting));
}

HPyDef_METH(reset, "reset", HPyFunc_NOARGS)
static HPy reset_impl(HPyContext *ctx, HPy self)
{
    atomic_store(&go, 0);
    atomic_store(&waiting, 0);
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(release, "release", HPyFunc_NOARGS)
static HPy release_impl(HPyContext *ctx, HPy self)
{
    atomic_store(&go, 1);
    return HPy_Dup(ctx, ctx->h_None);
}

@EXPORT(wait_explicit)
@EXPORT(wait_macros)
@EXPORT(waiting_count)
@EXPORT(reset)
@EXPORT(release)
@INIT
"""

WAITERS = 4
TIMEOUT = 20.0


@pytest.mark.refleaks_skip("starting and joining threads leaves references behind in "
                           "CPython 3.11 itself (pure Python threads do too)")
@pytest.mark.parametrize("wait", ["wait_explicit", "wait_macros"])
def test_python_threads_run_while_c_is_outside(hpy, wait):
    mod = hpy.make_module(SOURCE)
    mod.reset()
    results = []
    threads = [threading.Thread(target=lambda: results.append(getattr(mod, wait)(TIMEOUT)))
               for _ in range(WAITERS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + TIMEOUT
    while mod.waiting_count() < WAITERS and time.monotonic() < deadline:
        time.sleep(0.001)
    all_waiting = mod.waiting_count()  # all of them outside the interpreter at once
    mod.release()
    for t in threads:
        t.join()
    assert all_waiting == WAITERS
    assert results == [True] * WAITERS
