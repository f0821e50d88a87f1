"""What every test run shares: the reference leak checker's option, and a refusal to run
the tests on a handlepy installed from an older state of the checkout."""
import os
from pathlib import Path

import pytest

import handlepy

# The reference leak checker: off unless --refleaks (or HANDLEPY_REFLEAKS=1) is given, on a
# debug build of CPython; loaded here so that its option and marker are always known.
pytest_plugins = ["handlepy.refleaks"]

ROOT = Path(__file__).resolve().parents[1]
# What the installed package is not built from: the rest of the checkout (its folders and
# meson.build, pyproject.toml) is, so an edit there makes the installation stale.
# Hidden folders (.git, .venv*, .hypothesis, ...) are left out too.
NOT_INSTALLED = {"tests", "docs", "bench", "samples", "fuzz", "scripts", "api", "build",
                 "__pycache__"}
INSTALL_INPUTS = ("meson.build", "pyproject.toml")


def newer_than_installation():
    """The checkout's files edited since handlepy was installed from it, which the tests,
    running the installed package, would not see; [] where handlepy is not installed
    from this checkout's build (a source folder on sys.path)."""
    package = Path(handlepy.__file__).resolve().parent
    loader = next(package.glob("_loader*"), None)
    if loader is None or package == ROOT / "handlepy":
        return []
    installed = loader.stat().st_mtime
    newer = [ROOT / name for name in INSTALL_INPUTS
             if (ROOT / name).stat().st_mtime > installed]
    for top in ROOT.iterdir():
        if not top.is_dir() or top.name in NOT_INSTALLED or top.name.startswith("."):
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            newer += [Path(folder, f) for f in files
                      if os.stat(os.path.join(folder, f)).st_mtime > installed]
    return newer


def pytest_configure(config):
    # Once, in the process that starts the run (not in each xdist worker).
    if hasattr(config, "workerinput"):
        return
    newer = newer_than_installation()
    if newer:
        shown = ", ".join(str(p.relative_to(ROOT)) for p in newer[:5])
        more = f" and {len(newer) - 5} more" if len(newer) > 5 else ""
        pytest.exit(f"the handlepy these tests import ({Path(handlepy.__file__).parent}) is "
                    f"older than {shown}{more} in the checkout: `make dev` reinstalls it "
                    "(README, Development)", returncode=4)
