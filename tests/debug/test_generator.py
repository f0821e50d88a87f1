"""api/generate_debug.py: the rules by which debug wrappers are generated, and its
refusal of what no rule covers."""
import importlib.util
import sys
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "api"
sys.path.insert(0, str(API))
_spec = importlib.util.spec_from_file_location("generate", API / "generate.py")
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)
import generate_debug  # noqa: E402


def func(decl):
    return generate.parse_entry("func", f"{decl} => whatever", "test.api:1")


def test_an_array_takes_its_length_from_the_next_integer_and_kwnames():
    code = generate_debug.debug_wrapper(
        func("HPy HPy_Thing(HPy callable, const HPy *args, size_t nargs, HPy kwnames)"))
    assert ("hdbg_unwrap_array(d_call, args, (HPy_ssize_t)nargs + hdbg_kwcount(u_kwnames), "
            "&u_args" in code)
    assert "return hdbg_open(d_call, d_result, \"HPy_Thing\");" in code


def test_an_array_takes_its_length_from_the_previous_integer_otherwise():
    code = generate_debug.debug_wrapper(func("HPy HPy_Thing(HPy_ssize_t n, HPy *items)"))
    assert "hdbg_unwrap_array(d_call, items, (HPy_ssize_t)n, &u_items" in code


def test_a_lone_handle_pointer_is_an_output():
    code = generate_debug.debug_wrapper(func("int HPy_Thing(HPy h, HPy *result)"))
    assert "result == NULL ? NULL : &u_result" in code
    assert "*result = hdbg_open(d_call, u_result, \"HPy_Thing\");" in code
    assert "return -1;" in code


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
    context = [e for e in generate.load_entries() if e.in_context]
    with pytest.raises(generate_debug.DebugGenError, match="unknown functions: HPy_Gone"):
        generate_debug.emit_debug_ctx("note", context)
