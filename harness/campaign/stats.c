#include "campaign/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

double stats_median(double *x, size_t n)
{
    qsort(x, n, sizeof *x, cmp_double);
    return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

double stats_mad(double *x, size_t n)
{
    double m = stats_median(x, n);
    for (size_t i = 0; i < n; i++)
        x[i] = fabs(x[i] - m);
    return stats_median(x, n);
}

struct ranked {
    double v;
    int from_a;
};

static int cmp_ranked(const void *pa, const void *pb)
{
    return cmp_double(&((const struct ranked *)pa)->v, &((const struct ranked *)pb)->v);
}

/* Exact two-sided p: the distribution of the sum of A's doubled midranks (integers, so ties
 * stay exact) over all C(n, n_a) ways to pick A's positions, by dynamic programming:
 * ways[k][s] = number of k-subsets of the first i items with doubled rank sum s. */
static int exact_p(const unsigned *rank2, size_t n, size_t n_a, unsigned obs2,
                   struct mann_whitney *out)
{
    size_t max_sum = 0;
    for (size_t i = 0; i < n; i++)
        max_sum += rank2[i];
    size_t width = max_sum + 1;
    double *ways = calloc((n_a + 1) * width, sizeof *ways);
    if (!ways)
        return -1;
    ways[0] = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = (i + 1 < n_a ? i + 1 : n_a); k >= 1; k--)
            for (size_t s = rank2[i]; s <= max_sum; s++)
                ways[k * width + s] += ways[(k - 1) * width + s - rank2[i]];

    /* The mean doubled rank sum is n_a * (n + 1), an integer like every doubled sum. */
    long mean2 = (long)(n_a * (n + 1));
    long d_obs = labs((long)obs2 - mean2);
    double total = 0, tail = 0;
    for (size_t s = 0; s <= max_sum; s++) {
        double w = ways[n_a * width + s];
        if (w == 0)
            continue;
        long d = labs((long)s - mean2);
        total += w;
        if (d >= d_obs)
            tail += w;
    }
    free(ways);
    out->p = tail / total;
    /* Without ties, only the two complete separations (U = 0 and U = n_a n_b) are that far. */
    out->p_min = 2 / total;
    out->exact = 1;
    return 0;
}

int stats_mann_whitney(const double *a, size_t n_a, const double *b, size_t n_b,
                       struct mann_whitney *out)
{
    size_t n = n_a + n_b;
    if (n_a == 0 || n_b == 0)
        return -1;
    struct ranked *r = malloc(n * sizeof *r);
    unsigned *rank2 = malloc(n * sizeof *rank2);
    if (!r || !rank2) {
        free(r);
        free(rank2);
        return -1;
    }
    for (size_t i = 0; i < n_a; i++)
        r[i] = (struct ranked){a[i], 1};
    for (size_t i = 0; i < n_b; i++)
        r[n_a + i] = (struct ranked){b[i], 0};
    qsort(r, n, sizeof *r, cmp_ranked);

    /* Midranks, doubled: a run of ties at 1-based ranks i+1..j gets (i+1+j)/2 each. */
    unsigned sum2_a = 0;
    double tie_term = 0; /* sum of t^3 - t over tie groups */
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && r[j].v == r[i].v; j++)
            ;
        double t = (double)(j - i);
        tie_term += t * t * t - t;
        for (size_t k = i; k < j; k++) {
            rank2[k] = (unsigned)(i + 1 + j);
            if (r[k].from_a)
                sum2_a += rank2[k];
        }
    }
    out->u_a = sum2_a / 2.0 - (double)n_a * (double)(n_a + 1) / 2;
    out->u_b = (double)n_a * (double)n_b - out->u_a;

    int rc = 0;
    if (n_a <= STATS_MW_EXACT_MAX && n_b <= STATS_MW_EXACT_MAX) {
        rc = exact_p(rank2, n, n_a, sum2_a, out);
    } else {
        double na = (double)n_a, nb = (double)n_b, nn = (double)n;
        double mu = na * nb / 2;
        double var = na * nb / 12 * ((nn + 1) - tie_term / (nn * (nn - 1)));
        double sd = sqrt(var);
        double dist = fabs(out->u_a - mu);
        out->exact = 0;
        double sd_no_ties = sqrt(na * nb * (nn + 1) / 12);
        out->p_min = erfc((mu - 0.5) / sd_no_ties / sqrt(2.0));
        if (sd == 0) {
            out->p = 1; /* every value tied: no evidence either way */
        } else {
            double z = (dist - 0.5 > 0 ? dist - 0.5 : 0) / sd;
            out->p = erfc(z / sqrt(2.0));
        }
    }
    if (out->p > 1)
        out->p = 1;
    free(r);
    free(rank2);
    return rc;
}

/* The largest c with P(U <= c) <= STATS_ALPHA / 2 under the null hypothesis (no ties), or -1
 * when even P(U = 0) is larger (-2: out of memory). Exact while both samples are small, by the
 * recurrence on the largest value: it is an A (beating all n B's) or a B,
 *   ways(m, n, u) = ways(m - 1, n, u - n) + ways(m, n - 1, u),
 * kept as one table t[m][u] updated in place for n = 1, 2, ...; above, the normal
 * approximation with continuity correction. */
static long u_critical(size_t n_a, size_t n_b)
{
    size_t mn = n_a * n_b, w = mn + 1;
    if (n_a > STATS_MW_EXACT_MAX || n_b > STATS_MW_EXACT_MAX) {
        double sd = sqrt((double)mn * (double)(n_a + n_b + 1) / 12);
        return (long)floor((double)mn / 2 - 1.959963984540054 * sd - 0.5);
    }
    double *t = calloc((n_a + 1) * w, sizeof *t);
    if (!t)
        return -2;
    for (size_t m = 0; m <= n_a; m++)
        t[m * w] = 1; /* no B yet: U = 0 */
    for (size_t n = 1; n <= n_b; n++)
        for (size_t m = 1; m <= n_a; m++)
            for (size_t u = n; u <= mn; u++)
                t[m * w + u] += t[(m - 1) * w + u - n];
    double total = 0, cum = 0;
    for (size_t u = 0; u <= mn; u++)
        total += t[n_a * w + u];
    long c = -1;
    for (size_t u = 0; u <= mn; u++) {
        cum += t[n_a * w + u];
        if (cum / total > STATS_ALPHA / 2)
            break;
        c = (long)u;
    }
    free(t);
    return c;
}

/* The Hodges-Lehmann shift and its interval from the sorted differences b_j - a_i. */
static int hodges_lehmann(const double *a, size_t n_a, const double *b, size_t n_b,
                          struct stats_effect *out)
{
    size_t mn = n_a * n_b;
    double *d = malloc(mn * sizeof *d);
    if (!d)
        return -1;
    for (size_t i = 0; i < n_a; i++)
        for (size_t j = 0; j < n_b; j++)
            d[i * n_b + j] = b[j] - a[i];
    out->shift = stats_median(d, mn); /* sorts d */
    long c = u_critical(n_a, n_b);
    out->lo = out->hi = NAN;
    if (c >= 0) { /* the (c+1)-th smallest and (c+1)-th largest, 0-based c and mn-1-c */
        out->lo = d[c];
        out->hi = d[mn - 1 - (size_t)c];
    }
    free(d);
    return c == -2 ? -1 : 0;
}

static double median_of(const double *x, size_t n)
{
    double *tmp = malloc(n * sizeof *tmp);
    if (!tmp)
        return NAN;
    memcpy(tmp, x, n * sizeof *tmp);
    double m = stats_median(tmp, n);
    free(tmp);
    return m;
}

int stats_effect(const double *a, size_t n_a, const double *b, size_t n_b, double threshold,
                 struct stats_effect *out)
{
    memset(out, 0, sizeof *out);
    if (!n_a || !n_b || n_a > STATS_HL_MAX_PAIRS / n_b)
        return -1;
    out->median_a = median_of(a, n_a);
    out->median_b = median_of(b, n_b);
    if (isnan(out->median_a) || isnan(out->median_b) || hodges_lehmann(a, n_a, b, n_b, out) ||
        stats_mann_whitney(a, n_a, b, n_b, &out->mw))
        return -1;
    double base = fabs(out->median_a);
    out->rel = base > 0 ? out->shift / base : NAN;
    out->rel_lo = base > 0 ? out->lo / base : NAN;
    out->rel_hi = base > 0 ? out->hi / base : NAN;
    if (out->mw.p_min > STATS_ALPHA)
        out->call = STATS_TOO_FEW;
    else if (out->mw.p >= STATS_ALPHA)
        out->call = STATS_NOT_SIGNIFICANT;
    else if (out->shift == 0 || fabs(out->shift) < threshold * base)
        out->call = STATS_BELOW_THRESHOLD;
    else
        out->call = out->shift < 0 ? STATS_B_LOWER : STATS_B_HIGHER;
    return 0;
}

const char *stats_call_name(enum stats_call c)
{
    static const char *const names[] = {"too-few-repetitions", "not-significant",
                                        "below-threshold", "lower", "higher"};
    return names[c];
}
