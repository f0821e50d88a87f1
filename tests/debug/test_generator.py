"""api/generate_debug.py: the rules by which debug wrappers are generated, and its
refusal of what no rule covers."""
import re
import shutil
import sys
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "api"
sys.path.insert(0, str(API))
import apimodel  # noqa: E402
import generate  # noqa: E402
import generate_debug  # noqa: E402


def func(decl):
    return apimodel.parse_entry("func", f"{decl} => whatever", "test.api:1")


def test_an_array_takes_its_declared_length_and_kwnames():
    code = generate_debug.debug_wrapper(
        func("HPy HPy_Thing(HPy callable, const HPy args[nargs], size_t nargs, HPy kwnames)"))
    assert ("hdbg_unwrap_array(d_call, args, (HPy_ssize_t)nargs + hdbg_kwcount(u_kwnames), "
            "&u_args" in code)
    assert "return hdbg_open(d_call, d_result, \"HPy_Thing\");" in code


def test_an_array_may_come_after_its_length():
    code = generate_debug.debug_wrapper(func("HPy HPy_Thing(HPy_ssize_t n, HPy items[n])"))
    assert "hdbg_unwrap_array(d_call, items, (HPy_ssize_t)n, &u_items" in code


def test_a_handle_pointer_marked_out_is_one_output():
    code = generate_debug.debug_wrapper(func("int HPy_Thing(HPy h, HPy result[out])"))
    assert "result == NULL ? NULL : &u_result" in code
    assert "*result = hdbg_open(d_call, u_result, \"HPy_Thing\");" in code
    assert "return -1;" in code
    # HPy_NULL before the wrapper may refuse the call, which the inner function then
    # never sees: the caller may close the output whatever the outcome.
    assert code.index("*result = HPy_NULL;") < code.index("return")


@pytest.mark.parametrize("decl", [
    "int HPy_Thing(HPy h, HPy *result)",
    "HPy HPy_Thing(HPy_ssize_t n, HPy *items)",
    "HPy HPy_Thing(const HPy *items, size_t n)",
    "HPy HPy_Thing(HPy items[], size_t n)",
])
def test_a_handle_pointer_without_its_meaning_is_refused(decl):
    """Nothing is inferred from the neighbours: one handle or an array, read or written,
    the declaration says."""
    pointer = re.search(r"HPy \*(\w+)|HPy (\w+)\[\]", decl)
    name = pointer.group(1) or pointer.group(2)
    with pytest.raises(generate_debug.DebugGenError, match=(
            rf"^test.api:1: HPy_Thing: parameter {name} is (const )?HPy \*, which may be one "
            rf"handle or an array, read or written: declare it (const )?HPy {name}\[LENGTH\] "
            rf".*or HPy {name}\[out\] \(one handle it writes\); .*DEBUG_HAND_WRITTEN")):
        generate_debug.debug_wrapper(func(decl))


@pytest.mark.parametrize("decl, message", [
    ("HPy HPy_Thing(HPy items[n], HPy_ssize_t *n)",
     "the length of items[n] must be an integer parameter; n is HPy_ssize_t *, not an "
     "integer"),
    ("HPy HPy_Thing(HPy items[count], HPy_ssize_t n)",
     "the length of items[count] must be an integer parameter; count is no parameter"),
    ("int HPy_Thing(const HPy result[out])", "result[out] marks one handle the function "
     "writes: declare it HPy result[out]"),
    ("int HPy_Thing(HPy_ssize_t pos[n], int n)", "pos[n] marks an array of handles, but pos "
     "is HPy_ssize_t (only HPy arrays have a length)"),
])
def test_a_wrong_bound_is_refused_when_parsed(decl, message):
    with pytest.raises(apimodel.ApiError, match=re.escape(f"test.api:1: {message}")):
        func(decl)


@pytest.mark.parametrize("decl", ["int HPy_Thing(HPy **items)",
                                  "const HPy *HPy_Thing(HPy h)"])
def test_other_pointers_to_handles_need_a_hand_written_wrapper(decl):
    with pytest.raises(generate_debug.DebugGenError, match="DEBUG_HAND_WRITTEN"):
        generate_debug.debug_wrapper(func(decl))


def test_integer_pointers_pass_through():
    code = generate_debug.debug_wrapper(
        func("int HPy_Thing(HPy h, HPy_ssize_t *start, int *flag)"))
    assert "d_inner->HPy_Thing(d_inner, u_h, start, flag);" in code
    assert "hdbg_unwrap_array" not in code


def test_a_signature_array_needs_its_length():
    sig = apimodel.parse_entry(
        "sig", "HPyFunc_THING HPy (HPy self, const HPy *args, size_t nargs) | "
        "cpy_PyObject *(cpy_PyObject *self, cpy_PyObject *const *args, HPy_ssize_t nargs)",
        "test.api:1")
    with pytest.raises(generate_debug.DebugGenError, match="parameter args is const HPy "
                       r"\*.*DEBUG_CUSTOM_SIGS"):
        generate_debug.debug_handler(sig)


DICT_NEXT = "HPyDict_Next(HPy dict, HPy_ssize_t *pos, HPy key[out], HPy value[out])"


@pytest.fixture
def api(tmp_path):
    copy = tmp_path / "api"
    shutil.copytree(API, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_a_dict_next_style_function_gets_a_correct_wrapper():
    """PyDict_Next's shape (containers.api's HPyDict_Next): an integer cursor the function
    reads and writes, and two handles it writes. The cursor passes through; the handles
    are HPy_NULL before anything can fail and opened as new debug handles after the call."""
    outputs = generate.outputs()
    ctx = outputs[generate.ROOT / "include/handlepy/autogen_ctx.h"]
    assert ("int (*HPyDict_Next)(HPyContext *ctx, HPy dict, HPy_ssize_t *pos, HPy *key, "
            "HPy *value);") in ctx
    code = outputs[generate.ROOT / "universal/debug/autogen_debug_ctx.c"]
    wrapper = code[code.index("static int hdbg_HPyDict_Next("):]
    wrapper = wrapper[:wrapper.index("\n}\n")]
    assert "hdbg_unwrap_array" not in wrapper
    first_return = wrapper.index("return")
    for out in ("key", "value"):
        assert wrapper.index(f"*{out} = HPy_NULL;") < first_return
        assert f"*{out} = hdbg_open(d_call, u_{out}, \"HPyDict_Next\");" in wrapper
    assert ("d_inner->HPyDict_Next(d_inner, u_dict, pos, key == NULL ? NULL : &u_key, "
            "value == NULL ? NULL : &u_value);") in wrapper


def test_a_dict_next_style_function_without_bounds_is_refused(api, capsys):
    path = api / "containers.api"
    text = path.read_text()
    assert DICT_NEXT in text
    path.write_text(text.replace(DICT_NEXT, DICT_NEXT.replace("HPy key[out]", "HPy *key")))
    assert generate.main(["--check"], api) == 2
    assert re.search(r"containers\.api:\d+: HPyDict_Next: parameter key is HPy \*, which "
                     "may be one handle or an array", capsys.readouterr().err)


@pytest.mark.parametrize("decl", ["void HPy_Thing(HPyField *f)", "HPyTracker HPy_Thing(HPy h)",
                                  "int HPy_Thing(HPy_buffer *view)"])
def test_handles_carried_another_way_need_a_hand_written_wrapper(decl):
    with pytest.raises(generate_debug.DebugGenError, match="write its debug wrapper by hand "
                       "and list it in DEBUG_HAND_WRITTEN"):
        generate_debug.debug_wrapper(func(decl))


def test_the_wrappers_own_names_are_reserved():
    with pytest.raises(generate_debug.DebugGenError, match="d_call"):
        generate_debug.debug_wrapper(func("int HPy_Thing(HPy d_call)"))


def test_the_hand_written_list_names_only_context_functions(monkeypatch):
    monkeypatch.setattr(generate_debug, "DEBUG_HAND_WRITTEN",
                        generate_debug.DEBUG_HAND_WRITTEN | {"HPy_Gone"})
    with pytest.raises(generate_debug.DebugGenError, match="unknown functions: HPy_Gone"):
        generate_debug.emit_debug_ctx(apimodel.load())
