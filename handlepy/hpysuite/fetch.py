"""HPy's source distribution from PyPI, downloaded once and unpacked into a cache
outside the checkout (``HANDLEPY_HPY_SDIST`` overrides where)."""
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from . import HPY_VERSION


def cache_root():
    return Path(os.environ.get("HANDLEPY_HPY_SDIST") or
                Path.home() / ".cache" / "handlepy" / "hpy-sdist")


def hpy_sources(version=HPY_VERSION):
    """The folder of HPy's unpacked sdist, downloading it if it is not there yet."""
    root = cache_root()
    unpacked = root / f"hpy-{version}"
    if (unpacked / "test" / "support.py").exists():
        return unpacked
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "--no-binary", ":all:", "-d", tmp, f"hpy=={version}"], check=True)
        archive, = Path(tmp).glob("hpy-*.tar.gz")
        with tarfile.open(archive) as tar:
            # The data filter where the interpreter has it (3.11.4+), refusing links
            # and paths that leave the folder.
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(tmp, **safe)
        os.replace(Path(tmp) / f"hpy-{version}", unpacked)
    return unpacked
