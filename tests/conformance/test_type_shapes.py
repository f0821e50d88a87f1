"""Types extending builtins while keeping a C struct of their own."""
import gc
import platform
import weakref

import pytest

SHAPED = """
    typedef struct { long tag; } TaggedObject;
    HPyType_HELPERS(TaggedObject, HPyType_BuiltinShape_@SHAPE@)

    HPyDef_GETSET(tag, "tag")
    static HPy tag_get(HPyContext *ctx, HPy self, void *closure)
    {
        return HPyLong_FromLong(ctx, TaggedObject_AsStruct(ctx, self)->tag);
    }
    static int tag_set(HPyContext *ctx, HPy self, HPy value, void *closure)
    {
        long v = HPyLong_AsLong(ctx, value);
        if (v == -1 && HPyErr_Occurred(ctx))
            return -1;
        TaggedObject_AsStruct(ctx, self)->tag = v;
        return 0;
    }

    /* new_tagged(type, tag): an instance made by HPy_New, with an empty builtin part. */
    HPyDef_METH(new_tagged, "new_tagged", HPyFunc_VARARGS)
    static HPy new_tagged_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        TaggedObject *data;
        HPy h = HPy_New(ctx, args[0], &data);
        if (!HPy_IsNull(h))
            data->tag = HPyLong_AsLong(ctx, args[1]);
        return h;
    }

    HPyDef_METH(shape_of, "shape_of", HPyFunc_O)
    static HPy shape_of_impl(HPyContext *ctx, HPy self, HPy type)
    {
        return HPyLong_FromLong(ctx, (long)_HPyType_GetBuiltinShape(ctx, type));
    }

    static HPyDef *defines[] = { &tag, NULL };
    static HPyType_Spec spec = {
        .name = "mytest.Tagged",
        .basicsize = sizeof(TaggedObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .builtin_shape = SHAPE(TaggedObject),
        .defines = defines,
    };

    @EXPORT_TYPE("Tagged", spec, ctx->@BASE@)
    @EXPORT(shape_of)
    @EXPORT(new_tagged)
    @INIT
"""

SHAPES = {
    "Object": ("h_BaseObjectType", object, (), 0),
    "Long": ("h_LongType", int, (10**30,), 2),
    "Float": ("h_FloatType", float, (2.5,), 3),
    "Unicode": ("h_UnicodeType", str, ("text",), 4),
    "Tuple": ("h_TupleType", tuple, ((1, "two", 3.0),), 5),
    "List": ("h_ListType", list, ([1, 2],), 6),
    "Dict": ("h_DictType", dict, ({"a": 1},), 7),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_shape_keeps_builtin_behaviour_and_own_struct(hpy, shape):
    base_handle, base, args, number = SHAPES[shape]
    mod = hpy.make_module(SHAPED.replace("@SHAPE@", shape).replace("@BASE@", base_handle))
    Tagged = mod.Tagged
    assert issubclass(Tagged, base)
    obj = Tagged(*args)
    assert obj.tag == 0
    obj.tag = 42
    assert obj.tag == 42
    if args:
        assert base(obj) == args[0]
    assert mod.shape_of(Tagged) == number
    assert mod.shape_of(base) == number

    class Sub(Tagged):
        def extra(self):
            return self.tag + 1

    sub = Sub(*args)
    sub.tag = 7
    sub.more = "attr"
    assert isinstance(sub, base) and isinstance(sub, Tagged)
    assert (sub.extra(), sub.more) == (8, "attr")


def test_list_shape_struct_survives_growth(hpy):
    mod = hpy.make_module(SHAPED.replace("@SHAPE@", "List").replace("@BASE@", "h_ListType"))
    obj = mod.Tagged()
    obj.tag = 99
    obj.extend(range(10000))
    assert obj.tag == 99 and len(obj) == 10000


def test_dict_shape_struct_survives_growth(hpy):
    mod = hpy.make_module(SHAPED.replace("@SHAPE@", "Dict").replace("@BASE@", "h_DictType"))
    obj = mod.Tagged()
    obj.tag = -5
    obj.update((i, i) for i in range(10000))
    assert obj.tag == -5 and len(obj) == 10000


INTS = [0, 1, -1, 7, 2**15 - 1, 2**15, 2**30 - 1, 2**30, -2**30, 2**60, -(2**63), 2**64 + 1,
        10**40, -(10**100), 2**1000 - 1]
TUPLES = [(), (None,), (1, 2), tuple(range(7)), tuple(str(i) for i in range(1000))]


def tagged_module(hpy, shape):
    base = SHAPES[shape][0]
    return hpy.make_module(SHAPED.replace("@SHAPE@", shape).replace("@BASE@", base))


@pytest.mark.parametrize("shape, values", [("Long", INTS), ("Tuple", TUPLES)])
def test_struct_after_items_for_every_size(hpy, shape, values):
    """The struct follows the items: no value, however large, overlaps it, and no
    instance shares another's struct."""
    mod = tagged_module(hpy, shape)
    base = int if shape == "Long" else tuple

    class Sub(mod.Tagged):
        pass

    objs = []
    for i, value in enumerate(values):
        obj, sub = mod.Tagged(value), Sub(value)
        obj.tag, sub.tag = -i - 1, i + 1000
        sub.more = [value]
        objs.append((value, obj, sub))
    for i, (value, obj, sub) in enumerate(objs):
        assert (base(obj), obj.tag) == (value, -i - 1)
        assert (base(sub), sub.tag, sub.more) == (value, i + 1000, [value])
        assert type(obj) is mod.Tagged and obj == value and hash(obj) == hash(value)


@pytest.mark.parametrize("shape, empty", [("Long", 0), ("Tuple", ())])
def test_hpy_new_makes_an_empty_builtin_with_a_struct(hpy, shape, empty):
    mod = tagged_module(hpy, shape)
    obj = mod.new_tagged(mod.Tagged, 123)
    assert obj == empty and not obj and obj.tag == 123
    base = type(empty)
    assert base(obj) == empty and repr(base(obj)) == repr(empty)
    if shape == "Long":
        assert (obj + 5, -obj, obj * 3, str(obj)) == (5, 0, 0, "0")
    else:
        assert (obj + (1,), len(obj), list(obj)) == ((1,), 0, [])


def test_int_struct_values_survive_arithmetic(hpy):
    mod = tagged_module(hpy, "Long")
    big = mod.Tagged(-(2**200) + 12345)
    big.tag = 77
    assert big + (2**200) == 12345 and big // 5 == (-(2**200) + 12345) // 5
    assert big.tag == 77 and big.bit_length() == 200


def fill_tuple(cls, item):
    return cls((item, item))


def fill_list(cls, item):
    obj = cls()
    obj.append(item)
    return obj


def fill_dict(cls, item):
    obj = cls()
    obj["key"] = item
    return obj


def fill_subclass_dict(cls, item):
    class WithDict(cls):
        pass
    obj = WithDict()
    obj.attribute = item
    return obj


# handlepy's dealloc replaces the builtin's, so the builtin's own cleanup (tuple and list
# items, dict entries, a Python subclass's __dict__) must still run.
@pytest.mark.parametrize("shape, fill", [("Tuple", fill_tuple), ("List", fill_list),
                                         ("Dict", fill_dict), ("Object", fill_subclass_dict)])
def test_builtin_contents_are_released_with_the_object(hpy, shape, fill):
    mod = tagged_module(hpy, shape)

    class Item:
        pass

    item = Item()
    ref = weakref.ref(item)
    obj = fill(mod.Tagged, item)
    obj.tag = 5
    del item
    assert ref() is not None
    del obj
    for _ in range(3):  # PyPy frees C-level objects one collection after the last reference
        gc.collect()
    assert ref() is None


MEMBERS = """
    HPyDef_MEMBER(tag_member, "tag_member", HPyMember_LONG, offsetof(TaggedObject, tag))
    HPyDef_MEMBER(tag_readonly, "tag_readonly", HPyMember_LONG, offsetof(TaggedObject, tag),
                  .readonly = 1, .doc = "the tag, read-only")
    static HPyDef *defines[] = { &tag, &tag_member, &tag_readonly, NULL };"""


@pytest.mark.parametrize("shape, values", [("Long", INTS), ("Tuple", TUPLES)])
def test_items_inside_shapes_have_members(hpy, shape, values):
    """HPyDef_MEMBER needs the struct at a fixed place, which int and tuple instances
    do not have: the member is a getset that finds each instance's struct."""
    source = SHAPED.replace("static HPyDef *defines[] = { &tag, NULL };", MEMBERS)
    mod = hpy.make_module(source.replace("@SHAPE@", shape).replace("@BASE@", SHAPES[shape][0]))

    class Sub(mod.Tagged):
        pass

    objs = [(mod.Tagged(value), Sub(value)) for value in values]
    for i, (obj, sub) in enumerate(objs):
        obj.tag_member, sub.tag_member = i, -i
    for i, (obj, sub) in enumerate(objs):
        assert (obj.tag, obj.tag_member, obj.tag_readonly) == (i, i, i)
        assert (sub.tag, sub.tag_member, sub.tag_readonly) == (-i, -i, -i)
        assert obj == values[i]
    with pytest.raises(AttributeError):
        objs[0][0].tag_readonly = 5
    with pytest.raises(TypeError):
        objs[0][0].tag_member = "not an int"
    if platform.python_implementation() != "PyPy":  # cpyext drops a getset's doc
        assert mod.Tagged.tag_readonly.__doc__ == "the tag, read-only"


def test_items_inside_shapes_refuse_vectorcalloffset(hpy):
    source = SHAPED.replace("static HPyDef *defines[] = { &tag, NULL };", """
        HPyDef_MEMBER(vcall, "__vectorcalloffset__", HPyMember_HPYSSIZET, 0, .readonly = 1)
        static HPyDef *defines[] = { &tag, &vcall, NULL };""")
    with pytest.raises(TypeError, match="__vectorcalloffset__ needs a struct at a fixed place"):
        hpy.make_module(source.replace("@SHAPE@", "Long").replace("@BASE@", "h_LongType"))


def test_shape_and_base_must_agree(hpy):
    with pytest.raises(TypeError, match="needs the first base to extend 'float', but it is 'list'"):
        hpy.make_module(SHAPED.replace("@SHAPE@", "Float").replace("@BASE@", "h_ListType"))


SUBTYPE_OF_INT = """
    HPyDef_METH(double_it, "double_it", HPyFunc_NOARGS)
    static HPy double_it_impl(HPyContext *ctx, HPy self)
    {
        return HPy_Add(ctx, self, self);
    }
    static HPyDef *defines[] = { &double_it, NULL };
    static HPyType_Spec spec = {
        .name = "mytest.MyInt",
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
        .builtin_shape = HPyType_BuiltinShape_Long,
        .defines = defines,
    };
    @EXPORT_TYPE("MyInt", spec, ctx->h_LongType)
    @INIT
"""


def test_int_subtype_without_struct(hpy):
    mod = hpy.make_module(SUBTYPE_OF_INT)
    value = mod.MyInt(21)
    assert value == 21 and isinstance(value, int)
    assert value.double_it() == 42
    assert mod.MyInt(10**40) + 1 == 10**40 + 1


GC_SHAPED = """
    typedef struct { HPyField other; } HolderObject;
    HPyType_HELPERS(HolderObject, HPyType_BuiltinShape_@SHAPE@)

    static long destroyed;

    HPyDef_SLOT(Holder_traverse, HPy_tp_traverse)
    static int Holder_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        HPy_VISIT(&((HolderObject *)self)->other);
        return 0;
    }
    HPyDef_SLOT(Holder_destroy, HPy_tp_destroy)
    static void Holder_destroy_impl(void *self)
    {
        destroyed++;
    }
    HPyDef_GETSET(Holder_other, "other")
    static HPy Holder_other_get(HPyContext *ctx, HPy self, void *closure)
    {
        HPy h = HPyField_Load(ctx, self, HolderObject_AsStruct(ctx, self)->other);
        return HPy_IsNull(h) ? HPy_Dup(ctx, ctx->h_None) : h;
    }
    static int Holder_other_set(HPyContext *ctx, HPy self, HPy value, void *closure)
    {
        HPyField_Store(ctx, self, &HolderObject_AsStruct(ctx, self)->other, value);
        return 0;
    }
    HPyDef_METH(destroyed_count, "destroyed_count", HPyFunc_NOARGS)
    static HPy destroyed_count_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, destroyed);
    }

    static HPyDef *defines[] = { @TRAVERSE@ &Holder_destroy, &Holder_other, NULL };
    static HPyType_Spec spec = {
        .name = "mytest.Holder",
        .basicsize = sizeof(HolderObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE @GC@,
        .builtin_shape = SHAPE(HolderObject),
        .defines = defines,
    };

    @EXPORT_TYPE("Holder", spec, ctx->@BASE@)
    @EXPORT(destroyed_count)
    @INIT
"""

PYPY_CYCLES = pytest.mark.skipif(
    platform.python_implementation() == "PyPy",
    reason="PyPy's cpyext never collects a cycle that passes through references a C "
           "type reports in tp_traverse; handlepy types there are cpyext C types")


@PYPY_CYCLES
@pytest.mark.parametrize("own_traverse, gc_flag", [(True, True), (True, False), (False, False)])
@pytest.mark.parametrize("shape", ["Tuple", "List", "Dict"])
def test_cycles_through_the_builtins_items_are_collected(hpy, shape, own_traverse, gc_flag):
    """The type's traverse takes the builtin's slot; the builtin's items are still
    reported, and a list's or dict's items cleared, so cycles through them go. Without
    HPy_TPFLAGS_HAVE_GC the type is a GC type all the same, as its builtin is."""
    source = (GC_SHAPED.replace("@TRAVERSE@", "&Holder_traverse," if own_traverse else "")
              .replace("@GC@", "| HPy_TPFLAGS_HAVE_GC" if gc_flag else ""))
    mod = hpy.make_module(source.replace("@SHAPE@", shape)
                          .replace("@BASE@", SHAPES[shape][0]))
    assert gc.is_tracked(mod.Holder(SHAPES[shape][2][0]))

    class Item:
        pass

    gc.collect()
    before = mod.destroyed_count()
    item = Item()
    ref = weakref.ref(item)
    if shape == "Tuple":
        holder = mod.Holder((item,))
    elif shape == "List":
        holder = mod.Holder([item])
        holder.append(holder)
    else:
        holder = mod.Holder({"item": item})
        holder["self"] = holder
    item.back = holder
    if own_traverse:
        holder.other = item
    del item, holder
    gc.collect()
    assert ref() is None
    assert mod.destroyed_count() == before + 1


# HPy 0.9's documentation example (docs/examples/hpytype-example/builtin_type.c): a type
# with no struct of its own, of the default shape, on str; and one of the str shape with
# a struct and a destroy slot.
BUILTIN_TYPE_EXAMPLE = """
    #include <stdlib.h>
    #include <string.h>

    static HPyType_Spec Dummy_spec = {
        .name = "mytest.Dummy",
        .basicsize = 0
    };

    typedef struct { char *language; } LanguageObject;
    HPyType_HELPERS(LanguageObject, HPyType_BuiltinShape_Unicode)

    HPyDef_GETSET(Language_lang, "lang")
    static HPy Language_lang_get(HPyContext *ctx, HPy self, void *closure)
    {
        LanguageObject *data = LanguageObject_AsStruct(ctx, self);
        if (data->language == NULL)
            return HPy_Dup(ctx, ctx->h_None);
        return HPyUnicode_FromString(ctx, data->language);
    }
    static int Language_lang_set(HPyContext *ctx, HPy self, HPy value, void *closure)
    {
        LanguageObject *data = LanguageObject_AsStruct(ctx, self);
        HPy_ssize_t size;
        const char *s = HPyUnicode_AsUTF8AndSize(ctx, value, &size);
        if (s == NULL)
            return -1;
        free(data->language);
        data->language = calloc((size_t)size + 1, 1);
        memcpy(data->language, s, (size_t)size);
        return 0;
    }

    static long destroyed;

    HPyDef_SLOT(Language_destroy, HPy_tp_destroy)
    static void Language_destroy_impl(void *data)
    {
        free(((LanguageObject *)data)->language);
        destroyed++;
    }

    HPyDef_METH(destroyed_count, "destroyed_count", HPyFunc_NOARGS)
    static HPy destroyed_count_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, destroyed);
    }

    static HPyDef *Language_defines[] = { &Language_lang, &Language_destroy, NULL };
    static HPyType_Spec Language_spec = {
        .name = "mytest.Language",
        .basicsize = sizeof(LanguageObject),
        .builtin_shape = SHAPE(LanguageObject),
        .defines = Language_defines
    };

    @EXPORT_TYPE("Dummy", Dummy_spec, ctx->h_UnicodeType)
    @EXPORT_TYPE("Language", Language_spec, ctx->h_UnicodeType)
    @EXPORT(destroyed_count)
    @INIT
"""


def test_hpy_builtin_type_example(hpy):
    mod = hpy.make_module(BUILTIN_TYPE_EXAMPLE)
    dummy = mod.Dummy("hello")
    assert isinstance(dummy, str) and dummy == "hello" and dummy.upper() == "HELLO"
    before = mod.destroyed_count()
    python = mod.Language("hello")
    assert python.lang is None
    python.lang = "Python"
    assert (python, python.lang) == ("hello", "Python")
    del python
    for _ in range(3):  # PyPy frees C-level objects one collection after the last reference
        gc.collect()
    assert mod.destroyed_count() == before + 1


# HPy 0.9's test_issubtype: types of the default shape and no struct on int.
ON_INT = """
    static HPyType_Spec Dummy_spec = {
        .name = "mytest.Dummy",
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_BASETYPE,
    };
    static HPyType_Spec Single_spec = { .name = "mytest.Single" };
    static HPyType_Spec Dual_spec = { .name = "mytest.Dual" };

    HPyDef_METH(make_dual, "make_dual", HPyFunc_O)
    static HPy make_dual_impl(HPyContext *ctx, HPy self, HPy dummy)
    {
        HPyType_SpecParam params[] = {
            { HPyType_SpecParam_Base, ctx->h_LongType },
            { HPyType_SpecParam_Base, dummy },
            { (HPyType_SpecParam_Kind)0 }
        };
        return HPyType_FromSpec(ctx, &Dual_spec, params);
    }

    @EXPORT_TYPE("Dummy", Dummy_spec)
    @EXPORT_TYPE("Single", Single_spec, ctx->h_LongType)
    @EXPORT(make_dual)
    @INIT
"""


def test_default_shape_without_struct_on_int(hpy):
    mod = hpy.make_module(ON_INT)
    Dual = mod.make_dual(mod.Dummy)
    assert issubclass(mod.Single, int) and issubclass(Dual, int)
    assert issubclass(Dual, mod.Dummy) and not issubclass(mod.Single, mod.Dummy)
    assert mod.Single(10**30) + 1 == 10**30 + 1
    assert Dual(5) * 2 == 10


NO_STRUCT_WITH = {
    "member": ('HPyDef_MEMBER(what, "what", HPyMember_LONG, 0)',
               "member 'what' needs a struct, but the type has none"),
    "destroy": ("HPyDef_SLOT(what, HPy_tp_destroy)\n"
                "    static void what_impl(void *data) { }",
                "HPy_tp_traverse and HPy_tp_destroy need a struct, but the type has none"),
}


@pytest.mark.parametrize("what", sorted(NO_STRUCT_WITH))
def test_type_without_struct_refuses_what_needs_one(hpy, what):
    definition, message = NO_STRUCT_WITH[what]
    source = definition + """
        static HPyDef *defines[] = { &what, NULL };
        static HPyType_Spec spec = { .name = "mytest.NoStruct", .defines = defines };
        @EXPORT_TYPE("NoStruct", spec, ctx->h_UnicodeType)
        @INIT
    """
    with pytest.raises(TypeError, match=message):
        hpy.make_module(source)


def test_invalid_shape_is_a_value_error(hpy):
    with pytest.raises(ValueError, match="type mytest.Bad: invalid builtin_shape 123"):
        hpy.make_module("""
            static HPyType_Spec spec = {
                .name = "mytest.Bad",
                .builtin_shape = (HPyType_BuiltinShape)123,
            };
            @EXPORT_TYPE("Bad", spec)
            @INIT
        """)
