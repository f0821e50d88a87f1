"""The bulk calls (handlepy extensions, not in HPy 0.9): HPy_BuiltinKind, HPySequence_GetItems
and HPy_CloseMany, with what bad input raises."""
import sys

import pytest

SOURCE = r"""
HPyDef_METH(kind, "kind", HPyFunc_O)
static HPy kind_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return HPyLong_FromLong(ctx, (long)HPy_BuiltinKind(ctx, arg));
}

/* kind_of_null(): HPy_BuiltinKind(HPy_NULL), which must fail with an exception. */
HPyDef_METH(kind_of_null, "kind_of_null", HPyFunc_NOARGS)
static HPy kind_of_null_impl(HPyContext *ctx, HPy self)
{
    HPyKind k = HPy_BuiltinKind(ctx, HPy_NULL);
    if (k != HPyKind_Error || !HPyErr_Occurred(ctx))
        return HPyErr_SetString(ctx, ctx->h_AssertionError, "no error for HPy_NULL");
    return HPy_NULL;
}

/* kinds(): the enum's values, as a dict from their names. */
HPyDef_METH(kinds, "kinds", HPyFunc_NOARGS)
static HPy kinds_impl(HPyContext *ctx, HPy self)
{
    static const struct { const char *name; HPyKind value; } all[] = {
        {"Error", HPyKind_Error}, {"Other", HPyKind_Other}, {"None", HPyKind_None},
        {"Bool", HPyKind_Bool}, {"Long", HPyKind_Long}, {"Float", HPyKind_Float},
        {"Unicode", HPyKind_Unicode}, {"Bytes", HPyKind_Bytes}, {"List", HPyKind_List},
        {"Tuple", HPyKind_Tuple}, {"Dict", HPyKind_Dict},
    };
    HPy d = HPyDict_New(ctx);
    for (size_t i = 0; !HPy_IsNull(d) && i < sizeof all / sizeof all[0]; i++) {
        HPy v = HPyLong_FromLong(ctx, (long)all[i].value);
        if (HPy_IsNull(v) || HPy_SetItem_s(ctx, d, all[i].name, v) < 0) {
            HPy_Close(ctx, v);
            HPy_Close(ctx, d);
            return HPy_NULL;
        }
        HPy_Close(ctx, v);
    }
    return d;
}

/* get_items(seq, start, count): the items as a tuple, read in one call; a few slots
 * past the end of the array must stay untouched. */
HPyDef_METH(get_items, "get_items", HPyFunc_VARARGS)
static HPy get_items_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy_ssize_t start = HPyLong_AsSsize_t(ctx, args[1]);
    HPy_ssize_t count = HPyLong_AsSsize_t(ctx, args[2]);
    if (HPyErr_Occurred(ctx))
        return HPy_NULL;
    HPy buffer[40];
    HPy sentinel = {(intptr_t)0x5a5a};
    for (int i = 0; i < 40; i++)
        buffer[i] = sentinel;
    /* A count past the buffer is only passed for ranges past the sequence's end. */
    if (HPySequence_GetItems(ctx, args[0], start, count, buffer) < 0) {
        for (int i = 0; i < 40; i++)
            if (buffer[i]._i != sentinel._i)
                HPyErr_SetString(ctx, ctx->h_AssertionError, "written on failure");
        return HPy_NULL;
    }
    if (count > 32)
        HPy_FatalError(ctx, "an out-of-range count was accepted");
    for (int i = count > 0 ? (int)count : 0; i < 40; i++)
        if (buffer[i]._i != sentinel._i) {
            HPy_CloseMany(ctx, buffer, count);
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "written past count");
        }
    HPy result = HPyTuple_FromArray(ctx, buffer, count > 0 ? count : 0);
    HPy_CloseMany(ctx, buffer, count);
    return result;
}

/* get_items_bad(kind): HPy_NULL as the sequence (0), a NULL array (1), a NULL array
 * with no item to read (2). */
HPyDef_METH(get_items_bad, "get_items_bad", HPyFunc_VARARGS)
static HPy get_items_bad_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    long kind = HPyLong_AsLong(ctx, args[1]);
    HPy one[1];
    int res;
    if (kind == 0)
        res = HPySequence_GetItems(ctx, HPy_NULL, 0, 1, one);
    else
        res = HPySequence_GetItems(ctx, args[0], 0, kind == 1 ? 1 : 0, NULL);
    if (res < 0)
        return HPy_NULL;
    return HPy_Dup(ctx, ctx->h_None);
}

/* close_many(*objs): a new handle to each, closed in one call with HPy_NULLs among them;
 * returns None (the caller checks the reference counts). */
HPyDef_METH(close_many, "close_many", HPyFunc_VARARGS)
static HPy close_many_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy handles[64];
    HPy_ssize_t n = 0;
    for (size_t i = 0; i < nargs && n < 62; i++) {
        handles[n++] = HPy_Dup(ctx, args[i]);
        if (i % 3 == 1)
            handles[n++] = HPy_NULL;
    }
    HPy_CloseMany(ctx, handles, n);
    HPy_CloseMany(ctx, handles, 0);
    HPy_CloseMany(ctx, handles, -1);
    HPy_CloseMany(ctx, NULL, 0);
    return HPy_Dup(ctx, ctx->h_None);
}

@EXPORT(kind)
@EXPORT(kind_of_null)
@EXPORT(kinds)
@EXPORT(get_items)
@EXPORT(get_items_bad)
@EXPORT(close_many)
@INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


class IntSub(int):
    pass


class StrSub(str):
    pass


class ListSub(list):
    def __getitem__(self, i):
        raise AssertionError("__getitem__ called")

    def __len__(self):
        raise AssertionError("__len__ called")


class TupleSub(tuple):
    def __getitem__(self, i):
        raise AssertionError("__getitem__ called")


class DictSub(dict):
    pass


def test_kind_values_are_distinct_and_other_is_zero(mod):
    kinds = mod.kinds()
    assert len(set(kinds.values())) == len(kinds)
    assert kinds["Other"] == 0 and kinds["Error"] == -1


@pytest.mark.parametrize("value, name", [
    (None, "None"), (True, "Bool"), (False, "Bool"), (0, "Long"), (2**100, "Long"),
    (-1, "Long"), (1.5, "Float"), (float("nan"), "Float"), ("", "Unicode"),
    ("é\U0001F600", "Unicode"), (b"x", "Bytes"), ([], "List"), ([1, 2], "List"),
    ((), "Tuple"), ((1,), "Tuple"), ({}, "Dict"), ({"a": 1}, "Dict"),
])
def test_kind_of_each_builtin(mod, value, name):
    assert mod.kind(value) == mod.kinds()[name]


@pytest.mark.parametrize("value", [
    IntSub(1), StrSub("s"), ListSub(), TupleSub(), DictSub(), bytearray(b"x"), 1j,
    object(), int, set(), frozenset(), NotImplemented, Ellipsis, range(3),
], ids=lambda v: type(v).__name__)
def test_kind_of_subclasses_and_other_types_is_other(mod, value):
    assert mod.kind(value) == mod.kinds()["Other"]


def test_kind_of_null_raises_system_error(mod):
    with pytest.raises(SystemError, match="HPy_BuiltinKind: HPy_NULL"):
        mod.kind_of_null()


@pytest.mark.parametrize("make", [list, tuple], ids=["list", "tuple"])
def test_get_items_reads_each_range(mod, make):
    objs = [object() for _ in range(7)]
    seq = make(objs)
    for start in range(8):
        for count in range(8 - start):
            got = mod.get_items(seq, start, count)
            assert len(got) == count
            assert all(a is b for a, b in zip(got, objs[start:start + count]))


def test_get_items_gives_new_references(mod):
    obj = object()
    seq = [obj] * 5
    before = sys.getrefcount(obj) if hasattr(sys, "getrefcount") else None
    for _ in range(20):
        assert mod.get_items(seq, 0, 5) == (obj,) * 5
    if before is not None and sys.implementation.name == "cpython":
        assert sys.getrefcount(obj) == before


def test_get_items_reads_the_storage_of_subclasses(mod):
    assert mod.get_items(ListSub([1, 2, 3]), 1, 2) == (2, 3)
    assert mod.get_items(TupleSub((1, 2, 3)), 0, 3) == (1, 2, 3)


@pytest.mark.parametrize("make, word", [(list, "list"), (tuple, "tuple")])
@pytest.mark.parametrize("start, count", [(-1, 1), (0, -1), (0, 4), (3, 1), (4, 0),
                                          (sys.maxsize, 1), (1, sys.maxsize),
                                          (-sys.maxsize - 1, 0)])
def test_get_items_out_of_range_raises_index_error(mod, make, word, start, count):
    with pytest.raises(IndexError, match=f"^{word} index out of range$"):
        mod.get_items(make([1, 2, 3]), start, count)


def test_get_items_at_the_end_reads_nothing(mod):
    assert mod.get_items([1, 2, 3], 3, 0) == ()
    assert mod.get_items((), 0, 0) == ()


@pytest.mark.parametrize("value", [{1: 2}, "abc", b"abc", range(3), None, iter([1])],
                         ids=lambda v: type(v).__name__)
def test_get_items_of_other_types_raises_type_error(mod, value):
    with pytest.raises(TypeError, match="HPySequence_GetItems: expected a list or tuple, not "
                                        + type(value).__name__):
        mod.get_items(value, 0, 0)


def test_get_items_bad_arguments_raise_system_error(mod):
    with pytest.raises(SystemError, match="HPySequence_GetItems: seq is HPy_NULL"):
        mod.get_items_bad([1], 0)
    with pytest.raises(SystemError, match="HPySequence_GetItems: items is NULL"):
        mod.get_items_bad([1], 1)
    assert mod.get_items_bad([1], 2) is None


def test_close_many_releases_each_handle_once(mod):
    objs = [object() for _ in range(10)]
    if sys.implementation.name == "cpython":
        before = [sys.getrefcount(o) for o in objs]
    for _ in range(5):
        assert mod.close_many(*objs) is None
    if sys.implementation.name == "cpython":
        assert [sys.getrefcount(o) for o in objs] == before


def test_close_many_frees_the_last_reference(mod):
    import weakref

    class Obj:
        pass

    obj = Obj()
    ref = weakref.ref(obj)
    assert mod.close_many(obj, obj, obj) is None
    del obj
    import gc
    gc.collect()
    assert ref() is None
