/* What the loader needs from debug mode (universal/debug/) and trace mode
 * (universal/trace/). */
#ifndef HANDLEPY_MODES_H
#define HANDLEPY_MODES_H

#include "hpy.h"
#include "ffi_bind.h"

/* A new trace context for `module`, forwarding to `inner`; NULL with an exception. */
HPyContext *handlepy_trace_context(const char *module, HPyContext *inner);

/* Debug-mode closures for the definitions of a module named `module`: its calls get
 * debug contexts forwarding to `inner` (the universal context, or the module's trace
 * context). Sets debug mode up on first use. NULL with an exception. */
handlepy_ffi_bindings *handlepy_debug_bindings(HPyModuleDef *hdef, HPyContext *inner,
                                               const HPyContext *universal,
                                               const char *module);

/* Adds handlepy.debug's exception (HandleError) to the loader module. */
int handlepy_debug_add_to_module(PyObject *module);

/* The loader's functions for handlepy.debug and handlepy.trace (pyapi.c). */
PyObject *handlepy_debug_serial(PyObject *self, PyObject *unused);
PyObject *handlepy_debug_leaks(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *handlepy_debug_configure(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *handlepy_debug_settings(PyObject *self, PyObject *unused);
PyObject *handlepy_debug_handles(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *handlepy_debug_handle(PyObject *self, PyObject *arg);
PyObject *handlepy_debug_force_close(PyObject *self, PyObject *arg);
PyObject *handlepy_debug_queue_max(PyObject *self, PyObject *arg);
PyObject *handlepy_trace_counts(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *handlepy_trace_reset(PyObject *self, PyObject *const *args, Py_ssize_t nargs);
PyObject *handlepy_trace_hooks(PyObject *self, PyObject *const *args, Py_ssize_t nargs);

#define HANDLEPY_MODES_METHODS                                                         \
    {"debug_serial", handlepy_debug_serial, METH_NOARGS,                               \
     "The serial number of the latest debug handle."},                                 \
    {"debug_leaks", (PyCFunction)(void (*)(void))handlepy_debug_leaks, METH_FASTCALL,  \
     "debug_leaks(since, mark): the handles opened after `since` and still open."},    \
    {"debug_configure", (PyCFunction)(void (*)(void))handlepy_debug_configure,         \
     METH_FASTCALL, "debug_configure(on_error, hook, depth): set what None leaves."},   \
    {"debug_settings", handlepy_debug_settings, METH_NOARGS,                           \
     "The (on_error, hook, depth) debug mode uses."},                                  \
    {"debug_handles", (PyCFunction)(void (*)(void))handlepy_debug_handles,             \
     METH_FASTCALL, "debug_handles(open, since): [(serial, index)] of open or queued."}, \
    {"debug_handle", handlepy_debug_handle, METH_O,                                    \
     "debug_handle(index): (open, object or None) of a debug handle's slot."},         \
    {"debug_force_close", handlepy_debug_force_close, METH_O,                          \
     "debug_force_close(index): close an open handle as HPy_Close would."},            \
    {"debug_queue_max", handlepy_debug_queue_max, METH_O,                              \
     "debug_queue_max(size or None): the closed-handle queue's size, set unless None."}, \
    {"trace_counts", (PyCFunction)(void (*)(void))handlepy_trace_counts, METH_FASTCALL, \
     "trace_counts(module): {function: (calls, nanoseconds)}."},                       \
    {"trace_reset", (PyCFunction)(void (*)(void))handlepy_trace_reset, METH_FASTCALL,  \
     "trace_reset(module): zero the counters."},                                       \
    {"trace_hooks", (PyCFunction)(void (*)(void))handlepy_trace_hooks, METH_FASTCALL,  \
     "trace_hooks(on_enter, on_exit): called with each traced function's name."},

#endif
