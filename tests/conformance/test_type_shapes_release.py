"""A builtin-shaped instance releases what its builtin part holds when it dies.

The instance's dealloc is handlepy's (it runs tp_destroy and clears fields), so the
builtin's own cleanup (list items, dict entries, an object's __dict__) must still run.
"""
import gc
import weakref

import pytest

HOLDER = """
    typedef struct { long tag; } HolderObject;
    HPyType_HELPERS(HolderObject, HPyType_BuiltinShape_@SHAPE@)

    static HPyType_Spec spec = {
        .name = "mytest.Holder",
        .basicsize = sizeof(HolderObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .builtin_shape = SHAPE(HolderObject),
    };

    HPyDef_SLOT(add_type, HPy_mod_exec)
    static int add_type_impl(HPyContext *ctx, HPy m)
    {
        HPyType_SpecParam params[] = {
            {HPyType_SpecParam_Base, ctx->@BASE@},
            {(HPyType_SpecParam_Kind)0, HPy_NULL},
        };
        HPy t = HPyType_FromSpec(ctx, &spec, params);
        if (HPy_IsNull(t))
            return -1;
        int res = HPy_SetAttr_s(ctx, m, "Holder", t);
        HPy_Close(ctx, t);
        return res;
    }
    @EXPORT(add_type)
    @INIT
"""


class Marker:
    pass


def fill_list(holder, marker):
    holder.append(marker)


def fill_dict(holder, marker):
    holder["key"] = marker


def fill_subclass_dict(holder, marker):
    holder.attribute = marker


CASES = {
    "List": ("h_ListType", fill_list, False),
    "Dict": ("h_DictType", fill_dict, False),
    "Object": ("h_BaseObjectType", fill_subclass_dict, True),
}


def collect():
    """PyPy frees C-level objects one collection after their last reference goes."""
    for _ in range(3):
        gc.collect()


@pytest.mark.parametrize("shape", sorted(CASES))
def test_dead_instance_releases_builtin_contents(hpy, shape):
    base, fill, needs_subclass = CASES[shape]
    mod = hpy.make_module(HOLDER.replace("@SHAPE@", shape).replace("@BASE@", base))
    cls = mod.Holder
    if needs_subclass:
        class WithDict(cls):
            pass
        cls = WithDict
    holder, marker = cls(), Marker()
    fill(holder, marker)
    alive = weakref.ref(marker)
    del holder, marker
    collect()
    assert alive() is None
