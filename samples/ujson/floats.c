/* Output: the shortest decimal that reads back as the same double, the nearest to it
 * when several have that length, which is what repr() prints; computed exactly with
 * 64x128-bit products against a table of powers of ten (see shortest_decimal).
 *
 * Parsing: when the significand fits in 53 bits and the power of ten is exact in a
 * double (at most 10**22), one IEEE multiply or divide is exactly rounded; up to 19
 * digits and 10**27, x86's long double does the same with a check (long_double_path);
 * everything else goes to the C library's correctly rounded strtod, given text with no
 * decimal point, so the locale's decimal separator never matters. */
#include "floats.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pow10_table.h"

static const double exact_powers_of_ten[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* strtod of  digits * 10**exp10, written with no decimal point; -1 when out of memory. */
static int digits_strtod(const char *digits, size_t n, int64_t exp10, double *value)
{
    char small[80];
    if (n > SIZE_MAX - 24)
        return -1;
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

__extension__ typedef unsigned __int128 u128;

/* floor(q * log10(2)), floor(log10(3/4 * 2**q)) and floor(e * log2(10)) in fixed point;
 * gen_pow10_table.py's range is well inside where these are exact (|q| < 1200,
 * |e| < 400). The shifts of negative values are arithmetic, as on every target GCC
 * and Clang support. */
static int floor_log10_pow2(int q)
{
    return (q * 315653) >> 20;
}

static int floor_log10_three_quarters_pow2(int q)
{
    return (q * 315653 - 131237) >> 20;
}

static int floor_log2_pow10(int e)
{
    return (e * 1741647) >> 19;
}

/* (g * cp) >> 128, with the bits shifted out folded into the lowest bit ("round to
 * odd"): enough to compare exactly against even numbers. */
static uint64_t scale_round_odd(const uint64_t g[2], uint64_t cp)
{
    u128 low = (u128)cp * g[1];
    u128 mid = (u128)cp * g[0] + (low >> 64);
    return (uint64_t)(mid >> 64) | ((uint64_t)mid != 0);
}

/* The shortest decimal d * 10**exp10 that rounds to x > 0, the nearest to x when several
 * have that length (Giulietti's Schubfach method). With c * 2**q = x and
 * k = floor(log10(2**q)), the interval of reals that round to x is less than 10 units of
 * 10**k wide, so it holds at most one multiple of ten there: that one, when present,
 * is the shortest; otherwise the nearest of the two integers around x * 10**-k is.
 * Everything is computed in quarter units (the << 2) so the boundaries, which lie
 * half a unit of x's last place away, are integers. */
static uint64_t shortest_decimal(double x, int *exp10)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    uint64_t fraction = bits & ((UINT64_C(1) << 52) - 1);
    int biased_exponent = (int)(bits >> 52) & 0x7FF;
    uint64_t c = biased_exponent == 0 ? fraction : fraction | (UINT64_C(1) << 52);
    int q = (biased_exponent == 0 ? 1 : biased_exponent) - 1075;

    uint64_t cb = c << 2, cbr = cb + 2, cbl;
    int k;
    if (fraction != 0 || biased_exponent <= 1) {
        cbl = cb - 2;
        k = floor_log10_pow2(q);
    } else {
        /* A power of two: the next double down is half as far away as the next up. */
        cbl = cb - 1;
        k = floor_log10_three_quarters_pow2(q);
    }
    int h = q + floor_log2_pow10(-k) + 3;
    const uint64_t *g = ujson_pow10_table[-k - UJSON_POW10_E_MIN];
    uint64_t vb = scale_round_odd(g, cb << h);
    uint64_t vbl = scale_round_odd(g, cbl << h);
    uint64_t vbr = scale_round_odd(g, cbr << h);
    /* Round-half-even reading: the boundaries belong to x when c is even. */
    uint64_t out = c & 1;
    *exp10 = k;

    uint64_t s = vb >> 2;
    if (s >= 10) {
        uint64_t sp10 = s / 10 * 10, tp10 = sp10 + 10;
        int sp10_in = vbl + out <= sp10 << 2;
        int tp10_in = (tp10 << 2) + out <= vbr;
        if (sp10_in != tp10_in)
            return sp10_in ? sp10 : tp10;
    }
    uint64_t t = s + 1;
    int s_in = vbl + out <= s << 2;
    int t_in = (t << 2) + out <= vbr;
    if (s_in != t_in)
        return s_in ? s : t;
    int64_t cmp = (int64_t)(vb - ((s + t) << 1));
    return cmp < 0 || (cmp == 0 && (s & 1) == 0) ? s : t;
}

/* The digits of x > 0 without trailing zeros, and decpt with x ~ 0.DIGITS * 10**decpt. */
static size_t shortest_digits(double x, char *digits, int *decpt)
{
    int exp10;
    uint64_t d = shortest_decimal(x, &exp10);
    char reversed[20];
    size_t n = 0;
    do {
        reversed[n++] = (char)('0' + d % 10);
        d /= 10;
    } while (d != 0);
    *decpt = (int)n + exp10;
    size_t first = 0;
    while (first < n - 1 && reversed[first] == '0')
        first++;
    size_t count = n - first;
    for (size_t i = 0; i < count; i++)
        digits[i] = reversed[n - 1 - i];
    return count;
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
    char digits[20] = {0};
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
    /* ujson's exponent has no leading zero: 1e-5 where repr() writes 1e-05. */
    if (exponent >= 100)
        *p++ = (char)('0' + exponent / 100);
    if (exponent >= 10)
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

#if LDBL_MANT_DIG >= 64
static const long double exact_long_powers_of_ten[] = {
    1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L, 1e10L, 1e11L, 1e12L, 1e13L,
    1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L,
    1e26L, 1e27L,
};

/* With a 64-bit long double significand, any 19-digit significand and 10**27 are exact,
 * so one long double multiply or divide rounds once; rounding that to double is then
 * correct unless the long double sits exactly halfway between two doubles, where the
 * first rounding may have hidden which side the true value is on. -1 for that case. */
static int long_double_path(uint64_t significand, int64_t scale, double *value)
{
    long double exact = (long double)significand;
    long double r = scale >= 0 ? exact * exact_long_powers_of_ten[scale]
                               : exact / exact_long_powers_of_ten[-scale];
    double d = (double)r;
    if ((long double)d != r) {
        double neighbour = nextafter(d, r > d ? INFINITY : -INFINITY);
        if (((long double)d + (long double)neighbour) / 2 == r)
            return -1;
    }
    *value = d;
    return 0;
}
#endif

/* The cases that need no strtod; -1 for the others. */
static int fast_path(const char *int_digits, size_t nint, const char *frac_digits, size_t nfrac,
                     int64_t scale, double *value)
{
    uint64_t significand;
    if (small_significand(int_digits, nint, frac_digits, nfrac, &significand) < 0)
        return -1;
    if (significand <= (UINT64_C(1) << 53) && scale >= -22 && scale <= 22) {
        double exact = (double)significand;
        *value = scale >= 0 ? exact * exact_powers_of_ten[scale]
                            : exact / exact_powers_of_ten[-scale];
        return 0;
    }
#if LDBL_MANT_DIG >= 64
    if (scale >= -27 && scale <= 27)
        return long_double_path(significand, scale, value);
#endif
    return -1;
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
    double value;
    if (fast_path(int_digits, nint, frac_digits, nfrac, scale, &value) < 0) {
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
