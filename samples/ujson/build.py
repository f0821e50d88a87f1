"""Build ujson_hpy for one ABI and import it.

``python samples/ujson/build.py [universal|cpython]`` prints the path of the built module.
``handlepy.build.build_cached`` keys it by the sources and headers here, handlepy's
headers and runtime (their contents, not their paths), the compiler and its flags, so a
universal binary built under CPython is found again under PyPy.
"""
import sys
from pathlib import Path

from handlepy import build
from handlepy.conformance.compiler import ExtensionCompiler

NAME = "ujson_hpy"
SOURCE_DIR = Path(__file__).resolve().parent
ROOT = SOURCE_DIR.parent.parent
DEFAULT_CACHE = ROOT / "build" / "samples-cache"


def sources():
    return sorted(SOURCE_DIR.glob("*.c"))


def build_module(abi, cache_dir=None, require_cached=None):
    """The path of ujson_hpy built for ``abi``, compiling it unless cached."""
    return build.build_cached(NAME, sources(), abi, cache_dir or DEFAULT_CACHE,
                              libraries=["m"], depends=sorted(SOURCE_DIR.glob("*.h")),
                              require_cached=require_cached)


def load(abi, cache_dir=None):
    """Build (or reuse) and import ujson_hpy for ``abi``; ``"debug"`` is the universal
    binary in debug mode (docs/debug.md), which reports a handle used after it was
    closed and faults on a read through a closed handle's UTF-8 or bytes buffer. The
    module is removed from sys.modules again, so that the ABIs can be loaded side by
    side."""
    if abi == "debug":
        import handlepy

        module = handlepy.load(NAME, build_module("universal", cache_dir), debug=True)
        sys.modules.pop(NAME, None)
        return module
    path = build_module(abi, cache_dir)
    module = ExtensionCompiler(abi).load(NAME, path)
    sys.modules.pop(NAME, None)
    return module


if __name__ == "__main__":
    print(build_module(sys.argv[1] if len(sys.argv) > 1 else "universal"))
