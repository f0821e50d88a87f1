"""``hpy.universal._debug`` on handlepy's debug mode (handlepy.debug and the loader)."""
import handlepy.debug
from handlepy import _loader

# handlepy keeps buffers of closed handles unreadable by total size, not per handle;
# the setting is kept for HPy's API, which reads it back.
_raw_data_max_size = [1024 * 1024]


class DebugHandle:
    """A debug handle's slot in the table: ``obj`` and ``is_closed`` say what the slot
    holds now, so a handle object sees its slot reused, as in HPy."""

    __slots__ = ("id",)

    def __init__(self, index):
        self.id = index

    @property
    def is_closed(self):
        return not _loader.debug_handle(self.id)[0]

    @property
    def obj(self):
        return _loader.debug_handle(self.id)[1]

    @property
    def raw_data_size(self):
        return -1

    def _force_close(self):
        _loader.debug_force_close(self.id)

    def __eq__(self, other):
        if not isinstance(other, DebugHandle):
            return NotImplemented
        return self.id == other.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        if self.is_closed:
            return f"<DebugHandle 0x{self.id:x} CLOSED>"
        return f"<DebugHandle 0x{self.id:x} for {self.obj!r}>"


def new_generation():
    return _loader.debug_serial()


def get_open_handles(gen=0):
    return [DebugHandle(index) for _, index in _loader.debug_handles(True, gen)]


def get_closed_handles(gen=0):
    return [DebugHandle(index) for _, index in _loader.debug_handles(False, gen)]


def get_closed_handles_queue_max_size():
    return _loader.debug_queue_max(None)


def set_closed_handles_queue_max_size(size):
    _loader.debug_queue_max(size)


def get_protected_raw_data_max_size():
    return _raw_data_max_size[0]


def set_protected_raw_data_max_size(size):
    _raw_data_max_size[0] = size


def set_handle_stack_trace_limit(limit):
    handlepy.debug.set_backtrace_depth(0 if limit is None else limit)


# HPy has a hook for handles and one for builders; handlepy one for every report, which
# names the builder in its first line when a builder was misused.
_hooks = {"handle": None, "builder": None}


def _dispatch(report):
    first_line = report.partition("\n")[0]
    kind = "builder" if "Builder" in first_line else "handle"
    if _hooks[kind] is not None:
        _hooks[kind]()


def _install_hooks():
    any_hook = any(hook is not None for hook in _hooks.values())
    handlepy.debug.set_on_error(_dispatch if any_hook else "abort")


def set_on_invalid_handle(callback):
    _hooks["handle"] = callback
    _install_hooks()


def set_on_invalid_builder_handle(callback):
    _hooks["builder"] = callback
    _install_hooks()
