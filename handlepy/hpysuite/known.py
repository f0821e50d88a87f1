"""HPy 0.9 tests that do not pass on handlepy, each with the reason.

A key is a test id without its ABI parameter (it then covers every ABI), or with it.
The report lists each failing test with the reason found here; a failure without one
fails ``make test-hpy``. HPy's tests of error messages pass: HPy's sources are built the
way HPy projects are (``hpy_ext_modules``, the adapter's ``hpy.devel``), with
HANDLEPY_HPY_MESSAGES, which gives them HPy 0.9's words, as an HPy project's own tests
expect; a native handlepy extension gets the running CPython's, as its users expect.
A reason is one of:

- a deliberate difference that serves an extension author better (each is listed in
  docs/hpy-compatibility.md, and in the API reference where it concerns a function);
- a limit of PyPy's cpyext or importlib that handlepy cannot work around;
- an HPy implementation detail the test asserts (a debug handle's bookkeeping, the name
  of HPy's loader module), never behaviour an extension can observe.
"""
_REPORT_INSTEAD_OF_SILENCE = (
    "deliberate: a read or write through a pointer whose handle is closed dies, as in "
    "HPy, but handlepy's debug mode first prints a report of which call returned the "
    "pointer and where its handle was closed; the test asserts that nothing is printed")
_NO_GOING_ON_WITH_A_DEAD_OBJECT = (
    "deliberate: after a hook has been told of a closed handle in use, HPy goes on with "
    "the object the handle pointed to, which may be freed already; handlepy fails the "
    "call with HandleError instead, so that the report is not followed by a crash")

_PYPY_SPEC = (
    "PyPy: the test makes its spec with importlib.util.spec_from_file_location, which on "
    "PyPy gives None for a file without one of PyPy's own extension suffixes, such as "
    "`mytest.handlepy.so`; the test then compares with that None")

KNOWN = {
    "test/test_hpymodule.py::TestModule::test_HPyModule_custom_create_returns_non_module":
        _PYPY_SPEC,
    "test/test_hpymodule.py::TestModule::test_HPyModule_simple": _PYPY_SPEC,
    "test/test_hpytype.py::TestType::test_HPyDef_METH": (
        "PyPy: cpyext drops the docstrings of a C type's methods"),
    "test/test_hpytype.py::TestType::test_HPyDef_METH_IMPL": (
        "PyPy: cpyext drops the docstrings of a C type's methods"),
    "test/test_hpyfield.py::TestHPyField::test_tp_traverse": (
        "PyPy: gc.get_referents of a cpyext object gives its type and never calls "
        "tp_traverse"),
    "test/test_hpyfield.py::TestHPyField::test_tp_finalize": (
        "PyPy: cpyext does not collect the cycle through the C type whose finalizer the test "
        "waits for (docs/design.md, Types)"),
    "test/test_hpytype_legacy.py::TestLegacyType::test_call_zero_basicsize": (
        "deliberate: HPy refuses HPy_tp_call on a legacy type of basicsize 0; handlepy "
        "places the call function's word after the base's struct and makes it work "
        "(tests/conformance: test_call_slot_without_struct)"),
    "test/debug/test_misc.py::test_use_invalid_as_struct": (
        "deliberate: a type of builtin_shape Type is a metatype in handlepy (its base is "
        "`type`), so the test's `Dummy()` fails as `type()` does, before the misuse of "
        "_HPy_AsStruct_Object the test means to provoke; HPy makes it a plain class"),
    "test/test_00_basic.py::TestBasic::test_abi_version_check[universal]": (
        "HPy implementation detail: the adapter's hpy.universal.load raises HPy's "
        "RuntimeError in HPy's words for a binary built for ABI 999, but the expected "
        "message hardcodes HPy 0.9's minor version (\"Requested version: 999.0\"), and a "
        "binary built with handlepy's headers requests minor version 1 (\"999.1\")"),
    "test/test_00_basic.py::TestBasic::test_abi_tag_check[universal]": (
        "deliberate: handlepy's universal binaries are all named `name.handlepy.so`, and "
        "the loader reads the ABI version from the binary itself, so a renamed file cannot "
        "disagree with it; the test renames a `.hpy1.so` tag that handlepy's file names "
        "do not have (a plain `import` finds them by that one name)"),
    "test/debug/test_charptr.py::test_charptr_use_after_handle_close":
        _REPORT_INSTEAD_OF_SILENCE,
    "test/debug/test_charptr.py::test_charptr_use_after_implicit_arg_handle_close":
        _REPORT_INSTEAD_OF_SILENCE,
    "test/debug/test_charptr.py::test_charptr_write_ptr": _REPORT_INSTEAD_OF_SILENCE,
    "test/debug/test_charptr.py::test_charptr_limit_stress_test": (
        "implementation detail: the test reads HPy's per-handle `raw_data_size` "
        "bookkeeping; handlepy bounds the protected copies of closed handles' buffers by "
        "their total size (debug.md), which no extension can observe"),
    "test/debug/test_handles_invalid.py::test_cant_use_closed_handle":
        _NO_GOING_ON_WITH_A_DEAD_OBJECT,
    "test/debug/test_handles_invalid.py::test_keeping_and_reusing_argument_handle":
        _NO_GOING_ON_WITH_A_DEAD_OBJECT,
}
