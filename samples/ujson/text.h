/* UTF-8 views of Python strings. */
#ifndef UJSON_HPY_TEXT_H
#define UJSON_HPY_TEXT_H

#include "hpy.h"

/* The UTF-8 of a str, valid while str (and *owner) are open. A str holding lone
 * surrogates has no UTF-8, so for one of those the bytes come in the surrogatepass
 * form, from a bytes object left in *owner (else *owner is HPy_NULL). NULL with an
 * exception on failure. */
const char *ujson_str_utf8(HPyContext *ctx, HPy str, HPy_ssize_t *size, HPy *owner);

/* The name of obj's type, copied into buf (at most size bytes, terminated). */
void ujson_type_name(HPyContext *ctx, HPy obj, char *buf, size_t size);

#endif
