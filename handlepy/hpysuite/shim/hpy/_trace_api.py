"""``hpy.universal._trace`` on top of handlepy.trace."""
import handlepy.trace


def get_call_counts():
    return dict(handlepy.trace.get_call_counts())


def get_durations():
    return dict(handlepy.trace.get_durations())


def get_frequency():
    return handlepy.trace.get_frequency()


def set_trace_functions(on_enter=None, on_exit=None):
    return handlepy.trace.set_trace_functions(on_enter, on_exit)
