/* Small statistics over repetitions: order statistics for aggregate.csv, the Mann-Whitney
 * U test, and the effect of B against A (Hodges-Lehmann shift with its confidence interval)
 * with the call that `allocreplay compare` and the verdicts make from it. */
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

/* The significance level of every test, and the default smallest difference worth a call. */
#define STATS_ALPHA 0.05
#define STATS_DEFAULT_THRESHOLD 0.03

/* Above this many pairs (n_a * n_b), stats_effect() refuses: the shift needs every pair. */
#define STATS_HL_MAX_PAIRS (1u << 22)

enum stats_call {
    STATS_TOO_FEW,          /* even a complete separation could not reach STATS_ALPHA */
    STATS_NOT_SIGNIFICANT,  /* Mann-Whitney p >= STATS_ALPHA */
    STATS_BELOW_THRESHOLD,  /* significant, but |shift| < threshold x |median of A| */
    STATS_B_LOWER,          /* significant and at least the threshold: B below A */
    STATS_B_HIGHER,         /* significant and at least the threshold: B above A */
};

struct stats_effect {
    double median_a, median_b;
    /* Hodges-Lehmann estimate of the shift B - A: the median of the n_a * n_b differences
     * b_j - a_i; and its distribution-free confidence interval of level >= 1 - STATS_ALPHA,
     * the k-th smallest and k-th largest difference, k from the exact null distribution of U
     * (normal approximation above STATS_MW_EXACT_MAX). lo and hi are NAN when the samples are
     * too small for any k. */
    double shift, lo, hi;
    /* The same three as fractions of |median_a| (NAN when median_a is 0). */
    double rel, rel_lo, rel_hi;
    struct mann_whitney mw;
    enum stats_call call;
};

/* The effect of B against A (both non-empty) and its call at THRESHOLD (a fraction, 0.03 =
 * 3%): a difference is called only when Mann-Whitney says it is significant at STATS_ALPHA
 * AND the shift is at least THRESHOLD x |median of A| (any non-zero shift when that median
 * is 0). Deterministic: no resampling, no seed. Returns 0, or -1 when a sample is empty, has
 * too many pairs or memory runs out. */
int stats_effect(const double *a, size_t n_a, const double *b, size_t n_b, double threshold,
                 struct stats_effect *out);

/* "too-few-repetitions", "not-significant", "below-threshold", "lower", "higher". */
const char *stats_call_name(enum stats_call c);

#endif
