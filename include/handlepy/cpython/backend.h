/* CPython mode: HPy is the PyObject pointer, and every call is an inline C-API call. */
#ifndef HANDLEPY_CPYTHON_BACKEND_H
#define HANDLEPY_CPYTHON_BACKEND_H

#define _h2py(h) ((PyObject *)(h)._i)
#define _py2h(o) ((HPy){(intptr_t)(o)})

#include "handlepy/cpython/impl_object.h"
#include "handlepy/cpython/impl.h"
#include "handlepy/cpython/impl_scalar.h"
#include "handlepy/cpython/impl_tracker.h"
#include "handlepy/cpython/impl_type.h"
#include "handlepy/cpython/impl_capsule.h"
#include "handlepy/cpython/impl_contextvar.h"
#include "handlepy/cpython/impl_structseq.h"
#include "handlepy/cpython/impl_containers.h"
#include "handlepy/cpython/impl_eval.h"
#include "handlepy/cpython/autogen_calls.h"

/* Holds only the handle constants; the runtime fills it when the module initialises. */
extern _HPy_HIDDEN HPyContext _handlepy_cpython_ctx;

HPyAPI_FUNC HPyContext *_HPyGetContext(void) { return &_handlepy_cpython_ctx; }

/* Every module of a binary shares the context: nothing to declare per module. */
#define HPY_MOD_EMBEDDABLE(modname)

#endif
