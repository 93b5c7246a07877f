/* null: a bump allocator over one large reservation; free only counts. A run on it costs the
 * harness's own work per event plus a few instructions, which is the floor every other backend
 * is measured against. Memory is reused only when no block is live: the bump pointer then goes
 * back to the start. That is what keeps the throughput pass's loops (--min-time: the harness
 * frees every leftover between two loops) from bumping through the reservation, which a fast
 * trace of large untouched blocks would do in milliseconds. Otherwise a trace whose total
 * allocated bytes exceed the reservation fails cleanly (alloc returns NULL). */
#include "backends.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NULL_ALIGN 16
/* Address space only: MAP_NORESERVE and untouched pages cost no memory. Halved until the
 * kernel agrees (a strict overcommit policy or a ulimit -v may refuse the first sizes). */
#define NULL_RESERVE_MAX ((size_t)64 << 30)
#define NULL_RESERVE_MIN ((size_t)256 << 20)

struct null_ctx {
    uintptr_t cur, end;
    size_t live;    /* blocks allocated and not freed */
    uintptr_t high; /* the highest cur before a rewind: the footprint */
    char *base;
    size_t reserved;
};

static void *null_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    struct null_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, err_len, "null: out of memory");
        return NULL;
    }
    for (size_t n = NULL_RESERVE_MAX; n >= NULL_RESERVE_MIN; n /= 2) {
        void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
        if (p != MAP_FAILED) {
            c->base = p;
            c->reserved = n;
            c->cur = c->high = (uintptr_t)p;
            c->end = (uintptr_t)p + n;
            return c;
        }
    }
    free(c);
    snprintf(err, err_len, "null: cannot reserve %zu MiB of address space", NULL_RESERVE_MIN >> 20);
    return NULL;
}

static void null_destroy(void *ctx)
{
    struct null_ctx *c = ctx;
    munmap(c->base, c->reserved);
    free(c);
}

/* cur and end stay 16-aligned, so a request of at most end - cur bytes, rounded up to 16, still
 * fits. A zero-byte request takes 16 bytes, so live pointers stay distinct. */
static void *null_alloc(void *ctx, size_t size)
{
    struct null_ctx *c = ctx;
    uintptr_t p = c->cur;
    size += size == 0;
    if (size > c->end - p)
        return NULL;
    c->cur = p + ((size + NULL_ALIGN - 1) & ~(size_t)(NULL_ALIGN - 1));
    c->live++;
    return (void *)p;
}

static void *null_aligned_alloc(void *ctx, size_t size, size_t align)
{
    struct null_ctx *c = ctx;
    uintptr_t p = (c->cur + align - 1) & ~(uintptr_t)(align - 1);
    if (p < c->cur || p > c->end)
        return NULL;
    c->cur = p;
    return null_alloc(ctx, size);
}

static void null_free(void *ctx, void *p, size_t size, size_t align)
{
    struct null_ctx *c = ctx;
    if (--c->live == 0) {
        if (c->cur > c->high)
            c->high = c->cur;
        c->cur = (uintptr_t)c->base;
    }
}

static void *null_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    struct null_ctx *c = ctx;
    void *q = null_alloc(ctx, new_size);
    if (q) {
        memcpy(q, p, old_size < new_size ? old_size : new_size);
        c->live--; /* the old block is gone, without a rewind: q is live */
    }
    return q;
}

static size_t null_usable_size(void *ctx, void *p, size_t size)
{
    return size;
}

/* footprint: the highest extent bumped so far (an upper bound of what is touched). */
static void null_stats(void *ctx, struct allocator_stats *out)
{
    struct null_ctx *c = ctx;
    size_t used = (size_t)((c->cur > c->high ? c->cur : c->high) - (uintptr_t)c->base);
    out->footprint_bytes = used;
    out->in_use_bytes = ALLOCATOR_UNKNOWN; /* blocks are counted, their bytes are not: that would cost */
    out->free_bytes = 0;
    out->heap_bytes = 0;
    out->mmap_bytes = used;
    out->n_extra = 1;
    out->extra[0].name = "reserved";
    out->extra[0].value = c->reserved;
}

const struct allocator_ops allocator_null_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "null",
    .description = "bump allocator, free only counts (rewinds when none is live): the harness's own cost per event",
    .min_align = NULL_ALIGN,
    .create = null_create,
    .destroy = null_destroy,
    .alloc = null_alloc,
    .free = null_free,
    .aligned_alloc = null_aligned_alloc,
    .realloc = null_realloc,
    .usable_size = null_usable_size,
    .stats = null_stats,
};
