"""Choosing debug and trace mode at import time: by the loader's arguments, or by
HANDLEPY_DEBUG and HANDLEPY_TRACE (or HPy's HPY), for every module or per module. The binary is the
same universal binary in every mode."""
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

import handlepy
from debugtools import build, load

SOURCE = """
    HPyDef_METH(ctx_name, "ctx_name", HPyFunc_NOARGS)
    static HPy ctx_name_impl(HPyContext *ctx, HPy self)
    {
        return HPyUnicode_FromString(ctx, ctx->name);
    }
    @EXPORT(ctx_name)
    @INIT
"""

DEBUG, TRACE, PLAIN = ("HPy Debug Mode ABI (handlepy)", "HPy Trace Mode ABI (handlepy)",
                       "HPy Universal ABI (handlepy)")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for key in ("HANDLEPY_DEBUG", "HANDLEPY_TRACE", "HPY"):
        monkeypatch.delenv(key, raising=False)


@pytest.mark.parametrize("debug, trace, context", [
    (False, False, PLAIN), (True, False, DEBUG), (False, True, TRACE), (True, True, DEBUG)])
def test_the_loader_arguments_choose(debug, trace, context):
    assert load(SOURCE, debug=debug, trace=trace).ctx_name() == context


def test_one_binary_in_every_mode_in_one_process():
    modules = [load(SOURCE, debug=d, trace=t) for d in (False, True) for t in (False, True)]
    assert [m.ctx_name() for m in modules] == [PLAIN, TRACE, DEBUG, DEBUG]
    assert len({m.__file__ for m in modules}) == 1


@pytest.mark.parametrize("value, selected", [
    ("1", True), ("all", True), ("*", True), ("0", False), ("", False),
    ("{name}", True), ("other,{name}", True), ("{name}x", False), ("other", False)])
def test_the_environment_chooses_globally_or_per_module(monkeypatch, value, selected):
    name, _ = build(SOURCE)
    monkeypatch.setenv("HANDLEPY_DEBUG", value.format(name=name))
    assert load(SOURCE, debug=None).ctx_name() == (DEBUG if selected else PLAIN)
    monkeypatch.delenv("HANDLEPY_DEBUG")
    monkeypatch.setenv("HANDLEPY_TRACE", value.format(name=name))
    assert load(SOURCE, debug=None, trace=None).ctx_name() == (TRACE if selected else PLAIN)


def test_the_full_name_selects_too(monkeypatch):
    name, path = build(SOURCE)
    monkeypatch.setenv("HANDLEPY_DEBUG", f"pkg_for_debug.{name}")
    assert handlepy.load(f"pkg_for_debug.{name}", str(path)).ctx_name() == DEBUG
    assert handlepy.load(f"pkg_not_chosen.{name}", str(path)).ctx_name() == PLAIN


@pytest.mark.parametrize("value, context", [
    ("debug", DEBUG), ("trace", TRACE), ("universal", PLAIN), ("{name}:debug", DEBUG),
    ("other:debug,{name}:trace", TRACE), ("other:debug", PLAIN), ("", PLAIN)])
def test_hpys_variable_chooses_as_in_hpy(monkeypatch, value, context):
    name, _ = build(SOURCE)
    monkeypatch.setenv("HPY", value.format(name=name))
    assert load(SOURCE, debug=None, trace=None).ctx_name() == context


@pytest.mark.parametrize("value", ["fast", "{name}", "{name}:fast", "other:debug,{name}"])
def test_a_bad_hpy_mode_gives_hpys_error(monkeypatch, value):
    name, _ = build(SOURCE)
    value = value.format(name=name)
    monkeypatch.setenv("HPY", value)
    with pytest.raises(ValueError, match=f"^invalid HPy mode: {value}$"):
        load(SOURCE, debug=None, trace=None)


def test_hpys_variable_adds_to_handlepys(monkeypatch):
    monkeypatch.setenv("HPY", "trace")
    monkeypatch.setenv("HANDLEPY_DEBUG", "1")
    assert load(SOURCE, debug=None, trace=None).ctx_name() == DEBUG
    assert load(SOURCE, debug=False, trace=None).ctx_name() == TRACE


def test_an_argument_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("HANDLEPY_DEBUG", "1")
    assert load(SOURCE, debug=False).ctx_name() == PLAIN


def run(code, env, cwd=None):
    child_env = {k: v for k, v in os.environ.items()
                 if not k.startswith(("HANDLEPY_DEBUG", "HANDLEPY_TRACE"))}
    child_env.update(env)
    # Not from the checkout's root: its handlepy/ (no _loader) would shadow the installed one.
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=child_env, cwd=cwd or tempfile.gettempdir(), timeout=120)


def test_a_plain_import_runs_in_debug_mode(tmp_path):
    name, path = build(SOURCE)
    shutil.copy(path, tmp_path / path.name)
    proc = run(f"import {name}; print({name}.ctx_name())", {"HANDLEPY_DEBUG": name},
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{DEBUG}\n"


def test_settings_from_the_environment():
    proc = run("import handlepy.debug as d; print(d.get_on_error(), d.get_backtrace_depth())",
               {"HANDLEPY_DEBUG_ON_ERROR": "log", "HANDLEPY_DEBUG_BACKTRACE": "9"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "log 9\n"


@pytest.mark.parametrize("variable, value, message", [
    ("HANDLEPY_DEBUG_ON_ERROR", "explode",
     "HANDLEPY_DEBUG_ON_ERROR must be 'abort', 'raise' or 'log', not 'explode'"),
    ("HANDLEPY_DEBUG_BACKTRACE", "deep",
     "HANDLEPY_DEBUG_BACKTRACE must be a number of frames from 0 to 256, not 'deep'"),
])
def test_bad_settings_refuse_the_import(variable, value, message):
    name, path = build(SOURCE)
    proc = run(f"import handlepy; handlepy.load({name!r}, {str(path)!r}, debug=True)",
               {variable: value})
    assert proc.returncode != 0
    assert f"ImportError: {message}" in proc.stderr
