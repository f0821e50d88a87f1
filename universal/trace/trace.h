/* Trace mode: a context per module whose every function counts its calls and their
 * time, then calls the same function of the inner context (the universal one). */
#ifndef HANDLEPY_TRACE_H
#define HANDLEPY_TRACE_H

#include "hpy.h"
#include "ffi_bind.h"
#include "autogen_trace.h"

#include <stdint.h>
#include <time.h>

typedef struct htrace_context {
    HPyContext ctx;
    HPyContext *inner;
    char *module;
    uint64_t counts[HTRACE_ENTRIES];
    uint64_t ns[HTRACE_ENTRIES];
    struct htrace_context *next;
} htrace_context;

static inline htrace_context *htrace_of(HPyContext *ctx)
{
    return (htrace_context *)ctx->_private;
}

static inline uint64_t htrace_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Atomic adds: HPy_LeavePythonExecution's wrapper records its call after the GIL is
 * released, so two threads leaving at once would otherwise race on its counter (and a
 * thread reading the counts on one still counting). Relaxed: each counter is a sum, read
 * for itself. */
static inline void htrace_record(htrace_context *t, int entry, uint64_t start)
{
    __atomic_fetch_add(&t->counts[entry], 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&t->ns[entry], htrace_now() - start, __ATOMIC_RELAXED);
}

/* The Python functions set_trace_functions gave, called with the function's name before
 * and after each traced call; NULL when unset. */
extern PyObject *htrace_on_enter, *htrace_on_exit;
void htrace_call_hook(PyObject *hook, int entry);

static inline uint64_t htrace_enter(int entry)
{
    if (htrace_on_enter != NULL)
        htrace_call_hook(htrace_on_enter, entry);
    return htrace_now();
}

static inline void htrace_leave(htrace_context *t, int entry, uint64_t start)
{
    htrace_record(t, entry, start);
    if (htrace_on_exit != NULL)
        htrace_call_hook(htrace_on_exit, entry);
}

/* Every trace context made so far, newest first. */
extern htrace_context *htrace_all;

/* 1 if ctx is a trace context. */
int htrace_is(const HPyContext *ctx);

#endif
