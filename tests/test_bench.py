"""Smoke test of the benchmarks (make bench): every module builds and every case gives
the right value in every variant, so that a broken case fails here rather than being
timed. No timing is checked."""
import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))
import json_cases  # noqa: E402
import micro_cases  # noqa: E402
from run import variant_env  # noqa: E402

HAVE_HPY09 = importlib.util.find_spec("hpy") is not None


def _micro_variants():
    out = []
    for v in micro_cases.VARIANTS:
        if v.build.startswith("hpy09") and not HAVE_HPY09:
            out.append(pytest.param(v, marks=pytest.mark.skip(
                reason="HPy 0.9.0 is not installed (make bench installs it)")))
        else:
            out.append(v)
    return out


@pytest.fixture(scope="module")
def micro_root(tmp_path_factory):
    return tmp_path_factory.mktemp("bench-micro")


@pytest.mark.parametrize("variant", _micro_variants(), ids=lambda v: v.name)
def test_micro_cases_return_their_values(micro_root, variant):
    out = micro_root / variant.build
    if not out.exists():
        subprocess.run([sys.executable, str(BENCH / "build_micro.py"), variant.build, str(out)],
                       check=True, capture_output=True)
    proc = subprocess.run([sys.executable, str(BENCH / "worker.py"), variant.name,
                           str(micro_root), "--check"],
                          capture_output=True, text=True, env=variant_env(variant))
    assert proc.returncode == 0, proc.stderr
    values = [ast.literal_eval(line) for line in proc.stdout.splitlines()]
    assert values == [c.expected for c in micro_cases.CASES]


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    """Stand-ins for the shared documents, so that the test does not depend on them."""
    folder = tmp_path_factory.mktemp("bench-json-data")
    for i, name in enumerate(json_cases.FILES):
        doc = {"file": name, "items": [i, 1.5, "é/\"", None, True, {"k": [False]}]}
        (folder / name).write_text(json.dumps(doc), encoding="utf-8")
    return folder


@pytest.mark.parametrize("lib", json_cases.LIBRARIES, ids=lambda lib: lib.name)
def test_json_cases_give_json_results(small_data, lib):
    module = lib.name.partition("-")[0]
    if importlib.util.find_spec(module) is None and module != "ujson_hpy":
        pytest.skip(f"{module} is not installed (make bench installs it)")
    proc = subprocess.run([sys.executable, str(BENCH / "json_worker.py"), lib.name,
                           str(small_data), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["ok"] * len(json_cases.CASES)
