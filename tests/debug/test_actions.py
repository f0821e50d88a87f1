"""What happens after a misuse: abort (the default, see test_misuse.py), raise, log, or a
Python hook."""
import logging

import pytest

from debugtools import load
from handlepy import debug
from handlepy.debug import HandleError

SOURCE = """
    HPyDef_METH(close_arg_and_go_on, "close_arg_and_go_on", HPyFunc_O)
    static HPy close_arg_and_go_on_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_Close(ctx, arg);
        HPyErr_Clear(ctx);
        return HPyLong_FromLong(ctx, 42);
    }

    HPyDef_METH(return_arg, "return_arg", HPyFunc_O)
    static HPy return_arg_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return arg;
    }

    HPyDef_METH(use_after_close, "use_after_close", HPyFunc_NOARGS)
    static HPy use_after_close_impl(HPyContext *ctx, HPy self)
    {
        HPy h = HPyLong_FromLong(ctx, 1);
        HPy_Close(ctx, h);
        HPy r = HPy_Repr(ctx, h);
        return HPyErr_Occurred(ctx) ? HPy_NULL : r;
    }

    @EXPORT(close_arg_and_go_on)
    @EXPORT(return_arg)
    @EXPORT(use_after_close)
    @INIT
"""


@pytest.fixture(scope="module")
def m():
    return load(SOURCE)


def test_the_default_action_is_abort():
    assert debug.get_on_error() == "abort"


def test_raise_fails_the_call_even_when_the_extension_clears_the_error(m, on_error):
    on_error("raise")
    with pytest.raises(HandleError, match="closed an argument of .*close_arg_and_go_on"):
        m.close_arg_and_go_on(object())


def test_log_reports_and_carries_on_where_that_is_harmless(m, on_error, caplog):
    on_error("log")
    with caplog.at_level(logging.ERROR, logger="handlepy.debug"):
        assert m.close_arg_and_go_on(7) == 42
        x = object()
        assert m.return_arg(x) is x
    messages = [r.getMessage() for r in caplog.records if r.name == "handlepy.debug"]
    assert len(messages) == 2
    assert "closed an argument of" in messages[0]
    assert "returned one of its arguments without HPy_Dup" in messages[1]


def test_log_still_fails_the_call_where_carrying_on_is_impossible(m, on_error, caplog):
    on_error("log")
    with caplog.at_level(logging.ERROR, logger="handlepy.debug"):
        with pytest.raises(HandleError, match="got a closed handle"):
            m.use_after_close()
    assert any("got a closed handle" in r.getMessage() for r in caplog.records)


def test_a_hook_gets_the_report_and_the_call_carries_on(m, on_error):
    reports = []
    on_error(reports.append)
    assert debug.get_on_error() == reports.append
    assert m.close_arg_and_go_on(1) == 42
    assert len(reports) == 1 and "closed an argument of" in reports[0]


def test_a_hook_that_raises_makes_the_function_raise(m, on_error):
    def hook(report):
        raise KeyError("from the hook")

    on_error(hook)
    with pytest.raises(KeyError, match="from the hook"):
        m.close_arg_and_go_on(1)


def test_set_on_error_refuses_unknown_actions(on_error):
    assert on_error("raise") == "abort"
    with pytest.raises(ValueError, match="on_error must be 'abort', 'raise', 'log' or 'hook'"):
        debug.set_on_error("explode")
    assert debug.get_on_error() == "raise"


def test_backtrace_depth_is_checked(backtrace_depth):
    assert backtrace_depth(7) == 4
    assert debug.get_backtrace_depth() == 7
    with pytest.raises(ValueError, match="from 0 to 256"):
        debug.set_backtrace_depth(-1)
