/* Functions compiled on the extension side, in both modes (sources in runtime/).
 * Variadic ones live here so that the context stays free of varargs. */
#ifndef HANDLEPY_HELPERS_H
#define HANDLEPY_HELPERS_H

#include <stdarg.h>

#define HPy_BEGIN_LEAVE_PYTHON(ctx) \
    { HPyThreadState _hpy_thread_state = HPy_LeavePythonExecution(ctx);
#define HPy_END_LEAVE_PYTHON(ctx) \
    HPy_ReenterPythonExecution(ctx, _hpy_thread_state); }

_HPy_HIDDEN HPy HPyErr_Format(HPyContext *ctx, HPy h_type, const char *fmt, ...);
_HPy_HIDDEN HPy HPyUnicode_FromFormat(HPyContext *ctx, const char *fmt, ...);
_HPy_HIDDEN HPy HPyUnicode_FromFormatV(HPyContext *ctx, const char *fmt, va_list vargs);
_HPy_HIDDEN HPy HPyTuple_Pack(HPyContext *ctx, HPy_ssize_t n, ...);
_HPy_HIDDEN int HPyArg_Parse(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                             size_t nargs, const char *fmt, ...);
_HPy_HIDDEN int HPyArg_ParseKeywords(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                     size_t nargs, HPy kwnames, const char *fmt,
                                     const char *keywords[], ...);
_HPy_HIDDEN int HPyArg_ParseKeywordsDict(HPyContext *ctx, HPyTracker *ht, const HPy *args,
                                         HPy_ssize_t nargs, HPy kw, const char *fmt,
                                         const char *keywords[], ...);
_HPy_HIDDEN HPy HPy_BuildValue(HPyContext *ctx, const char *fmt, ...);
_HPy_HIDDEN int HPyHelpers_AddType(HPyContext *ctx, HPy obj, const char *name,
                                   HPyType_Spec *spec, HPyType_SpecParam *params);

#endif
