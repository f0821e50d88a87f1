/* Debug mode: the internals shared by the C files of universal/debug/ (docs/debug.md).
 *
 * A debug handle is not an object pointer: it names a slot of a table (handles.c) and
 * the slot's generation, so that a closed handle stays recognisable after its slot is
 * reused. The debug context wraps an inner context (the universal one, or the module's
 * trace context): wrappers check their handles, unwrap them to the inner context's
 * handles (host object pointers), call the inner function and open a debug handle on the
 * result. Each host call into the extension runs with a context of its own (calls.c),
 * so that a context kept past its call is caught. Everything runs with the GIL held.
 * Debug mode's own bookkeeping is allocated with malloc, outside the interpreter's
 * allocators, so that tracemalloc measures the extension and not debug mode. */
#ifndef HANDLEPY_DEBUG_H
#define HANDLEPY_DEBUG_H

#include "hpy.h"
#include "ffi_bind.h"
#include "autogen_debug.h"

#include <stdint.h>

/* ---- the handle table (handles.c) ------------------------------------------------ */

typedef enum {
    HDBG_HANDLE = 1,     /* opened by an API call: the extension owns it */
    HDBG_ARG,            /* an argument of a host call: the call owns it (borrowed) */
    HDBG_CONSTANT,       /* ctx->h_None and friends: the context owns them */
    HDBG_TUPLE_BUILDER,
    HDBG_LIST_BUILDER,
    HDBG_TRACKER,
} hdbg_kind;

typedef struct {
    void **frames;
    int n, capacity;
} hdbg_stack;

typedef struct {
    /* The inner handle (a host object), or the inner builder for builders. */
    intptr_t inner;
    uint32_t index, gen;
    uint8_t open;
    uint8_t kind;
    /* Already shown in a leak report: later reports leave it out. */
    uint8_t reported;
    uint64_t serial;
    /* What opened (and last closed) it, and during which host call. */
    const char *opened_by;
    const char *call;
    const char *closed_by;
    hdbg_stack opened_at, closed_at;
    /* A tracker's handles. */
    void *aux;
    /* Protected copies of buffers that live as long as the handle (protect.c). */
    struct hdbg_buffer *buffers;
    const char *constant_name;
} hdbg_slot;

typedef enum {
    HDBG_OK,
    HDBG_NULL,
    HDBG_NOT_DEBUG,  /* not a debug handle at all (an object pointer, garbage) */
    HDBG_NEVER,      /* a debug handle value no slot ever had */
    HDBG_CLOSED,     /* its slot has moved on: it was closed */
} hdbg_status;

hdbg_status hdbg_lookup(intptr_t value, hdbg_slot **slot);
/* A new handle of `kind` for `inner` (ownership moves to the handle). */
intptr_t hdbg_new(hdbg_kind kind, intptr_t inner, const char *opened_by, const char *call);
/* Marks the slot closed, with the backtrace of where if asked (the extension closed it);
 * the caller releases what it held. */
void hdbg_retire(hdbg_slot *slot, const char *closed_by, int backtrace);
uint64_t hdbg_serial(void);
/* Calls fn on every open slot opened after `since`. */
void hdbg_each_open(uint64_t since, void (*fn)(hdbg_slot *, void *), void *arg);
/* 1 while a closed handle's slot still holds what was known of it (not yet reused). */
int hdbg_still_describes(hdbg_slot *slot, intptr_t closed_value);
const char *hdbg_kind_name(hdbg_kind kind);
/* The closed-slot queue: its size before a slot is reused, and its slots, oldest first. */
size_t hdbg_queue_max(void);
void hdbg_set_queue_max(size_t size);
void hdbg_each_queued(void (*fn)(hdbg_slot *, void *), void *arg);
/* The slot at `index`, NULL past the table's end. */
hdbg_slot *hdbg_slot_at(uint32_t index);

/* ---- host calls and their contexts (calls.c) ------------------------------------- */

#define HDBG_INLINE_ARGS 8
#define HDBG_MAX_SINGLES 4

typedef struct hdbg_call {
    struct hdbg_call *outer;
    handlepy_binding *binding;
    HPyCFunction impl;
    HPyContext *ctx;
    HPyContext *inner;
    /* A misuse made an API call fail: the host must see the call fail too, with the
     * first such exception (HandleError, or what a hook raised). */
    int failed;
    PyObject *error_type, *error_value, *error_traceback;
    /* The argument handles, closed when the call returns: single ones, and the one
     * array a signature may have (vectorcall arguments, a tuple's items). */
    HPy singles[HDBG_MAX_SINGLES];
    int nsingles;
    HPy *array;
    HPy_ssize_t narray;
    HPy inline_array[HDBG_INLINE_ARGS];
} hdbg_call;

HPyContext *hdbg_call_enter(hdbg_call *call, void *binding);
HPy hdbg_call_arg(hdbg_call *call, cpy_PyObject *obj);
const HPy *hdbg_call_args(hdbg_call *call, cpy_PyObject *const *items, HPy_ssize_t n);
HPy_ssize_t hdbg_host_kwcount(cpy_PyObject *kwnames);
/* The host's new reference for what the implementation returned; the handle is gone. */
cpy_PyObject *hdbg_call_result(hdbg_call *call, HPy h);
/* Closes the arguments and restores the outer call; 1 when the host must see the call
 * fail (an exception is set then). */
int hdbg_call_leave(hdbg_call *call);
/* For implementations without a result: a failure is reported as unraisable. */
void hdbg_call_leave_void(hdbg_call *call);
cpy_PyObject *hdbg_discard(cpy_PyObject *obj);

/* The innermost host call of this thread, or NULL. */
hdbg_call *hdbg_current(void);
/* The call a context was handed to, or NULL when none is running with it; and the name
 * of the call it was last handed to. */
hdbg_call *hdbg_call_of(HPyContext *ctx);
const char *hdbg_context_last(HPyContext *ctx);
/* Between HPy_LeavePythonExecution and HPy_ReenterPythonExecution on this thread. */
extern _Thread_local int hdbg_released;

/* ---- the checks of the generated wrappers (checks.c) ----------------------------- */

typedef struct {
    HPy *items;
    HPy inline_items[HDBG_INLINE_ARGS];
} hdbg_array;

/* The call `ctx` belongs to; NULL when the API call must fail. */
hdbg_call *hdbg_enter(HPyContext *ctx, const char *fn);
HPyContext *hdbg_inner(hdbg_call *call);
/* The inner handle of `h`; -1 (reported) when the API call must fail. */
int hdbg_unwrap(hdbg_call *call, HPy h, HPy *out, const char *fn, const char *param);
int hdbg_unwrap_array(hdbg_call *call, const HPy *h, HPy_ssize_t n, hdbg_array *out,
                      const char *fn, const char *param);
void hdbg_array_free(hdbg_array *a);
HPy_ssize_t hdbg_kwcount(HPy kwnames);
/* A new debug handle owning the inner handle `u` (HPy_NULL stays HPy_NULL). */
HPy hdbg_open(hdbg_call *call, HPy u, const char *fn);
HPy hdbg_constant(HPy u, const char *name);
/* A handle's slot for a function that needs one of `kind`; NULL (reported) if it is not
 * an open one. `what` names the argument in the report. */
hdbg_slot *hdbg_expect(hdbg_call *call, intptr_t value, hdbg_kind kind, const char *fn,
                       const char *what);
/* Closes a handle the extension owns, as HPy_Close does, and returns the inner handle
 * the caller must release; reports any other (and returns HPy_NULL). */
HPy hdbg_close(hdbg_call *call, HPy h, const char *fn);
/* Reports a value that is not an open handle of the kind `fn` needs for `what`. */
int hdbg_bad_handle(hdbg_call *call, intptr_t value, const char *fn, const char *what,
                    const char *expected);

/* ---- reports (report.c) ---------------------------------------------------------- */

typedef struct {
    char *text;
    size_t len, capacity;
} hdbg_text;

void hdbg_printf(hdbg_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hdbg_describe_slot(hdbg_text *t, hdbg_slot *slot, const char *indent);
/* The words HPy 0.9's debug mode uses for the same misuse, so that a report can be
 * matched with HPy's documentation and with tools written for HPy. */
#define HDBG_HPY_CLOSED "Invalid usage of already closed handle"
#define HDBG_HPY_WRONG_CONTEXT "Error: Wrong HPy Context!"
void hdbg_hpy_words(hdbg_text *t, const char *words);
/* Where the misuse happened: the backtrace, or else the function of `call`. */
void hdbg_describe_here(hdbg_text *t, hdbg_call *call);
/* Where the implementation of the call is defined. */
void hdbg_describe_function(hdbg_text *t, hdbg_call *call);

typedef enum {
    /* The misuse is harmless to step over (closing an argument...): "log" carries on. */
    HDBG_RECOVERABLE,
    /* Carrying on is impossible: the API call fails in every mode but abort. */
    HDBG_FATAL_TO_CALL,
} hdbg_severity;

/* Reports a misuse by the action set (abort, raise, log, or a Python hook) and frees
 * the text. Returns 0 when the caller may carry on, -1 when the API call must fail (an
 * exception is set then). Never returns with "abort". */
int hdbg_report(hdbg_call *call, hdbg_text *t, hdbg_severity severity);
/* hdbg_bad_handle, for a misuse the caller can step over when the report allows. */
int hdbg_bad_handle_as(hdbg_call *call, intptr_t value, const char *fn, const char *what,
                       const char *expected, hdbg_severity severity);
void hdbg_fatal(hdbg_text *t) __attribute__((noreturn));
/* The exception "raise" sets: handlepy.debug.HandleError. */
extern PyObject *hdbg_HandleError;

typedef enum { HDBG_ABORT, HDBG_RAISE, HDBG_LOG, HDBG_HOOK } hdbg_action;
extern hdbg_action hdbg_on_error;
extern PyObject *hdbg_hook;

/* ---- C backtraces (backtrace.c, symbolize.c) ------------------------------------- */

/* Frames kept per backtrace; 0 records none. */
extern int hdbg_depth;
void hdbg_backtrace_init(void);
void hdbg_capture(hdbg_stack *stack);
void hdbg_stack_free(hdbg_stack *stack);
/* How many of the frames come before the first of the loader or libffi. */
int hdbg_extension_frames(void *const *frames, int n);
/* For each frame, "function at file:line" (one line per function inlined at that
 * address, innermost first), from dladdr and addr2line; NULL on failure. Free with
 * hdbg_free_lines. */
char **hdbg_symbolize(void *const *frames, int n);
void hdbg_free_lines(char **lines, int n);

/* ---- buffers valid while a handle is open (protect.c) ---------------------------- */

struct hdbg_buffer;
/* A read-only copy of `size` bytes attached to the slot; it becomes unreadable when the
 * handle closes, so that a read through a stale pointer faults at once. */
const char *hdbg_protected_copy(hdbg_slot *slot, const char *data, size_t size,
                                const char *fn);
void hdbg_protect_buffers(hdbg_slot *slot);

/* ---- set-up (module.c) ----------------------------------------------------------- */

int hdbg_init(const HPyContext *universal);
/* Reads HANDLEPY_DEBUG_BACKTRACE and HANDLEPY_DEBUG_ON_ERROR, once. */
int hdbg_read_settings(void);
extern const HPyContext *hdbg_universal;
/* A template filled once with the wrappers and the constants. */
extern HPyContext hdbg_template;

/* Counts a call the debug layer served itself in the trace of the call's inner
 * context (debug and trace together). */
void hdbg_trace_served(hdbg_call *call, int entry, uint64_t start);
uint64_t hdbg_now(void);

#endif
