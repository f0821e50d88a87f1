/* Reports of misuse, and what happens after one: abort (the default), raise
 * handlepy.debug.HandleError from the call, log through Python's logging and carry on,
 * or call a Python hook. */
#include "debug.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

PyObject *hdbg_HandleError;
hdbg_action hdbg_on_error = HDBG_ABORT;
PyObject *hdbg_hook;

void hdbg_printf(hdbg_text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = t->capacity - t->len;
        int n = vsnprintf(t->text ? t->text + t->len : NULL, t->text ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t capacity = (t->capacity + (size_t)n + 1) * 2;
        char *grown = realloc(t->text, capacity);
        if (grown == NULL)
            return;
        t->text = grown, t->capacity = capacity;
    }
}

static void print_stack(hdbg_text *t, hdbg_stack *stack, const char *indent)
{
    char **lines = hdbg_symbolize(stack->frames, stack->n);
    for (int i = 0; i < stack->n; i++) {
        const char *frame = lines ? lines[i] : "(no symbols)";
        while (*frame != '\0') {
            size_t n = strcspn(frame, "\n");
            hdbg_printf(t, "%s    %.*s\n", indent, (int)n, frame);
            frame += n + (frame[n] == '\n');
        }
    }
    hdbg_free_lines(lines, stack->n);
}

void hdbg_describe_slot(hdbg_text *t, hdbg_slot *slot, const char *indent)
{
    const char *type = slot->open && slot->kind <= HDBG_CONSTANT
                           ? Py_TYPE((PyObject *)slot->inner)->tp_name : NULL;
    if (slot->kind == HDBG_CONSTANT) {
        hdbg_printf(t, "%sit is the context constant %s\n", indent, slot->constant_name);
        return;
    }
    if (slot->kind == HDBG_ARG)
        hdbg_printf(t, "%sit is an argument of the call to %s", indent, slot->call);
    else
        hdbg_printf(t, "%sit is %s %s opened by %s during the call to %s", indent,
                    slot->kind == HDBG_HANDLE ? "a" : "an", hdbg_kind_name(slot->kind),
                    slot->opened_by, slot->call);
    if (type != NULL)
        hdbg_printf(t, " (to a '%s' object)", type);
    hdbg_printf(t, "%s\n", slot->opened_at.n ? ", at:" : "");
    print_stack(t, &slot->opened_at, indent);
    if (!slot->open) {
        hdbg_printf(t, "%sit was closed by %s%s\n", indent, slot->closed_by,
                    slot->closed_at.n ? ", at:" : "");
        print_stack(t, &slot->closed_at, indent);
    }
}

void hdbg_describe_here(hdbg_text *t, hdbg_call *call)
{
    hdbg_stack here = {0};
    hdbg_capture(&here);
    if (here.n > 0) {
        hdbg_printf(t, "  where it happened:\n");
        print_stack(t, &here, "  ");
    } else if (call != NULL && call->impl != NULL) {
        hdbg_describe_function(t, call);
    }
    hdbg_stack_free(&here);
}

void hdbg_describe_function(hdbg_text *t, hdbg_call *call)
{
    /* Symbolizing looks up the byte before a return address: point just past the entry. */
    void *entry = (char *)(void *)call->impl + 1;
    char **lines = hdbg_symbolize(&entry, 1);
    if (lines != NULL)
        hdbg_printf(t, "  the function is %s\n", lines[0]);
    hdbg_free_lines(lines, 1);
}

void hdbg_fatal(hdbg_text *t)
{
    fputs(t->text ? t->text : "handlepy debug mode: fatal misuse\n", stderr);
    fflush(stderr);
    Py_FatalError("handlepy debug mode: misuse of the handle API (report above)");
    /* PyPy does not declare Py_FatalError as not returning. */
    abort();
}

void hdbg_hpy_words(hdbg_text *t, const char *words)
{
    hdbg_printf(t, "  (HPy's debug mode reports this as \"%s\")\n", words);
}

static void free_text(hdbg_text *t)
{
    free(t->text);
    t->text = NULL;
    t->len = t->capacity = 0;
}

/* The pending exception is the failure of `call`: kept, in case the extension clears it
 * and carries on. Not for the stand-in of "no call running" (checks.c), which never
 * returns to a host. */
static void fail_call(hdbg_call *call)
{
    if (call == NULL || call->impl == NULL)
        return;
    call->failed = 1;
    if (call->error_type != NULL)
        return;
    PyErr_Fetch(&call->error_type, &call->error_value, &call->error_traceback);
    PyErr_NormalizeException(&call->error_type, &call->error_value, &call->error_traceback);
    Py_XINCREF(call->error_type);
    Py_XINCREF(call->error_value);
    Py_XINCREF(call->error_traceback);
    PyErr_Restore(call->error_type, call->error_value, call->error_traceback);
}

static int raise_report(hdbg_call *call, hdbg_text *t)
{
    PyErr_SetString(hdbg_HandleError, t->text ? t->text : "handle misuse");
    fail_call(call);
    free_text(t);
    return -1;
}

/* The hook, or logging.getLogger("handlepy.debug").error, with the report; -1 when it
 * raised. Any exception pending before is kept aside meanwhile. */
static int call_hook(hdbg_text *t)
{
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyObject *report = PyUnicode_FromString(t->text ? t->text : "");
    PyObject *result = NULL;
    if (report != NULL && hdbg_on_error == HDBG_HOOK) {
        result = PyObject_CallOneArg(hdbg_hook, report);
    } else if (report != NULL) {
        PyObject *logging = PyImport_ImportModule("logging");
        PyObject *logger = logging ? PyObject_CallMethod(logging, "getLogger", "s",
                                                         "handlepy.debug") : NULL;
        result = logger ? PyObject_CallMethod(logger, "error", "sO", "%s", report) : NULL;
        Py_XDECREF(logging);
        Py_XDECREF(logger);
    }
    Py_XDECREF(report);
    if (result == NULL) {
        Py_XDECREF(type);
        Py_XDECREF(value);
        Py_XDECREF(traceback);
        return -1;
    }
    Py_DECREF(result);
    PyErr_Restore(type, value, traceback);
    return 0;
}

int hdbg_report(hdbg_call *call, hdbg_text *t, hdbg_severity severity)
{
    if (hdbg_on_error == HDBG_ABORT || !PyGILState_Check())
        hdbg_fatal(t);
    if (hdbg_on_error == HDBG_RAISE)
        return raise_report(call, t);
    if (call_hook(t) < 0) {
        fail_call(call);
        free_text(t);
        return -1;
    }
    if (severity == HDBG_FATAL_TO_CALL)
        return raise_report(call, t);
    free_text(t);
    return 0;
}
