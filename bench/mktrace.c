/* Writes a synthetic binary trace for the overhead benchmark: N events of malloc/free churn
 * over a window of live objects (between WINDOW/2 and WINDOW once filled), sizes mostly small
 * (8..512 bytes, a few up to 64 KiB), every allocation a new id as in a recorded trace.
 * Allocations and frees come in runs of mean length RUN: RUN=1 is a coin flip per event, the
 * least predictable sequence for a replayer's branch on the event kind; programs show longer
 * runs (a container filled, then destroyed). Deterministic (fixed seed).
 *
 *   allocreplay-mktrace OUT.alrt [EVENTS] [WINDOW] [RUN]   (defaults 10000000, 10000, 1) */
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t state = 0x2545f4914f6cdd1du;
static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 5) {
        fprintf(stderr, "usage: %s OUT.alrt [EVENTS] [WINDOW] [RUN]\n", argv[0]);
        return 2;
    }
    uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000u;
    uint64_t window = argc > 3 ? strtoull(argv[3], NULL, 10) : 10000u;
    uint64_t run = argc > 4 ? strtoull(argv[4], NULL, 10) : 1u;
    if (!n || !window || !run) {
        fprintf(stderr, "%s: EVENTS, WINDOW and RUN must be positive\n", argv[0]);
        return 2;
    }
    uint32_t *live = malloc(window * sizeof *live);
    struct trace_builder b;
    trace_builder_init(&b);
    uint64_t n_live = 0;
    uint32_t next_id = 0;
    int allocating = 1;
    for (uint64_t i = 0; i < n; i++) {
        struct trace_event ev = {0};
        /* Fill the window, then keep it between half and full: allocate or free a random live
         * object, switching between the two at the end of each run; the trace ends with frees
         * draining what is left. */
        int drain = n - i <= n_live;
        if (next() % run == 0)
            allocating = (int)(next() % 2);
        if (n_live == 0 || (!drain && (n_live < window / 2 || (n_live < window && allocating)))) {
            uint64_t r = next() % 1000;
            ev.op = TRACE_ALLOC;
            ev.size = r < 990 ? 8 + next() % 505 : 513 + next() % 65024;
            ev.id = next_id++;
            live[n_live++] = ev.id;
        } else {
            uint64_t k = next() % n_live;
            ev.op = TRACE_FREE;
            ev.id = live[k];
            live[k] = live[--n_live];
        }
        if (trace_builder_push(&b, &ev)) {
            fprintf(stderr, "%s: out of memory\n", argv[0]);
            return 1;
        }
    }
    struct trace t;
    struct trace_error err;
    if (trace_builder_finish(&b, "churn", "synthetic malloc/free churn (bench/mktrace.c)", &t) ||
        trace_save(argv[1], &t, &err)) {
        fprintf(stderr, "%s: %s\n", argv[0], err.msg);
        return 1;
    }
    printf("%s: %llu events, %u ids\n", argv[1], (unsigned long long)t.n_events, t.n_ids);
    trace_release(&t);
    free(live);
    return 0;
}
