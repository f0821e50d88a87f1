/* Definitions of module (and later type) members, built by the HPyDef_* macros. */
#ifndef HANDLEPY_HPYDEF_H
#define HANDLEPY_HPYDEF_H

typedef enum {
    HPyDef_Kind_Slot = 1,
    HPyDef_Kind_Meth = 2,
    HPyDef_Kind_Member = 3,
    HPyDef_Kind_GetSet = 4,
} HPyDef_Kind;

/* The values of CPython's T_* member types. */
typedef enum {
    HPyMember_SHORT = 0,
    HPyMember_INT = 1,
    HPyMember_LONG = 2,
    HPyMember_FLOAT = 3,
    HPyMember_DOUBLE = 4,
    HPyMember_STRING = 5,
    /* An HPyField: reads give the object or None, writes store into the field. */
    HPyMember_OBJECT = 6,
    HPyMember_CHAR = 7,
    HPyMember_BYTE = 8,
    HPyMember_UBYTE = 9,
    HPyMember_USHORT = 10,
    HPyMember_UINT = 11,
    HPyMember_ULONG = 12,
    HPyMember_STRING_INPLACE = 13,
    HPyMember_BOOL = 14,
    /* Like OBJECT, but reading an empty field raises AttributeError. */
    HPyMember_OBJECT_EX = 16,
    HPyMember_LONGLONG = 17,
    HPyMember_ULONGLONG = 18,
    HPyMember_HPYSSIZET = 19,
    HPyMember_NONE = 20,
} HPyMember_FieldType;

typedef struct {
    HPySlot_Slot slot;
    HPyCFunction impl;
    cpy_PyCFunction cpy_trampoline;
} HPySlot;

/* What a type's method receives as `self`: handlepy's addition to HPy 0.9, where every
 * method is an instance method. Module functions must leave it at Instance. */
typedef enum {
    HPyMeth_Instance = 0,
    /* `self` is the class it is called on, as with @classmethod. */
    HPyMeth_Class = 1,
    /* `self` is HPy_NULL, as with @staticmethod. */
    HPyMeth_Static = 2,
} HPyMeth_Binding;

typedef struct {
    const char *name;
    HPyCFunction impl;
    cpy_PyCFunction cpy_trampoline;
    HPyFunc_Signature signature;
    const char *doc;
    /* Last, so that HPy 0.9 initialisers leave it zero: an instance method. */
    HPyMeth_Binding binding;
} HPyMeth;

typedef struct {
    const char *name;
    HPyMember_FieldType type;
    /* From the start of the type's C struct. */
    HPy_ssize_t offset;
    int readonly;
    const char *doc;
} HPyMember;

typedef struct {
    const char *name;
    HPyCFunction getter_impl;
    HPyCFunction setter_impl;
    cpy_PyCFunction getter_cpy_trampoline;
    cpy_PyCFunction setter_cpy_trampoline;
    const char *doc;
    void *closure;
} HPyGetSet;

struct _HPyDef_s {
    HPyDef_Kind kind;
    union {
        HPySlot slot;
        HPyMeth meth;
        HPyMember member;
        HPyGetSet getset;
    };
};

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

/* HPyDef_CLASSMETHOD and HPyDef_STATICMETHOD take HPyDef_METH's arguments. */
#define HPyDef_CLASSMETHOD(SYM, NAME, SIG, ...) \
    HPyDef_METH(SYM, NAME, SIG, .binding = HPyMeth_Class, __VA_ARGS__)

#define HPyDef_STATICMETHOD(SYM, NAME, SIG, ...) \
    HPyDef_METH(SYM, NAME, SIG, .binding = HPyMeth_Static, __VA_ARGS__)

/* The HPyFunc_* signature of a slot's implementation: HPySlot_SIG(HPy_nb_add). */
#define HPySlot_SIG(SLOT) _HPySlot_SIG__##SLOT

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

/* HPyDef_CALL_FUNCTION(SYM) declares SYM_impl (HPyFunc_KEYWORDS), which the user defines
 * next, and `static HPyCallFunction SYM` for HPy_SetCallFunction or an instance's
 * __vectorcalloffset__ field. The trampoline has the host's vectorcall convention. */
#define HPyDef_CALL_FUNCTION(SYM)                                           \
    HPyFunc_DECLARE(SYM##_impl, HPyFunc_KEYWORDS);                          \
    HPyFunc_TRAMPOLINE(SYM##_trampoline, SYM##_impl, HPyFunc_VECTORCALLFUNC) \
    static HPyCallFunction SYM = {SYM##_trampoline, (HPyCFunction)SYM##_impl};

/* HPyDef_MEMBER(SYM, NAME, TYPE, OFFSET, .readonly = 1, .doc = "...") */
#define HPyDef_MEMBER(SYM, NAME, TYPE, OFFSET, ...)                         \
    HPyDef SYM = {                                                          \
        .kind = HPyDef_Kind_Member,                                         \
        .member = {                                                         \
            .name = NAME,                                                   \
            .type = TYPE,                                                   \
            .offset = OFFSET,                                               \
            __VA_ARGS__                                                     \
        }                                                                   \
    };

/* HPyDef_GET(SYM, NAME, .doc = "...") declares SYM_get; HPyDef_SET declares SYM_set;
 * HPyDef_GETSET both. The _IMPL forms take the implementations' names instead. */
#define HPyDef_GET(SYM, NAME, ...) HPyDef_GET_IMPL(SYM, NAME, SYM##_get, __VA_ARGS__)
#define HPyDef_SET(SYM, NAME, ...) HPyDef_SET_IMPL(SYM, NAME, SYM##_set, __VA_ARGS__)
#define HPyDef_GETSET(SYM, NAME, ...) \
    HPyDef_GETSET_IMPL(SYM, NAME, SYM##_get, SYM##_set, __VA_ARGS__)

#define HPyDef_GET_IMPL(SYM, NAME, GETIMPL, ...)                            \
    _HPyDef_ACCESSOR(SYM##_get_trampoline, GETIMPL, HPyFunc_GETTER)         \
    _HPyDef_GETSET(SYM, NAME, _HPyDef_GETTER(SYM, GETIMPL), __VA_ARGS__)

#define HPyDef_SET_IMPL(SYM, NAME, SETIMPL, ...)                            \
    _HPyDef_ACCESSOR(SYM##_set_trampoline, SETIMPL, HPyFunc_SETTER)         \
    _HPyDef_GETSET(SYM, NAME, _HPyDef_SETTER(SYM, SETIMPL), __VA_ARGS__)

#define HPyDef_GETSET_IMPL(SYM, NAME, GETIMPL, SETIMPL, ...)                \
    _HPyDef_ACCESSOR(SYM##_get_trampoline, GETIMPL, HPyFunc_GETTER)         \
    _HPyDef_ACCESSOR(SYM##_set_trampoline, SETIMPL, HPyFunc_SETTER)         \
    _HPyDef_GETSET(SYM, NAME, _HPyDef_GETTER(SYM, GETIMPL),                 \
                   _HPyDef_SETTER(SYM, SETIMPL), __VA_ARGS__)

#define _HPyDef_ACCESSOR(TRAMPOLINE, IMPL, SIG)                             \
    HPyFunc_DECLARE(IMPL, SIG);                                             \
    HPyFunc_TRAMPOLINE(TRAMPOLINE, IMPL, SIG)

#define _HPyDef_GETTER(SYM, IMPL)                                           \
    .getter_impl = (HPyCFunction)IMPL,                                      \
    .getter_cpy_trampoline = (cpy_PyCFunction)SYM##_get_trampoline

#define _HPyDef_SETTER(SYM, IMPL)                                           \
    .setter_impl = (HPyCFunction)IMPL,                                      \
    .setter_cpy_trampoline = (cpy_PyCFunction)SYM##_set_trampoline

#define _HPyDef_GETSET(SYM, NAME, ...)                                      \
    HPyDef SYM = {                                                          \
        .kind = HPyDef_Kind_GetSet,                                         \
        .getset = {                                                         \
            .name = NAME,                                                   \
            __VA_ARGS__                                                     \
        }                                                                   \
    };

#endif
