"""Tuples, lists, dicts and slices: results, the types they accept, and what a wrong
argument raises."""
import sys

import pytest

SOURCE = r"""
static HPy as_bool(HPyContext *ctx, int value)
{
    return value < 0 ? HPy_NULL : HPyBool_FromBool(ctx, value);
}

HPyDef_METH(tuple_check, "tuple_check", HPyFunc_O)
static HPy tuple_check_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return as_bool(ctx, HPyTuple_Check(ctx, arg));
}

HPyDef_METH(tuple_from_args, "tuple_from_args", HPyFunc_VARARGS)
static HPy tuple_from_args_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    return HPyTuple_FromArray(ctx, (HPy *)args, (HPy_ssize_t)nargs);
}

/* tuple_from_bad_array(kind): a negative length, or an HPy_NULL item. */
HPyDef_METH(tuple_from_bad_array, "tuple_from_bad_array", HPyFunc_O)
static HPy tuple_from_bad_array_impl(HPyContext *ctx, HPy self, HPy kind)
{
    HPy items[2] = {ctx->h_None, HPy_NULL};
    return HPyTuple_FromArray(ctx, items, HPyLong_AsLong(ctx, kind) == 0 ? -1 : 2);
}

HPyDef_METH(list_check, "list_check", HPyFunc_O)
static HPy list_check_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return as_bool(ctx, HPyList_Check(ctx, arg));
}

HPyDef_METH(list_new, "list_new", HPyFunc_O)
static HPy list_new_impl(HPyContext *ctx, HPy self, HPy len)
{
    return HPyList_New(ctx, HPyLong_AsSsize_t(ctx, len));
}

HPyDef_METH(list_append, "list_append", HPyFunc_VARARGS)
static HPy list_append_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    if (HPyList_Append(ctx, args[0], nargs > 1 ? args[1] : HPy_NULL) < 0)
        return HPy_NULL;
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(dict_check, "dict_check", HPyFunc_O)
static HPy dict_check_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return as_bool(ctx, HPyDict_Check(ctx, arg));
}

HPyDef_METH(dict_new, "dict_new", HPyFunc_NOARGS)
static HPy dict_new_impl(HPyContext *ctx, HPy self)
{
    return HPyDict_New(ctx);
}

HPyDef_METH(dict_keys, "dict_keys", HPyFunc_O)
static HPy dict_keys_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return HPyDict_Keys(ctx, arg);
}

HPyDef_METH(dict_copy, "dict_copy", HPyFunc_O)
static HPy dict_copy_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return HPyDict_Copy(ctx, arg);
}

/* dict_getitem(d, key, missing): `missing` when the lookup gives HPy_NULL and no error. */
HPyDef_METH(dict_getitem, "dict_getitem", HPyFunc_VARARGS)
static HPy dict_getitem_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy item = HPyDict_GetItem(ctx, args[0], args[1]);
    if (HPy_IsNull(item) && !HPyErr_Occurred(ctx))
        return HPy_Dup(ctx, args[2]);
    return item;
}

HPyDef_METH(dict_getitem_null_key, "dict_getitem_null_key", HPyFunc_O)
static HPy dict_getitem_null_key_impl(HPyContext *ctx, HPy self, HPy d)
{
    return HPyDict_GetItem(ctx, d, HPy_NULL);
}

/* The handles HPyDict_Next writes: HPy_NULL when it returns 0 or -1. */
static int dict_next_checked(HPyContext *ctx, HPy d, HPy_ssize_t *pos, HPy *key, HPy *value)
{
    if (key != NULL)
        *key = ctx->h_Ellipsis;
    if (value != NULL)
        *value = ctx->h_Ellipsis;
    int more = HPyDict_Next(ctx, d, pos, key, value);
    if (more != 1 && ((key != NULL && !HPy_IsNull(*key)) ||
                      (value != NULL && !HPy_IsNull(*value)))) {
        HPyErr_SetString(ctx, ctx->h_AssertionError, "an output is not HPy_NULL");
        return -2;
    }
    return more;
}

/* dict_items(d, what, callback): the items HPyDict_Next gives, as a list of (key, value)
 * for what == 0, of keys (value NULL) for 1, of values (key NULL) for 2, and for 3 of
 * None per item (both NULL). After each item `callback(d, key)`, unless it is None, may
 * change the dict; a cap ends a loop that changes keep going. */
HPyDef_METH(dict_items, "dict_items", HPyFunc_VARARGS)
static HPy dict_items_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    long what = HPyLong_AsLong(ctx, args[1]);
    int callback = !HPy_Is(ctx, args[2], ctx->h_None);
    HPy result = HPyList_New(ctx, 0);
    if (HPy_IsNull(result))
        return HPy_NULL;
    HPy_ssize_t pos = 0;
    for (int n = 0; n < 1000; n++) {
        HPy key = HPy_NULL, value = HPy_NULL;
        int more = dict_next_checked(ctx, args[0], &pos, (what == 0 || what == 1 || callback)
                                     ? &key : NULL, (what == 0 || what == 2) ? &value : NULL);
        if (more < 0) {
            HPy_Close(ctx, result);
            return HPy_NULL;
        }
        if (more == 0)
            return result;
        HPy item;
        if (what == 0) {
            HPy pair[2] = {key, value};
            item = HPyTuple_FromArray(ctx, pair, 2);
        } else {
            item = HPy_Dup(ctx, what == 1 ? key : what == 2 ? value : ctx->h_None);
        }
        int failed = HPy_IsNull(item) || HPyList_Append(ctx, result, item) < 0;
        HPy_Close(ctx, item);
        if (!failed && callback) {
            HPy call_args[2] = {args[0], key};
            HPy r = HPy_Call(ctx, args[2], call_args, 2, HPy_NULL);
            failed = HPy_IsNull(r);
            HPy_Close(ctx, r);
        }
        HPy_Close(ctx, key);
        HPy_Close(ctx, value);
        if (failed) {
            HPy_Close(ctx, result);
            return HPy_NULL;
        }
    }
    return result;
}

/* dict_pairs(d): the (outer key, inner key) pairs of two loops over `d`, one inside the
 * other. */
HPyDef_METH(dict_pairs, "dict_pairs", HPyFunc_O)
static HPy dict_pairs_impl(HPyContext *ctx, HPy self, HPy d)
{
    HPy result = HPyList_New(ctx, 0);
    HPy_ssize_t outer = 0;
    HPy a, b;
    int more = 0;
    while (!HPy_IsNull(result) && (more = HPyDict_Next(ctx, d, &outer, &a, NULL)) == 1) {
        HPy_ssize_t inner = 0;
        int failed = 0;
        while (!failed && (more = HPyDict_Next(ctx, d, &inner, &b, NULL)) == 1) {
            HPy pair[2] = {a, b};
            HPy item = HPyTuple_FromArray(ctx, pair, 2);
            failed = HPy_IsNull(item) || HPyList_Append(ctx, result, item) < 0;
            HPy_Close(ctx, item);
            HPy_Close(ctx, b);
        }
        HPy_Close(ctx, a);
        if (failed || more < 0) {
            HPy_Close(ctx, result);
            return HPy_NULL;
        }
    }
    if (more < 0) {
        HPy_Close(ctx, result);
        return HPy_NULL;
    }
    return result;
}

/* dict_next_at(d, pos): HPyDict_Next's result from the cursor `pos`, keys skipped. */
HPyDef_METH(dict_next_at, "dict_next_at", HPyFunc_VARARGS)
static HPy dict_next_at_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy_ssize_t pos = HPyLong_AsSsize_t(ctx, args[1]);
    HPy value;
    int more = dict_next_checked(ctx, args[0], &pos, NULL, &value);
    if (more < 0)
        return HPy_NULL;
    HPy_Close(ctx, value);
    return HPyLong_FromLong(ctx, more);
}

/* dict_next_bad(d, kind): HPyDict_Next on HPy_NULL (kind 0), with a NULL cursor (1). */
HPyDef_METH(dict_next_bad, "dict_next_bad", HPyFunc_VARARGS)
static HPy dict_next_bad_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy_ssize_t pos = 0;
    HPy key, value;
    long kind = HPyLong_AsLong(ctx, args[1]);
    int more = dict_next_checked(ctx, kind == 0 ? HPy_NULL : args[0], kind == 1 ? NULL : &pos,
                                 &key, &value);
    if (more == -1)
        return HPy_NULL;
    HPy_Close(ctx, key);
    HPy_Close(ctx, value);
    return HPyLong_FromLong(ctx, more);
}

/* slice_new(start, stop, step): Ellipsis stands for HPy_NULL. */
HPyDef_METH(slice_new, "slice_new", HPyFunc_VARARGS)
static HPy slice_new_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy bounds[3];
    for (int i = 0; i < 3; i++)
        bounds[i] = HPy_Is(ctx, args[i], ctx->h_Ellipsis) ? HPy_NULL : args[i];
    return HPySlice_New(ctx, bounds[0], bounds[1], bounds[2]);
}

HPyDef_METH(slice_unpack, "slice_unpack", HPyFunc_O)
static HPy slice_unpack_impl(HPyContext *ctx, HPy self, HPy slice)
{
    HPy_ssize_t start, stop, step;
    if (HPySlice_Unpack(ctx, slice, &start, &stop, &step) < 0)
        return HPy_NULL;
    HPy items[3] = {HPyLong_FromSsize_t(ctx, start), HPyLong_FromSsize_t(ctx, stop),
                    HPyLong_FromSsize_t(ctx, step)};
    HPy result = HPyTuple_FromArray(ctx, items, 3);
    for (int i = 0; i < 3; i++)
        HPy_Close(ctx, items[i]);
    return result;
}

/* slice_adjust(length, start, stop, step) -> (slicelength, start, stop) */
HPyDef_METH(slice_adjust, "slice_adjust", HPyFunc_VARARGS)
static HPy slice_adjust_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy_ssize_t start = HPyLong_AsSsize_t(ctx, args[1]);
    HPy_ssize_t stop = HPyLong_AsSsize_t(ctx, args[2]);
    HPy_ssize_t n = HPySlice_AdjustIndices(ctx, HPyLong_AsSsize_t(ctx, args[0]), &start, &stop,
                                           HPyLong_AsSsize_t(ctx, args[3]));
    if (n < 0)
        return HPy_NULL;
    HPy items[3] = {HPyLong_FromSsize_t(ctx, n), HPyLong_FromSsize_t(ctx, start),
                    HPyLong_FromSsize_t(ctx, stop)};
    HPy result = HPyTuple_FromArray(ctx, items, 3);
    for (int i = 0; i < 3; i++)
        HPy_Close(ctx, items[i]);
    return result;
}

@EXPORT(tuple_check)
@EXPORT(tuple_from_args)
@EXPORT(tuple_from_bad_array)
@EXPORT(list_check)
@EXPORT(list_new)
@EXPORT(list_append)
@EXPORT(dict_check)
@EXPORT(dict_new)
@EXPORT(dict_keys)
@EXPORT(dict_copy)
@EXPORT(dict_getitem)
@EXPORT(dict_getitem_null_key)
@EXPORT(dict_items)
@EXPORT(dict_next_at)
@EXPORT(dict_pairs)
@EXPORT(dict_next_bad)
@EXPORT(slice_new)
@EXPORT(slice_unpack)
@EXPORT(slice_adjust)
@INIT
"""

MAX = sys.maxsize
MIN = -sys.maxsize - 1


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


class TupleSub(tuple):
    pass


class ListSub(list):
    pass


class DictSub(dict):
    def __missing__(self, key):
        return "from __missing__"


def test_tuple_check(mod):
    assert mod.tuple_check(()) is True
    assert mod.tuple_check(TupleSub((1,))) is True
    assert mod.tuple_check([]) is False
    assert mod.tuple_check(None) is False


def test_tuple_from_array(mod):
    obj = object()
    assert mod.tuple_from_args() == ()
    result = mod.tuple_from_args(1, "two", obj)
    assert type(result) is tuple
    assert result == (1, "two", obj) and result[2] is obj


def test_tuple_from_bad_array(mod):
    with pytest.raises(SystemError, match="HPyTuple_FromArray: negative size -1"):
        mod.tuple_from_bad_array(0)
    with pytest.raises(SystemError, match="HPyTuple_FromArray: item 1 is HPy_NULL"):
        mod.tuple_from_bad_array(1)


def test_list_check(mod):
    assert mod.list_check([]) is True
    assert mod.list_check(ListSub()) is True
    assert mod.list_check(()) is False


def test_list_new(mod):
    assert mod.list_new(0) == []
    lst = mod.list_new(3)
    assert type(lst) is list and lst == [None, None, None]
    lst.append(1)  # a real, growable list
    assert lst == [None, None, None, 1]


def test_list_new_errors(mod):
    with pytest.raises(SystemError, match="HPyList_New: negative size -1"):
        mod.list_new(-1)
    with pytest.raises(MemoryError):
        mod.list_new(MAX // 2)


def test_list_append(mod):
    lst = [1]
    assert mod.list_append(lst, "x") is None
    assert lst == [1, "x"]
    sub = ListSub()
    mod.list_append(sub, 2)
    assert sub == [2]


def test_list_append_errors(mod):
    with pytest.raises(SystemError, match="HPyList_Append requires a list, not tuple"):
        mod.list_append((), 1)
    with pytest.raises(SystemError, match="HPyList_Append: the item is HPy_NULL"):
        mod.list_append([])


def test_dict_check_and_new(mod):
    assert mod.dict_check({}) is True
    assert mod.dict_check(DictSub()) is True
    assert mod.dict_check([]) is False
    d = mod.dict_new()
    assert type(d) is dict and d == {}


def test_dict_keys(mod):
    keys = mod.dict_keys({"a": 1, 2: "b", None: 3})
    assert type(keys) is list and keys == ["a", 2, None]
    assert mod.dict_keys(DictSub(x=1)) == ["x"]


def test_dict_copy(mod):
    inner = []
    d = {"a": inner}
    copy = mod.dict_copy(d)
    assert copy == d and copy is not d
    assert copy["a"] is inner  # shallow
    copy["b"] = 2
    assert "b" not in d
    sub_copy = mod.dict_copy(DictSub(x=1))
    assert type(sub_copy) is dict and sub_copy == {"x": 1}


def test_dict_getitem(mod):
    missing = object()
    value = object()
    assert mod.dict_getitem({"k": value}, "k", missing) is value
    assert mod.dict_getitem({}, "k", missing) is missing
    assert mod.dict_getitem({1: "int"}, 1.0, missing) == "int"
    # A lookup, not an item access: __missing__ stays out of it.
    assert mod.dict_getitem(DictSub(), "k", missing) is missing


def test_dict_getitem_errors(mod):
    missing = object()
    with pytest.raises(TypeError, match="unhashable type: 'list'"):
        mod.dict_getitem({}, [], missing)

    class BadHash:
        def __hash__(self):
            raise ZeroDivisionError("no hash")
    with pytest.raises(ZeroDivisionError, match="no hash"):
        mod.dict_getitem({1: 2}, BadHash(), missing)

    class BadEq:
        def __hash__(self):
            return 1

        def __eq__(self, other):
            raise KeyError("no eq")
    with pytest.raises(KeyError, match="no eq"):
        mod.dict_getitem({1: 2}, BadEq(), missing)
    with pytest.raises(SystemError, match="HPyDict_GetItem: the key is HPy_NULL"):
        mod.dict_getitem_null_key({})


@pytest.mark.parametrize("func", ["dict_keys", "dict_copy"])
@pytest.mark.parametrize("arg, name", [([], "list"), (None, "NoneType"), (42, "int")])
def test_dict_functions_reject_non_dicts(mod, func, arg, name):
    api = {"dict_keys": "HPyDict_Keys", "dict_copy": "HPyDict_Copy"}[func]
    with pytest.raises(SystemError, match=f"^{api} requires a dict, not {name}$"):
        getattr(mod, func)(arg)


def test_dict_getitem_rejects_non_dicts(mod):
    with pytest.raises(SystemError, match="^HPyDict_GetItem requires a dict, not list$"):
        mod.dict_getitem([1], 0, None)


def test_slice_new(mod):
    assert mod.slice_new(1, 10, 2) == slice(1, 10, 2)
    assert mod.slice_new(..., ..., ...) == slice(None, None, None)
    assert mod.slice_new(None, 5, ...) == slice(None, 5, None)
    odd = mod.slice_new("a", [], 1.5)  # slices hold any objects
    assert (odd.start, odd.stop, odd.step) == ("a", [], 1.5)


@pytest.mark.parametrize("s, expected", [
    (slice(1, 10, 2), (1, 10, 2)),
    (slice(None), (0, MAX, 1)),
    (slice(None, None, -1), (MAX, MIN, -1)),
    (slice(-5, -1), (-5, -1, 1)),
    (slice(10**30, -10**30), (MAX, MIN, 1)),
    (slice(0, 1, -10**30), (0, 1, -MAX)),
    (slice(0, 1, 10**30), (0, 1, MAX)),
    (slice(True, 3), (1, 3, 1)),
])
def test_slice_unpack(mod, s, expected):
    assert mod.slice_unpack(s) == expected


def test_slice_unpack_index_objects(mod):
    class Index:
        def __index__(self):
            return 4
    assert mod.slice_unpack(slice(Index(), Index(), Index())) == (4, 4, 4)


def test_slice_unpack_errors(mod):
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        mod.slice_unpack(slice(1, 2, 0))
    # 3.15 no longer says "or None".
    with pytest.raises(TypeError, match="^slice indices must be integers (or None )?or have "
                                        "an __index__ method$"):
        mod.slice_unpack(slice("a", 2))
    with pytest.raises(SystemError, match="^HPySlice_Unpack requires a slice, not range$"):
        mod.slice_unpack(range(3))
    with pytest.raises(SystemError, match="^HPySlice_Unpack requires a slice, not tuple$"):
        mod.slice_unpack((1, 2, 3))


@pytest.mark.parametrize("length", [0, 1, 5, 10])
@pytest.mark.parametrize("s", [
    slice(None), slice(None, None, -1), slice(2, 8, 3), slice(-3, None), slice(-100, 100),
    slice(8, 2, -2), slice(100, -100, -7), slice(3, 3), slice(None, -1, 2),
])
def test_slice_adjust_matches_python(mod, length, s):
    start, stop, step = mod.slice_unpack(s)
    n, adj_start, adj_stop = mod.slice_adjust(length, start, stop, step)
    py_start, py_stop, py_step = s.indices(length)
    assert (adj_start, adj_stop) == (py_start, py_stop)
    assert n == len(range(py_start, py_stop, py_step))


def test_slice_adjust_zero_step(mod):
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        mod.slice_adjust(5, 0, 5, 0)


def test_dict_next(mod):
    k, v = object(), object()
    d = {"a": 1, k: v, None: [2]}
    items = mod.dict_items(d, 0, None)
    assert items == list(d.items())
    assert items[1][0] is k and items[1][1] is v
    assert mod.dict_items(d, 1, None) == list(d)
    assert mod.dict_items(d, 2, None) == list(d.values())
    assert mod.dict_items(d, 3, None) == [None, None, None]
    # The handles were new: closing them left the objects to the dict.
    assert d == {"a": 1, k: v, None: [2]}


def test_dict_next_empty(mod):
    for what in range(4):
        assert mod.dict_items({}, what, None) == []


def test_dict_next_reads_a_subclass_as_stored(mod):
    class Sub(dict):
        def __getitem__(self, key):
            raise AssertionError("not called")

        def __iter__(self):
            raise AssertionError("not called")

        def keys(self):
            raise AssertionError("not called")

        def items(self):
            raise AssertionError("not called")
    assert mod.dict_items(Sub(a=1, b=2), 0, None) == [("a", 1), ("b", 2)]
    assert mod.dict_items(DictSub(x=3), 2, None) == [3]


def test_dict_next_nested_over_one_dict(mod):
    d = {"a": 1, "b": 2, "c": 3}
    assert mod.dict_pairs(d) == [(x, y) for x in d for y in d]


def test_dict_next_with_lookups_that_iterate_again(mod):
    """Reading a value compares keys with equal hashes, on PyPy: a key's __eq__ that
    iterates over the same dict meanwhile changes nothing for the outer iteration."""
    class Key:
        def __init__(self, name):
            self.name = name

        def __hash__(self):
            return 1

        def __eq__(self, other):
            if not busy:
                busy.append(True)
                inner.append(mod.dict_items(d, 2, None))
                busy.pop()
            return self is other
    busy = [True]
    inner = []
    d = {Key(i): i for i in range(5)}
    busy.pop()
    assert [value for _, value in mod.dict_items(d, 0, None)] == list(range(5))
    assert all(values == list(range(5)) for values in inner)


def test_dict_next_cursor_out_of_range_ends(mod):
    assert mod.dict_next_at({"a": 1}, 0) == 1
    assert mod.dict_next_at({"a": 1}, -1) == 0
    assert mod.dict_next_at({"a": 1}, MAX) == 0
    assert mod.dict_next_at({}, 0) == 0


def test_dict_next_errors(mod):
    for bad in ([("a", 1)], None, 1, type("M", (), {"keys": lambda self: []})()):
        with pytest.raises(SystemError, match=f"HPyDict_Next requires a dict, not "
                                              f"{type(bad).__name__}"):
            mod.dict_items(bad, 0, None)
    with pytest.raises(SystemError, match="HPyDict_Next requires a dict, not HPy_NULL"):
        mod.dict_next_bad({}, 0)
    with pytest.raises(SystemError, match="HPyDict_Next: pos is NULL"):
        mod.dict_next_bad({"a": 1}, 1)


def test_dict_next_sees_values_changed_during_the_iteration(mod):
    d = {"a": 1, "b": 2, "c": 3}

    def bump_next(d, key):
        keys = list(d)
        if keys.index(key) + 1 < len(keys):
            d[keys[keys.index(key) + 1]] = "changed"
    assert mod.dict_items(d, 0, bump_next) == [("a", 1), ("b", "changed"), ("c", "changed")]


@pytest.mark.parametrize("change", ["delete_next", "delete_self", "clear", "insert",
                                    "rebuild"])
def test_dict_next_survives_keys_changed_during_the_iteration(mod, change):
    """Adding or removing keys while iterating is the caller's error, as with
    PyDict_Next: items may be skipped or repeated, but nothing crashes and every item
    given is one the dict held at that moment."""
    d = {i: str(i) for i in range(20)}
    seen = {}

    def mutate(d, key):
        seen[key] = d.get(key)
        if change == "delete_next":
            d.pop(key + 1, None)
        elif change == "delete_self":
            del d[key]
        elif change == "clear":
            d.clear()
        elif change == "insert" and len(d) < 200:
            d[1000 + key] = "new"
        elif change == "rebuild":
            saved = dict(d)
            d.clear()
            d.update(saved)
    items = mod.dict_items(d, 0, mutate)
    assert 0 < len(items) <= 1000
    for key, value in items:
        assert isinstance(key, int) and value in (str(key), "new")
    if change == "clear":
        assert items == [(0, "0")] and d == {}
    if change == "delete_next":
        assert [k for k, _ in items] == list(range(0, 20, 2))
