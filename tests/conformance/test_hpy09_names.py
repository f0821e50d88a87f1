"""Names HPy 0.9 offers that handlepy added later: evaluating code, fatal errors, dumping
an object, method calls with a tuple and a dict, errno errors, packing vectorcall
arguments, the rich-comparison macro, the accessor and slot macros, HPy_mod_create, the
ABI tag, and the function types and signatures HPy 0.9 declares."""
import errno
import operator
import os
import platform
import subprocess
import sys
import textwrap
import types

import pytest

from handlepy import _finder

SOURCE = r"""
#include <errno.h>

/* Expands to nothing without HPY_EMBEDDED_MODULES. */
HPY_MOD_EMBEDDABLE(hpy09)

HPyDef_METH(compile_s, "compile_s", HPyFunc_VARARGS)
static HPy compile_s_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    const char *source = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
    const char *filename = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
    if (source == NULL || filename == NULL)
        return HPy_NULL;
    return HPy_Compile_s(ctx, source, filename, (HPy_SourceKind)HPyLong_AsLong(ctx, args[2]));
}

HPyDef_METH(source_kinds, "source_kinds", HPyFunc_NOARGS)
static HPy source_kinds_impl(HPyContext *ctx, HPy self)
{
    return HPy_BuildValue(ctx, "(iii)", (int)HPy_SourceKind_Expr, (int)HPy_SourceKind_File,
                          (int)HPy_SourceKind_Single);
}

/* eval_code(code, globals[, locals]): without locals, HPy_NULL is passed. */
HPyDef_METH(eval_code, "eval_code", HPyFunc_VARARGS)
static HPy eval_code_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    return HPy_EvalCode(ctx, args[0], args[1], nargs > 2 ? args[2] : HPy_NULL);
}

/* The pending exception survives a dump. */
HPyDef_METH(dump, "dump", HPyFunc_O)
static HPy dump_impl(HPyContext *ctx, HPy self, HPy obj)
{
    HPyErr_SetString(ctx, ctx->h_KeyError, "kept across the dump");
    _HPy_Dump(ctx, obj);
    return HPy_NULL;
}

/* call_method(name, receiver, args, kw): name a str uses the handle form, bytes the _s one;
 * None for args or kw passes HPy_NULL. */
HPyDef_METH(call_method, "call_method", HPyFunc_VARARGS)
static HPy call_method_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy targs = HPy_Is(ctx, args[2], ctx->h_None) ? HPy_NULL : args[2];
    HPy kw = HPy_Is(ctx, args[3], ctx->h_None) ? HPy_NULL : args[3];
    if (HPyBytes_Check(ctx, args[0]))
        return HPy_CallMethodTupleDict_s(ctx, HPyBytes_AsString(ctx, args[0]), args[1], targs, kw);
    return HPy_CallMethodTupleDict(ctx, args[0], args[1], targs, kw);
}

/* errno_error(code, type[, filename]) */
HPyDef_METH(errno_error, "errno_error", HPyFunc_VARARGS)
static HPy errno_error_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    int code = (int)HPyLong_AsLong(ctx, args[0]);
    errno = code;
    if (nargs > 2)
        return HPyErr_SetFromErrnoWithFilenameObject(ctx, args[1], args[2]);
    return HPyErr_SetFromErrno(ctx, args[1]);
}

/* pack(*args, **kwargs) -> (tuple or None, dict or None) */
HPyDef_METH(pack, "pack", HPyFunc_KEYWORDS)
static HPy pack_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    HPy tuple = ctx->h_True, kwd = ctx->h_True;
    if (!HPyHelpers_PackArgsAndKeywords(ctx, args, nargs, kwnames, &tuple, &kwd))
        return HPy_NULL;
    HPy result = HPy_BuildValue(ctx, "(OO)", HPy_IsNull(tuple) ? ctx->h_None : tuple,
                                HPy_IsNull(kwd) ? ctx->h_None : kwd);
    HPy_Close(ctx, tuple);
    HPy_Close(ctx, kwd);
    return result;
}

/* An output pointer of NULL is refused, and nothing is written. */
HPyDef_METH(pack_null_output, "pack_null_output", HPyFunc_NOARGS)
static HPy pack_null_output_impl(HPyContext *ctx, HPy self)
{
    HPy tuple = ctx->h_True;
    if (HPyHelpers_PackArgsAndKeywords(ctx, NULL, 0, HPy_NULL, &tuple, NULL))
        return HPyErr_SetString(ctx, ctx->h_AssertionError, "a NULL output was accepted");
    if (!HPy_Is(ctx, tuple, ctx->h_True))
        return HPyErr_SetString(ctx, ctx->h_AssertionError, "an output was written");
    return HPy_NULL;
}

HPyDef_METH(ssize_limits, "ssize_limits", HPyFunc_NOARGS)
static HPy ssize_limits_impl(HPyContext *ctx, HPy self)
{
    return HPy_BuildValue(ctx, "(nn)", (HPy_ssize_t)HPY_SSIZE_T_MIN,
                          (HPy_ssize_t)HPY_SSIZE_T_MAX);
}

HPyDef_METH(abi_tag, "abi_tag", HPyFunc_NOARGS)
static HPy abi_tag_impl(HPyContext *ctx, HPy self)
{
    return HPyUnicode_FromString(ctx, HPY_ABI_TAG);
}

HPyDef_METH(pid_roundtrip, "pid_roundtrip", HPyFunc_O)
static HPy pid_roundtrip_impl(HPyContext *ctx, HPy self, HPy arg)
{
    return HPyLong_FromPid(ctx, HPyLong_AsPid(ctx, arg));
}

HPyDef_METH(pid_parse, "pid_parse", HPyFunc_VARARGS)
static HPy pid_parse_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    long long pid_value = 0;
    switch (_HPy_PARSE_PID[0]) {
    case 'i': {
        int v;
        if (!HPyArg_Parse(ctx, NULL, args, nargs, _HPy_PARSE_PID, &v))
            return HPy_NULL;
        pid_value = v;
        break;
    }
    case 'l': {
        long v;
        if (!HPyArg_Parse(ctx, NULL, args, nargs, _HPy_PARSE_PID, &v))
            return HPy_NULL;
        pid_value = v;
        break;
    }
    default: {
        long long v;
        if (!HPyArg_Parse(ctx, NULL, args, nargs, _HPy_PARSE_PID, &v))
            return HPy_NULL;
        pid_value = v;
    }
    }
    return HPyLong_FromLongLong(ctx, pid_value);
}

/* A value type ordered by its C long: HPy_RETURN_RICHCOMPARE on two longs. */
typedef struct {
    long value;
} OrdObject;
HPyType_HELPERS(OrdObject)

HPyDef_SLOT(Ord_new, HPy_tp_new)
static HPy Ord_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    OrdObject *o;
    HPy h = HPy_New(ctx, cls, &o);
    if (!HPy_IsNull(h))
        o->value = HPyLong_AsLong(ctx, args[0]);
    return h;
}

HPyDef_SLOT(Ord_richcompare, HPy_tp_richcompare)
static HPy Ord_richcompare_impl(HPyContext *ctx, HPy self, HPy other, HPy_RichCmpOp op)
{
    HPy type = HPy_Type(ctx, self);
    int comparable = HPy_TypeCheck(ctx, other, type);
    HPy_Close(ctx, type);
    if (!comparable)
        return HPy_Dup(ctx, ctx->h_NotImplemented);
    long a = OrdObject_AsStruct(ctx, self)->value, b = OrdObject_AsStruct(ctx, other)->value;
    HPy_RETURN_RICHCOMPARE(ctx, a, b, op);
}

/* The _IMPL accessor macros, with implementations of any name and a closure. */
static long seen_closure;

HPyDef_GET_IMPL(Ord_doubled, "doubled", ord_doubled_getter, .doc = "twice the value",
                .closure = (void *)&seen_closure)
static HPy ord_doubled_getter(HPyContext *ctx, HPy self, void *closure)
{
    seen_closure = closure == (void *)&seen_closure;
    return HPyLong_FromLong(ctx, 2 * OrdObject_AsStruct(ctx, self)->value);
}

HPyDef_SET_IMPL(Ord_half, "half", ord_half_setter)
static int ord_half_setter(HPyContext *ctx, HPy self, HPy value, void *closure)
{
    if (HPy_IsNull(value)) {
        HPyErr_SetString(ctx, ctx->h_TypeError, "cannot delete half");
        return -1;
    }
    long v = HPyLong_AsLong(ctx, value);
    if (v == -1 && HPyErr_Occurred(ctx))
        return -1;
    OrdObject_AsStruct(ctx, self)->value = 2 * v;
    return 0;
}

HPyDef_GETSET_IMPL(Ord_value, "value", ord_value_getter, ord_value_setter)
static HPy ord_value_getter(HPyContext *ctx, HPy self, void *closure)
{
    return HPyLong_FromLong(ctx, OrdObject_AsStruct(ctx, self)->value);
}
static int ord_value_setter(HPyContext *ctx, HPy self, HPy value, void *closure)
{
    if (HPy_IsNull(value)) {
        OrdObject_AsStruct(ctx, self)->value = 0;
        return 0;
    }
    long v = HPyLong_AsLong(ctx, value);
    if (v == -1 && HPyErr_Occurred(ctx))
        return -1;
    OrdObject_AsStruct(ctx, self)->value = v;
    return 0;
}

HPyDef_METH(closure_seen, "closure_seen", HPyFunc_NOARGS)
static HPy closure_seen_impl(HPyContext *ctx, HPy self)
{
    return HPyBool_FromLong(ctx, seen_closure);
}

static HPyDef *Ord_defines[] = {&Ord_new, &Ord_richcompare, &Ord_doubled, &Ord_half,
                                &Ord_value, NULL};
static HPyType_Spec Ord_spec = {
    .name = "hpy09.Ord",
    .basicsize = sizeof(OrdObject),
    .flags = HPy_TPFLAGS_DEFAULT,
    .defines = Ord_defines,
};

/* HPy_TPFLAGS_HAVE_VECTORCALL, given with an HPy_tp_call slot or with a
 * __vectorcalloffset__ member. */
HPyDef_SLOT(Caller_call, HPy_tp_call)
static HPy Caller_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                            HPy kwnames)
{
    return HPyLong_FromSize_t(ctx, nargs);
}
static HPyDef *Caller_defines[] = {&Caller_call, NULL};
static HPyType_Spec Caller_spec = {
    .name = "hpy09.Caller",
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_VECTORCALL,
    .defines = Caller_defines,
};

typedef struct {
    void *before;
    HPyCallFunction call;
} OwnCallObject;

HPyDef_CALL_FUNCTION(own_call)
static HPy own_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                         HPy kwnames)
{
    return HPyUnicode_FromString(ctx, "own call");
}

HPyDef_MEMBER(OwnCall_offset, "__vectorcalloffset__", HPyMember_HPYSSIZET,
              offsetof(OwnCallObject, call), .readonly = 1)
HPyDef_SLOT(OwnCall_new, HPy_tp_new)
static HPy OwnCall_new_impl(HPyContext *ctx, HPy cls, const HPy *args, HPy_ssize_t nargs,
                            HPy kw)
{
    OwnCallObject *o;
    HPy h = HPy_New(ctx, cls, &o);
    if (!HPy_IsNull(h))
        o->call = own_call;
    return h;
}
static HPyDef *OwnCall_defines[] = {&OwnCall_offset, &OwnCall_new, NULL};
static HPyType_Spec OwnCall_spec = {
    .name = "hpy09.OwnCall",
    .basicsize = sizeof(OwnCallObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_VECTORCALL,
    .defines = OwnCall_defines,
};

/* The function types and signatures HPy 0.9 declares: each typedef holds an
 * implementation of its signature, and HPySlot_SIG names a slot's. */
_Static_assert(HPySlot_SIG(HPy_nb_add) == HPyFunc_BINARYFUNC, "HPySlot_SIG");
_Static_assert(HPySlot_SIG(HPy_mod_create) == HPyFunc_MOD_CREATE, "HPySlot_SIG");
_Static_assert(HPySlot_SIG(HPy_mod_exec) == HPyFunc_INQUIRY, "HPySlot_SIG");

HPyFunc_DECLARE(sig_slice, HPyFunc_SSIZESSIZEARGFUNC);
HPyFunc_TRAMPOLINE(sig_slice_trampoline, sig_slice, HPyFunc_SSIZESSIZEARGFUNC)
static HPy sig_slice(HPyContext *ctx, HPy self, HPy_ssize_t start, HPy_ssize_t end)
{
    return HPyLong_FromSsize_t(ctx, end - start);
}
HPyFunc_DECLARE(sig_ass_slice, HPyFunc_SSIZESSIZEOBJARGPROC);
HPyFunc_TRAMPOLINE(sig_ass_slice_trampoline, sig_ass_slice, HPyFunc_SSIZESSIZEOBJARGPROC)
static int sig_ass_slice(HPyContext *ctx, HPy self, HPy_ssize_t start, HPy_ssize_t end, HPy v)
{
    return 0;
}
HPyFunc_DECLARE(sig_free, HPyFunc_FREEFUNC);
HPyFunc_TRAMPOLINE(sig_free_trampoline, sig_free, HPyFunc_FREEFUNC)
static void sig_free(HPyContext *ctx, void *object)
{
}
HPyFunc_DECLARE(sig_getattr, HPyFunc_GETATTRFUNC);
HPyFunc_TRAMPOLINE(sig_getattr_trampoline, sig_getattr, HPyFunc_GETATTRFUNC)
static HPy sig_getattr(HPyContext *ctx, HPy self, char *name)
{
    return HPyUnicode_FromString(ctx, name);
}
HPyFunc_DECLARE(sig_setattr, HPyFunc_SETATTRFUNC);
HPyFunc_TRAMPOLINE(sig_setattr_trampoline, sig_setattr, HPyFunc_SETATTRFUNC)
static int sig_setattr(HPyContext *ctx, HPy self, char *name, HPy value)
{
    return 0;
}

HPyDef_METH(function_types, "function_types", HPyFunc_NOARGS)
static HPy function_types_impl(HPyContext *ctx, HPy self)
{
    HPyFunc_noargs noargs = function_types_impl;
    HPyFunc_o o = dump_impl;
    HPyFunc_varargs varargs = compile_s_impl;
    HPyFunc_keywords keywords = pack_impl;
    HPyFunc_newfunc newfunc = Ord_new_impl;
    HPyFunc_richcmpfunc richcmpfunc = Ord_richcompare_impl;
    HPyFunc_getter getter = ord_value_getter;
    HPyFunc_setter setter = ord_value_setter;
    HPyFunc_ssizessizeargfunc ssizessizeargfunc = sig_slice;
    HPyFunc_ssizessizeobjargproc ssizessizeobjargproc = sig_ass_slice;
    HPyFunc_freefunc freefunc = sig_free;
    HPyFunc_getattrfunc getattrfunc = sig_getattr;
    HPyFunc_setattrfunc setattrfunc = sig_setattr;
    HPyFunc_unaryfunc unaryfunc = NULL;
    HPyFunc_binaryfunc binaryfunc = NULL;
    HPyFunc_ternaryfunc ternaryfunc = NULL;
    HPyFunc_inquiry inquiry = NULL;
    HPyFunc_lenfunc lenfunc = NULL;
    HPyFunc_ssizeargfunc ssizeargfunc = NULL;
    HPyFunc_ssizeobjargproc ssizeobjargproc = NULL;
    HPyFunc_objobjargproc objobjargproc = NULL;
    HPyFunc_getattrofunc getattrofunc = NULL;
    HPyFunc_setattrofunc setattrofunc = NULL;
    HPyFunc_reprfunc reprfunc = NULL;
    HPyFunc_hashfunc hashfunc = NULL;
    HPyFunc_getiterfunc getiterfunc = NULL;
    HPyFunc_iternextfunc iternextfunc = NULL;
    HPyFunc_descrgetfunc descrgetfunc = NULL;
    HPyFunc_descrsetfunc descrsetfunc = NULL;
    HPyFunc_initproc initproc = NULL;
    HPyFunc_objobjproc objobjproc = NULL;
    HPyFunc_getbufferproc getbufferproc = NULL;
    HPyFunc_releasebufferproc releasebufferproc = NULL;
    HPyFunc_traverseproc traverseproc = NULL;
    HPyFunc_destructor destructor = NULL;
    HPyFunc_destroyfunc destroyfunc = NULL;
    HPyFunc_mod_create mod_create = NULL;
    void *all[] = {
        (void *)noargs, (void *)o, (void *)varargs, (void *)keywords, (void *)newfunc,
        (void *)richcmpfunc, (void *)getter, (void *)setter, (void *)ssizessizeargfunc,
        (void *)ssizessizeobjargproc, (void *)freefunc, (void *)getattrfunc,
        (void *)setattrfunc, (void *)unaryfunc, (void *)binaryfunc, (void *)ternaryfunc,
        (void *)inquiry, (void *)lenfunc, (void *)ssizeargfunc, (void *)ssizeobjargproc,
        (void *)objobjargproc, (void *)getattrofunc, (void *)setattrofunc, (void *)reprfunc,
        (void *)hashfunc, (void *)getiterfunc, (void *)iternextfunc, (void *)descrgetfunc,
        (void *)descrsetfunc, (void *)initproc, (void *)objobjproc, (void *)getbufferproc,
        (void *)releasebufferproc, (void *)traverseproc, (void *)destructor,
        (void *)destroyfunc, (void *)mod_create,
        /* The trampolines of the signatures no slot binds have the host's types. */
        (void *)sig_slice_trampoline, (void *)sig_ass_slice_trampoline,
        (void *)sig_free_trampoline, (void *)sig_getattr_trampoline,
        (void *)sig_setattr_trampoline,
    };
    HPy_ssize_t set = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        set += all[i] != NULL;
    return HPyLong_FromSsize_t(ctx, set);
}

@EXPORT(compile_s)
@EXPORT(source_kinds)
@EXPORT(eval_code)
@EXPORT(dump)
@EXPORT(call_method)
@EXPORT(errno_error)
@EXPORT(pack)
@EXPORT(pack_null_output)
@EXPORT(ssize_limits)
@EXPORT(abi_tag)
@EXPORT(pid_roundtrip)
@EXPORT(pid_parse)
@EXPORT(closure_seen)
@EXPORT(function_types)
@EXPORT_TYPE("Ord", Ord_spec)
@EXPORT_TYPE("Caller", Caller_spec)
@EXPORT_TYPE("OwnCall", OwnCall_spec)
@INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


# ---- HPy_Compile_s, HPy_EvalCode --------------------------------------------------------

def test_source_kinds_have_hpy_values(mod):
    assert mod.source_kinds() == (0, 1, 2)


def test_compile_expression(mod):
    code = mod.compile_s("1 + 2", "expr.py", 0)
    assert isinstance(code, types.CodeType)
    assert code.co_filename == "expr.py"
    assert eval(code) == 3


def test_compile_file(mod):
    code = mod.compile_s("a = 1\ndef add(x, y):\n    return x + y\nres = add(a, 2)\n",
                         "file.py", 1)
    ns = {}
    assert eval(code, ns) is None
    assert ns["res"] == 3


def test_compile_single_prints_an_expression(mod, capsys):
    code = mod.compile_s("6 * 7", "single.py", 2)
    exec(code, {})
    assert capsys.readouterr().out == "42\n"


def test_compile_syntax_error_names_the_file(mod):
    with pytest.raises(SyntaxError) as info:
        mod.compile_s("1 +.", "broken.py", 0)
    assert info.value.filename == "broken.py"


@pytest.mark.parametrize("kind", [-1, 3, 777])
def test_compile_invalid_kind(mod, kind):
    with pytest.raises(SystemError, match="source kind"):
        mod.compile_s("1", "x.py", kind)


def test_eval_code_expression_with_locals(mod):
    code = compile("a + b", "e.py", "eval")
    assert mod.eval_code(code, {}, {"a": 2, "b": 3}) == 5


def test_eval_code_statements_write_locals(mod):
    loc = {"a": 10, "b": 20}
    glob = {}
    assert mod.eval_code(compile("x = a + b", "e.py", "exec"), glob, loc) is None
    assert loc["x"] == 30 and "x" not in glob


def test_eval_code_without_locals_uses_globals(mod):
    glob = {"a": 4}
    mod.eval_code(compile("y = a * 2", "e.py", "exec"), glob)
    assert glob["y"] == 8


def test_eval_code_locals_may_be_any_mapping(mod):
    class Mapping(dict):
        pass
    loc = Mapping(a=1)
    assert mod.eval_code(compile("a + 1", "e.py", "eval"), {}, loc) == 2


def test_eval_code_finds_builtins_without_them_in_globals(mod):
    assert mod.eval_code(compile("len('abc')", "e.py", "eval"), {}) == 3


def test_eval_code_propagates_exceptions(mod):
    with pytest.raises(ValueError, match="from code"):
        mod.eval_code(compile("raise ValueError('from code')", "e.py", "exec"), {})


def test_eval_code_of_compiled_source(mod):
    code = mod.compile_s("x * 3", "c.py", 0)
    assert mod.eval_code(code, {"x": 5}) == 15


@pytest.mark.parametrize("args, message", [
    (("x + 1", {}), "must be a code object, not str"),
    ((compile("1", "e.py", "eval"), []), "globals must be a dict, not list"),
    ((compile("1", "e.py", "eval"), {}, 3), "locals must be a mapping"),
])
def test_eval_code_wrong_types(mod, args, message):
    with pytest.raises(TypeError, match=message):
        mod.eval_code(*args)


# ---- _HPy_Dump -------------------------------------------------------------------------

def test_dump_prints_the_object_and_keeps_the_exception(mod, capfd):
    capfd.readouterr()
    with pytest.raises(KeyError, match="kept across the dump"):
        mod.dump(["dumped", 12345])
    err = capfd.readouterr().err
    assert "list" in err
    assert "['dumped', 12345]" in err


def test_dump_survives_a_failing_repr(mod, capfd):
    class BadRepr:
        def __repr__(self):
            raise RuntimeError("no repr")
    capfd.readouterr()
    with pytest.raises(KeyError):
        mod.dump(BadRepr())
    assert "BadRepr" in capfd.readouterr().err


# ---- HPy_CallMethodTupleDict(_s) -------------------------------------------------------

class Receiver:
    def method(self, *args, **kwargs):
        return (self, args, kwargs)


@pytest.mark.parametrize("name", ["method", b"method"], ids=["handle", "_s"])
def test_call_method_tuple_dict(mod, name):
    r = Receiver()
    assert mod.call_method(name, r, (1, 2), {"k": 3}) == (r, (1, 2), {"k": 3})
    assert mod.call_method(name, r, (), None) == (r, (), {})
    assert mod.call_method(name, r, None, None) == (r, (), {})


@pytest.mark.parametrize("name", ["missing", b"missing"], ids=["handle", "_s"])
def test_call_method_missing(mod, name):
    with pytest.raises(AttributeError, match="missing"):
        mod.call_method(name, Receiver(), (), None)


def test_call_method_raising(mod):
    with pytest.raises(ValueError):
        mod.call_method("index", [1, 2], (3,), None)


def test_call_method_of_a_builtin(mod):
    assert mod.call_method(b"split", "a-b", ("-",), None) == ["a", "b"]
    assert mod.call_method("to_bytes", 1, (2,), {"byteorder": "big"}) == b"\x00\x01"


# ---- HPyErr_SetFromErrno(WithFilenameObject) ---------------------------------------------

def test_set_from_errno(mod):
    with pytest.raises(FileNotFoundError) as info:
        mod.errno_error(errno.ENOENT, OSError)
    assert info.value.errno == errno.ENOENT
    assert info.value.strerror == os.strerror(errno.ENOENT)
    assert info.value.filename is None


def test_set_from_errno_with_filename_object(mod):
    with pytest.raises(PermissionError) as info:
        mod.errno_error(errno.EACCES, OSError, "some/file")
    assert info.value.errno == errno.EACCES
    assert info.value.filename == "some/file"
    assert info.value.filename2 is None


def test_set_from_errno_with_a_null_filename_object(mod):
    with pytest.raises(OSError) as info:
        mod.errno_error(errno.EEXIST, OSError, None)
    assert info.value.errno == errno.EEXIST
    # None is a filename object like any other, as in CPython.
    assert info.value.filename is None


# ---- HPyHelpers_PackArgsAndKeywords ----------------------------------------------------

def test_pack_args_and_keywords(mod):
    assert mod.pack(1, 2, a=3, b=4) == ((1, 2), {"a": 3, "b": 4})


def test_pack_nothing_gives_nulls(mod):
    assert mod.pack() == (None, None)


def test_pack_only_positional(mod):
    assert mod.pack("x") == (("x",), None)


def test_pack_only_keywords(mod):
    assert mod.pack(k=[1]) == (None, {"k": [1]})


def test_pack_refuses_a_null_output(mod):
    with pytest.raises(SystemError, match="output pointer is NULL"):
        mod.pack_null_output()


# ---- HPy_RETURN_RICHCOMPARE, HPyDef_*_IMPL, HPy_TPFLAGS_HAVE_VECTORCALL ---------------

@pytest.mark.parametrize("op", [operator.lt, operator.le, operator.eq, operator.ne,
                                operator.gt, operator.ge])
def test_return_richcompare(mod, op):
    for a in (-1, 0, 1):
        for b in (-1, 0, 1):
            result = op(mod.Ord(a), mod.Ord(b))
            assert result is op(a, b), (op, a, b)


def test_return_richcompare_not_implemented_passes_through(mod):
    assert (mod.Ord(1) == 1) is False
    with pytest.raises(TypeError):
        mod.Ord(1) < 1


def test_getset_impl_macros(mod):
    o = mod.Ord(5)
    assert o.value == 5
    o.value = 7
    assert o.value == 7
    del o.value
    assert o.value == 0
    with pytest.raises(TypeError):
        o.value = "seven"


def test_get_impl_macro_passes_doc_and_closure(mod):
    o = mod.Ord(21)
    assert o.doubled == 42
    assert mod.closure_seen() is True
    if platform.python_implementation() != "PyPy":
        # PyPy 3.9's cpyext gives C getset descriptors no __doc__.
        assert type(o).doubled.__doc__ == "twice the value"
    with pytest.raises(AttributeError):
        o.doubled = 1


def test_set_impl_macro(mod):
    o = mod.Ord(0)
    o.half = 4
    assert o.value == 8
    with pytest.raises(AttributeError, match="not readable"):
        o.half
    with pytest.raises(TypeError, match="cannot delete half"):
        del o.half


def test_have_vectorcall_flag_with_call_slot(mod):
    assert mod.Caller()(1, 2, 3) == 3


def test_have_vectorcall_flag_with_vectorcalloffset(mod):
    assert mod.OwnCall()() == "own call"


def test_have_vectorcall_flag_without_a_call_function_is_refused(hpy):
    source = """
        static HPyType_Spec Flagged_spec = {
            .name = "hpy09.Flagged",
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_VECTORCALL,
        };
        @EXPORT_TYPE("Flagged", Flagged_spec)
        @INIT
    """
    with pytest.raises(TypeError, match="HPy_TPFLAGS_HAVE_VECTORCALL needs"):
        hpy.make_module(source)


# ---- constants, pid macros, function types ---------------------------------------------

def test_ssize_t_limits(mod):
    assert mod.ssize_limits() == (-sys.maxsize - 1, sys.maxsize)


def test_abi_tag_names_universal_binaries(mod):
    tag = mod.abi_tag()
    assert tag == "handlepy"
    assert _finder.UNIVERSAL_SUFFIX == f".{tag}.so"


def test_pid_macros(mod):
    pid = os.getpid()
    assert mod.pid_roundtrip(pid) == pid
    assert mod.pid_parse(pid) == pid
    with pytest.raises(TypeError):
        mod.pid_parse("1")


def test_function_types_and_signatures(mod):
    # Compiling the module checked the types; 13 implementations and 5 trampolines are
    # set, the other 24 of the 42 entries are NULL.
    assert mod.function_types() == 18


# ---- HPy_mod_create ----------------------------------------------------------------------

CREATE_TEMPLATE = r"""
HPyDef_SLOT(create, HPy_mod_create)
static HPy create_impl(HPyContext *ctx, HPy spec)
{
%(body)s
}
%(extra)s
static HPyDef *defines[] = {&create, %(more)s NULL};
static HPyModuleDef def = {
    %(fields)s
    .defines = defines,
};
HPy_MODINIT(@NAME@, def)
"""

NAMESPACE_BODY = r"""
    HPy types = HPyImport_ImportModule(ctx, "types");
    if (HPy_IsNull(types))
        return HPy_NULL;
    HPy ns_type = HPy_GetAttr_s(ctx, types, "SimpleNamespace");
    HPy_Close(ctx, types);
    if (HPy_IsNull(ns_type))
        return HPy_NULL;
    HPy kw = HPyDict_New(ctx);
    if (HPy_IsNull(kw) || HPy_SetItem_s(ctx, kw, "spec", spec) < 0) {
        HPy_Close(ctx, ns_type);
        HPy_Close(ctx, kw);
        return HPy_NULL;
    }
    HPy result = HPy_CallTupleDict(ctx, ns_type, HPy_NULL, kw);
    HPy_Close(ctx, ns_type);
    HPy_Close(ctx, kw);
    return result;
"""


def create_module(hpy, body=NAMESPACE_BODY, extra="", more="", fields=""):
    return hpy.make_module(CREATE_TEMPLATE % dict(body=body, extra=extra, more=more,
                                                  fields=fields))


def test_mod_create_makes_another_object(hpy):
    m = create_module(hpy)
    assert isinstance(m, types.SimpleNamespace)
    assert m.spec is m.__spec__
    assert m.spec.name == m.__name__


def test_mod_create_may_not_make_a_module(hpy):
    with pytest.raises(SystemError, match="HPy_mod_create slot returned a builtin module"):
        create_module(hpy, body='    return HPyImport_ImportModule(ctx, "types");')


def test_mod_create_exception_propagates(hpy):
    with pytest.raises(RuntimeError, match="no object today"):
        create_module(hpy, body='    return HPyErr_SetString(ctx, ctx->h_RuntimeError, '
                                '"no object today");')


EXEC_SLOT = r"""
HPyDef_SLOT(exec, HPy_mod_exec)
static int exec_impl(HPyContext *ctx, HPy m)
{
    return 0;
}
"""

METHOD = r"""
HPyDef_METH(f, "f", HPyFunc_NOARGS)
static HPy f_impl(HPyContext *ctx, HPy self)
{
    return HPy_Dup(ctx, ctx->h_None);
}
"""


@pytest.mark.parametrize("extra, more, fields", [
    (EXEC_SLOT, "&exec,", ""),
    (METHOD, "&f,", ""),
    ("", "&create,", ""),
    ("", "", '.doc = "a doc",'),
    ("", "", ".size = 8,"),
], ids=["exec-slot", "method", "twice", "doc", "state"])
def test_mod_create_with_anything_else_is_refused(hpy, extra, more, fields):
    with pytest.raises(SystemError, match="HPy_mod_create slot"):
        create_module(hpy, extra=extra, more=more, fields=fields)


def test_mod_create_in_a_type_is_refused(hpy):
    source = r"""
        HPyDef_SLOT(T_create, HPy_mod_create)
        static HPy T_create_impl(HPyContext *ctx, HPy spec)
        {
            return HPy_NULL;
        }
        static HPyDef *T_defines[] = {&T_create, NULL};
        static HPyType_Spec T_spec = {.name = "hpy09.T", .defines = T_defines};
        @EXPORT_TYPE("T", T_spec)
        @INIT
    """
    with pytest.raises(TypeError, match="HPy_mod_create is a module slot"):
        hpy.make_module(source)


# ---- HPy_FatalError, in a child process ------------------------------------------------

FATAL_SOURCE = r"""
HPyDef_METH(fatal, "fatal", HPyFunc_NOARGS)
static HPy fatal_impl(HPyContext *ctx, HPy self)
{
    HPy_FatalError(ctx, "boom from the extension");
    /* No return: HPy_FatalError is known not to return, or -Werror=return-type fails. */
}

static HPy bad_op_compare(HPyContext *ctx, HPy_RichCmpOp op)
{
    long a = 1, b = 2;
    HPy_RETURN_RICHCOMPARE(ctx, a, b, op);
}

HPyDef_METH(bad_op, "bad_op", HPyFunc_O)
static HPy bad_op_impl(HPyContext *ctx, HPy self, HPy op)
{
    return bad_op_compare(ctx, (HPy_RichCmpOp)HPyLong_AsLong(ctx, op));
}
@EXPORT(fatal)
@EXPORT(bad_op)
@INIT
"""


def run_in_child(hpy, call):
    name, path = hpy.build(FATAL_SOURCE)
    code = textwrap.dedent(f"""
        from handlepy.conformance.compiler import ExtensionCompiler
        m = ExtensionCompiler({hpy.abi!r}).load({name!r}, {str(path)!r})
        print("loaded", flush=True)
        {call}
        print("returned", flush=True)
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.refleaks_skip(reason="runs a child process that aborts")
def test_fatal_error_aborts_with_the_message(hpy):
    proc = run_in_child(hpy, "m.fatal()")
    assert proc.stdout == "loaded\n", proc.stderr
    assert proc.returncode != 0
    line = next(x for x in proc.stderr.splitlines() if x.startswith("Fatal Python error"))
    assert line.endswith("boom from the extension")


@pytest.mark.refleaks_skip(reason="runs a child process that aborts")
def test_return_richcompare_with_an_invalid_op_is_fatal(hpy):
    proc = run_in_child(hpy, "m.bad_op(2); m.bad_op(42)")
    assert proc.stdout == "loaded\n", proc.stderr
    assert proc.returncode != 0
    assert "invalid HPy_RichCmpOp" in proc.stderr


# ---- HPY_MOD_EMBEDDABLE: several modules in one binary -----------------------------------

EMBEDDED_SOURCE = r"""
#define HPY_EMBEDDED_MODULES
#include "hpy.h"

HPY_MOD_EMBEDDABLE(@NAME@)

HPyDef_METH(which, "which", HPyFunc_NOARGS)
static HPy which_impl(HPyContext *ctx, HPy self)
{
    return HPyUnicode_FromString(ctx, "first");
}

HPyDef_METH(which_b, "which", HPyFunc_NOARGS)
static HPy which_b_impl(HPyContext *ctx, HPy self)
{
    return HPyUnicode_FromString(ctx, "second");
}

static HPyDef *first_defines[] = {&which, NULL};
static HPyModuleDef first = {.defines = first_defines};
HPy_MODINIT(@NAME@, first)

static HPyDef *second_defines[] = {&which_b, NULL};
static HPyModuleDef second = {.defines = second_defines};
HPy_MODINIT(@NAME@_b, second)
"""


def test_embedded_modules_in_one_binary(hpy):
    name, path = hpy.build(EMBEDDED_SOURCE)
    first = hpy.make_module(EMBEDDED_SOURCE)
    second = sys.modules.get(name + "_b") or hpy.load(name + "_b", path)
    assert (first.which(), second.which()) == ("first", "second")
