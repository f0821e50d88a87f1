"""HPyField, tp_traverse, tp_destroy and HPyGlobal: references held by C structs."""
import gc
import platform

import pytest

PYPY_CYCLES = pytest.mark.skipif(
    platform.python_implementation() == "PyPy",
    reason="PyPy's cpyext never collects a cycle that passes through references "
           "a C type reports in tp_traverse; handlepy types there are cpyext C types")

NODE = """
    typedef struct { HPyField next; long id; } NodeObject;
    HPyType_HELPERS(NodeObject)

    static long destroyed;

    HPyDef_SLOT(Node_new, HPy_tp_new)
    static HPy Node_new_impl(HPyContext *ctx, HPy type, const HPy *args,
                             HPy_ssize_t nargs, HPy kw)
    {
        NodeObject *n;
        HPy h = HPy_New(ctx, type, &n);
        if (!HPy_IsNull(h) && nargs > 0)
            n->id = HPyLong_AsLong(ctx, args[0]);
        return h;
    }

    HPyDef_SLOT(Node_traverse, HPy_tp_traverse)
    static int Node_traverse_impl(void *self, HPyFunc_visitproc visit, void *arg)
    {
        HPy_VISIT(&((NodeObject *)self)->next);
        return 0;
    }

    HPyDef_SLOT(Node_destroy, HPy_tp_destroy)
    static void Node_destroy_impl(void *self)
    {
        destroyed++;
    }

    HPyDef_GETSET(Node_next, "next")
    static HPy Node_next_get(HPyContext *ctx, HPy self, void *closure)
    {
        HPy h = HPyField_Load(ctx, self, NodeObject_AsStruct(ctx, self)->next);
        return HPy_IsNull(h) ? HPy_Dup(ctx, ctx->h_None) : h;
    }
    static int Node_next_set(HPyContext *ctx, HPy self, HPy value, void *closure)
    {
        HPyField_Store(ctx, self, &NodeObject_AsStruct(ctx, self)->next, value);
        return 0;
    }

    HPyDef_MEMBER(Node_member, "member", HPyMember_OBJECT, offsetof(NodeObject, next))
    HPyDef_MEMBER(Node_id, "id", HPyMember_LONG, offsetof(NodeObject, id))

    static HPyDef *Node_defines[] = {
        &Node_new, &Node_traverse, &Node_destroy, &Node_next, &Node_member, &Node_id, NULL
    };
    static HPyType_Spec Node_spec = {
        .name = "mytest.Node",
        .basicsize = sizeof(NodeObject),
        .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC | HPy_TPFLAGS_BASETYPE,
        .defines = Node_defines,
    };

    HPyDef_METH(destroyed_count, "destroyed", HPyFunc_NOARGS)
    static HPy destroyed_count_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, destroyed);
    }

    static HPyGlobal remembered;

    HPyDef_METH(remember, "remember", HPyFunc_O)
    static HPy remember_impl(HPyContext *ctx, HPy self, HPy obj)
    {
        HPyGlobal_Store(ctx, &remembered, obj);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(recall, "recall", HPyFunc_NOARGS)
    static HPy recall_impl(HPyContext *ctx, HPy self)
    {
        HPy h = HPyGlobal_Load(ctx, remembered);
        return HPy_IsNull(h) ? HPy_Dup(ctx, ctx->h_None) : h;
    }

    HPyDef_METH(make_node_type, "make_node_type", HPyFunc_NOARGS)
    static HPy make_node_type_impl(HPyContext *ctx, HPy self)
    {
        return HPyType_FromSpec(ctx, &Node_spec, NULL);
    }

    @EXPORT_TYPE("Node", Node_spec)
    @EXPORT(make_node_type)
    @EXPORT(destroyed_count)
    @EXPORT(remember)
    @EXPORT(recall)
    @INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module(NODE)


def collect():
    """PyPy frees C-level objects one collection after their last reference goes."""
    for _ in range(3):
        gc.collect()


def test_field_store_and_load(mod):
    a, b = mod.Node(1), mod.Node(2)
    assert a.next is None and a.member is None
    a.next = b
    assert a.next is b and a.member is b
    a.member = "via member"
    assert a.next == "via member"
    a.next = None
    assert a.next is None
    assert (a.id, b.id) == (1, 2)


def test_instances_without_cycles_are_destroyed(mod):
    collect()
    before = mod.destroyed()
    a, b = mod.Node(1), mod.Node(2)
    a.next = b
    del a, b
    collect()
    assert mod.destroyed() == before + 2


@PYPY_CYCLES
def test_field_cycle_is_collected(mod):
    collect()
    before = mod.destroyed()
    a, b = mod.Node(1), mod.Node(2)
    a.next, b.next = b, a
    del a, b
    collect()
    assert mod.destroyed() == before + 2


@PYPY_CYCLES
def test_self_cycle_through_python_subclass_is_collected(mod):
    class Sub(mod.Node):
        pass

    collect()
    before = mod.destroyed()
    s = Sub(3)
    s.next = s
    s.attr = [s]
    del s
    collect()
    assert mod.destroyed() == before + 1


def test_field_keeps_its_object_alive_and_releases_it(mod):
    class Target:
        pass

    import weakref
    holder = mod.Node(1)
    target = Target()
    ref = weakref.ref(target)
    holder.next = target
    del target
    collect()
    assert ref() is not None
    del holder
    collect()
    assert ref() is None


def test_global_store_and_load(mod):
    assert mod.recall() is None
    obj = object()
    mod.remember(obj)
    assert mod.recall() is obj
    mod.remember(None)
    assert mod.recall() is None


@pytest.mark.skipif(platform.python_implementation() == "PyPy",
                    reason="PyPy's gc.get_referents lists what its own object holds (the "
                           "type), not what a C type's tp_traverse visits")
def test_referents_are_the_fields_the_traverse_visits(mod):
    # As with HPy 0.9, whose traverse does not report the instance's type.
    a, b = mod.Node(1), mod.Node(2)
    assert gc.get_referents(a) == []
    a.next = b
    assert gc.get_referents(a) == [b]


def test_the_collector_sees_the_reference_to_the_type(mod):
    # gc.get_referents aside, the traverse reports the type, as a heap type's must.
    node = mod.Node(1)
    assert any(r is node for r in gc.get_referrers(mod.Node))


@PYPY_CYCLES
def test_cycle_through_the_type_is_collected(mod):
    import weakref
    Node = mod.make_node_type()
    Node.instance = Node(1)
    ref = weakref.ref(Node)
    del Node
    collect()
    assert ref() is None


def test_gc_flag_needs_a_traverse(hpy):
    source = NODE.replace("&Node_new, &Node_traverse,", "&Node_new,")
    with pytest.raises(ValueError, match="type mytest.Node: HPy_TPFLAGS_HAVE_GC needs an "
                                         "HPy_tp_traverse slot"):
        hpy.make_module(source)
