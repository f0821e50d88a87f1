"""``hpy.universal._trace`` on handlepy.trace: HPy names each context function after its
field in HPy's context (``HPy_Add`` is ``ctx_Add``) and counts time in microseconds."""
import handlepy.trace

_KEEP = object()


def _hpy_name(name):
    for prefix in ("_HPy_", "HPy_", "HPy"):
        if name.startswith(prefix):
            return "ctx_" + name[len(prefix):]
    return name


def get_call_counts():
    return {_hpy_name(n): c for n, c in handlepy.trace.get_call_counts().items()}


def get_durations():
    return {_hpy_name(n): ns // 1000 for n, ns in handlepy.trace.get_durations().items()}


def get_frequency():
    return 1_000_000


def _renamed(hook):
    if hook is None or hook is _KEEP or not callable(hook):
        return hook
    return lambda name: hook(_hpy_name(name))


def set_trace_functions(on_enter=_KEEP, on_exit=_KEEP):
    kwargs = {k: _renamed(v) for k, v in (("on_enter", on_enter), ("on_exit", on_exit))
              if v is not _KEEP}
    handlepy.trace.set_trace_functions(**kwargs)
