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


# HPy 0.9 sources set the legacy fields to NULL in every ABI (its test template does).
NULL_LEGACY_FIELDS = """
    typedef struct { long x; } PlainObject;
    HPyType_HELPERS(PlainObject)
    HPyDef_MEMBER(Plain_x, "x", HPyMember_LONG, offsetof(PlainObject, x))
    static HPyDef *Plain_defines[] = { &Plain_x, NULL };
    static HPyType_Spec Plain_spec = {
        .name = "mytest.Plain",
        .basicsize = sizeof(PlainObject),
        .builtin_shape = SHAPE(PlainObject),
        .legacy_slots = NULL,
        .defines = Plain_defines,
    };
    HPyDef_SLOT(add_plain, HPy_mod_exec)
    static int add_plain_impl(HPyContext *ctx, HPy m)
    {
        return HPyHelpers_AddType(ctx, m, "Plain", &Plain_spec, NULL) ? 0 : -1;
    }
    static HPyDef *defines[] = { &add_plain, NULL };
    static HPyModuleDef moddef = {
        .doc = "null legacy fields", .legacy_methods = NULL, .defines = defines,
    };
    HPy_MODINIT(@NAME@, moddef)
"""


def test_null_legacy_fields_build_in_every_abi(hpy):
    mod = hpy.make_module(NULL_LEGACY_FIELDS)
    assert mod.__doc__ == "null legacy fields"
    assert mod.Plain().x == 0


def test_null_legacy_fields_in_hybrid_and_cpython_abis(hpy_legacy):
    assert hpy_legacy.make_module(NULL_LEGACY_FIELDS).Plain().x == 0


# A universal binary cannot name PyMethodDef or PyType_Slot, but may still point the
# fields at something: the loader refuses it when the module is imported. The tables are
# never read, so any non-NULL pointer shows it.
LEGACY_METHODS_IN_UNIVERSAL = """
    static char table[64];
    static HPyDef *defines[] = { NULL };
    static HPyModuleDef moddef = {
        .legacy_methods = (cpy_PyMethodDef *)table, .defines = defines,
    };
    HPy_MODINIT(@NAME@, moddef)
"""

LEGACY_SLOTS_IN_UNIVERSAL = """
    static int slots[4];
    static HPyType_Spec spec = {
        .name = "mytest.Legacy",
        .basicsize = 64,
        .builtin_shape = HPyType_BuiltinShape_Legacy,
        .legacy_slots = slots,
    };
    HPyDef_SLOT(add_type, HPy_mod_exec)
    static int add_type_impl(HPyContext *ctx, HPy m)
    {
        return HPyHelpers_AddType(ctx, m, "Legacy", &spec, NULL) ? 0 : -1;
    }
    static HPyDef *defines[] = { &add_type, NULL };
    static HPyModuleDef moddef = { .defines = defines };
    HPy_MODINIT(@NAME@, moddef)
"""


def universal_compiler():
    from handlepy.conformance.plugin import supported_abis
    if "universal" not in supported_abis():
        pytest.skip("the universal ABI is left out by HANDLEPY_ABIS")
    return ExtensionCompiler("universal")


def test_universal_binary_with_legacy_methods_is_refused_at_import():
    with pytest.raises(ImportError, match=r"sets HPyModuleDef\.legacy_methods, which need "
                                          r"the C API: build it with HPY_ABI_HYBRID or "
                                          r"HPY_ABI_CPYTHON"):
        universal_compiler().make_module(LEGACY_METHODS_IN_UNIVERSAL)


def test_universal_binary_with_legacy_slots_is_refused_at_import():
    with pytest.raises(TypeError, match=r"^type mytest\.Legacy sets legacy_slots, which need "
                                        r"the C API: build its module with HPY_ABI_HYBRID or "
                                        r"HPY_ABI_CPYTHON, not HPY_ABI_UNIVERSAL$"):
        universal_compiler().make_module(LEGACY_SLOTS_IN_UNIVERSAL)


# Each misuse, and what the compiler must say about it (its first words are HPy 0.9's).
UNIVERSAL_MISUSE = {
    "call to .HPy_AsPyObject. declared with attribute error: Cannot use legacy functions "
    "when targeting the HPy Universal ABI: HPy_AsPyObject needs the C API": """
        HPyDef_METH(f, "f", HPyFunc_O)
        static HPy f_impl(HPyContext *ctx, HPy self, HPy arg)
        {
            return HPy_FromPyObject(ctx, HPy_AsPyObject(ctx, arg));
        }
        @EXPORT(f)
        @INIT
    """,
    "It is forbidden to #include <Python.h> when targeting the HPy Universal ABI: build "
    "with HPY_ABI_HYBRID or HPY_ABI_CPYTHON": """
        #include <Python.h>
        @INIT
    """,
}


@pytest.mark.parametrize("diagnostic", sorted(UNIVERSAL_MISUSE))
def test_universal_build_refuses_c_api_features_naming_them(diagnostic):
    # Compile-only: no binary results, so runs that may only load cached ones compile too.
    compiler = ExtensionCompiler("universal", require_cached=False)
    with pytest.raises(CompileError, match=diagnostic):
        compiler.make_module(UNIVERSAL_MISUSE[diagnostic])
