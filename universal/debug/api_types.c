/* Types in debug mode: HPyType_FromSpec binds the type's functions to debug closures,
 * and the handlers of the signatures whose host arguments need more than a conversion
 * (tp_new, tp_init, tp_call, the buffer slots). */
#include "debug.h"
#include "trace/trace.h"
#include "loader.h"

#include <stdio.h>
#include <string.h>

HPy hdbg_HPyType_FromSpec(HPyContext *ctx, HPyType_Spec *spec, HPyType_SpecParam *params)
{
    const char *fn = "HPyType_FromSpec";
    hdbg_call *call = hdbg_enter(ctx, fn);
    if (call == NULL)
        return HPy_NULL;
    uint64_t start = hdbg_now();
    Py_ssize_t n = 0;
    while (params != NULL && params[n].kind != 0)
        n++;
    /* The same parameters with the inner handles. */
    HPyType_SpecParam *inner_params = params == NULL ? NULL
                                      : calloc((size_t)n + 1, sizeof(HPyType_SpecParam));
    if (params != NULL && inner_params == NULL) {
        PyErr_NoMemory();
        return HPy_NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        char what[64];
        snprintf(what, sizeof what, "params[%zd].object", i);
        inner_params[i].kind = params[i].kind;
        if (hdbg_unwrap(call, params[i].object, &inner_params[i].object, fn, what) < 0) {
            free(inner_params);
            return HPy_NULL;
        }
    }
    PyObject *type = NULL;
    handlepy_ffi_bindings *bindings = handlepy_refuse_legacy_slots(spec) < 0 ? NULL :
        handlepy_ffi_prepare(spec->defines, hdbg_handlers, call->inner, spec->name);
    if (bindings != NULL) {
        type = handlepy_type_from_spec_bound(spec, inner_params, handlepy_ffi_bind, bindings,
                                             handlepy_ffi_release);
        if (type == NULL)
            handlepy_ffi_release(bindings);
    }
    free(inner_params);
    hdbg_trace_served(call, HTRACE_HPyType_FromSpec, start);
    return hdbg_open(call, _py2h(type), fn);
}

static cpy_PyObject *object_result(hdbg_call *call, HPy h)
{
    PyObject *result = hdbg_call_result(call, h);
    return hdbg_call_leave(call) ? hdbg_discard(result) : result;
}

void hdbg_handle_HPyFunc_NEWFUNC(ffi_cif *cif, void *ret, void **in, void *binding)
{
    (void)cif;
    hdbg_call call;
    HPyContext *ctx = hdbg_call_enter(&call, binding);
    PyObject *args = *(PyObject **)in[1];
    HPy type = hdbg_call_arg(&call, *(PyObject **)in[0]);
    const HPy *items = hdbg_call_args(&call, &PyTuple_GET_ITEM(args, 0), PyTuple_GET_SIZE(args));
    HPy kw = hdbg_call_arg(&call, *(PyObject **)in[2]);
    *(PyObject **)ret = object_result(
        &call, ((HPyFunc_NEWFUNC_impl)call.impl)(ctx, type, items, PyTuple_GET_SIZE(args), kw));
}

void hdbg_handle_HPyFunc_INITPROC(ffi_cif *cif, void *ret, void **in, void *binding)
{
    (void)cif;
    hdbg_call call;
    HPyContext *ctx = hdbg_call_enter(&call, binding);
    PyObject *args = *(PyObject **)in[1];
    HPy self = hdbg_call_arg(&call, *(PyObject **)in[0]);
    const HPy *items = hdbg_call_args(&call, &PyTuple_GET_ITEM(args, 0), PyTuple_GET_SIZE(args));
    HPy kw = hdbg_call_arg(&call, *(PyObject **)in[2]);
    int result = ((HPyFunc_INITPROC_impl)call.impl)(ctx, self, items, PyTuple_GET_SIZE(args), kw);
    *(ffi_sarg *)ret = hdbg_call_leave(&call) ? -1 : result;
}

/* tp_call's tuple and dict, in the vectorcall layout HPyFunc_CALL takes: the keyword
 * values after the positional items, their names in a tuple. An instance given its own
 * call function (HPy_SetCallFunction) gets that instead, unchecked, as on vectorcall. */
void hdbg_handle_HPyFunc_CALL(ffi_cif *cif, void *ret, void **in, void *binding)
{
    (void)cif;
    PyObject *args = *(PyObject **)in[1], *kw = *(PyObject **)in[2];
    cpy_vectorcallfunc own = handlepy_own_call_function(*(PyObject **)in[0]);
    if (own != NULL) {
        *(PyObject **)ret = handlepy_call_function_with_tuple_dict(own, *(PyObject **)in[0],
                                                                   args, kw);
        return;
    }
    Py_ssize_t nargs = PyTuple_GET_SIZE(args), nkw = kw == NULL ? 0 : PyDict_GET_SIZE(kw);
    PyObject **items = malloc(sizeof(PyObject *) * (size_t)(nargs + nkw + 1));
    PyObject *kwnames = nkw ? PyTuple_New(nkw) : NULL;
    if (items == NULL || (nkw && kwnames == NULL)) {
        free(items);
        Py_XDECREF(kwnames);
        *(PyObject **)ret = PyErr_NoMemory();
        return;
    }
    memcpy(items, &PyTuple_GET_ITEM(args, 0), sizeof(PyObject *) * (size_t)nargs);
    Py_ssize_t pos = 0, i = 0;
    PyObject *key, *value;
    while (kw != NULL && PyDict_Next(kw, &pos, &key, &value)) {
        Py_INCREF(key);
        PyTuple_SET_ITEM(kwnames, i, key);
        items[nargs + i++] = value;
    }
    hdbg_call call;
    HPyContext *ctx = hdbg_call_enter(&call, binding);
    HPy self = hdbg_call_arg(&call, *(PyObject **)in[0]);
    const HPy *handles = hdbg_call_args(&call, items, nargs + nkw);
    HPy names = hdbg_call_arg(&call, kwnames);
    *(PyObject **)ret = object_result(
        &call, ((HPyFunc_CALL_impl)call.impl)(ctx, self, handles, (size_t)nargs, names));
    free(items);
    Py_XDECREF(kwnames);
}

/* The implementation stores a handle to the exporter (HPy_Dup of self) in the buffer;
 * the host wants an object reference there. */
void hdbg_handle_HPyFunc_GETBUFFERPROC(ffi_cif *cif, void *ret, void **in, void *binding)
{
    (void)cif;
    hdbg_call call;
    HPyContext *ctx = hdbg_call_enter(&call, binding);
    HPy self = hdbg_call_arg(&call, *(PyObject **)in[0]);
    Py_buffer *view = *(Py_buffer **)in[1];
    int result = ((HPyFunc_GETBUFFERPROC_impl)call.impl)(ctx, self, (HPy_buffer *)view,
                                                         *(int *)in[2]);
    if (result == 0)
        view->obj = hdbg_call_result(&call, ((HPy_buffer *)view)->obj);
    if (hdbg_call_leave(&call)) {
        if (result == 0)
            Py_CLEAR(view->obj);
        result = -1;
    }
    *(ffi_sarg *)ret = result;
}

/* The host's buffer holds the exporter as an object: the implementation sees it as an
 * argument handle for the length of the call. */
void hdbg_handle_HPyFunc_RELEASEBUFFERPROC(ffi_cif *cif, void *ret, void **in, void *binding)
{
    (void)cif;
    (void)ret;
    hdbg_call call;
    HPyContext *ctx = hdbg_call_enter(&call, binding);
    HPy self = hdbg_call_arg(&call, *(PyObject **)in[0]);
    Py_buffer *view = *(Py_buffer **)in[1];
    PyObject *exporter = view->obj;
    ((HPy_buffer *)view)->obj = hdbg_call_arg(&call, exporter);
    ((HPyFunc_RELEASEBUFFERPROC_impl)call.impl)(ctx, self, (HPy_buffer *)view);
    view->obj = exporter;
    hdbg_call_leave_void(&call);
}

/* The object gets the call function's own trampoline, which runs its implementation with
 * the universal context the binary's global holds: a per-object call function is not
 * bound to a debug context, so its calls are not checked (see docs/debug.md). */
int hdbg_HPy_SetCallFunction(HPyContext *ctx, HPy h, HPyCallFunction *func)
{
    const char *fn = "HPy_SetCallFunction";
    hdbg_call *call = hdbg_enter(ctx, fn);
    HPy u_h;
    if (call == NULL || hdbg_unwrap(call, h, &u_h, fn, "h") < 0)
        return -1;
    HPyContext *inner = hdbg_inner(call);
    return inner->HPy_SetCallFunction(inner, u_h, func);
}
