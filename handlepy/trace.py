"""Trace mode for universal binaries (see docs/debug.md): how many times each context
function was called by modules loaded in trace mode (``HANDLEPY_TRACE=1``,
``HANDLEPY_TRACE=name,...`` or ``handlepy.load(..., trace=True)``), and the time spent
in it.

``module`` is a module (or its full name) loaded in trace mode, or None for the sum
over all of them.
"""
from . import _loader

__all__ = ["get_call_counts", "get_durations", "reset"]


def _name(module):
    return module if module is None or isinstance(module, str) else module.__name__


def get_call_counts(module=None):
    """{context function name: number of calls}, every function included."""
    return {name: calls for name, (calls, _) in _loader.trace_counts(_name(module)).items()}


def get_durations(module=None):
    """{context function name: cumulative time in it, in nanoseconds}."""
    return {name: ns for name, (_, ns) in _loader.trace_counts(_name(module)).items()}


def reset(module=None):
    """Set the counts and durations back to zero."""
    _loader.trace_reset(_name(module))
