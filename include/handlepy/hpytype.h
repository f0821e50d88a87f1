/* Custom types: HPyType_Spec and the helpers that reach an instance's C struct. */
#ifndef HANDLEPY_HPYTYPE_H
#define HANDLEPY_HPYTYPE_H

struct _HPyType_Spec_s {
    const char *name;
    /* Size of the type's own C struct, without any object header. */
    int basicsize;
    int itemsize;
    unsigned long flags;
    HPyType_BuiltinShape builtin_shape;
    /* A 0-terminated PyType_Slot array: hybrid and CPython ABIs only (HPyType_FromSpec
     * refuses it from a universal binary). */
    void *legacy_slots;
    /* NULL-terminated. */
    HPyDef **defines;
    const char *doc;
};

typedef enum {
    HPyType_SpecParam_Base = 1,
    HPyType_SpecParam_BasesTuple = 2,
    HPyType_SpecParam_Metaclass = 3,
} HPyType_SpecParam_Kind;

/* FromSpec's params: an array ended by an entry whose kind is 0. */
struct _HPyType_SpecParam_s {
    HPyType_SpecParam_Kind kind;
    HPy object;
};

/* The values of CPython's flags, which every type gets as a heap type. */
#define HPy_TPFLAGS_DEFAULT ((1UL << 9) | (1UL << 18))
#define HPy_TPFLAGS_BASETYPE (1UL << 10)
#define HPy_TPFLAGS_HAVE_GC (1UL << 14)
/* Instances have their own call function (PEP 590). HPyType_FromSpec sets it itself on a
 * type with an HPy_tp_call slot or a __vectorcalloffset__ member, so giving it is
 * optional; it needs one of the two. */
#define HPy_TPFLAGS_HAVE_VECTORCALL (1UL << 11)

/* HPy 0.9 declares this pair and uses it nowhere; kept so that sources naming it build. */
typedef struct {
    cpy_vectorcallfunc cpy_trampoline;
    HPyCallFunction impl;
} HPyType_Vectorcall;

/* HPy_New(ctx, type, &data): a new instance, and `data` pointed at its zeroed struct. */
#define HPy_New(ctx, cls, data) (_HPy_New((ctx), (cls), (void **)(data)))

#define HPyType_BuiltinShape_Legacy_AsStruct _HPy_AsStruct_Legacy
#define HPyType_BuiltinShape_Object_AsStruct _HPy_AsStruct_Object
#define HPyType_BuiltinShape_Type_AsStruct _HPy_AsStruct_Type
#define HPyType_BuiltinShape_Long_AsStruct _HPy_AsStruct_Long
#define HPyType_BuiltinShape_Float_AsStruct _HPy_AsStruct_Float
#define HPyType_BuiltinShape_Unicode_AsStruct _HPy_AsStruct_Unicode
#define HPyType_BuiltinShape_Tuple_AsStruct _HPy_AsStruct_Tuple
#define HPyType_BuiltinShape_List_AsStruct _HPy_AsStruct_List
#define HPyType_BuiltinShape_Dict_AsStruct _HPy_AsStruct_Dict

/* HPyType_HELPERS(T) or HPyType_HELPERS(T, SHAPE) defines T_AsStruct(ctx, h) and the
 * constant SHAPE(T) for the spec's builtin_shape. The shape defaults to Object. */
#define HPyType_HELPERS(...) \
    _HPyType_HELPERS_PICK(__VA_ARGS__, _HPyType_HELPERS2, _HPyType_HELPERS1, )(__VA_ARGS__)
#define _HPyType_HELPERS_PICK(_1, _2, NAME, ...) NAME
#define _HPyType_HELPERS1(T) _HPyType_HELPERS2(T, HPyType_BuiltinShape_Object)
#define _HPyType_HELPERS2(T, S)                                                 \
    enum { T##_SHAPE = (int)S };                                                \
    HPyAPI_FUNC T *T##_AsStruct(HPyContext *ctx, HPy h)                         \
    {                                                                           \
        return (T *)S##_AsStruct(ctx, h);                                       \
    }

#define SHAPE(T) ((HPyType_BuiltinShape)T##_SHAPE)

/* For a type whose struct starts with PyObject_HEAD (hybrid and CPython ABIs only). */
#define HPyType_LEGACY_HELPERS(T) HPyType_HELPERS(T, HPyType_BuiltinShape_Legacy)

#endif
