"""The pytest plugin, registered by entry point: in a project whose tests use a
universal binary in debug mode, a test that leaks handles fails with the report."""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from debugtools import build, line_of, source_file

SOURCE = """
    HPyDef_METH(add_one, "add_one", HPyFunc_O)
    static HPy add_one_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy one = HPyLong_FromLong(ctx, 1);
        HPy sum = HPy_Add(ctx, one, arg);
        HPy_Close(ctx, one);
        return sum;
    }
    HPyDef_METH(leaky_add_one, "leaky_add_one", HPyFunc_O)
    static HPy leaky_add_one_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy one = HPyLong_FromLong(ctx, 1);   /* never closed */
        return HPy_Add(ctx, one, arg);
    }
    @EXPORT(add_one)
    @EXPORT(leaky_add_one)
    @INIT
"""

TESTS = """
    import pytest
    import {name} as ext

    def test_clean():
        assert ext.add_one(41) == 42

    def test_leaky():
        assert ext.leaky_add_one(41) == 42

    @pytest.mark.handlepy_allow_leaks
    def test_leaky_but_allowed():
        assert ext.leaky_add_one(1) == 2
"""


@pytest.fixture
def project(tmp_path):
    name, path = build(SOURCE)
    shutil.copy(path, tmp_path / path.name)
    (tmp_path / "test_ext.py").write_text(textwrap.dedent(TESTS.format(name=name)))
    return tmp_path


def run_pytest(project, *args, env=None):
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("HANDLEPY_DEBUG")}
    child_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                           "-rA", *args, str(project)], capture_output=True, text=True,
                          cwd=project, env=child_env, timeout=300)


def assert_leaky_test_failed(proc):
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    assert "PASSED test_ext.py::test_clean" in out
    assert "PASSED test_ext.py::test_leaky_but_allowed" in out
    assert "FAILED test_ext.py::test_leaky - handlepy.debug.HandleLeakError" in out
    assert "1 failed, 2 passed" in out
    assert "1 handle was left open:" in out
    assert "a handle to 1 (int), opened by HPyLong_FromLong during the call to" in out
    assert f"{source_file(SOURCE)}:{line_of(SOURCE, '/* never closed */')}" in out


def test_the_option_turns_debug_mode_on_and_a_leaking_test_fails(project):
    assert_leaky_test_failed(run_pytest(project, "--handlepy-debug"))


def test_the_environment_turns_debug_mode_on_too(project):
    assert_leaky_test_failed(run_pytest(project, env={"HANDLEPY_DEBUG": "1"}))


def test_without_debug_mode_the_plugin_does_nothing(project):
    proc = run_pytest(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 passed" in proc.stdout
