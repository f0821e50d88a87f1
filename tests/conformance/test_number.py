"""The number protocol: every operator, checked against the same operation in Python.

One module exposes each HPy operator under the name of its ``operator`` module twin;
the tests run both on the same operands and compare results, identity (for in-place
operators), side effects and errors, message included.
"""
import operator
import platform

import pytest

CPYTHON = platform.python_implementation() == "CPython"

BINARY = {
    "add": "HPy_Add", "sub": "HPy_Subtract", "mul": "HPy_Multiply",
    "matmul": "HPy_MatrixMultiply", "floordiv": "HPy_FloorDivide",
    "truediv": "HPy_TrueDivide", "mod": "HPy_Remainder", "divmod": "HPy_Divmod",
    "lshift": "HPy_Lshift", "rshift": "HPy_Rshift", "and_": "HPy_And", "xor": "HPy_Xor",
    "or_": "HPy_Or",
}
INPLACE = {
    "iadd": "HPy_InPlaceAdd", "isub": "HPy_InPlaceSubtract", "imul": "HPy_InPlaceMultiply",
    "imatmul": "HPy_InPlaceMatrixMultiply", "ifloordiv": "HPy_InPlaceFloorDivide",
    "itruediv": "HPy_InPlaceTrueDivide", "imod": "HPy_InPlaceRemainder",
    "ilshift": "HPy_InPlaceLshift", "irshift": "HPy_InPlaceRshift", "iand": "HPy_InPlaceAnd",
    "ixor": "HPy_InPlaceXor", "ior": "HPy_InPlaceOr",
}
TERNARY = {"pow": "HPy_Power", "ipow": "HPy_InPlacePower"}
UNARY = {
    "neg": "HPy_Negative", "pos": "HPy_Positive", "abs": "HPy_Absolute",
    "invert": "HPy_Invert", "index": "HPy_Index", "int": "HPy_Long", "float": "HPy_Float",
}

SOURCE = """
    /* Python sees NAME; the C symbol is op_NAME, clear of libc's pow and abs. */
    #define BINARY(NAME, FN)                                                        \\
        HPyDef_METH(op_##NAME, #NAME, HPyFunc_VARARGS)                              \\
        static HPy op_##NAME##_impl(HPyContext *ctx, HPy self, const HPy *args, size_t n) \\
        {                                                                           \\
            if (n != 2)                                                             \\
                return HPyErr_SetString(ctx, ctx->h_TypeError, "want 2 arguments"); \\
            return FN(ctx, args[0], args[1]);                                       \\
        }

    /* Two arguments pass ctx->h_None as the modulus, as two-argument pow() does. */
    #define TERNARY(NAME, FN)                                                       \\
        HPyDef_METH(op_##NAME, #NAME, HPyFunc_VARARGS)                              \\
        static HPy op_##NAME##_impl(HPyContext *ctx, HPy self, const HPy *args, size_t n) \\
        {                                                                           \\
            if (n != 2 && n != 3)                                                   \\
                return HPyErr_SetString(ctx, ctx->h_TypeError, "want 2 or 3");      \\
            return FN(ctx, args[0], args[1], n == 3 ? args[2] : ctx->h_None);       \\
        }

    #define UNARY(NAME, FN)                                                         \\
        HPyDef_METH(op_##NAME, #NAME, HPyFunc_O)                                    \\
        static HPy op_##NAME##_impl(HPyContext *ctx, HPy self, HPy arg)                   \\
        {                                                                           \\
            return FN(ctx, arg);                                                    \\
        }

    HPyDef_METH(check, "check", HPyFunc_O)
    static HPy check_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPyLong_FromLong(ctx, HPyNumber_Check(ctx, arg));
    }
    @EXPORT(check)
""" + "".join(
    f"{kind}({sym}, {fn})\n@EXPORT(op_{sym})\n"
    for kind, table in (("BINARY", BINARY), ("BINARY", INPLACE), ("TERNARY", TERNARY),
                        ("UNARY", UNARY))
    for sym, fn in table.items()
) + "@INIT\n"


def make(hpy):
    return hpy.make_module(SOURCE)


class Recorder:
    """Answers every operator with its dunder's name and the other operand."""

    def __repr__(self):
        return "Recorder()"


def _record(name):
    return lambda self, *other: (name, *other)


for _op in ("add sub mul matmul floordiv truediv mod divmod lshift rshift and xor or pow "
            "neg pos abs invert").split():
    for _dunder in (f"__{_op}__", f"__r{_op}__", f"__i{_op}__"):
        setattr(Recorder, _dunder, _record(_dunder))


class NoInPlace:
    """Has + but no +=, so += falls back on +."""

    def __add__(self, other):
        return ("__add__", other)

    def __repr__(self):
        return "NoInPlace()"


class DeclinesInPlace:
    def __ipow__(self, other):
        return NotImplemented

    def __pow__(self, *other):
        return ("__pow__", *other)


class Index:
    def __index__(self):
        return 7

    def __repr__(self):
        return "Index()"


def operands():
    """Fresh operand pairs (in-place operators mutate some of them)."""
    return [
        (7, 3), (-7, 3), (7, -3), (7.5, 2), (2, 0.5), (True, 3), (7, 0), (7.0, 0.0),
        (1, 100), (1, -1), (2 ** 70, 3), (0xF0, 0x3C),
        ([1], [2]), ([1, 2], 2), ("ab", 3), ("%s!", "x"), ((1,), (2,)),
        ({1, 2}, {2, 3}), ({"a": 1}, {"b": 2}),
        (1, "a"), (None, 1), ([1], 1.5), (Index(), 2),
        (Recorder(), 1), (1, Recorder()), (NoInPlace(), 5),
    ]


def outcome(fn, args):
    """What calling fn on args does: its result and whether it returned the first
    operand itself, or its exception; and the operands afterwards."""
    try:
        result = fn(*args)
    except Exception as e:
        got = ("raised", type(e), str(e))
    else:
        got = ("returned", type(result), result, result is args[0])
    return got, repr(args)


def check_against(c_fn, py_fn, cases):
    for c_args, py_args in cases:
        assert outcome(c_fn, c_args) == outcome(py_fn, py_args), (c_fn.__name__, py_args)


def paired_operands():
    return zip(operands(), operands())


@pytest.mark.parametrize("name", sorted(BINARY) + sorted(INPLACE))
def test_binary_and_inplace(hpy, name):
    py_fn = divmod if name == "divmod" else getattr(operator, name)
    check_against(getattr(make(hpy), name), py_fn, paired_operands())


def test_unsupported_operands(hpy):
    mod = make(hpy)
    with pytest.raises(TypeError, match=r"^unsupported operand type\(s\) for \+: 'int' and 'str'$"):
        mod.add(1, "a")
    with pytest.raises(TypeError, match=r"^unsupported operand type\(s\) for @: 'int' and 'int'$"):
        mod.matmul(1, 2)
    with pytest.raises(TypeError,
                       match=r"^unsupported operand type\(s\) for -=: 'list' and 'int'$"):
        mod.isub([1], 1)
    with pytest.raises(ZeroDivisionError):
        mod.floordiv(1, 0)


def test_inplace_mutates_the_list(hpy):
    mod = make(hpy)
    items = [1]
    assert mod.iadd(items, [2, 3]) is items
    assert mod.imul(items, 2) is items
    assert items == [1, 2, 3, 1, 2, 3]
    # The plain operators build a new list and leave the operands alone.
    total = mod.add(items, [4])
    assert total is not items and total == [1, 2, 3, 1, 2, 3, 4] and len(items) == 6


def test_inplace_falls_back_on_the_binary_operator(hpy):
    mod = make(hpy)
    number = 5
    assert mod.iadd(number, 3) == 8 and number == 5
    assert mod.iadd(NoInPlace(), 1) == ("__add__", 1)
    assert mod.iadd(Recorder(), 1) == ("__iadd__", 1)
    assert mod.ior(1, Recorder()) == ("__ror__", 1)


def test_power(hpy):
    mod = make(hpy)
    pairs = [(2, 10), (2, -1), (2.0, 0.5), (-8, 1 / 3), (0, -1), (0.0, -1), (2, "x"),
             (Recorder(), 3), (3, Recorder())]
    check_against(mod.pow, pow, [(args, args) for args in pairs])
    check_against(mod.ipow, operator.ipow, [(args, args) for args in pairs])
    triples = [(2, 10, 1000), (3, -1, 7), (2, 3, 0), (2.0, 3, 5), (2, 3, None)]
    check_against(mod.pow, pow, [(args, args) for args in triples + [(2, 3, "x")]])
    # **= has no modulus in Python: ints fall back on three-argument pow.
    check_against(mod.ipow, pow, [(args, args) for args in triples])
    with pytest.raises(TypeError):
        mod.ipow(2, 3, "x")
    assert mod.pow(Recorder(), 2, 5) == ("__pow__", 2, 5)
    # A Python-level __ipow__ takes no modulus; NotImplemented falls back on __pow__.
    assert mod.ipow(Recorder(), 2, 5) == ("__ipow__", 2)
    assert mod.ipow(DeclinesInPlace(), 2, 5) == ("__pow__", 2, 5)
    assert mod.ipow(DeclinesInPlace(), 2) == ("__pow__", 2)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary(hpy, name):
    py_fn = {"neg": operator.neg, "pos": operator.pos, "abs": abs, "invert": operator.invert,
             "index": operator.index, "int": int, "float": float}[name]
    values = [5, -5, 0, -2 ** 70, True, 2.5, -0.0, 1 + 2j, "12", " 1.5 ", "x", b"3", None,
              [1], Index(), Recorder()]
    check_against(getattr(make(hpy), name), py_fn, [((v,), (v,)) for v in values])


@pytest.mark.skipif(not CPYTHON, reason="the host words these errors its own way, in Python "
                                         "code too; test_unary and test_power compare with it")
def test_cpython_operator_messages(hpy):
    mod = make(hpy)
    with pytest.raises(TypeError, match=r"^unsupported operand type\(s\) for \*\*=: "
                                        r"'int', 'int', 'str'$"):
        mod.ipow(2, 3, "x")
    with pytest.raises(TypeError, match="^bad operand type for unary -: 'str'$"):
        mod.neg("a")
    with pytest.raises(TypeError, match=r"^bad operand type for abs\(\): 'str'$"):
        mod.abs("a")
    with pytest.raises(TypeError, match="^bad operand type for unary ~: 'float'$"):
        mod.invert(1.5)
    assert type(mod.index(True)) is int and mod.index(True) == 1


def test_conversions(hpy):
    mod = make(hpy)
    with pytest.raises(TypeError, match="^'float' object cannot be interpreted as an integer$"):
        mod.index(1.5)
    assert mod.index(2 ** 70) == 2 ** 70
    assert type(mod.int(True)) is int and mod.int(True) == 1
    assert mod.int(-2.9) == -2 and mod.int("  42 ") == 42
    assert type(mod.float(1)) is float and mod.float("1e3") == 1000.0
    with pytest.raises(ValueError):
        mod.int("4x2")


def test_number_check(hpy):
    check = make(hpy).check
    for yes in (1, 1.5, 1j, True, 2 ** 100, Index()):
        assert check(yes) == 1, yes
    for no in ("1", b"1", None, [1], object(), Recorder()):
        assert check(no) == 0, no
