"""The HPy-suite runner's own logic: which ABI a test id runs in, and what the
compatibility report counts, lists and fails on (handlepy/hpysuite)."""
import json

import pytest

from handlepy.hpysuite import abis, report


@pytest.mark.parametrize("nodeid, abi", [
    ("test/test_x.py::TestX::test_a[cpython]", "cpython"),
    ("test/test_x.py::TestX::test_a[hybrid+debug]", "hybrid+debug"),
    ("test/test_x.py::test_b[universal-3]", "universal"),
    ("test/debug/test_y.py::test_c[with stacktrace]", "debug"),
    ("test/trace/test_t.py::test_d", "trace"),
    ("test/test_support.py::test_e", "none"),
])
def test_abi_of_a_test_id(nodeid, abi):
    assert abis.abi_of(nodeid) == abi


def test_without_abi_keeps_the_other_parameters():
    assert abis.without_abi("f.py::t[cpython]") == "f.py::t"
    assert abis.without_abi("f.py::t[universal-3]") == "f.py::t[3]"
    assert abis.without_abi("f.py::t") == "f.py::t"


def outcome(kind, message="", crashed=False):
    return {"outcome": kind, "when": "call", "message": message, "crashed": crashed}


def write_run(tmp_path, interpreter, tests):
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.json"
    path.write_text(json.dumps({"interpreter": interpreter, "tests": tests}))
    return report.Run(path)


def passing(n, abi):
    return {f"test/test_p.py::test_{i}[{abi}]": outcome("passed") for i in range(n)}


def test_a_listed_failure_is_reported_with_its_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "KNOWN", {"test/test_f.py::test_f": "because"})
    tests = {**passing(99, "cpython"), "test/test_f.py::test_f[cpython]": outcome("failed", "E")}
    text, problems = report.build([write_run(tmp_path, "CPython 3.11.7", tests)], "2026-12-03")
    assert problems == []
    assert "| CPython 3.11.7 | cpython | 99 | 1 | 1 | 0 | 99.0% | 100.0% |" in text
    assert "- `test/test_f.py::test_f[cpython]` (CPython 3.11.7): because" in text


def test_an_unlisted_failure_a_crash_and_a_low_rate_fail_the_check(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "KNOWN", {"test/test_c.py::test_c": "listed"})
    tests = {**passing(10, "universal"),
             "test/test_f.py::test_f[universal]": outcome("failed", "AssertionError: x"),
             "test/test_c.py::test_c[universal]": outcome("failed", "worker crashed", True)}
    _, problems = report.build([write_run(tmp_path, "CPython 3.11.7", tests)], "2026-12-03")
    assert any("test_f[universal]" in p and "no reason listed: AssertionError: x" in p
               for p in problems)
    assert any("test_c[universal] crashed" in p for p in problems)
    assert any("90.9% pass, listed tests aside, below 97%" in p for p in problems)


def test_a_test_the_interpreter_cannot_run_is_not_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "KNOWN", {})
    tests = {**passing(40, "universal"), "test/test_r.py::test_r[universal]": outcome(
        "failed", "AttributeError: module 'sys' has no attribute 'getrefcount'")}
    text, problems = report.build([write_run(tmp_path, "PyPy 3.9", tests)], "2026-12-03")
    assert problems == []
    assert "| PyPy 3.9 | universal | 40 | 0 | 0 | 1 | 100.0% | 100.0% |" in text
    assert "sys.getrefcount, which this interpreter does not have" in text


def test_raw_rate_counts_listed_failures_where_issue_12_asks(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "KNOWN", {"test/test_f.py::test_f": "because"})
    tests = {**passing(30, "universal"), **passing(30, "debug"),
             **{f"test/test_f.py::test_f[{abi}]": outcome("failed", "E")
                for abi in ("universal", "debug")}}
    _, problems = report.build([write_run(tmp_path, "PyPy 3.9", tests),
                                write_run(tmp_path, "PyPy 3.9, docs/examples", tests)],
                               "2026-12-03")
    assert problems == ["PyPy 3.9, universal: 96.8% pass, below 97%"]


def test_a_reason_for_a_test_that_passes_everywhere_fails_the_check(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "KNOWN", {"test/test_p.py::test_1": "stale",
                                          "test/test_p.py::test_2[universal]": "stale",
                                          "test/test_p.py::test_3": "only elsewhere",
                                          "test/test_q.py::test_q": "not run here"})
    cpython = {**passing(40, "universal"),
               "test/test_p.py::test_3[debug]": outcome("passed")}
    pypy = {**passing(40, "universal"),
            "test/test_p.py::test_3[universal]": outcome("failed", "E")}
    pypy.pop("test/test_p.py::test_3[universal]")
    pypy["test/test_p.py::test_3[debug]"] = outcome("failed", "E")
    _, problems = report.build([write_run(tmp_path, "CPython 3.11.7", cpython),
                                write_run(tmp_path, "PyPy 3.9", pypy)], "2026-12-03")
    assert [p for p in problems if "known.py" in p] == [
        "known.py lists test/test_p.py::test_1, which passes in every run: remove it",
        "known.py lists test/test_p.py::test_2[universal], which passes in every run: "
        "remove it"]


def test_adapter_load_says_hpys_words_for_another_abi_version(monkeypatch):
    """The adapter's hpy.universal.load keeps HPy's contract (RuntimeError, HPy's words)
    where handlepy's own loader raises ImportError; the version redefined in the source
    is the one the binary records."""
    import sys

    from handlepy import _loader
    from handlepy.conformance.compiler import ExtensionCompiler
    from handlepy.hpysuite import SHIM_DIR

    name, path = ExtensionCompiler("universal").build(
        '#include "hpy.h"\n#undef HPY_ABI_VERSION\n#define HPY_ABI_VERSION 999\n'
        "static HPyModuleDef def = {0};\nHPy_MODINIT(@NAME@, def)\n")
    with pytest.raises(ImportError, match="built for handlepy ABI 999"):
        _loader.create(importlib_spec(name, path))
    monkeypatch.syspath_prepend(str(SHIM_DIR))
    for module in [m for m in sys.modules if m == "hpy" or m.startswith("hpy.")]:
        monkeypatch.delitem(sys.modules, module)
    import hpy.universal

    major, minor = _loader.abi_version()
    with pytest.raises(RuntimeError) as info:
        hpy.universal.load(name, str(path))
    assert str(info.value) == (
        f"HPy extension module '{name}' requires unsupported version of the HPy runtime. "
        f"Requested version: 999.{minor}. Current HPy version: {major}.{minor}.")


def importlib_spec(name, path):
    import importlib.util

    import handlepy

    loader = handlepy.UniversalLoader(name, str(path))
    return importlib.util.spec_from_file_location(name, str(path), loader=loader)
