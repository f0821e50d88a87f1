"""An extension author's Meson project (projects/meson_spam, the example of
docs/building.md) builds in either ABI, chosen by the one option ``-Dhpy_abi``."""
import pytest

from projectbuild import ABIS, check_spam, copy_project, expected_filename, python_references
from projectbuild import build_wheel, check_wheel_honest, require_tool, run, unpack_wheel


@pytest.mark.parametrize("abi", ABIS)
def test_meson_builds_and_imports(abi, tmp_path):
    meson = require_tool("meson")
    require_tool("ninja")
    src = copy_project("meson_spam", tmp_path)
    out = tmp_path / "build"
    run([meson, "setup", out, src, f"-Dhpy_abi={abi}", "-Dwerror=true"])
    run([meson, "compile", "-C", out])
    check_spam(out, abi)
    if abi == "universal":
        assert python_references(out / expected_filename(abi)) == []


@pytest.mark.parametrize("abi", ABIS)
def test_meson_python_wheel(abi, tmp_path):
    pytest.importorskip("mesonpy", reason="meson-python builds the wheel")
    require_tool("ninja")
    wheel = build_wheel(copy_project("meson_spam", tmp_path), {"setup-args": f"-Dhpy_abi={abi}"})
    check_spam(unpack_wheel(wheel, abi, tmp_path / "site"), abi)
    check_wheel_honest(wheel, abi)
