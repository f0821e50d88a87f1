/* CPython-backend mappings of api/structseq.api; the code is in
 * cpython-backend/structseq.c. */
#ifndef HANDLEPY_CPYTHON_IMPL_STRUCTSEQ_H
#define HANDLEPY_CPYTHON_IMPL_STRUCTSEQ_H

#include "handlepy/cpython/common.h"

_HPy_HIDDEN PyObject *handlepy_structseq_new_type(HPyStructSequence_Desc *desc);
/* Reads the items as HPy: through a PyObject ** would break strict aliasing. */
_HPy_HIDDEN PyObject *handlepy_structseq_new(PyObject *type, HPy_ssize_t nargs,
                                             const HPy *args);

#endif
