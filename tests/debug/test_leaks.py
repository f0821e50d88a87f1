"""Leak detection: LeakDetector and the C backtrace of where each leaked handle, builder
or tracker was opened."""
import pytest

from debugtools import line_of, load, source_file
from handlepy.debug import HandleLeakError, LeakDetector, open_handles

SOURCE = """
    static HPy kept;

    HPyDef_METH(leak_int, "leak_int", HPyFunc_O)
    static HPy leak_int_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy n = HPyLong_FromLong(ctx, HPyLong_AsLong(ctx, arg));   /* leaked here */
        (void)n;
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(clean, "clean", HPyFunc_O)
    static HPy clean_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy n = HPyLong_FromLong(ctx, 1);
        HPy sum = HPy_Add(ctx, n, arg);
        HPy_Close(ctx, n);
        return sum;
    }

    HPyDef_METH(keep, "keep", HPyFunc_O)
    static HPy keep_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        kept = HPy_Dup(ctx, arg);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(release, "release", HPyFunc_NOARGS)
    static HPy release_impl(HPyContext *ctx, HPy self)
    {
        HPy_Close(ctx, kept);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(leak_builders, "leak_builders", HPyFunc_NOARGS)
    static HPy leak_builders_impl(HPyContext *ctx, HPy self)
    {
        HPyTupleBuilder_New(ctx, 1);   /* tuple builder */
        HPyListBuilder_New(ctx, 1);
        HPyTracker_New(ctx, 1);        /* tracker */
        return HPy_Dup(ctx, ctx->h_None);
    }

    __attribute__((noinline)) static HPy helper(HPyContext *ctx)
    {
        HPy s = HPyUnicode_FromString(ctx, "deep");  /* in the helper */
        return HPyErr_Occurred(ctx) ? HPy_NULL : s;  /* (not a tail call) */
    }
    HPyDef_METH(leak_deep, "leak_deep", HPyFunc_NOARGS)
    static HPy leak_deep_impl(HPyContext *ctx, HPy self)
    {
        HPy s = helper(ctx);                         /* calls the helper */
        (void)s;
        return HPy_Dup(ctx, ctx->h_None);
    }

    /* Closes every key HPyDict_Next gives, and the values but the last. */
    HPyDef_METH(leak_dict_value, "leak_dict_value", HPyFunc_O)
    static HPy leak_dict_value_impl(HPyContext *ctx, HPy self, HPy d)
    {
        HPy_ssize_t pos = 0;
        HPy key, value, last = HPy_NULL;
        while (HPyDict_Next(ctx, d, &pos, &key, &value) == 1) {
            HPy_Close(ctx, key);
            HPy_Close(ctx, last);
            last = value;
        }
        return HPy_Dup(ctx, ctx->h_None);
    }

    @EXPORT(leak_int)
    @EXPORT(leak_dict_value)
    @EXPORT(clean)
    @EXPORT(keep)
    @EXPORT(release)
    @EXPORT(leak_builders)
    @EXPORT(leak_deep)
    @INIT
"""


@pytest.fixture(scope="module")
def m():
    return load(SOURCE)


def at(marker):
    return f"{source_file(SOURCE)}:{line_of(SOURCE, marker)}"


def test_a_leak_names_the_function_and_the_line_that_opened_it(m):
    with pytest.raises(HandleLeakError) as info:
        with LeakDetector():
            m.leak_int(12345)
    (leak,) = info.value.leaks
    assert leak.kind == "handle"
    assert leak.object == 12345
    assert leak.opened_by == "HPyLong_FromLong"
    assert leak.call == f"{m.__name__}.leak_int"
    assert leak.backtrace[0] == f"leak_int_impl at {leak.backtrace[0].split(' at ')[1]}"
    assert leak.backtrace[0].endswith(at("/* leaked here */"))
    assert str(info.value).splitlines()[:3] == [
        "1 handle was left open:",
        f"  a handle to 12345 (int), opened by HPyLong_FromLong during the call to "
        f"{m.__name__}.leak_int, at:",
        f"      {leak.backtrace[0]}",
    ]


def test_the_items_of_hpydict_next_are_new_handles(m):
    """HPyDict_Next's generated debug wrapper opens a debug handle for each key and value:
    the one value left open is reported, closing the others leaves nothing."""
    with pytest.raises(HandleLeakError) as info:
        with LeakDetector():
            m.leak_dict_value({"a": 1, "b": 22222})
    (leak,) = info.value.leaks
    assert (leak.kind, leak.object, leak.opened_by) == ("handle", 22222, "HPyDict_Next")
    with LeakDetector():
        m.leak_dict_value({})


def test_the_backtrace_goes_as_deep_as_asked(m, backtrace_depth):
    backtrace_depth(2)
    with pytest.raises(HandleLeakError) as info:
        with LeakDetector():
            m.leak_deep()
    frames = info.value.leaks[0].backtrace
    assert len(frames) == 2
    assert frames[0].startswith("helper at ") and frames[0].endswith(at("/* in the helper */"))
    assert frames[1].startswith("leak_deep_impl at ")
    assert frames[1].endswith(at("/* calls the helper */"))
    backtrace_depth(1)
    with pytest.raises(HandleLeakError) as info:
        with LeakDetector():
            m.leak_deep()
    assert len(info.value.leaks[0].backtrace) == 1


def test_no_backtrace_at_depth_zero(m, backtrace_depth):
    backtrace_depth(0)
    with pytest.raises(HandleLeakError) as info:
        with LeakDetector():
            m.leak_int(1)
    assert info.value.leaks[0].backtrace == []
    assert str(info.value).splitlines()[1].endswith(f"{m.__name__}.leak_int")


def test_builders_and_trackers_leak_too(m):
    with pytest.raises(HandleLeakError) as info:
        with LeakDetector():
            m.leak_builders()
    kinds = [(leak.kind, leak.opened_by, leak.object) for leak in info.value.leaks]
    assert kinds == [("HPyTupleBuilder", "HPyTupleBuilder_New", None),
                     ("HPyListBuilder", "HPyListBuilder_New", None),
                     ("HPyTracker", "HPyTracker_New", None)]
    assert info.value.leaks[0].backtrace[0].endswith(at("/* tuple builder */"))
    assert "  an HPyTracker, opened by HPyTracker_New during the call to" in str(info.value)


def test_clean_calls_leave_nothing(m):
    with LeakDetector():
        assert m.clean(41) == 42


def test_a_handle_closed_in_a_later_call_is_no_leak(m):
    with LeakDetector():
        m.keep([1])
        m.release()


def test_a_handle_opened_before_the_window_is_not_reported(m):
    m.keep("before")
    with LeakDetector():
        pass
    m.release()


def test_a_leak_is_reported_once(m):
    with LeakDetector() as outer:
        with pytest.raises(HandleLeakError):
            with LeakDetector():
                m.leak_int(7)
        assert outer.leaks() == []


def test_leaks_lists_without_reporting(m):
    detector = LeakDetector().start()
    m.leak_int(8)
    assert [leak.object for leak in detector.leaks()] == [8]
    assert [leak.object for leak in open_handles(since=0) if leak.object == 8] == [8]
    with pytest.raises(HandleLeakError):
        detector.stop()


def test_the_block_s_own_exception_is_not_masked(m):
    detector = LeakDetector()
    with pytest.raises(ZeroDivisionError):
        with detector:
            m.leak_int(9)
            1 / 0
    # Left unreported: stopping the detector still reports it.
    with pytest.raises(HandleLeakError):
        detector.stop()


def test_detector_misuse_is_an_error():
    with pytest.raises(RuntimeError, match=r"stop\(\) before start\(\)"):
        LeakDetector().stop()
    with pytest.raises(RuntimeError, match=r"leaks\(\) before start\(\)"):
        LeakDetector().leaks()
