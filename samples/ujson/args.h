/* Vectorcall argument parsing by parameter name, for functions whose parameters are
 * all plain objects. */
#ifndef UJSON_HPY_ARGS_H
#define UJSON_HPY_ARGS_H

#include "hpy.h"

typedef struct {
    const char *const *names;   /* every parameter, positional ones first */
    size_t count;
    size_t max_positional;
    size_t required;            /* the first `required` parameters must be given */
} ujson_signature;

/* Puts the argument given for parameter i into out[i] (a handle borrowed from args or
 * kwvalues) or HPy_NULL when absent; the value of keyword kwnames[k] is kwvalues[k].
 * 0, or -1 with TypeError worded as ujson's (PyArg_ParseTupleAndKeywords without a
 * function name) words it. */
int ujson_parse_args(HPyContext *ctx, const ujson_signature *sig, const HPy *args,
                     size_t nargs, HPy kwnames, const HPy *kwvalues, HPy *out);

/* TypeError("function takes exactly N argument(s) (M given)") unless nargs == n, as
 * ujson's dump and load check their positional arguments. */
int ujson_check_exact_args(HPyContext *ctx, size_t nargs, size_t n);

#endif
