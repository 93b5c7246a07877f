/* A sample plugin: a power-of-two block cache in front of malloc, loaded with
 *
 *     allocreplay run TRACE -b plugin:build/allocators/allocreplay-plugin-example.so
 *
 * A plugin is a shared object that includes allocator.h and exports one table named
 * allocreplay_backend (ALLOCATOR_PLUGIN_SYMBOL); everything else in it stays static. Build one
 * outside this tree with: cc -shared -fPIC -O2 -I/path/to/allocreplay/allocators my.c -o my.so
 *
 * The cache rounds requests of up to 64 KiB to a power of two (at least 16 bytes), keeps up to
 * 256 freed blocks per size, and hands them back before asking malloc again: the simplest pool
 * that still shows what a cache buys and what its rounding wastes. Not thread-safe. */
#include "allocreplay/allocator.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SHIFT 4  /* 16 bytes: malloc's alignment, so every block keeps it */
#define MAX_SHIFT 16 /* 64 KiB; larger requests go straight to malloc */
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define KEEP 256 /* cached blocks per class */

struct cached {
    struct cached *next;
};

struct pow2 {
    struct cached *list[NCLASSES];
    size_t count[NCLASSES];
    size_t footprint; /* bytes obtained from malloc and not given back */
    size_t cached;    /* bytes of those sitting in the cache */
};

static int small(size_t size)
{
    return size <= ((size_t)1 << MAX_SHIFT);
}

static unsigned class_of(size_t size)
{
    unsigned shift = MIN_SHIFT;
    while (((size_t)1 << shift) < size)
        shift++;
    return shift - MIN_SHIFT;
}

static size_t class_size(unsigned c)
{
    return (size_t)1 << (c + MIN_SHIFT);
}

static void *pow2_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    struct pow2 *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        snprintf(err, err_len, "pow2-cache: out of memory");
    return ctx;
}

static void pow2_destroy(void *vctx)
{
    struct pow2 *ctx = vctx;
    for (unsigned c = 0; c < NCLASSES; c++)
        while (ctx->list[c]) {
            struct cached *b = ctx->list[c];
            ctx->list[c] = b->next;
            free(b);
        }
    free(ctx);
}

static void *pow2_alloc(void *vctx, size_t size)
{
    struct pow2 *ctx = vctx;
    void *p;
    if (!small(size)) {
        if ((p = malloc(size)))
            ctx->footprint += size;
        return p;
    }
    unsigned c = class_of(size);
    struct cached *b = ctx->list[c];
    if (b) {
        ctx->list[c] = b->next;
        ctx->count[c]--;
        ctx->cached -= class_size(c);
        return b;
    }
    if ((p = malloc(class_size(c))))
        ctx->footprint += class_size(c);
    return p;
}

static void pow2_free(void *vctx, void *p, size_t size, size_t align)
{
    struct pow2 *ctx = vctx;
    if (align > 16 || !small(size)) { /* from posix_memalign or plain malloc */
        free(p);
        ctx->footprint -= size;
        return;
    }
    unsigned c = class_of(size);
    if (ctx->count[c] == KEEP) {
        free(p);
        ctx->footprint -= class_size(c);
        return;
    }
    struct cached *b = p;
    b->next = ctx->list[c];
    ctx->list[c] = b;
    ctx->count[c]++;
    ctx->cached += class_size(c);
}

/* Alignments up to 16 come for free; larger ones go to posix_memalign, and free (told the
 * alignment) sends them back to free. */
static void *pow2_aligned_alloc(void *vctx, size_t size, size_t align)
{
    struct pow2 *ctx = vctx;
    void *p;
    if (align <= 16)
        return pow2_alloc(ctx, size);
    if (posix_memalign(&p, align, size))
        return NULL;
    ctx->footprint += size;
    return p;
}

static void *pow2_realloc(void *vctx, void *p, size_t old_size, size_t new_size)
{
    struct pow2 *ctx = vctx;
    void *q;
    if (!small(old_size) && !small(new_size)) {
        if ((q = realloc(p, new_size)))
            ctx->footprint += new_size - old_size;
        return q;
    }
    if (small(old_size) && small(new_size) && class_of(old_size) == class_of(new_size))
        return p;
    if (!(q = pow2_alloc(ctx, new_size)))
        return NULL;
    memcpy(q, p, old_size < new_size ? old_size : new_size);
    pow2_free(ctx, p, old_size, 0);
    return q;
}

static size_t pow2_usable_size(void *vctx, void *p, size_t size)
{
    return small(size) ? class_size(class_of(size)) : size;
}

static void pow2_stats(void *vctx, struct allocator_stats *out)
{
    struct pow2 *ctx = vctx;
    out->footprint_bytes = ctx->footprint;
    out->in_use_bytes = ctx->footprint - ctx->cached;
    out->free_bytes = ctx->cached;
    out->heap_bytes = ALLOCATOR_UNKNOWN;
    out->mmap_bytes = ALLOCATOR_UNKNOWN;
    out->n_extra = 0;
}

const struct allocator_ops allocreplay_backend = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "pow2-cache",
    .description = "sample plugin: power-of-two block cache (256 per size) in front of malloc",
    .min_align = 16,
    .create = pow2_create,
    .destroy = pow2_destroy,
    .alloc = pow2_alloc,
    .free = pow2_free,
    .aligned_alloc = pow2_aligned_alloc,
    .realloc = pow2_realloc,
    .usable_size = pow2_usable_size,
    .stats = pow2_stats,
};
