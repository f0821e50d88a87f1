"""pytest plugin: fail a test whose repeated runs keep leaking references.

Load it with ``-p handlepy.refleaks`` and turn it on with ``--refleaks`` (or
``HANDLEPY_REFLEAKS=1``). As CPython's ``regrtest -R`` does, each test function is called
``warmup + runs`` times on the same fixtures (``--refleaks-runs=WARMUP:RUNS``, default
3:3). The warm-up calls fill caches (imports, interned strings, lazily created types);
after each of the last ``runs`` calls the plugin collects garbage, clears the
interpreter's own caches and reads ``sys.gettotalrefcount()`` and
``sys.getallocatedblocks()``. When one of them grew in every one of those calls, the test
is called ``runs`` more times and fails if it grows in every one of those too: a one-off
growth is a cache, growth on every call is a leak, and growth that stops when measured
again is not the test's (it passes, with a ``LeakNotReproduced`` warning).

``sys.gettotalrefcount`` exists only in debug builds of CPython (``python3.11-dbg``).
Tests marked ``@pytest.mark.refleaks_skip(reason)`` run once, unchecked.
"""
import functools
import gc
import os
import sys
import warnings

import pytest

DEFAULT_RUNS = "3:3"


def pytest_addoption(parser):
    group = parser.getgroup("refleaks", "reference leak check (debug builds of CPython)")
    group.addoption("--refleaks", action="store_true", default=False,
                    help="call each test repeatedly and fail it if the total reference "
                         "count or the allocated memory blocks grow on every call")
    group.addoption("--refleaks-runs", default=None, metavar="WARMUP:RUNS",
                    help=f"warm-up calls and measured calls per test (default {DEFAULT_RUNS})")


def _parse_runs(text):
    try:
        warmup, runs = (int(n) for n in text.split(":"))
    except ValueError:
        raise pytest.UsageError(f"--refleaks-runs wants WARMUP:RUNS, not {text!r}") from None
    if warmup < 1 or runs < 1:
        raise pytest.UsageError("--refleaks-runs needs at least one warm-up and one run")
    return warmup, runs


def pytest_configure(config):
    config.addinivalue_line("markers", "refleaks_skip(reason): run the test once, "
                                       "without the reference leak check")
    env = os.environ.get("HANDLEPY_REFLEAKS", "")
    if not (config.getoption("refleaks") or env not in ("", "0")):
        return
    if not hasattr(sys, "gettotalrefcount"):
        raise pytest.UsageError("--refleaks needs a debug build of CPython "
                                "(sys.gettotalrefcount), e.g. python3.11-dbg")
    runs = config.getoption("refleaks_runs") or (env if ":" in env else DEFAULT_RUNS)
    config.pluginmanager.register(RefleakChecker(*_parse_runs(runs)), "handlepy-refleaks")
    _same_examples_each_call()


def _same_examples_each_call():
    """Hypothesis draws new examples on every call, which fill caches anew (interned
    keys, hashes): derandomized, each call of a property test replays the same ones."""
    try:
        from hypothesis import settings
    except ImportError:
        return
    settings.register_profile("handlepy-refleaks", derandomize=True, database=None)
    settings.load_profile("handlepy-refleaks")


def _clear_caches():
    """Drop what the interpreter caches on its own, so that only the test's references
    stay counted (a subset of what regrtest's dash_R_cleanup clears)."""
    import linecache
    import re
    import struct
    for cls in _abcs():
        cls._abc_caches_clear()
    linecache.clearcache()
    re.purge()
    struct._clearcache()
    sys._clear_type_cache()
    for _ in range(3):
        gc.collect()


def _abcs():
    import collections.abc
    import numbers
    roots = [getattr(collections.abc, name) for name in collections.abc.__all__]
    roots += [numbers.Number]
    seen, todo = set(), list(roots)
    while todo:
        cls = todo.pop()
        if cls in seen or not isinstance(cls, type) or not hasattr(cls, "_abc_caches_clear"):
            continue
        seen.add(cls)
        todo += type.__subclasses__(cls)
    return seen


def _snapshot():
    _clear_caches()
    return sys.gettotalrefcount(), sys.getallocatedblocks()


def leaking(deltas):
    """Growth on every measured call is a leak; a single zero or negative delta means the
    growth was a cache that stopped filling (CPython's rule, bpo-30776)."""
    return all(d >= 1 for d in deltas)


class RefleakChecker:
    def __init__(self, warmup, runs):
        self.warmup, self.runs = warmup, runs

    @pytest.hookimpl(hookwrapper=True)
    def pytest_pyfunc_call(self, pyfuncitem):
        if pyfuncitem.get_closest_marker("refleaks_skip"):
            yield
            return
        original = pyfuncitem.obj
        pyfuncitem.obj = self._repeating(original)
        try:
            yield
        finally:
            pyfuncitem.obj = original

    def _repeating(self, test):
        total = self.warmup + self.runs
        size = total + self.runs

        @functools.wraps(test)
        def repeated(*args, **kwargs):
            # As regrtest does: measure after every call, warm-up calls included, so that
            # the measuring itself (the ints it keeps) has reached a steady state by the
            # calls that are judged. One loop serves both measurements, so that going on
            # to the second changes nothing that is counted. A delta is stored as the
            # pool's int of that value, made before measuring (regrtest's bpo-31217):
            # storing a new int would count in the next delta.
            refs, blocks = [0] * size, [0] * size
            pool = {value: value for value in range(-1000, 1000)}
            last = _snapshot()
            for i in range(size):
                if i == total and not _grew(refs, blocks, self.warmup, total):
                    return
                test(*args, **kwargs)
                now = _snapshot()
                refs[i] = pool.setdefault(now[0] - last[0], now[0] - last[0])
                blocks[i] = pool.setdefault(now[1] - last[1], now[1] - last[1])
                last = now
            # A leak grows on every call, so it shows again. Growth that does not came
            # from something else in the process at the same time, such as
            # pytest-xdist's receiving thread, which queues the tests it is sent.
            first = _leaks(refs[self.warmup:total], blocks[self.warmup:total])
            again = _leaks(refs[total:], blocks[total:])
            measured = f"{first} over {self.runs} runs after {self.warmup} warm-up runs"
            if again:
                pytest.fail(f"{measured}, and again over {self.runs} more runs: {again}",
                            pytrace=False)
            warnings.warn(LeakNotReproduced(
                f"{measured}, but not over {self.runs} more runs (references "
                f"{refs[total:]}, memory blocks {blocks[total:]}): not a leak of this test"),
                stacklevel=1)
        return repeated


class LeakNotReproduced(UserWarning):
    """A test's references grew on every measured call once, but not when measured again."""


def _grew(refs, blocks, start, stop):
    return leaking(refs[start:stop]) or leaking(blocks[start:stop])


def _leaks(refs, blocks):
    return "; ".join(f"leaked {kind} {deltas}, sum={sum(deltas)}"
                     for kind, deltas in (("references", refs), ("memory blocks", blocks))
                     if leaking(deltas))
