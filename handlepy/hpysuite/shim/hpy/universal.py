"""``hpy.universal`` for HPy's test suite: loads universal binaries through handlepy."""
import importlib.util

import handlepy
from handlepy import _loader

# HPy's tests reach the debug and trace APIs as attributes of this module.
from . import _debug_api as _debug  # noqa: F401
from . import _trace_api as _trace  # noqa: F401

MODE_UNIVERSAL, MODE_DEBUG, MODE_TRACE = 0, 1, 2


def get_version():
    return handlepy.__version__, ""


def load(name, path, spec=None, debug=False, mode=-1):
    """Create and execute the module of the binary at ``path``, as HPy's loader does:
    the module is not put in ``sys.modules``."""
    if mode < 0:
        mode = MODE_DEBUG if debug else MODE_UNIVERSAL
    debug, trace = mode == MODE_DEBUG, mode == MODE_TRACE
    if spec is None:
        loader = handlepy.UniversalLoader(name, path, debug=debug, trace=trace)
        spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    # The module is made from the spec the caller gave, as HPy's loader makes it.
    module = _loader.create(spec, debug=debug, trace=trace)
    if isinstance(module, type(importlib)):
        module.__file__ = path
        if getattr(module, "__spec__", None) is None:
            module.__spec__ = spec
        _loader.exec(module)
    return module
