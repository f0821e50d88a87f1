/* Trampolines whose host arguments need more than a reinterpretation; each delegates
 * the host-specific part to an internal context function (see api/type.api). */
#ifndef HANDLEPY_HPYFUNC_CUSTOM_H
#define HANDLEPY_HPYFUNC_CUSTOM_H

/* tp_new and tp_init get a tuple: its items are passed in place, never copied. */
#define _HPyFunc_TRAMPOLINE_HPyFunc_NEWFUNC(SYM, IMPL)                          \
    static cpy_PyObject *SYM(cpy_PyObject *type, cpy_PyObject *args,            \
                             cpy_PyObject *kw)                                  \
    {                                                                           \
        HPyContext *ctx = _HPyGetContext();                                     \
        HPy_ssize_t nargs;                                                      \
        const HPy *items = _HPy_TupleItems(ctx, _hpy_from_cpy(args), &nargs);   \
        return _hpy_to_cpy(IMPL(ctx, _hpy_from_cpy(type), items, nargs,         \
                                _hpy_from_cpy(kw)));                            \
    }

#define _HPyFunc_TRAMPOLINE_HPyFunc_INITPROC(SYM, IMPL)                         \
    static int SYM(cpy_PyObject *self, cpy_PyObject *args, cpy_PyObject *kw)    \
    {                                                                           \
        HPyContext *ctx = _HPyGetContext();                                     \
        HPy_ssize_t nargs;                                                      \
        const HPy *items = _HPy_TupleItems(ctx, _hpy_from_cpy(args), &nargs);   \
        return IMPL(ctx, _hpy_from_cpy(self), items, nargs, _hpy_from_cpy(kw)); \
    }

#define _HPyFunc_TRAMPOLINE_HPyFunc_CALL(SYM, IMPL)                             \
    static cpy_PyObject *SYM(cpy_PyObject *self, cpy_PyObject *args,            \
                             cpy_PyObject *kw)                                  \
    {                                                                           \
        return _hpy_to_cpy(_HPy_CallWithTupleDict(                              \
            _HPyGetContext(), (HPyCFunction)IMPL, _hpy_from_cpy(self),          \
            _hpy_from_cpy(args), _hpy_from_cpy(kw)));                           \
    }

/* The host's vectorcall convention: the top bit of nargsf is the host's
 * PY_VECTORCALL_ARGUMENTS_OFFSET flag, not a count. */
#define _HPy_VECTORCALL_NARGS(nargsf) \
    ((nargsf) & ~((size_t)1 << (8 * sizeof(size_t) - 1)))

#define _HPyFunc_TRAMPOLINE_HPyFunc_VECTORCALLFUNC(SYM, IMPL)                   \
    static cpy_PyObject *SYM(cpy_PyObject *callable, cpy_PyObject *const *args,  \
                             size_t nargsf, cpy_PyObject *kwnames)              \
    {                                                                           \
        return _hpy_to_cpy(IMPL(_HPyGetContext(), _hpy_from_cpy(callable),      \
                                (const HPy *)args, _HPy_VECTORCALL_NARGS(nargsf), \
                                _hpy_from_cpy(kwnames)));                       \
    }

/* The struct of `self` depends on its builtin base, which only the host side knows. */
#define _HPyFunc_TRAMPOLINE_HPyFunc_TRAVERSEPROC(SYM, IMPL)                     \
    static int SYM(cpy_PyObject *self, cpy_visitproc visit, void *arg)          \
    {                                                                           \
        return _HPy_CallTraverse(_HPyGetContext(), (HPyCFunction)IMPL,          \
                                 _hpy_from_cpy(self), visit, arg);              \
    }

/* Installed as tp_dealloc: the host side releases fields and memory around IMPL. */
#define _HPyFunc_TRAMPOLINE_HPyFunc_DESTROYFUNC(SYM, IMPL)                      \
    static void SYM(cpy_PyObject *self)                                         \
    {                                                                           \
        _HPy_Dealloc(_HPyGetContext(), _hpy_from_cpy(self), (HPyCFunction)IMPL); \
    }

#endif
