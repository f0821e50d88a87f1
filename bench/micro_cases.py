"""The micro benchmark cases and the variants they run on, shared by the driver
(run.py) and the worker it starts in each variant's interpreter (worker.py)."""
from collections import namedtuple

# call: the statement timed, with f the module function (None where the statement does
# not call one); the names it uses come from the worker's objects() (so constants such
# as 'x' are interned, as in real code); `custom` is an instance of the module's Custom.
# expected: what the statement's value must be, for the smoke test (tests/test_bench.py).
Case = namedtuple("Case", "name function call expected")

CASES = [
    Case("noargs", "noargs", "f()", None),
    Case("onearg(None)", "onearg", "f(none)", None),
    Case("onearg(int)", "onearg", "f(number)", 12345),
    Case("varargs", "varargs", "f(number, none, number)", None),
    Case("keywords", "keywords", "f(x=number, y=none)", None),
    Case("allocate_int", "allocate_int", "f()", 2048),
    Case("allocate_tuple", "allocate_tuple", "f()", (None, None)),
    Case("getattr", "getattr", "f(obj, 'x')", 1),
    Case("setattr", "setattr", "f(obj, 'x', number)", None),
    Case("getitem", "getitem", "f(mapping, 'k')", 1),
    Case("len", "len", "f(items)", 3),
    Case("method", None, "custom.method()", None),
    Case("member", None, "custom.x", 7),
    Case("allocate_custom", "allocate_custom", "f()", "Custom"),
    # handlepy's bulk calls (HPy 0.9 does the same work one call per item): the difference
    # between 16 and 256 items is the per-item work, the same in every ABI.
    Case("builtin_kind", "builtin_kind", "f(number)", 12345),
    Case("get_items(16)", "get_items", "f(items16)", 15),
    Case("get_items(256)", "get_items", "f(items256)", 255),
]

# The callgrind segments of each case, in units of N: a warm-up (the interpreter
# specialises the loop), N, N again (the two differ only by noise), 2N.
SEGMENTS = (1, 1, 1, 2)

# build: the folder the module comes from (see build_micro.py); loader: how it is
# imported; env: what the worker's environment adds.
Variant = namedtuple("Variant", "name label build loader env")

BASELINE = "capi"
VARIANTS = [
    Variant("capi", "C API (baseline)", "capi", "extension", {}),
    Variant("capi-heap", "C API, heap type", "capi-heap", "extension", {}),
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

# On PyPy (wall time only): the C-API baseline built for PyPy's cpyext, against the
# universal binary CPython built.
PYPY_BASELINE = "capi-cpyext"
PYPY_VARIANTS = [
    Variant("capi-cpyext", "C API via cpyext (baseline)", "capi-pypy", "extension", {}),
    Variant("capi-heap-cpyext", "C API via cpyext, heap type", "capi-heap-pypy", "extension",
            {}),
    Variant("handlepy-universal", "handlepy universal", "handlepy-universal",
            "handlepy", {"HANDLEPY_TRAMPOLINES": "generated"}),
]

ALL_VARIANTS = VARIANTS + MODE_VARIANTS + [v for v in PYPY_VARIANTS
                                           if v.build.endswith("-pypy")]

# The second baseline of the cases on a custom type: the same C-API module with its type
# made by PyType_FromSpec (a heap type, as HPy's types are) instead of a static one.
HEAP_BASELINES = {"micro": "capi-heap", "pypy-micro": "capi-heap-cpyext"}
CUSTOM_CASES = ("method", "member", "allocate_custom")
