"""The micro benchmark cases and the variants they run on, shared by the driver
(run.py) and the worker it starts in each variant's interpreter (worker.py)."""
from collections import namedtuple

# call: the statement timed, with f the module function; the names it uses come from
# the worker's objects() (so constants such as 'x' are interned, as in real code).
Case = namedtuple("Case", "name function call")

CASES = [
    Case("noargs", "noargs", "f()"),
    Case("onearg(None)", "onearg", "f(none)"),
    Case("onearg(int)", "onearg", "f(number)"),
    Case("varargs", "varargs", "f(number, none, number)"),
    Case("keywords", "keywords", "f(x=number, y=none)"),
    Case("allocate_int", "allocate_int", "f()"),
    Case("allocate_tuple", "allocate_tuple", "f()"),
    Case("getattr", "getattr", "f(obj, 'x')"),
    Case("setattr", "setattr", "f(obj, 'x', number)"),
    Case("getitem", "getitem", "f(mapping, 'k')"),
    Case("len", "len", "f(items)"),
]

# The callgrind segments of each case, in units of N: a warm-up (the interpreter
# specialises the loop), N, N again (the two differ only by noise), 2N.
SEGMENTS = (1, 1, 1, 2)

# What needs custom types, which handlepy cannot define yet: listed, never faked.
UNMEASURED = [
    ("method call on a custom type", "no type support"),
    ("member read on a custom type", "no type support"),
    ("allocating a custom-type object", "no type support"),
]

# build: the folder the module comes from (see build_micro.py); loader: how it is
# imported; env: what the worker's environment adds.
Variant = namedtuple("Variant", "name label build loader env")

BASELINE = "capi"
VARIANTS = [
    Variant("capi", "C API (baseline)", "capi", "extension", {}),
    Variant("handlepy-cpython", "handlepy CPython ABI", "handlepy-cpython", "extension", {}),
    Variant("handlepy-universal", "handlepy universal", "handlepy-universal",
            "handlepy", {"HANDLEPY_TRAMPOLINES": "generated"}),
    Variant("handlepy-universal-ffi", "handlepy universal + libffi", "handlepy-universal",
            "handlepy", {"HANDLEPY_TRAMPOLINES": "ffi"}),
    Variant("hpy09-cpython", "HPy 0.9 CPython ABI", "hpy09-cpython", "extension", {}),
    Variant("hpy09-universal", "HPy 0.9 universal", "hpy09-universal", "hpy", {}),
]

# Debug and trace modes of the same universal binary (bench/modes.py): debug mode with and
# without C backtraces of where handles are opened (4 frames is its default).
MODE_VARIANTS = [
    Variant("handlepy-universal-trace", "trace mode", "handlepy-universal", "handlepy",
            {"HANDLEPY_TRACE": "1"}),
    Variant("handlepy-universal-debug0", "debug mode, no backtraces", "handlepy-universal",
            "handlepy", {"HANDLEPY_DEBUG": "1", "HANDLEPY_DEBUG_BACKTRACE": "0"}),
    Variant("handlepy-universal-debug", "debug mode", "handlepy-universal", "handlepy",
            {"HANDLEPY_DEBUG": "1"}),
    Variant("handlepy-universal-debug-trace", "debug and trace mode", "handlepy-universal",
            "handlepy", {"HANDLEPY_DEBUG": "1", "HANDLEPY_TRACE": "1"}),
]
