"""HPy 0.9 tests that do not pass on handlepy, each with the reason.

A key is a test id without its ABI parameter (it then covers every ABI), or with it.
The report lists each failing test with the reason found here; a failure without one
fails ``make test-hpy``. A reason is one of:

- a deliberate difference that serves an extension author better (each is listed in
  docs/hpy-compatibility.md, and in the API reference where it concerns a function);
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

_CPYTHON_ARGPARSE_WORDS = (
    "deliberate: HPyArg_Parse and HPyArg_ParseKeywords raise the exception HPy raises, "
    "with the message the running CPython's PyArg_Parse* gives for the same call (\"f() "
    "takes exactly 2 arguments (0 given)\" where HPy says \"f() required positional "
    "argument missing\"); tests/conformance/test_argparse.py holds handlepy to CPython's")
_CPYTHON_BUILDVALUE_WORDS = (
    "deliberate: HPy_BuildValue raises SystemError as HPy does, with Py_BuildValue's "
    "message for the same format")

_INDEX_NOT_INT = (
    "deliberate: HPyLong_As* take `__index__` only, as CPython does since 3.10, on every "
    "interpreter, so that one binary converts the same way everywhere; the test expects "
    "PyPy 3.9, as a Python 3.9, to call `__int__` too")
_PYPY_SPEC = (
    "PyPy: the test makes its spec with importlib.util.spec_from_file_location, which on "
    "PyPy gives None for a file without one of PyPy's own extension suffixes, such as "
    "`mytest.handlepy.so`; the test then compares with that None")
_PYPY_SEQUENCE_INDEX = (
    "PyPy: cpyext passes a negative index to sq_item and sq_ass_item without adding the "
    "length, as CPython does (pypy/pypy#5526); handlepy's slot gets what PyPy gives")
_ONLY_CPYTHONS_BINARIES = (
    "not applicable to the PyPy run, which loads only the binaries the CPython run built: "
    "the test checks the compiler's error for a source that must not compile; it passes "
    "on CPython")

KNOWN = {
    "test/test_hpylong.py::TestLong::test_Long_AsFixedWidth": _INDEX_NOT_INT,
    "test/test_hpylong.py::TestLong::test_Long_AsLongLong": _INDEX_NOT_INT,
    "test/test_hpylong.py::TestLong::test_Long_AsLong": _INDEX_NOT_INT,
    "test/test_hpylong.py::TestLong::test_Long_AsUnsignedLongLongMask": _INDEX_NOT_INT,
    "test/test_hpylong.py::TestLong::test_Long_AsUnsignedLongMask": _INDEX_NOT_INT,
    "test/test_hpymodule.py::TestModule::test_HPyModule_custom_create_returns_non_module":
        _PYPY_SPEC,
    "test/test_hpymodule.py::TestModule::test_HPyModule_simple": _PYPY_SPEC,
    "test/test_slots.py::TestSqSlots::test_sq_ass_item": _PYPY_SEQUENCE_INDEX,
    "test/test_slots.py::TestSqSlots::test_sq_item_and_sq_length": _PYPY_SEQUENCE_INDEX,
    "test/test_slots.py::TestSlots::test_tp_hash": (
        "PyPy: cpyext takes the -1 a tp_hash returns as an error without an exception, "
        "where CPython's slot wrapper turns it into -2"),
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
    "test/test_legacy_forbidden.py::TestLegacyForbidden::test_HPy_AsPyObject":
        _ONLY_CPYTHONS_BINARIES,
    "test/test_legacy_forbidden.py::TestLegacyForbidden::test_HPy_FromPyObject":
        _ONLY_CPYTHONS_BINARIES,
    "test/test_legacy_forbidden.py::TestLegacyForbidden::test_Python_h_forbidden":
        _ONLY_CPYTHONS_BINARIES,
    "test/test_legacy_forbidden.py::TestLegacyForbidden::test_expect_make_error":
        _ONLY_CPYTHONS_BINARIES,
    "docs/examples/tests.py::test_trace_mode_output": (
        "deliberate: the test turns trace mode on with HPy's variable HPY=trace; handlepy's "
        "are HANDLEPY_TRACE and HANDLEPY_DEBUG (docs/debug.md), which can name modules"),
    "test/test_argparse.py::TestArgParse::test_error_default_message": _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestArgParse::test_error_with_function_name":
        _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestArgParse::test_keyword_only_args_fails": _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestArgParse::test_too_few_args": _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestArgParse::test_too_many_args": _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestArgParse::test_unsupported_fmt": _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestArgParseKeywords::test_blank_keyword_argument_exception":
        _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestArgParseKeywords::test_keyword_only_argument":
        _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestArgParseKeywords::test_missing_required_argument":
        _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestArgParseKeywords::test_positional_only_argument":
        _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestArgParseKeywords::test_unsupported_fmt": _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestParseItem::test_b": _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestParseItem::test_h": _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestParseItem::test_i": _CPYTHON_ARGPARSE_WORDS,
    "test/test_argparse.py::TestParseItem::test_s": _CPYTHON_ARGPARSE_WORDS,
    "test/test_hpybuildvalue.py::TestBuildValue::test_bad_formats": _CPYTHON_BUILDVALUE_WORDS,
    "test/test_hpybuildvalue.py::TestBuildValue::test_O_with_null": _CPYTHON_BUILDVALUE_WORDS,
    "test/test_00_basic.py::TestBasic::test_unsupported_signature": (
        "deliberate: a method with an unknown signature is refused with the ValueError HPy "
        "raises, in a message that names the method and the signature's value"),
    "test/test_00_basic.py::TestBasic::test_abi_version": (
        "deliberate: handlepy's context says its ABI version as `abi_major` and `abi_minor` "
        "(the loader needs both), where HPy's has one `abi_version`; the field cannot be "
        "added without moving every slot of the frozen ABI"),
    "test/test_hpytype_legacy.py::TestLegacyType::test_call_zero_basicsize": (
        "deliberate: HPy refuses HPy_tp_call on a legacy type of basicsize 0; handlepy "
        "places the call function's word after the base's struct and makes it work "
        "(tests/conformance: test_call_slot_without_struct)"),
    "test/debug/test_misc.py::test_use_invalid_as_struct": (
        "deliberate: a type of builtin_shape Type is a metatype in handlepy (its base is "
        "`type`), so the test's `Dummy()` fails as `type()` does, before the misuse of "
        "_HPy_AsStruct_Object the test means to provoke; HPy makes it a plain class"),
    "test/test_00_basic.py::TestBasic::test_abi_version_check[universal]": (
        "deliberate: a binary built for another ABI version is refused with an ImportError "
        "(what the import system and its callers expect of a module that cannot load) "
        "that names both versions and what to do; HPy raises RuntimeError with its own "
        "wording"),
    "test/test_00_basic.py::TestBasic::test_abi_tag_check[universal]": (
        "deliberate: handlepy's universal binaries are all named `name.handlepy.so`, and "
        "the loader reads the ABI version from the binary itself, so a renamed file cannot "
        "disagree with it; the test renames a `.hpy0.so` tag that handlepy's file names "
        "do not have"),
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
