/* JSON text to Python objects. */
#ifndef UJSON_HPY_DECODER_H
#define UJSON_HPY_DECODER_H

#include "hpy.h"

/* The key cache: 2**BITS slots, and the longest key (in UTF-8 bytes) it holds. */
#define UJSON_KEY_CACHE_BITS 8
#define UJSON_KEY_CACHE_SIZE (1 << UJSON_KEY_CACHE_BITS)
#define UJSON_KEY_CACHE_MAX_LEN 32

/* The value of the JSON document obj (str, bytes or bytearray), read as ujson 6.1 reads
 * it. Invalid JSON raises the JSONDecodeError found on module, with ujson's message. */
HPy ujson_decode(HPyContext *ctx, HPy module, HPy obj);

#endif
