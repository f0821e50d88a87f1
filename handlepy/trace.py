"""Trace mode for universal binaries (see docs/debug.md): how many times each context
function was called by modules loaded in trace mode (``HANDLEPY_TRACE=1``,
``HANDLEPY_TRACE=name,...`` or ``handlepy.load(..., trace=True)``), and the time spent
in it.

``module`` is a module (or its full name) loaded in trace mode, or None for the sum
over all of them.
"""
from . import _loader

__all__ = ["get_call_counts", "get_durations", "reset", "set_trace_functions"]

_KEEP = object()
_hooks = {"on_enter": None, "on_exit": None}


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


def set_trace_functions(on_enter=_KEEP, on_exit=_KEEP):
    """Call ``on_enter(name)`` before and ``on_exit(name)`` after each context function
    that a module in trace mode calls; ``None`` removes a function, and one not given
    stays as it is. What they raise is reported as unraisable."""
    hooks = dict(_hooks)
    for key, value in (("on_enter", on_enter), ("on_exit", on_exit)):
        if value is not _KEEP:
            hooks[key] = value
    _loader.trace_hooks(hooks["on_enter"], hooks["on_exit"])
    _hooks.update(hooks)
