"""HPyType_FromSpec with HPyType_SpecParam_Metaclass."""
import platform

import pytest

IS_PYPY = platform.python_implementation() == "PyPy"

SOURCE = """
    typedef struct { long created; } MetaObject;
    HPyType_HELPERS(MetaObject, HPyType_BuiltinShape_Type)

    HPyDef_GET(created, "created")
    static HPy created_get(HPyContext *ctx, HPy self, void *closure)
    {
        return HPyLong_FromLong(ctx, MetaObject_AsStruct(ctx, self)->created);
    }
    HPyDef_METH(bump, "bump", HPyFunc_NOARGS)
    static HPy bump_impl(HPyContext *ctx, HPy self)
    {
        MetaObject_AsStruct(ctx, self)->created++;
        return HPy_Dup(ctx, ctx->h_None);
    }
    static HPyDef *meta_defines[] = { &created, &bump, NULL };
    static HPyType_Spec meta_spec = {
        .name = "mytest.Meta",
        .basicsize = sizeof(MetaObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .builtin_shape = SHAPE(MetaObject),
        .defines = meta_defines,
    };

    typedef struct { long x; } PointObject;
    HPyType_HELPERS(PointObject)

    HPyDef_MEMBER(point_x, "x", HPyMember_LONG, offsetof(PointObject, x))
    HPyDef_METH(twice, "twice", HPyFunc_NOARGS)
    static HPy twice_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, 2 * PointObject_AsStruct(ctx, self)->x);
    }
    static HPyDef *point_defines[] = { &point_x, &twice, NULL };
    static HPyType_Spec point_spec = {
        .name = "mytest.Point",
        .basicsize = sizeof(PointObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .defines = point_defines,
        .doc = "A point.",
    };
    static HPyType_Spec final_spec = {
        .name = "mytest.Final",
        .basicsize = sizeof(PointObject),
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = point_defines,
    };

    /* make(meta[, base, final]): a Point made by `meta`. */
    HPyDef_METH(make, "make", HPyFunc_VARARGS)
    static HPy make_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPyType_SpecParam params[] = {
            {HPyType_SpecParam_Metaclass, args[0]},
            {(HPyType_SpecParam_Kind)0, HPy_NULL},
            {(HPyType_SpecParam_Kind)0, HPy_NULL},
        };
        if (nargs > 1 && !HPy_Is(ctx, args[1], ctx->h_None))
            params[1] = (HPyType_SpecParam){HPyType_SpecParam_Base, args[1]};
        int final = nargs > 2 && HPy_IsTrue(ctx, args[2]);
        return HPyType_FromSpec(ctx, final ? &final_spec : &point_spec, params);
    }

    HPyDef_METH(twice_meta, "twice_meta", HPyFunc_O)
    static HPy twice_meta_impl(HPyContext *ctx, HPy self, HPy meta)
    {
        HPyType_SpecParam params[] = {
            {HPyType_SpecParam_Metaclass, meta},
            {HPyType_SpecParam_Metaclass, meta},
            {(HPyType_SpecParam_Kind)0, HPy_NULL},
        };
        return HPyType_FromSpec(ctx, &point_spec, params);
    }

    /* The metaclass's C struct of a class, read from C. */
    HPyDef_METH(created_of, "created_of", HPyFunc_O)
    static HPy created_of_impl(HPyContext *ctx, HPy self, HPy cls)
    {
        return HPyLong_FromLong(ctx, MetaObject_AsStruct(ctx, cls)->created);
    }

    HPyDef_METH(new_point, "new_point", HPyFunc_O)
    static HPy new_point_impl(HPyContext *ctx, HPy self, HPy cls)
    {
        PointObject *p;
        HPy h = HPy_New(ctx, cls, &p);
        if (!HPy_IsNull(h))
            p->x = 21;
        return h;
    }

    @EXPORT_TYPE("Meta", meta_spec)
    @EXPORT(make)
    @EXPORT(twice_meta)
    @EXPORT(created_of)
    @EXPORT(new_point)
    @INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def test_handlepy_metaclass_with_struct(mod):
    Point = mod.make(mod.Meta)
    assert type(Point) is mod.Meta
    assert isinstance(Point, type)
    assert Point.created == 0 and mod.created_of(Point) == 0
    Point.bump()
    Point.bump()
    assert Point.created == 2 and mod.created_of(Point) == 2
    p = Point()
    p.x = 5
    assert (p.x, p.twice()) == (5, 10)
    assert isinstance(p, Point)
    made = mod.new_point(Point)
    assert type(made) is Point and made.twice() == 42


def test_python_class_with_a_handlepy_metaclass(mod):
    class Widget(metaclass=mod.Meta):
        size = 3

    assert type(Widget) is mod.Meta
    assert Widget.created == 0
    Widget.bump()
    Widget.bump()
    assert Widget.created == 2 and Widget.size == 3
    assert isinstance(Widget(), Widget)


def test_class_keeps_the_spec_names(mod):
    Point = mod.make(mod.Meta)
    assert Point.__name__ == "Point"
    assert Point.__qualname__ == "Point"
    assert Point.__module__ == "mytest"
    assert repr(Point) == "<class 'mytest.Point'>"
    assert Point.__doc__ == "A point."


def test_python_metaclass(mod):
    class M(type):
        tag = "from M"

        def describe(cls):
            return "class " + cls.__name__

    Point = mod.make(M)
    assert type(Point) is M
    assert Point.tag == "from M"
    assert Point.describe() == "class Point"
    p = Point()
    p.x = 4
    assert p.twice() == 8
    assert not hasattr(p, "describe")


def test_python_subclass_keeps_the_metaclass(mod):
    Point = mod.make(mod.Meta)

    class Sub(Point):
        def thrice(self):
            return 3 * self.x

    assert type(Sub) is mod.Meta
    Sub.bump()
    assert (Sub.created, Point.created) == (1, 0)
    s = Sub()
    s.x = 2
    s.extra = "attr"
    assert (s.twice(), s.thrice(), s.extra) == (4, 6, "attr")
    assert isinstance(s, Point)


def test_metaclass_type_is_plain(mod):
    Point = mod.make(type)
    assert type(Point) is type
    assert Point.__mro__[1:] == (object,)


CONFLICT = ("metaclass conflict: the metaclass of a derived class must be a (non-strict) "
            "subclass of the metaclasses of all its bases")


def test_metaclass_not_a_type_subclass(mod):
    # As PyType_FromMetaclass: int is first found to conflict with object's metaclass.
    with pytest.raises(TypeError) as info:
        mod.make(int)
    assert str(info.value) == CONFLICT
    with pytest.raises(TypeError) as info:
        mod.make(5)
    assert str(info.value) == "Metaclass '5' is not a subclass of 'type'."


def test_metaclass_with_custom_new_is_refused(mod):
    class M(type):
        def __new__(meta, *args):
            return type.__new__(meta, *args)

    with pytest.raises(TypeError) as info:
        mod.make(M)
    assert str(info.value) == "Metaclasses with custom tp_new are not supported."


def test_metaclass_conflict(mod):
    class A(type):
        pass

    class B(type):
        pass

    Base = A("Base", (), {})
    with pytest.raises(TypeError) as info:
        mod.make(B, Base)
    assert str(info.value) == CONFLICT


def test_base_with_derived_metaclass_wins(mod):
    class A(type):
        pass

    class B(A):
        pass

    Base = B("Base", (), {})
    Point = mod.make(A, Base)
    assert type(Point) is B
    assert issubclass(Point, Base)


def test_metaclass_given_twice(mod):
    with pytest.raises(ValueError, match="the metaclass is given twice"):
        mod.twice_meta(mod.Meta)


def test_final_type_with_metaclass(mod):
    Final = mod.make(mod.Meta, None, True)
    assert type(Final) is mod.Meta
    assert Final().twice() == 0
    if IS_PYPY:
        pytest.skip("PyPy's cpyext reads a class's Py_TPFLAGS_BASETYPE only when it makes "
                    "the class, and a metaclass's class is made by type.__new__ there")
    with pytest.raises(TypeError, match="is not an acceptable base type"):
        class Sub(Final):
            pass
