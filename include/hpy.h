/* handlepy: an HPy-style handle API. Compile with exactly one of
 *   -DHPY_ABI_UNIVERSAL  a universal binary: every call goes through HPyContext;
 *   -DHPY_ABI_CPYTHON    the CPython backend: every call maps inline onto the C API;
 *   -DHPY_ABI_HYBRID     a universal binary that may also use the C API (for porting a
 *                        module step by step); it is built per interpreter.
 * The names and signatures follow HPy 0.9; the binary ABI is handlepy's own. */
#ifndef HPY_H
#define HPY_H

#if defined(HPY_ABI_UNIVERSAL) + defined(HPY_ABI_CPYTHON) + defined(HPY_ABI_HYBRID) != 1
#  error "define exactly one of HPY_ABI_UNIVERSAL, HPY_ABI_CPYTHON or HPY_ABI_HYBRID"
#endif
#if defined(HPY_ABI_UNIVERSAL) && defined(Py_PYTHON_H)
#  error "It is forbidden to #include <Python.h> when targeting the HPy Universal ABI: build with HPY_ABI_HYBRID or HPY_ABI_CPYTHON to use the C API"
#endif
#if defined(HPY_ABI_CPYTHON) || defined(HPY_ABI_HYBRID)
#  define PY_SSIZE_T_CLEAN
#  include <Python.h>
#endif
#if defined(HPY_ABI_CPYTHON)
#  define HPY_ABI "cpython"
#elif defined(HPY_ABI_HYBRID)
#  define HPY_ABI "hybrid"
#else
#  define HPY_ABI "universal"
#endif
/* The tag in a universal binary's file name (spam.handlepy.so), in every ABI: HPy 0.9's
 * is "hpy0" (spam.hpy0.so). The ABI version is not in it: the loader asks the binary. */
#define HPY_ABI_TAG "handlepy"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <wchar.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "handlepy/types.h"
#include "handlepy/autogen_ctx.h"
#if defined(HPY_ABI_CPYTHON)
#  include "handlepy/cpython/backend.h"
#else
#  include "handlepy/universal/backend.h"
#endif
#include "handlepy/hpyfunc.h"
#include "handlepy/hpydef.h"
#include "handlepy/hpytype.h"
#include "handlepy/hpymodule.h"
#include "handlepy/helpers.h"
#include "handlepy/capsule.h"
#include "handlepy/structseq.h"

#ifdef __cplusplus
}
#endif
#endif /* HPY_H */
