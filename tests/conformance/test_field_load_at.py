"""HPyField_LoadAt and HPyGlobal_LoadAt: loads given the field's or the global's address
(handlepy's own, ABI 1.1), which are safe against stores from other threads without the
GIL (docs/design.md, "Without the GIL"; tests/test_thread_stress.py stresses them)."""
import platform
import sys

import pytest

SOURCE = """
    typedef struct { HPyField value; } BoxObject;
    HPyType_HELPERS(BoxObject)

    HPyDef_SLOT(Box_new, HPy_tp_new)
    static HPy Box_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                            HPy kw)
    {
        BoxObject *b;
        return HPy_New(ctx, type, &b);
    }

    HPyDef_SLOT(Box_traverse, HPy_tp_traverse)
    static int Box_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        HPy_VISIT(&((BoxObject *)self)->value);
        return 0;
    }

    /* None for an empty field, so that a test sees the HPy_NULL. */
    static HPy or_none(HPyContext *ctx, HPy h)
    {
        return HPy_IsNull(h) ? HPy_Dup(ctx, ctx->h_None) : h;
    }

    HPyDef_METH(Box_put, "put", HPyFunc_O)
    static HPy Box_put_impl(HPyContext *ctx, HPy self, HPy value)
    {
        HPy stored = HPy_Is(ctx, value, ctx->h_None) ? HPy_NULL : value;
        HPyField_Store(ctx, self, &BoxObject_AsStruct(ctx, self)->value, stored);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(Box_get, "get", HPyFunc_NOARGS)
    static HPy Box_get_impl(HPyContext *ctx, HPy self)
    {
        return or_none(ctx, HPyField_LoadAt(ctx, self, &BoxObject_AsStruct(ctx, self)->value));
    }

    /* get_both(): (HPyField_LoadAt, HPyField_Load) of the same field. */
    HPyDef_METH(Box_get_both, "get_both", HPyFunc_NOARGS)
    static HPy Box_get_both_impl(HPyContext *ctx, HPy self)
    {
        BoxObject *box = BoxObject_AsStruct(ctx, self);
        HPy at = or_none(ctx, HPyField_LoadAt(ctx, self, &box->value));
        HPy plain = or_none(ctx, HPyField_Load(ctx, self, box->value));
        HPy pair = HPyTuple_Pack(ctx, 2, at, plain);
        HPy_Close(ctx, at);
        HPy_Close(ctx, plain);
        return pair;
    }

    /* load_many(n): loads the field n times, closing each handle: no reference may stay. */
    HPyDef_METH(Box_load_many, "load_many", HPyFunc_O)
    static HPy Box_load_many_impl(HPyContext *ctx, HPy self, HPy n)
    {
        long count = HPyLong_AsLong(ctx, n);
        if (count == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        for (long i = 0; i < count; i++)
            HPy_Close(ctx, HPyField_LoadAt(ctx, self, &BoxObject_AsStruct(ctx, self)->value));
        return HPy_Dup(ctx, ctx->h_None);
    }

    static HPyDef *Box_defines[] = {
        &Box_new, &Box_traverse, &Box_put, &Box_get, &Box_get_both, &Box_load_many, NULL
    };
    static HPyType_Spec Box_spec = {
        .name = "mytest.Box",
        .basicsize = sizeof(BoxObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
        .defines = Box_defines,
    };

    static HPyGlobal remembered;

    HPyDef_METH(remember, "remember", HPyFunc_O)
    static HPy remember_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        HPyGlobal_Store(ctx, &remembered, HPy_Is(ctx, obj, ctx->h_None) ? HPy_NULL : obj);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(recall, "recall", HPyFunc_NOARGS)
    static HPy recall_impl(HPyContext *ctx, HPy self)
    {
        return or_none(ctx, HPyGlobal_LoadAt(ctx, &remembered));
    }

    HPyDef_METH(recall_both, "recall_both", HPyFunc_NOARGS)
    static HPy recall_both_impl(HPyContext *ctx, HPy self)
    {
        HPy at = or_none(ctx, HPyGlobal_LoadAt(ctx, &remembered));
        HPy plain = or_none(ctx, HPyGlobal_Load(ctx, remembered));
        HPy pair = HPyTuple_Pack(ctx, 2, at, plain);
        HPy_Close(ctx, at);
        HPy_Close(ctx, plain);
        return pair;
    }

    HPyDef_METH(recall_many, "recall_many", HPyFunc_O)
    static HPy recall_many_impl(HPyContext *ctx, HPy self, HPy n)
    {
        long count = HPyLong_AsLong(ctx, n);
        if (count == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        for (long i = 0; i < count; i++)
            HPy_Close(ctx, HPyGlobal_LoadAt(ctx, &remembered));
        return HPy_Dup(ctx, ctx->h_None);
    }

    @EXPORT_TYPE("Box", Box_spec)
    @EXPORT(remember)
    @EXPORT(recall)
    @EXPORT(recall_both)
    @EXPORT(recall_many)
    @INIT
"""

CPYTHON_REFCOUNTS = pytest.mark.skipif(
    platform.python_implementation() == "PyPy",
    reason="sys.getrefcount exists on CPython only")


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def test_field_load_at_gives_what_was_stored(mod):
    box = mod.Box()
    assert box.get() is None
    first, second = object(), [1, 2]
    box.put(first)
    assert box.get() is first
    box.put(second)
    assert box.get() is second
    assert box.get_both() == (second, second) and box.get_both()[0] is second
    box.put(None)
    assert box.get() is None and box.get_both() == (None, None)


def test_global_load_at_gives_what_was_stored(mod):
    assert mod.recall() is None
    obj = object()
    mod.remember(obj)
    assert mod.recall() is obj
    assert mod.recall_both() == (obj, obj)
    mod.remember(None)
    assert mod.recall() is None and mod.recall_both() == (None, None)


@CPYTHON_REFCOUNTS
def test_field_load_at_takes_one_reference_per_handle(mod):
    box, obj = mod.Box(), object()
    box.put(obj)
    base = sys.getrefcount(obj)
    held = box.get()
    assert sys.getrefcount(obj) == base + 1
    del held
    box.load_many(1000)
    assert sys.getrefcount(obj) == base
    box.put(None)
    assert sys.getrefcount(obj) == base - 1


@CPYTHON_REFCOUNTS
def test_global_load_at_takes_one_reference_per_handle(mod):
    obj = object()
    mod.remember(obj)
    base = sys.getrefcount(obj)
    held = mod.recall()
    assert sys.getrefcount(obj) == base + 1
    del held
    mod.recall_many(1000)
    assert sys.getrefcount(obj) == base
    mod.remember(None)
    assert sys.getrefcount(obj) == base - 1
