/* malloc: the C library's allocator, called directly. Under preload:PATH the same calls reach
 * whatever allocator LD_PRELOAD put in front of the C library. */
#include "backends.h"

#include "config.h"

#include <malloc.h>
#include <stdlib.h>

/* The context is never dereferenced; any non-NULL value says "created". */
static char libc_ctx;

static void *libc_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    return &libc_ctx;
}

static void libc_destroy(void *ctx)
{
}

static void *libc_alloc(void *ctx, size_t size)
{
    return malloc(size);
}

/* glibc's calloc skips the memset for memory it knows is still zero (fresh from the top
 * chunk or from mmap): the harness's alloc + memset would not. */
static void *libc_calloc(void *ctx, size_t size)
{
    return calloc(1, size);
}

static void libc_free(void *ctx, void *p, size_t size, size_t align)
{
    free(p);
}

/* posix_memalign rather than aligned_alloc: C11's aligned_alloc may refuse a size that is not
 * a multiple of the alignment, and a preloaded allocator may enforce that. */
static void *libc_aligned_alloc(void *ctx, size_t size, size_t align)
{
    void *p;
    if (align < sizeof(void *))
        align = sizeof(void *);
    return posix_memalign(&p, align, size) ? NULL : p;
}

static void *libc_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    return realloc(p, new_size);
}

static size_t libc_usable_size(void *ctx, void *p, size_t size)
{
    return malloc_usable_size(p);
}

/* glibc's own figures: arena = bytes obtained with brk (all arenas), hblkhd = bytes in chunks
 * obtained with mmap; uordblks/fordblks = bytes in use/free inside the arenas. Under a sanitizer
 * or a preloaded allocator glibc's malloc is not the one serving requests, and mallinfo2
 * describes an idle glibc heap: the figures are then reported unknown. */
static void libc_stats(void *ctx, struct allocator_stats *out)
{
    out->n_extra = 0;
#if defined(__SANITIZE_ADDRESS__) || defined(HAVE_ASAN)
    out->footprint_bytes = out->in_use_bytes = out->free_bytes = ALLOCATOR_UNKNOWN;
    out->heap_bytes = out->mmap_bytes = ALLOCATOR_UNKNOWN;
#else
    struct mallinfo2 mi = mallinfo2();
    if (mi.arena + mi.hblkhd == 0) {
        out->footprint_bytes = out->in_use_bytes = out->free_bytes = ALLOCATOR_UNKNOWN;
        out->heap_bytes = out->mmap_bytes = ALLOCATOR_UNKNOWN;
        return;
    }
    out->footprint_bytes = mi.arena + mi.hblkhd;
    out->in_use_bytes = mi.uordblks + mi.hblkhd;
    out->free_bytes = mi.fordblks;
    out->heap_bytes = mi.arena;
    out->mmap_bytes = mi.hblkhd;
#endif
}

const struct allocator_ops allocator_malloc_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "malloc",
    .description = "the C library's malloc/free/realloc/posix_memalign (glibc: ptmalloc2); "
                   "footprint from mallinfo2",
    .min_align = 16,
    .create = libc_create,
    .destroy = libc_destroy,
    .alloc = libc_alloc,
    .free = libc_free,
    .aligned_alloc = libc_aligned_alloc,
    .realloc = libc_realloc,
    .usable_size = libc_usable_size,
    .stats = libc_stats,
    .flags = ALLOCATOR_THREAD_SAFE,
    .calloc = libc_calloc,
};
