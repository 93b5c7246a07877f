/* A log-linear latency histogram in the manner of HdrHistogram: values below 2048 have a bucket
 * each; above, every power of two is split into 1024 equal buckets, so a bucket's width is at
 * most 1/1024 of its value (about three significant digits) and recording is a shift, a
 * count-leading-zeros and an increment. Values are raw timer ticks; conversion to nanoseconds
 * happens when the figures are reported. The bucket array lives in an os_table (mmap'd,
 * pre-touched), never on the allocator being measured. */
#ifndef ALLOCREPLAY_HISTOGRAM_H
#define ALLOCREPLAY_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

#define HISTOGRAM_SUB_BITS 10
#define HISTOGRAM_SUB ((uint64_t)1 << HISTOGRAM_SUB_BITS)
#define HISTOGRAM_MAX_BITS 48 /* values are clamped below 2^48 ticks (a day at 3 GHz) */
#define HISTOGRAM_BUCKETS ((size_t)(HISTOGRAM_MAX_BITS - HISTOGRAM_SUB_BITS) * HISTOGRAM_SUB + HISTOGRAM_SUB)

struct histogram {
    uint64_t *counts; /* HISTOGRAM_BUCKETS entries */
    uint64_t total;   /* values recorded */
    uint64_t sum;     /* of the values, for the mean and for sum-of-latency checks */
    uint64_t max;     /* exact */
};

/* Returns 0, or -1 with errno set (the table could not be mapped). */
int histogram_init(struct histogram *h);
void histogram_release(struct histogram *h);

static inline size_t histogram_index(uint64_t v)
{
    if (v < 2 * HISTOGRAM_SUB)
        return (size_t)v;
    if (v >> HISTOGRAM_MAX_BITS)
        v = ((uint64_t)1 << HISTOGRAM_MAX_BITS) - 1;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - HISTOGRAM_SUB_BITS;
    return (size_t)shift * HISTOGRAM_SUB + (size_t)(v >> shift);
}

static inline void histogram_record(struct histogram *h, uint64_t v)
{
    h->counts[histogram_index(v)]++;
    h->total++;
    h->sum += v;
    if (v > h->max)
        h->max = v;
}

/* The half-open value range [*lo, *hi) of bucket i. */
void histogram_bucket_range(size_t i, uint64_t *lo, uint64_t *hi);

/* Adds every count of src to dst. */
void histogram_merge(struct histogram *dst, const struct histogram *src);

/* The value at quantile q (0 < q <= 1): the highest value equivalent to the bucket holding the
 * ceil(q * total)-th smallest value, capped at the exact maximum. 0 when empty. */
uint64_t histogram_quantile(const struct histogram *h, double q);

#endif
