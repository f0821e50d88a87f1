"""HPyHelpers_AddType: create a type from its spec and store it on an object."""
import pytest

SOURCE = """
    static HPyType_Spec Plain_spec = {
        .name = "mytest.Plain",
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .doc = "A plain type.",
    };

    static HPyType_Spec Broken_spec = {
        .name = "mytest.Broken",
        .flags = HPy_TPFLAGS_DEFAULT,
        .builtin_shape = (HPyType_BuiltinShape)99,
    };

    HPyDef_SLOT(add_types, HPy_mod_exec)
    static int add_types_impl(HPyContext *ctx, HPy m)
    {
        return HPyHelpers_AddType(ctx, m, "Plain", &Plain_spec, NULL) ? 0 : -1;
    }

    /* add_to(obj, name, base or None, broken): the helper's result, or its exception. */
    HPyDef_METH(add_to, "add_to", HPyFunc_VARARGS)
    static HPy add_to_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[1], NULL);
        if (name == NULL)
            return HPy_NULL;
        HPyType_SpecParam params[] = {{HPyType_SpecParam_Base, args[2]}, {0}};
        int with_base = !HPy_Is(ctx, args[2], ctx->h_None);
        HPyType_Spec *spec = HPy_IsTrue(ctx, args[3]) ? &Broken_spec : &Plain_spec;
        int res = HPyHelpers_AddType(ctx, args[0], name, spec, with_base ? params : NULL);
        if (res != 0 && res != 1)
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "result is not 0 or 1");
        if (res == 0 && !HPyErr_Occurred(ctx))
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "0 without an exception");
        return res ? HPyLong_FromLong(ctx, res) : HPy_NULL;
    }

    @EXPORT(add_types)
    @EXPORT(add_to)
    @INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def test_added_in_exec(mod):
    assert isinstance(mod.Plain, type)
    assert mod.Plain.__name__ == "Plain" and mod.Plain.__module__ == "mytest"
    assert mod.Plain.__doc__ == "A plain type."
    assert type(mod.Plain()) is mod.Plain


def test_add_to_any_object(mod):
    class Holder:
        pass

    assert mod.add_to(Holder, "T", None, False) == 1
    assert Holder.T.__name__ == "Plain" and Holder.T is not mod.Plain
    assert mod.add_to(Holder, "Derived", mod.Plain, False) == 1
    assert issubclass(Holder.Derived, mod.Plain)


def test_failures_return_0_with_the_exception(mod):
    with pytest.raises(ValueError, match="invalid builtin_shape 99"):
        mod.add_to(mod, "Broken", None, True)
    assert not hasattr(mod, "Broken")
    with pytest.raises(AttributeError):
        mod.add_to(42, "T", None, False)
    with pytest.raises(TypeError, match="a base must be a type"):
        mod.add_to(mod, "T", 1, False)
