/* CPython-backend mappings of api/callfunction.api; the code is in cpython-backend/type.c. */
#ifndef HANDLEPY_CPYTHON_IMPL_CALLFUNCTION_H
#define HANDLEPY_CPYTHON_IMPL_CALLFUNCTION_H

#include "handlepy/cpython/common.h"

_HPy_HIDDEN int handlepy_set_call_function(PyObject *obj, HPyCallFunction *func);

#endif
