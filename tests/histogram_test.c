/* The log-linear histogram: every value falls in the bucket whose range holds it, bucket widths
 * stay within 1/1024 of their values, and quantiles land where a sorted array says. */
#include "replay/histogram.h"
#include "tap.h"

#include <stdint.h>

int main(void)
{
    struct histogram h;
    if (histogram_init(&h))
        TAP_SKIP_ALL("cannot map a histogram");

    int inside = 1, narrow = 1, monotonic = 1;
    size_t prev = 0;
    for (uint64_t v = 0; v < ((uint64_t)1 << 40); v = v < 5000 ? v + 1 : v + v / 777 + 1) {
        size_t i = histogram_index(v);
        uint64_t lo, hi;
        histogram_bucket_range(i, &lo, &hi);
        if (v < lo || v >= hi)
            inside = 0;
        if (v >= 2048 && (double)(hi - lo) > (double)lo / 1024.0 + 1e-9)
            narrow = 0;
        if (i < prev)
            monotonic = 0;
        prev = i;
    }
    TAP_OK(inside, "every value lies in its bucket's [lo, hi)");
    TAP_OK(narrow, "bucket width <= value/1024 above 2048 (3 significant digits)");
    TAP_OK(monotonic, "bucket index grows with the value");
    TAP_OK(histogram_index(UINT64_MAX) < HISTOGRAM_BUCKETS, "huge values are clamped into the table");

    /* 1..100000 once each: p50 = 50000, p99 = 99000, max exact. */
    for (uint64_t v = 1; v <= 100000; v++)
        histogram_record(&h, v);
    uint64_t p50 = histogram_quantile(&h, 0.5), p99 = histogram_quantile(&h, 0.99);
    TAP_OK(p50 >= 50000 && p50 <= 50000 + 50000 / 1024 + 1, "p50 of 1..100000 (got %llu)",
           (unsigned long long)p50);
    TAP_OK(p99 >= 99000 && p99 <= 99000 + 99000 / 1024 + 1, "p99 of 1..100000 (got %llu)",
           (unsigned long long)p99);
    TAP_EQ_U64(histogram_quantile(&h, 1.0), 100000, "p100 is the exact max");
    TAP_EQ_U64(h.total, 100000, "count");
    TAP_EQ_U64(h.sum, 5000050000ull, "sum");

    struct histogram g;
    if (histogram_init(&g))
        TAP_SKIP_ALL("cannot map a histogram");
    histogram_record(&g, 7);
    histogram_merge(&g, &h);
    TAP_EQ_U64(g.total, 100001, "merge adds counts");
    TAP_EQ_U64(histogram_quantile(&g, 1e-7), 1, "lowest quantile after merge");
    histogram_release(&g);
    histogram_release(&h);
    return tap_done();
}
