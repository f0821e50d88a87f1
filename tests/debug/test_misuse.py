"""Every misuse debug mode detects, provoked once in-process with the "raise" action
(the extension's function raises HandleError with the report) and once in a child with
the default action (the report, then a fatal error)."""
import pytest

from debugtools import assert_aborted, line_of, load, run_child, source_file
from handlepy.debug import HandleError

SOURCE = """
    #include <string.h>

    HPyDef_METH(use_after_close, "use_after_close", HPyFunc_NOARGS)
    static HPy use_after_close_impl(HPyContext *ctx, HPy self)
    {
        HPy h = HPyLong_FromLong(ctx, 1);   /* opened here */
        HPy_Close(ctx, h);                  /* closed here */
        HPy r = HPy_Repr(ctx, h);           /* used here */
        return HPyErr_Occurred(ctx) ? HPy_NULL : r;
    }

    HPyDef_METH(double_close, "double_close", HPyFunc_NOARGS)
    static HPy double_close_impl(HPyContext *ctx, HPy self)
    {
        HPy h = HPyLong_FromLong(ctx, 2);
        HPy_Close(ctx, h);
        HPy_Close(ctx, h);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(close_arg, "close_arg", HPyFunc_O)
    static HPy close_arg_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_Close(ctx, arg);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(return_arg, "return_arg", HPyFunc_O)
    static HPy return_arg_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return arg;
    }

    HPyDef_METH(close_constant, "close_constant", HPyFunc_NOARGS)
    static HPy close_constant_impl(HPyContext *ctx, HPy self)
    {
        HPy_Close(ctx, ctx->h_None);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(return_constant, "return_constant", HPyFunc_NOARGS)
    static HPy return_constant_impl(HPyContext *ctx, HPy self)
    {
        return ctx->h_True;
    }

    HPyDef_METH(never_a_handle, "never_a_handle", HPyFunc_NOARGS)
    static HPy never_a_handle_impl(HPyContext *ctx, HPy self)
    {
        HPy bogus = {(intptr_t)(((uint64_t)77 << 32) | (0x7654321u << 1) | 1)};
        return HPy_Repr(ctx, bogus);
    }

    static long not_an_object;
    HPyDef_METH(object_pointer, "object_pointer", HPyFunc_NOARGS)
    static HPy object_pointer_impl(HPyContext *ctx, HPy self)
    {
        HPy bogus = {(intptr_t)&not_an_object};
        return HPy_Repr(ctx, bogus);
    }

    HPyDef_METH(return_closed, "return_closed", HPyFunc_NOARGS)
    static HPy return_closed_impl(HPyContext *ctx, HPy self)
    {
        HPy h = HPyLong_FromLong(ctx, 3);
        HPy_Close(ctx, h);
        return h;
    }

    static HPyContext *kept;
    HPyDef_METH(keep_context, "keep_context", HPyFunc_NOARGS)
    static HPy keep_context_impl(HPyContext *ctx, HPy self)
    {
        kept = ctx;
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(use_kept_context, "use_kept_context", HPyFunc_NOARGS)
    static HPy use_kept_context_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(kept, 4);
    }

    HPyDef_METH(call_back, "call_back", HPyFunc_O)
    static HPy call_back_impl(HPyContext *ctx, HPy self, HPy callback)
    {
        kept = ctx;
        return HPy_Call(ctx, callback, NULL, 0, HPy_NULL);
    }

    HPyDef_METH(tuple_set_after_build, "tuple_set_after_build", HPyFunc_NOARGS)
    static HPy tuple_set_after_build_impl(HPyContext *ctx, HPy self)
    {
        HPyTupleBuilder b = HPyTupleBuilder_New(ctx, 1);
        HPyTupleBuilder_Set(ctx, b, 0, ctx->h_None);
        HPy t = HPyTupleBuilder_Build(ctx, b);
        HPy_Close(ctx, t);
        HPyTupleBuilder_Set(ctx, b, 0, ctx->h_None);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(list_build_after_cancel, "list_build_after_cancel", HPyFunc_NOARGS)
    static HPy list_build_after_cancel_impl(HPyContext *ctx, HPy self)
    {
        HPyListBuilder b = HPyListBuilder_New(ctx, 2);
        HPyListBuilder_Cancel(ctx, b);
        return HPyListBuilder_Build(ctx, b);
    }

    HPyDef_METH(tracker_add_after_close, "tracker_add_after_close", HPyFunc_NOARGS)
    static HPy tracker_add_after_close_impl(HPyContext *ctx, HPy self)
    {
        HPyTracker ht = HPyTracker_New(ctx, 1);
        HPyTracker_Close(ctx, ht);
        HPy h = HPyLong_FromLong(ctx, 5);
        if (HPyTracker_Add(ctx, ht, h) < 0) {
            HPy_Close(ctx, h);
            return HPy_NULL;
        }
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(tracker_double_close, "tracker_double_close", HPyFunc_NOARGS)
    static HPy tracker_double_close_impl(HPyContext *ctx, HPy self)
    {
        HPyTracker ht = HPyTracker_New(ctx, 1);
        HPy h = HPyLong_FromLong(ctx, 6);
        HPyTracker_Add(ctx, ht, h);
        HPy_Close(ctx, h);
        HPyTracker_Close(ctx, ht);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(tracker_closes_arg, "tracker_closes_arg", HPyFunc_O)
    static HPy tracker_closes_arg_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyTracker ht = HPyTracker_New(ctx, 1);
        HPyTracker_Add(ctx, ht, arg);
        HPyTracker_Close(ctx, ht);
        return HPy_Dup(ctx, ctx->h_None);
    }

    typedef struct { HPyField f; } HolderObject;
    HPyType_HELPERS(HolderObject)
    static HPyField stray_field;

    HPyDef_METH(field_outside, "field_outside", HPyFunc_NOARGS)
    static HPy field_outside_impl(HPyContext *ctx, HPy self)
    {
        HPyField_Store(ctx, self, &stray_field, ctx->h_None);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(field_holds_handle, "field_holds_handle", HPyFunc_NOARGS)
    static HPy field_holds_handle_impl(HPyContext *ctx, HPy self)
    {
        HolderObject *holder = HolderObject_AsStruct(ctx, self);
        holder->f._i = ctx->h_None._i;   /* a handle written by hand */
        HPy h = HPyField_Load(ctx, self, holder->f);
        holder->f = HPyField_NULL;
        return h;
    }

    HPyDef_METH(field_load_at_outside, "field_load_at_outside", HPyFunc_NOARGS)
    static HPy field_load_at_outside_impl(HPyContext *ctx, HPy self)
    {
        return HPyField_LoadAt(ctx, self, &stray_field);
    }

    static HPyGlobal hand_written;
    HPyDef_METH(global_load_at_holds_handle, "global_load_at_holds_handle", HPyFunc_NOARGS)
    static HPy global_load_at_holds_handle_impl(HPyContext *ctx, HPy self)
    {
        hand_written._i = ctx->h_None._i;
        HPy h = HPyGlobal_LoadAt(ctx, &hand_written);
        hand_written._i = 0;
        return h;
    }

    HPyDef_METH(global_holds_handle, "global_holds_handle", HPyFunc_NOARGS)
    static HPy global_holds_handle_impl(HPyContext *ctx, HPy self)
    {
        hand_written._i = ctx->h_None._i;
        HPy h = HPyGlobal_Load(ctx, hand_written);
        hand_written._i = 0;
        return h;
    }

    HPyDef_METH(internal, "internal", HPyFunc_NOARGS)
    static HPy internal_impl(HPyContext *ctx, HPy self)
    {
        HPy_ssize_t n;
        _HPy_TupleItems(ctx, ctx->h_None, &n);
        return HPy_NULL;
    }

    static HPyDef *holder_defines[] = {
        &field_outside, &field_holds_handle, &global_holds_handle, &field_load_at_outside,
        &global_load_at_holds_handle, NULL };
    static HPyType_Spec holder_spec = {
        .name = "misuse.Holder",
        .basicsize = sizeof(HolderObject),
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = holder_defines,
    };

    @EXPORT(use_after_close)
    @EXPORT(double_close)
    @EXPORT(close_arg)
    @EXPORT(return_arg)
    @EXPORT(close_constant)
    @EXPORT(return_constant)
    @EXPORT(never_a_handle)
    @EXPORT(object_pointer)
    @EXPORT(return_closed)
    @EXPORT(keep_context)
    @EXPORT(use_kept_context)
    @EXPORT(call_back)
    @EXPORT(tuple_set_after_build)
    @EXPORT(list_build_after_cancel)
    @EXPORT(tracker_add_after_close)
    @EXPORT(tracker_double_close)
    @EXPORT(tracker_closes_arg)
    @EXPORT(internal)
    @EXPORT_TYPE("Holder", holder_spec)
    @INIT
"""

# (case, the Python code that provokes it with the module as m, what the report says)
CASES = [
    ("use after close", "m.use_after_close()",
     ["HPy_Repr got a closed handle as argument 'obj': it was used after it was closed",
      "opened by HPyLong_FromLong during the call to",
      f"{source_file(SOURCE)}:{line_of(SOURCE, '/* opened here */')}",
      "it was closed by HPy_Close, at:",
      f"{source_file(SOURCE)}:{line_of(SOURCE, '/* closed here */')}",
      f"{source_file(SOURCE)}:{line_of(SOURCE, '/* used here */')}"]),
    ("double close", "m.double_close()",
     ["HPy_Close closed a handle that is already closed (double close)"]),
    ("closing an argument", "m.close_arg(42)",
     ["HPy_Close closed an argument of ", ".close_arg, which the function does not own"]),
    ("returning an argument", "m.return_arg(42)",
     [".return_arg returned one of its arguments without HPy_Dup",
      "the function is return_arg_impl at "]),
    ("closing a constant", "m.close_constant()",
     ["HPy_Close closed the context constant ctx->h_None, which the context owns"]),
    ("returning a constant", "m.return_constant()",
     [".return_constant returned ctx->h_True without HPy_Dup"]),
    ("invalid handle", "m.never_a_handle()",
     ["HPy_Repr got an invalid handle 0x4d0eca8643 as argument 'obj': no handle ever had "
      "this value"]),
    ("object pointer as handle", "m.object_pointer()",
     ["HPy_Repr got an invalid handle 0x", "it is not a debug-mode handle"]),
    ("returning a closed handle", "m.return_closed()",
     [".return_closed returned a closed handle"]),
    ("context of an ended call", "m.keep_context(); m.use_kept_context()",
     ["HPyLong_FromLong was called with a context that belongs to another call",
      "the context was passed to an earlier call, to ", ".keep_context, which has returned",
      ".use_kept_context: use the context it was passed"]),
    ("context of a running call", "m.call_back(m.use_kept_context)",
     ["HPyLong_FromLong was called with a context that belongs to another call",
      ".call_back, which is still running further up the stack"]),
    ("builder used after build", "m.tuple_set_after_build()",
     ["HPyTupleBuilder_Set got a closed HPyTupleBuilder as the builder: it was used after "
      "it was closed", "it was closed by HPyTupleBuilder_Build"]),
    ("builder used after cancel", "m.list_build_after_cancel()",
     ["HPyListBuilder_Build got a closed HPyListBuilder as the builder",
      "it was closed by HPyListBuilder_Cancel"]),
    ("tracker used after close", "m.tracker_add_after_close()",
     ["HPyTracker_Add got a closed HPyTracker as the tracker",
      "it was closed by HPyTracker_Close"]),
    ("tracker closing a closed handle", "m.tracker_double_close()",
     ["HPyTracker_Close closed a handle that is already closed (double close)",
      "it was closed by HPy_Close"]),
    ("tracker closing an argument", "m.tracker_closes_arg(7)",
     ["HPyTracker_Close closed an argument of ", ".tracker_closes_arg"]),
    ("field outside its object", "m.Holder().field_outside()",
     ["HPyField_Store: the field at 0x", "is not inside the C struct of target_object (a '",
      "Holder' of"]),
    ("field holding a handle", "m.Holder().field_holds_handle()",
     ["HPyField_Load: the field holds 0x", "which is a handle, not a reference: write "
      "fields only with HPyField_Store"]),
    ("field loaded by address outside its object", "m.Holder().field_load_at_outside()",
     ["HPyField_LoadAt: the field at 0x", "is not inside the C struct of source_object"]),
    ("global loaded by address holding a handle", "m.Holder().global_load_at_holds_handle()",
     ["HPyGlobal_LoadAt: the global holds 0x", "write globals only with HPyGlobal_Store"]),
    ("global holding a handle", "m.Holder().global_holds_handle()",
     ["HPyGlobal_Load: the global holds 0x", "write globals only with HPyGlobal_Store"]),
    ("internal function", "m.internal()",
     ["_HPy_TupleItems is internal to the generated trampolines"]),
]

IDS = [case for case, _, _ in CASES]


@pytest.fixture(scope="module")
def module():
    return load(SOURCE)


@pytest.mark.parametrize("case, code, report", CASES, ids=IDS)
def test_raise_action_fails_the_call_with_the_report(module, on_error, case, code, report):
    on_error("raise")
    with pytest.raises(HandleError) as info:
        exec(code, {"m": module})
    message = str(info.value)
    assert message.startswith("handlepy debug mode: ")
    for fragment in report:
        assert fragment in message, message


@pytest.mark.parametrize("case, code, report", CASES, ids=IDS)
def test_default_action_is_a_fatal_error_after_the_report(case, code, report):
    proc = run_child(SOURCE, code)
    assert_aborted(proc, "handlepy debug mode: ", *report)


def test_api_call_without_the_interpreter_is_fatal_whatever_the_action():
    source = """
        HPyDef_METH(released, "released", HPyFunc_NOARGS)
        static HPy released_impl(HPyContext *ctx, HPy self)
        {
            HPyThreadState state = HPy_LeavePythonExecution(ctx);
            HPy h = HPyLong_FromLong(ctx, 1);
            HPy_ReenterPythonExecution(ctx, state);
            return h;
        }
        @EXPORT(released)
        @INIT
    """
    proc = run_child(source, "m.released()", env={"HANDLEPY_DEBUG_ON_ERROR": "raise"})
    assert_aborted(proc, "HPyLong_FromLong was called between HPy_LeavePythonExecution and "
                   "HPy_ReenterPythonExecution, where no API call is allowed")
