"""The performance targets of issues 5 and 17, recorded against each figure, never asserted.

A target holds for a case when `variant`'s figure over `reference`'s figure is at most
`limit` (below it, when `strict`). Each is checked on wall time and, where callgrind
counted both variants, on instructions.
"""
from collections import namedtuple

Target = namedtuple("Target", "key text suites variant reference limit strict")

TARGETS = [
    Target("T1", "handlepy's CPython ABI within 2% of the C API", ("micro",),
           "handlepy-cpython", "capi", 1.02, False),
    Target("T2", "handlepy universal within 10% of the C API", ("micro",),
           "handlepy-universal", "capi", 1.10, False),
    Target("T2", "handlepy universal within 10% of the C API (cpyext)", ("pypy-micro",),
           "handlepy-universal", "capi-cpyext", 1.10, False),
    Target("T3", "handlepy universal faster than HPy 0.9 universal", ("micro",),
           "handlepy-universal", "hpy09-universal", 1.0, True),
    Target("T4", "ujson_hpy (CPython ABI) at least as fast as ujson", ("json",),
           "ujson_hpy-cpython", "ujson", 1.0, False),
    Target("T4", "ujson_hpy (universal) at least as fast as ujson", ("json", "pypy-json"),
           "ujson_hpy-universal", "ujson", 1.0, False),
    Target("T5", "ujson_hpy universal within 3% of its CPython ABI", ("json",),
           "ujson_hpy-universal", "ujson_hpy-cpython", 1.03, False),
    Target("MB1", "handlepy's CPython ABI at most HPy 0.9's CPython ABI", ("hpy-micro",),
           "hpymb-handlepy-cpython", "hpymb-hpy09-cpython", 1.0, False),
    Target("MB2", "handlepy universal below HPy 0.9 universal", ("hpy-micro",),
           "hpymb-handlepy-universal", "hpymb-hpy09-universal", 1.0, True),
]


def applicable(suite_name, variant_names):
    return [t for t in TARGETS if suite_name in t.suites
            and t.variant in variant_names and t.reference in variant_names]


def met(target, ratio):
    return ratio < target.limit if target.strict else ratio <= target.limit
