"""The context's handle constants, HPy_Dup and HPy_Close, and the handle macros."""
import builtins
import gc
import platform
import sys
import weakref

import pytest

CONSTANTS = {
    "None": None, "True": True, "False": False, "NotImplemented": NotImplemented,
    "Ellipsis": Ellipsis, "Builtins": builtins.__dict__,
    "BaseObjectType": object, "TypeType": type, "BoolType": bool, "LongType": int,
    "FloatType": float, "UnicodeType": str, "TupleType": tuple, "ListType": list,
    "ComplexType": complex, "BytesType": bytes, "MemoryViewType": memoryview,
    "SliceType": slice, "DictType": dict, "SetType": set, "FrozenSetType": frozenset,
    "ByteArrayType": bytearray, "RangeType": range,
}
EXCEPTIONS = [
    "BaseException", "Exception", "StopAsyncIteration", "StopIteration", "GeneratorExit",
    "ArithmeticError", "LookupError", "AssertionError", "AttributeError", "BufferError",
    "EOFError", "FloatingPointError", "OSError", "ImportError", "ModuleNotFoundError",
    "IndexError", "KeyError", "KeyboardInterrupt", "MemoryError", "NameError",
    "OverflowError", "RuntimeError", "RecursionError", "NotImplementedError", "SyntaxError",
    "IndentationError", "TabError", "ReferenceError", "SystemError", "SystemExit",
    "TypeError", "UnboundLocalError", "UnicodeError", "UnicodeEncodeError",
    "UnicodeDecodeError", "UnicodeTranslateError", "ValueError", "ZeroDivisionError",
    "BlockingIOError", "BrokenPipeError", "ChildProcessError", "ConnectionError",
    "ConnectionAbortedError", "ConnectionRefusedError", "ConnectionResetError",
    "FileExistsError", "FileNotFoundError", "InterruptedError", "IsADirectoryError",
    "NotADirectoryError", "PermissionError", "ProcessLookupError", "TimeoutError",
    "Warning", "UserWarning", "DeprecationWarning", "PendingDeprecationWarning",
    "SyntaxWarning", "RuntimeWarning", "FutureWarning", "ImportWarning", "UnicodeWarning",
    "BytesWarning", "ResourceWarning",
]


def test_every_constant_is_its_object(hpy):
    names = list(CONSTANTS) + EXCEPTIONS + ["CapsuleType"]
    items = ", ".join(f"ctx->h_{name}" for name in names)
    mod = hpy.make_module(f"""
        HPyDef_METH(constants, "constants", HPyFunc_NOARGS)
        static HPy constants_impl(HPyContext *ctx, HPy self)
        {{
            HPy items[] = {{ {items} }};
            return HPyTuple_FromArray(ctx, items, sizeof items / sizeof items[0]);
        }}
        @EXPORT(constants)
        @INIT
    """)
    expected = dict(CONSTANTS)
    expected.update((name, getattr(builtins, name)) for name in EXCEPTIONS)
    got = dict(zip(names, mod.constants()))
    for name in expected:
        assert got[name] is expected[name], f"ctx->h_{name}"
    # Python exposes no capsule type to compare with (types.CapsuleType is 3.13+).
    assert isinstance(got["CapsuleType"], type)
    assert got["CapsuleType"].__name__ == "PyCapsule"


HANDLES_SOURCE = """
    static HPy held[16];
    static int n_held;

    HPyDef_METH(dup_handle, "dup", HPyFunc_O)
    static HPy dup_handle_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        return HPy_Dup(ctx, obj);
    }
    HPyDef_METH(hold, "hold", HPyFunc_O)
    static HPy hold_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        if (n_held == 16)
            return HPyErr_SetString(ctx, ctx->h_RuntimeError, "holding too many");
        held[n_held++] = HPy_Dup(ctx, obj);
        return HPy_Dup(ctx, ctx->h_None);
    }
    HPyDef_METH(release, "release", HPyFunc_NOARGS)
    static HPy release_impl(HPyContext *ctx, HPy self)
    {
        while (n_held > 0)
            HPy_Close(ctx, held[--n_held]);
        return HPy_Dup(ctx, ctx->h_None);
    }
    HPyDef_METH(close_null, "close_null", HPyFunc_NOARGS)
    static HPy close_null_impl(HPyContext *ctx, HPy self)
    {
        HPy_Close(ctx, HPy_NULL);
        return HPyBool_FromBool(ctx, HPy_IsNull(HPy_NULL) && !HPy_IsNull(ctx->h_None));
    }
    HPyDef_METH(through_void_p, "through_void_p", HPyFunc_O)
    static HPy through_void_p_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        void *p = HPy_AsVoidP(obj);
        return HPy_Dup(ctx, HPy_FromVoidP(p));
    }
    @EXPORT(dup_handle)
    @EXPORT(hold)
    @EXPORT(release)
    @EXPORT(close_null)
    @EXPORT(through_void_p)
    @INIT
"""


def test_dup_is_the_same_object(hpy):
    mod = hpy.make_module(HANDLES_SOURCE)
    obj = object()
    assert mod.dup(obj) is obj
    assert mod.through_void_p(obj) is obj


def test_close_of_null_does_nothing(hpy):
    assert hpy.make_module(HANDLES_SOURCE).close_null() is True


@pytest.mark.skipif(platform.python_implementation() != "CPython",
                    reason="sys.getrefcount exists on CPython only")
def test_dup_and_close_count_references(hpy):
    mod = hpy.make_module(HANDLES_SOURCE)
    obj = object()
    base = sys.getrefcount(obj)
    mod.hold(obj)
    mod.hold(obj)
    assert sys.getrefcount(obj) == base + 2
    mod.release()
    assert sys.getrefcount(obj) == base


def test_a_handle_keeps_its_object_alive_until_closed(hpy):
    mod = hpy.make_module(HANDLES_SOURCE)

    class Thing:
        pass

    obj = Thing()
    ref = weakref.ref(obj)
    mod.hold(obj)
    del obj
    gc.collect()
    assert ref() is not None
    mod.release()
    gc.collect()
    assert ref() is None
