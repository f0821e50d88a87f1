/* Setting debug mode up, once, when the first module is loaded in it. */
#include "debug.h"
#include "modes.h"
#include "trace/trace.h"

#include <stdlib.h>
#include <string.h>

const HPyContext *hdbg_universal;
HPyContext hdbg_template;

int hdbg_read_settings(void)
{
    static int done;
    if (done)
        return 0;
    done = 1;
    const char *depth = getenv("HANDLEPY_DEBUG_BACKTRACE");
    if (depth != NULL && depth[0] != '\0') {
        char *end;
        long n = strtol(depth, &end, 10);
        if (*end != '\0' || n < 0 || n > 256) {
            PyErr_Format(PyExc_ImportError, "HANDLEPY_DEBUG_BACKTRACE must be a number of "
                         "frames from 0 to 256, not '%s'", depth);
            return -1;
        }
        hdbg_depth = (int)n;
    }
    const char *action = getenv("HANDLEPY_DEBUG_ON_ERROR");
    if (action == NULL || action[0] == '\0' || strcmp(action, "abort") == 0)
        return 0;
    if (strcmp(action, "raise") == 0)
        hdbg_on_error = HDBG_RAISE;
    else if (strcmp(action, "log") == 0)
        hdbg_on_error = HDBG_LOG;
    else {
        PyErr_Format(PyExc_ImportError, "HANDLEPY_DEBUG_ON_ERROR must be 'abort', 'raise' or "
                     "'log', not '%s'", action);
        return -1;
    }
    return 0;
}

int hdbg_init(const HPyContext *universal)
{
    if (hdbg_universal != NULL)
        return 0;
    if (hdbg_read_settings() < 0)
        return -1;
    hdbg_backtrace_init();
    hdbg_template = (HPyContext){
        .name = "HPy Debug Mode ABI (handlepy)",
        .abi_major = universal->abi_major,
        .abi_minor = universal->abi_minor,
        .size = sizeof(HPyContext),
    };
    hdbg_fill_context(&hdbg_template, universal);
    hdbg_universal = universal;
    return 0;
}

handlepy_ffi_bindings *handlepy_debug_bindings(HPyModuleDef *hdef, HPyContext *inner,
                                               const HPyContext *universal,
                                               const char *module)
{
    if (hdbg_init(universal) < 0)
        return NULL;
    return handlepy_ffi_prepare(hdef->defines, hdbg_handlers, inner, module);
}

int handlepy_debug_add_to_module(PyObject *module)
{
    hdbg_HandleError = PyErr_NewExceptionWithDoc(
        "handlepy.debug.HandleError",
        "A misuse of the handle API caught by debug mode, raised from the call when the "
        "action on errors is 'raise'.", PyExc_RuntimeError, NULL);
    if (hdbg_HandleError == NULL)
        return -1;
    Py_INCREF(hdbg_HandleError);
    return PyModule_AddObject(module, "HandleError", hdbg_HandleError);
}

uint64_t hdbg_now(void)
{
    return htrace_now();
}

void hdbg_trace_served(hdbg_call *call, int entry, uint64_t start)
{
    if (htrace_is(call->inner))
        htrace_record(htrace_of(call->inner), entry, start);
}
