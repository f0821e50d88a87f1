"""pkg-config files for handlepy, so that build systems that read them (Meson's
``dependency('handlepy')``, autotools, plain Makefiles) find its flags and runtime.

The files are written on demand, by ``python -m handlepy --pkg-config-path``, for the
interpreter that runs it: the CPython and hybrid ABIs need that interpreter's headers,
and the paths are those of this installation, so a file cannot be shipped ready-made.
One file per ABI, ``handlepy-<abi>.pc``, and ``handlepy.pc``, the universal ABI.

pkg-config has no field for sources; the runtime C files that every extension compiles
in are the variable ``sources`` (``pkg-config --variable=sources handlepy``).
"""
import hashlib
import os
import sys
from pathlib import Path

from . import __version__, build

DEFAULT_NAME = "handlepy"


def pc_text(abi):
    """The text of the pkg-config file of ``abi``."""
    cflags = " ".join(_quote(f) for f in build.cflags(abi))
    sources = " ".join(_quote(str(s)) for s in build.sources(abi))
    return (f"# Written by python -m handlepy --pkg-config-path for {sys.executable}\n"
            f"sources={sources}\n"
            f"ext_suffix={build.ext_suffix(abi)}\n"
            f"abi={abi}\n\n"
            f"Name: handlepy-{abi}\n"
            f"Description: handlepy extensions in the {abi} ABI\n"
            f"Version: {__version__}\n"
            f"Cflags: {cflags}\n"
            f"Libs:\n")


def _quote(text):
    # pkg-config splits fields at spaces, as a shell would; a backslash keeps one.
    return text.replace("\\", "\\\\").replace(" ", "\\ ")


def default_folder():
    """A folder of this user's cache, one per interpreter and handlepy installation."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    key = hashlib.sha256(f"{sys.executable}\0{build.PACKAGE_DIR}".encode()).hexdigest()[:16]
    return Path(cache) / "handlepy" / "pkgconfig" / key


def write(folder=None):
    """Write the files into ``folder`` (default: :func:`default_folder`) and return it.
    A file already up to date is left alone, so that build systems that watch it do not
    reconfigure."""
    folder = Path(folder) if folder is not None else default_folder()
    folder.mkdir(parents=True, exist_ok=True)
    files = {f"{DEFAULT_NAME}-{abi}.pc": pc_text(abi) for abi in build.ABIS}
    files[f"{DEFAULT_NAME}.pc"] = pc_text("universal")
    for name, text in files.items():
        path = folder / name
        if not path.exists() or path.read_text() != text:
            partial = path.with_name(f".{name}.{os.getpid()}")
            partial.write_text(text)
            os.replace(partial, path)
    return folder
