/* CPython mode: HPy is the PyObject pointer, and every call is an inline C-API call.
 * The mappings too long for one expression are in impl_<area>.h, one per api/<area>.api
 * file; each includes what it needs, so their order here does not matter. */
#ifndef HANDLEPY_CPYTHON_BACKEND_H
#define HANDLEPY_CPYTHON_BACKEND_H

#include "handlepy/cpython/common.h"
#include "handlepy/cpython/impl_bytes.h"
#include "handlepy/cpython/impl_call.h"
#include "handlepy/cpython/impl_callfunction.h"
#include "handlepy/cpython/impl_capsule.h"
#include "handlepy/cpython/impl_containers.h"
#include "handlepy/cpython/impl_contextvar.h"
#include "handlepy/cpython/impl_errors.h"
#include "handlepy/cpython/impl_handles.h"
#include "handlepy/cpython/impl_long.h"
#include "handlepy/cpython/impl_misc.h"
#include "handlepy/cpython/impl_module.h"
#include "handlepy/cpython/impl_number.h"
#include "handlepy/cpython/impl_object.h"
#include "handlepy/cpython/impl_scalar.h"
#include "handlepy/cpython/impl_structseq.h"
#include "handlepy/cpython/impl_type.h"
#include "handlepy/cpython/impl_unicode.h"
#include "handlepy/cpython/autogen_calls.h"

/* Holds only the handle constants; the runtime fills it when the module initialises. */
extern _HPy_HIDDEN HPyContext _handlepy_cpython_ctx;

HPyAPI_FUNC HPyContext *_HPyGetContext(void) { return &_handlepy_cpython_ctx; }

/* Every module of a binary shares the context: nothing to declare per module. */
#define HPY_MOD_EMBEDDABLE(modname)

#endif
