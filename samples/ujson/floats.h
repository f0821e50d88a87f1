/* Conversions between doubles and decimal text: repr's shortest round-tripping digits
 * on the way out (laid out as ujson lays them out), correctly rounded parsing on the
 * way in. */
#ifndef UJSON_HPY_FLOATS_H
#define UJSON_HPY_FLOATS_H

#include <stddef.h>
#include <stdint.h>

/* Longest output of ujson_format_double, without a terminator. */
#define UJSON_DOUBLE_MAX 32

/* Writes the shortest round-tripping text of a finite x into out, as ujson writes it
 * (repr's layout, but an exponent without a leading zero); returns its length. */
size_t ujson_format_double(double x, char *out);

/* Stores in *out the double nearest to the JSON number  I.F * 10**exp10  (negated if
 * `negative`), where I and F are the nint and nfrac ASCII digits at int_digits and
 * frac_digits. Exponents too large for a double give inf or 0, as float() does.
 * 0, or -1 when out of memory (no exception is set). */
int ujson_parse_double(const char *int_digits, size_t nint, const char *frac_digits,
                       size_t nfrac, int64_t exp10, int negative, double *out);

#endif
