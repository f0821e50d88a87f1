"""What debug mode does for compatibility with HPy 0.9's debug mode: arguments whose
kind HPy leaves undefined are reported, a closed builder is stepped over in the modes
that carry on, reports carry HPy's words, and the closed-handle queue and the handle
table can be read as HPy's ``_debug`` module reads them."""
import logging
import signal

import pytest

from debugtools import assert_aborted, load, run_child
from handlepy import _loader

SOURCE = """
    HPyDef_METH(typecheck, "typecheck", HPyFunc_VARARGS)
    static HPy typecheck_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int res = HPy_TypeCheck(ctx, args[0], args[1]);
        if (res < 0 || HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyBool_FromLong(ctx, res);
    }

    HPyDef_METH(issubtype, "issubtype", HPyFunc_VARARGS)
    static HPy issubtype_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int res = HPyType_IsSubtype(ctx, args[0], args[1]);
        if (HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyBool_FromLong(ctx, res);
    }

    HPyDef_METH(name_of, "name_of", HPyFunc_O)
    static HPy name_of_impl(HPyContext *ctx, HPy self, HPy type)
    {
        const char *name = HPyType_GetName(ctx, type);
        return name == NULL ? HPy_NULL : HPyUnicode_FromString(ctx, name);
    }

    HPyDef_METH(substring, "substring", HPyFunc_O)
    static HPy substring_impl(HPyContext *ctx, HPy self, HPy s)
    {
        return HPyUnicode_Substring(ctx, s, 0, 1);
    }

    HPyDef_METH(build_twice, "build_twice", HPyFunc_NOARGS)
    static HPy build_twice_impl(HPyContext *ctx, HPy self)
    {
        HPyTupleBuilder b = HPyTupleBuilder_New(ctx, 0);
        HPy t = HPyTupleBuilder_Build(ctx, b);
        HPy_Close(ctx, t);
        HPyTupleBuilder_Cancel(ctx, b);
        return HPyTupleBuilder_Build(ctx, b);
    }

    HPyDef_METH(leak, "leak", HPyFunc_O)
    static HPy leak_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_Dup(ctx, arg);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(double_close, "double_close", HPyFunc_O)
    static HPy double_close_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h = HPy_Dup(ctx, arg);
        HPy_Close(ctx, h);
        HPy_Close(ctx, h);
        return HPy_Dup(ctx, ctx->h_None);
    }

    @EXPORT(typecheck)
    @EXPORT(issubtype)
    @EXPORT(name_of)
    @EXPORT(substring)
    @EXPORT(build_twice)
    @EXPORT(leak)
    @EXPORT(double_close)
    @INIT
"""


@pytest.fixture(scope="module")
def m():
    return load(SOURCE)


@pytest.mark.parametrize("call, words", [
    ("m.typecheck(1, 2)", "HPy_TypeCheck arg 2 must be a type"),
    ("m.issubtype(bool, 'x')", "HPyType_IsSubtype arg 2 must be a type"),
    ("m.issubtype('x', str)", "HPyType_IsSubtype arg 1 must be a type"),
    ("m.name_of('x')", "HPyType_GetName arg must be a type"),
    ("m.substring(b'abc')", "HPyUnicode_Substring arg 1 must be a Unicode object"),
])
def test_arguments_hpy_leaves_undefined_are_reported(call, words):
    assert_aborted(run_child(SOURCE, call), "handlepy debug mode: ", words)


def test_logged_they_give_the_universal_contexts_answer(m, on_error, caplog):
    on_error("log")
    with caplog.at_level(logging.ERROR, logger="handlepy.debug"):
        with pytest.raises(TypeError, match="arg 2 must be a type"):
            m.typecheck(1, 2)
    assert "which must be a type" in caplog.text
    assert m.typecheck(True, int) is True and m.name_of(int) == "int"


def test_a_types_name_is_a_protected_copy():
    proc = run_child(SOURCE.replace(
        "return name == NULL ? HPy_NULL : HPyUnicode_FromString(ctx, name);",
        "if (name != NULL) { ((char *)name)[0] = 'x'; } return HPy_Dup(ctx, ctx->h_None);"),
        "m.name_of(int)")
    assert proc.returncode == -signal.SIGSEGV, (proc.returncode, proc.stderr)
    assert "wrote into the read-only buffer that HPyType_GetName returned" in proc.stderr


def test_a_closed_builder_is_stepped_over_where_the_action_carries_on(m, on_error):
    reports = []
    on_error(reports.append)
    with pytest.raises(MemoryError):
        m.build_twice()
    assert [r.partition("\n")[0] for r in reports] == [
        "handlepy debug mode: HPyTupleBuilder_Cancel got a closed HPyTupleBuilder as the "
        "builder: it was used after it was closed",
        "handlepy debug mode: HPyTupleBuilder_Build got a closed HPyTupleBuilder as the "
        "builder: it was used after it was closed"]


def test_reports_carry_hpys_words(m, on_error):
    reports = []
    on_error(reports.append)
    m.double_close("x")
    assert '(HPy\'s debug mode reports this as "Invalid usage of already closed handle")' \
        in reports[0]


def test_the_handle_table_as_hpys_debug_module_reads_it(m):
    since = _loader.debug_serial()
    m.leak("a")
    m.leak("b")
    (serial_a, a), (serial_b, b) = _loader.debug_handles(True, since)
    assert serial_a < serial_b
    assert _loader.debug_handle(a) == (True, "a") and _loader.debug_handle(b) == (True, "b")
    _loader.debug_force_close(a)
    _loader.debug_force_close(b)
    assert _loader.debug_handle(a) == (False, None)
    assert _loader.debug_handles(True, since) == []
    assert [index for _, index in _loader.debug_handles(False, since)][-2:] == [a, b]
    with pytest.raises(ValueError, match="not an open handle"):
        _loader.debug_force_close(a)


def test_the_closed_handle_queue_keeps_its_size(m):
    previous = _loader.debug_queue_max(None)
    try:
        assert _loader.debug_queue_max(5) == previous
        # Each call takes three slots from the full queue and gives three back, one more
        # leaving it each time until it holds no more than five: then the last five.
        for _ in range(200):
            m.typecheck(1, int)
        assert len(_loader.debug_handles(False, 0)) == 5
        with pytest.raises(ValueError, match="must not be negative"):
            _loader.debug_queue_max(-1)
    finally:
        _loader.debug_queue_max(previous)
