/* allocreplay-micro: Google Benchmark micro-benchmarks of every backend of this build, in C
 * through bench/gbench_shim.h (docs/performance.md).
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
 * The tables used while the clock runs (pointer arrays, orders, the replay's slots) come from
 * os_table_alloc (mmap'd, pre-touched), never from the backend under test or from malloc.
 */
#include "allocators/registry.h"
#include "config.h"
#include "gbench_shim.h"
#include "replay/os.h"
#include "replay/replay.h"
#include "trace/trace.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Alloc+free pairs are a few nanoseconds: count this many per keep_running call so the call
 * across the shim does not dominate. */
#define PAIR_BATCH 64

/* A benchmark instance's fixed data: the backend (and, for traces, the trace). */
struct bench_case {
    const struct allocator_ops *ops;
    int order;                /* batch benchmarks: enum batch_order */
    const struct trace *trace; /* trace benchmarks */
};

enum batch_order { ORDER_LIFO, ORDER_FIFO, ORDER_RANDOM };

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
    void **ptr = os_table_alloc(n * sizeof *ptr);
    uint32_t *order = os_table_alloc(n * sizeof *order);
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
    os_table_free(ptr, n * sizeof *ptr);
    os_table_free(order, n * sizeof *order);
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
        while (p && size < GROWTH_TO) {
            void *q = grow(ops, ctx, p, size, size * 2);
            if (!q)
                break;
            p = q;
            size *= 2;
            steps++;
        }
        if (p)
            ops->free(ctx, p, size, 0);
        if (!p || size < GROWTH_TO) {
            gbench_skip_with_error(st, "out of memory");
            break;
        }
    }
    gbench_set_items_processed(st, steps);
    ops->destroy(ctx);
}

/* One replay of a trace per iteration, through the harness's own engine (harness/replay/include/replay/replay.h) in
 * its throughput pass, so these numbers are the worker's. Each iteration starts from a fresh
 * backend context and fresh replay tables; the reported time is the engine's own measure of
 * its replay loop (manual time), so the set-up and tear-down around it never count. */
static void bm_trace(struct gbench_state *st, void *user)
{
    const struct bench_case *bc = user;
    const struct trace *t = bc->trace;
    const struct replay_config cfg = {.pass = REPLAY_THROUGHPUT};
    char err[256];

    while (gbench_keep_running(st)) {
        struct replay r;
        void *ctx = backend_open(st, bc->ops);
        if (!ctx)
            break;
        if (replay_init(&r, t->events, t->n_events, t->n_ids, bc->ops, ctx, &cfg, err,
                        sizeof err) != 0) {
            gbench_skip_with_error(st, err);
            bc->ops->destroy(ctx);
            break;
        }
        int failed = replay_run(&r) != 0;
        if (failed)
            gbench_skip_with_error(st, r.reason);
        else
            gbench_set_iteration_time(st, (double)r.wall_ns * 1e-9);
        replay_release(&r);
        bc->ops->destroy(ctx);
        if (failed)
            break;
    }
    gbench_set_counter(st, "events_per_second", (double)gbench_iterations(st) * t->n_events,
                       GBENCH_COUNTER_RATE);
}

/* The shipped traces: every .yaml, .yml and .alrt file under the traces directory but specs/. */
struct trace_set {
    struct trace *traces;
    char **names; /* path relative to the directory */
    size_t n, cap;
};

static int is_trace_file(const char *name)
{
    enum trace_format f = trace_format_from_path(name);
    return f == TRACE_FORMAT_YAML || f == TRACE_FORMAT_BINARY;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects the trace paths under dir/rel (rel "" at the top), sorted, into *paths. */
static int find_traces(const char *dir, const char *rel, char ***paths, size_t *n, size_t *cap)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", dir, rel[0] ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return rel[0] ? 0 : -1;
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        int is_dir = de->d_type == DT_DIR;
        if (de->d_type == DT_UNKNOWN) { /* some file systems do not fill d_type */
            char full[8192];
            struct stat sb;
            snprintf(full, sizeof full, "%s/%s", dir, sub);
            is_dir = stat(full, &sb) == 0 && S_ISDIR(sb.st_mode);
        }
        if (is_dir) {
            /* traces/specs/ holds `allocreplay generate` specs, which are YAML but not traces. */
            if (strcmp(sub, "specs") != 0)
                rc = find_traces(dir, sub, paths, n, cap);
        } else if (is_trace_file(de->d_name)) {
            if (*n == *cap) {
                size_t nc = *cap ? *cap * 2 : 16;
                char **np = realloc(*paths, nc * sizeof *np);
                if (!np) {
                    rc = -1;
                    break;
                }
                *paths = np;
                *cap = nc;
            }
            if (!((*paths)[*n] = strdup(sub)))
                rc = -1;
            else
                (*n)++;
        }
    }
    closedir(d);
    return rc;
}

/* Loads every trace under dir. Returns 0, or 2 with one line on stderr. */
static int load_traces(const char *dir, struct trace_set *set)
{
    size_t cap = 0;
    if (find_traces(dir, "", &set->names, &set->n, &cap) != 0) {
        fprintf(stderr, "allocreplay-micro: %s: cannot list the traces directory\n", dir);
        return 2;
    }
    qsort(set->names, set->n, sizeof *set->names, cmp_name);
    set->traces = calloc(set->n ? set->n : 1, sizeof *set->traces);
    if (!set->traces) {
        fprintf(stderr, "allocreplay-micro: out of memory\n");
        return 2;
    }
    for (size_t i = 0; i < set->n; i++) {
        char path[4096];
        struct trace_error err;
        snprintf(path, sizeof path, "%s/%s", dir, set->names[i]);
        if (trace_load(path, NULL, &set->traces[i], NULL, &err) != 0) {
            fprintf(stderr, "allocreplay-micro: %s\n", err.msg);
            return 2;
        }
    }
    return 0;
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

/* Removes `--traces DIR` (or `--traces=DIR`) from argv, which then holds only what Google
 * Benchmark should parse. Returns the directory (default: the source tree's traces/), or NULL
 * when the option lacks its value. */
static const char *take_traces_option(int *argc, char **argv)
{
    const char *dir = ALLOCREPLAY_SOURCE_ROOT "/traces";
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        if (!strcmp(argv[i], "--traces")) {
            if (i + 1 >= *argc)
                return NULL;
            dir = argv[++i];
        } else if (!strncmp(argv[i], "--traces=", 9)) {
            dir = argv[i] + 9;
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return dir;
}

static int register_traces(const struct allocator_ops *const *backends, size_t n_backends,
                           const struct trace_set *set, struct bench_case *cases)
{
    char name[512];
    for (size_t b = 0; b < n_backends; b++) {
        for (size_t i = 0; i < set->n; i++) {
            struct bench_case *bc = &cases[b * set->n + i];
            *bc = (struct bench_case){.ops = backends[b], .trace = &set->traces[i]};
            snprintf(name, sizeof name, "trace/%s/%s", backends[b]->name, set->names[i]);
            if (gbench_register(&(struct gbench_def){.name = name, .run = bm_trace,
                                                     .user = bc, .use_manual_time = true}) != 0)
                return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t n_backends;
    const struct allocator_ops *const *backends = allocator_registry(&n_backends);
    struct bench_case (*cases)[4] = calloc(n_backends ? n_backends : 1, sizeof *cases);
    struct trace_set set = {0};

    const char *dir = take_traces_option(&argc, argv);
    if (!dir) {
        fprintf(stderr, "allocreplay-micro: --traces needs a directory\n");
        return 2;
    }
    int rc = load_traces(dir, &set);
    if (rc != 0)
        return rc;
    struct bench_case *trace_cases = calloc(n_backends * set.n + 1, sizeof *trace_cases);
    if (!cases || !trace_cases) {
        fprintf(stderr, "allocreplay-micro: out of memory\n");
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
    if (register_traces(backends, n_backends, &set, trace_cases) != 0) {
        fprintf(stderr, "allocreplay-micro: cannot register the trace benchmarks\n");
        return 1;
    }
    rc = gbench_run_all(argc, argv);
    for (size_t i = 0; i < set.n; i++) {
        trace_release(&set.traces[i]);
        free(set.names[i]);
    }
    free(set.traces);
    free(set.names);
    free(trace_cases);
    free(cases);
    return rc;
}
