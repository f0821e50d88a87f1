"""HPyTupleBuilder and HPyListBuilder: building, cancelling, and what a misused builder
does. A Set out of range or with HPy_NULL stores nothing and fails Build; an item never
set fails Build; nothing leaks on any of these paths."""
import gc
import platform
import sys
import weakref

import pytest

# run(as_list, size, ops, cancel): New(size), then Set(index, item) for each (index, item)
# of ops, then Build (or Cancel, returning None). An item ... stands for HPy_NULL; an item
# NotImplemented for the HPy_NULL of a failed call, whose AttributeError is pending.
SOURCE = r"""
typedef struct {
    int is_list;
    HPyTupleBuilder tuple;
    HPyListBuilder list;
} builder;

static builder builder_new(HPyContext *ctx, int is_list, HPy_ssize_t size)
{
    builder b = {is_list, {0}, {0}};
    if (is_list)
        b.list = HPyListBuilder_New(ctx, size);
    else
        b.tuple = HPyTupleBuilder_New(ctx, size);
    return b;
}

static void builder_set(HPyContext *ctx, builder b, HPy_ssize_t index, HPy item)
{
    if (b.is_list)
        HPyListBuilder_Set(ctx, b.list, index, item);
    else
        HPyTupleBuilder_Set(ctx, b.tuple, index, item);
}

static HPy builder_finish(HPyContext *ctx, builder b, int cancel)
{
    if (!cancel)
        return b.is_list ? HPyListBuilder_Build(ctx, b.list) : HPyTupleBuilder_Build(ctx, b.tuple);
    if (b.is_list)
        HPyListBuilder_Cancel(ctx, b.list);
    else
        HPyTupleBuilder_Cancel(ctx, b.tuple);
    return HPyErr_Occurred(ctx) ? HPy_NULL : HPy_Dup(ctx, ctx->h_None);
}

static HPy item_for(HPyContext *ctx, HPy spec)
{
    if (HPy_Is(ctx, spec, ctx->h_Ellipsis))
        return HPy_NULL;
    if (HPy_Is(ctx, spec, ctx->h_NotImplemented))
        return HPy_GetAttr_s(ctx, ctx->h_None, "no_such_attribute");
    return HPy_Dup(ctx, spec);
}

#define MAX_OPS 8

HPyDef_METH(run, "run", HPyFunc_VARARGS)
static HPy run_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    /* Every argument is read before New: once New or an item's call has failed, its
       exception is pending, and no other API call but the builder's may run. */
    HPy_ssize_t indexes[MAX_OPS];
    HPy specs[MAX_OPS];
    int is_list = HPy_IsTrue(ctx, args[0]);
    HPy_ssize_t size = HPyLong_AsSsize_t(ctx, args[1]);
    int cancel = HPy_IsTrue(ctx, args[3]);
    HPy_ssize_t nops = HPy_Length(ctx, args[2]);
    if (nops > MAX_OPS) {
        HPyErr_SetString(ctx, ctx->h_ValueError, "too many ops");
        return HPy_NULL;
    }
    for (HPy_ssize_t i = 0; i < nops; i++) {
        HPy op = HPy_GetItem_i(ctx, args[2], i);
        HPy index = HPy_GetItem_i(ctx, op, 0);
        indexes[i] = HPyLong_AsSsize_t(ctx, index);
        specs[i] = HPy_GetItem_i(ctx, op, 1);
        HPy_Close(ctx, index);
        HPy_Close(ctx, op);
    }
    builder b = builder_new(ctx, is_list, size);
    for (HPy_ssize_t i = 0; i < nops; i++) {
        HPy item = item_for(ctx, specs[i]);
        builder_set(ctx, b, indexes[i], item);
        HPy_Close(ctx, item);
        HPy_Close(ctx, specs[i]);
    }
    return builder_finish(ctx, b, cancel);
}

/* HPyTuple_Pack is built on the tuple builder. */
HPyDef_METH(pack3, "pack3", HPyFunc_VARARGS)
static HPy pack3_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    return HPyTuple_Pack(ctx, 3, args[0], args[1], args[2]);
}

@EXPORT(run)
@EXPORT(pack3)
@INIT
"""

KINDS = [pytest.param(False, id="tuple"), pytest.param(True, id="list")]


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


class Item:
    """Weak-referenceable, so that a test can see whether a builder released it."""


def released(refs):
    """Whether every referent is gone; PyPy's collector may need several passes (cpyext
    frees a chain of C-held objects one link per pass, and rarely needed more than ten)."""
    for _ in range(50):
        if all(r() is None for r in refs):
            return True
        gc.collect()
    return False


def run_and_check_released(mod, as_list, size, ops_for, cancel=False):
    """Run with fresh Items; return the outcome and whether every Item was released."""
    def run():
        # In a frame of its own, so that no local of this one outlives the call.
        items = [Item() for _ in range(size + 1)]
        refs = [weakref.ref(i) for i in items]
        try:
            result = mod.run(as_list, size, ops_for(items), cancel)
            return ("ok", None if result is None else len(result)), refs
        except Exception as e:  # the exception is the result under test
            return (type(e).__name__, str(e)), refs

    outcome, refs = run()
    return outcome, released(refs)


@pytest.mark.parametrize("as_list", KINDS)
def test_build(mod, as_list):
    a, b = object(), object()
    result = mod.run(as_list, 3, [(2, "c"), (0, a), (1, b)], False)
    assert type(result) is (list if as_list else tuple)
    assert len(result) == 3 and result[0] is a and result[1] is b and result[2] == "c"


@pytest.mark.parametrize("as_list", KINDS)
def test_build_empty(mod, as_list):
    assert mod.run(as_list, 0, [], False) == ([] if as_list else ())


@pytest.mark.parametrize("as_list", KINDS)
def test_set_twice_replaces_and_releases(mod, as_list):
    kept = Item()
    outcome, ok = run_and_check_released(
        mod, as_list, 1, lambda items: [(0, items[0]), (0, kept)])
    assert outcome == ("ok", 1) and ok


@pytest.mark.parametrize("as_list", KINDS)
def test_result_owns_its_items(mod, as_list):
    result = mod.run(as_list, 2, [(0, Item()), (1, Item())], False)
    refs = [weakref.ref(i) for i in result]
    gc.collect()
    assert all(r() is not None for r in refs)
    del result
    assert released(refs)


@pytest.mark.parametrize("as_list", KINDS)
@pytest.mark.parametrize("fill", [0, 1, 3])
@pytest.mark.xfail(platform.python_implementation() == "PyPy", strict=False,
                   reason="on PyPy (3.9 and 3.11) an item of a cancelled list builder now and "
                          "then outlives 50 collections; not yet understood, see the note")
def test_cancel_releases_items(mod, as_list, fill):
    outcome, ok = run_and_check_released(
        mod, as_list, 3, lambda items: [(i, items[i]) for i in range(fill)], cancel=True)
    assert outcome == ("ok", None) and ok


@pytest.mark.parametrize("as_list", KINDS)
@pytest.mark.parametrize("index", [3, 4, -1, -sys.maxsize - 1, sys.maxsize])
def test_set_out_of_range_fails_build(mod, as_list, index):
    outcome, ok = run_and_check_released(
        mod, as_list, 3, lambda items: [(0, items[0]), (index, items[1]), (1, items[2]),
                                        (2, items[3])])
    kind = "list" if as_list else "tuple"
    assert outcome == ("IndexError", f"{kind} assignment index out of range")
    assert ok


@pytest.mark.parametrize("as_list", KINDS)
def test_set_out_of_range_then_cancel(mod, as_list):
    outcome, ok = run_and_check_released(
        mod, as_list, 2, lambda items: [(0, items[0]), (5, items[1])], cancel=True)
    assert outcome == ("ok", None) and ok


@pytest.mark.parametrize("as_list", KINDS)
def test_set_null_fails_build(mod, as_list):
    outcome, ok = run_and_check_released(
        mod, as_list, 2, lambda items: [(0, items[0]), (1, ...)])
    name = "HPyListBuilder" if as_list else "HPyTupleBuilder"
    assert outcome == ("SystemError", f"{name}_Set: item 1 is HPy_NULL")
    assert ok


@pytest.mark.parametrize("as_list", KINDS)
def test_set_from_failed_call_keeps_its_exception(mod, as_list):
    outcome, ok = run_and_check_released(
        mod, as_list, 2, lambda items: [(0, NotImplemented), (1, items[0])])
    assert outcome[0] == "AttributeError" and "no_such_attribute" in outcome[1]
    assert ok


@pytest.mark.parametrize("as_list", KINDS)
def test_item_never_set_fails_build(mod, as_list):
    outcome, ok = run_and_check_released(
        mod, as_list, 3, lambda items: [(0, items[0]), (2, items[1])])
    name = "HPyListBuilder" if as_list else "HPyTupleBuilder"
    assert outcome == ("SystemError", f"{name}_Build: item 1 was never set")
    assert ok


@pytest.mark.parametrize("as_list", KINDS)
def test_failed_new(mod, as_list):
    name = "HPyListBuilder_New" if as_list else "HPyTupleBuilder_New"
    # Set and Cancel do nothing on a builder New failed to create; Build returns HPy_NULL.
    with pytest.raises(SystemError, match=f"^{name}: negative size -1$"):
        mod.run(as_list, -1, [(0, 1)], False)
    with pytest.raises(SystemError, match=f"^{name}: negative size -2$"):
        mod.run(as_list, -2, [(0, 1)], True)
    with pytest.raises(MemoryError):
        mod.run(as_list, sys.maxsize, [(0, 1)], False)
    with pytest.raises(MemoryError):
        mod.run(as_list, sys.maxsize // 16, [], False)


def test_tuple_pack(mod):
    a = object()
    assert mod.pack3(a, 2, "x") == (a, 2, "x")
