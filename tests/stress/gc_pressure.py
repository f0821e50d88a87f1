"""pytest plugin for make stress (``-p gc_pressure`` with tests/stress on sys.path).

Makes the collector run as often as it can, so that an object freed while C still holds
its pointer, or a buffer PyPy's collector moved, is reached while the test runs rather
than once in a while: on CPython ``gc.set_threshold(1)`` and a full collection around
each test; on PyPy the full collection around each test (the nursery size and the major
collection factor come from the environment, PYPY_GC_NURSERY and PYPY_GC_MAJOR_COLLECT,
which make stress sets). faulthandler is on for every thread.

When STRESS_CURRENT_TEST names a file, the number of tests started and the node id of
the one running are written there before it starts: a process that dies of a signal
leaves the name of the test that killed it. STRESS_FIRST_TEST=K skips the first K tests
collected: a run cut short at the end of its time slice is resumed there by the next.
"""
import faulthandler
import gc
import os

import pytest

_current = os.environ.get("STRESS_CURRENT_TEST")
_started = 0


def pytest_configure(config):
    faulthandler.enable(all_threads=True)
    if hasattr(gc, "set_threshold"):
        gc.set_threshold(1)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    first = int(os.environ.get("STRESS_FIRST_TEST") or 0)
    if 0 < first < len(items):
        del items[:first]


def _record(text):
    # Replaced, not rewritten: the runner may read it at any moment.
    if _current:
        with open(_current + ".new", "w") as f:
            f.write(text)
        os.replace(_current + ".new", _current)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _started
    _started += 1
    _record(f"{_started} {item.nodeid}")
    gc.collect()
    try:
        return (yield)
    finally:
        gc.collect()
        _record(f"{_started} (after {item.nodeid})")
