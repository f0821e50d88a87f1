#include "hpy.h"

const char *const HPyStructSequence_UnnamedField = _HPyStructSequence_UNNAMED_TEXT;
