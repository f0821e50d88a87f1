/* The capsule destructor's trampoline: the host calls it with the dying capsule, whose
 * fields it reads through the context so that one definition serves both modes. */
#ifndef HANDLEPY_HPYFUNC_CAPSULE_H
#define HANDLEPY_HPYFUNC_CAPSULE_H

#define _HPyFunc_TRAMPOLINE_HPyFunc_CAPSULE_DESTRUCTOR(SYM, IMPL)                   \
    static void SYM(cpy_PyObject *capsule)                                          \
    {                                                                               \
        HPyContext *ctx = _HPyGetContext();                                         \
        HPy h = _hpy_from_cpy(capsule);                                             \
        const char *name =                                                          \
            (const char *)HPyCapsule_Get(ctx, h, HPyCapsule_key_Name, NULL);        \
        IMPL(name, HPyCapsule_Get(ctx, h, HPyCapsule_key_Pointer, name),            \
             HPyCapsule_Get(ctx, h, HPyCapsule_key_Context, NULL));                 \
    }

/* HPy 0.9's name for the same trampoline. */
#define HPyCapsule_DESTRUCTOR_TRAMPOLINE(SYM, IMPL) \
    _HPyFunc_TRAMPOLINE_HPyFunc_CAPSULE_DESTRUCTOR(SYM, IMPL)

#endif
