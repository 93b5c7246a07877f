/* The generator's PRNG and the deterministic log/exp; see gen_random.h. */
#include "gen_random.h"

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void gen_rng_seed(struct gen_rng *r, uint64_t seed)
{
    /* splitmix64 never yields four zero words, the one state xoshiro cannot leave. */
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

uint64_t gen_rng_next(struct gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double gen_rng_unit(struct gen_rng *r)
{
    return (double)(gen_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t gen_rng_below(struct gen_rng *r, uint64_t n)
{
    /* Draws under the smallest all-ones mask covering n - 1 and rejects the overshoot: fewer
     * than two draws on average, and no 128-bit arithmetic. */
    uint64_t mask = n - 1;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    uint64_t v;
    do
        v = gen_rng_next(r) & mask;
    while (v >= n);
    return v;
}

double gen_rng_normal(struct gen_rng *r)
{
    double u, v, s;
    do {
        u = 2.0 * gen_rng_unit(r) - 1.0;
        v = 2.0 * gen_rng_unit(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    /* sqrt is correctly rounded by IEEE 754, so the one libm-free routine we need is log. */
    double f = -2.0 * gen_log(s) / s;
    return u * __builtin_sqrt(f);
}

double gen_rng_exponential(struct gen_rng *r, double mean)
{
    double u = 1.0 - gen_rng_unit(r); /* (0, 1] */
    return -mean * gen_log(u);
}

static const double LN2_HI = 6.93147180369123816490e-01; /* ln 2 with 32 trailing zero bits */
static const double LN2_LO = 1.90821492927058770002e-10; /* ln 2 - LN2_HI */

/* x = m * 2^e with m in [sqrt(1/2), sqrt(2)), then ln m = 2 atanh(t), t = (m-1)/(m+1),
 * |t| < 0.172: the odd series to t^23 is below 1e-17 relative. */
double gen_log(double x)
{
    if (!(x > 0.0))
        return -__builtin_inf();
    int e = 0;
    /* Exact scaling by powers of two (no frexp: keep the file free of libm). */
    while (x >= 1.4142135623730951) {
        x *= 0.5;
        e++;
    }
    while (x < 0.7071067811865476) {
        x *= 2.0;
        e--;
    }
    double t = (x - 1.0) / (x + 1.0), t2 = t * t, sum = 0.0;
    for (int k = 23; k >= 3; k -= 2)
        sum = (sum + 1.0 / k) * t2;
    double lnm = 2.0 * t * (1.0 + sum);
    return (double)e * LN2_HI + ((double)e * LN2_LO + lnm);
}

/* x = k ln 2 + r, |r| <= ln2/2; e^r by its Taylor series to r^18 (error < 1e-17), then the
 * exact scaling by 2^k. Over/underflow saturate. */
double gen_exp(double x)
{
    if (x > 709.0)
        return __builtin_inf();
    if (x < -745.0)
        return 0.0;
    double kd = x / (LN2_HI + LN2_LO);
    int k = (int)(kd < 0 ? kd - 0.5 : kd + 0.5);
    double r = (x - (double)k * LN2_HI) - (double)k * LN2_LO;
    double term = 1.0, sum = 1.0;
    for (int i = 1; i <= 18; i++) {
        term = term * r / i;
        sum += term;
    }
    while (k > 0) {
        sum *= 2.0;
        k--;
    }
    while (k < 0) {
        sum *= 0.5;
        k++;
    }
    return sum;
}
