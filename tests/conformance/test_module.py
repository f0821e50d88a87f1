"""Modules: methods in every calling convention, docstrings, exec slots, module state."""
import pytest


def test_calling_conventions(hpy):
    mod = hpy.make_module("""
        HPyDef_METH(noargs, "noargs", HPyFunc_NOARGS, .doc = "takes nothing")
        static HPy noargs_impl(HPyContext *ctx, HPy self)
        {
            return HPyUnicode_FromString(ctx, "noargs");
        }

        HPyDef_METH(onearg, "onearg", HPyFunc_O)
        static HPy onearg_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            return HPy_Dup(ctx, arg);
        }

        HPyDef_METH(varargs, "varargs", HPyFunc_VARARGS)
        static HPy varargs_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
        {
            return HPyTuple_FromArray(ctx, (HPy *)args, (HPy_ssize_t)nargs);
        }

        HPyDef_METH(keywords, "keywords", HPyFunc_KEYWORDS)
        static HPy keywords_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                                 HPy kwnames)
        {
            HPy_ssize_t nkw = HPy_IsNull(kwnames) ? 0 : HPy_Length(ctx, kwnames);
            HPy pos = HPyTuple_FromArray(ctx, (HPy *)args, (HPy_ssize_t)nargs);
            HPy kw = HPyDict_New(ctx);
            for (HPy_ssize_t i = 0; i < nkw; i++) {
                HPy key = HPy_GetItem_i(ctx, kwnames, i);
                HPy_SetItem(ctx, kw, key, args[nargs + (size_t)i]);
                HPy_Close(ctx, key);
            }
            HPy result = HPyTuple_Pack(ctx, 2, pos, kw);
            HPy_Close(ctx, pos);
            HPy_Close(ctx, kw);
            return result;
        }
        @EXPORT(noargs)
        @EXPORT(onearg)
        @EXPORT(varargs)
        @EXPORT(keywords)
        @INIT
    """)
    assert mod.noargs() == "noargs"
    assert mod.noargs.__doc__ == "takes nothing"
    obj = object()
    assert mod.onearg(obj) is obj
    assert mod.varargs() == ()
    assert mod.varargs(1, "two", None) == (1, "two", None)
    assert mod.keywords(1, 2) == ((1, 2), {})
    assert mod.keywords(1, b=2, c=3) == ((1,), {"b": 2, "c": 3})


def test_wrong_argument_counts(hpy):
    mod = hpy.make_module("""
        HPyDef_METH(noargs, "noargs", HPyFunc_NOARGS)
        static HPy noargs_impl(HPyContext *ctx, HPy self)
        {
            return HPy_Dup(ctx, ctx->h_None);
        }
        HPyDef_METH(onearg, "onearg", HPyFunc_O)
        static HPy onearg_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            return HPy_Dup(ctx, arg);
        }
        @EXPORT(noargs)
        @EXPORT(onearg)
        @INIT
    """)
    with pytest.raises(TypeError, match=r"noargs\(\) takes no arguments \(1 given\)"):
        mod.noargs(1)
    with pytest.raises(TypeError, match=r"onearg\(\) takes exactly one argument \(0 given\)"):
        mod.onearg()
    with pytest.raises(TypeError, match=r"onearg\(\) takes no keyword arguments"):
        mod.onearg(x=1)


def test_exec_slot_and_module_doc(hpy):
    mod = hpy.make_module("""
        HPyDef_SLOT(exec_first, HPy_mod_exec)
        static int exec_first_impl(HPyContext *ctx, HPy m)
        {
            HPy value = HPyLong_FromLong(ctx, 1);
            int res = HPy_SetAttr_s(ctx, m, "order", value);
            HPy_Close(ctx, value);
            return res;
        }
        HPyDef_SLOT(exec_second, HPy_mod_exec)
        static int exec_second_impl(HPyContext *ctx, HPy m)
        {
            HPy one = HPy_GetAttr_s(ctx, m, "order");
            HPy two = HPyLong_FromLong(ctx, 2);
            HPy both = HPyTuple_Pack(ctx, 2, one, two);
            int res = HPy_SetAttr_s(ctx, m, "order", both);
            HPy_Close(ctx, one);
            HPy_Close(ctx, two);
            HPy_Close(ctx, both);
            return res;
        }
        @EXPORT(exec_first)
        @EXPORT(exec_second)
        @INIT
    """)
    assert mod.order == (1, 2)
    assert mod.__doc__ == "conformance test module"


def test_exec_slot_failure_fails_import(hpy):
    with pytest.raises(ValueError, match="exec refused"):
        hpy.make_module("""
            HPyDef_SLOT(exec_fail, HPy_mod_exec)
            static int exec_fail_impl(HPyContext *ctx, HPy m)
            {
                HPyErr_SetString(ctx, ctx->h_ValueError, "exec refused");
                return -1;
            }
            @EXPORT(exec_fail)
            @INIT
        """)


def test_module_state(hpy):
    mod = hpy.make_module("""
        typedef struct { long counter; double zero; } state_t;

        HPyDef_METH(bump, "bump", HPyFunc_NOARGS)
        static HPy bump_impl(HPyContext *ctx, HPy self)
        {
            state_t *st = HPyModule_STATE(ctx, self, state_t);
            if (st == NULL)
                return HPy_NULL;
            st->counter++;
            return HPyLong_FromLong(ctx, st->counter);
        }
        HPyDef_METH(zero, "zero", HPyFunc_NOARGS)
        static HPy zero_impl(HPyContext *ctx, HPy self)
        {
            return HPyFloat_FromDouble(ctx, HPyModule_STATE(ctx, self, state_t)->zero);
        }
        HPyDef_METH(state_of, "state_of", HPyFunc_O)
        static HPy state_of_impl(HPyContext *ctx, HPy self, HPy obj)
        {
            if (HPyModule_GetState(ctx, obj) == NULL)
                return HPy_NULL;
            return HPy_Dup(ctx, ctx->h_True);
        }
        @EXPORT(bump)
        @EXPORT(zero)
        @EXPORT(state_of)
        @INIT(state_t)
    """)
    assert mod.zero() == 0.0
    # Counted from the first call, so that the test can run again on the same module.
    first = mod.bump()
    assert [mod.bump() for _ in range(3)] == [first + 1, first + 2, first + 3]
    with pytest.raises(TypeError, match="expected a module"):
        mod.state_of(42)


def test_module_without_state(hpy):
    mod = hpy.make_module("""
        HPyDef_METH(has_state, "has_state", HPyFunc_NOARGS)
        static HPy has_state_impl(HPyContext *ctx, HPy self)
        {
            return HPyBool_FromBool(ctx, HPyModule_GetState(ctx, self) != NULL);
        }
        @EXPORT(has_state)
        @INIT
    """)
    assert mod.has_state() is False


def test_negative_module_state_size_is_refused(hpy):
    with pytest.raises(SystemError, match=r"^module 'hm_\w+': HPy does not permit "
                                          r"HPyModuleDef\.size < 0 \(it is -1\)$"):
        hpy.make_module("""
            static HPyDef *defines[] = { NULL };
            static HPyModuleDef moddef = { .size = -1, .defines = defines };
            HPy_MODINIT(@NAME@, moddef)
        """)


def test_unsupported_method_signature_is_refused(hpy):
    # HPy 0.9's exception; the message names the method and the signature.
    with pytest.raises(ValueError, match=r"unsupported HPyMeth signature 1234$"):
        hpy.make_module("""
            HPyDef f = {
                .kind = HPyDef_Kind_Meth,
                .meth = { .name = "f", .signature = (HPyFunc_Signature)1234 },
            };
            @EXPORT(f)
            @INIT
        """)
