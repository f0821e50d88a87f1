"""Compiler settings for building handlepy extensions, shared by the Meson and
setuptools integrations and the command line (``python -m handlepy``), and
:func:`build_cached`, which builds every extension of the project's own tests, samples,
demo and tools.
"""
import fcntl
import functools
import hashlib
import os
import re
import shutil
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
# handlepy's own files that an extension build reads, as the package installs them
# (meson.build's install_subdir): the one place that names them.
INCLUDE_DIR = PACKAGE_DIR / "include"
RUNTIME_DIR = PACKAGE_DIR / "extension-runtime"
CPYTHON_RUNTIME_DIR = PACKAGE_DIR / "cpython-backend"

# The flags of every extension that handlepy's own tools, tests, samples and benchmarks
# compile (build_cached): the project's C is held to -Wall -Wextra -Werror.
WARNING_FLAGS = ["-Wall", "-Wextra", "-Werror"]
CFLAGS = ["-std=c11", "-O2", "-g", "-fPIC", "-fvisibility=hidden", *WARNING_FLAGS]
# HANDLEPY_SANITIZE=address,undefined (make test-asan) builds them with those sanitizers;
# the flags are part of the cache key, so sanitized binaries are cached apart.
if os.environ.get("HANDLEPY_SANITIZE"):
    CFLAGS += [f"-fsanitize={os.environ['HANDLEPY_SANITIZE']}", "-fno-sanitize-recover=all",
               "-fno-omit-frame-pointer"]


def _check(abi):
    if abi not in ABIS:
        raise ValueError(f"abi must be one of {', '.join(ABIS)}, not {abi!r}")


def include_dirs(abi="universal"):
    """Header folders: handlepy's own, plus the interpreter's where the C API is used."""
    _check(abi)
    dirs = [INCLUDE_DIR]
    if abi == "universal":
        # First, so that #include <Python.h> fails, saying why, even where the build
        # tool adds the interpreter's headers (setuptools always does).
        dirs.insert(0, INCLUDE_DIR / "handlepy" / "universal" / "no-python-h")
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
    return [f for d in _runtime_dirs(abi) for f in sorted(d.glob("*.c"))]


def _runtime_dirs(abi):
    return [RUNTIME_DIR, CPYTHON_RUNTIME_DIR] if abi == "cpython" else [RUNTIME_DIR]


def ext_suffix(abi="universal"):
    """File-name ending of a built module: universal and hybrid binaries, which the
    handlepy loader imports, have their own."""
    _check(abi)
    return sysconfig.get_config_var("EXT_SUFFIX") if abi == "cpython" else UNIVERSAL_SUFFIX


def abi_release():
    """The first handlepy release that provides the ABI these headers build for: what a
    universal binary built with them needs at run time (``HANDLEPY_ABI_RELEASE``)."""
    header = (INCLUDE_DIR / "handlepy" / "autogen_ctx.h").read_text()
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


@functools.lru_cache(maxsize=None)
def _own_inputs_digest(abi):
    # handlepy's files do not change while a process runs; hashing them once per ABI keeps
    # a cache hit (most of the conformance suite's builds) cheap.
    return tree_digest([INCLUDE_DIR, *_runtime_dirs(abi)])


def default_cache_dir():
    """Where build_cached keeps what it builds: ``$HANDLEPY_CONFORMANCE_CACHE``, else the
    user's cache folder."""
    base = os.environ.get("HANDLEPY_CONFORMANCE_CACHE")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "handlepy-conformance"


class BuildError(Exception):
    """The compiler failed; the message holds its command line and output."""


def _run_compiler(cmd):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"{' '.join(map(str, cmd))}\n{proc.stdout}{proc.stderr}")


def digest(*parts):
    """A hex digest of ``parts`` (bytes, or anything ``str`` turns into text), in order."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()


def build_cached(name, files, abi="universal", cache_dir=None, *, flags=None, libraries=(),
                 depends=(), cc=None, require_cached=None):
    """Compile ``files`` (C source paths) with the runtime of ``abi`` into the shared module
    ``name`` and return its path inside ``cache_dir`` (by default
    :func:`default_cache_dir`). Every build of an extension that handlepy's own tools,
    tests, samples and benchmarks make goes through here.

    ``flags`` (compiler flags besides handlepy's own) default to :data:`CFLAGS`;
    ``libraries`` are linked (``-l``); ``depends`` are more files or folders (headers)
    whose contents the module depends on. ``abi`` None builds a plain C-API extension:
    the interpreter's headers, no handlepy.

    The file is found again by a key made of the contents of the sources and of
    ``depends``, the ABI, the compiler and its flags and the contents of handlepy's
    headers and runtime; for the universal ABI the key leaves the interpreter out, so
    that a binary built under one interpreter is found, byte for byte, under another.
    The runtime is compiled once per key, not once per module, and concurrent builders of
    one module (pytest-xdist workers) wait for each other. With ``require_cached`` (by
    default: ``HANDLEPY_REQUIRE_CACHED=1`` and a universal binary, the one kind another
    interpreter can have built), a missing file raises BuildError instead of being built.
    """
    if abi is not None:
        _check(abi)
    cc = cc or os.environ.get("CC", "cc")
    flags = CFLAGS if flags is None else list(flags)
    if require_cached is None:
        require_cached = (abi == "universal" and
                          os.environ.get("HANDLEPY_REQUIRE_CACHED") == "1")
    host = "" if abi == "universal" else sysconfig.get_config_var("EXT_SUFFIX")
    own = _own_inputs_digest(abi) if abi else ""
    base_key = digest(abi or "capi", host, cc, *flags, *libraries, own)
    key = digest(base_key, *(Path(f).read_bytes() for f in files), tree_digest(depends))
    cache_dir = Path(cache_dir or default_cache_dir()) / (abi or "capi")
    suffix = ext_suffix(abi) if abi else sysconfig.get_config_var("EXT_SUFFIX")
    target = cache_dir / key[:24] / (name + suffix)
    if target.exists():
        return target
    if require_cached:
        raise BuildError(f"{target} ({name}) is not in the cache, and "
                         "HANDLEPY_REQUIRE_CACHED=1 forbids building it here")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        if abi:
            runtime = runtime_objects(abi, cache_dir / f"runtime-{base_key[:16]}", cc, flags)
            own_flags = cflags(abi)
        else:
            runtime, own_flags = [], [f"-I{sysconfig.get_paths()['include']}"]
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            partial = Path(tmp) / target.name
            _run_compiler([cc, *flags, "-shared", *own_flags, *files, *runtime,
                           *(f"-l{lib}" for lib in libraries), "-o", partial])
            os.replace(partial, target)
    return target


def copy_into_place(binary, target):
    """Copy ``binary`` to ``target`` (a path) by renaming a full copy over it, never by
    writing into the file already there: a process that has that file loaded keeps its
    pages, where a rewrite would change its code under it or end it with SIGBUS."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(fd)
    try:
        shutil.copy2(binary, partial)
        os.replace(partial, target)
    except BaseException:
        os.unlink(partial)
        raise
    return target


def runtime_objects(abi, folder, cc, flags):
    """The runtime sources of ``abi``, compiled with ``flags`` into ``folder``
    once (a folder per cache key), not once per module; BuildError if one fails."""
    objects = [folder / f"{src.parent.name}-{src.stem}.o" for src in sources(abi)]
    if all(o.exists() for o in objects):
        return objects
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        for src, obj in zip(sources(abi), objects):
            partial = Path(tmp) / obj.name
            _run_compiler([cc, *flags, *cflags(abi), "-c", src, "-o", partial])
            os.replace(partial, obj)
    return objects
