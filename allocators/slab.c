/* slab: a slab allocator on sgi's 16 size classes, for comparing a pool that never gives memory
 * back with one that does. Each slab is slab_size bytes from mmap, aligned to its size, with a
 * header at its start; free finds the slab by masking the pointer. Per class, slabs sit on one
 * of three lists: partial (some blocks free: allocation takes from the first), full, empty. At
 * most empty_keep empty slabs are kept per class; the next one to empty is munmap'ed, so RSS
 * falls when a program frees. Requests over 128 bytes (and zero-byte ones) go to malloc.
 * Not thread-safe: one context per thread or the harness's serialization. */
#include "slab.h"

#include "asan.h"
#include "backends.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { LIST_PARTIAL, LIST_FULL, LIST_EMPTY, LIST_COUNT };

struct slab {
    struct slab *prev, *next; /* on its class's list `list` */
    void *free;               /* freed blocks of this slab, LIFO, linked through their first word */
    char *bump;               /* blocks below were handed out at least once; carving lazily
                                 touches a new slab's pages only as they are used */
    unsigned in_use, capacity, cls, list;
};

struct slab_list {
    struct slab *head;
    size_t count;
};

struct slab_class {
    struct slab_list lists[LIST_COUNT];
    size_t size, capacity, slabs;
};

struct slab_ctx {
    struct slab_class cls[SLAB_CLASSES];
    size_t empty_keep;
    size_t slab_size;   /* a power of two, at least a page */
    size_t slabs;       /* mapped, all classes */
    size_t small_bytes; /* class sizes of live blocks */
    size_t large_bytes; /* requested sizes of live blocks from malloc */
};

_Static_assert(sizeof(struct slab) <= SLAB_HEADER_BYTES, "slab header outgrew its room");

static void list_push(struct slab_class *c, struct slab *s, unsigned list)
{
    struct slab_list *l = &c->lists[list];
    s->list = list;
    s->prev = NULL;
    s->next = l->head;
    if (l->head)
        l->head->prev = s;
    l->head = s;
    l->count++;
}

static void list_remove(struct slab_class *c, struct slab *s)
{
    struct slab_list *l = &c->lists[s->list];
    if (s->prev)
        s->prev->next = s->next;
    else
        l->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    l->count--;
}

static void list_move(struct slab_class *c, struct slab *s, unsigned list)
{
    list_remove(c, s);
    list_push(c, s, list);
}

/* mmap has no alignment argument: map twice the size and trim both ends. */
static struct slab *slab_map(size_t size)
{
    char *raw = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    char *aligned = (char *)(((uintptr_t)raw + size - 1) & ~(uintptr_t)(size - 1));
    if (aligned > raw)
        munmap(raw, (size_t)(aligned - raw));
    if (aligned + size < raw + 2 * size)
        munmap(aligned + size, (size_t)(raw + 2 * size - (aligned + size)));
    return (struct slab *)aligned;
}

static void slab_unmap(struct slab *s, size_t size)
{
    pool_unpoison(s, size); /* the shadow outlives the mapping; the next user of the range
                               must not inherit our poison */
    munmap(s, size);
}

/* Gives class c a slab to allocate from: a held empty one, else a new one. */
static struct slab *slab_get(struct slab_ctx *ctx, struct slab_class *c, unsigned k)
{
    struct slab *s = c->lists[LIST_EMPTY].head;
    if (s) {
        list_move(c, s, LIST_PARTIAL);
    } else {
        s = slab_map(ctx->slab_size);
        if (!s)
            return NULL;
        s->cls = k;
        s->capacity = (unsigned)c->capacity;
        pool_poison((char *)s + SLAB_HEADER_BYTES, ctx->slab_size - SLAB_HEADER_BYTES);
        list_push(c, s, LIST_PARTIAL);
        c->slabs++;
        ctx->slabs++;
    }
    /* An empty slab starts over: its free list would only scatter the next allocations. */
    s->free = NULL;
    s->bump = (char *)s + SLAB_HEADER_BYTES;
    s->in_use = 0;
    return s;
}

static void *slab_small_alloc(struct slab_ctx *ctx, unsigned k)
{
    struct slab_class *c = &ctx->cls[k];
    struct slab *s = c->lists[LIST_PARTIAL].head;
    void *p;
    if (!s && !(s = slab_get(ctx, c, k)))
        return NULL;
    if (s->free) {
        p = s->free;
        pool_unpoison(p, c->size);
        s->free = *(void **)p;
    } else {
        p = s->bump;
        s->bump += c->size;
        pool_unpoison(p, c->size);
    }
    if (++s->in_use == s->capacity)
        list_move(c, s, LIST_FULL);
    ctx->small_bytes += c->size;
    return p;
}

static void slab_small_free(struct slab_ctx *ctx, void *p)
{
    struct slab *s = (struct slab *)((uintptr_t)p & ~(uintptr_t)(ctx->slab_size - 1));
    struct slab_class *c = &ctx->cls[s->cls];
    *(void **)p = s->free;
    s->free = p;
    pool_poison(p, c->size);
    ctx->small_bytes -= c->size;
    if (s->in_use-- == s->capacity)
        list_move(c, s, LIST_PARTIAL);
    if (s->in_use == 0) {
        if (c->lists[LIST_EMPTY].count < ctx->empty_keep) {
            list_move(c, s, LIST_EMPTY);
        } else {
            list_remove(c, s);
            slab_unmap(s, ctx->slab_size);
            c->slabs--;
            ctx->slabs--;
        }
    }
}

/* Small means 1..128 bytes; the unsigned wrap sends size 0 to malloc as well. */
static int is_small(size_t size)
{
    return size - 1 < SLAB_MAX_BYTES;
}

static unsigned class_of(size_t size)
{
    return (unsigned)((size - 1) >> 3);
}

/* The size that decides where a block of (size, align) lives: aligned_alloc serves alignments
 * up to 128 from the class of size rounded up to the alignment, whose blocks are all aligned. */
static size_t placed_size(size_t size, size_t align)
{
    return align <= 8 ? size : (size + align - 1) & ~(align - 1);
}

/* The keys of slab:key=value (allocator.h); OPT_* index this table. */
enum { OPT_SLAB_SIZE, OPT_EMPTY_KEEP };
static const struct allocator_option slab_options[] = {
    [OPT_SLAB_SIZE] = {"slab_size", ALLOCATOR_OPTION_BYTES, 4096, 16 << 20, NULL, 1, "65536",
                       "bytes per slab, a power of two (slabs are aligned to their size)"},
    [OPT_EMPTY_KEEP] = {"empty_keep", ALLOCATOR_OPTION_INT, 0, 1 << 20, NULL, 0, "1",
                        "empty slabs kept per size class; the next one to empty is munmap'ed"},
};

static void *slab_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    struct slab_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        snprintf(err, err_len, "slab: out of memory");
        return NULL;
    }
    ctx->slab_size = opt->set[OPT_SLAB_SIZE] ? (size_t)opt->value[OPT_SLAB_SIZE] : SLAB_SIZE;
    ctx->empty_keep =
        opt->set[OPT_EMPTY_KEEP] ? (size_t)opt->value[OPT_EMPTY_KEEP] : SLAB_EMPTY_KEEP_DEFAULT;
    for (unsigned k = 0; k < SLAB_CLASSES; k++) {
        ctx->cls[k].size = ((size_t)k + 1) * 8;
        ctx->cls[k].capacity = (ctx->slab_size - SLAB_HEADER_BYTES) / ctx->cls[k].size;
    }
    return ctx;
}

/* Unmaps every slab; blocks from malloc still live are the caller's. */
static void slab_destroy(void *vctx)
{
    struct slab_ctx *ctx = vctx;
    for (unsigned k = 0; k < SLAB_CLASSES; k++)
        for (unsigned l = 0; l < LIST_COUNT; l++)
            for (struct slab *s = ctx->cls[k].lists[l].head, *next; s; s = next) {
                next = s->next;
                slab_unmap(s, ctx->slab_size);
            }
    free(ctx);
}

static void *slab_alloc(void *vctx, size_t size)
{
    struct slab_ctx *ctx = vctx;
    void *p;
    if (is_small(size))
        return slab_small_alloc(ctx, class_of(size));
    if ((p = malloc(size)))
        ctx->large_bytes += size;
    return p;
}

static void slab_free(void *vctx, void *p, size_t size, size_t align)
{
    struct slab_ctx *ctx = vctx;
    if (is_small(placed_size(size, align))) {
        slab_small_free(ctx, p);
        return;
    }
    free(p);
    ctx->large_bytes -= size;
}

static void *slab_aligned_alloc(void *vctx, size_t size, size_t align)
{
    struct slab_ctx *ctx = vctx;
    size_t placed = placed_size(size, align);
    void *p;
    if (is_small(placed))
        return slab_small_alloc(ctx, class_of(placed));
    if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size))
        return NULL;
    ctx->large_bytes += size;
    return p;
}

static void *slab_realloc(void *vctx, void *p, size_t old_size, size_t new_size)
{
    struct slab_ctx *ctx = vctx;
    void *q;
    if (!is_small(old_size) && !is_small(new_size)) {
        if ((q = realloc(p, new_size)))
            ctx->large_bytes += new_size - old_size; /* modular: right when shrinking too */
        return q;
    }
    if (is_small(old_size) && is_small(new_size) && class_of(old_size) == class_of(new_size))
        return p;
    if (!(q = slab_alloc(ctx, new_size)))
        return NULL;
    memcpy(q, p, old_size < new_size ? old_size : new_size);
    slab_free(ctx, p, old_size, 0);
    return q;
}

/* A small block's usable size is its class size. usable_size is not told the alignment, so for
 * a block from aligned_alloc this is the class of the unaligned size (a lower bound: the block
 * may sit in a larger class, or come from posix_memalign), and the slab is never looked up:
 * an aligned block may not be in one. */
static size_t slab_usable_size(void *vctx, void *p, size_t size)
{
    if (is_small(size))
        return (size + 7) & ~(size_t)7;
    return malloc_usable_size(p);
}

/* footprint: mapped slabs plus the requested bytes of live blocks from malloc (malloc's own
 * overhead on those is not visible here). mmap_bytes: the slabs only. free: free blocks in the
 * mapped slabs, empty held slabs included; metadata: the slab headers; unused: the tails no
 * class size divides. */
static void slab_stats(void *vctx, struct allocator_stats *out)
{
    struct slab_ctx *ctx = vctx;
    size_t capacity_bytes = 0, empty = 0;
    for (unsigned k = 0; k < SLAB_CLASSES; k++) {
        const struct slab_class *c = &ctx->cls[k];
        capacity_bytes += c->slabs * c->capacity * c->size;
        empty += c->lists[LIST_EMPTY].count;
    }
    out->footprint_bytes = ctx->slabs * ctx->slab_size + ctx->large_bytes;
    out->in_use_bytes = ctx->small_bytes + ctx->large_bytes;
    out->free_bytes = capacity_bytes - ctx->small_bytes;
    out->metadata_bytes = ctx->slabs * SLAB_HEADER_BYTES;
    out->unused_bytes = ctx->slabs * (ctx->slab_size - SLAB_HEADER_BYTES) - capacity_bytes;
    out->retained_bytes = 0;
    out->mmap_bytes = ctx->slabs * ctx->slab_size;
    out->n_extra = 2;
    out->extra[0].name = "slabs_in_use";
    out->extra[0].value = ctx->slabs - empty;
    out->extra[1].name = "slabs_empty_held";
    out->extra[1].value = empty;
}

/* Everything create was told, as the context holds it. */
static void slab_config(void *vctx, char *buf, size_t len)
{
    const struct slab_ctx *ctx = vctx;
    snprintf(buf, len, "slab_size=%zu,empty_keep=%zu", ctx->slab_size, ctx->empty_keep);
}

const struct allocator_ops allocator_slab_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "slab",
    .description = "slab allocator on sgi's 16 classes: 64 KiB size-aligned mmap'd slabs, "
                   "empty slabs beyond one per class munmap'ed; larger sizes to malloc",
    .min_align = 8,
    .create = slab_create,
    .destroy = slab_destroy,
    .alloc = slab_alloc,
    .free = slab_free,
    .aligned_alloc = slab_aligned_alloc,
    .realloc = slab_realloc,
    .usable_size = slab_usable_size,
    .stats = slab_stats,
    .options = slab_options,
    .n_options = sizeof slab_options / sizeof slab_options[0],
    .config = slab_config,
};
