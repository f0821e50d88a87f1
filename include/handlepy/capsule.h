/* Capsule destructors and HPy 0.9's per-field shorthands for HPyCapsule_Get/Set. */
#ifndef HANDLEPY_CAPSULE_H
#define HANDLEPY_CAPSULE_H

/* HPyCapsule_DESTRUCTOR(SYM) defines SYM for HPyCapsule_New; SYM_impl is defined next. */
#define HPyCapsule_DESTRUCTOR(SYM)                                                  \
    HPyFunc_DECLARE(SYM##_impl, HPyFunc_CAPSULE_DESTRUCTOR);                        \
    HPyFunc_TRAMPOLINE(SYM##_trampoline, SYM##_impl, HPyFunc_CAPSULE_DESTRUCTOR)    \
    static HPyCapsule_Destructor SYM = {                                            \
        .cpy_trampoline = SYM##_trampoline,                                         \
        .impl = SYM##_impl,                                                         \
    };

HPyAPI_FUNC void *HPyCapsule_GetPointer(HPyContext *ctx, HPy capsule, const char *utf8_name)
{
    return HPyCapsule_Get(ctx, capsule, HPyCapsule_key_Pointer, utf8_name);
}

HPyAPI_FUNC const char *HPyCapsule_GetName(HPyContext *ctx, HPy capsule)
{
    return (const char *)HPyCapsule_Get(ctx, capsule, HPyCapsule_key_Name, NULL);
}

HPyAPI_FUNC void *HPyCapsule_GetContext(HPyContext *ctx, HPy capsule)
{
    return HPyCapsule_Get(ctx, capsule, HPyCapsule_key_Context, NULL);
}

HPyAPI_FUNC int HPyCapsule_SetPointer(HPyContext *ctx, HPy capsule, void *pointer)
{
    return HPyCapsule_Set(ctx, capsule, HPyCapsule_key_Pointer, pointer);
}

HPyAPI_FUNC int HPyCapsule_SetName(HPyContext *ctx, HPy capsule, const char *utf8_name)
{
    return HPyCapsule_Set(ctx, capsule, HPyCapsule_key_Name, (void *)utf8_name);
}

HPyAPI_FUNC int HPyCapsule_SetContext(HPyContext *ctx, HPy capsule, void *context)
{
    return HPyCapsule_Set(ctx, capsule, HPyCapsule_key_Context, context);
}

HPyAPI_FUNC int HPyCapsule_SetDestructor(HPyContext *ctx, HPy capsule,
                                         HPyCapsule_Destructor *destructor)
{
    return HPyCapsule_Set(ctx, capsule, HPyCapsule_key_Destructor, (void *)destructor);
}

#endif
