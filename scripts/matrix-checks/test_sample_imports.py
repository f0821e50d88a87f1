"""Every sample built by scripts/matrix imports, by a plain ``import``, from its universal
binary on the interpreter running this file."""
import importlib
import os
from pathlib import Path

import pytest

SAMPLES_DIR = Path(os.environ["HANDLEPY_SAMPLES_DIR"])
BINARIES = sorted(SAMPLES_DIR.glob("*.handlepy.so"))


@pytest.mark.parametrize("binary", BINARIES, ids=lambda p: p.name.split(".")[0])
def test_sample_imports_from_its_universal_binary(binary):
    module = importlib.import_module(binary.name.split(".")[0])
    assert Path(module.__file__).resolve() == binary.resolve()
