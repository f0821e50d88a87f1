"""Types made in debug and trace mode: their functions are bound to closures, which the
type takes and releases when it goes, so that a type made again and again costs
nothing; its instances and methods work for as long as anything holds the type."""
import gc
import platform
import sys

import pytest

from debugtools import load

SOURCE = """
    typedef struct { long value; } BoxObject;
    HPyType_HELPERS(BoxObject)
    static long destroyed;

    HPyDef_SLOT(Box_new, HPy_tp_new)
    static HPy Box_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                            HPy kw)
    {
        BoxObject *box;
        HPy h = HPy_New(ctx, type, &box);
        if (!HPy_IsNull(h))
            box->value = nargs > 0 ? HPyLong_AsLong(ctx, args[0]) : 0;
        return h;
    }
    HPyDef_SLOT(Box_destroy, HPy_tp_destroy)
    static void Box_destroy_impl(void *self)
    {
        destroyed++;
    }
    HPyDef_METH(Box_get, "get", HPyFunc_NOARGS)
    static HPy Box_get_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, BoxObject_AsStruct(ctx, self)->value);
    }
    HPyDef_GET(Box_twice, "twice")
    static HPy Box_twice_get(HPyContext *ctx, HPy self, void *closure)
    {
        return HPyLong_FromLong(ctx, 2 * BoxObject_AsStruct(ctx, self)->value);
    }
    static HPyDef *Box_defines[] = { &Box_new, &Box_destroy, &Box_get, &Box_twice, NULL };
    static HPyType_Spec Box_spec = {
        .name = "mytest.Box",
        .basicsize = sizeof(BoxObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .defines = Box_defines,
    };

    HPyDef_METH(make_type, "make_type", HPyFunc_NOARGS)
    static HPy make_type_impl(HPyContext *ctx, HPy self)
    {
        return HPyType_FromSpec(ctx, &Box_spec, NULL);
    }
    HPyDef_METH(destroyed_count, "destroyed_count", HPyFunc_NOARGS)
    static HPy destroyed_count_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, destroyed);
    }
    @EXPORT(make_type)
    @EXPORT(destroyed_count)
    @INIT
"""

MODES = [pytest.param({"debug": True}, id="debug"), pytest.param({"trace": True}, id="trace"),
         pytest.param({"debug": True, "trace": True}, id="debug+trace")]


@pytest.mark.parametrize("modes", MODES)
def test_instances_outlive_the_name_of_their_type(modes):
    m = load(SOURCE, **{"debug": False, **modes})
    boxes = [m.make_type()(n) for n in range(3)]
    sub = type("Sub", (m.make_type(),), {"get": lambda self: -1})(5)
    gc.collect()
    assert [(b.get(), b.twice) for b in boxes] == [(0, 0), (1, 2), (2, 4)]
    assert (sub.get(), sub.twice) == (-1, 10)
    before = m.destroyed_count()
    del boxes, sub
    for _ in range(10):
        gc.collect()
    assert m.destroyed_count() == before + 4


@pytest.mark.skipif(platform.python_implementation() == "PyPy",
                    reason="PyPy's sys.getallocatedblocks() counts no C allocations")
@pytest.mark.parametrize("modes", MODES)
def test_types_made_again_and_again_cost_nothing(modes):
    m = load(SOURCE, **{"debug": False, **modes})

    def make_and_drop(n):
        for _ in range(n):
            m.make_type()(1).get()
        gc.collect()

    make_and_drop(20)
    blocks = sys.getallocatedblocks()
    make_and_drop(200)
    # A leak of one block a type shows as 200; the rest is the interpreter's own noise.
    assert sys.getallocatedblocks() - blocks < 50
