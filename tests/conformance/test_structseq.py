"""Struct sequences: HPyStructSequence_NewType and HPyStructSequence_New."""
import platform

import pytest

SOURCE = """
    static HPyStructSequence_Field pair_fields[] = {
        {"x", "the first item"},
        {"y", NULL},
        {NULL, NULL},
    };
    static HPyStructSequence_Desc pair_desc = {"mytest.Pair", "A pair.", pair_fields};

    /* The marker is a variable, so it is filled in at run time. */
    static HPyStructSequence_Field triple_fields[] = {
        {"first", NULL},
        {NULL, NULL},
        {"last", NULL},
        {NULL, NULL},
    };
    static HPyStructSequence_Desc triple_desc = {"mytest.Triple", NULL, triple_fields};

    static HPyStructSequence_Field no_fields[] = {{NULL, NULL}};
    static HPyStructSequence_Desc empty_desc = {"mytest.Empty", NULL, no_fields};
    static HPyStructSequence_Desc nameless_desc = {NULL, NULL, no_fields};

    HPyDef_SLOT(add_types, HPy_mod_exec)
    static int add_types_impl(HPyContext *ctx, HPy m)
    {
        triple_fields[1].name = HPyStructSequence_UnnamedField;
        HPyStructSequence_Desc *descs[] = {&pair_desc, &triple_desc, &empty_desc};
        const char *names[] = {"Pair", "Triple", "Empty"};
        for (int i = 0; i < 3; i++) {
            HPy t = HPyStructSequence_NewType(ctx, descs[i]);
            if (HPy_IsNull(t))
                return -1;
            int res = HPy_SetAttr_s(ctx, m, names[i], t);
            HPy_Close(ctx, t);
            if (res < 0)
                return -1;
        }
        return 0;
    }

    /* make(type, *items) */
    HPyDef_METH(make, "make", HPyFunc_VARARGS)
    static HPy make_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return HPyStructSequence_New(ctx, args[0], (HPy_ssize_t)nargs - 1, (HPy *)args + 1);
    }

    HPyDef_METH(nameless, "nameless", HPyFunc_NOARGS)
    static HPy nameless_impl(HPyContext *ctx, HPy self)
    {
        return HPyStructSequence_NewType(ctx, &nameless_desc);
    }

    @EXPORT(add_types)
    @EXPORT(make)
    @EXPORT(nameless)
    @INIT
"""

IS_PYPY = platform.python_implementation() == "PyPy"


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def test_new_type(mod):
    Pair = mod.Pair
    assert Pair.__name__ == "Pair"
    assert Pair.__module__ == "mytest"
    assert Pair.__doc__ == "A pair."
    assert issubclass(Pair, tuple)
    assert (Pair.n_fields, Pair.n_sequence_fields, Pair.n_unnamed_fields) == (2, 2, 0)
    assert mod.Triple.__doc__ is None
    with pytest.raises(SystemError, match="needs a name"):
        mod.nameless()


@pytest.mark.skipif(IS_PYPY, reason="PyPy's cpyext drops the docs of a type's members")
def test_field_docs(mod):
    assert mod.Pair.x.__doc__ == "the first item"


def test_new_instance(mod):
    Pair = mod.Pair
    items = (["a list"], "b")
    p = mod.make(Pair, *items)
    assert type(p) is Pair
    assert p == items and tuple(p) == items
    assert p.x is items[0] and p.y is items[1]
    assert p[0] is items[0] and p[-1] is items[1] and len(p) == 2
    assert repr(p) == "mytest.Pair(x=['a list'], y='b')"
    with pytest.raises(AttributeError):
        p.x = 1
    with pytest.raises(TypeError):
        p[0] = 1
    assert Pair(("c", "d")).y == "d"
    assert mod.make(mod.Empty) == ()


def test_unnamed_field(mod):
    t = mod.make(mod.Triple, 1, 2, 3)
    assert tuple(t) == (1, 2, 3)
    assert (t.first, t.last) == (1, 3)
    assert mod.Triple.n_unnamed_fields == 1
    assert not any(hasattr(t, name) for name in ("_", "unnamed field", "unnamed_field"))


def test_new_instance_errors(mod):
    with pytest.raises(TypeError,
                       match=r"mytest\.Pair\(\) takes a 2-sequence \(1-sequence given\)"):
        mod.make(mod.Pair, 1)
    with pytest.raises(TypeError,
                       match=r"mytest\.Pair\(\) takes a 2-sequence \(3-sequence given\)"):
        mod.make(mod.Pair, 1, 2, 3)
    with pytest.raises(TypeError, match="'tuple' is not a struct sequence type"):
        mod.make(tuple, 1, 2)

    class Lookalike(tuple):
        n_fields = 2

    with pytest.raises(TypeError, match="'Lookalike' is not a struct sequence type"):
        mod.make(Lookalike, 1, 2)
    with pytest.raises(TypeError, match="expected a type, not 'int'"):
        mod.make(5)


@pytest.mark.skipif(IS_PYPY, reason="PyPy's own struct sequences are not C-level ones")
def test_host_struct_sequences_are_accepted(mod):
    import os
    n = os.stat_result.n_fields
    st = mod.make(os.stat_result, *range(n))
    assert type(st) is os.stat_result
    assert st.st_mode == 0 and st.st_size == 6


def test_subclass_is_refused(mod):
    try:
        class Sub(mod.Pair):
            pass
    except TypeError:
        pytest.skip("this host's struct sequence types cannot be subclassed")
    with pytest.raises(TypeError, match="'Sub' is not a struct sequence type"):
        mod.make(Sub, 1, 2)
