/* The libffi alternative to a universal binary's generated trampolines: each method and
 * slot gets a closure with the host calling convention that carries the context itself,
 * so the call never reads the extension's hidden context global. */
#ifndef HANDLEPY_FFI_BIND_H
#define HANDLEPY_FFI_BIND_H

#include "hpy.h"

typedef struct handlepy_ffi_bindings handlepy_ffi_bindings;

/* Closures for every definition of hdef, all made up front so that binding them into
 * the PyModuleDef (which cannot fail) only looks them up. NULL with an exception. Once
 * bound, the host keeps the closures for the life of the process. */
handlepy_ffi_bindings *handlepy_ffi_prepare(HPyModuleDef *hdef, HPyContext *ctx);

/* For a module whose PyModuleDef could not be made: nothing holds the closures yet. */
void handlepy_ffi_release(handlepy_ffi_bindings *bindings);

/* A handlepy_bind_fn whose data is the result of handlepy_ffi_prepare. */
PyCFunction handlepy_ffi_bind(HPyDef *def, void *bindings);

#endif
