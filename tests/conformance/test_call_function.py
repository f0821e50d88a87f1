"""Per-object call functions: HPyDef_CALL_FUNCTION and HPy_SetCallFunction, on types that
opt in with HPy_tp_call or with a __vectorcalloffset__ member."""
import pytest

SOURCE = """
    /* Each call function answers (its name, positional args, keyword names, values). */
    static HPy report(HPyContext *ctx, const char *name, const HPy *args, size_t nargs,
                      HPy kwnames)
    {
        HPy_ssize_t nkw = HPy_IsNull(kwnames) ? 0 : HPy_Length(ctx, kwnames);
        HPy pos = HPyTuple_FromArray(ctx, (HPy *)args, (HPy_ssize_t)nargs);
        HPy names = HPy_IsNull(kwnames) ? HPyTuple_FromArray(ctx, NULL, 0)
                                        : HPy_Dup(ctx, kwnames);
        HPy values = HPyTuple_FromArray(ctx, (HPy *)args + nargs, nkw);
        HPy result = HPy_BuildValue(ctx, "sOOO", name, pos, names, values);
        HPy_Close(ctx, pos);
        HPy_Close(ctx, names);
        HPy_Close(ctx, values);
        return result;
    }

    HPyDef_CALL_FUNCTION(call_a)
    static HPy call_a_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                           HPy kwnames)
    {
        return report(ctx, "a", args, nargs, kwnames);
    }

    HPyDef_CALL_FUNCTION(call_b)
    static HPy call_b_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                           HPy kwnames)
    {
        return report(ctx, "b", args, nargs, kwnames);
    }

    static HPyCallFunction *by_name(HPyContext *ctx, HPy name)
    {
        const char *s = HPyUnicode_AsUTF8AndSize(ctx, name, NULL);
        if (s == NULL)
            return NULL;
        if (strcmp(s, "a") == 0)
            return &call_a;
        if (strcmp(s, "b") == 0)
            return &call_b;
        HPyErr_SetString(ctx, ctx->h_ValueError, "no such call function");
        return NULL;
    }

    /* T: opts in with HPy_tp_call, its default; T(name) gets call function `name`. */
    typedef struct { long tag; } TObject;
    HPyType_HELPERS(TObject)

    HPyDef_SLOT(T_new, HPy_tp_new)
    static HPy T_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                          HPy kw)
    {
        TObject *data;
        HPy h = HPy_New(ctx, type, &data);
        if (HPy_IsNull(h) || nargs == 0)
            return h;
        data->tag = 7;
        HPyCallFunction *func = by_name(ctx, args[0]);
        if (func == NULL || HPy_SetCallFunction(ctx, h, func) < 0) {
            HPy_Close(ctx, h);
            return HPy_NULL;
        }
        return h;
    }

    HPyDef_SLOT(T_call, HPy_tp_call)
    static HPy T_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                           HPy kwnames)
    {
        return report(ctx, "default", args, nargs, kwnames);
    }

    HPyDef_GET(T_tag, "tag")
    static HPy T_tag_get(HPyContext *ctx, HPy self, void *closure)
    {
        return HPyLong_FromLong(ctx, TObject_AsStruct(ctx, self)->tag);
    }

    static HPyDef *T_defines[] = { &T_new, &T_call, &T_tag, NULL };
    static HPyType_Spec T_spec = {
        .name = "mytest.T",
        .basicsize = sizeof(TObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .defines = T_defines,
    };

    /* F: opts in with a __vectorcalloffset__ member naming a field of its struct; F(name)
     * stores call function `name` there itself, F() leaves it empty. */
    typedef struct { long before; HPyCallFunction call_func; long after; } FObject;
    HPyType_HELPERS(FObject)

    HPyDef_MEMBER(F_offset, "__vectorcalloffset__", HPyMember_HPYSSIZET,
                  offsetof(FObject, call_func), .readonly = 1)

    HPyDef_SLOT(F_new, HPy_tp_new)
    static HPy F_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                          HPy kw)
    {
        FObject *data;
        HPy h = HPy_New(ctx, type, &data);
        if (HPy_IsNull(h) || nargs == 0)
            return h;
        HPyCallFunction *func = by_name(ctx, args[0]);
        if (func == NULL) {
            HPy_Close(ctx, h);
            return HPy_NULL;
        }
        data->call_func = *func;
        return h;
    }

    static HPyDef *F_defines[] = { &F_offset, &F_new, NULL };
    static HPyType_Spec F_spec = {
        .name = "mytest.F",
        .basicsize = sizeof(FObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .defines = F_defines,
    };

    /* Plain: did not opt in. */
    static HPyDef *Plain_defines[] = { NULL };
    static HPyType_Spec Plain_spec = {
        .name = "mytest.Plain",
        .basicsize = sizeof(TObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .defines = Plain_defines,
    };

    /* Sub: an HPy subtype of T whose struct covers where T keeps the call function; its
     * fields are all set after the call function is. */
    typedef struct { TObject base; long extra[4]; } SubObject;
    HPyType_HELPERS(SubObject)

    HPyDef_SLOT(Sub_new, HPy_tp_new)
    static HPy Sub_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                            HPy kw)
    {
        SubObject *data;
        HPy h = HPy_New(ctx, type, &data);
        if (HPy_IsNull(h))
            return h;
        if (nargs > 0) {
            HPyCallFunction *func = by_name(ctx, args[0]);
            if (func == NULL || HPy_SetCallFunction(ctx, h, func) < 0) {
                HPy_Close(ctx, h);
                return HPy_NULL;
            }
        }
        for (int i = 0; i < 4; i++)
            data->extra[i] = -1;
        return h;
    }

    HPyDef_GET(Sub_extra, "extra")
    static HPy Sub_extra_get(HPyContext *ctx, HPy self, void *closure)
    {
        SubObject *data = SubObject_AsStruct(ctx, self);
        return HPy_BuildValue(ctx, "llll", data->extra[0], data->extra[1], data->extra[2],
                              data->extra[3]);
    }

    static HPyDef *Sub_defines[] = { &Sub_new, &Sub_extra, NULL };
    static HPyType_Spec Sub_spec = {
        .name = "mytest.Sub",
        .basicsize = sizeof(SubObject),
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = Sub_defines,
    };

    /* make_sub(T) -> a subtype of T made by HPyType_FromSpec */
    HPyDef_METH(make_sub, "make_sub", HPyFunc_O)
    static HPy make_sub_impl(HPyContext *ctx, HPy self, HPy base)
    {
        HPyType_SpecParam params[] = {{HPyType_SpecParam_Base, base}, {0}};
        return HPyType_FromSpec(ctx, &Sub_spec, params);
    }

    /* set_call(obj, name) -> None */
    HPyDef_METH(set_call, "set_call", HPyFunc_VARARGS)
    static HPy set_call_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPyCallFunction *func = by_name(ctx, args[1]);
        if (func == NULL || HPy_SetCallFunction(ctx, args[0], func) < 0)
            return HPy_NULL;
        return HPy_Dup(ctx, ctx->h_None);
    }

    @EXPORT(set_call)
    @EXPORT(make_sub)
    @EXPORT_TYPE("T", T_spec)
    @EXPORT_TYPE("F", F_spec)
    @EXPORT_TYPE("Plain", Plain_spec)
    @INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module("#include <string.h>\n" + SOURCE)


# The messages name the type by its tp_name: "mytest.F" on CPython, "F" on PyPy.
MYTEST = r"(mytest\.)?"


def via_tp_call(obj, *args, **kw):
    """The call through the type's tp_call, which callers that skip vectorcall take."""
    return type(obj).__call__(obj, *args, **kw)


def test_two_instances_get_their_own_functions(mod):
    a, b = mod.T("a"), mod.T("b")
    assert a(1, 2) == ("a", (1, 2), (), ())
    assert b(1, 2) == ("b", (1, 2), (), ())
    assert via_tp_call(a, 3) == ("a", (3,), (), ())
    assert via_tp_call(b, 3) == ("b", (3,), (), ())
    assert a.tag == b.tag == 7


def test_the_types_default(mod):
    t = mod.T()
    assert t(1) == ("default", (1,), (), ())
    assert via_tp_call(t) == ("default", (), (), ())
    assert t.tag == 0


def test_keywords(mod):
    a, t = mod.T("a"), mod.T()
    assert a(1, x=2, y=3) == ("a", (1,), ("x", "y"), (2, 3))
    assert a(**{"z": None}) == ("a", (), ("z",), (None,))
    assert via_tp_call(a, 1, x=2) == ("a", (1,), ("x",), (2,))
    assert t(x=1) == ("default", (), ("x",), (1,))


def test_set_after_creation(mod):
    t = mod.T()
    assert mod.set_call(t, "b") is None
    assert t() == ("b", (), (), ())
    mod.set_call(t, "a")
    assert t(5) == ("a", (5,), (), ())
    assert mod.T()() == ("default", (), (), ())


def test_vectorcalloffset_member(mod):
    a, b = mod.F("a"), mod.F("b")
    assert a(1, k=2) == ("a", (1,), ("k",), (2,))
    assert b() == ("b", (), (), ())
    assert via_tp_call(b, 4) == ("b", (4,), (), ())
    f = mod.F()
    with pytest.raises(TypeError, match=rf"^'{MYTEST}F' object does not support vectorcall$"):
        f()
    mod.set_call(f, "a")
    assert f(9) == ("a", (9,), (), ())


def test_type_that_did_not_opt_in(mod):
    plain = mod.Plain()
    with pytest.raises(TypeError, match=rf"^type '{MYTEST}Plain' does not implement the HPy "
                                        r"call protocol$"):
        mod.set_call(plain, "a")
    with pytest.raises(TypeError, match="object is not callable"):
        plain()


def test_builtins_own_vectorcall_is_not_touched(mod):
    def f():
        return "python"
    with pytest.raises(TypeError, match=r"^type 'function' does not implement the HPy call "
                                        r"protocol$"):
        mod.set_call(f, "a")
    assert f() == "python"
    with pytest.raises(TypeError, match="does not implement the HPy call protocol"):
        mod.set_call(object(), "a")


def test_python_subclass(mod):
    class S(mod.T):
        pass

    assert S()() == ("default", (), (), ())
    s = S("b")
    assert s(1, x=2) == ("b", (1,), ("x",), (2,))
    assert via_tp_call(s, 1) == ("b", (1,), (), ())
    t = S()
    mod.set_call(t, "a")
    assert t() == ("a", (), (), ())

    class G(mod.F):
        pass

    assert G("b")(3) == ("b", (3,), (), ())


def test_python_subclass_with_its_own_call(mod):
    class C(mod.T):
        def __call__(self, *args, **kw):
            return ("python", args, kw)

    assert C()(1, x=2) == ("python", (1,), {"x": 2})
    assert C("a")(1) == ("python", (1,), {})


def test_python_subclass_of_a_type_that_did_not_opt_in(mod):
    class P(mod.Plain):
        pass

    with pytest.raises(TypeError, match=r"^type 'P' does not implement the HPy call protocol$"):
        mod.set_call(P(), "a")


def test_hpy_subtype_with_a_larger_struct(mod):
    Sub = mod.make_sub(mod.T)
    s = Sub("b")
    assert s.extra == (-1, -1, -1, -1)
    assert s(1, k=2) == ("b", (1,), ("k",), (2,))
    assert via_tp_call(s) == ("b", (), (), ())
    assert Sub()(3) == ("default", (3,), (), ())
    assert Sub().extra == (-1, -1, -1, -1)


CALL_SPEC_REFUSED = """
    HPyDef_SLOT(Bad_call, HPy_tp_call)
    static HPy Bad_call_impl(HPyContext *ctx, HPy callable, const HPy *args, size_t nargs,
                             HPy kwnames)
    {
        return HPy_Dup(ctx, ctx->h_None);
    }
    HPyDef_MEMBER(Bad_offset, "__vectorcalloffset__", HPyMember_HPYSSIZET, 0, .readonly = 1)
    static HPyDef *defines[] = { @DEFINES@ NULL };
    static HPyType_Spec spec = {
        .name = "mytest.Bad",
        .basicsize = sizeof(HPyCallFunction),
        .itemsize = @ITEMSIZE@,
        .defines = defines,
    };
    @EXPORT_TYPE("Bad", spec)
    @INIT
"""


@pytest.mark.parametrize("defines, itemsize, message", [
    ("&Bad_call,", "sizeof(intptr_t)", "HPy_tp_call cannot be used with a non-zero itemsize"),
    ("&Bad_call, &Bad_offset,", "0", "give either HPy_tp_call or a __vectorcalloffset__ "
                                     "member, not both"),
])
def test_call_specs_refused(hpy, defines, itemsize, message):
    source = CALL_SPEC_REFUSED.replace("@DEFINES@", defines).replace("@ITEMSIZE@", itemsize)
    with pytest.raises(TypeError, match="type mytest.Bad: " + message):
        hpy.make_module(source)
