"""The reference leak checker (handlepy/refleaks.py) on a test module that leaks on
purpose, run in a pytest of its own: it must fail the leaking tests and pass the rest."""
import os
import re
import subprocess
import sys
import textwrap

import pytest

from handlepy.refleaks import leaking

needs_debug_build = pytest.mark.skipif(not hasattr(sys, "gettotalrefcount"),
                                reason="the checker needs a debug build of CPython "
                                       "(sys.gettotalrefcount); make test-refleaks runs it")

LEAKY_TESTS = '''
import pytest
from handlepy.conformance.plugin import hpy

SOURCE = """
    HPyDef_METH(dup_and_forget, "dup_and_forget", HPyFunc_O)
    static HPy dup_and_forget_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_Dup(ctx, arg);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(new_and_forget, "new_and_forget", HPyFunc_NOARGS)
    static HPy new_and_forget_impl(HPyContext *ctx, HPy self)
    {
        HPyLong_FromLong(ctx, 1000000);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(dup_and_close, "dup_and_close", HPyFunc_O)
    static HPy dup_and_close_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy copy = HPy_Dup(ctx, arg);
        HPy_Close(ctx, copy);
        return HPy_Dup(ctx, ctx->h_None);
    }

    @EXPORT(dup_and_forget)
    @EXPORT(new_and_forget)
    @EXPORT(dup_and_close)
    @INIT
"""

KEPT = []


def test_dup_without_close(hpy):
    hpy.make_module(SOURCE).dup_and_forget(object)


def test_new_object_without_close(hpy):
    hpy.make_module(SOURCE).new_and_forget()


def test_dup_and_close(hpy):
    hpy.make_module(SOURCE).dup_and_close(object)


def test_cache_filled_once(hpy):
    if not KEPT:
        KEPT.append([object() for _ in range(100)])
    hpy.make_module(SOURCE).dup_and_close(KEPT)


CALLS = {}


def test_grows_in_the_first_measurement_only(request):
    # Calls 4-6 are the ones the default 3:3 check measures first; 7-9 measure again.
    calls = CALLS[request.node.name] = CALLS.get(request.node.name, 0) + 1
    if 4 <= calls <= 6:
        KEPT.append(object())


def test_grows_in_both_measurements(request):
    calls = CALLS[request.node.name] = CALLS.get(request.node.name, 0) + 1
    if 4 <= calls <= 9:
        KEPT.append(object())


def test_keeps_300_objects():
    KEPT.extend([object() for _ in range(300)])


@pytest.mark.refleaks_skip("the check is off for this test")
def test_marked_to_run_once(hpy):
    hpy.make_module(SOURCE).dup_and_forget(object)
'''


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """Each leaky test's outcome under the checker, its report, and pytest's output."""
    folder = tmp_path_factory.mktemp("refleaks")
    (folder / "test_leaky.py").write_text(textwrap.dedent(LEAKY_TESTS))
    env = {k: v for k, v in os.environ.items() if k != "HANDLEPY_REFLEAKS"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "handlepy.refleaks", "--refleaks",
         "-p", "no:cacheprovider", "-rA", "-q", "test_leaky.py"],
        cwd=folder, env=env, capture_output=True, text=True)
    outcomes = {test: outcome for outcome, test in
                re.findall(r"^(PASSED|FAILED) test_leaky\.py::(\S+)", proc.stdout, re.M)}
    parts = re.split(r"^_{3,} (\S+) _{3,}$", proc.stdout, flags=re.M)
    reports = dict(zip(parts[1::2], parts[2::2]))
    return outcomes, reports, proc.stdout + proc.stderr


@needs_debug_build
@pytest.mark.refleaks_skip("runs the checker in a pytest of its own")
@pytest.mark.parametrize("test", ["test_dup_without_close", "test_new_object_without_close"])
@pytest.mark.parametrize("abi", ["cpython", "universal"])
def test_leaks_fail(checked, test, abi):
    outcomes, reports, output = checked
    assert outcomes.get(f"{test}[{abi}]") == "FAILED", output
    assert re.search(r"leaked references \[[1-9]\d*, [1-9]\d*, [1-9]\d*\], sum=\d+.* "
                     r"over 3 runs after 3 warm-up runs, and again over 3 more runs: "
                     r"leaked references \[[1-9]\d*, [1-9]\d*, [1-9]\d*\]",
                     reports[f"{test}[{abi}]"]), output


@needs_debug_build
@pytest.mark.refleaks_skip("runs the checker in a pytest of its own")
def test_a_leak_is_measured_exactly(checked):
    """The checker's own ints do not count: storing a delta of 300 adds no block."""
    outcomes, reports, output = checked
    assert outcomes.get("test_keeps_300_objects") == "FAILED", output
    assert reports["test_keeps_300_objects"].strip().startswith(
        "leaked references [300, 300, 300], sum=900; leaked memory blocks [300, 300, 300], "
        "sum=900 over 3 runs after 3 warm-up runs"), output


@needs_debug_build
@pytest.mark.refleaks_skip("runs the checker in a pytest of its own")
def test_growth_that_stops_when_measured_again_passes_with_a_warning(checked):
    outcomes, reports, output = checked
    assert outcomes.get("test_grows_in_the_first_measurement_only") == "PASSED", output
    assert re.search(r"LeakNotReproduced: leaked references \[1, 1, 1\], sum=3; "
                     r"leaked memory blocks \[1, 1, 1\], sum=3 over 3 runs after 3 warm-up "
                     r"runs, but not over 3 more runs \(references \[0, 0, 0\], "
                     r"memory blocks \[0, 0, 0\]\)", output), output


@needs_debug_build
@pytest.mark.refleaks_skip("runs the checker in a pytest of its own")
def test_growth_in_both_measurements_fails(checked):
    outcomes, reports, output = checked
    assert outcomes.get("test_grows_in_both_measurements") == "FAILED", output
    assert "and again over 3 more runs: leaked references [1, 1, 1]" in \
        reports["test_grows_in_both_measurements"], output


@needs_debug_build
@pytest.mark.refleaks_skip("runs the checker in a pytest of its own")
@pytest.mark.parametrize("test", ["test_dup_and_close", "test_cache_filled_once",
                                  "test_marked_to_run_once"])
@pytest.mark.parametrize("abi", ["cpython", "universal"])
def test_clean_tests_pass(checked, test, abi):
    outcomes, reports, output = checked
    assert outcomes.get(f"{test}[{abi}]") == "PASSED", output


@pytest.mark.parametrize("deltas, leaks", [
    ([1, 1, 1], True), ([5, 5, 6], True), ([10, 1, 1], True),
    ([3, 0, 0], False), ([0, 1, 0], False), ([8, -8, 1], False), ([0, 0, 0], False),
])
def test_rule(deltas, leaks):
    assert leaking(deltas) is leaks
