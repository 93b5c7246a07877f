/* The log-linear histogram of histogram.h. */
#include "replay/histogram.h"

#include "replay/os.h"

#include <math.h>
#include <string.h>

int histogram_init(struct histogram *h)
{
    memset(h, 0, sizeof *h);
    h->counts = os_table_alloc(HISTOGRAM_BUCKETS * sizeof *h->counts);
    return h->counts ? 0 : -1;
}

void histogram_release(struct histogram *h)
{
    os_table_free(h->counts, HISTOGRAM_BUCKETS * sizeof *h->counts);
    memset(h, 0, sizeof *h);
}

void histogram_bucket_range(size_t i, uint64_t *lo, uint64_t *hi)
{
    if (i < 2 * HISTOGRAM_SUB) {
        *lo = i;
        *hi = i + 1;
        return;
    }
    /* Inverse of histogram_index: i = shift * SUB + top with top in [SUB, 2 SUB). */
    unsigned shift = (unsigned)(i / HISTOGRAM_SUB) - 1;
    uint64_t top = i % HISTOGRAM_SUB + HISTOGRAM_SUB;
    *lo = top << shift;
    *hi = (top + 1) << shift;
}

void histogram_merge(struct histogram *dst, const struct histogram *src)
{
    for (size_t i = 0; i < HISTOGRAM_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->sum += src->sum;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t histogram_quantile(const struct histogram *h, double q)
{
    if (!h->total)
        return 0;
    uint64_t rank = (uint64_t)ceil(q * (double)h->total);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t lo, hi;
            histogram_bucket_range(i, &lo, &hi);
            return hi - 1 < h->max ? hi - 1 : h->max;
        }
    }
    return h->max;
}
