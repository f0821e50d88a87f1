#ifndef UJSON_HPY_LIMITS_H
#define UJSON_HPY_LIMITS_H

/* Deepest nesting of arrays and objects that dumps and loads accept, as in ujson. The
 * recursion it bounds uses a few hundred bytes of C stack per level. */
#define UJSON_MAX_DEPTH 1024

#endif
