/* The types every mode shares. A handle is one machine word: on every host handlepy
 * runs on so far it is the host's object pointer, so converting costs nothing. */
#ifndef HANDLEPY_TYPES_H
#define HANDLEPY_TYPES_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#  define _HPy_HIDDEN __attribute__((visibility("hidden")))
#  define HPy_EXPORTED_SYMBOL __attribute__((visibility("default")))
#  define _HPy_UNUSED __attribute__((unused))
#else
#  define _HPy_HIDDEN
#  define HPy_EXPORTED_SYMBOL
#  define _HPy_UNUSED
#endif
#define HPyAPI_FUNC static inline _HPy_UNUSED
/* HPy 0.9's names for the kinds of API declaration: an inline helper is compiled into
 * the extension like any API function, helpers and implementations stay inside it. */
#define HPyAPI_INLINE_HELPER HPyAPI_FUNC
#define HPyAPI_UNUSED HPyAPI_FUNC
#define HPyAPI_HELPER _HPy_HIDDEN
#define HPyAPI_IMPL _HPy_HIDDEN
#if defined(__cplusplus)
#  define HPy_EXPORTED_FUNC extern "C" HPy_EXPORTED_SYMBOL
#else
#  define HPy_EXPORTED_FUNC HPy_EXPORTED_SYMBOL
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define _HPy_NO_RETURN __attribute__((__noreturn__))
#elif defined(_MSC_VER)
#  define _HPy_NO_RETURN __declspec(noreturn)
#else
#  define _HPy_NO_RETURN
#endif

/* Marks a declaration whose every call is a compile-time error with this message. */
#if defined(__GNUC__)
#  define _HPy_UNAVAILABLE(msg) __attribute__((error(msg)))
#else
#  define _HPy_UNAVAILABLE(msg)
#endif

typedef intptr_t HPy_ssize_t;
typedef intptr_t HPy_hash_t;
typedef uint32_t HPy_UCS4;
/* Py_ssize_t has intptr_t's width on every host, so the CPython ABI gets the same values. */
#define HPY_SSIZE_T_MAX INTPTR_MAX
#define HPY_SSIZE_T_MIN (-HPY_SSIZE_T_MAX - 1)

/* What HPy_Compile_s parses: the values of HPy 0.9. */
typedef enum {
    /* One expression, as eval() takes. */
    HPy_SourceKind_Expr = 0,
    /* Statements, as a module or exec() holds. */
    HPy_SourceKind_File = 1,
    /* One interactive statement: an expression's value is printed. */
    HPy_SourceKind_Single = 2,
} HPy_SourceKind;

/* What HPy_BuiltinKind tells: the exact builtin type of an object (a handlepy extension,
 * not in HPy 0.9). An instance of a subclass is HPyKind_Other, so that a switch on the
 * kind never skips a subclass's overrides. */
typedef enum {
    /* HPy_BuiltinKind failed (HPy_NULL); an exception is set. */
    HPyKind_Error = -1,
    HPyKind_Other = 0,
    HPyKind_None = 1,
    HPyKind_Bool = 2,
    HPyKind_Long = 3,
    HPyKind_Float = 4,
    HPyKind_Unicode = 5,
    HPyKind_Bytes = 6,
    HPyKind_List = 7,
    HPyKind_Tuple = 8,
    HPyKind_Dict = 9,
} HPyKind;

typedef struct _HPy_s { intptr_t _i; } HPy;
typedef struct { intptr_t _i; } HPyTupleBuilder;
typedef struct { intptr_t _i; } HPyListBuilder;
typedef struct { intptr_t _i; } HPyTracker;
typedef struct { intptr_t _i; } HPyThreadState;
typedef struct _HPyContext_s HPyContext;
typedef struct { intptr_t _i; } HPyGlobal;
typedef struct _HPyDef_s HPyDef;
typedef struct _HPyType_Spec_s HPyType_Spec;
typedef struct _HPyType_SpecParam_s HPyType_SpecParam;
typedef void (*HPyCFunction)(void);
typedef void (*cpy_PyCFunction)(void);

/* The builtin type an HPy type extends, which decides where its C struct starts. */
typedef enum {
    HPyType_BuiltinShape_Legacy = -1,
    HPyType_BuiltinShape_Object = 0,
    HPyType_BuiltinShape_Type = 1,
    HPyType_BuiltinShape_Long = 2,
    HPyType_BuiltinShape_Float = 3,
    HPyType_BuiltinShape_Unicode = 4,
    HPyType_BuiltinShape_Tuple = 5,
    HPyType_BuiltinShape_List = 6,
    HPyType_BuiltinShape_Dict = 7,
} HPyType_BuiltinShape;

/* Host objects stay opaque outside the CPython backend. */
typedef struct _object cpy_PyObject;
typedef struct PyMethodDef cpy_PyMethodDef;
typedef struct PyModuleDef cpy_PyModuleDef;
typedef struct bufferinfo cpy_Py_buffer;
typedef int (*cpy_visitproc)(cpy_PyObject *, void *);
typedef cpy_PyObject *(*cpy_vectorcallfunc)(cpy_PyObject *callable, cpy_PyObject *const *args,
                                           size_t nargsf, cpy_PyObject *kwnames);
typedef cpy_PyObject *(*cpy_getter)(cpy_PyObject *self, void *closure);
typedef int (*cpy_setter)(cpy_PyObject *self, cpy_PyObject *value, void *closure);

/* A call function an object can be given (HPyDef_CALL_FUNCTION, HPy_SetCallFunction):
 * the host's vectorcall entry first, so that the struct may sit where the host looks for
 * an object's vectorcall function, then the HPyFunc_KEYWORDS implementation it calls. */
typedef struct {
    cpy_vectorcallfunc cpy_trampoline;
    HPyCFunction impl;
} HPyCallFunction;

/* A reference from inside an object's C struct to another object: visible to the GC
 * through tp_traverse and released with the object. */
typedef struct { intptr_t _i; } HPyField;
#define HPyField_NULL ((HPyField){0})
#define HPyField_IsNull(f) ((f)._i == 0)

/* Same layout as the host's Py_buffer prefix, with the exporter as a handle. */
typedef struct {
    void *buf;
    HPy obj;
    HPy_ssize_t len;
    HPy_ssize_t itemsize;
    int readonly;
    int ndim;
    char *format;
    HPy_ssize_t *shape;
    HPy_ssize_t *strides;
    HPy_ssize_t *suboffsets;
    void *internal;
} HPy_buffer;

typedef int (*HPyFunc_visitproc)(HPyField *, void *);

/* Which field of a capsule HPyCapsule_Get and HPyCapsule_Set address. */
typedef enum {
    HPyCapsule_key_Pointer = 0,
    HPyCapsule_key_Name = 1,
    HPyCapsule_key_Context = 2,
    HPyCapsule_key_Destructor = 3,
} _HPyCapsule_key;

typedef void (*cpy_PyCapsule_Destructor)(cpy_PyObject *);
typedef void (*HPyFunc_Capsule_Destructor)(const char *name, void *pointer, void *context);

/* Made by HPyCapsule_DESTRUCTOR: the host calls the trampoline, which calls impl. */
typedef struct {
    cpy_PyCapsule_Destructor cpy_trampoline;
    HPyFunc_Capsule_Destructor impl;
} HPyCapsule_Destructor;

typedef struct _HPyStructSequence_Field_s HPyStructSequence_Field;
typedef struct _HPyStructSequence_Desc_s HPyStructSequence_Desc;

/* In a tp_traverse implementation: report one field to the collector. */
#define HPy_VISIT(field)                                                    \
    do {                                                                    \
        if (!HPyField_IsNull(*(field))) {                                   \
            int _hpy_visit_result = visit((field), arg);                    \
            if (_hpy_visit_result)                                          \
                return _hpy_visit_result;                                   \
        }                                                                   \
    } while (0)

typedef enum { HPy_LT = 0, HPy_LE, HPy_EQ, HPy_NE, HPy_GT, HPy_GE } HPy_RichCmpOp;

#define HPy_NULL ((HPy){0})
#define HPy_IsNull(h) ((h)._i == 0)

HPyAPI_FUNC HPy HPy_FromVoidP(void *p) { return (HPy){(intptr_t)p}; }
HPyAPI_FUNC void *HPy_AsVoidP(HPy h) { return (void *)h._i; }

HPyAPI_FUNC HPy _hpy_from_cpy(cpy_PyObject *o) { return (HPy){(intptr_t)o}; }
HPyAPI_FUNC cpy_PyObject *_hpy_to_cpy(HPy h) { return (cpy_PyObject *)h._i; }

#endif /* HANDLEPY_TYPES_H */
