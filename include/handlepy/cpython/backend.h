/* CPython mode: HPy is the PyObject pointer, and every call is an inline C-API call. */
#ifndef HANDLEPY_CPYTHON_BACKEND_H
#define HANDLEPY_CPYTHON_BACKEND_H

#define _h2py(h) ((PyObject *)(h)._i)
#define _py2h(o) ((HPy){(intptr_t)(o)})

#include "handlepy/cpython/impl.h"
#include "handlepy/cpython/impl_tracker.h"
#include "handlepy/cpython/impl_containers.h"
#include "handlepy/cpython/autogen_calls.h"

/* Holds only the handle constants; the runtime fills it when the module initialises. */
extern _HPy_HIDDEN HPyContext _handlepy_cpython_ctx;

HPyAPI_FUNC HPyContext *_HPyGetContext(void) { return &_handlepy_cpython_ctx; }

HPyAPI_FUNC HPy HPy_FromPyObject(HPyContext *ctx, PyObject *obj)
{
    (void)ctx;
    Py_XINCREF(obj);
    return _py2h(obj);
}

HPyAPI_FUNC PyObject *HPy_AsPyObject(HPyContext *ctx, HPy h)
{
    (void)ctx;
    Py_XINCREF(_h2py(h));
    return _h2py(h);
}

#endif
