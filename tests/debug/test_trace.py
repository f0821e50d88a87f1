"""Trace mode: calls to each context function and the time spent in them, per module
(per binary), alone or with debug mode."""
import sys

import pytest

from debugtools import load
from handlepy import trace

SOURCE = """
    HPyDef_METH(add_one, "add_one", HPyFunc_O)
    static HPy add_one_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy one = HPyLong_FromLong(ctx, 1);
        HPy sum = HPy_Add(ctx, one, arg);
        HPy_Close(ctx, one);
        return sum;
    }

    HPyDef_METH(track, "track", HPyFunc_NOARGS)
    static HPy track_impl(HPyContext *ctx, HPy self)
    {
        HPyTracker ht = HPyTracker_New(ctx, 2);
        HPyTracker_Add(ctx, ht, HPyLong_FromLong(ctx, 5));
        HPyTracker_Close(ctx, ht);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(twice, "twice", HPyFunc_NOARGS)
    static HPy twice_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, 2);
    }
    static HPyDef *point_defines[] = { &twice, NULL };
    static HPyType_Spec point_spec = {
        .name = "traced.Point",
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = point_defines,
    };

    @EXPORT(add_one)
    @EXPORT(track)
    @EXPORT_TYPE("Point", point_spec)
    @INIT
"""


def only_nonzero(counts):
    return {name: n for name, n in counts.items() if n}


@pytest.mark.parametrize("debug", [False, True], ids=["trace", "debug+trace"])
def test_calls_are_counted_and_timed(debug):
    m = load(SOURCE + f"/* debug={debug} */", debug=debug, trace=True)
    assert only_nonzero(trace.get_call_counts(m)) == {"HPyType_FromSpec": 1, "HPy_SetAttr_s": 1,
                                                      "HPy_Close": 1}
    trace.reset(m)
    assert only_nonzero(trace.get_call_counts(m)) == {}
    for i in range(3):
        assert m.add_one(i) == i + 1
    m.track()
    assert m.Point().twice() == 2
    counts = trace.get_call_counts(m)
    assert only_nonzero(counts) == {"HPyLong_FromLong": 5, "HPy_Add": 3, "HPy_Close": 3,
                                    "HPy_Dup": 1, "HPyTracker_New": 1, "HPyTracker_Add": 1,
                                    "HPyTracker_Close": 1}
    durations = trace.get_durations(m)
    assert set(durations) == set(counts)
    assert all(durations[name] > 0 for name in only_nonzero(counts))
    assert all(durations[name] == 0 for name in counts if not counts[name])


def test_every_context_function_has_a_counter():
    m = load(SOURCE + "/* keys */", debug=False, trace=True)
    names = set(trace.get_call_counts(m))
    assert {"HPy_Dup", "HPy_Close", "HPyType_FromSpec", "HPyUnicode_AsUTF8AndSize",
            "HPyGlobal_Load"} <= names
    assert all(isinstance(v, int) for v in trace.get_durations(m).values())


def test_modules_are_counted_apart_and_together():
    a = load(SOURCE + "/* a */", debug=False, trace=True)
    b = load(SOURCE + "/* b */", debug=False, trace=True)
    trace.reset()
    a.add_one(1)
    b.add_one(1)
    b.add_one(2)
    assert trace.get_call_counts(a)["HPy_Add"] == 1
    assert trace.get_call_counts(b.__name__)["HPy_Add"] == 2
    assert trace.get_call_counts()["HPy_Add"] >= 3
    trace.reset(b)
    assert trace.get_call_counts(b)["HPy_Add"] == 0
    assert trace.get_call_counts(a)["HPy_Add"] == 1


def test_a_module_not_in_trace_mode_is_refused():
    m = load(SOURCE + "/* untraced */", debug=False, trace=False)
    with pytest.raises(ValueError, match="is not loaded in trace mode"):
        trace.get_call_counts(m)


@pytest.fixture
def trace_functions():
    yield trace.set_trace_functions
    trace.set_trace_functions(None, None)


def test_trace_functions_see_each_call_by_name(trace_functions):
    m = load(SOURCE, debug=False, trace=True)
    seen = []
    trace_functions(on_enter=lambda name: seen.append(("enter", name)))
    assert m.add_one(1) == 2
    assert seen == [("enter", "HPyLong_FromLong"), ("enter", "HPy_Add"),
                    ("enter", "HPy_Close")]
    seen.clear()
    trace_functions(on_exit=lambda name: seen.append(("exit", name)))
    m.add_one(1)
    assert seen[:2] == [("enter", "HPyLong_FromLong"), ("exit", "HPyLong_FromLong")]
    trace_functions(on_enter=None)
    seen.clear()
    m.add_one(1)
    assert [kind for kind, _ in seen] == ["exit"] * 3


def test_what_a_trace_function_raises_is_unraisable(trace_functions, monkeypatch):
    m = load(SOURCE, debug=False, trace=True)
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unraisable.append(str(u.exc_value)))

    def fail(name):
        raise RuntimeError(name)

    trace_functions(on_enter=fail)
    assert m.add_one(41) == 42
    trace_functions(on_enter=None)
    assert unraisable == ["HPyLong_FromLong", "HPy_Add", "HPy_Close"]
    with pytest.raises(TypeError, match="on_exit must be callable or None, not int"):
        trace_functions(on_exit=1)
