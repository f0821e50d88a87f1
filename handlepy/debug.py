"""Debug mode for universal binaries (see docs/debug.md).

A binary loaded in debug mode (``HANDLEPY_DEBUG=1``, ``HANDLEPY_DEBUG=name,...`` or
``handlepy.load(..., debug=True)``) runs with checked handles. Misuse is reported when it
happens, by the action ``set_on_error`` chooses; handles left open are found with a
``LeakDetector``.
"""
import reprlib
from collections import namedtuple

from . import _loader

__all__ = ["HandleError", "HandleLeakError", "Leak", "LeakDetector", "open_handles",
           "set_on_error", "get_on_error", "set_backtrace_depth", "get_backtrace_depth"]

HandleError = _loader.HandleError

# kind: "handle", "HPyTupleBuilder", "HPyListBuilder" or "HPyTracker"; opened_by: the API
# function that opened it; call: the extension function during whose call it was opened;
# object: the object of a handle (None for the others); backtrace: "function at
# file:line" lines, innermost first.
Leak = namedtuple("Leak", "kind opened_by call object backtrace")

_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 60


class HandleLeakError(Exception):
    """Handles were left open; ``leaks`` lists them and the message shows them."""

    def __init__(self, leaks):
        self.leaks = leaks
        super().__init__(format_leaks(leaks))


def _describe(leak):
    if leak.kind == "handle":
        try:
            what = f"a handle to {_repr.repr(leak.object)} ({type(leak.object).__name__})"
        except Exception:
            what = f"a handle to a {type(leak.object).__name__}"
    else:
        what = f"an {leak.kind}"
    lines = [f"  {what}, opened by {leak.opened_by} during the call to {leak.call}"
             + (", at:" if leak.backtrace else "")]
    lines += [f"      {frame}" for frame in leak.backtrace]
    return "\n".join(lines)


def format_leaks(leaks):
    """The report of a list of leaks, as HandleLeakError shows it."""
    noun = "handle was" if len(leaks) == 1 else "handles were"
    return "\n".join([f"{len(leaks)} {noun} left open:"] + [_describe(leak) for leak in leaks])


def open_handles(since=0):
    """The handles (and builders and trackers) opened after serial ``since`` and still
    open, but for those a leak report already showed."""
    return [Leak(*item) for item in _loader.debug_leaks(since, False)]


class LeakDetector:
    """Finds the handles opened between ``start()`` and ``stop()`` and left open.

    As a context manager, leaving the block raises HandleLeakError if there are any
    (unless the block raised). A leak is reported once: an enclosing detector does not
    report it again.
    """

    def __init__(self):
        self._since = None

    def start(self):
        self._since = _loader.debug_serial()
        return self

    def leaks(self):
        """The leaks so far, without reporting them."""
        if self._since is None:
            raise RuntimeError("LeakDetector.leaks() before start()")
        return open_handles(self._since)

    def stop(self):
        """Raise HandleLeakError if handles opened since ``start()`` are still open."""
        if self._since is None:
            raise RuntimeError("LeakDetector.stop() before start()")
        leaks = [Leak(*item) for item in _loader.debug_leaks(self._since, True)]
        self._since = None
        if leaks:
            raise HandleLeakError(leaks)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.stop()
        return False


def set_on_error(action):
    """What happens when debug mode catches a misuse; returns the previous action.

    - ``"abort"`` (the default): print the report and abort the process;
    - ``"raise"``: make the API call fail, and the extension's function raise
      HandleError with the report;
    - ``"log"``: log the report (``logging.getLogger("handlepy.debug")``) and carry on
      where that is harmless (a close that is not allowed is skipped, an argument
      returned without HPy_Dup is duplicated); where it is not (a closed handle used),
      the call fails as with ``"raise"``;
    - a callable: called with the report, then as ``"log"``; if it raises, the
      extension's function raises that exception.
    """
    previous = get_on_error()
    if callable(action):
        _loader.debug_configure("hook", action, None)
    else:
        _loader.debug_configure(action, None, None)
    return previous


def get_on_error():
    action, hook, _ = _loader.debug_settings()
    return hook if action == "hook" else action


def set_backtrace_depth(depth):
    """Frames of C backtrace kept where each handle is opened and closed (0: none);
    returns the previous depth. Applies to handles opened from then on."""
    previous = get_backtrace_depth()
    _loader.debug_configure(None, None, depth)
    return previous


def get_backtrace_depth():
    return _loader.debug_settings()[2]
