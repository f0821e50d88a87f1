/* Trace contexts: one per module loaded in trace mode. Their functions are generated
 * (autogen_trace_ctx.c) but for type creation, which must bind the new type's functions
 * to the trace context as the module's are. */
#include "trace.h"
#include "loader.h"
#include "modes.h"

#include <string.h>

static const char trace_name[] = "HPy Trace Mode ABI (handlepy)";
htrace_context *htrace_all;

int htrace_is(const HPyContext *ctx)
{
    return ctx->name == trace_name;
}

PyObject *htrace_on_enter, *htrace_on_exit;

/* A hook runs only where Python may run: not between HPy_LeavePythonExecution and
 * HPy_ReenterPythonExecution. What it raises cannot become the traced call's error, so
 * it is reported as unraisable, and an error the call had pending is kept. */
void htrace_call_hook(PyObject *hook, int entry)
{
    if (!PyGILState_Check())
        return;
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    /* The hook may replace itself. */
    Py_INCREF(hook);
    PyObject *result = PyObject_CallFunction(hook, "s", htrace_names[entry]);
    if (result == NULL)
        PyErr_WriteUnraisable(hook);
    Py_XDECREF(result);
    Py_DECREF(hook);
    PyErr_Restore(type, value, traceback);
}

HPyContext *handlepy_trace_context(const char *module, HPyContext *inner)
{
    htrace_context *t = calloc(1, sizeof(htrace_context));
    char *name = malloc(strlen(module) + 1);
    if (t == NULL || name == NULL) {
        free(t);
        free(name);
        PyErr_NoMemory();
        return NULL;
    }
    strcpy(name, module);
    t->ctx.name = trace_name;
    t->ctx.abi_major = inner->abi_major;
    t->ctx.abi_minor = inner->abi_minor;
    t->ctx.size = sizeof(HPyContext);
    t->ctx._private = t;
    htrace_fill_context(&t->ctx, inner);
    t->inner = inner;
    t->module = name;
    t->next = htrace_all;
    htrace_all = t;
    return &t->ctx;
}

HPy htrace_HPyType_FromSpec(HPyContext *ctx, HPyType_Spec *spec, HPyType_SpecParam *params)
{
    htrace_context *t = htrace_of(ctx);
    uint64_t start = htrace_enter(HTRACE_HPyType_FromSpec);
    PyObject *type = NULL;
    handlepy_ffi_bindings *bindings = handlepy_refuse_legacy_slots(spec) < 0 ? NULL :
        handlepy_ffi_prepare(spec->defines, handlepy_plain_handlers, ctx, spec->name);
    if (bindings != NULL) {
        type = handlepy_type_from_spec_bound(spec, params, handlepy_ffi_bind, bindings,
                                             handlepy_ffi_release);
        if (type == NULL)
            handlepy_ffi_release(bindings);
    }
    htrace_leave(t, HTRACE_HPyType_FromSpec, start);
    return _py2h(type);
}
