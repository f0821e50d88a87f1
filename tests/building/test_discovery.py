"""Discovery (docs/building.md, "Finding handlepy"): the pkg-config files that
``python -m handlepy --pkg-config-path`` writes give what ``python -m handlepy`` gives,
and Meson's ``dependency('handlepy')`` builds a universal binary from them."""
import shlex
import shutil
import subprocess
import sys

import pytest

from handlepy import build
from projectbuild import check_spam, copy_project, expected_filename, python_references
from projectbuild import require_tool, run


def pkg_config_folder(tmp_path):
    proc = run([sys.executable, "-m", "handlepy", "--pkg-config-path", tmp_path / "pc"],
               cwd=tmp_path)
    return proc.stdout.strip()


def pkg_config(folder, *args):
    if shutil.which("pkg-config") is None:
        pytest.skip("pkg-config is not installed")
    return subprocess.run(["pkg-config", *args], capture_output=True, text=True, check=True,
                          env={"PKG_CONFIG_PATH": folder, "PATH": "/usr/bin:/bin"}).stdout


@pytest.mark.parametrize("name, abi", [("handlepy", "universal"), ("handlepy-universal",
                                       "universal"), ("handlepy-cpython", "cpython"),
                                       ("handlepy-hybrid", "hybrid")])
def test_pkg_config_gives_the_build_settings(tmp_path, name, abi):
    folder = pkg_config_folder(tmp_path)
    assert folder == str(tmp_path / "pc")
    cflags = shlex.split(pkg_config(folder, "--cflags", name))
    assert sorted(cflags) == sorted(build.cflags(abi))
    sources = pkg_config(folder, "--variable=sources", name).split()
    assert sources == [str(s) for s in build.sources(abi)]
    assert pkg_config(folder, "--variable=ext_suffix", name).strip() == build.ext_suffix(abi)
    assert pkg_config(folder, "--libs", name).strip() == ""


def test_default_folder_is_in_the_cache(tmp_path):
    proc = run([sys.executable, "-m", "handlepy", "--pkg-config-path"], cwd=tmp_path,
               env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    folder = proc.stdout.strip()
    assert folder.startswith(str(tmp_path / "cache" / "handlepy" / "pkgconfig"))
    assert sorted(p.name for p in (tmp_path / "cache").rglob("*.pc")) == [
        "handlepy-cpython.pc", "handlepy-hybrid.pc", "handlepy-universal.pc", "handlepy.pc"]


def test_meson_dependency(tmp_path):
    meson = require_tool("meson")
    require_tool("ninja")
    folder = pkg_config_folder(tmp_path)
    src = copy_project("meson_pkgconfig", tmp_path)
    out = tmp_path / "build"
    run([meson, "setup", out, src, f"-Dpkg_config_path={folder}", "-Dwerror=true"])
    run([meson, "compile", "-C", out])
    check_spam(out, "universal")
    assert python_references(out / expected_filename("universal")) == []
