"""Calls: HPyCallable_Check, HPy_CallTupleDict, HPy_Call and HPy_CallMethod."""
import pytest

# Python None stands for HPy_NULL. call(f, args, kwnames) and
# call_method(name, args, kwnames) pass the items of the tuple `args` as the vectorcall
# array: the positional arguments, then one value per name in `kwnames`.
SOURCE = r"""
    #define MAX_ARGS 8
    #define HANDLE(h) (HPy_Is(ctx, (h), ctx->h_None) ? HPy_NULL : (h))

    static HPy_ssize_t unpack(HPyContext *ctx, HPy tuple, HPy *items)
    {
        HPy_ssize_t n = HPy_Length(ctx, tuple);
        if (n > MAX_ARGS) {
            HPyErr_SetString(ctx, ctx->h_ValueError, "too many arguments for the test");
            return -1;
        }
        for (HPy_ssize_t i = 0; i < n; i++)
            items[i] = HPy_GetItem_i(ctx, tuple, i);
        return n;
    }

    static void close_all(HPyContext *ctx, HPy *items, HPy_ssize_t n)
    {
        for (HPy_ssize_t i = 0; i < n; i++)
            HPy_Close(ctx, items[i]);
    }

    static size_t n_positional(HPyContext *ctx, HPy_ssize_t n, HPy kwnames)
    {
        if (HPy_IsNull(kwnames) || !HPyTuple_Check(ctx, kwnames))
            return (size_t)n;
        return (size_t)(n - HPy_Length(ctx, kwnames));
    }

    HPyDef_METH(callable_check, "callable_check", HPyFunc_O)
    static HPy callable_check_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        return HPyLong_FromLong(ctx, HPyCallable_Check(ctx, obj));
    }

    HPyDef_METH(call_tuple_dict, "call_tuple_dict", HPyFunc_VARARGS)
    static HPy call_tuple_dict_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPy_CallTupleDict(ctx, args[0], HANDLE(args[1]), HANDLE(args[2]));
    }

    HPyDef_METH(call, "call", HPyFunc_VARARGS)
    static HPy call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy items[MAX_ARGS];
        HPy_ssize_t n = unpack(ctx, args[1], items);
        if (n < 0)
            return HPy_NULL;
        HPy kwnames = HANDLE(args[2]);
        HPy result = HPy_Call(ctx, args[0], n ? items : NULL, n_positional(ctx, n, kwnames),
                              kwnames);
        close_all(ctx, items, n);
        return result;
    }

    HPyDef_METH(call_method, "call_method", HPyFunc_VARARGS)
    static HPy call_method_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy items[MAX_ARGS];
        HPy_ssize_t n = unpack(ctx, args[1], items);
        if (n < 0)
            return HPy_NULL;
        HPy kwnames = HANDLE(args[2]);
        HPy result = HPy_CallMethod(ctx, args[0], n ? items : NULL,
                                    n_positional(ctx, n, kwnames), kwnames);
        close_all(ctx, items, n);
        return result;
    }

    @EXPORT(callable_check)
    @EXPORT(call_tuple_dict)
    @EXPORT(call)
    @EXPORT(call_method)
    @INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def echo(*args, **kwargs):
    return args, kwargs


class Receiver:
    def method(self, *args, **kwargs):
        return self, args, kwargs


def test_callable_check(mod):
    class WithCall:
        def __call__(self):
            pass

    for obj in [echo, len, Receiver, Receiver().method, WithCall()]:
        assert mod.callable_check(obj) == 1
    for obj in [1, "echo", None, Receiver()]:
        assert mod.callable_check(obj) == 0


def test_call_tuple_dict(mod):
    assert mod.call_tuple_dict(echo, None, None) == ((), {})
    assert mod.call_tuple_dict(echo, (1, 2), None) == ((1, 2), {})
    assert mod.call_tuple_dict(echo, None, {"a": 1}) == ((), {"a": 1})
    assert mod.call_tuple_dict(echo, (1,), {"a": 1}) == ((1,), {"a": 1})
    assert mod.call_tuple_dict(len, ("abc",), None) == 3
    assert mod.call_tuple_dict(dict, (), {"x": 1}) == {"x": 1}


def test_call_tuple_dict_errors(mod):
    with pytest.raises(TypeError, match="^HPy_CallTupleDict requires args to be a tuple "
                                        "or null handle$"):
        mod.call_tuple_dict(echo, [1], None)
    with pytest.raises(TypeError, match="^HPy_CallTupleDict requires kw to be a dict "
                                        "or null handle$"):
        mod.call_tuple_dict(echo, (), [("a", 1)])
    with pytest.raises(TypeError) as expected:
        len()
    with pytest.raises(TypeError) as got:
        mod.call_tuple_dict(len, None, None)
    assert str(got.value) == str(expected.value)
    with pytest.raises(TypeError, match="'int' object is not callable"):
        mod.call_tuple_dict(1, None, None)
    with pytest.raises(ZeroDivisionError):
        mod.call_tuple_dict(lambda: 1 / 0, None, None)


def test_call(mod):
    assert mod.call(echo, (), None) == ((), {})
    assert mod.call(echo, (1, "two"), None) == ((1, "two"), {})
    assert mod.call(echo, (1, 2, 3), ("b", "c")) == ((1,), {"b": 2, "c": 3})
    assert mod.call(echo, (1,), ()) == ((1,), {})
    assert mod.call(len, ("abcd",), None) == 4
    assert mod.call(dict, (5,), ("k",)) == {"k": 5}
    assert mod.call(Receiver, (), None).__class__ is Receiver


def test_call_errors(mod):
    with pytest.raises(TypeError, match="^HPy_Call requires kwnames to be a tuple "
                                        "or null handle$"):
        mod.call(echo, (1,), ["a"])
    with pytest.raises(TypeError, match="keywords must be strings"):
        mod.call(echo, (1,), (2,))
    with pytest.raises(TypeError, match="'int' object is not callable"):
        mod.call(1, (), None)
    with pytest.raises(TypeError) as expected:
        len("abc", x=1)
    with pytest.raises(TypeError) as got:
        mod.call(len, ("abc", 1), ("x",))
    assert str(got.value) == str(expected.value)
    with pytest.raises(ZeroDivisionError):
        mod.call(lambda: 1 / 0, (), None)


def test_call_method(mod):
    obj = Receiver()
    assert mod.call_method("method", (obj,), None) == (obj, (), {})
    assert mod.call_method("method", (obj, 1, 2), ("k",)) == (obj, (1,), {"k": 2})
    assert mod.call_method("upper", ("abc",), None) == "ABC"
    assert mod.call_method("split", ("a,b",), None) == ["a,b"]
    assert mod.call_method("split", ("a,b", ","), None) == ["a", "b"]
    assert mod.call_method("split", ("a,b,c", ",", 1), ("maxsplit",)) == ["a", "b,c"]
    # An instance attribute that holds a function is called without the receiver.
    obj.method = echo
    assert mod.call_method("method", (obj, 1), None) == ((1,), {})


def test_call_method_errors(mod):
    with pytest.raises(TypeError, match="^HPy_CallMethod requires the receiver in args\\[0\\]$"):
        mod.call_method("upper", (), None)
    with pytest.raises(TypeError, match="^HPy_CallMethod requires kwnames to be a tuple "
                                        "or null handle$"):
        mod.call_method("method", (Receiver(), 1), ["k"])
    with pytest.raises(AttributeError) as expected:
        (1).missing
    with pytest.raises(AttributeError) as got:
        mod.call_method("missing", (1,), None)
    assert str(got.value) == str(expected.value)
    with pytest.raises(TypeError, match="^attribute name must be string, not 'int'$"):
        mod.call_method(42, ("abc",), None)
