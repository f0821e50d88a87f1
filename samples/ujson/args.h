/* Vectorcall argument parsing by parameter name, for functions whose parameters are
 * all plain objects. */
#ifndef UJSON_HPY_ARGS_H
#define UJSON_HPY_ARGS_H

#include "hpy.h"

typedef struct {
    const char *fname;          /* for messages: "dumps" gives "dumps() ..." */
    const char *const *names;   /* every parameter, positional ones first */
    size_t count;
    size_t max_positional;
    size_t required;            /* the first `required` parameters must be given */
} ujson_signature;

/* Puts the argument given for parameter i into out[i] (a handle borrowed from args)
 * or HPy_NULL when absent. 0, or -1 with TypeError as CPython words it. */
int ujson_parse_args(HPyContext *ctx, const ujson_signature *sig, const HPy *args,
                     size_t nargs, HPy kwnames, HPy *out);

#endif
