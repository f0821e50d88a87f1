"""Legacy-shaped types (hybrid and CPython ABIs): a struct that starts with PyObject_HEAD
is the object itself, for HPy_New, T_AsStruct, HPyDef_MEMBER, tp_traverse and tp_destroy
alike; the legacy slots' tables join the spec's definitions."""
import gc

import pytest

LEGACY = """
    #include <Python.h>
    #include <structmember.h>

    typedef struct {
        PyObject_HEAD
        long x;
        long y;
        HPyField other;
    } LegacyObject;
    HPyType_LEGACY_HELPERS(LegacyObject)

    static long destroyed, destroyed_wrong;

    HPyDef_SLOT(Legacy_new, HPy_tp_new)
    static HPy Legacy_new_impl(HPyContext *ctx, HPy type, const HPy *args,
                               HPy_ssize_t nargs, HPy kw)
    {
        long x, y;
        if (!HPyArg_Parse(ctx, NULL, args, nargs, "ll", &x, &y))
            return HPy_NULL;
        LegacyObject *p;
        HPy h = HPy_New(ctx, type, &p);
        if (HPy_IsNull(h))
            return HPy_NULL;
        p->x = x;
        p->y = y;
        return h;
    }

    HPyDef_SLOT(Legacy_traverse, HPy_tp_traverse)
    static int Legacy_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        HPy_VISIT(&((LegacyObject *)self)->other);
        return 0;
    }

    HPyDef_SLOT(Legacy_destroy, HPy_tp_destroy)
    static void Legacy_destroy_impl(void *self)
    {
        /* The struct is the object: its header names the object's type. */
        if (Py_TYPE((PyObject *)self) != NULL && ((LegacyObject *)self)->x == 7)
            destroyed++;
        else
            destroyed_wrong++;
    }

    HPyDef_GETSET(Legacy_other, "other")
    static HPy Legacy_other_get(HPyContext *ctx, HPy self, void *closure)
    {
        HPy h = HPyField_Load(ctx, self, LegacyObject_AsStruct(ctx, self)->other);
        return HPy_IsNull(h) ? HPy_Dup(ctx, ctx->h_None) : h;
    }
    static int Legacy_other_set(HPyContext *ctx, HPy self, HPy value, void *closure)
    {
        HPyField_Store(ctx, self, &LegacyObject_AsStruct(ctx, self)->other, value);
        return 0;
    }

    HPyDef_MEMBER(Legacy_x, "x", HPyMember_LONG, offsetof(LegacyObject, x))

    HPyDef_METH(Legacy_sum, "sum", HPyFunc_NOARGS)
    static HPy Legacy_sum_impl(HPyContext *ctx, HPy self)
    {
        LegacyObject *p = LegacyObject_AsStruct(ctx, self);
        return HPyLong_FromLong(ctx, p->x + p->y);
    }

    static PyObject *Legacy_diff(PyObject *self, PyObject *unused)
    {
        LegacyObject *p = (LegacyObject *)self;
        return PyLong_FromLong(p->x - p->y);
    }
    static PyMethodDef legacy_methods[] = {
        {"diff", Legacy_diff, METH_NOARGS, NULL},
        {NULL, NULL, 0, NULL},
    };
    static PyMemberDef legacy_members[] = {
        {"y", T_LONG, offsetof(LegacyObject, y), 0, NULL},
        {NULL, 0, 0, 0, NULL},
    };
    static PyObject *Legacy_twice_get(PyObject *self, void *closure)
    {
        return PyLong_FromLong(2 * ((LegacyObject *)self)->x);
    }
    static PyGetSetDef legacy_getsets[] = {
        {"twice", Legacy_twice_get, NULL, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL},
    };
    static PyType_Slot legacy_slots[] = {
        {Py_tp_methods, legacy_methods},
        {Py_tp_members, legacy_members},
        {Py_tp_getset, legacy_getsets},
        {0, NULL},
    };

    static HPyDef *Legacy_defines[] = {
        &Legacy_new, &Legacy_traverse, &Legacy_destroy, &Legacy_other, &Legacy_x,
        &Legacy_sum, NULL
    };
    static HPyType_Spec Legacy_spec = {
        .name = "mytest.Legacy",
        .basicsize = sizeof(LegacyObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC | HPy_TPFLAGS_BASETYPE,
        .builtin_shape = SHAPE(LegacyObject),
        .legacy_slots = legacy_slots,
        .defines = Legacy_defines,
    };

    HPyDef_METH(destroy_counts, "destroy_counts", HPyFunc_NOARGS)
    static HPy destroy_counts_impl(HPyContext *ctx, HPy self)
    {
        return HPy_BuildValue(ctx, "ll", destroyed, destroyed_wrong);
    }

    HPyDef_METH(shape_of, "shape_of", HPyFunc_O)
    static HPy shape_of_impl(HPyContext *ctx, HPy self, HPy type)
    {
        return HPyLong_FromLong(ctx, (long)_HPyType_GetBuiltinShape(ctx, type));
    }

    @EXPORT_TYPE("Legacy", Legacy_spec)
    @EXPORT(destroy_counts)
    @EXPORT(shape_of)
"""


@pytest.fixture
def legacy(hpy_legacy):
    return hpy_legacy.make_module(LEGACY + "@INIT\n")


def test_hpy_new_gives_the_object_as_the_struct(legacy):
    obj = legacy.Legacy(7, 3)
    # HPyDef_MEMBER, the legacy member, T_AsStruct and the C-API cast all read the
    # values HPy_New's pointer wrote.
    assert (obj.x, obj.y, obj.sum(), obj.diff(), obj.twice) == (7, 3, 10, 4, 14)
    obj.y = 5
    assert obj.sum() == 12


def test_legacy_tables_join_the_definitions(legacy):
    names = set(vars(legacy.Legacy))
    assert {"x", "sum", "other", "diff", "y", "twice"} <= names


def test_builtin_shape_is_legacy(legacy):
    class Sub(legacy.Legacy):
        pass

    assert legacy.shape_of(legacy.Legacy) == -1
    assert legacy.shape_of(Sub) == -1
    assert legacy.shape_of(object) == 0


def test_traverse_and_destroy_get_the_object(legacy):
    gc.collect()
    before = legacy.destroy_counts()
    a, b = legacy.Legacy(7, 0), legacy.Legacy(7, 0)
    a.other, b.other = b, a
    assert gc.get_referents(a) == [b]
    del a, b
    gc.collect()
    destroyed, wrong = legacy.destroy_counts()
    assert (destroyed - before[0], wrong - before[1]) == (2, 0)


def test_python_subclass_keeps_the_legacy_struct(legacy):
    class Sub(legacy.Legacy):
        pass

    s = Sub(2, 9)
    s.other = s
    s.attr = "in the instance dict"
    assert (s.x, s.y, s.sum(), s.other is s) == (2, 9, 11, True)
    del s
    gc.collect()


@pytest.mark.parametrize("slot", ["traverse", "destroy"])
def test_legacy_dealloc_with_runtime_dealloc_is_refused(hpy_legacy, slot):
    source = LEGACY.replace("{Py_tp_methods, legacy_methods},",
                            "{Py_tp_methods, legacy_methods}, {Py_tp_dealloc, (void *)free},")
    if slot == "destroy":
        source = source.replace("&Legacy_traverse, ", "").replace("HPy_TPFLAGS_HAVE_GC | ", "")
    else:
        source = source.replace("&Legacy_destroy, ", "")
    with pytest.raises(TypeError, match="a legacy tp_dealloc cannot be combined with "
                                        "HPy_tp_traverse or HPy_tp_destroy"):
        hpy_legacy.make_module(source + "@INIT\n")


SUBTYPES = LEGACY + """
    static HPyType_Spec Pure_spec = {
        .name = "mytest.Pure",
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
    };
    typedef struct { long z; } OwnObject;
    static HPyType_Spec Own_spec = {
        .name = "mytest.Own",
        .basicsize = sizeof(OwnObject),
        .flags = HPy_TPFLAGS_DEFAULT,
    };
    static HPyType_Spec LegacyOnPure_spec = {
        .name = "mytest.LegacyOnPure",
        .flags = HPy_TPFLAGS_DEFAULT,
        .builtin_shape = HPyType_BuiltinShape_Legacy,
    };
    static HPyType_Spec Inheriting_spec = {
        .name = "mytest.Inheriting",
        .flags = HPy_TPFLAGS_DEFAULT,
    };

    /* make(name, base): the spec `name` made with `base` as its base. */
    HPyDef_METH(make, "make", HPyFunc_VARARGS)
    static HPy make_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPyUnicode_AsUTF8AndSize(ctx, args[0], NULL);
        HPyType_Spec *spec = strcmp(name, "Pure") == 0 ? &Pure_spec
                           : strcmp(name, "Own") == 0 ? &Own_spec
                           : strcmp(name, "LegacyOnPure") == 0 ? &LegacyOnPure_spec
                           : &Inheriting_spec;
        HPyType_SpecParam params[] = { {HPyType_SpecParam_Base, args[1]}, {0} };
        return HPyType_FromSpec(ctx, spec, params);
    }
    @EXPORT(make)
    @INIT
"""


@pytest.fixture
def subtypes(hpy_legacy):
    return hpy_legacy.make_module("#include <string.h>\n" + SUBTYPES)


def test_legacy_type_cannot_extend_a_pure_type(subtypes):
    pure = subtypes.make("Pure", object)
    with pytest.raises(TypeError) as err:
        subtypes.make("LegacyOnPure", pure)
    # HPy 0.9's message, word for word.
    assert str(err.value) == "A legacy type should not inherit its memory layout from a pure type"


def test_pure_struct_cannot_overlap_a_legacy_one(subtypes):
    with pytest.raises(TypeError, match="would overlap the struct of its legacy base"):
        subtypes.make("Own", subtypes.Legacy)


def test_pure_type_without_struct_keeps_the_legacy_one(subtypes):
    Inheriting = subtypes.make("Inheriting", subtypes.Legacy)
    obj = Inheriting(4, 1)
    assert (obj.x, obj.y, obj.sum(), obj.diff()) == (4, 1, 5, 3)
    assert subtypes.shape_of(Inheriting) == -1


def test_collection_survives_many_legacy_objects(legacy):
    # HPy_New used to place a legacy struct 16 bytes into the object, so that its last
    # fields ran past the allocation and the collector's next walk crashed.
    objs = [legacy.Legacy(7, i) for i in range(1000)]
    for a, b in zip(objs, objs[1:]):
        a.other = b
    assert sum(o.y for o in objs) == sum(range(1000))
    del objs, a, b
    gc.collect()


def test_legacy_slots_need_the_legacy_shape(hpy_legacy):
    source = LEGACY.replace(".builtin_shape = SHAPE(LegacyObject),", "")
    with pytest.raises(TypeError) as err:
        hpy_legacy.make_module(source + "@INIT\n")
    # HPy 0.9's message, word for word.
    assert str(err.value) == ("cannot specify .legacy_slots without setting "
                              ".builtin_shape=HPyType_BuiltinShape_Legacy")


def test_call_slot_without_struct(hpy_legacy):
    # HPy 0.9 refuses HPy_tp_call on a legacy type of basicsize 0, saying it does not
    # know where to put the call function's word; the base's basicsize says it.
    mod = hpy_legacy.make_module("""
        HPyDef_SLOT(Dummy_call, HPy_tp_call)
        static HPy Dummy_call_impl(HPyContext *ctx, HPy callable, const HPy *args,
                                   size_t nargs, HPy kwnames)
        {
            return HPyLong_FromSize_t(ctx, nargs);
        }
        static HPyDef *Dummy_defines[] = { &Dummy_call, NULL };
        static HPyType_Spec Dummy_spec = {
            .name = "mytest.Dummy",
            .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
            .builtin_shape = HPyType_BuiltinShape_Legacy,
            .defines = Dummy_defines,
        };
        @EXPORT_TYPE("Dummy", Dummy_spec)
        @INIT
    """)

    class Sub(mod.Dummy):
        pass

    assert mod.Dummy()(1, 2) == 2
    assert Sub()(1, 2, 3) == 3
