"""Class and static methods on types: handlepy's HPyDef_CLASSMETHOD/HPyDef_STATICMETHOD."""
import pytest

SOURCE = """
    typedef struct { long value; } KObject;
    HPyType_HELPERS(KObject)

    /* make(value): an instance of the class it is called on. */
    HPyDef_CLASSMETHOD(K_make, "make", HPyFunc_O, .doc = "make(value) -> instance")
    static HPy K_make_impl(HPyContext *ctx, HPy cls, HPy value)
    {
        long v = HPyLong_AsLong(ctx, value);
        if (v == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        KObject *k;
        HPy h = HPy_New(ctx, cls, &k);
        if (!HPy_IsNull(h))
            k->value = v;
        return h;
    }

    HPyDef_CLASSMETHOD(K_which, "which", HPyFunc_NOARGS)
    static HPy K_which_impl(HPyContext *ctx, HPy cls)
    {
        return HPy_Dup(ctx, cls);
    }

    HPyDef_CLASSMETHOD(K_count, "count", HPyFunc_VARARGS)
    static HPy K_count_impl(HPyContext *ctx, HPy cls, const HPy *args, size_t nargs)
    {
        return HPy_BuildValue(ctx, "(On)", cls, (HPy_ssize_t)nargs);
    }

    HPyDef_CLASSMETHOD(K_kw, "kw", HPyFunc_KEYWORDS)
    static HPy K_kw_impl(HPyContext *ctx, HPy cls, const HPy *args, size_t nargs,
                         HPy kwnames)
    {
        return HPy_BuildValue(ctx, "(OnO)", cls, (HPy_ssize_t)nargs,
                              HPy_IsNull(kwnames) ? ctx->h_None : kwnames);
    }

    /* Static methods get no self at all. */
    HPyDef_STATICMETHOD(K_add, "add", HPyFunc_VARARGS, .doc = "add(a, b)")
    static HPy K_add_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        if (!HPy_IsNull(self))
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "self is not NULL");
        if (nargs != 2)
            return HPyErr_SetString(ctx, ctx->h_TypeError, "add() takes 2 arguments");
        return HPy_Add(ctx, args[0], args[1]);
    }

    HPyDef_STATICMETHOD(K_null_self, "null_self", HPyFunc_NOARGS)
    static HPy K_null_self_impl(HPyContext *ctx, HPy self)
    {
        return HPyBool_FromBool(ctx, HPy_IsNull(self));
    }

    HPyDef_STATICMETHOD(K_ident, "ident", HPyFunc_O)
    static HPy K_ident_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return HPy_IsNull(self) ? HPy_Dup(ctx, arg) : HPy_NULL;
    }

    HPyDef_STATICMETHOD(K_names, "names", HPyFunc_KEYWORDS)
    static HPy K_names_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                            HPy kwnames)
    {
        if (!HPy_IsNull(self))
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "self is not NULL");
        return HPy_Dup(ctx, HPy_IsNull(kwnames) ? ctx->h_None : kwnames);
    }

    /* A plain HPyDef_METH next to them is still an instance method. */
    HPyDef_METH(K_get, "get", HPyFunc_NOARGS)
    static HPy K_get_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, KObject_AsStruct(ctx, self)->value);
    }

    static HPyDef *K_defines[] = {
        &K_make, &K_which, &K_count, &K_kw, &K_add, &K_null_self, &K_ident, &K_names, &K_get,
        NULL
    };
    static HPyType_Spec K_spec = {
        .name = "mytest.K",
        .basicsize = sizeof(KObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .defines = K_defines,
    };

    HPyDef_METH(K_bad, "bad", HPyFunc_NOARGS, .binding = (HPyMeth_Binding)7)
    static HPy K_bad_impl(HPyContext *ctx, HPy self)
    {
        return HPy_NULL;
    }

    static HPyDef *Bad_defines[] = {&K_bad, NULL};
    static HPyType_Spec Bad_spec = {
        .name = "mytest.Bad",
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = Bad_defines,
    };

    HPyDef_METH(make_bad, "make_bad", HPyFunc_NOARGS)
    static HPy make_bad_impl(HPyContext *ctx, HPy self)
    {
        return HPyType_FromSpec(ctx, &Bad_spec, NULL);
    }

    HPyDef_SLOT(add_types, HPy_mod_exec)
    static int add_types_impl(HPyContext *ctx, HPy m)
    {
        return HPyHelpers_AddType(ctx, m, "K", &K_spec, NULL) ? 0 : -1;
    }

    @EXPORT(add_types)
    @EXPORT(make_bad)
    @INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def test_classmethods(mod):
    K = mod.K
    k = K.make(5)
    assert type(k) is K and k.get() == 5
    assert K.which() is K
    assert k.which() is K
    assert K.count(1, 2, 3) == (K, 3)
    assert K.kw(1, a=2) == (K, 1, ("a",))
    assert K.kw() == (K, 0, None)
    assert K.make.__self__ is K
    with pytest.raises(TypeError):
        K.make("x")


def test_classmethods_get_the_subclass(mod):
    class Sub(mod.K):
        pass

    s = Sub.make(7)
    assert type(s) is Sub and s.get() == 7
    assert Sub.which() is Sub
    assert s.which() is Sub


def test_staticmethods(mod):
    K = mod.K
    assert K.add(2, 3) == 5
    assert K.make(1).add("a", "b") == "ab"
    assert K.null_self() is True
    assert K.make(1).null_self() is True
    sentinel = object()
    assert K.ident(sentinel) is sentinel
    assert K.names(1, x=2) == ("x",)
    assert K.names() is None
    with pytest.raises(TypeError, match=r"add\(\) takes 2 arguments"):
        K.add(1)


def test_instance_methods_are_unchanged(mod):
    with pytest.raises(TypeError):
        mod.K.get()
    assert mod.K.make(3).get() == 3


def test_unknown_binding_is_refused(mod):
    with pytest.raises(TypeError, match="method 'bad' has an unknown binding 7"):
        mod.make_bad()


def test_module_functions_cannot_bind(hpy):
    source = """
        HPyDef_CLASSMETHOD(f, "f", HPyFunc_NOARGS)
        static HPy f_impl(HPyContext *ctx, HPy cls)
        {
            return HPy_Dup(ctx, ctx->h_None);
        }
        @EXPORT(f)
        @INIT
    """
    with pytest.raises(ValueError, match="module functions cannot set METH_CLASS or METH_STATIC"):
        hpy.make_module(source)
