"""Writing a benchmark run (the dict run.py assembles) as Markdown and as a chart."""
import re
from pathlib import Path

DESCRIPTIONS = {
    "capi": "`bench/micro/capi_micro.c`, written by hand on the C API.",
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
}
PROFILE_THRESHOLD = 1.0
PROFILE_TOP = 8
_ADDRESS = re.compile(r"^0x[0-9a-f]+$")
_HOST_TAG = re.compile(r"\.cpython-[^.]+")


def _others(run):
    return [v for v in run["variants"] if v.name != run["baseline"]]


def write_chart(run, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = [c.name for c in run["cases"]]
    others = _others(run)
    width = 0.8 / len(others)
    fig, axes = plt.subplots(2, 1, figsize=(12, 8.5), sharex=True)
    panels = [
        (axes[0], "wall time / C API", lambda v, c: run["wall"][(v, c)]["ratio"]),
        (axes[1], "instructions / C API",
         lambda v, c: run["instructions"][(v, c)] / run["instructions"][(run["baseline"], c)]),
    ]
    for ax, title, value in panels:
        for i, v in enumerate(others):
            xs = [k + (i - (len(others) - 1) / 2) * width for k in range(len(cases))]
            ax.bar(xs, [value(v.name, c) for c in cases], width, label=v.label)
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_ylabel(title)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_title(f"handlepy micro benchmarks, {run['date']}: ratio to the C API "
                      "(1 = as fast, lower is better)")
    axes[0].legend(ncol=3, fontsize="small", loc="upper left")
    axes[1].set_xticks(range(len(cases)))
    axes[1].set_xticklabels(cases, rotation=30, ha="right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _function_label(key):
    obj, fn = key
    if _ADDRESS.match(fn or ""):
        fn = "(unnamed)"
    obj = "no file" if obj in (None, "???") else _HOST_TAG.sub("", obj)
    return f"`{fn}` [{obj}]"


def _profile_lines(run, case):
    base = run["profiles"][(run["baseline"], case)]
    lines = []
    for v in _others(run):
        mine = run["profiles"][(v.name, case)]
        delta = {k: mine.get(k, 0.0) - base.get(k, 0.0) for k in set(mine) | set(base)}
        shown = sorted((kv for kv in delta.items() if abs(kv[1]) >= PROFILE_THRESHOLD),
                       key=lambda kv: -abs(kv[1]))[:PROFILE_TOP]
        total = run["instructions"][(v.name, case)] - run["instructions"][(run["baseline"], case)]
        parts = ", ".join(f"{_function_label(k)} {d:+.0f}" for k, d in shown)
        lines.append(f"- {v.label}: {total:+.0f} in all" + (f"; {parts}" if parts else ""))
    return lines


def write_markdown(run, path, chart_name):
    env, baseline = run["env"], run["baseline"]
    others = _others(run)
    base_label = next(v.label for v in run["variants"] if v.name == baseline)
    out = [
        f"# Micro benchmarks, {run['date']}",
        "",
        f"Written by `make bench` (`bench/run.py`), run started {run['started']}, "
        f"took {run['duration']:.0f} s. Every figure here comes from that run.",
        "",
        "## Machine and software",
        "",
        "| | |",
        "| --- | --- |",
        f"| CPU | {env['cpu']} |",
        f"| CPUs | {env['cpus']} ({env['cores']}) |",
        "| load average (1, 5, 15 min) before / after the wall-time part | "
        + " / ".join(", ".join(f"{x:.2f}" for x in load) for load in run["load"]) + " |",
        f"| platform | {env['platform']} |",
        f"| interpreter | {env['interpreter']} |",
        f"| handlepy | {env['handlepy']} |",
        f"| HPy | {env['hpy']} |",
        f"| compiler | {env['compiler']} |",
        f"| libffi | {env['libffi']} |",
        f"| valgrind | {env['valgrind']} |",
        f"| matplotlib | {env['matplotlib']} |",
        "",
        "## Variants",
        "",
    ]
    out += [f"- **{v.label}**: {DESCRIPTIONS[v.name]}" for v in run["variants"]]
    out += [
        "",
        "All are compiled by setuptools with the interpreter's own compiler flags.",
        "",
        "## Wall time",
        "",
        f"Each variant times the same number of calls (second column) in each of "
        f"{run['rounds']} rounds, all variants back to back in a shuffled order. On a "
        "shared machine other processes only add time, so each variant's figure is its "
        f"fastest round; the ratio is that over the {base_label}'s fastest round. Lower "
        "is better; 1.00 is as fast as the C API. The time is per call as Python sees it, "
        "interpreter loop included; the baseline column gives it in nanoseconds.",
        "",
        "| case | calls per timing | " + base_label + " (ns/call) | "
        + " | ".join(v.label for v in others) + " |",
        "| --- | ---: | ---: | " + " | ".join("---:" for _ in others) + " |",
    ]
    for c in run["cases"]:
        cells = [f"{run['wall'][(v.name, c.name)]['ratio']:.2f}" for v in others]
        out.append(f"| {c.name} | {run['loops'][c.name]} | "
                   f"{run['wall'][(baseline, c.name)]['ns']:.1f} | " + " | ".join(cells) + " |")
    out += [
        "",
        "## Instructions per call (callgrind)",
        "",
        "Instructions per call: one callgrind process per variant makes, for each case, "
        f"{run['calls']} calls to warm up, then {run['calls']} calls, {run['calls']} calls "
        f"again and {2 * run['calls']} calls, callgrind counting each segment apart "
        f"(`--dump-before=getppid`); (count of the {2 * run['calls']}-call segment - count "
        f"of the first {run['calls']}-call segment) / {run['calls']} is the cost of one "
        "call, interpreter loop included, with start-up and each segment's fixed costs "
        "cancelled. The ratio to the baseline is in parentheses. The two equal segments "
        f"differed by at most {run['noise']:.2f} instructions per call (over all cases "
        "and variants).",
        "",
        "| case | " + base_label + " | " + " | ".join(v.label for v in others) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in others) + " |",
    ]
    for c in run["cases"]:
        base = run["instructions"][(baseline, c.name)]
        cells = [f"{run['instructions'][(v.name, c.name)]:.0f} "
                 f"({run['instructions'][(v.name, c.name)] / base:.2f})" for v in others]
        out.append(f"| {c.name} | {base:.0f} | " + " | ".join(cells) + " |")
    out += [
        "",
        "## Where the extra instructions go",
        "",
        "For each case and variant: instructions per call beyond the baseline, and the "
        f"functions (at most {PROFILE_TOP}) whose own per-call cost differs from the "
        f"baseline's by at least {PROFILE_THRESHOLD:.0f}, with the file it is in "
        "(host tags such as `.cpython-311-x86_64-linux-gnu` left out). `(unnamed)` is "
        "code without a symbol: libffi's internals, and [no file] the page of closure "
        "trampolines libffi maps at run time.",
        "",
    ]
    for c in run["cases"]:
        out += [f"### {c.name}", ""] + _profile_lines(run, c.name) + [""]
    out += [
        "## Not yet measured",
        "",
        "| case | status |",
        "| --- | --- |",
    ]
    out += [f"| {name} | not yet measured ({why}) |" for name, why in run["unmeasured"]]
    out += ["", "## Chart", "", f"![ratios to the C API]({chart_name})", ""]
    Path(path).write_text("\n".join(out))
