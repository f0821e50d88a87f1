"""``hpy.universal._debug`` on top of handlepy.debug."""
import handlepy.debug
from handlepy import _loader


class DebugHandle:
    """An open handle as HPy's debug API shows it."""

    def __init__(self, leak):
        self._leak = leak
        self.obj = leak.object

    @property
    def is_closed(self):
        return False

    def __repr__(self):
        return f"<DebugHandle for {self.obj!r}>"


def new_generation():
    return _loader.debug_serial()


def get_open_handles(gen=0):
    return [DebugHandle(leak) for leak in handlepy.debug.open_handles(gen)
            if leak.kind == "handle"]


def get_closed_handles(gen=0):
    return []


_closed_queue_max = 1024
_raw_data_max = 1024 * 1024


def get_closed_handles_queue_max_size():
    return _closed_queue_max


def set_closed_handles_queue_max_size(size):
    global _closed_queue_max
    _closed_queue_max = size


def get_protected_raw_data_max_size():
    return _raw_data_max


def set_protected_raw_data_max_size(size):
    global _raw_data_max
    _raw_data_max = size


def set_handle_stack_trace_limit(limit):
    handlepy.debug.set_backtrace_depth(0 if limit is None else limit)


def set_on_invalid_handle(callback):
    handlepy.debug.set_on_error("abort" if callback is None else (lambda report: callback()))


def set_on_invalid_builder_handle(callback):
    set_on_invalid_handle(callback)
