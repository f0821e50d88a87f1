"""``hpy.debug`` for HPy's test suite, on handlepy's debug mode."""
from .leakdetector import HPyDebugError, HPyLeakError, LeakDetector

__all__ = ["HPyDebugError", "HPyLeakError", "LeakDetector",
           "set_handle_stack_trace_limit", "disable_handle_stack_traces"]


def set_handle_stack_trace_limit(limit):
    from hpy.universal import _debug
    _debug.set_handle_stack_trace_limit(limit)


def disable_handle_stack_traces():
    from hpy.universal import _debug
    _debug.set_handle_stack_trace_limit(None)
