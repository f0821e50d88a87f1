"""Fixtures of the debug and trace mode tests (helpers are in debugtools.py)."""
import pytest

from handlepy import debug


@pytest.fixture
def on_error():
    """Set the action on misuse for one test: on_error("raise")."""
    previous = debug.get_on_error()
    yield debug.set_on_error
    debug.set_on_error(previous)


@pytest.fixture
def backtrace_depth():
    previous = debug.get_backtrace_depth()
    yield debug.set_backtrace_depth
    debug.set_backtrace_depth(previous)
