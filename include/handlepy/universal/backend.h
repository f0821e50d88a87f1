/* Universal mode: the loader hands the module its context at import time. */
#ifndef HANDLEPY_UNIVERSAL_BACKEND_H
#define HANDLEPY_UNIVERSAL_BACKEND_H

#include "handlepy/universal/autogen_calls.h"

/* Defined by HPy_MODINIT; read by the generated trampolines. */
extern _HPy_HIDDEN HPyContext *_handlepy_ctx;

HPyAPI_FUNC HPyContext *_HPyGetContext(void) { return _handlepy_ctx; }

#endif
