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

/* kwnames that are not a tuple fail as HPy_Length fails on them. */
HPyDef_METH(pack_bad_kwnames, "pack_bad_kwnames", HPyFunc_O)
static HPy pack_bad_kwnames_impl(HPyContext *ctx, HPy self, HPy kwnames)
{
    HPy tuple, kwd;
    if (HPyHelpers_PackArgsAndKeywords(ctx, NULL, 0, kwnames, &tuple, &kwd))
        return HPyErr_SetString(ctx, ctx->h_AssertionError, "bad kwnames were accepted");
    return HPy_NULL;
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
@EXPORT(pack_bad_kwnames)
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


def test_pack_with_kwnames_of_no_length(mod):
    with pytest.raises(TypeError):
        mod.pack_bad_kwnames(None)


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
    made = hpy.make_module(CREATE_TEMPLATE % dict(body=body, extra=extra, more=more,
                                                  fields=fields))
    # Not left in sys.modules: tools that walk it (Hypothesis, looking for constants in
    # local modules) take everything there for a module, and a namespace is not hashable.
    if not isinstance(made, types.ModuleType):
        for name, value in list(sys.modules.items()):
            if value is made:
                del sys.modules[name]
    return made


def test_mod_create_makes_another_object(hpy):
    m = create_module(hpy)
    assert isinstance(m, types.SimpleNamespace)
    assert m.spec is m.__spec__
    assert m.spec.name == m.__name__


def test_mod_create_may_not_make_a_module(hpy):
    # HPy 0.9's own test matches the same words.
    with pytest.raises(SystemError, match="HPy_mod_create slot returned a builtin module "
                                          "object. This is currently not supported"):
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
    # Away from a checkout's root, whose handlepy/ folder would shadow the installed one.
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=os.path.dirname(path))


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


# ---- every public name of HPy 0.9's hpy.h ----------------------------------------------

# The names HPy 0.9's hpy.h and the headers it includes declare, less those internal to
# HPy (a leading underscore, the ctx_* context fields), HPyModule_Create (declared there,
# defined nowhere) and the helper macros of its own headers (SIZEOF_INT32, ...).
HPY09_MACROS = """
    HPY_ABI HPY_ABI_TAG HPY_ABI_VERSION HPY_ABI_VERSION_MINOR HPY_MOD_EMBEDDABLE
    HPY_SSIZE_T_MAX HPY_SSIZE_T_MIN HPyAPI_FUNC HPyAPI_HELPER HPyAPI_IMPL
    HPyAPI_INLINE_HELPER HPyAPI_UNUSED HPyCapsule_DESTRUCTOR
    HPyCapsule_DESTRUCTOR_TRAMPOLINE HPyDef_CALL_FUNCTION HPyDef_GET HPyDef_GETSET
    HPyDef_GETSET_IMPL HPyDef_GET_IMPL HPyDef_MEMBER HPyDef_METH HPyDef_METH_IMPL HPyDef_SET
    HPyDef_SET_IMPL HPyDef_SLOT HPyDef_SLOT_IMPL HPyField_IsNull HPyField_NULL
    HPyFunc_DECLARE HPyFunc_TRAMPOLINE HPyLong_AsPid HPyLong_FromPid HPySlot_SIG
    HPyType_BuiltinShape_Float_AsStruct HPyType_BuiltinShape_Legacy_AsStruct
    HPyType_BuiltinShape_List_AsStruct HPyType_BuiltinShape_Long_AsStruct
    HPyType_BuiltinShape_Object_AsStruct HPyType_BuiltinShape_Tuple_AsStruct
    HPyType_BuiltinShape_Type_AsStruct HPyType_BuiltinShape_Unicode_AsStruct HPyType_HELPERS
    HPyType_LEGACY_HELPERS HPy_BEGIN_LEAVE_PYTHON HPy_END_LEAVE_PYTHON HPy_EXPORTED_FUNC
    HPy_EXPORTED_SYMBOL HPy_IsNull HPy_MODINIT HPy_NULL HPy_New HPy_RETURN_RICHCOMPARE
    HPy_TPFLAGS_BASETYPE HPy_TPFLAGS_DEFAULT HPy_TPFLAGS_HAVE_GC HPy_TPFLAGS_HAVE_VECTORCALL
    HPy_VISIT
""".split()

HPY09_FUNCTIONS = """
    HPyArg_Parse HPyArg_ParseKeywords HPyArg_ParseKeywordsDict HPyBool_FromBool
    HPyBool_FromLong HPyBytes_AS_STRING HPyBytes_AsString HPyBytes_Check HPyBytes_FromString
    HPyBytes_FromStringAndSize HPyBytes_GET_SIZE HPyBytes_Size HPyCallable_Check
    HPyCapsule_Get HPyCapsule_GetContext HPyCapsule_GetName HPyCapsule_GetPointer
    HPyCapsule_IsValid HPyCapsule_New HPyCapsule_Set HPyCapsule_SetContext
    HPyCapsule_SetDestructor HPyCapsule_SetName HPyCapsule_SetPointer HPyContextVar_Get
    HPyContextVar_New HPyContextVar_Set HPyDict_Check HPyDict_Copy HPyDict_Keys HPyDict_New
    HPyErr_Clear HPyErr_ExceptionMatches HPyErr_Format HPyErr_NewException
    HPyErr_NewExceptionWithDoc HPyErr_NoMemory HPyErr_Occurred HPyErr_SetFromErrno
    HPyErr_SetFromErrnoWithFilename HPyErr_SetFromErrnoWithFilenameObject
    HPyErr_SetFromErrnoWithFilenameObjects HPyErr_SetObject HPyErr_SetString HPyErr_WarnEx
    HPyErr_WriteUnraisable HPyField_Load HPyField_Store HPyFloat_AsDouble
    HPyFloat_FromDouble HPyGlobal_Load HPyGlobal_Store HPyHelpers_AddType
    HPyHelpers_PackArgsAndKeywords HPyImport_ImportModule HPyListBuilder_Build
    HPyListBuilder_Cancel HPyListBuilder_New HPyListBuilder_Set HPyList_Append HPyList_Check
    HPyList_New HPyLong_AsDouble HPyLong_AsInt32_t HPyLong_AsInt64_t HPyLong_AsLong
    HPyLong_AsLongLong HPyLong_AsSize_t HPyLong_AsSsize_t HPyLong_AsUInt32_t
    HPyLong_AsUInt32_tMask HPyLong_AsUInt64_t HPyLong_AsUInt64_tMask HPyLong_AsUnsignedLong
    HPyLong_AsUnsignedLongLong HPyLong_AsUnsignedLongLongMask HPyLong_AsUnsignedLongMask
    HPyLong_AsVoidPtr HPyLong_FromInt32_t HPyLong_FromInt64_t HPyLong_FromLong
    HPyLong_FromLongLong HPyLong_FromSize_t HPyLong_FromSsize_t HPyLong_FromUInt32_t
    HPyLong_FromUInt64_t HPyLong_FromUnsignedLong HPyLong_FromUnsignedLongLong
    HPyNumber_Check HPySlice_AdjustIndices HPySlice_Unpack HPyStructSequence_New
    HPyStructSequence_NewType HPyTracker_Add HPyTracker_Close HPyTracker_ForgetAll
    HPyTracker_New HPyTupleBuilder_Build HPyTupleBuilder_Cancel HPyTupleBuilder_New
    HPyTupleBuilder_Set HPyTuple_Check HPyTuple_FromArray HPyTuple_Pack HPyType_FromSpec
    HPyType_GenericNew HPyType_GetName HPyType_IsSubtype HPyUnicode_AsASCIIString
    HPyUnicode_AsLatin1String HPyUnicode_AsUTF8AndSize HPyUnicode_AsUTF8String
    HPyUnicode_Check HPyUnicode_DecodeASCII HPyUnicode_DecodeFSDefault
    HPyUnicode_DecodeFSDefaultAndSize HPyUnicode_DecodeLatin1 HPyUnicode_EncodeFSDefault
    HPyUnicode_FromEncodedObject HPyUnicode_FromFormat HPyUnicode_FromFormatV
    HPyUnicode_FromString HPyUnicode_FromWideChar HPyUnicode_ReadChar HPyUnicode_Substring
    HPy_ASCII HPy_Absolute HPy_Add HPy_And HPy_AsPyObject HPy_BuildValue HPy_Bytes HPy_Call
    HPy_CallMethod HPy_CallMethodTupleDict HPy_CallMethodTupleDict_s HPy_CallTupleDict
    HPy_Close HPy_Compile_s HPy_Contains HPy_DelAttr HPy_DelAttr_s HPy_DelItem HPy_DelItem_i
    HPy_DelItem_s HPy_Divmod HPy_Dup HPy_EvalCode HPy_FatalError HPy_Float HPy_FloorDivide
    HPy_FromPyObject HPy_GetAttr HPy_GetAttr_s HPy_GetItem HPy_GetItem_i HPy_GetItem_s
    HPy_InPlaceAdd HPy_InPlaceAnd HPy_InPlaceFloorDivide HPy_InPlaceLshift
    HPy_InPlaceMatrixMultiply HPy_InPlaceMultiply HPy_InPlaceOr HPy_InPlacePower
    HPy_InPlaceRemainder HPy_InPlaceRshift HPy_InPlaceSubtract HPy_InPlaceTrueDivide
    HPy_InPlaceXor HPy_Index HPy_Invert HPy_Is HPy_IsTrue HPy_LeavePythonExecution
    HPy_Length HPy_Long HPy_Lshift HPy_MatrixMultiply HPy_Multiply HPy_Negative HPy_Or
    HPy_Positive HPy_Power HPy_ReenterPythonExecution HPy_Remainder HPy_Repr HPy_RichCompare
    HPy_RichCompareBool HPy_Rshift HPy_SetAttr HPy_SetAttr_s HPy_SetCallFunction HPy_SetItem
    HPy_SetItem_i HPy_SetItem_s HPy_Str HPy_Subtract HPy_TrueDivide HPy_Type HPy_TypeCheck
    HPy_Xor
""".split()

HPY09_TYPES = """
    HPy HPyCFunction HPyCallFunction HPyCapsule_Destructor HPyContext HPyDef HPyDef_Kind
    HPyField HPyFunc_Capsule_Destructor HPyFunc_Signature HPyFunc_binaryfunc
    HPyFunc_descrgetfunc HPyFunc_descrsetfunc HPyFunc_destroyfunc HPyFunc_destructor
    HPyFunc_freefunc HPyFunc_getattrfunc HPyFunc_getattrofunc HPyFunc_getbufferproc
    HPyFunc_getiterfunc HPyFunc_getter HPyFunc_hashfunc HPyFunc_initproc HPyFunc_inquiry
    HPyFunc_iternextfunc HPyFunc_keywords HPyFunc_lenfunc HPyFunc_mod_create HPyFunc_newfunc
    HPyFunc_noargs HPyFunc_o HPyFunc_objobjargproc HPyFunc_objobjproc
    HPyFunc_releasebufferproc HPyFunc_reprfunc HPyFunc_richcmpfunc HPyFunc_setattrfunc
    HPyFunc_setattrofunc HPyFunc_setter HPyFunc_ssizeargfunc HPyFunc_ssizeobjargproc
    HPyFunc_ssizessizeargfunc HPyFunc_ssizessizeobjargproc HPyFunc_ternaryfunc
    HPyFunc_traverseproc HPyFunc_unaryfunc HPyFunc_varargs HPyFunc_visitproc HPyGetSet
    HPyGlobal HPyListBuilder HPyMember HPyMember_FieldType HPyMeth HPyModuleDef HPySlot
    HPySlot_Slot HPyStructSequence_Desc HPyStructSequence_Field HPyThreadState HPyTracker
    HPyTupleBuilder HPyType_BuiltinShape HPyType_Spec HPyType_SpecParam
    HPyType_SpecParam_Kind HPyType_Vectorcall HPy_RichCmpOp HPy_SourceKind HPy_UCS4
    HPy_buffer HPy_hash_t HPy_ssize_t cpy_PyCFunction cpy_PyCapsule_Destructor
    cpy_PyMethodDef cpy_PyModuleDef cpy_PyObject cpy_Py_buffer cpy_getter cpy_setter
    cpy_vectorcallfunc cpy_visitproc
""".split()

HPY09_ENUM_VALUES = """
    HPyCapsule_key_Context HPyCapsule_key_Destructor HPyCapsule_key_Name
    HPyCapsule_key_Pointer HPyDef_Kind_GetSet HPyDef_Kind_Member HPyDef_Kind_Meth
    HPyDef_Kind_Slot HPyFunc_BINARYFUNC HPyFunc_CAPSULE_DESTRUCTOR HPyFunc_DESCRGETFUNC
    HPyFunc_DESCRSETFUNC HPyFunc_DESTROYFUNC HPyFunc_DESTRUCTOR HPyFunc_FREEFUNC
    HPyFunc_GETATTRFUNC HPyFunc_GETATTROFUNC HPyFunc_GETBUFFERPROC HPyFunc_GETITERFUNC
    HPyFunc_GETTER HPyFunc_HASHFUNC HPyFunc_INITPROC HPyFunc_INQUIRY HPyFunc_ITERNEXTFUNC
    HPyFunc_KEYWORDS HPyFunc_LENFUNC HPyFunc_MOD_CREATE HPyFunc_NEWFUNC HPyFunc_NOARGS
    HPyFunc_O HPyFunc_OBJOBJARGPROC HPyFunc_OBJOBJPROC HPyFunc_RELEASEBUFFERPROC
    HPyFunc_REPRFUNC HPyFunc_RICHCMPFUNC HPyFunc_SETATTRFUNC HPyFunc_SETATTROFUNC
    HPyFunc_SETTER HPyFunc_SSIZEARGFUNC HPyFunc_SSIZEOBJARGPROC HPyFunc_SSIZESSIZEARGFUNC
    HPyFunc_SSIZESSIZEOBJARGPROC HPyFunc_TERNARYFUNC HPyFunc_TRAVERSEPROC HPyFunc_UNARYFUNC
    HPyFunc_VARARGS HPyFunc_VECTORCALLFUNC HPyMember_BOOL HPyMember_BYTE HPyMember_CHAR
    HPyMember_DOUBLE HPyMember_FLOAT HPyMember_HPYSSIZET HPyMember_INT HPyMember_LONG
    HPyMember_LONGLONG HPyMember_NONE HPyMember_OBJECT HPyMember_OBJECT_EX HPyMember_SHORT
    HPyMember_STRING HPyMember_STRING_INPLACE HPyMember_UBYTE HPyMember_UINT HPyMember_ULONG
    HPyMember_ULONGLONG HPyMember_USHORT HPyType_BuiltinShape_Float
    HPyType_BuiltinShape_Legacy HPyType_BuiltinShape_List HPyType_BuiltinShape_Long
    HPyType_BuiltinShape_Object HPyType_BuiltinShape_Tuple HPyType_BuiltinShape_Type
    HPyType_BuiltinShape_Unicode HPyType_SpecParam_Base HPyType_SpecParam_BasesTuple
    HPyType_SpecParam_Metaclass HPy_EQ HPy_GE HPy_GT HPy_LE HPy_LT HPy_NE
    HPy_SourceKind_Expr HPy_SourceKind_File HPy_SourceKind_Single HPy_bf_getbuffer
    HPy_bf_releasebuffer HPy_mod_create HPy_mod_exec HPy_mp_ass_subscript HPy_mp_length
    HPy_mp_subscript HPy_nb_absolute HPy_nb_add HPy_nb_and HPy_nb_bool HPy_nb_divmod
    HPy_nb_float HPy_nb_floor_divide HPy_nb_index HPy_nb_inplace_add HPy_nb_inplace_and
    HPy_nb_inplace_floor_divide HPy_nb_inplace_lshift HPy_nb_inplace_matrix_multiply
    HPy_nb_inplace_multiply HPy_nb_inplace_or HPy_nb_inplace_power HPy_nb_inplace_remainder
    HPy_nb_inplace_rshift HPy_nb_inplace_subtract HPy_nb_inplace_true_divide
    HPy_nb_inplace_xor HPy_nb_int HPy_nb_invert HPy_nb_lshift HPy_nb_matrix_multiply
    HPy_nb_multiply HPy_nb_negative HPy_nb_or HPy_nb_positive HPy_nb_power HPy_nb_remainder
    HPy_nb_rshift HPy_nb_subtract HPy_nb_true_divide HPy_nb_xor HPy_sq_ass_item
    HPy_sq_concat HPy_sq_contains HPy_sq_inplace_concat HPy_sq_inplace_repeat HPy_sq_item
    HPy_sq_length HPy_sq_repeat HPy_tp_call HPy_tp_destroy HPy_tp_finalize HPy_tp_hash
    HPy_tp_init HPy_tp_new HPy_tp_repr HPy_tp_richcompare HPy_tp_str HPy_tp_traverse
""".split()



def every_name_source():
    checks = "".join(f"#ifndef {m}\n#error {m} is missing\n#endif\n" for m in HPY09_MACROS)
    uses = "".join(f"    (void){f};\n" for f in HPY09_FUNCTIONS + HPY09_ENUM_VALUES)
    uses += "".join(f"    (void)sizeof({t} *);\n" for t in HPY09_TYPES)
    return checks + f"""
HPyDef_METH(names, "names", HPyFunc_NOARGS)
static HPy names_impl(HPyContext *ctx, HPy self)
{{
{uses}    return HPyLong_FromLong(ctx, {len(HPY09_FUNCTIONS + HPY09_ENUM_VALUES + HPY09_TYPES)});
}}
@EXPORT(names)
@INIT
"""


def test_every_hpy09_name_compiles(hpy):
    # Taking a function's address compiles in every ABI, also where calling it would not
    # (HPy_AsPyObject in a universal build), as with HPy 0.9.
    assert hpy.make_module(every_name_source()).names() > 400


def test_every_hpy09_name_compiles_in_the_legacy_abis(hpy_legacy):
    assert hpy_legacy.make_module(every_name_source()).names() > 400
