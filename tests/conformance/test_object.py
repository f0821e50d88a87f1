"""The object protocol: attributes, items, containment, length, type, identity, string
conversions, comparison, hashing and truth. Errors must be the host's own: each error
case is checked against what the same operation raises when Python code does it."""
import operator
import sys

import pytest

# Every function is VARARGS; `_s` variants take the name or key as a str and pass its
# UTF-8; int results come back as Python ints, and -1 with an exception raises.
SOURCE = r"""
    #define METH(NAME, ...)                                                        \
        HPyDef_METH(NAME, #NAME, HPyFunc_VARARGS)                                  \
        static HPy NAME##_impl(HPyContext *ctx, HPy self, const HPy *args,         \
                               size_t nargs) { __VA_ARGS__ }
    #define UTF8(h) HPyUnicode_AsUTF8AndSize(ctx, (h), NULL)
    #define SSIZE(h) HPyLong_AsSsize_t(ctx, (h))

    static HPy int_result(HPyContext *ctx, HPy_ssize_t value)
    {
        if (value == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyLong_FromSsize_t(ctx, value);
    }

    METH(getattr_, return HPy_GetAttr(ctx, args[0], args[1]);)
    METH(getattr_s, return HPy_GetAttr_s(ctx, args[0], UTF8(args[1]));)
    METH(hasattr_, return int_result(ctx, HPy_HasAttr(ctx, args[0], args[1]));)
    METH(hasattr_s, return int_result(ctx, HPy_HasAttr_s(ctx, args[0], UTF8(args[1])));)
    METH(setattr_, return int_result(ctx, HPy_SetAttr(ctx, args[0], args[1], args[2]));)
    METH(setattr_s, return int_result(ctx, HPy_SetAttr_s(ctx, args[0], UTF8(args[1]), args[2]));)
    METH(setattr_null, return int_result(ctx, HPy_SetAttr(ctx, args[0], args[1], HPy_NULL));)
    METH(setattr_s_null,
         return int_result(ctx, HPy_SetAttr_s(ctx, args[0], UTF8(args[1]), HPy_NULL));)
    METH(delattr_, return int_result(ctx, HPy_DelAttr(ctx, args[0], args[1]));)
    METH(delattr_s, return int_result(ctx, HPy_DelAttr_s(ctx, args[0], UTF8(args[1])));)

    METH(getitem, return HPy_GetItem(ctx, args[0], args[1]);)
    METH(getitem_i, return HPy_GetItem_i(ctx, args[0], SSIZE(args[1]));)
    METH(getitem_s, return HPy_GetItem_s(ctx, args[0], UTF8(args[1]));)
    METH(setitem, return int_result(ctx, HPy_SetItem(ctx, args[0], args[1], args[2]));)
    METH(setitem_i, return int_result(ctx, HPy_SetItem_i(ctx, args[0], SSIZE(args[1]), args[2]));)
    METH(setitem_s, return int_result(ctx, HPy_SetItem_s(ctx, args[0], UTF8(args[1]), args[2]));)
    METH(setitem_null, return int_result(ctx, HPy_SetItem(ctx, args[0], args[1], HPy_NULL));)
    METH(setitem_i_null, return int_result(ctx, HPy_SetItem_i(ctx, args[0], SSIZE(args[1]),
                                                              HPy_NULL));)
    METH(setitem_s_null, return int_result(ctx, HPy_SetItem_s(ctx, args[0], UTF8(args[1]),
                                                              HPy_NULL));)
    METH(delitem, return int_result(ctx, HPy_DelItem(ctx, args[0], args[1]));)
    METH(delitem_i, return int_result(ctx, HPy_DelItem_i(ctx, args[0], SSIZE(args[1])));)
    METH(delitem_s, return int_result(ctx, HPy_DelItem_s(ctx, args[0], UTF8(args[1])));)

    METH(contains, return int_result(ctx, HPy_Contains(ctx, args[0], args[1]));)
    METH(length, return int_result(ctx, HPy_Length(ctx, args[0]));)
    METH(type_, return HPy_Type(ctx, args[0]);)
    METH(typecheck,
         int res = HPy_TypeCheck(ctx, args[0], args[1]);
         if (res == 0 && HPyErr_Occurred(ctx))
             return HPy_NULL;
         return HPyLong_FromLong(ctx, res);)
    METH(is_, return int_result(ctx, HPy_Is(ctx, args[0], args[1]));)
    METH(repr_, return HPy_Repr(ctx, args[0]);)
    METH(str_, return HPy_Str(ctx, args[0]);)
    METH(ascii_, return HPy_ASCII(ctx, args[0]);)
    METH(bytes_, return HPy_Bytes(ctx, args[0]);)
    METH(richcompare,
         return HPy_RichCompare(ctx, args[0], args[1], (int)HPyLong_AsLong(ctx, args[2]));)
    METH(richcomparebool, return int_result(ctx, HPy_RichCompareBool(ctx, args[0], args[1],
                                                  (int)HPyLong_AsLong(ctx, args[2])));)
    METH(hash_, return int_result(ctx, HPy_Hash(ctx, args[0]));)
    METH(istrue, return int_result(ctx, HPy_IsTrue(ctx, args[0]));)

    @EXPORT(getattr_)
    @EXPORT(getattr_s)
    @EXPORT(hasattr_)
    @EXPORT(hasattr_s)
    @EXPORT(setattr_)
    @EXPORT(setattr_s)
    @EXPORT(setattr_null)
    @EXPORT(setattr_s_null)
    @EXPORT(delattr_)
    @EXPORT(delattr_s)
    @EXPORT(getitem)
    @EXPORT(getitem_i)
    @EXPORT(getitem_s)
    @EXPORT(setitem)
    @EXPORT(setitem_i)
    @EXPORT(setitem_s)
    @EXPORT(setitem_null)
    @EXPORT(setitem_i_null)
    @EXPORT(setitem_s_null)
    @EXPORT(delitem)
    @EXPORT(delitem_i)
    @EXPORT(delitem_s)
    @EXPORT(contains)
    @EXPORT(length)
    @EXPORT(type_)
    @EXPORT(typecheck)
    @EXPORT(is_)
    @EXPORT(repr_)
    @EXPORT(str_)
    @EXPORT(ascii_)
    @EXPORT(bytes_)
    @EXPORT(richcompare)
    @EXPORT(richcomparebool)
    @EXPORT(hash_)
    @EXPORT(istrue)
    @INIT
"""

LT, LE, EQ, NE, GT, GE = range(6)
OPERATORS = [operator.lt, operator.le, operator.eq, operator.ne, operator.gt, operator.ge]


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def raises_like(call, python_equivalent):
    """``call()`` raises the very exception type and message ``python_equivalent()`` does."""
    with pytest.raises(Exception) as expected:
        python_equivalent()
    with pytest.raises(Exception) as got:
        call()
    assert type(got.value) is type(expected.value)
    assert str(got.value) == str(expected.value)
    return got.value


class Thing:
    cls_attr = "class"

    @property
    def broken(self):
        raise RuntimeError("broken property")


def test_getattr(mod):
    obj = Thing()
    obj.x = 1
    assert mod.getattr_(obj, "x") == 1
    assert mod.getattr_s(obj, "cls_attr") == "class"
    assert mod.getattr_s(obj, "__class__") is Thing
    raises_like(lambda: mod.getattr_(obj, "missing"), lambda: obj.missing)
    raises_like(lambda: mod.getattr_s(obj, "missing"), lambda: obj.missing)
    with pytest.raises(TypeError, match="^attribute name must be string, not 'int'$"):
        mod.getattr_(obj, 42)
    with pytest.raises(RuntimeError, match="broken property"):
        mod.getattr_s(obj, "broken")


def test_hasattr(mod):
    obj = Thing()
    assert mod.hasattr_(obj, "cls_attr") == 1
    assert mod.hasattr_s(obj, "cls_attr") == 1
    assert mod.hasattr_(obj, "missing") == 0
    assert mod.hasattr_s(obj, "missing") == 0
    # Errors while looking up count as "no", and leave no exception behind.
    assert mod.hasattr_(obj, "broken") == 0
    assert mod.hasattr_s(obj, "broken") == 0
    assert mod.hasattr_(obj, 42) == 0


def test_setattr_and_delattr(mod):
    obj = Thing()
    assert mod.setattr_(obj, "a", 1) == 0
    assert mod.setattr_s(obj, "b", 2) == 0
    assert (obj.a, obj.b) == (1, 2)
    assert mod.delattr_(obj, "a") == 0
    assert mod.delattr_s(obj, "b") == 0
    assert not hasattr(obj, "a") and not hasattr(obj, "b")
    obj.c = obj.d = 3
    assert mod.setattr_null(obj, "c") == 0
    assert mod.setattr_s_null(obj, "d") == 0
    assert not hasattr(obj, "c") and not hasattr(obj, "d")

    raises_like(lambda: mod.setattr_(1, "a", 2), lambda: setattr(1, "a", 2))
    raises_like(lambda: mod.setattr_s(1, "a", 2), lambda: setattr(1, "a", 2))
    for call in [lambda: mod.setattr_(obj, 42, 2), lambda: mod.delattr_(obj, 42)]:
        with pytest.raises(TypeError, match="^attribute name must be string, not 'int'$"):
            call()
    raises_like(lambda: mod.delattr_(obj, "missing"), lambda: delattr(obj, "missing"))
    raises_like(lambda: mod.delattr_s(obj, "missing"), lambda: delattr(obj, "missing"))
    raises_like(lambda: mod.setattr_null(obj, "missing"), lambda: delattr(obj, "missing"))
    raises_like(lambda: mod.setattr_s_null(obj, "missing"), lambda: delattr(obj, "missing"))


def test_getitem(mod):
    seq, mapping = ["a", "b", "c"], {"k": "v", 1: "one", -1: "minus one"}
    assert mod.getitem(seq, 1) == "b"
    assert mod.getitem(mapping, "k") == "v"
    assert mod.getitem_i(seq, -1) == "c"
    assert mod.getitem_i(mapping, 1) == "one"
    assert mod.getitem_i(mapping, -1) == "minus one"
    assert mod.getitem_s(mapping, "k") == "v"
    raises_like(lambda: mod.getitem(seq, 3), lambda: seq[3])
    raises_like(lambda: mod.getitem_i(seq, 3), lambda: seq[3])
    raises_like(lambda: mod.getitem(mapping, "missing"), lambda: mapping["missing"])
    raises_like(lambda: mod.getitem_s(mapping, "missing"), lambda: mapping["missing"])
    raises_like(lambda: mod.getitem_i(mapping, 5), lambda: mapping[5])
    raises_like(lambda: mod.getitem_s(seq, "k"), lambda: seq["k"])
    number = 42
    raises_like(lambda: mod.getitem(number, 0), lambda: number[0])
    raises_like(lambda: mod.getitem_i(number, 0), lambda: number[0])
    raises_like(lambda: mod.getitem(mapping, []), lambda: mapping[[]])


@pytest.mark.parametrize("kind", [list, tuple])
def test_getitem_i_on_lists_and_tuples(mod, kind):
    class Shifted(kind):
        def __getitem__(self, i):
            return ("shifted", i)

    seq = kind(["a", "b", "c"])
    assert [mod.getitem_i(seq, i) for i in range(-3, 3)] == [seq[i] for i in range(-3, 3)]
    assert mod.getitem_i(seq, 0) is seq[0]
    for i in (3, -4, sys.maxsize, -sys.maxsize - 1):
        raises_like(lambda: mod.getitem_i(seq, i), lambda: seq[i])
    raises_like(lambda: mod.getitem_i(kind(), 0), lambda: kind()[0])
    assert mod.getitem_i(Shifted(seq), 1) == ("shifted", 1)


def test_setitem(mod):
    seq, mapping = [0, 0], {}
    assert mod.setitem(seq, 0, "a") == 0
    assert mod.setitem_i(seq, -1, "b") == 0
    assert seq == ["a", "b"]
    assert mod.setitem(mapping, (1, 2), "t") == 0
    assert mod.setitem_i(mapping, 7, "seven") == 0
    assert mod.setitem_s(mapping, "k", "v") == 0
    assert mapping == {(1, 2): "t", 7: "seven", "k": "v"}

    def assign(obj, key):
        obj[key] = "x"

    raises_like(lambda: mod.setitem_i(seq, 2, "x"), lambda: assign(seq, 2))
    raises_like(lambda: mod.setitem(seq, "k", "x"), lambda: assign(seq, "k"))
    raises_like(lambda: mod.setitem_s(seq, "k", "x"), lambda: assign(seq, "k"))
    raises_like(lambda: mod.setitem((1,), 0, "x"), lambda: assign((1,), 0))
    raises_like(lambda: mod.setitem(mapping, [], "x"), lambda: assign(mapping, []))
    for call, key in [(mod.setitem_null, 0), (mod.setitem_i_null, 0), (mod.setitem_s_null, "k")]:
        with pytest.raises(SystemError, match="^null argument to internal routine$"):
            call(mapping, key)


def test_delitem(mod):
    seq, mapping = ["a", "b", "c", "d"], {"k": 1, 2: 2, "s": 3}
    assert mod.delitem(seq, 0) == 0
    assert mod.delitem_i(seq, -1) == 0
    assert seq == ["b", "c"]
    assert mod.delitem(mapping, "k") == 0
    assert mod.delitem_i(mapping, 2) == 0
    assert mod.delitem_s(mapping, "s") == 0
    assert mapping == {}

    def delete(obj, key):
        del obj[key]

    raises_like(lambda: mod.delitem_i(seq, 5), lambda: delete(seq, 5))
    raises_like(lambda: mod.delitem_i(seq, -3), lambda: delete(seq, -3))
    raises_like(lambda: mod.delitem(seq, 5), lambda: delete(seq, 5))
    raises_like(lambda: mod.delitem(mapping, "k"), lambda: delete(mapping, "k"))
    raises_like(lambda: mod.delitem_s(mapping, "k"), lambda: delete(mapping, "k"))
    raises_like(lambda: mod.delitem_i(mapping, 2), lambda: delete(mapping, 2))
    raises_like(lambda: mod.delitem_s("abc", "k"), lambda: delete("abc", "k"))
    raises_like(lambda: mod.delitem_i((1,), 0), lambda: delete((1,), 0))


def test_contains(mod):
    assert mod.contains([1, 2], 2) == 1
    assert mod.contains([1, 2], 3) == 0
    assert mod.contains({"k": 1}, "k") == 1
    assert mod.contains("hello", "ell") == 1
    raises_like(lambda: mod.contains(42, 1), lambda: 1 in 42)
    raises_like(lambda: mod.contains({}, []), lambda: [] in {})
    raises_like(lambda: mod.contains("abc", 1), lambda: 1 in "abc")


def test_length(mod):
    assert mod.length([1, 2, 3]) == 3
    assert mod.length({}) == 0
    assert mod.length("héllo") == 5
    raises_like(lambda: mod.length(42), lambda: len(42))


def test_type_and_typecheck(mod):
    class Sub(Thing):
        pass

    class Meta(type):
        def __instancecheck__(cls, obj):
            return True

    Lenient = Meta("Lenient", (), {})
    assert mod.type_(Sub()) is Sub
    assert mod.type_(Sub) is type
    assert mod.type_(None) is type(None)
    assert mod.typecheck(Sub(), Sub) == 1
    assert mod.typecheck(Sub(), Thing) == 1
    assert mod.typecheck(Sub(), object) == 1
    assert mod.typecheck(Thing(), Sub) == 0
    assert mod.typecheck(True, int) == 1
    assert isinstance(1, Lenient)
    assert mod.typecheck(1, Lenient) == 0  # __instancecheck__ is not consulted


@pytest.mark.hpy_undefined
def test_typecheck_with_a_non_type(mod):
    with pytest.raises(TypeError, match=r"^HPy_TypeCheck\(\) arg 2 must be a type, not int$"):
        mod.typecheck(1, 2)


def test_is(mod):
    obj = Thing()
    assert mod.is_(obj, obj) == 1
    assert mod.is_(obj, Thing()) == 0
    assert mod.is_(None, None) == 1
    assert mod.is_([], []) == 0


def test_string_conversions(mod):
    class Custom:
        def __repr__(self):
            return "Custom(é)"

        def __bytes__(self):
            return b"custom bytes"

    for obj in [42, "héllo\n", [1, "€"], Custom(), b"by\xfftes"]:
        assert mod.repr_(obj) == repr(obj)
        assert mod.str_(obj) == str(obj)
        assert mod.ascii_(obj) == ascii(obj)
    assert mod.bytes_(Custom()) == b"custom bytes"
    assert mod.bytes_(b"abc") == b"abc"
    assert mod.bytes_(bytearray(b"xy")) == b"xy"
    assert mod.bytes_([1, 2]) == b"\x01\x02"
    assert mod.bytes_(memoryview(b"mv")) == b"mv"
    # Unlike bytes(), the C API has no int or str special case.
    with pytest.raises(TypeError, match="^cannot convert 'int' object to bytes$"):
        mod.bytes_(3)
    with pytest.raises(TypeError, match="^cannot convert 'str' object to bytes$"):
        mod.bytes_("text")

    class BadRepr:
        def __repr__(self):
            raise ValueError("no repr")

    with pytest.raises(ValueError, match="no repr"):
        mod.repr_(BadRepr())
    with pytest.raises(ValueError, match="no repr"):
        mod.ascii_(BadRepr())
    with pytest.raises(ValueError, match="no repr"):
        mod.str_(BadRepr())


def test_richcompare(mod):
    for a, b in [(1, 2), (2, 2), (3, 2), ("a", "b"), ((1, 2), (1,))]:
        for op, py_op in enumerate(OPERATORS):
            assert mod.richcompare(a, b, op) is py_op(a, b)
            assert mod.richcomparebool(a, b, op) == int(py_op(a, b))

    class Odd:
        def __lt__(self, other):
            return "yes"

        def __eq__(self, other):
            return []

    assert mod.richcompare(Odd(), 1, LT) == "yes"
    assert mod.richcomparebool(Odd(), 1, LT) == 1
    assert mod.richcompare(Odd(), 1, EQ) == []
    assert mod.richcomparebool(Odd(), 1, EQ) == 0
    # Identity implies equality for RichCompareBool, even for nan.
    nan = float("nan")
    assert mod.richcompare(nan, nan, EQ) is False
    assert mod.richcomparebool(nan, nan, EQ) == 1
    assert mod.richcomparebool(nan, nan, NE) == 0

    raises_like(lambda: mod.richcompare(1, "a", LT), lambda: 1 < "a")
    raises_like(lambda: mod.richcomparebool(1, "a", GE), lambda: 1 >= "a")
    for op in [-1, 6]:
        with pytest.raises(SystemError, match="^bad argument to internal function$"):
            mod.richcompare(1, 2, op)
        with pytest.raises(SystemError, match="^bad argument to internal function$"):
            mod.richcomparebool(1, 2, op)


@pytest.mark.refleaks_skip("CPython 3.11's slot_tp_hash leaks what a __hash__ returns "
                           "when it is not an int")
def test_hash(mod):
    for obj in ["text", 12345, (1, "a"), None, 2 ** 100, -1, frozenset({1})]:
        assert mod.hash_(obj) == hash(obj)
    assert mod.hash_(-1) == -2
    raises_like(lambda: mod.hash_([]), lambda: hash([]))
    raises_like(lambda: mod.hash_({}), lambda: hash({}))

    class BadHash:
        def __hash__(self):
            return "nope"

    raises_like(lambda: mod.hash_(BadHash()), lambda: hash(BadHash()))


def test_istrue(mod):
    for obj in [0, 1, "", "x", [], [0], None, 0.0, object()]:
        assert mod.istrue(obj) == int(bool(obj))

    class BadBool:
        def __bool__(self):
            return 1

    class BadLen:
        def __len__(self):
            return -1

    raises_like(lambda: mod.istrue(BadBool()), lambda: bool(BadBool()))
    raises_like(lambda: mod.istrue(BadLen()), lambda: bool(BadLen()))
