"""``hpy.trace`` for HPy's test suite, on handlepy's trace mode."""
from hpy.universal import _trace

get_call_counts = _trace.get_call_counts
get_durations = _trace.get_durations
set_trace_functions = _trace.set_trace_functions
get_frequency = _trace.get_frequency
