"""Build ujson_hpy for one ABI into a content-addressed cache and import it.

``python samples/ujson/build.py [universal|cpython]`` prints the path of the built module.
The cache key covers the sources, handlepy's headers and runtime (their contents, not
their paths), the compiler and its flags, so a universal binary built under CPython is
found again under PyPy. Concurrent builders (pytest-xdist workers) take a file lock.
"""
import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from handlepy import build
from handlepy.conformance.compiler import CFLAGS, CompileError, ExtensionCompiler, _digest

NAME = "ujson_hpy"
SOURCE_DIR = Path(__file__).resolve().parent
ROOT = SOURCE_DIR.parent.parent
DEFAULT_CACHE = ROOT / "build" / "samples-cache"


def sources():
    return sorted(SOURCE_DIR.glob("*.c"))


def cache_key(abi, cc):
    inputs = [build.PACKAGE_DIR / "include", build.PACKAGE_DIR / "runtime"]
    if abi == "cpython":
        inputs.append(build.PACKAGE_DIR / "cpython-runtime")
    host = build.ext_suffix(abi) if abi == "cpython" else ""
    own = sources() + sorted(SOURCE_DIR.glob("*.h"))
    return _digest(NAME, abi, host, cc, *CFLAGS, build.tree_digest(inputs),
                   build.tree_digest(own))[:24]


def build_module(abi, cache_dir=None, require_cached=None):
    """The path of ujson_hpy built for ``abi``, compiling it unless cached."""
    cc = os.environ.get("CC", "cc")
    if require_cached is None:
        require_cached = os.environ.get("HANDLEPY_REQUIRE_CACHED") == "1"
    out_dir = Path(cache_dir or DEFAULT_CACHE) / abi / cache_key(abi, cc)
    target = out_dir / (NAME + build.ext_suffix(abi))
    if target.exists():
        return target
    # Only a universal binary can come from another interpreter's build; a cpython-ABI
    # one is per interpreter, so it is built here, as the conformance suite's are.
    if require_cached and abi == "universal":
        raise CompileError(f"{target} is not built and HANDLEPY_REQUIRE_CACHED=1 forbids building it")
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
            out = Path(tmp) / target.name
            cmd = [cc, *CFLAGS, "-shared", *build.cflags(abi), *map(str, sources()),
                   *map(str, build.sources(abi)), "-lm", "-o", str(out)]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                raise CompileError(f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
            os.replace(out, target)
    return target


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
