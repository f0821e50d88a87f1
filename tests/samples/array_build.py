"""Build samples/array/harray.c in each ABI, and its C-API twin bench/micro/capi_array.c,
into build/samples, and import them.

``handlepy.build.build_cached`` keeps each binary under a digest of everything that goes
into it, so each is built once and then reused: by every test session, by each xdist
worker, and, for the universal binary, by PyPy, which gets the very file CPython built.
"""
import importlib.machinery
import importlib.util
import platform
import sys
from pathlib import Path

from handlepy import build
from handlepy._finder import load as load_universal

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "samples"
SAMPLE = ROOT / "samples" / "array" / "harray.c"
TWIN = ROOT / "bench" / "micro" / "capi_array.c"

IS_CPYTHON = platform.python_implementation() == "CPython"
KINDS = ("cpython", "universal", "capi")


def kinds():
    """What this interpreter can load: the CPython backend only runs on CPython."""
    return [k for k in KINDS if IS_CPYTHON or k != "cpython"]


def binary(kind):
    """The path of the built module for `kind`, building it on first use."""
    if kind == "capi":
        return build.build_cached("capi_array", [TWIN], None, OUT, libraries=["m"])
    return build.build_cached("harray", [SAMPLE], kind, OUT, libraries=["m"])


_loaded = {}


def load(kind):
    """The module built for `kind`, imported once per process.

    Both harray builds have the init function of `harray`, which the loaders find from
    the last part of the name; a prefix per kind keeps them apart in sys.modules."""
    if kind in _loaded:
        return _loaded[kind]
    path = binary(kind)
    name = path.name.split(".")[0]
    if kind == "universal":
        module = load_universal(f"{kind}.{name}", str(path))
    else:
        fullname = f"{kind}.{name}"
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(path))
        spec = importlib.util.spec_from_file_location(fullname, str(path), loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        sys.modules[fullname] = module
    _loaded[kind] = module
    return module
