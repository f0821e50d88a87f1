/* Python objects to JSON text. */
#ifndef UJSON_HPY_ENCODER_H
#define UJSON_HPY_ENCODER_H

#include "hpy.h"

/* The options of dumps, after obj and in its parameter order; each a handle borrowed
 * from the call, or HPy_NULL when not given. */
enum {
    UJSON_OPT_ENSURE_ASCII,
    UJSON_OPT_ENCODE_HTML_CHARS,
    UJSON_OPT_ESCAPE_FORWARD_SLASHES,
    UJSON_OPT_SORT_KEYS,
    UJSON_OPT_INDENT,
    UJSON_OPT_ALLOW_NAN,
    UJSON_OPT_REJECT_BYTES,
    UJSON_OPT_DEFAULT,
    UJSON_OPT_SEPARATORS,
    UJSON_OPT_COUNT
};

/* The name "sort", made once by the module's exec slot: a name made afresh for every
 * sorted dict would miss CPython's method cache, which knows names by identity. */
extern HPyGlobal ujson_sort_name;

/* decimal.Decimal, or None where it cannot be imported: ujson writes a Decimal as the
 * float it converts to. Stored by the exec slot. */
extern HPyGlobal ujson_decimal_type;

/* The JSON text of obj as a str. */
HPy ujson_encode(HPyContext *ctx, HPy obj, const HPy options[UJSON_OPT_COUNT]);

#endif
