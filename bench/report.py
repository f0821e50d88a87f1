"""Writing a benchmark run (the dict run.py assembles) as Markdown and as a chart."""
import re
from pathlib import Path

from micro_cases import CUSTOM_CASES, HEAP_BASELINES
from targets import TARGETS, applicable, met

DESCRIPTIONS = {
    "capi": "`bench/micro/capi_micro.c`, written by hand on the C API; its `Custom` is a "
            "static type.",
    "capi-heap": "the same C-API source built with `MICRO_HEAP_TYPE`: its `Custom` is a heap "
                 "type made by `PyType_FromSpec`, as a C-API extension written today makes it "
                 "(the second baseline of the custom-type cases).",
    "handlepy-cpython": "`bench/micro/hpy_micro.c` built by handlepy with `HPY_ABI_CPYTHON`.",
    "handlepy-universal": "the same source built by handlepy with `HPY_ABI_UNIVERSAL`, "
                          "loaded by handlepy's loader with the generated trampolines "
                          "(`HANDLEPY_TRAMPOLINES=generated`, the default).",
    "handlepy-universal-ffi": "the same universal binary, loaded with "
                              "`HANDLEPY_TRAMPOLINES=ffi`: libffi closures carry the context.",
    "hpy09-cpython": "the same source built by HPy 0.9.0's setuptools integration with "
                     "`--hpy-abi=cpython`.",
    "hpy09-universal": "the same source built by HPy 0.9.0 with `--hpy-abi=universal`, "
                       "loaded with `hpy.universal.load`.",
    "capi-cpyext": "`bench/micro/capi_micro.c` built for PyPy, which runs it through cpyext, "
                   "its emulation of the C API.",
    "capi-heap-cpyext": "the same with its `Custom` a heap type (`MICRO_HEAP_TYPE`), for PyPy.",
    "hpymb-capi": "HPy 0.9's `microbench/src/cpy_simple.c` (from its sdist, unchanged), built "
                  "as a plain C-API extension with `-g`, as its `setup.py` builds it.",
    "hpymb-handlepy-cpython": "HPy 0.9's `microbench/src/hpy_simple.c`, unchanged, built "
                              "through `setup(hpy_ext_modules=...)` by handlepy's setuptools "
                              "hook (`HANDLEPY_BUILD_HPY_EXT_MODULES=1`) with "
                              "`--hpy-abi=cpython`.",
    "hpymb-handlepy-universal": "the same with `--hpy-abi=universal`, loaded by handlepy's "
                                "loader (generated trampolines).",
    "hpymb-hpy09-cpython": "the same source built by HPy 0.9.0's own setuptools hook with "
                           "`--hpy-abi=cpython`.",
    "hpymb-hpy09-universal": "the same with `--hpy-abi=universal`, loaded with "
                             "`hpy.universal.load`.",
    "ujson": "the real ujson from PyPI, `dumps(obj, ensure_ascii=False)` as in ujson's own "
             "benchmark.",
    "ujson_hpy-cpython": "samples/ujson built by handlepy with `HPY_ABI_CPYTHON` "
                         "(samples/ujson/build.py), called like ujson.",
    "ujson_hpy-universal": "samples/ujson built by handlepy with `HPY_ABI_UNIVERSAL`, loaded "
                           "by handlepy's loader, called like ujson.",
    "orjson": "orjson from PyPI, `dumps(obj)` (it returns `bytes`, the others `str`; sorted "
              "keys: `option=OPT_SORT_KEYS`).",
    "json": "the standard library's json, `dumps(obj)` with its defaults.",
}
PROFILE_SHARE = 0.01
PROFILE_TOP = 8
_ADDRESS = re.compile(r"^0x[0-9a-f]+$")
_HOST_TAG = re.compile(r"\.(cpython|pypy)[^.]*")


def _others(suite):
    return [v for v in suite.variants if v.name != suite.baseline]


def _label(suite, name):
    return next(v.label for v in suite.variants if v.name == name)


def _ratio(result, measure, variant, reference, case):
    table = result[measure]
    if (variant, case) not in table or (reference, case) not in table:
        return None
    if measure == "wall":
        return table[(variant, case)]["ns"] / table[(reference, case)]["ns"]
    return table[(variant, case)] / table[(reference, case)]


def _marks(result, measure, variant, case):
    suite = result["suite"]
    names = {v.name for v in suite.variants}
    out = []
    for t in applicable(suite.name, names):
        if t.variant != variant:
            continue
        r = _ratio(result, measure, t.variant, t.reference, case)
        if r is not None:
            out.append(("✓" if met(t, r) else "✗") + t.key)
    return " ".join(out)


def _cell(result, measure, variant, case):
    r = _ratio(result, measure, variant, result["suite"].baseline, case)
    marks = _marks(result, measure, variant, case)
    return f"{r:.2f}" + (f" {marks}" if marks else "")


def write_chart(run, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = []
    for result in run["suites"]:
        if not result["suite"].cases:
            continue
        panels.append((result, "wall"))
        if result["instructions"]:
            panels.append((result, "instructions"))
    fig, axes = plt.subplots(len(panels), 1, figsize=(14, 4.6 * len(panels)), squeeze=False)
    for ax, (result, measure) in zip(axes[:, 0], panels):
        suite = result["suite"]
        cases = [c.name for c in suite.cases]
        others = [v for v in _others(suite)
                  if (v.name, cases[0]) in result[measure]]
        width = 0.8 / len(others)
        for i, v in enumerate(others):
            xs = [k + (i - (len(others) - 1) / 2) * width for k in range(len(cases))]
            ax.bar(xs, [_ratio(result, measure, v.name, suite.baseline, c) for c in cases],
                   width, label=v.label)
        ax.axhline(1.0, color="black", linewidth=0.8)
        if suite.name.endswith("json"):
            ax.set_yscale("log")
        ax.set_title(f"{suite.title}: {'wall time' if measure == 'wall' else 'instructions'}"
                     f" / {_label(suite, suite.baseline)} (1 = as fast, lower is better)")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(ncol=3, fontsize="small", loc="upper left")
        ax.set_xticks(range(len(cases)))
        ax.set_xticklabels(cases, rotation=30, ha="right", fontsize="small")
    fig.suptitle(f"handlepy benchmarks, {run['date']}")
    fig.tight_layout(rect=(0, 0, 1, 0.985))
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _function_label(key):
    obj, fn = key
    if _ADDRESS.match(fn or ""):
        fn = "(unnamed)"
    obj = "no file" if obj in (None, "???") else _HOST_TAG.sub("", obj)
    return f"`{fn}` [{obj}]"


def _profile_lines(result, case):
    suite = result["suite"]
    base = result["profiles"][(suite.baseline, case)]
    base_total = result["instructions"][(suite.baseline, case)]
    threshold = max(1.0, PROFILE_SHARE * base_total)
    lines = []
    for v in _others(suite):
        if (v.name, case) not in result["profiles"]:
            continue
        mine = result["profiles"][(v.name, case)]
        delta = {k: mine.get(k, 0.0) - base.get(k, 0.0) for k in set(mine) | set(base)}
        shown = sorted((kv for kv in delta.items() if abs(kv[1]) >= threshold),
                       key=lambda kv: -abs(kv[1]))[:PROFILE_TOP]
        total = result["instructions"][(v.name, case)] - base_total
        parts = ", ".join(f"{_function_label(k)} {d:+.0f}" for k, d in shown)
        lines.append(f"- {v.label}: {total:+.0f} in all" + (f"; {parts}" if parts else ""))
    return lines


def _unit(suite):
    return (1e-6, "ms") if suite.name.endswith("json") else (1, "ns")


def _suite_markdown(run, result):
    suite = result["suite"]
    others = _others(suite)
    base_label = _label(suite, suite.baseline)
    scale, unit = _unit(suite)
    out = [f"## {suite.title}", "", "Variants:", ""]
    out += [f"- **{v.label}**: {DESCRIPTIONS[v.name]}" for v in suite.variants]
    out += [
        "",
        "### Wall time",
        "",
        f"Each variant times the same number of calls (second column) in each of "
        f"{result['rounds']} rounds, all variants back to back in a shuffled order; each "
        f"keeps its fastest round; the ratio is that over the {base_label}'s fastest round. "
        "Lower is better. The baseline column gives the time per call as Python sees it, "
        "the interpreter loop included. Marks: the targets each ratio meets (✓) or misses "
        "(✗), see Targets.",
        "",
        f"| case | calls per timing | {base_label} ({unit}/call) | "
        + " | ".join(v.label for v in others) + " |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in others) + " |",
    ]
    for c in suite.cases:
        cells = [_cell(result, "wall", v.name, c.name) for v in others]
        out.append(f"| {c.name} | {result['loops'][c.name]} | "
                   f"{result['wall'][(suite.baseline, c.name)]['ns'] * scale:.3g} | "
                   + " | ".join(cells) + " |")
    out.append("")
    out += _warmup_markdown(result)
    if not result["instructions"]:
        return out + _heap_markdown(result)
    counted = [v for v in others if (v.name, suite.cases[0].name) in result["instructions"]]
    if suite.marks == "around":
        method = ("N iterations of the test method's own loop to warm up, then N, N again "
                  "and 2N, callgrind counting only what the method's timer encloses "
                  "(`--dump-before=getppid`, called as the timer starts and stops); (count "
                  "of the 2N segment - count of the first N segment) / N is the cost of one "
                  "iteration of HPy's loop, its Python overhead included.")
    elif len(suite.segments) == 4:
        method = ("N calls to warm up, then N calls, N calls again and 2N calls, callgrind "
                  "counting each segment apart (`--dump-before=getppid`); (count of the "
                  "2N-call segment - count of the first N-call segment) / N is the cost of "
                  "one call, interpreter loop included, start-up and each segment's fixed "
                  "costs cancelled.")
    else:
        method = ("N calls to warm up, then N calls and N calls again, callgrind counting "
                  "each segment apart (`--dump-before=getppid`); the count of the first "
                  "N-call segment / N is the cost of one call (a segment's fixed cost, a "
                  "few hundred instructions, is left in: each call costs tens of thousands "
                  "at least). The cyclic GC is off, as in timeit.")
    out += [
        "### Instructions per call (callgrind)",
        "",
        f"One callgrind process per variant makes, for each case, {method} The ratio to "
        "the baseline is in parentheses. The two equal N-call segments differed by at "
        f"most {result['noise'] * 100:.3f}% (over all cases and variants).",
        "",
        "| case | N | " + base_label + " | " + " | ".join(v.label for v in counted) + " |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in counted) + " |",
    ]
    for c in suite.cases:
        base = result["instructions"][(suite.baseline, c.name)]
        cells = [f"{result['instructions'][(v.name, c.name)]:.0f} "
                 f"({_cell(result, 'instructions', v.name, c.name)})" for v in counted]
        out.append(f"| {c.name} | {result['counts'][c.name]} | {base:.0f} | "
                   + " | ".join(cells) + " |")
    out += [""] + _heap_markdown(result)
    out += [
        "### Where the extra instructions go",
        "",
        "For each case and variant: instructions per call beyond the baseline, and the "
        f"functions (at most {PROFILE_TOP}) whose own per-call cost differs from the "
        f"baseline's by at least {PROFILE_SHARE:.0%} of the baseline's call (and at least "
        "1 instruction), with the file it is in (host tags such as "
        "`.cpython-311-x86_64-linux-gnu` left out). `(unnamed)` is code without a symbol: "
        "libffi's internals, and [no file] the page of closure trampolines libffi maps at "
        "run time.",
        "",
    ]
    for c in suite.cases:
        out += [f"#### {c.name}", ""] + _profile_lines(result, c.name) + [""]
    return out


def _heap_markdown(result):
    """The custom-type cases against the heap-type baseline, beside the static one."""
    suite = result["suite"]
    heap = HEAP_BASELINES.get(suite.name)
    cases = [c.name for c in suite.cases if c.name in CUSTOM_CASES]
    if heap not in {v.name for v in suite.variants} or not cases:
        return []
    others = [v for v in suite.variants if v.name not in (suite.baseline, heap)]
    out = [
        "### Custom-type cases against the heap-type baseline",
        "",
        f"Each variant's figure over the **{_label(suite, heap)}**'s (a type made by "
        f"`PyType_FromSpec`, as HPy's types are), then, in parentheses, over the "
        f"**{_label(suite, suite.baseline)}**'s (a static type).",
        "",
    ]
    for measure in ("wall", "instructions"):
        if (heap, cases[0]) not in result[measure]:
            continue
        shown = [v for v in others if (v.name, cases[0]) in result[measure]]
        out += [f"{'Wall time' if measure == 'wall' else 'Instructions'}:", "",
                "| case | " + " | ".join(v.label for v in shown) + " |",
                "| --- | " + " | ".join("---:" for _ in shown) + " |"]
        for c in cases:
            cells = [f"{_ratio(result, measure, v.name, heap, c):.2f} "
                     f"({_ratio(result, measure, v.name, suite.baseline, c):.2f})"
                     for v in shown]
            out.append(f"| {c} | " + " | ".join(cells) + " |")
        out.append("")
    return out


def _warmup_markdown(result):
    """PyPy: how long each variant's timings took to settle before the timed rounds."""
    warmup = result.get("warmup")
    if not warmup:
        return []
    window, spread_limit, cap = result["warmup_rule"]
    suite = result["suite"]
    settled = sum(ok for _, _, ok in warmup.values())
    out = [
        "### JIT warm-up",
        "",
        f"Before the timed rounds, each variant timed each case (the calls per timing "
        f"above) again and again until its last {window} timings lay within "
        f"{spread_limit:.0%} of their fastest, at most {cap} times. Each cell: the "
        "timings that took (the baseline's counted after its first warm-up, which the "
        "calls per timing were calibrated again after); the spread of the last ones, "
        "(slowest - fastest) / fastest; "
        "then the timed rounds' median over their fastest (near 1: the rounds measured a "
        "settled JIT). A ✗ marks a case that had not settled within the cap (its figure "
        f"is less sure). Settled: {settled} of {len(warmup)}.",
        "",
        "| case | " + " | ".join(v.label for v in suite.variants) + " |",
        "| --- | " + " | ".join("---:" for _ in suite.variants) + " |",
    ]
    for c in suite.cases:
        cells = []
        for v in suite.variants:
            n, spread, ok = warmup[(v.name, c.name)]
            median = result["wall"][(v.name, c.name)]["median_over_min"]
            cells.append(f"{n}, {spread:.1%}, {median:.3f}" + ("" if ok else " ✗"))
        out.append(f"| {c.name} | " + " | ".join(cells) + " |")
    return out + [""]


def _targets_markdown(run):
    out = [
        "## Targets",
        "",
        "Issue 5's and issue 17's targets, recorded, not asserted. T5 reads \"universal "
        "within 3% on JSON\" as ujson_hpy universal against ujson_hpy built for the CPython "
        "ABI (against ujson it is implied by T4). Each ratio is the first variant's figure over "
        "the "
        "second's, on wall time and (CPython) on instructions.",
        "",
        "| target | suite | measure | met | missed in |",
        "| --- | --- | --- | ---: | --- |",
    ]
    for result in run["suites"]:
        suite = result["suite"]
        names = {v.name for v in suite.variants}
        for t in TARGETS:
            if t not in applicable(suite.name, names):
                continue
            for measure in ("wall", "instructions"):
                ratios = [(c.name, _ratio(result, measure, t.variant, t.reference, c.name))
                          for c in suite.cases]
                ratios = [(c, r) for c, r in ratios if r is not None]
                if not ratios:
                    continue
                missed = [f"{c} ({r:.2f})" for c, r in ratios if not met(t, r)]
                out.append(f"| {t.key}: {t.text} | {suite.title} | {measure} | "
                           f"{len(ratios) - len(missed)} of {len(ratios)} | "
                           f"{', '.join(missed) or '-'} |")
    return out + [""]


def _environment_markdown(run):
    env = run["env"]
    pk = env["packages"]
    out = [
        "## Machine and software",
        "",
        "| | |",
        "| --- | --- |",
        f"| CPU | {env['cpu']} |",
        f"| CPUs | {env['cpus']} ({env['cores']}) |",
        "| load average (1, 5, 15 min) before / after the wall-time parts | "
        + " / ".join(", ".join(f"{x:.2f}" for x in load) for load in run["load"]) + " |",
        f"| platform | {env['platform']} |",
        f"| CPython | {env['interpreter']} |",
        f"| handlepy | {env['handlepy']} |",
        f"| HPy (CPython) | {pk.get('hpy')} |",
        f"| ujson, orjson (CPython) | {pk.get('ujson')}, {pk.get('orjson')} |",
    ]
    if env["pypy"]:
        pp = env["pypy_packages"]
        ujson = pp.get("ujson")
        note = "" if ujson != "not installed" else \
            " (did not install for PyPy: the PyPy JSON suite has no ujson column)"
        out += [f"| PyPy | {env['pypy']} |",
                f"| ujson (PyPy) | {ujson}{note} |",
                "| orjson, HPy 0.9 (PyPy) | not run: orjson does not support PyPy, and PyPy "
                "ships its own HPy, not 0.9.0 |"]
    out += [
        f"| compiler | {env['compiler']} |",
        f"| libffi | {env['libffi']} |",
        f"| valgrind | {env['valgrind']} |",
        f"| matplotlib | {pk.get('matplotlib')} |",
        f"| JSON documents | `{run['data']}` |",
        "",
    ]
    return out


def write_markdown(run, path, chart_name):
    out = [
        f"# Benchmarks, {run['date']}",
        "",
        f"Written by `make bench` (`bench/run.py`), run started {run['started']}, "
        f"took {run['duration']:.0f} s. Every figure here comes from that run. "
        "The micro cases are described in docs/performance.md; the JSON cases follow "
        "ujson's own benchmark (bench/json_cases.py) plus `loads`/`dumps` of the shared "
        "documents.",
        "",
        f"![ratios to the baselines]({chart_name})",
        "",
    ]
    out += _environment_markdown(run)
    out += _targets_markdown(run)
    for result in run["suites"]:
        if result["suite"].cases:
            out += _suite_markdown(run, result)
    Path(path).write_text("\n".join(out))
