/* jemalloc, through its non-standard API: mallocx/sdallocx/rallocx/sallocx. Linked only into
 * allocreplay-worker-jemalloc (linking jemalloc replaces malloc for the whole process, and it
 * cannot be dlopen'ed: it uses initial-exec TLS).
 *
 * Decay is pinned to 0 through the malloc_conf symbol, which jemalloc reads at its
 * initialization, before the first allocation: every arena, including those created later for
 * new threads, then purges unused dirty pages at once instead of on a 10 s timer, so footprint
 * and RSS reflect the program's pattern rather than when the timer last fired. Setting
 * arena.N.dirty_decay_ms at create would miss the arenas created afterwards and the allocations
 * the worker made before create. MALLOC_CONF in the environment still overrides it, for users
 * who want to study decay. */
#include "backends.h"

#include <jemalloc/jemalloc.h>
#include <stdint.h>
#include <stdio.h>

const char *malloc_conf = "dirty_decay_ms:0,muzzy_decay_ms:0";

/* The context is never dereferenced: jemalloc's state is process-wide. */
static char je_ctx;

static void *je_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    return &je_ctx;
}

static void je_destroy(void *ctx)
{
}

/* mallocx and sdallocx are undefined for size 0: a zero-byte request takes one byte. */
static size_t nonzero(size_t n)
{
    return n + (n == 0);
}

static void *je_alloc(void *ctx, size_t size)
{
    return mallocx(nonzero(size), 0);
}

/* MALLOCX_ZERO: jemalloc zeroes only what may be dirty (fresh extents are known zero). */
static void *je_calloc(void *ctx, size_t size)
{
    return mallocx(nonzero(size), MALLOCX_ZERO);
}

static void je_free(void *ctx, void *p, size_t size, size_t align)
{
    sdallocx(p, nonzero(size), align > 1 ? MALLOCX_ALIGN(align) : 0);
}

static void *je_aligned_alloc(void *ctx, size_t size, size_t align)
{
    return mallocx(nonzero(size), MALLOCX_ALIGN(align));
}

static void *je_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    return rallocx(p, nonzero(new_size), 0);
}

static size_t je_usable_size(void *ctx, void *p, size_t size)
{
    return sallocx(p, 0);
}

static size_t je_stat(const char *name)
{
    size_t v, len = sizeof v;
    return mallctl(name, &v, &len, NULL, 0) ? ALLOCATOR_UNKNOWN : v;
}

/* jemalloc's statistics are a snapshot refreshed by writing "epoch". footprint: stats.mapped
 * (bytes in extents mapped by the allocator, with decay 0 nearly all resident); in use:
 * stats.allocated; free: stats.active - stats.allocated (free space inside active pages). */
static void je_stats(void *ctx, struct allocator_stats *out)
{
    uint64_t epoch = 1;
    size_t len = sizeof epoch;
    mallctl("epoch", &epoch, &len, &epoch, len);
    size_t mapped = je_stat("stats.mapped"), active = je_stat("stats.active");
    size_t allocated = je_stat("stats.allocated");
    out->footprint_bytes = mapped;
    out->in_use_bytes = allocated;
    out->free_bytes = active == ALLOCATOR_UNKNOWN || allocated == ALLOCATOR_UNKNOWN
                          ? ALLOCATOR_UNKNOWN
                          : active - allocated;
    out->heap_bytes = ALLOCATOR_UNKNOWN; /* dss use is a run-time option */
    out->mmap_bytes = ALLOCATOR_UNKNOWN;
    out->n_extra = 3;
    out->extra[0].name = "resident";
    out->extra[0].value = je_stat("stats.resident");
    out->extra[1].name = "metadata";
    out->extra[1].value = je_stat("stats.metadata");
    out->extra[2].name = "retained";
    out->extra[2].value = je_stat("stats.retained");
}

const struct allocator_ops allocator_jemalloc_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "jemalloc",
    .description = "jemalloc (mallocx/sdallocx/rallocx), decay pinned to 0; its own worker",
    .min_align = 8,
    .create = je_create,
    .destroy = je_destroy,
    .alloc = je_alloc,
    .free = je_free,
    .aligned_alloc = je_aligned_alloc,
    .realloc = je_realloc,
    .usable_size = je_usable_size,
    .stats = je_stats,
    .flags = ALLOCATOR_THREAD_SAFE | ALLOCATOR_ALIGN_NATURAL,
    .calloc = je_calloc,
};
