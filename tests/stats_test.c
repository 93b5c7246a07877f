/* Order statistics and the Mann-Whitney U test against hand-computed answers. */
#include "campaign/stats.h"
#include "tap.h"

#include <math.h>

static int near(double got, double want, double tol)
{
    return fabs(got - want) <= tol;
}

/* Hodges-Lehmann shifts and their intervals, and the calls made from them. */
static void check_effects(const double *a1, const double *b1)
{
    struct stats_effect e;
    int rc;
    /* a1 = 10..14, b1 = 15..19: the 25 differences are 1..9 (counts 1 2 3 4 5 4 3 2 1), median
     * 5; for 5 vs 5, P(U <= 2) = 4/252 <= 0.025 < P(U <= 3) = 7/252, so the interval is the
     * 3rd smallest and 3rd largest difference: [2, 8]. Relative to A's median 12. */
    rc = stats_effect(a1, 5, b1, 5, 0.03, &e);
    TAP_OK(rc == 0 && e.shift == 5 && e.lo == 2 && e.hi == 8,
           "5 vs 5: shift 5 in [2, 8] (got %g in [%g, %g])", e.shift, e.lo, e.hi);
    TAP_OK(near(e.rel, 5.0 / 12, 1e-12) && near(e.rel_lo, 2.0 / 12, 1e-12) &&
               e.call == STATS_B_HIGHER && e.median_a == 12 && e.median_b == 17,
           "5 vs 5: +41.7%% of A's median, called higher");
    rc = stats_effect(b1, 5, a1, 5, 0.03, &e);
    TAP_OK(rc == 0 && e.shift == -5 && e.call == STATS_B_LOWER,
           "swapped: shift -5, called lower");

    /* A significant but tiny difference (0.5%, p = 2/252) is no difference at 3%; at 0.1% it is. */
    double a[] = {1000, 1001, 1002, 1003, 1004}, b[] = {1005, 1006, 1007, 1008, 1009};
    rc = stats_effect(a, 5, b, 5, 0.03, &e);
    TAP_OK(rc == 0 && e.mw.p < 0.05 &&
               e.call == STATS_BELOW_THRESHOLD,
           "0.5%% at p = 0.0079 is below a 3%% threshold (call %s)", stats_call_name(e.call));
    rc = stats_effect(a, 5, b, 5, 0.001, &e);
    TAP_OK(rc == 0 && e.call == STATS_B_HIGHER,
           "and above a 0.1%% threshold");

    /* 10 vs 10: the two-sided 0.05 critical value of U is 23, so the interval is the 24th
     * smallest and 24th largest difference. With a_i = 100 i and b_j = 10000 + j every
     * difference is distinct: 0-based 23 is i = 7, j = 3; 0-based 76 is i = 2, j = 6. */
    double a10[10], b10[10];
    for (int i = 0; i < 10; i++) {
        a10[i] = 100 * i;
        b10[i] = 10000 + i;
    }
    rc = stats_effect(a10, 10, b10, 10, 0.03, &e);
    TAP_OK(rc == 0 && e.lo == 9303 && e.hi == 9806,
           "10 vs 10: interval [9303, 9806] (got [%g, %g])", e.lo, e.hi);

    /* 3 vs 3: no interval and no call. 4 vs 4: P(U = 0) = 1/70, the extremes. */
    double a3[] = {1, 2, 3}, b3[] = {40, 50, 60}, b4[] = {10, 20, 30, 40};
    rc = stats_effect(a3, 3, b3, 3, 0.03, &e);
    TAP_OK(rc == 0 && isnan(e.lo) && isnan(e.hi) &&
               e.call == STATS_TOO_FEW,
           "3 vs 3: too few repetitions, no interval");
    rc = stats_effect(a1, 4, b4, 4, 0.03, &e);
    TAP_OK(rc == 0 && e.lo == 10 - 13 && e.hi == 40 - 10,
           "4 vs 4: interval from the smallest to the largest difference");

    /* 21 vs 21 (normal approximation): c = floor(220.5 - 1.96 sqrt(1580.25) - 0.5) = 142. */
    double a21[21], b21[21];
    for (int i = 0; i < 21; i++) {
        a21[i] = 100 * i;
        b21[i] = 100000 + i;
    }
    rc = stats_effect(a21, 21, b21, 21, 0.03, &e);
    TAP_OK(rc == 0 && e.lo < e.shift && e.shift < e.hi &&
               e.lo == 100000 + 142 % 21 - 100 * (20 - 142 / 21),
           "21 vs 21: interval from the 143rd difference (lo %g)", e.lo);

    /* Median of A 0: any significant shift counts; no relative figure. */
    double z[] = {0, 0, 0, 0, 0}, one[] = {4096, 4096, 4096, 4096, 4096};
    rc = stats_effect(z, 5, one, 5, 0.03, &e);
    TAP_OK(rc == 0 && isnan(e.rel) && e.call == STATS_B_HIGHER,
           "from 0: called higher, no percentage");
    rc = stats_effect(z, 0, one, 5, 0.03, &e);
    TAP_OK(rc == -1, "an empty sample is refused");
}

int main(void)
{
    double odd[] = {5, 1, 4, 2, 3}, even[] = {10, 40, 20, 30}, mad[] = {1, 1, 2, 2, 4, 6, 9};
    struct mann_whitney mw;

    TAP_OK(stats_median(odd, 5) == 3, "median of 5 values is the middle one");
    TAP_OK(stats_median(even, 4) == 25, "median of 4 values is the mean of the middle two");
    /* median 2; deviations 1 1 0 0 2 4 7 -> sorted 0 0 1 1 2 4 7 -> 1 */
    TAP_OK(stats_mad(mad, 7) == 1, "MAD of {1,1,2,2,4,6,9} is 1");

    /* Complete separation, 5 vs 5: U_A = 0; only 2 of the C(10,5) = 252 arrangements are as
     * extreme, so p = 2/252. */
    double a1[] = {10, 11, 12, 13, 14}, b1[] = {15, 16, 17, 18, 19};
    stats_mann_whitney(a1, 5, b1, 5, &mw);
    TAP_OK(mw.exact && mw.u_a == 0 && mw.u_b == 25, "separated samples: U_A 0, U_B 25");
    TAP_OK(near(mw.p, 2.0 / 252, 1e-12), "separated samples: exact p = 2/252 (got %g)", mw.p);

    /* Interleaved: U_A = 0+1+2+3+4 = 10, |U - 12.5| = 2.5; the arrangements with U in 11..14
     * number 19+20+20+19 = 78, so p = (252-78)/252 = 174/252. */
    double a2[] = {10, 12, 14, 16, 18}, b2[] = {11, 13, 15, 17, 19};
    stats_mann_whitney(a2, 5, b2, 5, &mw);
    TAP_OK(mw.u_a == 10, "interleaved: U_A = 10 (got %g)", mw.u_a);
    TAP_OK(near(mw.p, 174.0 / 252, 1e-12), "interleaved: p = 174/252 (got %g)", mw.p);

    /* Ties, midranks: {5,5,6,7} vs {5,6,8,9}: U_A = 1.5 (the 5s) + 1.5 (6) + 1.5 (7) = 4.5;
     * counting the 70 splits by hand gives 28 at least as far from 8: p = 0.4. */
    double a3[] = {5, 5, 6, 7}, b3[] = {5, 6, 8, 9};
    stats_mann_whitney(a3, 4, b3, 4, &mw);
    TAP_OK(mw.u_a == 4.5, "ties: U_A = 4.5 (got %g)", mw.u_a);
    TAP_OK(near(mw.p, 0.4, 1e-12), "ties: exact p = 28/70 (got %g)", mw.p);

    /* 3 vs 3 can never reach 0.05: the best case is 2/20. */
    double a4[] = {1, 2, 3}, b4[] = {4, 5, 6};
    stats_mann_whitney(a4, 3, b4, 3, &mw);
    TAP_OK(near(mw.p, 0.1, 1e-12) && near(mw.p_min, 0.1, 1e-12), "3 vs 3: p = p_min = 0.1");

    /* Every value tied: no evidence, p = 1, yet the sizes could have shown a difference. */
    double a5[] = {7, 7, 7, 7, 7}, b5[] = {7, 7, 7, 7, 7};
    stats_mann_whitney(a5, 5, b5, 5, &mw);
    TAP_OK(mw.p == 1 && mw.p_min < 0.05, "all tied: p = 1, p_min = 2/252");

    /* 21 vs 21 uses the normal approximation: U_A = 0, mean 220.5, variance 21*21*43/12,
     * z = (220.5 - 0.5) / sqrt(1580.25) = 5.5343, p = erfc(z / sqrt 2) = 3.1254e-8. */
    double a6[21], b6[21];
    for (int i = 0; i < 21; i++) {
        a6[i] = i + 1;
        b6[i] = i + 22;
    }
    stats_mann_whitney(a6, 21, b6, 21, &mw);
    TAP_OK(!mw.exact && mw.u_a == 0, "21 vs 21: normal approximation, U_A = 0");
    TAP_OK(near(mw.p, 3.1254e-8, 0.0001e-8), "21 vs 21: p = 3.1254e-8 (got %g)", mw.p);

    /* Same data, B first: the test is symmetric. */
    stats_mann_whitney(b1, 5, a1, 5, &mw);
    TAP_OK(mw.u_a == 25 && near(mw.p, 2.0 / 252, 1e-12), "swapped samples: U_A 25, same p");
    TAP_OK(stats_mann_whitney(a1, 0, b1, 5, &mw) == -1, "an empty sample is refused");
    check_effects(a1, b1);
    return tap_done();
}
