#ifndef UJSON_HPY_LIMITS_H
#define UJSON_HPY_LIMITS_H

/* The nesting limit of arrays and objects, as in ujson: dumps counts the outermost
 * value as depth 0 and loads counts it as 1, so dumps accepts one level more. The
 * recursion it bounds uses a few hundred bytes of C stack per level. */
#define UJSON_MAX_DEPTH 1024

#endif
