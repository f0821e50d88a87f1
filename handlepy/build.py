"""Compiler settings for building handlepy extensions, shared by the Meson and
setuptools integrations, the command line (``python -m handlepy``) and the test harness.
"""
import sysconfig
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
    if abi == "cpython":
        dirs.append(PACKAGE_DIR / "cpython-runtime")
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
    files = sorted((PACKAGE_DIR / "runtime").glob("*.c"))
    if abi == "cpython":
        files += sorted((PACKAGE_DIR / "cpython-runtime").glob("*.c"))
    return files


def ext_suffix(abi="universal"):
    """File-name ending of a built module: universal and hybrid binaries, which the
    handlepy loader imports, have their own."""
    _check(abi)
    return sysconfig.get_config_var("EXT_SUFFIX") if abi == "cpython" else UNIVERSAL_SUFFIX
