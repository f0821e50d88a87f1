"""The bulk calls in debug mode: HPy_CloseMany checks each handle as HPy_Close does,
HPySequence_GetItems checks its sequence and opens each item as a debug handle, and
HPy_BuiltinKind's generated wrapper checks its handle."""
import pytest

from debugtools import assert_aborted, load, run_child
from handlepy.debug import HandleError, HandleLeakError, LeakDetector

SOURCE = """
    HPyDef_METH(close_many_twice, "close_many_twice", HPyFunc_NOARGS)
    static HPy close_many_twice_impl(HPyContext *ctx, HPy self)
    {
        HPy h[3] = {HPyLong_FromLong(ctx, 1), HPy_NULL, HPyLong_FromLong(ctx, 2)};
        HPy_CloseMany(ctx, h, 3);
        HPy_CloseMany(ctx, h + 2, 1);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(close_many_arg, "close_many_arg", HPyFunc_O)
    static HPy close_many_arg_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h[2] = {HPy_Dup(ctx, arg), arg};
        HPy_CloseMany(ctx, h, 2);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(close_many_many, "close_many_many", HPyFunc_O)
    static HPy close_many_many_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy h[200];
        for (int i = 0; i < 200; i++)
            h[i] = HPy_Dup(ctx, arg);
        HPy_CloseMany(ctx, h, 200);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(get_items_closed, "get_items_closed", HPyFunc_O)
    static HPy get_items_closed_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy seq = HPy_Dup(ctx, arg);
        HPy_Close(ctx, seq);
        HPy out[1];
        if (HPySequence_GetItems(ctx, seq, 0, 1, out) < 0)
            return HPy_NULL;
        return out[0];
    }

    HPyDef_METH(kind_closed, "kind_closed", HPyFunc_NOARGS)
    static HPy kind_closed_impl(HPyContext *ctx, HPy self)
    {
        HPy h = HPyLong_FromLong(ctx, 3);
        HPy_Close(ctx, h);
        return HPyLong_FromLong(ctx, (long)HPy_BuiltinKind(ctx, h));
    }

    /* Reads all items of seq, closes all but the last. */
    HPyDef_METH(leak_last_item, "leak_last_item", HPyFunc_O)
    static HPy leak_last_item_impl(HPyContext *ctx, HPy self, HPy seq)
    {
        HPy items[8];
        HPy_ssize_t n = HPy_Length(ctx, seq);
        if (n < 1 || n > 8 || HPySequence_GetItems(ctx, seq, 0, n, items) < 0)
            return HPy_NULL;
        HPy_CloseMany(ctx, items, n - 1);
        return HPy_Dup(ctx, ctx->h_None);
    }

    /* The items are debug handles that HPy_CloseMany accepts and that work as handles. */
    HPyDef_METH(sum_items, "sum_items", HPyFunc_O)
    static HPy sum_items_impl(HPyContext *ctx, HPy self, HPy seq)
    {
        HPy items[8];
        HPy_ssize_t n = HPy_Length(ctx, seq);
        if (n < 0 || n > 8 || HPySequence_GetItems(ctx, seq, 0, n, items) < 0)
            return HPy_NULL;
        long total = 0;
        for (HPy_ssize_t i = 0; i < n; i++)
            total += HPyLong_AsLong(ctx, items[i]);
        HPy_CloseMany(ctx, items, n);
        return HPyLong_FromLong(ctx, total);
    }

    @EXPORT(close_many_twice)
    @EXPORT(close_many_arg)
    @EXPORT(close_many_many)
    @EXPORT(get_items_closed)
    @EXPORT(kind_closed)
    @EXPORT(leak_last_item)
    @EXPORT(sum_items)
    @INIT
"""

CASES = [
    ("close many, one already closed", "m.close_many_twice()",
     ["HPy_CloseMany closed a handle that is already closed (double close)",
      "it was closed by HPy_CloseMany"]),
    ("close many, one an argument", "m.close_many_arg(7)",
     ["HPy_CloseMany closed an argument of ", ".close_many_arg"]),
    ("get items of a closed handle", "m.get_items_closed([1])",
     ["HPySequence_GetItems got a closed handle as argument 'seq'"]),
    ("kind of a closed handle", "m.kind_closed()",
     ["HPy_BuiltinKind got a closed handle as argument 'h'"]),
]
IDS = [case for case, _, _ in CASES]


@pytest.fixture(scope="module")
def m():
    return load(SOURCE)


@pytest.mark.parametrize("case, code, report", CASES, ids=IDS)
def test_misuse_is_reported(m, on_error, case, code, report):
    on_error("raise")
    with pytest.raises(HandleError) as info:
        exec(code, {"m": m})
    message = str(info.value)
    for fragment in report:
        assert fragment in message, message


@pytest.mark.parametrize("case, code, report", CASES[:1], ids=IDS[:1])
def test_misuse_is_fatal_by_default(case, code, report):
    assert_aborted(run_child(SOURCE, code), "handlepy debug mode: ", *report)


def test_items_are_debug_handles_closed_in_one_call(m):
    with LeakDetector():
        assert m.sum_items([1, 2, 3, 4]) == 10
        assert m.sum_items(()) == 0
        assert m.close_many_many("x") is None


def test_an_item_left_open_is_reported_as_opened_by_get_items(m):
    with pytest.raises(HandleLeakError) as info:
        with LeakDetector():
            m.leak_last_item((5, 6, 77777))
    (leak,) = info.value.leaks
    assert (leak.kind, leak.object, leak.opened_by) == ("handle", 77777, "HPySequence_GetItems")
