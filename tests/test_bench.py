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
import hpy_microbench  # noqa: E402
import json_cases  # noqa: E402
import micro_cases  # noqa: E402
import run  # noqa: E402
from run import variant_env  # noqa: E402

from handlepy.hpysuite import fetch  # noqa: E402

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


def run_micro_worker(micro_root, variant, *args, **kwargs):
    out = micro_root / variant.build
    if not out.exists():
        subprocess.run([sys.executable, str(BENCH / "build_micro.py"), variant.build, str(out)],
                       check=True, capture_output=True)
    return subprocess.run([sys.executable, str(BENCH / "worker.py"), variant.name,
                           str(micro_root), *args],
                          capture_output=True, text=True, env=variant_env(variant), **kwargs)


@pytest.mark.parametrize("variant", _micro_variants(), ids=lambda v: v.name)
def test_micro_cases_return_their_values(micro_root, variant):
    proc = run_micro_worker(micro_root, variant, "--check")
    assert proc.returncode == 0, proc.stderr
    values = [ast.literal_eval(line) for line in proc.stdout.splitlines()]
    assert values == [c.expected for c in micro_cases.CASES]


def test_worker_answers_each_timing_request(micro_root):
    first, second = micro_cases.CASES[0].name, micro_cases.CASES[-1].name
    proc = run_micro_worker(micro_root, micro_cases.VARIANTS[0],
                            input=f"{first} 10\n{second} 20\n")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "ready" and len(lines) == 3
    assert all(float(seconds) > 0 for seconds in lines[1:])


def test_worker_runs_its_segments_and_exits(micro_root):
    counts = json.dumps({c.name: 3 for c in micro_cases.CASES})
    proc = run_micro_worker(micro_root, micro_cases.VARIANTS[0], "--segments", counts)
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr


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


def hpy_sdist():
    """HPy 0.9's unpacked sdist where make test-hpy or make bench has downloaded it."""
    unpacked = fetch.cache_root() / "hpy-0.9.0"
    return unpacked if (unpacked / "microbench" / "test_microbench.py").exists() else None


def _hpy_micro_variants():
    out = []
    for v in hpy_microbench.VARIANTS:
        if hpy_sdist() is None:
            reason = "HPy 0.9's sdist is not downloaded (make test-hpy and make bench get it)"
        elif "hpy09" in v.build and not HAVE_HPY09:
            reason = "HPy 0.9.0 is not installed (make bench installs it)"
        else:
            out.append(v)
            continue
        out.append(pytest.param(v, marks=pytest.mark.skip(reason=reason)))
    return out


def test_hpy_microbench_has_hpy_cases():
    if hpy_sdist() is None:
        pytest.skip("HPy 0.9's sdist is not downloaded (make test-hpy and make bench get it)")
    names = [c.name for c in hpy_microbench.cases(hpy_sdist())]
    # HPy 0.9.0's test_microbench.py: 8 module functions, 8 operations on a static type
    # (a heap type in HPy), 9 on a heap type.
    assert len(names) == 25 and len(set(names)) == 25
    assert names[0] == "TestModule::test_noargs"
    assert names[-1] == "TestHeapType::test_getitem"


@pytest.mark.parametrize("variant", _hpy_micro_variants(), ids=lambda v: v.name)
def test_hpy_microbench_runs_every_case(micro_root, variant):
    out = micro_root / variant.build
    if not out.exists():
        subprocess.run([sys.executable, str(BENCH / "build_micro.py"), variant.build, str(out)],
                       check=True, capture_output=True)
    args = [sys.executable, str(BENCH / "hpy_worker.py"), variant.name, str(micro_root),
            str(hpy_sdist())]
    proc = subprocess.run([*args, "--check"], capture_output=True, text=True,
                          env=variant_env(variant))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"{c.name} True"
                                        for c in hpy_microbench.cases(hpy_sdist())]
    counts = json.dumps({c.name: 2 for c in hpy_microbench.cases(hpy_sdist())[:3]})
    proc = subprocess.run([*args, "--segments", counts], capture_output=True, text=True,
                          env=variant_env(variant))
    assert (proc.returncode, proc.stdout) == (0, ""), proc.stderr


class FakeWorker:
    def __init__(self, times):
        self.times = iter(times)

    def time(self, case, loops):
        return next(self.times)


def test_warm_up_waits_for_settled_timings():
    settled = [1.0] * run.WARMUP_WINDOW
    made, spread, ok = run.warm_up(FakeWorker([9.0, 5.0, 2.0, *settled]), None, 10)
    assert (made, spread, ok) == (3 + run.WARMUP_WINDOW, 0.0, True)


def test_warm_up_gives_up_at_its_cap():
    made, spread, ok = run.warm_up(FakeWorker([1.0, 2.0] * run.WARMUP_MAX), None, 10)
    assert (made, spread, ok) == (run.WARMUP_MAX, 1.0, False)


def test_callgrind_parts_of_each_layout():
    before = run.Suite("s", "", "", "", [], [], "", [], [], (1, 1, 1, 2))
    around = before._replace(marks="around")
    # Start-up is part 1; "before" ends on a part after the last mark, "around" on the
    # part after the last segment's end.
    assert [run.segment_part(before, 1, k) for k in range(4)] == [6, 7, 8, 9]
    assert run.expected_parts(before, 2) == 10
    assert [run.segment_part(around, 1, k) for k in range(4)] == [10, 12, 14, 16]
    assert run.expected_parts(around, 2) == 17
