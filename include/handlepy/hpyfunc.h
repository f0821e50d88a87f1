#ifndef HANDLEPY_HPYFUNC_H
#define HANDLEPY_HPYFUNC_H

#include "handlepy/autogen_hpyfunc.h"
#include "handlepy/hpyfunc_custom.h"
#include "handlepy/hpyfunc_capsule.h"

/* Two levels so that SIG may itself be a macro (a slot's _HPySlot_SIG__*). */
#define HPyFunc_DECLARE(SYM, SIG) _HPyFunc_DECLARE_##SIG(SYM)
#define HPyFunc_TRAMPOLINE(SYM, IMPL, SIG) _HPyFunc_TRAMPOLINE_##SIG(SYM, IMPL)

#endif
