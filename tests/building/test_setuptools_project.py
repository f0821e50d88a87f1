"""An extension author's setuptools project (projects/setuptools_spam, the example of
docs/building.md) builds in either ABI, chosen by ``build_ext --hpy-abi`` or by
``HANDLEPY_ABI`` for pip."""
import sys

import pytest

from projectbuild import ABIS, check_spam, copy_project, expected_filename, python_references
from projectbuild import build_wheel, check_wheel_honest, expected_files, run, unpack_wheel

pytest.importorskip("setuptools", reason="the project builds with setuptools")


def build_ext(src, *options, env=None):
    out = src / "out"
    run([sys.executable, "setup.py", "-q", "build_ext", *options, "--build-lib", out,
         "--build-temp", src / "tmp"], cwd=src, env={"CFLAGS": "-Werror", **(env or {})})
    return out


@pytest.mark.parametrize("abi", ABIS)
def test_build_ext_option(abi, tmp_path):
    out = build_ext(copy_project("setuptools_spam", tmp_path), f"--hpy-abi={abi}")
    check_spam(out, abi)
    if abi == "universal":
        assert python_references(out / expected_filename(abi)) == []


@pytest.mark.parametrize("abi", ABIS)
def test_wheel_with_environment_variable(abi, tmp_path):
    wheel = build_wheel(copy_project("setuptools_spam", tmp_path), env={"HANDLEPY_ABI": abi})
    check_spam(unpack_wheel(wheel, abi, tmp_path / "site"), abi)
    check_wheel_honest(wheel, abi)


def test_universal_is_the_default(tmp_path):
    out = build_ext(copy_project("setuptools_spam", tmp_path), env={"HANDLEPY_ABI": ""})
    check_spam(out, "universal")


@pytest.mark.parametrize("first, then", [("cpython", "universal"), ("universal", "cpython")])
def test_switching_abi_keeps_only_the_new_binary(tmp_path, first, then):
    src = copy_project("setuptools_spam", tmp_path)
    build_ext(src, f"--hpy-abi={first}")
    out = build_ext(src, f"--hpy-abi={then}")
    assert sorted(p.name for p in out.iterdir()) == expected_files(then)


def test_switching_abi_in_place_keeps_only_the_new_binary(tmp_path):
    src = copy_project("setuptools_spam", tmp_path)
    for abi in ["cpython", "universal"]:
        run([sys.executable, "setup.py", "-q", "build_ext", "--inplace", f"--hpy-abi={abi}"],
            cwd=src)
    assert [p.name for p in src.glob("spam.*.so")] == [expected_filename("universal")]
    check_spam(src, "universal")


def test_unknown_abi_is_refused(tmp_path):
    src = copy_project("setuptools_spam", tmp_path)
    proc = run([sys.executable, "setup.py", "build_ext"], cwd=src, check_ok=False,
               env={"HANDLEPY_ABI": "limited"})
    assert proc.returncode != 0
    assert ("--hpy-abi (or $HANDLEPY_ABI) must be one of universal, cpython, hybrid, "
            "not 'limited'") in proc.stderr
