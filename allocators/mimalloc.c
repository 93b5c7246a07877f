/* mimalloc, through its own API: mi_malloc/mi_free_size/mi_realloc/mi_malloc_aligned_at. Linked
 * only into allocreplay-worker-mimalloc: Debian's library overrides malloc when linked. */
#include "backends.h"

#include <mimalloc.h>

/* The context is never dereferenced: mimalloc's heaps are per thread and process-wide. */
static char mi_ctx;

static void *mim_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    return &mi_ctx;
}

static void mim_destroy(void *ctx)
{
}

static void *mim_alloc(void *ctx, size_t size)
{
    return mi_malloc(size);
}

/* mi_zalloc skips the memset on pages fresh from the OS. */
static void *mim_calloc(void *ctx, size_t size)
{
    return mi_zalloc(size);
}

static void mim_free(void *ctx, void *p, size_t size, size_t align)
{
    if (align > 1)
        mi_free_size_aligned(p, size, align);
    else
        mi_free_size(p, size);
}

/* mi_malloc_aligned of mimalloc 2.0.9 (Debian 12) returns misaligned blocks when the size
 * equals an alignment of 256, 512 or 1024 (microsoft/mimalloc#700, fixed in later releases;
 * the conformance churn catches it). mi_malloc_aligned_at with offset 0 is the same request
 * without the faulty fast path. */
static void *mim_aligned_alloc(void *ctx, size_t size, size_t align)
{
    return mi_malloc_aligned_at(size, align, 0);
}

static void *mim_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    return mi_realloc(p, new_size);
}

static size_t mim_usable_size(void *ctx, void *p, size_t size)
{
    return mi_usable_size(p);
}

/* The release build of mimalloc keeps no byte counts (mi_stats needs MI_STAT); what it always
 * knows is the memory it has committed from the OS, which is its footprint. */
static void mim_stats(void *ctx, struct allocator_stats *out)
{
    size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
    mi_process_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
    out->footprint_bytes = commit;
    out->in_use_bytes = ALLOCATOR_UNKNOWN;
    out->free_bytes = ALLOCATOR_UNKNOWN;
    out->heap_bytes = 0; /* mimalloc obtains all its memory with mmap */
    out->mmap_bytes = commit;
    out->n_extra = 1;
    out->extra[0].name = "peak_commit";
    out->extra[0].value = peak_commit;
}

const struct allocator_ops allocator_mimalloc_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "mimalloc",
    .description = "mimalloc (mi_malloc/mi_free_size), footprint = committed bytes; its own worker",
    .min_align = 8,
    .create = mim_create,
    .destroy = mim_destroy,
    .alloc = mim_alloc,
    .free = mim_free,
    .aligned_alloc = mim_aligned_alloc,
    .realloc = mim_realloc,
    .usable_size = mim_usable_size,
    .stats = mim_stats,
    .flags = ALLOCATOR_THREAD_SAFE | ALLOCATOR_ALIGN_NATURAL,
    .calloc = mim_calloc,
};
