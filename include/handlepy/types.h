/* The types every mode shares. A handle is one machine word: on every host handlepy
 * runs on so far it is the host's object pointer, so converting costs nothing. */
#ifndef HANDLEPY_TYPES_H
#define HANDLEPY_TYPES_H

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

typedef intptr_t HPy_ssize_t;
typedef intptr_t HPy_hash_t;
typedef uint32_t HPy_UCS4;

typedef struct _HPy_s { intptr_t _i; } HPy;
typedef struct { intptr_t _i; } HPyTupleBuilder;
typedef struct { intptr_t _i; } HPyListBuilder;
typedef struct { intptr_t _i; } HPyTracker;
typedef struct { intptr_t _i; } HPyThreadState;
typedef struct _HPyContext_s HPyContext;

/* Host objects stay opaque outside the CPython backend. */
typedef struct _object cpy_PyObject;
typedef struct PyMethodDef cpy_PyMethodDef;

typedef enum { HPy_LT = 0, HPy_LE, HPy_EQ, HPy_NE, HPy_GT, HPy_GE } HPy_RichCmpOp;

#define HPy_NULL ((HPy){0})
#define HPy_IsNull(h) ((h)._i == 0)

HPyAPI_FUNC HPy HPy_FromVoidP(void *p) { return (HPy){(intptr_t)p}; }
HPyAPI_FUNC void *HPy_AsVoidP(HPy h) { return (void *)h._i; }

HPyAPI_FUNC HPy _hpy_from_cpy(cpy_PyObject *o) { return (HPy){(intptr_t)o}; }
HPyAPI_FUNC cpy_PyObject *_hpy_to_cpy(HPy h) { return (cpy_PyObject *)h._i; }

#endif /* HANDLEPY_TYPES_H */
