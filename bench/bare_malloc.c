/* The reference the replay is measured against: the same trace replayed by a bare loop that
 * calls the C library directly (malloc, calloc, aligned_alloc, realloc, free) with a flat
 * pointer table, no function pointers and no size table. One run per process, like a
 * throughput worker, so both start from a fresh heap.
 *
 * With --floor the loop calls nothing: alloc bumps a pointer inline and free only reads the
 * table. That is the cost of reading events and dispatching on their kind, which every
 * replayer pays (on a random alloc/free mix, mostly the mispredicted branch on the kind).
 *
 *   allocreplay-bare-malloc [--floor] TRACE */
#include "os.h"
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t floor_loop(const struct trace *t, void **ptr)
{
    static char arena[1 << 20];
    uintptr_t cur = 0;
    uint64_t t0 = os_clock_ns();
    const struct trace_event *ev = t->events, *end = ev + t->n_events;
    for (; ev < end; ev++) {
        switch (ev->op) {
        case TRACE_FREE:
            ptr[ev->id] = NULL;
            break;
        default:
            ptr[ev->id] = arena + cur;
            cur = (cur + ((ev->size + 15) & ~(uint64_t)15)) & ((1u << 19) - 1);
            break;
        }
    }
    return os_clock_ns() - t0;
}

static uint64_t replay(const struct trace *t, void **ptr)
{
    uint64_t t0 = os_clock_ns();
    const struct trace_event *ev = t->events, *end = ev + t->n_events;
    for (; ev < end; ev++) {
        void *p;
        switch (ev->op) {
        case TRACE_ALLOC:
            ptr[ev->id] = malloc(ev->size);
            break;
        case TRACE_CALLOC:
            ptr[ev->id] = calloc(1, ev->size);
            break;
        case TRACE_ALIGNED: {
            size_t a = (size_t)1 << ev->align_log2;
            ptr[ev->id] = aligned_alloc(a, (ev->size + a - 1) & ~(a - 1));
            break;
        }
        case TRACE_REALLOC:
            p = realloc(ptr[ev->id], ev->size);
            ptr[ev->id] = p;
            break;
        case TRACE_FREE:
            free(ptr[ev->id]);
            break;
        }
    }
    return os_clock_ns() - t0;
}

int main(int argc, char **argv)
{
    int floor_only = argc == 3 && !strcmp(argv[1], "--floor");
    if (argc != 2 + floor_only) {
        fprintf(stderr, "usage: %s [--floor] TRACE\n", argv[0]);
        return 2;
    }
    const char *path = argv[1 + floor_only];
    struct trace t;
    struct trace_error err;
    struct trace_load_options opt = {0};
    if (trace_load(path, &opt, &t, NULL, &err)) {
        fprintf(stderr, "%s: %s\n", argv[0], err.msg);
        return 2;
    }
    size_t bytes = (size_t)t.n_ids * sizeof(void *);
    void **ptr = os_table_alloc(bytes);
    if (!ptr) {
        fprintf(stderr, "%s: cannot map the pointer table\n", argv[0]);
        return 1;
    }
    uint64_t best = floor_only ? floor_loop(&t, ptr) : replay(&t, ptr);
    printf("events %llu wall_ns %llu ns_per_event %.3f\n", (unsigned long long)t.n_events,
           (unsigned long long)best, (double)best / (double)t.n_events);
    os_table_free(ptr, bytes);
    trace_release(&t);
    return 0;
}
