"""Steps shared by the out-of-tree build tests: copy an example project, run a build
tool, import the built ``spam`` module in a fresh interpreter, inspect a binary."""
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

PROJECTS = Path(__file__).resolve().parent / "projects"
# Console scripts (meson, ninja) of the packages installed beside this interpreter.
SCRIPTS = Path(sysconfig.get_path("scripts"))
ABIS = ["universal", "cpython"]

# What pip does to build a wheel, less its own start-up: call the project's PEP 517
# backend in a new interpreter (the project's build requirements are installed here).
BUILD_WHEEL = """
import importlib, json, sys, tomllib
with open("pyproject.toml", "rb") as f:
    backend = importlib.import_module(tomllib.load(f)["build-system"]["build-backend"])
print(backend.build_wheel(sys.argv[1], json.loads(sys.argv[2])))
"""

CHECK_SPAM = """
import json, sys
sys.path.insert(0, sys.argv[1])
import spam
error = None
try:
    spam.pair(1)
except TypeError as e:
    error = str(e)
print(json.dumps({"file": spam.__file__, "abi": spam.abi, "pair": spam.pair(1, "b"),
                  "twice": [spam.twice(21), spam.twice("ab")], "error": error}))
"""


def copy_project(name, tmp_path):
    """A fresh copy of ``projects/name`` under tmp_path, with the ``spam.c`` every
    project builds: builds happen out of the source tree and leave nothing in it."""
    project = Path(shutil.copytree(PROJECTS / name, tmp_path / name))
    shutil.copy(PROJECTS / "spam.c", project)
    return project


def run(cmd, check_ok=True, **kwargs):
    """Run a build step; a failure shows its whole output."""
    env = {**os.environ, "PATH": f"{SCRIPTS}{os.pathsep}{os.environ.get('PATH', '')}",
           **kwargs.pop("env", {})}
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env,
                          **kwargs)
    if check_ok:
        assert proc.returncode == 0, f"{' '.join(map(str, cmd))}\n{proc.stdout}\n{proc.stderr}"
    return proc


def require_tool(name):
    path = SCRIPTS / name
    if not path.exists():
        pytest.skip(f"{name} is not installed beside {sys.executable} (make test installs it)")
    return path


def expected_filename(abi):
    from handlepy import build

    return "spam" + build.ext_suffix(abi)


def import_spam(folder):
    """Import ``spam`` from ``folder`` with a plain import in a new interpreter (where
    handlepy's finder is installed at start-up) and report what it did."""
    proc = run([sys.executable, "-c", CHECK_SPAM, folder], cwd=folder.parent)
    return json.loads(proc.stdout)


def check_spam(folder, abi):
    """The module built in ``folder`` for ``abi`` is the one imported, and works."""
    result = import_spam(folder)
    assert Path(result["file"]) == folder / expected_filename(abi)
    assert result["abi"] == abi
    assert result["pair"] == [1, "b"]
    assert result["twice"] == [42, "abab"]
    assert result["error"] == "pair() takes exactly 2 arguments"


def python_references(binary):
    """Undefined dynamic symbols and needed libraries of ``binary`` that belong to Python."""
    if shutil.which("nm") is None or shutil.which("readelf") is None:
        pytest.skip("binutils (nm, readelf) are needed to inspect the binary")
    undefined = subprocess.run(["nm", "-D", "--undefined-only", str(binary)],
                               capture_output=True, text=True, check=True).stdout.split()
    dynamic = subprocess.run(["readelf", "-d", str(binary)],
                             capture_output=True, text=True, check=True).stdout
    needed = [line.rsplit("[", 1)[1].rstrip("]") for line in dynamic.splitlines()
              if "(NEEDED)" in line]
    return ([s for s in undefined if s.startswith(("Py", "_Py"))]
            + [lib for lib in needed if "python" in lib.lower()])


def build_wheel(src, config_settings=None, env=None):
    """Build the wheel of the project at ``src``; returns its path."""
    dist = src.parent / "dist"
    dist.mkdir()
    proc = run([sys.executable, "-c", BUILD_WHEEL, dist, json.dumps(config_settings or {})],
               cwd=src, env=env or {})
    return dist / proc.stdout.splitlines()[-1]


def expected_files(abi):
    """What a build of ``spam`` in ``abi`` installs: the binary, and beside a universal
    one its loader stub (docs/design.md, "A missing runtime")."""
    return sorted([expected_filename(abi)] + (["spam.py"] if abi == "universal" else []))


def unpack_wheel(wheel, abi, site):
    """Unpack ``wheel`` into ``site``, checking that it holds exactly the module built
    for ``abi``."""
    with zipfile.ZipFile(wheel) as zf:
        modules = [n for n in zf.namelist() if not n.startswith("spam-0.1.0.dist-info/")]
        assert sorted(modules) == expected_files(abi)
        zf.extractall(site)
    return site


def check_wheel_honest(wheel, abi):
    """docs/building.md, "Wheels": a universal wheel is tagged py3-none-manylinux_... and
    requires the handlepy release of its ABI; a CPython-ABI wheel keeps the interpreter's
    tags and needs no handlepy."""
    from handlepy import build

    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read("spam-0.1.0.dist-info/METADATA").decode()
        tags = re.findall(r"^Tag: (.*)$", zf.read("spam-0.1.0.dist-info/WHEEL").decode(), re.M)
    requires = re.findall(r"^Requires-Dist: (.*)$", metadata, re.M)
    if abi == "universal":
        assert re.fullmatch(r"spam-0\.1\.0-py3-none-(manylinux\w+\.)*manylinux_2_\d+_x86_64"
                            r"(\.manylinux\w+)*\.whl", wheel.name), wheel.name
        assert tags and all(t.startswith("py3-none-manylinux") for t in tags), tags
        assert requires == [f"handlepy>={build.abi_release()}"]
    else:
        interpreter = sysconfig.get_config_var("EXT_SUFFIX").split(".")[1]
        assert all(not t.startswith("py3-none") for t in tags), (tags, interpreter)
        assert requires == []
