"""Issue 15's crash B was PyPy's own: before 7.3.16 its incremental marking frees objects
a list still holds (pypy/pypy#3959). tests/stress/pypy_gc_probe.py shows it in pure
Python; make stress runs such a PyPy with marking in one step, under which the probe
must run clean."""
import importlib.util
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

STRESS = Path(__file__).resolve().parent / "stress"
_spec = importlib.util.spec_from_file_location("stress_run", STRESS / "run.py")
stress_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stress_run)

ROOT = STRESS.parents[1]


def find_pypy():
    venv = ROOT / ".venv-pypy" / "bin" / "python"
    return str(venv) if venv.exists() else shutil.which("pypy3")


def no_core():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def test_the_probe_runs_clean_under_make_stress_settings():
    pypy = find_pypy()
    if pypy is None:
        pytest.skip("no PyPy on this machine (make pypy-venv installs it)")
    env = {**os.environ, **stress_run.pypy_gc_env(pypy)}
    # Three seeds at once: without one-step marking, PyPy 7.3.11 crashed in 4 of 6
    # ten-second runs of the probe, so three of six seconds each rarely all pass.
    probes = [subprocess.Popen([pypy, str(STRESS / "pypy_gc_probe.py"), "6", str(seed)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=no_core)
              for seed in (1, 2, 3)]
    for probe in probes:
        out, err = probe.communicate(timeout=300)
        assert probe.returncode == 0, f"{stress_run.pypy_gc_env(pypy)}: {out}{err}"
        assert out.startswith("rounds "), out


def test_one_step_marking_only_where_pypy_needs_it(monkeypatch):
    monkeypatch.setattr(stress_run, "pypy_version", lambda python: (7, 3, 11))
    assert stress_run.pypy_gc_env("pypy") == {**stress_run.PYPY_GC,
                                              "PYPY_GC_INCREMENT_STEP": "100GB"}
    monkeypatch.setattr(stress_run, "pypy_version", lambda python: (7, 3, 16))
    assert stress_run.pypy_gc_env("pypy") == stress_run.PYPY_GC
    monkeypatch.setattr(stress_run, "pypy_version", lambda python: (8, 0, 1))
    assert stress_run.pypy_gc_env("pypy") == stress_run.PYPY_GC


def test_the_probe_passes_on_cpython():
    proc = subprocess.run([sys.executable, str(STRESS / "pypy_gc_probe.py"), "0.5"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.startswith("rounds "), proc.stdout + proc.stderr
