/* Host functions made at run time: a libffi closure per implementation, with the host
 * calling convention of its HPyFunc_* signature, that hands the call to a handler with
 * the binding (the implementation and the context to call it with). Used instead of a
 * universal binary's generated trampolines by HANDLEPY_TRAMPOLINES=ffi, and by debug and
 * trace modes, whose contexts are not the one the binary's hidden global points to. */
#ifndef HANDLEPY_FFI_BIND_H
#define HANDLEPY_FFI_BIND_H

#include "hpy.h"
#include "internal.h"

#include <ffi.h>

#if INTPTR_MAX == INT64_MAX
#  define HANDLEPY_FFI_SSIZE (&ffi_type_sint64)
#  define HANDLEPY_FFI_SIZE (&ffi_type_uint64)
#else
#  define HANDLEPY_FFI_SSIZE (&ffi_type_sint32)
#  define HANDLEPY_FFI_SIZE (&ffi_type_uint32)
#endif

typedef struct {
    HPyDef *def;
    HPyCFunction impl;
    HPyFunc_Signature signature;
    /* The context the handler passes (plain handlers), or the one debug mode's contexts
     * forward to (debug handlers). */
    HPyContext *ctx;
    /* What the handler reports the call as, e.g. "module.function". */
    const char *name;
    ffi_closure *closure;
    void *code;
} handlepy_binding;

typedef void (*handlepy_ffi_handler)(ffi_cif *cif, void *ret, void **in, void *binding);

/* The host side of each signature, generated from api/hpyfunc.api. */
typedef struct {
    ffi_type *result;
    unsigned nargs;
    ffi_type **args;
} handlepy_ffi_signature;

extern const handlepy_ffi_signature handlepy_ffi_signatures[];
extern const int handlepy_ffi_signature_count;
/* Handlers that call the implementation with binding->ctx, indexed by signature (as
 * many as handlepy_ffi_signature_count; NULL for a signature no definition binds). */
extern const handlepy_ffi_handler handlepy_plain_handlers[];

/* The signature of a slot's implementation, 0 for an unknown slot; and its name. */
HPyFunc_Signature handlepy_slot_signature(HPySlot_Slot slot);
const char *handlepy_slot_name(HPySlot_Slot slot);

#include "autogen_ffi.h"

typedef struct handlepy_ffi_bindings handlepy_ffi_bindings;

/* Closures for every function of `defines` (NULL-terminated), all made up front so that
 * binding them into a PyModuleDef or a type, which cannot fail, only looks them up.
 * `handlers` is indexed by signature; `prefix` names the calls in reports ("module" or
 * "module.Type"). NULL with an exception. Bound into a module, they live as long as the
 * process; a type takes them, to release with itself (handlepy_type_from_spec_bound). */
handlepy_ffi_bindings *handlepy_ffi_prepare(HPyDef **defines,
                                            const handlepy_ffi_handler *handlers,
                                            HPyContext *ctx, const char *prefix);

/* For bindings that nothing was bound to (the definition could not be made), or that a
 * type releases when it goes: a handlepy_ffi_bindings *, typeless for that use. */
void handlepy_ffi_release(void *bindings);

/* A handlepy_bind_fn whose data is the result of handlepy_ffi_prepare. */
PyCFunction handlepy_ffi_bind(HPyDef *def, HPyCFunction impl, void *bindings);

#endif
