"""Custom types: spec, struct access, slots, members, getsets, methods, subclassing."""
import platform

import pytest

POINT = """
    #include <stdio.h>
    typedef struct { double x, y; } PointObject;
    HPyType_HELPERS(PointObject)

    HPyDef_SLOT(Point_new, HPy_tp_new)
    static HPy Point_new_impl(HPyContext *ctx, HPy type, const HPy *args,
                              HPy_ssize_t nargs, HPy kw)
    {
        if (nargs != 2)
            return HPyErr_SetString(ctx, ctx->h_TypeError, "Point() takes 2 arguments");
        PointObject *p;
        HPy h = HPy_New(ctx, type, &p);
        if (HPy_IsNull(h))
            return HPy_NULL;
        p->x = HPyFloat_AsDouble(ctx, args[0]);
        p->y = HPyFloat_AsDouble(ctx, args[1]);
        if (HPyErr_Occurred(ctx)) {
            HPy_Close(ctx, h);
            return HPy_NULL;
        }
        return h;
    }

    HPyDef_MEMBER(Point_x, "x", HPyMember_DOUBLE, offsetof(PointObject, x), .doc = "x")
    HPyDef_MEMBER(Point_y, "y", HPyMember_DOUBLE, offsetof(PointObject, y), .readonly = 1)

    HPyDef_GETSET(Point_sum, "sum", .doc = "x + y")
    static HPy Point_sum_get(HPyContext *ctx, HPy self, void *closure)
    {
        PointObject *p = PointObject_AsStruct(ctx, self);
        return HPyFloat_FromDouble(ctx, p->x + p->y);
    }
    static int Point_sum_set(HPyContext *ctx, HPy self, HPy value, void *closure)
    {
        if (HPy_IsNull(value)) {
            HPyErr_SetString(ctx, ctx->h_AttributeError, "cannot delete sum");
            return -1;
        }
        PointObject *p = PointObject_AsStruct(ctx, self);
        double v = HPyFloat_AsDouble(ctx, value);
        if (v == -1.0 && HPyErr_Occurred(ctx))
            return -1;
        p->y = v - p->x;
        return 0;
    }

    HPyDef_METH(Point_scale, "scale", HPyFunc_O, .doc = "scale(k) -> Point")
    static HPy Point_scale_impl(HPyContext *ctx, HPy self, HPy k)
    {
        double f = HPyFloat_AsDouble(ctx, k);
        if (f == -1.0 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        PointObject *p = PointObject_AsStruct(ctx, self), *q;
        HPy type = HPy_Type(ctx, self);
        HPy h = HPy_New(ctx, type, &q);
        HPy_Close(ctx, type);
        if (!HPy_IsNull(h)) {
            q->x = p->x * f;
            q->y = p->y * f;
        }
        return h;
    }

    HPyDef_METH(Point_norm1, "norm1", HPyFunc_NOARGS)
    static HPy Point_norm1_impl(HPyContext *ctx, HPy self)
    {
        PointObject *p = PointObject_AsStruct(ctx, self);
        return HPyFloat_FromDouble(ctx, (p->x < 0 ? -p->x : p->x) + (p->y < 0 ? -p->y : p->y));
    }

    HPyDef_METH(Point_count, "count", HPyFunc_VARARGS)
    static HPy Point_count_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyLong_FromSize_t(ctx, nargs);
    }

    HPyDef_METH(Point_kw, "kw", HPyFunc_KEYWORDS)
    static HPy Point_kw_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                             HPy kwnames)
    {
        if (HPy_IsNull(kwnames))
            return HPyLong_FromSize_t(ctx, nargs);
        return HPy_Dup(ctx, kwnames);
    }

    HPyDef_SLOT(Point_repr, HPy_tp_repr)
    static HPy Point_repr_impl(HPyContext *ctx, HPy self)
    {
        PointObject *p = PointObject_AsStruct(ctx, self);
        char buf[64];
        snprintf(buf, sizeof buf, "Point(%d, %d)", (int)p->x, (int)p->y);
        return HPyUnicode_FromString(ctx, buf);
    }

    HPyDef_SLOT(Point_richcompare, HPy_tp_richcompare)
    static HPy Point_richcompare_impl(HPyContext *ctx, HPy self, HPy other, HPy_RichCmpOp op)
    {
        HPy type = HPy_Type(ctx, self);
        int same = HPy_TypeCheck(ctx, other, type);
        HPy_Close(ctx, type);
        if (!same || (op != HPy_EQ && op != HPy_NE))
            return HPy_Dup(ctx, ctx->h_NotImplemented);
        PointObject *a = PointObject_AsStruct(ctx, self), *b = PointObject_AsStruct(ctx, other);
        int eq = a->x == b->x && a->y == b->y;
        return HPyBool_FromBool(ctx, op == HPy_EQ ? eq : !eq);
    }

    HPyDef_SLOT(Point_hash, HPy_tp_hash)
    static HPy_hash_t Point_hash_impl(HPyContext *ctx, HPy self)
    {
        PointObject *p = PointObject_AsStruct(ctx, self);
        return (HPy_hash_t)(p->x * 1000 + p->y);
    }

    HPyDef_SLOT(Point_add, HPy_nb_add)
    static HPy Point_add_impl(HPyContext *ctx, HPy a, HPy b)
    {
        HPy type = HPy_Type(ctx, a);
        if (!HPy_TypeCheck(ctx, b, type)) {
            HPy_Close(ctx, type);
            return HPy_Dup(ctx, ctx->h_NotImplemented);
        }
        PointObject *p = PointObject_AsStruct(ctx, a), *q = PointObject_AsStruct(ctx, b), *r;
        HPy h = HPy_New(ctx, type, &r);
        HPy_Close(ctx, type);
        if (!HPy_IsNull(h)) {
            r->x = p->x + q->x;
            r->y = p->y + q->y;
        }
        return h;
    }

    static HPyDef *Point_defines[] = {
        &Point_new, &Point_x, &Point_y, &Point_sum, &Point_scale, &Point_norm1,
        &Point_count, &Point_kw, &Point_repr, &Point_richcompare, &Point_hash, &Point_add,
        NULL
    };
    static HPyType_Spec Point_spec = {
        .name = "mytest.Point",
        .basicsize = sizeof(PointObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .builtin_shape = SHAPE(PointObject),
        .defines = Point_defines,
        .doc = "A point.",
    };

    @EXPORT_TYPE("Point", Point_spec)
"""


@pytest.fixture
def point(hpy):
    return hpy.make_module(POINT + "@INIT\n")


def test_point_basics(point):
    Point = point.Point
    p = Point(1, 2)
    assert (p.x, p.y) == (1.0, 2.0)
    assert type(p) is Point
    assert Point.__name__ == "Point" and Point.__module__ == "mytest"
    assert Point.__doc__ == "A point."
    assert repr(p) == "Point(1, 2)"
    p.x = 5
    assert p.x == 5.0
    with pytest.raises(AttributeError):
        p.y = 3
    with pytest.raises(TypeError, match="must be real number, not str"):
        p.x = "nope"
    p.x = 5
    assert p.sum == 7.0
    p.sum = 10
    assert (p.x, p.y) == (5.0, 5.0)
    with pytest.raises(AttributeError, match="cannot delete sum"):
        del p.sum
    with pytest.raises(TypeError, match=r"Point\(\) takes 2 arguments"):
        Point(1)


@pytest.mark.skipif(platform.python_implementation() == "PyPy",
                    reason="PyPy's cpyext drops the docs of a type's methods and getsets")
def test_type_member_docs(point):
    assert point.Point.sum.__doc__ == "x + y"
    assert point.Point.scale.__doc__ == "scale(k) -> Point"


def test_point_methods_and_slots(point):
    Point = point.Point
    p = Point(3, -4)
    assert p.norm1() == 7.0
    q = p.scale(2)
    assert (q.x, q.y) == (6.0, -8.0)
    assert p.count(1, 2, 3) == 3
    assert p.kw(1, a=1, b=2) == ("a", "b")
    assert p.kw(1, 2) == 2
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(2, 1)
    assert Point(1, 2).__eq__(3) is NotImplemented
    assert hash(Point(1, 2)) == 1002
    r = Point(1, 2) + Point(10, 20)
    assert (r.x, r.y) == (11.0, 22.0)
    with pytest.raises(TypeError, match="unsupported operand"):
        Point(1, 2) + 1


def test_subclass_from_python(point):
    Point = point.Point

    class Sub(Point):
        def norm1(self):
            return "overridden"

        def extra(self):
            return self.x * 10

    s = Sub(1, 2)
    assert isinstance(s, Point) and isinstance(s, Sub)
    assert s.norm1() == "overridden"
    assert s.extra() == 10.0
    s.label = "attr"
    assert s.label == "attr"
    assert s.scale(3).__class__ is Sub
    assert s.sum == 3.0
    del s


def test_instances_are_freed(point):
    import gc
    import weakref

    class Sub(point.Point):
        pass

    s = Sub(1, 2)
    ref = weakref.ref(s)
    del s
    gc.collect()
    assert ref() is None


MAKE_POINT_TYPE = POINT + """
    HPyDef_METH(make_point_type, "make_point_type", HPyFunc_NOARGS)
    static HPy make_point_type_impl(HPyContext *ctx, HPy self)
    {
        return HPyType_FromSpec(ctx, &Point_spec, NULL);
    }
    @EXPORT(make_point_type)
    @INIT
"""


@pytest.fixture
def point_maker(hpy):
    return hpy.make_module(MAKE_POINT_TYPE)


def test_type_outlives_its_name_while_used(point_maker):
    import gc

    p = point_maker.make_point_type()(1, 2)
    scale = type(p).scale
    gc.collect()
    assert repr(scale(p, 2)) == "Point(2, 4)"
    assert (p.x, p.sum, p.norm1()) == (1.0, 3.0, 3.0)


@pytest.mark.skipif(platform.python_implementation() == "PyPy",
                    reason="PyPy's sys.getallocatedblocks() counts no C allocations")
def test_types_made_again_and_again_cost_nothing(point_maker):
    import gc
    import sys

    def make_and_drop(n):
        for _ in range(n):
            point_maker.make_point_type()
        gc.collect()

    make_and_drop(20)
    blocks = sys.getallocatedblocks()
    make_and_drop(200)
    # A leak of one block a type shows as 200; the rest is the interpreter's own noise.
    assert sys.getallocatedblocks() - blocks < 50


GET_NAME = """
    static HPyType_Spec Dummy_spec = { .name = "mytest.Dummy", .flags = HPy_TPFLAGS_DEFAULT };

    HPyDef_METH(get_name, "get_name", HPyFunc_O)
    static HPy get_name_impl(HPyContext *ctx, HPy self, HPy type)
    {
        const char *name = HPyType_GetName(ctx, type);
        return name == NULL ? HPy_NULL : HPyUnicode_FromString(ctx, name);
    }
    @EXPORT_TYPE("Dummy", Dummy_spec)
    @EXPORT(get_name)
    @INIT
"""


def test_type_name_is_its_dunder_name(hpy):
    import collections

    mod = hpy.make_module(GET_NAME)
    assert mod.get_name(mod.Dummy) == "Dummy"
    assert mod.get_name(str) == "str"
    assert mod.get_name(collections.OrderedDict) == "OrderedDict"

    class Renamed:
        pass

    Renamed.__name__ = "with.dots"
    assert mod.get_name(Renamed) == "with.dots"


@pytest.mark.hpy_undefined
def test_type_name_of_a_non_type(hpy):
    with pytest.raises(TypeError, match="HPyType_GetName: expected a type"):
        hpy.make_module(GET_NAME).get_name(1)


NONE_MEMBERS = """
    typedef struct { long unused; } HolderObject;
    HPyType_HELPERS(HolderObject)
    HPyDef_MEMBER(Holder_none, "none", HPyMember_NONE, offsetof(HolderObject, unused))
    HPyDef_MEMBER(Holder_none_ro, "none_ro", HPyMember_NONE, offsetof(HolderObject, unused),
                  .readonly = 1)
    static HPyDef *Holder_defines[] = { &Holder_none, &Holder_none_ro, NULL };
    static HPyType_Spec Holder_spec = {
        .name = "mytest.Holder",
        .basicsize = sizeof(HolderObject),
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = Holder_defines,
    };
    @EXPORT_TYPE("Holder", Holder_spec)
    @INIT
"""


def test_none_members(hpy):
    # CPython's T_NONE member, whose errors on writing are the host's own quirks; PyPy's
    # cpyext has none, and the runtime does the same there.
    holder = hpy.make_module(NONE_MEMBERS).Holder()
    assert holder.none is None and holder.none_ro is None
    with pytest.raises(SystemError, match="bad memberdescr type for none"):
        holder.none = None
    with pytest.raises(TypeError, match="can't delete numeric/char attribute"):
        del holder.none
    with pytest.raises(AttributeError, match="readonly attribute"):
        holder.none_ro = None
    with pytest.raises(AttributeError, match="readonly attribute"):
        del holder.none_ro
