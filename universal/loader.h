/* The universal loader is a host extension module: it implements the universal context
 * with the CPython backend's own mappings, so both modes share one implementation. */
#ifndef HANDLEPY_LOADER_H
#define HANDLEPY_LOADER_H

#include "hpy.h"

void handlepy_fill_context(HPyContext *ctx);

/* -1 with an exception when `spec` sets legacy_slots and comes from a universal binary
 * that is not hybrid; every universal context's HPyType_FromSpec asks first. */
int handlepy_refuse_legacy_slots(HPyType_Spec *spec);

#endif
