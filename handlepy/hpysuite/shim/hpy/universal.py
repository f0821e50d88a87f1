"""``hpy.universal`` for HPy's test suite: loads universal binaries through handlepy."""
import ctypes
import importlib.util

import handlepy
from handlepy import _loader

# HPy's tests reach the debug and trace APIs as attributes of this module.
from . import _debug_api as _debug  # noqa: F401
from . import _trace_api as _trace  # noqa: F401

MODE_UNIVERSAL, MODE_DEBUG, MODE_TRACE = 0, 1, 2


def get_version():
    return handlepy.__version__, ""


def _requested_abi(name, path):
    """The ABI version the binary at ``path`` was built for, as HPy_MODINIT records it;
    None if it says none (handlepy's loader then says what is wrong)."""
    try:
        lib = ctypes.CDLL(path)
        abi = getattr(lib, f"handlepy_abi_{name.rpartition('.')[2]}")
    except (OSError, AttributeError):
        return None
    abi.restype = ctypes.c_uint32
    version = abi()
    return version >> 16, version & 0xFFFF


def _check_abi(name, path):
    """HPy's contract for a binary of another ABI version: RuntimeError in HPy's words.
    handlepy's own loader raises ImportError (what importers expect); only this adapter
    translates."""
    requested = _requested_abi(name, path)
    current = _loader.abi_version()
    if requested is None:
        return
    if requested[0] != current[0] or requested[1] > current[1]:
        raise RuntimeError(
            f"HPy extension module '{name}' requires unsupported version of the HPy "
            f"runtime. Requested version: {requested[0]}.{requested[1]}. Current HPy "
            f"version: {current[0]}.{current[1]}.")


def load(name, path, spec=None, debug=False, mode=-1):
    """Create and execute the module of the binary at ``path``, as HPy's loader does:
    the module is not put in ``sys.modules``."""
    _check_abi(name, path)
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
