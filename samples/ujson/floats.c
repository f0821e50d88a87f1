/* Shortest round-trip output: for the normal doubles, DBL_DIG (15) digits always read
 * back exactly when fewer would, so the candidates are the correctly rounded 15-, 16-
 * and 17-digit forms, tried in that order with a read-back check; 17 always works.
 * Subnormals carry fewer digits, so they try every length from 1. The C library's
 * correctly rounded printf and strtod do the arithmetic.
 *
 * Parsing: when the significand fits in 53 bits and the power of ten is exact in a
 * double (at most 10**22), one IEEE multiply or divide is exactly rounded; everything
 * else goes to strtod. Neither direction writes or reads a decimal point, so the C
 * locale's decimal separator never matters. */
#include "floats.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double exact_powers_of_ten[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* strtod of  digits * 10**exp10, written with no decimal point; -1 when out of memory. */
static int digits_strtod(const char *digits, size_t n, int64_t exp10, double *value)
{
    char small[80];
    size_t need = n + 24;
    char *text = need <= sizeof small ? small : malloc(need);
    if (text == NULL)
        return -1;
    memcpy(text, digits, n);
    snprintf(text + n, 24, "e%lld", (long long)exp10);
    *value = strtod(text, NULL);
    if (text != small)
        free(text);
    return 0;
}

/* The correctly rounded `precision`-digit decimal form of x > 0: its digits (trailing
 * zeros stripped) and the exponent e with x ~ 0.DIGITS * 10**e. */
static size_t rounded_digits(double x, int precision, char *digits, int *decpt)
{
    char text[48];
    snprintf(text, sizeof text, "%.*e", precision - 1, x);
    size_t n = 0;
    const char *p = text;
    for (; *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    *decpt = atoi(p + 1) + 1;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    return n;
}

static int reads_back(double x, const char *digits, size_t n, int decpt)
{
    double back;
    return digits_strtod(digits, n, (int64_t)decpt - (int64_t)n, &back) == 0 && back == x;
}

static size_t shortest_digits(double x, char *digits, int *decpt)
{
    int first = x < DBL_MIN ? 1 : DBL_DIG;
    for (int precision = first; precision < 17; precision++) {
        size_t n = rounded_digits(x, precision, digits, decpt);
        if (reads_back(x, digits, n, *decpt))
            return n;
    }
    return rounded_digits(x, 17, digits, decpt);
}

size_t ujson_format_double(double x, char *out)
{
    char *p = out;
    if (signbit(x)) {
        *p++ = '-';
        x = -x;
    }
    if (x == 0) {
        memcpy(p, "0.0", 3);
        return (size_t)(p + 3 - out);
    }
    char digits[20];
    int decpt;
    size_t n = shortest_digits(x, digits, &decpt);

    /* repr's layout: positional for 1e-4 <= x < 1e16, else scientific. */
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            memcpy(p, "0.", 2);
            p += 2;
            memset(p, '0', (size_t)-decpt);
            p += -decpt;
            memcpy(p, digits, n);
            p += n;
        } else if ((size_t)decpt >= n) {
            memcpy(p, digits, n);
            p += n;
            memset(p, '0', (size_t)decpt - n);
            p += (size_t)decpt - n;
            memcpy(p, ".0", 2);
            p += 2;
        } else {
            memcpy(p, digits, (size_t)decpt);
            p += decpt;
            *p++ = '.';
            memcpy(p, digits + decpt, n - (size_t)decpt);
            p += n - (size_t)decpt;
        }
        return (size_t)(p - out);
    }
    *p++ = digits[0];
    if (n > 1) {
        *p++ = '.';
        memcpy(p, digits + 1, n - 1);
        p += n - 1;
    }
    int exponent = decpt - 1;
    *p++ = 'e';
    *p++ = exponent < 0 ? '-' : '+';
    if (exponent < 0)
        exponent = -exponent;
    if (exponent >= 100)
        *p++ = (char)('0' + exponent / 100);
    *p++ = (char)('0' + exponent / 10 % 10);
    *p++ = (char)('0' + exponent % 10);
    return (size_t)(p - out);
}

/* The significand of the digits when it has at most 19 significant digits, else -1. */
static int small_significand(const char *int_digits, size_t nint, const char *frac_digits,
                             size_t nfrac, uint64_t *significand)
{
    uint64_t s = 0;
    int significant = 0;
    for (size_t i = 0; i < nint + nfrac; i++) {
        char c = i < nint ? int_digits[i] : frac_digits[i - nint];
        if (s == 0 && c == '0')
            continue;
        if (++significant > 19)
            return -1;
        s = s * 10 + (uint64_t)(c - '0');
    }
    *significand = s;
    return 0;
}

int ujson_parse_double(const char *int_digits, size_t nint, const char *frac_digits,
                       size_t nfrac, int64_t exp10, int negative, double *out)
{
    /* exp10 comes from the text: keep it far from int64 overflow. Past +-1e9 the result
     * is inf or 0 whatever the digits (they would need a billion bytes to compensate). */
    if (exp10 > 1000000000)
        exp10 = 1000000000;
    if (exp10 < -1000000000)
        exp10 = -1000000000;
    int64_t scale = exp10 - (int64_t)nfrac;
    uint64_t significand;
    double value;
    if (small_significand(int_digits, nint, frac_digits, nfrac, &significand) == 0 &&
        significand <= (UINT64_C(1) << 53) && scale >= -22 && scale <= 22) {
        value = (double)significand;
        value = scale >= 0 ? value * exact_powers_of_ten[scale]
                           : value / exact_powers_of_ten[-scale];
    } else {
        size_t total = nint + nfrac;
        char small[64];
        char *joined = total <= sizeof small ? small : malloc(total);
        if (joined == NULL)
            return -1;
        memcpy(joined, int_digits, nint);
        memcpy(joined + nint, frac_digits, nfrac);
        int failed = digits_strtod(joined, total, scale, &value);
        if (joined != small)
            free(joined);
        if (failed)
            return -1;
    }
    *out = negative ? -value : value;
    return 0;
}
