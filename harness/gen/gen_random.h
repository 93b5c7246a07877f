/* Reproducible randomness for the generator: the same seed gives the same numbers on every
 * machine and C library. xoshiro256** seeded through splitmix64 (Vigna), and log/exp written
 * here with +, -, *, / only (IEEE 754 makes those exact-rounded everywhere; the file is built
 * with -ffp-contract=off so no compiler fuses them into FMAs), instead of libm, whose last
 * bits may differ between versions. */
#ifndef ALLOCREPLAY_GEN_RANDOM_H
#define ALLOCREPLAY_GEN_RANDOM_H

#include <stdint.h>

struct gen_rng {
    uint64_t s[4];
};

void gen_rng_seed(struct gen_rng *r, uint64_t seed);
uint64_t gen_rng_next(struct gen_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double gen_rng_unit(struct gen_rng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias (masked rejection). */
uint64_t gen_rng_below(struct gen_rng *r, uint64_t n);
/* Standard normal deviate (Marsaglia's polar method). */
double gen_rng_normal(struct gen_rng *r);
/* Exponential deviate with the given mean: -mean * ln(U), U in (0, 1]. */
double gen_rng_exponential(struct gen_rng *r, double mean);

/* Natural logarithm (x > 0) and exponential, to about 1 ulp on the ranges the generator uses,
 * identical on every IEEE 754 machine. */
double gen_log(double x);
double gen_exp(double x);

#endif
