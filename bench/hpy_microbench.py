"""HPy 0.9's own microbench/ (from its sdist): its cases, read from its unchanged
test_microbench.py, and the builds they run on, shared by the driver (run.py) and the
worker (hpy_worker.py).

Each case is one test method of test_microbench.py (25 in HPy 0.9.0), named as HPy's
own summary names it (``TestModule::test_noargs``). The worker calls the method itself,
with the fixtures it asks for: ``simple`` (the variant's module), ``timer`` (a timer
around the method's own loop), ``N`` (the number of iterations run.py asks for) and
``api``. What the timer encloses, HPy's loop with its Python overhead, is what is
measured, as HPy measures it.
"""
import ast
from collections import namedtuple
from pathlib import Path

Case = namedtuple("Case", "name cls method")
Variant = namedtuple("Variant", "name label build loader env")

BASELINE = "hpymb-capi"
VARIANTS = [
    Variant("hpymb-capi", "C API (cpy_simple.c, baseline)", "hpymb-capi", "extension", {}),
    Variant("hpymb-handlepy-cpython", "handlepy CPython ABI", "hpymb-handlepy-cpython",
            "extension", {}),
    Variant("hpymb-handlepy-universal", "handlepy universal", "hpymb-handlepy-universal",
            "handlepy", {"HANDLEPY_TRAMPOLINES": "generated"}),
    Variant("hpymb-hpy09-cpython", "HPy 0.9 CPython ABI", "hpymb-hpy09-cpython",
            "extension", {}),
    Variant("hpymb-hpy09-universal", "HPy 0.9 universal", "hpymb-hpy09-universal", "hpy",
            {}),
]

# As the micro suite's: a warm-up of N iterations, N, N again, 2N; the timer calls
# os.getppid at both ends of each, so that callgrind counts only what HPy times.
SEGMENTS = (1, 1, 1, 2)


def test_file(sources):
    return Path(sources) / "microbench" / "test_microbench.py"


def cases(sources):
    """The test methods of test_microbench.py, in its order, found without importing it
    (it imports pytest and the _valgrind helper that HPy's setup.py builds)."""
    tree = ast.parse(test_file(sources).read_text())
    out = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test_"):
                    out.append(Case(f"{node.name}::{item.name}", node.name, item.name))
    return out
