/* Definitions of module (and later type) members, built by the HPyDef_* macros. */
#ifndef HANDLEPY_HPYDEF_H
#define HANDLEPY_HPYDEF_H

typedef enum {
    HPyDef_Kind_Slot = 1,
    HPyDef_Kind_Meth = 2,
} HPyDef_Kind;

typedef struct {
    HPySlot_Slot slot;
    HPyCFunction impl;
    cpy_PyCFunction cpy_trampoline;
} HPySlot;

typedef struct {
    const char *name;
    HPyCFunction impl;
    cpy_PyCFunction cpy_trampoline;
    HPyFunc_Signature signature;
    const char *doc;
} HPyMeth;

typedef struct {
    HPyDef_Kind kind;
    union {
        HPySlot slot;
        HPyMeth meth;
    };
} HPyDef;

/* HPyDef_METH(SYM, NAME, SIG, .doc = "...") declares SYM_impl, which the user defines
 * next, and a trampoline with the host's calling convention that calls it directly. */
#define HPyDef_METH(SYM, NAME, SIG, ...) \
    HPyDef_METH_IMPL(SYM, NAME, SYM##_impl, SIG, __VA_ARGS__)

#define HPyDef_METH_IMPL(SYM, NAME, IMPL, SIG, ...)                         \
    HPyFunc_DECLARE(IMPL, SIG);                                             \
    HPyFunc_TRAMPOLINE(SYM##_trampoline, IMPL, SIG)                         \
    HPyDef SYM = {                                                          \
        .kind = HPyDef_Kind_Meth,                                           \
        .meth = {                                                           \
            .name = NAME,                                                   \
            .impl = (HPyCFunction)IMPL,                                     \
            .cpy_trampoline = (cpy_PyCFunction)SYM##_trampoline,            \
            .signature = SIG,                                               \
            __VA_ARGS__                                                     \
        }                                                                   \
    };

#define HPyDef_SLOT(SYM, SLOT) HPyDef_SLOT_IMPL(SYM, SYM##_impl, SLOT)

#define HPyDef_SLOT_IMPL(SYM, IMPL, SLOT) \
    _HPyDef_SLOT(SYM, IMPL, SLOT, _HPySlot_SIG__##SLOT)

#define _HPyDef_SLOT(SYM, IMPL, SLOT, SIG)                                  \
    HPyFunc_DECLARE(IMPL, SIG);                                             \
    HPyFunc_TRAMPOLINE(SYM##_trampoline, IMPL, SIG)                         \
    HPyDef SYM = {                                                          \
        .kind = HPyDef_Kind_Slot,                                           \
        .slot = {                                                           \
            .slot = SLOT,                                                   \
            .impl = (HPyCFunction)IMPL,                                     \
            .cpy_trampoline = (cpy_PyCFunction)SYM##_trampoline,            \
        }                                                                   \
    };

#endif
