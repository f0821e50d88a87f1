"""Context variables: HPyContextVar_New/Get/Set against Python's contextvars."""
import contextvars

import pytest

SOURCE = """
    /* new(name or None, default or absent) */
    HPyDef_METH(new, "new", HPyFunc_VARARGS)
    static HPy new_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPy_Is(ctx, args[0], ctx->h_None)
                               ? NULL : HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        if (name == NULL && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyContextVar_New(ctx, name, nargs > 1 ? args[1] : HPy_NULL);
    }

    /* get(var, default or absent) -> (status, value or "<missing>") */
    HPyDef_METH(get, "get", HPyFunc_VARARGS)
    static HPy get_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy result = ctx->h_Ellipsis;
        int32_t status = HPyContextVar_Get(ctx, args[0], nargs > 1 ? args[1] : HPy_NULL,
                                           &result);
        if (status < 0) {
            if (!HPy_IsNull(result))
                return HPyErr_SetString(ctx, ctx->h_AssertionError, "result not cleared");
            return HPy_NULL;
        }
        if (HPy_IsNull(result))
            return HPy_BuildValue(ctx, "(is)", status, "<missing>");
        HPy tuple = HPy_BuildValue(ctx, "(iO)", status, result);
        HPy_Close(ctx, result);
        return tuple;
    }

    HPyDef_METH(set, "set", HPyFunc_VARARGS)
    static HPy set_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyContextVar_Set(ctx, args[0], args[1]);
    }

    @EXPORT(new)
    @EXPORT(get)
    @EXPORT(set)
    @INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def test_new(mod):
    var = mod.new("mytest_var")
    assert type(var) is contextvars.ContextVar
    assert var.name == "mytest_var"
    with pytest.raises(LookupError):
        var.get()
    with_default = mod.new("mytest_default", 5)
    assert with_default.get() == 5


def test_new_needs_a_name(mod):
    with pytest.raises(TypeError, match="context variable name must be a str"):
        mod.new(None)


def test_get(mod):
    var = mod.new("mytest_var")
    assert mod.get(var) == (0, "<missing>")
    assert mod.get(var, "fallback") == (0, "fallback")
    with_default = contextvars.ContextVar("mytest_default", default=1)
    assert mod.get(with_default) == (0, 1)
    assert mod.get(with_default, 2) == (0, 2)
    token = with_default.set(3)
    assert mod.get(with_default, 2) == (0, 3)
    with_default.reset(token)


def test_set_is_seen_by_python_and_scoped_to_the_context(mod):
    var = mod.new("mytest_var")

    def inner():
        token = mod.set(var, "inside")
        assert type(token) is contextvars.Token
        assert token.var is var
        assert var.get() == "inside"
        assert mod.get(var) == (0, "inside")
        var.reset(token)
        assert mod.get(var) == (0, "<missing>")
        mod.set(var, "kept in the copy")

    context = contextvars.copy_context()
    context.run(inner)
    assert context[var] == "kept in the copy"
    assert mod.get(var) == (0, "<missing>")


def test_errors(mod):
    with pytest.raises(TypeError, match="an instance of ContextVar was expected"):
        mod.get("not a var")
    with pytest.raises(TypeError, match="an instance of ContextVar was expected"):
        mod.set(42, 1)
