/* Synthetic traces for the benchmark scripts, two kinds from one program:
 *
 *   trace_gen N OUT.yaml|OUT.alrt [SEED]
 *     the mix, for bench/trace_load.sh: allocs, callocs, aligned allocs, reallocs and frees on
 *     a working set of live objects, one event in eight from another thread. As YAML it is
 *     written the way a person or a converted recording would have it: compact sequences, and
 *     mappings for the events that carry a thread. As binary it goes through trace_save, e.g.
 *     to make the 100-million-event file on which `allocreplay info` must stay in bounded
 *     memory.
 *
 *   trace_gen --churn N OUT.yaml|OUT.alrt [WINDOW [RUN]]      (defaults 10000, 1)
 *     the churn, for bench/overhead.sh: malloc/free only, over a window of live objects
 *     (between WINDOW/2 and WINDOW once filled), sizes mostly small (8..512 bytes, a few up to
 *     64 KiB), every allocation a new id as in a recorded trace. Allocations and frees come in
 *     runs of mean length RUN: RUN=1 is a coin flip per event, the least predictable sequence
 *     for a replayer's branch on the event kind; programs show longer runs (a container
 *     filled, then destroyed). Always the same seed.
 *
 * Both are deterministic for given arguments. */
#include "trace/trace.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;
static uint64_t rnd(void)
{
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
}

/* Small sizes dominate, with a long tail, as in most programs. */
static uint64_t size(void)
{
    unsigned r = (unsigned)(rnd() % 100);
    if (r < 70)
        return 8 + rnd() % 120;
    if (r < 95)
        return 128 + rnd() % 4000;
    return 4096 + rnd() % (1u << 20);
}

static int generate(uint64_t n, struct trace_builder *b)
{
    uint32_t *live = malloc(sizeof *live * (n + 1)), n_live = 0, next_id = 0;
    if (!live)
        return -1;
    for (uint64_t i = 0; i < n; i++) {
        unsigned pick = (unsigned)(rnd() % 100);
        struct trace_event ev = {.thread = (uint16_t)(rnd() % 8 == 0 ? 1 + rnd() % 7 : 0)};
        /* 45% allocs against 40% frees until 100,000 objects are live, then 30% against 40%:
         * the working set hovers around 100,000 objects. 15% are reallocs. */
        if (n_live == 0 || (pick < 45 && n_live < 100000) || pick < 30) {
            unsigned kind = (unsigned)(rnd() % 10);
            ev.id = next_id++;
            ev.op = kind < 7 ? TRACE_ALLOC : kind < 9 ? TRACE_CALLOC : TRACE_ALIGNED;
            ev.size = size();
            if (ev.op == TRACE_ALIGNED)
                ev.align_log2 = (uint8_t)(4 + rnd() % 9);
            live[n_live++] = ev.id;
        } else {
            uint32_t k = (uint32_t)(rnd() % n_live);
            ev.id = live[k];
            if (pick < 60) {
                ev.op = TRACE_REALLOC;
                ev.size = size();
            } else {
                ev.op = TRACE_FREE;
                live[k] = live[--n_live];
            }
        }
        if (trace_builder_push(b, &ev) != 0) {
            free(live);
            return -1;
        }
    }
    free(live);
    return 0;
}

/* xorshift64 with a fixed seed: the churn trace is the same on every run and every machine (the
 * numbers of docs/metrics.md, "The harness's own cost", were taken on it). */
static uint64_t churn_state = 0x2545f4914f6cdd1du;
static uint64_t churn_next(void)
{
    churn_state ^= churn_state << 13;
    churn_state ^= churn_state >> 7;
    churn_state ^= churn_state << 17;
    return churn_state;
}

static int generate_churn(uint64_t n, uint64_t window, uint64_t run, struct trace_builder *b)
{
    uint32_t *live = malloc(window * sizeof *live);
    if (!live)
        return -1;
    uint64_t n_live = 0;
    uint32_t next_id = 0;
    int allocating = 1;
    for (uint64_t i = 0; i < n; i++) {
        struct trace_event ev = {0};
        /* Fill the window, then keep it between half and full: allocate or free a random live
         * object, switching between the two at the end of each run; the trace ends with frees
         * draining what is left. */
        int drain = n - i <= n_live;
        if (churn_next() % run == 0)
            allocating = (int)(churn_next() % 2);
        if (n_live == 0 || (!drain && (n_live < window / 2 || (n_live < window && allocating)))) {
            uint64_t r = churn_next() % 1000;
            ev.op = TRACE_ALLOC;
            ev.size = r < 990 ? 8 + churn_next() % 505 : 513 + churn_next() % 65024;
            ev.id = next_id++;
            live[n_live++] = ev.id;
        } else {
            uint64_t k = churn_next() % n_live;
            ev.op = TRACE_FREE;
            ev.id = live[k];
            live[k] = live[--n_live];
        }
        if (trace_builder_push(b, &ev)) {
            free(live);
            return -1;
        }
    }
    free(live);
    return 0;
}

static int write_yaml(const char *path, const struct trace *t)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    static char buf[1 << 20];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    fprintf(f, "# generated by bench/trace_gen\nformat: allocreplay-trace/1\nname: %s\n"
               "description: %s\nevents:\n", t->name, t->description);
    for (uint64_t i = 0; i < t->n_events; i++) {
        const struct trace_event *e = &t->events[i];
        const char *op = trace_op_name((enum trace_op)e->op);
        unsigned long long sz = (unsigned long long)e->size;
        if (e->thread && e->op == TRACE_FREE)
            fprintf(f, "  - {op: free, id: %u, thread: %u}\n", e->id, e->thread);
        else if (e->thread && e->op == TRACE_ALIGNED)
            fprintf(f, "  - {op: aligned, id: %u, size: %llu, align: %u, thread: %u}\n", e->id,
                    sz, 1u << e->align_log2, e->thread);
        else if (e->thread)
            fprintf(f, "  - {op: %s, id: %u, size: %llu, thread: %u}\n", op, e->id, sz, e->thread);
        else if (e->op == TRACE_FREE)
            fprintf(f, "  - [free, %u]\n", e->id);
        else if (e->op == TRACE_ALIGNED)
            fprintf(f, "  - [aligned, %u, %llu, %u]\n", e->id, sz, 1u << e->align_log2);
        else
            fprintf(f, "  - [%s, %u, %llu]\n", op, e->id, sz);
    }
    return fclose(f);
}

static int usage(void)
{
    fprintf(stderr, "usage: trace_gen N OUT.yaml|OUT.alrt [SEED]\n"
                    "       trace_gen --churn N OUT.yaml|OUT.alrt [WINDOW [RUN]]\n");
    return 2;
}

/* A positive count, or 0 when s is not one. */
static uint64_t count(const char *s)
{
    char *end;
    uint64_t v = strtoull(s, &end, 10);
    return *s == '-' || *end ? 0 : v;
}

int main(int argc, char **argv)
{
    int churn = argc > 1 && !strcmp(argv[1], "--churn");
    argv += churn;
    argc -= churn;
    if (argc < 3 || argc > (churn ? 5 : 4))
        return usage();
    uint64_t n = count(argv[1]);
    uint64_t window = churn && argc > 3 ? count(argv[3]) : 10000;
    uint64_t run = churn && argc > 4 ? count(argv[4]) : 1;
    if (!n || !window || !run)
        return usage();
    const char *out = argv[2];
    struct trace_builder b;
    struct trace t;
    struct trace_error err;
    trace_builder_init(&b);
    int failed;
    if (churn) {
        failed = generate_churn(n, window, run, &b) ||
                 trace_builder_finish(&b, "churn", "synthetic malloc/free churn (bench/trace_gen.c --churn)", &t);
    } else {
        state = argc > 3 ? strtoull(argv[3], NULL, 10) : 42;
        failed = generate(n, &b) ||
                 trace_builder_finish(&b, "bench", "synthetic mix for the trace loading benchmark", &t);
    }
    if (failed) {
        fprintf(stderr, "trace_gen: out of memory\n");
        return 1;
    }
    int rc = 0;
    if (trace_format_from_path(out) == TRACE_FORMAT_BINARY) {
        if (trace_save(out, &t, &err) != 0) {
            fprintf(stderr, "trace_gen: %s\n", err.msg);
            rc = 1;
        }
    } else if (write_yaml(out, &t) != 0) {
        perror(out);
        rc = 1;
    }
    trace_release(&t);
    return rc;
}
