/* Functions compiled on the extension side, in both modes (sources in runtime/).
 * Variadic ones live here so that the context stays free of varargs. */
#ifndef HANDLEPY_HELPERS_H
#define HANDLEPY_HELPERS_H

#include <stdarg.h>

#define HPy_BEGIN_LEAVE_PYTHON(ctx) \
    { HPyThreadState _hpy_thread_state = HPy_LeavePythonExecution(ctx);
#define HPy_END_LEAVE_PYTHON(ctx) \
    HPy_ReenterPythonExecution(ctx, _hpy_thread_state); }

/* HPy projects are compiled with HANDLEPY_HPY_MESSAGES (the HPy route of handlepy's build
 * tools defines it): their argument parsers and HPy_BuildValue then raise HPy 0.9's
 * messages, which their tests and users know, where a native handlepy extension gets the
 * running CPython's. The exception types are the same either way. */
#ifdef HANDLEPY_HPY_MESSAGES
#  define HPyArg_Parse _HPyArg_Parse_HPyMessages
#  define HPyArg_ParseKeywords _HPyArg_ParseKeywords_HPyMessages
#  define HPyArg_ParseKeywordsDict _HPyArg_ParseKeywordsDict_HPyMessages
#  define HPy_BuildValue _HPy_BuildValue_HPyMessages
#endif

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
_HPy_HIDDEN int HPyHelpers_PackArgsAndKeywords(HPyContext *ctx, const HPy *args, size_t nargs,
                                               HPy kwnames, HPy *out_args_tuple,
                                               HPy *out_kwd);

/* HPy 0.9's inline helpers: compositions of context functions. */
HPyAPI_INLINE_HELPER HPy HPy_CallMethodTupleDict(HPyContext *ctx, HPy name, HPy receiver,
                                                 HPy args, HPy kw)
{
    HPy method = HPy_GetAttr(ctx, receiver, name);
    if (HPy_IsNull(method))
        return HPy_NULL;
    HPy result = HPy_CallTupleDict(ctx, method, args, kw);
    HPy_Close(ctx, method);
    return result;
}

HPyAPI_INLINE_HELPER HPy HPy_CallMethodTupleDict_s(HPyContext *ctx, const char *utf8_name,
                                                   HPy receiver, HPy args, HPy kw)
{
    HPy method = HPy_GetAttr_s(ctx, receiver, utf8_name);
    if (HPy_IsNull(method))
        return HPy_NULL;
    HPy result = HPy_CallTupleDict(ctx, method, args, kw);
    HPy_Close(ctx, method);
    return result;
}

HPyAPI_INLINE_HELPER HPy HPyErr_SetFromErrno(HPyContext *ctx, HPy h_type)
{
    return HPyErr_SetFromErrnoWithFilenameObjects(ctx, h_type, HPy_NULL, HPy_NULL);
}

HPyAPI_INLINE_HELPER HPy HPyErr_SetFromErrnoWithFilenameObject(HPyContext *ctx, HPy h_type,
                                                               HPy filename)
{
    return HPyErr_SetFromErrnoWithFilenameObjects(ctx, h_type, filename, HPy_NULL);
}

/* In a richcompare slot: return True or False for `val1 op val2`, C values of any type
 * the comparison operators take. An `op` that is no HPy_RichCmpOp is a fatal error. */
#define HPy_RETURN_RICHCOMPARE(ctx, val1, val2, op)                             \
    do {                                                                        \
        int _hpy_cmp;                                                           \
        switch (op) {                                                           \
        case HPy_LT: _hpy_cmp = (val1) < (val2); break;                         \
        case HPy_LE: _hpy_cmp = (val1) <= (val2); break;                        \
        case HPy_EQ: _hpy_cmp = (val1) == (val2); break;                        \
        case HPy_NE: _hpy_cmp = (val1) != (val2); break;                        \
        case HPy_GT: _hpy_cmp = (val1) > (val2); break;                         \
        case HPy_GE: _hpy_cmp = (val1) >= (val2); break;                        \
        default:                                                                \
            HPy_FatalError((ctx), "HPy_RETURN_RICHCOMPARE: invalid HPy_RichCmpOp"); \
        }                                                                       \
        return HPy_Dup((ctx), _hpy_cmp ? (ctx)->h_True : (ctx)->h_False);       \
    } while (0)

/* pyconfig.h knows pid_t's size; a universal build has none, and pid_t is an int on the
 * systems universal binaries run on. */
#if !defined(SIZEOF_PID_T) || SIZEOF_PID_T == SIZEOF_INT
#  define _HPy_PARSE_PID "i"
#  define HPyLong_FromPid HPyLong_FromLong
#  define HPyLong_AsPid HPyLong_AsLong
#elif SIZEOF_PID_T == SIZEOF_LONG
#  define _HPy_PARSE_PID "l"
#  define HPyLong_FromPid HPyLong_FromLong
#  define HPyLong_AsPid HPyLong_AsLong
#else
#  define _HPy_PARSE_PID "L"
#  define HPyLong_FromPid HPyLong_FromLongLong
#  define HPyLong_AsPid HPyLong_AsLongLong
#endif

#endif
