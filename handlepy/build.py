"""Compiler settings for building handlepy extensions, shared by the Meson and
setuptools integrations, the command line (``python -m handlepy``) and the test harness.
"""
import sysconfig
from pathlib import Path

from ._finder import UNIVERSAL_SUFFIX

ABIS = ("universal", "cpython")
PACKAGE_DIR = Path(__file__).resolve().parent


def _check(abi):
    if abi not in ABIS:
        raise ValueError(f"abi must be one of {', '.join(ABIS)}, not {abi!r}")


def include_dirs(abi="universal"):
    """Header folders: handlepy's own, plus the CPython ones in CPython mode."""
    _check(abi)
    dirs = [PACKAGE_DIR / "include"]
    if abi == "cpython":
        dirs.append(PACKAGE_DIR / "cpython-runtime")
        dirs.append(Path(sysconfig.get_paths()["include"]))
    return dirs


def defines(abi="universal"):
    _check(abi)
    return ["HPY_ABI_UNIVERSAL" if abi == "universal" else "HPY_ABI_CPYTHON"]


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
    """File-name ending of a built module: universal binaries have their own."""
    _check(abi)
    return UNIVERSAL_SUFFIX if abi == "universal" else sysconfig.get_config_var("EXT_SUFFIX")
