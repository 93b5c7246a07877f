/* allocreplay-micro: Google Benchmark micro-benchmarks of every backend of this build, in C
 * through bench/gbench_shim.h (DESIGN.md 9).
 *
 *   pair/BACKEND/SIZE              one alloc + free of SIZE bytes (8..128 step 8, 256, 1024,
 *                                  4096, 65536); time per pair
 *   batch_{lifo,fifo,random}/BACKEND/N
 *                                  N allocations of mixed small sizes, then N frees in that
 *                                  order; time per batch, items_per_second = allocations/s
 *   realloc_growth/BACKEND         one block grown by doubling from 8 B to 64 KiB, then freed
 *   trace/BACKEND/TRACE            a shipped trace replayed (events_per_second counter)
 *
 * Every Google Benchmark flag works: --benchmark_filter='^pair/sgi/',
 * --benchmark_repetitions=5, --benchmark_format=json, --benchmark_out=FILE, so its compare.py
 * can compare two runs. `--traces DIR` replaces the shipped traces directory.
 *
 * Harness memory (pointer arrays, orders) is mmap'd, never taken from the backend under test or
 * from malloc, so the malloc backend's heap holds only what the benchmark allocates.
 */
#include "allocator.h"
#include "config.h"
#include "gbench_shim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Alloc+free pairs are a few nanoseconds: count this many per keep_running call so the call
 * across the shim does not dominate. */
#define PAIR_BATCH 64

/* A benchmark instance's fixed data: the backend (and, for traces, the trace). */
struct bench_case {
    const struct allocator_ops *ops;
    int order; /* batch benchmarks: enum batch_order */
};

enum batch_order { ORDER_LIFO, ORDER_FIFO, ORDER_RANDOM };

static void *table_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Creates the backend's context, or marks the instance failed and returns NULL. */
static void *backend_open(struct gbench_state *st, const struct allocator_ops *ops)
{
    struct allocator_options opt = {0};
    char err[256] = "";
    void *ctx = ops->create(&opt, err, sizeof err);
    if (!ctx)
        gbench_skip_with_error(st, err[0] ? err : "backend create failed");
    return ctx;
}

static void bm_pair(struct gbench_state *st, void *user)
{
    const struct allocator_ops *ops = ((const struct bench_case *)user)->ops;
    size_t size = (size_t)gbench_range(st, 0);
    void *ctx = backend_open(st, ops);
    if (!ctx)
        return;
    while (gbench_keep_running_batch(st, PAIR_BATCH)) {
        for (int i = 0; i < PAIR_BATCH; i++) {
            void *p = ops->alloc(ctx, size);
            if (!p) {
                gbench_skip_with_error(st, "out of memory");
                break;
            }
            ops->free(ctx, p, size, 0);
        }
    }
    gbench_set_items_processed(st, (int64_t)gbench_iterations(st));
    ops->destroy(ctx);
}

/* Sizes of the batch benchmarks: the 16 small classes in turn, the pool's and slab's range. */
static size_t batch_size(size_t i)
{
    return (i % 16 + 1) * 8;
}

/* A reproducible permutation of 0..n-1 (xorshift64, Fisher-Yates). */
static void shuffle(uint32_t *order, size_t n)
{
    uint64_t s = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        size_t j = (size_t)(s % i);
        uint32_t t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

static void run_batches(struct gbench_state *st, const struct allocator_ops *ops, void *ctx,
                        void **ptr, const uint32_t *order, size_t n)
{
    while (gbench_keep_running(st)) {
        size_t got;
        for (got = 0; got < n; got++)
            if (!(ptr[got] = ops->alloc(ctx, batch_size(got))))
                break;
        for (size_t i = 0; i < n; i++) {
            uint32_t k = order[i];
            if (k < got)
                ops->free(ctx, ptr[k], batch_size(k), 0);
        }
        if (got < n) {
            gbench_skip_with_error(st, "out of memory");
            break;
        }
    }
    gbench_set_items_processed(st, (int64_t)(gbench_iterations(st) * n));
}

static void bm_batch(struct gbench_state *st, void *user)
{
    const struct bench_case *bc = user;
    size_t n = (size_t)gbench_range(st, 0);
    void **ptr = table_alloc(n * sizeof *ptr);
    uint32_t *order = table_alloc(n * sizeof *order);
    void *ctx = NULL;
    if (!ptr || !order) {
        gbench_skip_with_error(st, "cannot map the benchmark tables");
    } else if ((ctx = backend_open(st, bc->ops)) != NULL) {
        for (size_t i = 0; i < n; i++)
            order[i] = (uint32_t)(bc->order == ORDER_LIFO ? n - 1 - i : i);
        if (bc->order == ORDER_RANDOM)
            shuffle(order, n);
        run_batches(st, bc->ops, ctx, ptr, order, n);
        bc->ops->destroy(ctx);
    }
    if (ptr)
        munmap(ptr, n * sizeof *ptr);
    if (order)
        munmap(order, n * sizeof *order);
}

/* realloc of a backend without one, as the harness replays it: alloc, copy, free. */
static void *grow(const struct allocator_ops *ops, void *ctx, void *p, size_t old, size_t new)
{
    if (ops->realloc)
        return ops->realloc(ctx, p, old, new);
    void *q = ops->alloc(ctx, new);
    if (q) {
        memcpy(q, p, old);
        ops->free(ctx, p, old, 0);
    }
    return q;
}

#define GROWTH_FROM 8
#define GROWTH_TO 65536

static void bm_realloc_growth(struct gbench_state *st, void *user)
{
    const struct allocator_ops *ops = ((const struct bench_case *)user)->ops;
    void *ctx = backend_open(st, ops);
    if (!ctx)
        return;
    int64_t steps = 0;
    while (gbench_keep_running(st)) {
        size_t size = GROWTH_FROM;
        void *p = ops->alloc(ctx, size);
        for (; p && size < GROWTH_TO; size *= 2, steps++)
            p = grow(ops, ctx, p, size, size * 2);
        if (!p) {
            gbench_skip_with_error(st, "out of memory");
            break;
        }
        ops->free(ctx, p, size, 0);
    }
    gbench_set_items_processed(st, steps);
    ops->destroy(ctx);
}

/* The argument values of the size-class and batch benchmarks. */
static const int64_t pair_sizes[] = {8,  16, 24, 32,  40,  48,   56,   64,   72,   80,
                                     88, 96, 104, 112, 120, 128, 256, 1024, 4096, 65536};
static const struct gbench_range batch_counts[] = {{16, 4096}};
static const char *const size_name[] = {"size"};
static const char *const count_name[] = {"n"};

static int register_backend(const struct allocator_ops *ops, struct bench_case cases[4])
{
    static const char *const order_names[] = {"lifo", "fifo", "random"};
    char name[128];
    int rc = 0;

    cases[0] = (struct bench_case){.ops = ops};
    snprintf(name, sizeof name, "pair/%s", ops->name);
    rc |= gbench_register(&(struct gbench_def){
        .name = name, .run = bm_pair, .user = &cases[0], .n_args = 1, .arg_sets = pair_sizes,
        .n_sets = sizeof pair_sizes / sizeof pair_sizes[0], .arg_names = size_name});
    for (int o = ORDER_LIFO; o <= ORDER_RANDOM; o++) {
        cases[1 + o] = (struct bench_case){.ops = ops, .order = o};
        snprintf(name, sizeof name, "batch_%s/%s", order_names[o], ops->name);
        rc |= gbench_register(&(struct gbench_def){
            .name = name, .run = bm_batch, .user = &cases[1 + o], .n_args = 1,
            .ranges = batch_counts, .range_multiplier = 4, .arg_names = count_name});
    }
    snprintf(name, sizeof name, "realloc_growth/%s", ops->name);
    rc |= gbench_register(
        &(struct gbench_def){.name = name, .run = bm_realloc_growth, .user = &cases[0]});
    return rc;
}

int main(int argc, char **argv)
{
    size_t n_backends;
    const struct allocator_ops *const *backends = allocator_registry(&n_backends);
    static struct bench_case cases[64][4];

    if (n_backends > sizeof cases / sizeof cases[0]) {
        fprintf(stderr, "allocreplay-micro: more backends than this program expects\n");
        return 1;
    }
    for (size_t b = 0; b < n_backends; b++) {
        /* null's free does nothing: a loop of pairs would only walk its bump pointer through
         * its whole reservation. It is measured on traces only, as the harness's own cost. */
        if (!strcmp(backends[b]->name, "null"))
            continue;
        if (register_backend(backends[b], cases[b]) != 0) {
            fprintf(stderr, "allocreplay-micro: cannot register the %s benchmarks\n",
                    backends[b]->name);
            return 1;
        }
    }
    return gbench_run_all(argc, argv);
}
