"""Build samples/array/harray.c in each ABI, and its C-API twin bench/micro/capi_array.c,
into build/samples, and import them.

A binary is kept under a digest of everything that goes into it, so each is built once
and then reused: by every test session, by each xdist worker, and, for the universal
binary, by PyPy, which gets the very file CPython built.
"""
import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from handlepy import build
from handlepy._finder import load as load_universal

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "samples"
SAMPLE = ROOT / "samples" / "array" / "harray.c"
TWIN = ROOT / "bench" / "micro" / "capi_array.c"
# The demo's flags: the sample must build there too.
CFLAGS = ["-std=c11", "-O2", "-g", "-fPIC", "-fvisibility=hidden", "-Wall", "-Wextra",
          "-Werror"]
CC = os.environ.get("CC", "cc")

IS_CPYTHON = platform.python_implementation() == "CPython"
KINDS = ("cpython", "universal", "capi")


def kinds():
    """What this interpreter can load: the CPython backend only runs on CPython."""
    return [k for k in KINDS if IS_CPYTHON or k != "cpython"]


def _recipe(kind):
    """Its source, the module name its init function has, its flags, the C files it
    compiles beside the source, and its file ending."""
    if kind == "capi":
        return (TWIN, "capi_array", [f"-I{sysconfig.get_paths()['include']}"], [],
                sysconfig.get_config_var("EXT_SUFFIX"))
    return (SAMPLE, "harray", build.cflags(kind), build.sources(kind), build.ext_suffix(kind))


def _digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def _inputs_digest(kind, source):
    """The contents of the source and of the handlepy headers and runtime it uses."""
    files = [source]
    if kind != "capi":
        dirs = ["include", "extension-runtime"] + (["cpython-backend"] if kind == "cpython" else [])
        for d in dirs:
            files += sorted(p for p in (build.PACKAGE_DIR / d).rglob("*") if p.is_file())
    return _digest(*[f.name.encode() + f.read_bytes() for f in files])


def binary(kind):
    """The path of the built module for `kind`, building it on first use."""
    source, name, flags, extra, suffix = _recipe(kind)
    # The universal binary does not depend on the interpreter that builds it.
    host = "" if kind == "universal" else suffix
    key = _digest(kind, host, CC, *CFLAGS, _inputs_digest(kind, source))
    target = OUT / kind / key / (name + suffix)
    if target.exists():
        return target
    # Only the universal binary can come from another interpreter's build; the others
    # are per interpreter, so they are built here, as the conformance suite's are.
    if kind == "universal" and os.environ.get("HANDLEPY_REQUIRE_CACHED") == "1":
        raise RuntimeError(f"{target} is not built and HANDLEPY_REQUIRE_CACHED=1 forbids "
                           "building it")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        out = Path(tmp) / target.name
        cmd = [CC, *CFLAGS, "-shared", *flags, str(source), *map(str, extra), "-lm",
               "-o", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
        # Another worker may have finished the same build first: either file is right.
        os.replace(out, target)
    return target


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
