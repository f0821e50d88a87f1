"""Incremental porting: handles and the C API in one module (hybrid and CPython ABIs),
and the compile-time refusal of C-API features in universal builds."""
import pytest

from handlepy.conformance.compiler import CompileError, ExtensionCompiler

MIXED = """
    static PyObject *legacy_double(PyObject *self, PyObject *arg)
    {
        return PyNumber_Add(arg, arg);
    }
    static PyMethodDef legacy_methods[] = {
        {"legacy_double", legacy_double, METH_O, "a C-API function"},
        {NULL, NULL, 0, NULL},
    };

    HPyDef_METH(roundtrip, "roundtrip", HPyFunc_O)
    static HPy roundtrip_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        PyObject *obj = HPy_AsPyObject(ctx, arg);
        PyObject *as_list = PySequence_List(obj);
        Py_DECREF(obj);
        HPy result = HPy_FromPyObject(ctx, as_list);
        Py_XDECREF(as_list);
        return result;
    }

    typedef struct {
        PyObject_HEAD
        long value;
    } LegacyObject;
    HPyType_LEGACY_HELPERS(LegacyObject)

    static PyObject *Legacy_new(PyTypeObject *type, PyObject *args, PyObject *kw)
    {
        LegacyObject *self = (LegacyObject *)type->tp_alloc(type, 0);
        if (self != NULL)
            self->value = PyTuple_GET_SIZE(args);
        return (PyObject *)self;
    }
    static PyType_Slot legacy_slots[] = {
        {Py_tp_new, (void *)Legacy_new},
        {0, NULL},
    };
    HPyDef_GET(Legacy_value, "value")
    static HPy Legacy_value_get(HPyContext *ctx, HPy self, void *closure)
    {
        return HPyLong_FromLong(ctx, LegacyObject_AsStruct(ctx, self)->value);
    }
    static HPyDef *Legacy_defines[] = { &Legacy_value, NULL };
    static HPyType_Spec Legacy_spec = {
        .name = "mytest.Legacy",
        .basicsize = sizeof(LegacyObject),
        .flags = HPy_TPFLAGS_DEFAULT,
        .builtin_shape = SHAPE(LegacyObject),
        .legacy_slots = legacy_slots,
        .defines = Legacy_defines,
    };

    HPyDef_SLOT(add_legacy, HPy_mod_exec)
    static int add_legacy_impl(HPyContext *ctx, HPy m)
    {
        HPy t = HPyType_FromSpec(ctx, &Legacy_spec, NULL);
        if (HPy_IsNull(t))
            return -1;
        int res = HPy_SetAttr_s(ctx, m, "Legacy", t);
        HPy_Close(ctx, t);
        return res;
    }
    static HPyDef *defines[] = { &roundtrip, &add_legacy, NULL };
    static HPyModuleDef moddef = {
        .doc = "mixed", .defines = defines, .legacy_methods = legacy_methods,
    };
    HPy_MODINIT(@NAME@, moddef)
"""


def test_mixed_module(hpy_legacy):
    mod = hpy_legacy.make_module(MIXED)
    assert mod.legacy_double(21) == 42
    assert mod.legacy_double.__doc__ == "a C-API function"
    assert mod.roundtrip("abc") == ["a", "b", "c"]
    assert mod.Legacy(1, 2, 3).value == 3


# Each misuse, and what the compiler must say about it.
UNIVERSAL_MISUSE = {
    "call to .HPy_AsPyObject. declared with attribute error: HPy_AsPyObject needs the C API": """
        HPyDef_METH(f, "f", HPyFunc_O)
        static HPy f_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            return HPy_FromPyObject(ctx, HPy_AsPyObject(ctx, arg));
        }
        @EXPORT(f)
        @INIT
    """,
    "error: .HPyModuleDef. has no member named .legacy_methods.": """
        static HPyModuleDef other = { .legacy_methods = 0 };
        @INIT
    """,
    "error: .HPyType_Spec. .aka .struct _HPyType_Spec_s.. has no member named .legacy_slots.": """
        static HPyType_Spec spec = { .name = "x.Y", .legacy_slots = 0 };
        @INIT
    """,
}


@pytest.mark.parametrize("diagnostic", sorted(UNIVERSAL_MISUSE))
def test_universal_build_refuses_c_api_features_naming_them(diagnostic):
    # Compile-only: no binary results, so runs that may only load cached ones compile too.
    compiler = ExtensionCompiler("universal", require_cached=False)
    with pytest.raises(CompileError, match=diagnostic):
        compiler.make_module(UNIVERSAL_MISUSE[diagnostic])
