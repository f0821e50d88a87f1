#ifndef UJSON_HPY_LIMITS_H
#define UJSON_HPY_LIMITS_H

/* The nesting limit of arrays and objects, as in ujson: dumps counts the outermost
 * value as depth 0 and loads counts it as 1, so dumps accepts one level more. Neither
 * recurses on the C stack per level: both keep their open containers on a heap stack,
 * so the limit holds on a thread with a small stack too. */
#define UJSON_MAX_DEPTH 1024

/* ujson 6.1 refuses a larger indent with ValueError. */
#define UJSON_MAX_INDENT 1000

/* How many times in a row default() may replace one object, as in ujson: the next
 * call raises TypeError("maximum recursion depth exceeded"). */
#define UJSON_MAX_DEFAULT_CALLS 3

#endif
