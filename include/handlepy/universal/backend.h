/* Universal mode: the loader hands the module its context at import time. */
#ifndef HANDLEPY_UNIVERSAL_BACKEND_H
#define HANDLEPY_UNIVERSAL_BACKEND_H

#include "handlepy/universal/autogen_calls.h"

#if defined(HPY_EMBEDDED_MODULES)
/* Several modules in one binary: each file that defines one keeps its own context,
 * declared by HPY_MOD_EMBEDDABLE(name) before its definitions (which must all be in that
 * file) and set by its HPy_MODINIT. */
#  define _HPy_CTX_STORAGE static
#  define HPY_MOD_EMBEDDABLE(modname) static HPyContext *_handlepy_ctx;
#  define _HPyGetContext() (_handlepy_ctx)
#else
/* Defined by HPy_MODINIT; read by the generated trampolines. */
#  define _HPy_CTX_STORAGE _HPy_HIDDEN
#  define HPY_MOD_EMBEDDABLE(modname)
extern _HPy_HIDDEN HPyContext *_handlepy_ctx;

HPyAPI_FUNC HPyContext *_HPyGetContext(void) { return _handlepy_ctx; }
#endif

#endif
