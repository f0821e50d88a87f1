/* The universal loader is a host extension module: it implements the universal context
 * with the CPython backend's own mappings, so both modes share one implementation. */
#ifndef HANDLEPY_LOADER_H
#define HANDLEPY_LOADER_H

#include "hpy.h"

void handlepy_fill_context(HPyContext *ctx);

#endif
