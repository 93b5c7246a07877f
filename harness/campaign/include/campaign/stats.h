/* Small statistics over repetitions: order statistics for aggregate.csv and the Mann-Whitney
 * U test for `allocreplay compare`. */
#ifndef ALLOCREPLAY_STATS_H
#define ALLOCREPLAY_STATS_H

#include <stddef.h>

/* Median of x[0..n-1] (the mean of the two middle values when n is even). Sorts x in place.
 * n must be >= 1. */
double stats_median(double *x, size_t n);

/* Median absolute deviation from the median, unscaled. Sorts x in place; n >= 1. */
double stats_mad(double *x, size_t n);

struct mann_whitney {
    double u_a;   /* pairs (a, b) with a > b, ties counting 1/2 */
    double u_b;   /* n_a * n_b - u_a */
    double p;     /* two-sided p-value */
    double p_min; /* the smallest two-sided p these sample sizes can give (without ties):
                   * above the significance level, the test cannot answer */
    int exact;    /* 1: exact permutation distribution; 0: normal approximation */
};

/* Limits of the exact test: both samples at most this large. Counts of rank arrangements stay
 * below C(40, 20) < 2^53, so they are exact in a double. */
#define STATS_MW_EXACT_MAX 20

/* Two-sided Mann-Whitney U test of A against B. Exact (the permutation distribution of the
 * rank sum, midranks for ties) when both samples have at most STATS_MW_EXACT_MAX values; above,
 * the normal approximation with tie correction and continuity correction. Returns 0, or -1
 * when a sample is empty or memory runs out. */
int stats_mann_whitney(const double *a, size_t n_a, const double *b, size_t n_b,
                       struct mann_whitney *out);

#endif
