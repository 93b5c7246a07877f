/* The conformance suite every backend passes: built once with the built-in backends and once
 * per third-party worker (linked as that worker is), and run by meson once per backend.
 *
 *   conformance [SPEC]   SPEC: a backend name, plugin:PATH or preload:PATH; none: every backend
 *                        of this executable's registry
 *
 * Checks, for each backend: sizes 1 byte .. 1 MiB (alignment to the backend's min_align,
 * usable_size >= requested, contents intact, no two live blocks overlap); aligned_alloc for
 * alignments 1 .. 4096; realloc keeping the content while growing and shrinking; calloc (when the backend has
 * it) returning zeroed blocks where dirty blocks were just freed; a long seeded
 * churn of alloc/free/realloc with every block's content checked at each free and realloc and
 * the live set checked for overlaps; stats that are consistent with the live bytes; and, for a
 * backend flagged ALLOCATOR_THREAD_SAFE, the same churn from four threads on one context. */
#include "allocators/registry.h"
#include "tap.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct block {
    unsigned char *p;
    size_t size, align;
    uint32_t tag; /* seeds the content pattern */
};

static const struct allocator_ops *ops;
static void *ctx;
static const char *bname;

/* Each 8-byte word depends on its block's tag and its offset, so a block overwritten by
 * another block, or moved without its content, is caught. Word-wise, because the churn fills
 * and checks hundreds of megabytes and the sanitizer build must stay fast. */
static uint64_t pattern(uint32_t tag, size_t word)
{
    return ((uint64_t)tag << 32 | (uint32_t)word) * 0x9e3779b97f4a7c15ull;
}

static void fill(struct block *b)
{
    size_t words = b->size / 8;
    uint64_t w;
    for (size_t i = 0; i < words; i++) {
        w = pattern(b->tag, i);
        memcpy(b->p + 8 * i, &w, 8);
    }
    w = pattern(b->tag, words);
    memcpy(b->p + 8 * words, &w, b->size % 8);
}

/* Checks the first n bytes; returns 1 if they hold the block's pattern. */
static int intact(const struct block *b, size_t n)
{
    size_t words = n / 8;
    uint64_t w;
    for (size_t i = 0; i < words; i++) {
        w = pattern(b->tag, i);
        if (memcmp(b->p + 8 * i, &w, 8))
            return 0;
    }
    w = pattern(b->tag, words);
    return !memcmp(b->p + 8 * words, &w, n % 8);
}

static int aligned(const void *p, size_t align)
{
    return ((uintptr_t)p & (align - 1)) == 0;
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const struct block *)a)->p, y = (uintptr_t)((const struct block *)b)->p;
    return (x > y) - (x < y);
}

/* Sorts a copy of the live blocks by address and checks that each ends before the next begins
 * (a zero-byte block counts as one byte, so two equal pointers overlap too). */
static int no_overlap(const struct block *blocks, size_t n, const char *what)
{
    struct block *sorted = malloc(n * sizeof *sorted);
    size_t live = 0, bad = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        if (blocks[i].p)
            sorted[live++] = blocks[i];
    qsort(sorted, live, sizeof *sorted, by_address);
    for (size_t i = 0; i + 1 < live && bad == SIZE_MAX; i++)
        if (sorted[i].p + (sorted[i].size ? sorted[i].size : 1) > sorted[i + 1].p)
            bad = i;
    int ok = tap_ok(bad == SIZE_MAX, "%s: %s: %zu live blocks, none overlapping", bname, what, live);
    if (bad != SIZE_MAX)
        printf("# %p+%zu overlaps %p\n", (void *)sorted[bad].p, sorted[bad].size,
               (void *)sorted[bad + 1].p);
    free(sorted);
    return ok;
}

/* The alignment a result of this size must have: min_align, and with ALLOCATOR_ALIGN_NATURAL
 * the largest power of two no larger than the size, capped at 16. */
static size_t result_align(size_t size)
{
    size_t a = ops->min_align;
    if (ops->flags & ALLOCATOR_ALIGN_NATURAL)
        while (a < 16 && 2 * a <= size)
            a *= 2;
    return a;
}

/* Allocates b (size, align, tag already set) and checks what every result must satisfy. */
static int take(struct block *b, const char **why)
{
    size_t need = b->align > result_align(b->size) ? b->align : result_align(b->size);
    b->p = b->align ? ops->aligned_alloc(ctx, b->size, b->align) : ops->alloc(ctx, b->size);
    if (!b->p)
        return *why = "NULL", 0;
    if (!aligned(b->p, need))
        return *why = "misaligned", 0;
    if (ops->usable_size && ops->usable_size(ctx, b->p, b->size) < b->size)
        return *why = "usable_size below the request", 0;
    fill(b);
    return 1;
}

static void give(struct block *b)
{
    ops->free(ctx, b->p, b->size, b->align);
    b->p = NULL;
}

static void check_sizes(void)
{
    enum { MAXN = 512 + 3 * 12 };
    struct block blocks[MAXN];
    size_t n = 0, bad = 0;
    const char *why = "";
    for (size_t s = 1; s <= 512; s++)
        blocks[n++] = (struct block){.size = s, .tag = (uint32_t)s};
    for (size_t s = 1024; s <= (size_t)1 << 20; s *= 2)
        for (size_t d = 0; d < 3; d++)
            blocks[n++] = (struct block){.size = s - 1 + d, .tag = (uint32_t)(s + d)};
    for (size_t i = 0; i < n; i++)
        if (!take(&blocks[i], &why) && !bad++)
            printf("# size %zu: %s\n", blocks[i].size, why);
    tap_ok(bad == 0, "%s: sizes 1 .. 1 MiB: non-NULL, aligned to %zu%s, usable >= requested", bname,
           ops->min_align, ops->flags & ALLOCATOR_ALIGN_NATURAL ? " (16 from 16 bytes)" : "");
    if (bad)
        return;
    no_overlap(blocks, n, "sizes 1 .. 1 MiB");
    for (size_t i = 0; i < n; i++)
        if (!intact(&blocks[i], blocks[i].size) && !bad++)
            printf("# size %zu: content changed\n", blocks[i].size);
    tap_ok(bad == 0, "%s: sizes 1 .. 1 MiB: contents intact with all blocks live", bname);
    for (size_t i = 0; i < n; i++)
        give(&blocks[i]);

    void *z = ops->alloc(ctx, 0);
    if (z)
        ops->free(ctx, z, 0, 0);
    tap_ok(!z || aligned(z, ops->min_align), "%s: a zero-byte request is %s", bname,
           z ? "an aligned block free takes back" : "refused with NULL");
}

static void check_aligned(void)
{
    static const size_t sizes[] = {1, 8, 24, 100, 128, 129, 1000, 5000, 70000};
    enum { NS = sizeof sizes / sizeof sizes[0], NA = 13 };
    struct block blocks[NS * NA];
    size_t n = 0, bad = 0;
    const char *why = "";
    if (!ops->aligned_alloc) {
        tap_ok(1, "%s: aligned_alloc # SKIP not provided (the harness emulates it)", bname);
        return;
    }
    for (size_t a = 1; a <= 4096; a *= 2)
        for (size_t i = 0; i < NS; i++) {
            struct block *b = &blocks[n++];
            *b = (struct block){.size = sizes[i], .align = a, .tag = (uint32_t)(a * 1000 + i)};
            if (!take(b, &why) && !bad++)
                printf("# aligned_alloc(%zu, %zu): %s\n", b->size, a, why);
        }
    tap_ok(bad == 0, "%s: aligned_alloc, alignments 1 .. 4096: aligned, usable >= requested", bname);
    if (bad)
        return;
    no_overlap(blocks, n, "aligned_alloc");
    for (size_t i = 0; i < n; i++)
        if (!intact(&blocks[i], blocks[i].size))
            bad++;
    tap_ok(bad == 0, "%s: aligned_alloc: contents intact", bname);
    for (size_t i = 0; i < n; i++)
        give(&blocks[i]);
}

static void check_realloc(void)
{
    static const size_t steps[] = {1,    8,       9,    24,  128, 129, 500, 4096, 100000,
                                   1 << 20, 4000, 129, 128, 64,  3,   1,   200, 7};
    struct block b = {.size = steps[0], .tag = 7};
    const char *why = "";
    size_t bad = 0;
    if (!ops->realloc) {
        tap_ok(1, "%s: realloc # SKIP not provided (the harness emulates it)", bname);
        return;
    }
    if (!tap_ok(take(&b, &why), "%s: realloc: first block (%s)", bname, why))
        return;
    for (size_t i = 1; i < sizeof steps / sizeof steps[0]; i++) {
        size_t keep = b.size < steps[i] ? b.size : steps[i];
        unsigned char *q = ops->realloc(ctx, b.p, b.size, steps[i]);
        if (!q) {
            printf("# realloc %zu -> %zu: NULL\n", b.size, steps[i]);
            bad++;
            break;
        }
        b.p = q;
        if (!aligned(q, result_align(steps[i])) && !bad++)
            printf("# realloc %zu -> %zu: misaligned\n", b.size, steps[i]);
        if (!intact(&b, keep) && !bad++)
            printf("# realloc %zu -> %zu lost content\n", b.size, steps[i]);
        b.size = steps[i];
        if (ops->usable_size && ops->usable_size(ctx, b.p, b.size) < b.size && !bad++)
            printf("# realloc to %zu: usable_size below the request\n", b.size);
        fill(&b);
    }
    tap_ok(bad == 0, "%s: realloc keeps the content growing to 1 MiB and shrinking to 1 byte",
           bname);
    if (b.p)
        give(&b);
}

/* calloc must zero memory the allocator reuses, not only memory fresh from the system: the
 * same sizes are first allocated, filled with a pattern and freed, so the calloc'ed blocks
 * are likely to be those dirty ones. Without the method the harness zeroes after alloc
 * (replay.c), which needs no check here. */
static void check_calloc(void)
{
    static const size_t sizes[] = {0,   1,    8,    15,   16,   24,    100,    128,    129,
                                   500, 1000, 4096, 5000, 70000, 200000, 1 << 20, 3, 48};
    enum { NS = sizeof sizes / sizeof sizes[0] };
    struct block blocks[NS];
    size_t bad = 0;
    const char *why = "";
    if (!ops->calloc) {
        tap_ok(1, "%s: calloc # SKIP not provided (the harness zeroes after alloc)", bname);
        return;
    }
    for (size_t i = 0; i < NS; i++) {
        blocks[i] = (struct block){.size = sizes[i], .tag = (uint32_t)(900 + i)};
        if (!take(&blocks[i], &why) && !bad++)
            printf("# calloc: dirtying alloc(%zu): %s\n", sizes[i], why);
    }
    for (size_t i = 0; i < NS; i++)
        if (blocks[i].p)
            give(&blocks[i]);
    for (size_t i = 0; i < NS; i++) {
        struct block *b = &blocks[i];
        b->p = ops->calloc(ctx, b->size);
        if (!b->p) {
            if (b->size && !bad++)
                printf("# calloc(%zu): NULL\n", b->size);
            continue;
        }
        if (!aligned(b->p, result_align(b->size)) && !bad++)
            printf("# calloc(%zu): misaligned\n", b->size);
        for (size_t k = 0; k < b->size; k++)
            if (b->p[k] != 0) {
                if (!bad++)
                    printf("# calloc(%zu): byte %zu is %u\n", b->size, k, b->p[k]);
                break;
            }
        if (ops->usable_size && ops->usable_size(ctx, b->p, b->size) < b->size && !bad++)
            printf("# calloc(%zu): usable_size below the request\n", b->size);
        fill(b);
    }
    if (!bad)
        no_overlap(blocks, NS, "calloc");
    for (size_t i = 0; i < NS; i++)
        if (blocks[i].p && !intact(&blocks[i], blocks[i].size) && !bad++)
            printf("# calloc(%zu): content changed\n", blocks[i].size);
    tap_ok(bad == 0, "%s: calloc 0 .. 1 MiB after dirty frees: zeroed, aligned, usable >= requested",
           bname);
    for (size_t i = 0; i < NS; i++)
        if (blocks[i].p)
            give(&blocks[i]);
}

/* xorshift64*: the churn is the same on every run and machine. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Mostly small sizes, as real programs have, with a tail up to 64 KiB. */
static size_t random_size(uint64_t *s)
{
    uint64_t r = next_random(s);
    unsigned kind = (unsigned)(r % 100);
    r >>= 8;
    if (kind < 70)
        return 1 + (size_t)(r % 128);
    if (kind < 95)
        return 129 + (size_t)(r % 4000);
    return 4096 + (size_t)(r % 61440);
}

struct churn {
    uint64_t seed;
    size_t slots, ops;
    size_t failures;    /* NULL results, bad alignment or usable size, lost content */
    size_t live_bytes;  /* requested bytes of the blocks live at the end */
    struct block *blocks;
};

static void churn_fail(struct churn *c, const char *what, size_t size)
{
    if (!c->failures++)
        printf("# churn: %s (size %zu)\n", what, size);
}

/* Runs c->ops random operations on c->slots slots; leaves the survivors live for the caller. */
static void churn_run(struct churn *c)
{
    uint64_t s = c->seed;
    uint32_t tag = (uint32_t)c->seed;
    const char *why = "";
    for (size_t op = 0; op < c->ops; op++) {
        struct block *b = &c->blocks[next_random(&s) % c->slots];
        unsigned kind = (unsigned)(next_random(&s) % 10);
        if (!b->p) {
            b->size = random_size(&s);
            b->align = ops->aligned_alloc && kind == 0 ? (size_t)16 << (next_random(&s) % 7) : 0;
            b->tag = ++tag;
            if (!take(b, &why))
                churn_fail(c, why, b->size * 100000 + b->align);
        } else if (kind < 4 && ops->realloc && !b->align) {
            size_t new_size = random_size(&s), keep = b->size < new_size ? b->size : new_size;
            if (!intact(b, b->size))
                churn_fail(c, "content changed while live", b->size);
            unsigned char *q = ops->realloc(ctx, b->p, b->size, new_size);
            if (!q) {
                churn_fail(c, "realloc returned NULL", new_size);
                continue;
            }
            b->p = q;
            if (!intact(b, keep))
                churn_fail(c, "realloc lost content", new_size);
            b->size = new_size;
            b->tag = ++tag;
            if (!aligned(q, result_align(new_size)))
                churn_fail(c, "realloc result misaligned", new_size);
            fill(b);
        } else {
            if (!intact(b, b->size))
                churn_fail(c, "content changed while live", b->size);
            give(b);
        }
    }
    c->live_bytes = 0;
    for (size_t i = 0; i < c->slots; i++)
        if (c->blocks[i].p) {
            if (!intact(&c->blocks[i], c->blocks[i].size))
                churn_fail(c, "content changed while live", c->blocks[i].size);
            c->live_bytes += c->blocks[i].size;
        }
}

static void churn_release(struct churn *c)
{
    for (size_t i = 0; i < c->slots; i++)
        if (c->blocks[i].p)
            give(&c->blocks[i]);
    free(c->blocks);
}

static void check_stats(size_t live)
{
    struct allocator_stats st;
    if (!ops->stats) {
        tap_ok(1, "%s: stats # SKIP not provided", bname);
        return;
    }
    allocator_stats_read(ops, ctx, &st);
    tap_ok(st.footprint_bytes == ALLOCATOR_UNKNOWN || st.footprint_bytes >= live,
           "%s: footprint %zu >= live bytes %zu (or unknown)", bname, st.footprint_bytes, live);
    tap_ok(st.in_use_bytes == ALLOCATOR_UNKNOWN || st.in_use_bytes >= live,
           "%s: in use %zu >= live bytes %zu (or unknown)", bname, st.in_use_bytes, live);
    tap_ok(st.n_extra <= sizeof st.extra / sizeof st.extra[0], "%s: %u extra figures", bname,
           st.n_extra);
}

static void check_churn(void)
{
    struct churn c = {.seed = 0x9e3779b97f4a7c15ull, .slots = 4096, .ops = 250000};
    c.blocks = calloc(c.slots, sizeof *c.blocks);
    churn_run(&c);
    tap_ok(c.failures == 0, "%s: churn of %zu seeded alloc/free/realloc, every block checked",
           bname, c.ops);
    no_overlap(c.blocks, c.slots, "after the churn");
    check_stats(c.live_bytes);
    churn_release(&c);
}

static void *churn_thread(void *arg)
{
    churn_run(arg);
    return NULL;
}

static void check_threads(void)
{
    enum { NT = 4 };
    struct churn c[NT];
    pthread_t t[NT];
    size_t failures = 0, started = 0;
    if (!(ops->flags & ALLOCATOR_THREAD_SAFE))
        return;
    for (size_t i = 0; i < NT; i++) {
        c[i] = (struct churn){.seed = 0x1234567ull * (i + 1), .slots = 1024, .ops = 60000};
        c[i].blocks = calloc(c[i].slots, sizeof *c[i].blocks);
    }
    for (size_t i = 0; i < NT; i++)
        started += pthread_create(&t[i], NULL, churn_thread, &c[i]) == 0;
    for (size_t i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    for (size_t i = 0; i < NT; i++)
        failures += c[i].failures;
    tap_ok(started == NT && failures == 0, "%s: %d threads churning on one context", bname, NT);
    struct block *all = calloc(NT * 1024, sizeof *all);
    for (size_t i = 0; i < NT; i++)
        memcpy(all + i * 1024, c[i].blocks, 1024 * sizeof *all);
    no_overlap(all, NT * 1024, "after the threaded churn");
    free(all);
    for (size_t i = 0; i < NT; i++)
        churn_release(&c[i]);
}

static void run(const struct allocator_ops *o, const struct allocator_options *opt)
{
    char err[512] = "";
    const char *why = allocator_ops_check(o);
    ops = o;
    bname = o->name;
    if (!tap_ok(why == NULL, "%s: the ops table passes allocator_ops_check (%s)", bname,
                why ? why : "ok"))
        return;
    ctx = ops->create(opt, err, sizeof err);
    if (!tap_ok(ctx != NULL, "%s: create (%s)", bname, ctx ? "ok" : err))
        return;
    check_sizes();
    check_aligned();
    check_realloc();
    check_calloc();
    check_churn();
    check_threads();
    ops->destroy(ctx);
}

int main(int argc, char **argv)
{
    struct allocator_options opt = {0};
    char err[512];
    if (argc > 2) {
        fprintf(stderr, "usage: %s [BACKEND | plugin:PATH | preload:PATH]\n", argv[0]);
        return 99;
    }
    if (argc == 2) {
        const struct allocator_ops *o = allocator_resolve(argv[1], &opt, err, sizeof err);
        if (!o) {
            printf("Bail out! %s\n", err);
            return 99;
        }
        run(o, &opt);
    } else {
        size_t n;
        const struct allocator_ops *const *all = allocator_registry(&n);
        for (size_t i = 0; i < n; i++)
            run(all[i], &opt);
    }
    return tap_done();
}
