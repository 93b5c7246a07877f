/* The slab backend's bookkeeping: the slab found by masking, lazy carving in address order,
 * full -> partial -> empty transitions, the empty slabs kept per class and the rest really
 * unmapped (checked with mincore, which fails with ENOMEM on an unmapped page), aligned_alloc
 * from the classes, and the stats the harness reads. */
#include "allocators/registry.h"
#include "slab.h"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const struct allocator_ops *ops;

static int mapped(void *p)
{
    unsigned char vec;
    void *page = (void *)((uintptr_t)p & ~(uintptr_t)4095);
    return mincore(page, 4096, &vec) == 0 || errno != ENOMEM;
}

static size_t extra(const struct allocator_stats *st, const char *name)
{
    for (unsigned i = 0; i < st->n_extra; i++)
        if (!strcmp(st->extra[i].name, name))
            return st->extra[i].value;
    return ALLOCATOR_UNKNOWN;
}

static uintptr_t slab_of(void *p)
{
    return (uintptr_t)p & ~(uintptr_t)(SLAB_SIZE - 1);
}

/* 8-byte class: (65536 - 128) / 8 = 8176 blocks per slab; N opens a third slab. */
enum { CAP8 = (SLAB_SIZE - SLAB_HEADER_BYTES) / 8, N = 2 * CAP8 + 1 };
static char *blocks[N];

/* Fills three slabs of the 8-byte class: carving order, slab boundaries, stats. */
static void check_carving(void *ctx)
{
    struct allocator_stats st;
    for (int i = 0; i < N; i++)
        blocks[i] = ops->alloc(ctx, 8);
    TAP_EQ_U64((uintptr_t)blocks[0] - slab_of(blocks[0]), SLAB_HEADER_BYTES,
               "the first block follows the header");
    TAP_OK(blocks[1] == blocks[0] + 8 && blocks[CAP8 - 1] == blocks[0] + 8 * (CAP8 - 1),
           "a new slab is carved in address order");
    TAP_OK(slab_of(blocks[CAP8]) != slab_of(blocks[0]), "block CAP8 opens a second slab");
    TAP_OK(slab_of(blocks[2 * CAP8]) != slab_of(blocks[CAP8]), "block 2*CAP8 opens a third");
    allocator_stats_read(ops, ctx, &st);
    TAP_EQ_U64(st.footprint_bytes, 3 * SLAB_SIZE, "footprint: three slabs");
    TAP_EQ_U64(st.in_use_bytes, (size_t)N * 8, "in use: every block");
    TAP_EQ_U64(extra(&st, "slabs_in_use"), 3, "three slabs in use");
    TAP_EQ_U64(ops->usable_size(ctx, blocks[5], 5), 8, "usable size is the class size");
}

/* full -> partial -> empty, with empty_keep=1: one emptied slab held, the others unmapped. */
static void check_emptying(void *ctx)
{
    struct allocator_stats st;
    /* A full slab with one block freed becomes partial, and that block is the next handed out. */
    ops->free(ctx, blocks[10], 8, 0);
    ops->free(ctx, blocks[2 * CAP8], 8, 0); /* the third slab empties: held (keep 1) */
    allocator_stats_read(ops, ctx, &st);
    TAP_EQ_U64(extra(&st, "slabs_empty_held"), 1, "an emptied slab is held");
    char *again = ops->alloc(ctx, 3);
    TAP_OK(again == blocks[10], "the freed block of the partial slab is reused first");
    blocks[10] = again;

    /* Empty the first two slabs: one empty slab is already held (keep 1), so both are unmapped. */
    for (int i = 0; i < 2 * CAP8; i++)
        ops->free(ctx, blocks[i], 8, 0);
    allocator_stats_read(ops, ctx, &st);
    TAP_EQ_U64(extra(&st, "slabs_empty_held"), 1, "still one empty slab held (keep 1)");
    TAP_EQ_U64(extra(&st, "slabs_in_use"), 0, "no slab in use");
    TAP_EQ_U64(st.footprint_bytes, SLAB_SIZE, "footprint: the held slab only");
    TAP_OK(!mapped(blocks[0]) && !mapped(blocks[CAP8]), "the other two slabs are unmapped");
    TAP_OK(mapped(blocks[2 * CAP8]), "the held slab is still mapped");
    char *reused = ops->alloc(ctx, 8);
    TAP_OK(slab_of(reused) == slab_of(blocks[2 * CAP8]) &&
               (uintptr_t)reused - slab_of(reused) == SLAB_HEADER_BYTES,
           "the held slab is reused from its start");
    ops->free(ctx, reused, 8, 0);
}

/* aligned_alloc from the classes and from malloc; realloc across the large boundary. */
static void check_aligned_and_realloc(void *ctx)
{
    struct allocator_stats st;
    /* aligned_alloc: 24 bytes at 32 come from the 32-byte class; 200 bytes at 64 from malloc. */
    char *a32 = ops->aligned_alloc(ctx, 24, 32);
    TAP_OK(((uintptr_t)a32 & 31) == 0, "24 bytes aligned to 32");
    TAP_EQ_U64(ops->usable_size(ctx, a32, 32), 32, "... from the 32-byte class");
    char *a64 = ops->aligned_alloc(ctx, 200, 64);
    TAP_OK(((uintptr_t)a64 & 63) == 0, "200 bytes aligned to 64");
    allocator_stats_read(ops, ctx, &st);
    TAP_EQ_U64(st.in_use_bytes, 32 + 200, "in use: the class size plus the large request");
    ops->free(ctx, a32, 24, 32);
    ops->free(ctx, a64, 200, 64);

    /* A realloc across the boundary keeps the content and the accounting. */
    char *r = ops->alloc(ctx, 100);
    memset(r, 7, 100);
    r = ops->realloc(ctx, r, 100, 1000);
    TAP_OK(r[0] == 7 && r[99] == 7, "realloc 100 -> 1000 keeps the content");
    r = ops->realloc(ctx, r, 1000, 50);
    TAP_OK(r[0] == 7 && r[49] == 7, "realloc 1000 -> 50 keeps the content");
    TAP_EQ_U64(ops->usable_size(ctx, r, 50), 56, "... in the 56-byte class");
    ops->free(ctx, r, 50, 0);
    allocator_stats_read(ops, ctx, &st);
    TAP_EQ_U64(st.in_use_bytes, 0, "nothing in use at the end");
}

/* keep = 3: all three emptied slabs of a class stay, until destroy unmaps them. */
static void check_keep3(void)
{
    char err[256];
    struct allocator_options opt;
    struct allocator_stats st;
    ops = allocator_resolve("slab:empty_keep=3", &opt, err, sizeof err);
    void *ctx = ops->create(&opt, err, sizeof err);
    for (int i = 0; i < N; i++)
        blocks[i] = ops->alloc(ctx, 8);
    for (int i = 0; i < N; i++)
        ops->free(ctx, blocks[i], 8, 0);
    allocator_stats_read(ops, ctx, &st);
    TAP_EQ_U64(extra(&st, "slabs_empty_held"), 3, "keep 3: three empty slabs held");
    TAP_EQ_U64(st.footprint_bytes, 3 * SLAB_SIZE, "keep 3: footprint three slabs");
    ops->destroy(ctx);
    TAP_OK(!mapped(blocks[0]), "destroy unmaps the held slabs");
}

int main(void)
{
    char err[256];
    struct allocator_options opt;
    ops = allocator_resolve("slab:empty_keep=1", &opt, err, sizeof err);
    if (!ops)
        TAP_SKIP_ALL("no slab backend");
    void *ctx = ops->create(&opt, err, sizeof err);
    if (!tap_ok(ctx != NULL, "create"))
        return tap_done();
    check_carving(ctx);
    check_emptying(ctx);
    check_aligned_and_realloc(ctx);
    ops->destroy(ctx);
    check_keep3();
    return tap_done();
}
