"""Every sample of samples/demo.py imports, by a plain ``import`` of its module name, from
the universal binary scripts/matrix built, on the interpreter running this file."""
import importlib
import importlib.util
import os
from pathlib import Path

import pytest

from handlepy import build

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = Path(os.environ["HANDLEPY_SAMPLES_DIR"])

_spec = importlib.util.spec_from_file_location("demo", ROOT / "samples" / "demo.py")
_demo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_demo)


@pytest.mark.parametrize("name", sorted(_demo.SAMPLES))
def test_sample_imports_from_its_universal_binary(name):
    module = importlib.import_module(name)
    binary = SAMPLES_DIR / (name + build.ext_suffix("universal"))
    assert Path(module.__file__).resolve() == binary.resolve()
