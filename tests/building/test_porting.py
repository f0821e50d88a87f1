"""docs/porting.md's worked example: each step of samples/porting/ builds with its own
setup.py and behaves the same (samples/porting/check.py); the last one is a universal
binary that runs on PyPy too; and the code the guide shows is the steps' code."""
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from projectbuild import python_references, run

ROOT = Path(__file__).resolve().parents[2]
PORTING = ROOT / "samples" / "porting"
GUIDE = ROOT / "docs" / "porting.md"
PYPY = Path(os.environ.get("HANDLEPY_TUTORIAL_PYPY", ROOT / ".venv-pypy" / "bin" / "python"))
# Each step's folder, and the file its build makes.
STEPS = {
    "step0-capi": "counter" + __import__("sysconfig").get_config_var("EXT_SUFFIX"),
    "step1-hybrid": "counter.handlepy.so",
    "step2-functions": "counter.handlepy.so",
    "step3-universal": "counter.handlepy.so",
}

pytest.importorskip("setuptools", reason="the steps build with setuptools")


def build_step(step, tmp_path, python=sys.executable, env=None):
    src = Path(shutil.copytree(PORTING / step, tmp_path / step))
    run([python, "setup.py", "-q", "build_ext", "--inplace"], cwd=src,
        env={"CFLAGS": "-Werror", **(env or {})})
    return src


def check(folder, binary, python=sys.executable):
    printed = run([python, PORTING / "check.py", folder], cwd=folder).stdout.strip()
    assert Path(printed).resolve() == (folder / binary).resolve()


@pytest.mark.parametrize("step", STEPS)
def test_step_builds_and_behaves(step, tmp_path):
    if step == "step0-capi" and sys.implementation.name != "cpython":
        pytest.skip("step 0 is a CPython extension")
    folder = build_step(step, tmp_path)
    check(folder, STEPS[step])


def test_last_step_is_universal_and_runs_on_pypy(tmp_path):
    folder = build_step("step3-universal", tmp_path)
    binary = folder / STEPS["step3-universal"]
    assert python_references(binary) == []
    if not PYPY.exists():
        pytest.skip(f"no PyPy at {PYPY} (make pypy-venv makes it)")
    check(folder, binary.name, python=PYPY)


def test_last_step_builds_as_hybrid_too(tmp_path):
    folder = build_step("step3-universal", tmp_path, env={"HANDLEPY_ABI": "hybrid"})
    check(folder, STEPS["step3-universal"])


def test_guide_shows_the_steps_code():
    shown = re.findall(r"<!-- from: (\S+) -->\n```\w*\n(.*?)^```$", GUIDE.read_text(),
                       re.S | re.M)
    assert len(shown) >= 4
    for path, text in shown:
        assert text in (ROOT / path).read_text(), f"docs/porting.md shows code not in {path}"
