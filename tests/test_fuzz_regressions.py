"""Replay the fuzz targets' seeds (fuzz/corpus/<target>/) and every input the fuzzer
found failing (fuzz/regressions/<target>/, written by make fuzz) in every ABI, with the
ordinary build: what once crashed stays a test."""
import importlib.util
from pathlib import Path

import pytest

from handlepy.conformance.plugin import supported_abis

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"
TARGETS = sorted(p.name[:-len("_target.py")] for p in FUZZ.glob("*_target.py"))


def target(name):
    spec = importlib.util.spec_from_file_location(f"{name}_target", FUZZ / f"{name}_target.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def inputs(name):
    return sorted(p for folder in ("corpus", "regressions")
                  for p in (FUZZ / folder / name).glob("*") if p.is_file())


@pytest.mark.parametrize("abi", supported_abis())
@pytest.mark.parametrize("name", TARGETS)
def test_replay(name, abi):
    fuzz_target = target(name)
    module = fuzz_target.load(abi)
    files = inputs(name)
    assert files, f"fuzz/corpus/{name}/ has no seeds"
    for path in files:
        try:
            fuzz_target.check(module, path.read_bytes())
        except AssertionError as e:
            raise AssertionError(f"{path.relative_to(FUZZ.parent)}: {e}") from None
