"""Compiler settings for building handlepy extensions, shared by the Meson and
setuptools integrations, the command line (``python -m handlepy``) and the test harness.
"""
import hashlib
import os
import re
import subprocess
import sysconfig
import tempfile
from pathlib import Path

from ._finder import UNIVERSAL_SUFFIX

# hybrid: a universal binary that may also call the C API, so built per interpreter.
ABIS = ("universal", "cpython", "hybrid")
DEFINES = {"universal": "HPY_ABI_UNIVERSAL", "cpython": "HPY_ABI_CPYTHON",
           "hybrid": "HPY_ABI_HYBRID"}
PACKAGE_DIR = Path(__file__).resolve().parent


def _check(abi):
    if abi not in ABIS:
        raise ValueError(f"abi must be one of {', '.join(ABIS)}, not {abi!r}")


def include_dirs(abi="universal"):
    """Header folders: handlepy's own, plus the interpreter's where the C API is used."""
    _check(abi)
    dirs = [PACKAGE_DIR / "include"]
    if abi == "universal":
        # First, so that #include <Python.h> fails, saying why, even where the build
        # tool adds the interpreter's headers (setuptools always does).
        dirs.insert(0, PACKAGE_DIR / "include" / "handlepy" / "universal" / "no-python-h")
    if abi != "universal":
        dirs.append(Path(sysconfig.get_paths()["include"]))
    return dirs


def defines(abi="universal"):
    _check(abi)
    return [DEFINES[abi]]


def cflags(abi="universal"):
    return [f"-D{d}" for d in defines(abi)] + [f"-I{d}" for d in include_dirs(abi)]


def sources(abi="universal"):
    """C files every extension of this ABI compiles in beside its own."""
    _check(abi)
    files = sorted((PACKAGE_DIR / "extension-runtime").glob("*.c"))
    if abi == "cpython":
        files += sorted((PACKAGE_DIR / "cpython-backend").glob("*.c"))
    return files


def ext_suffix(abi="universal"):
    """File-name ending of a built module: universal and hybrid binaries, which the
    handlepy loader imports, have their own."""
    _check(abi)
    return sysconfig.get_config_var("EXT_SUFFIX") if abi == "cpython" else UNIVERSAL_SUFFIX


def abi_release():
    """The first handlepy release that provides the ABI these headers build for: what a
    universal binary built with them needs at run time (``HANDLEPY_ABI_RELEASE``)."""
    header = (PACKAGE_DIR / "include" / "handlepy" / "autogen_ctx.h").read_text()
    return re.search(r'^#define HANDLEPY_ABI_RELEASE "([^"]+)"', header, re.M).group(1)


STUB_MARK = "# handlepy loader stub"


def stub_source(name):
    """The text of ``<name>.py``, the loader stub that build integrations put beside a
    universal binary ``<name>.handlepy.so`` (``name`` is the module's last component).

    The standard finders find the stub on every interpreter, with or without handlepy's
    import hook: it imports the binary through handlepy, or, without handlepy, says to
    install it (docs/design.md, "A missing runtime").
    """
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not a module name")
    binary = name + UNIVERSAL_SUFFIX
    return f"""{STUB_MARK} for the universal binary {binary}: written by the build, do not edit.
def _load(name, binary):
    import os
    try:
        from handlepy import load
    except ImportError:
        raise ModuleNotFoundError(
            f"{{name}} is a handlepy universal binary ({{binary}}), imported through handlepy, "
            "which is not installed: install handlepy (pip install 'handlepy>={abi_release()}')",
            name="handlepy") from None
    load(name, os.path.join(os.path.dirname(os.path.abspath(__file__)), binary))


_load(__name__, {binary!r})
"""


def write_stub(folder, name):
    """Write the loader stub of universal binary ``name`` into ``folder``, unless a file
    of that name that is not a stub is there; returns its path, or None."""
    path = Path(folder) / f"{name}.py"
    if path.exists() and not path.read_text(errors="replace").startswith(STUB_MARK):
        return None
    path.write_text(stub_source(name))
    return path


def tree_digest(paths):
    """A digest of the names and contents (not the locations) of the files under
    ``paths``, so that a cache key survives moving a checkout or an installation."""
    h = hashlib.sha256()
    for root in map(Path, paths):
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for f in files:
            h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


class BuildError(Exception):
    """The compiler failed; the message holds its command line and output."""


def _run_compiler(cmd):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"{' '.join(map(str, cmd))}\n{proc.stdout}{proc.stderr}")


def build_cached(name, files, abi, cache_dir, extra_cflags=(), cc=None, require_cached=False):
    """Compile ``files`` (C source paths) with the runtime of ``abi`` into the shared module
    ``name`` and return its path inside ``cache_dir``.

    The file is found again by a key made of the sources' contents, the ABI, the
    compiler and its flags and the contents of handlepy's headers and runtime; for the
    universal ABI the key leaves the interpreter out, so that a binary built under one
    interpreter is found, byte for byte, under another. The runtime is compiled once
    per key, not once per module. With ``require_cached``, a missing file raises
    BuildError instead of being built.
    """
    _check(abi)
    cc = cc or os.environ.get("CC", "cc")
    inputs = [PACKAGE_DIR / "include", PACKAGE_DIR / "extension-runtime"]
    if abi == "cpython":
        inputs.append(PACKAGE_DIR / "cpython-backend")
    host = "" if abi == "universal" else sysconfig.get_config_var("EXT_SUFFIX")
    h = hashlib.sha256()
    for part in (abi, host, cc, *extra_cflags, tree_digest(inputs)):
        h.update(str(part).encode() + b"\0")
    base_key = h.hexdigest()
    for src in files:
        h.update(Path(src).read_bytes() + b"\0")
    cache_dir = Path(cache_dir) / abi
    target = cache_dir / h.hexdigest()[:24] / (name + ext_suffix(abi))
    if target.exists():
        return target
    if require_cached:
        raise BuildError(f"{target} ({name}) is not in the cache, and building it here "
                         "is not allowed")
    runtime = runtime_objects(abi, cache_dir / f"runtime-{base_key[:16]}", cc, extra_cflags)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        partial = Path(tmp) / target.name
        _run_compiler([cc, *extra_cflags, "-shared", *cflags(abi), *files, *runtime,
                       "-o", partial])
        os.replace(partial, target)
    return target


def runtime_objects(abi, folder, cc, extra_cflags):
    """The runtime sources of ``abi``, compiled with ``extra_cflags`` into ``folder``
    once (a folder per cache key), not once per module; BuildError if one fails."""
    objects = [folder / f"{src.parent.name}-{src.stem}.o" for src in sources(abi)]
    if all(o.exists() for o in objects):
        return objects
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        for src, obj in zip(sources(abi), objects):
            partial = Path(tmp) / obj.name
            _run_compiler([cc, *extra_cflags, *cflags(abi), "-c", src, "-o", partial])
            os.replace(partial, obj)
    return objects
