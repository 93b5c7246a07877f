/* allocreplay-floor: the least code that can replay a trace, as the reference the harness's
 * throughput pass is held to (within 10% of this on every shipped trace: bench/floor_ratio.sh).
 *
 * Everything a replay needs is prepared before the clock starts: the events are copied into
 * one packed array of 16-byte records and the flat pointer table is allocated, both with mmap
 * and pre-faulted so neither touches malloc's heap nor takes a page fault while timed. The
 * timed region is one loop with one switch per event calling the C library directly; it
 * writes nothing into the blocks. Objects still live at the end are freed after the clock
 * stops, so the next loop or repetition starts from a comparable heap.
 *
 *     allocreplay-floor [-n REPS] [--min-time MS] [--dispatch] TRACE
 *
 * prints the ns/event of every repetition and their median. A repetition replays the whole
 * trace in loops until the timed loops add up to MS milliseconds (default 20, as
 * `allocreplay run --min-time`; 0 = one loop), freeing leftovers untimed between loops and
 * taking the calibrated cost of the clock reads off each loop, exactly as the worker's
 * throughput pass does (harness/replay/replay.c). The first repetition of a process runs on a fresh
 * heap, as a worker's throughput pass does; bench/floor_ratio.sh therefore starts one process
 * per repetition.
 *
 * With --dispatch the loop calls nothing: an allocation bumps a pointer in a static arena and
 * a free only clears the table entry. That is the cost of reading events and branching on
 * their kind, which every replayer pays (on a random alloc/free mix, mostly the mispredicted
 * branch on the kind); bench/overhead.sh reports it next to the malloc floor.
 */
#include "trace/trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/* Anonymous, pre-faulted, zeroed memory outside malloc's heap. */
static void *table_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The timed loop. Returns the number of events replayed: n, or the index of the event whose
 * allocation failed. Kept out of line so a profiler can collect it alone
 * (valgrind --tool=callgrind --toggle-collect=floor_replay). */
__attribute__((noinline)) static uint64_t floor_replay(const struct trace_event *ev, uint64_t n, void **ptr)
{
    for (uint64_t i = 0; i < n; i++) {
        const struct trace_event *e = &ev[i];
        void *p;
        switch (e->op) {
        case TRACE_ALLOC:
            p = malloc(e->size);
            break;
        case TRACE_CALLOC:
            p = calloc(1, e->size);
            break;
        case TRACE_ALIGNED: {
            /* posix_memalign, as the malloc backend: C11's aligned_alloc wants the size to be
             * a multiple of the alignment, which traces do not promise. */
            size_t align = (size_t)1 << e->align_log2;
            if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, e->size))
                p = NULL;
            break;
        }
        case TRACE_REALLOC:
            p = realloc(ptr[e->id], e->size);
            break;
        default: /* TRACE_FREE: the loader validated the op */
            free(ptr[e->id]);
            continue;
        }
        if (__builtin_expect(p == NULL, 0))
            return i;
        ptr[e->id] = p;
    }
    return n;
}

/* The --dispatch loop: the same reads and branch on the kind, no allocator. The arena wraps
 * around (blocks are never read), so any trace fits. */
__attribute__((noinline)) static uint64_t dispatch_replay(const struct trace_event *ev, uint64_t n, void **ptr)
{
    static char arena[1 << 20];
    uintptr_t cur = 0;
    for (uint64_t i = 0; i < n; i++) {
        const struct trace_event *e = &ev[i];
        if (e->op == TRACE_FREE) {
            ptr[e->id] = NULL;
        } else {
            ptr[e->id] = arena + cur;
            cur = (cur + ((e->size + 15) & ~(uint64_t)15)) & ((1u << 19) - 1);
        }
    }
    return n;
}

/* Frees what the trace left live. ptr[] still holds freed pointers (the timed loop does not
 * clear them), so liveness comes from a second look at the events, not from the table. */
static void free_leftovers(const struct trace_event *ev, uint64_t n, void **ptr,
                           unsigned char *live, uint32_t n_ids)
{
    memset(live, 0, n_ids);
    for (uint64_t i = 0; i < n; i++)
        live[ev[i].id] = ev[i].op != TRACE_FREE;
    for (uint32_t id = 0; id < n_ids; id++)
        if (live[id])
            free(ptr[id]);
    memset(ptr, 0, (size_t)n_ids * sizeof *ptr);
}

/* The cost of the two clock reads around a loop: the minimum over back-to-back pairs. */
static uint64_t clock_overhead(void)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 20000; i++) {
        uint64_t a = now_ns(), d = now_ns() - a;
        if (d < best)
            best = d;
    }
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int usage(void)
{
    fprintf(stderr, "usage: allocreplay-floor [-n REPS] [--min-time MS] [--dispatch] TRACE\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned long reps = 5, min_time_ms = 20;
    const char *path = NULL;
    int dispatch = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dispatch")) {
            dispatch = 1;
        } else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
            char *end;
            errno = 0;
            reps = strtoul(argv[++i], &end, 10);
            if (errno || *end || reps == 0 || reps > 100000)
                return usage();
        } else if (!strcmp(argv[i], "--min-time") && i + 1 < argc) {
            char *end;
            errno = 0;
            min_time_ms = strtoul(argv[++i], &end, 10);
            if (errno || *end || argv[i][0] == '-' || min_time_ms > 3600 * 1000)
                return usage();
        } else if (argv[i][0] == '-' || path) {
            return usage();
        } else {
            path = argv[i];
        }
    }
    if (!path)
        return usage();

    struct trace t;
    struct trace_error err;
    if (trace_load(path, NULL, &t, NULL, &err) != 0) {
        fprintf(stderr, "allocreplay-floor: %s\n", err.msg);
        return 2;
    }
    uint64_t n = t.n_events;
    uint32_t n_ids = t.n_ids;
    struct trace_event *ev = table_alloc(n * sizeof *ev);
    void **ptr = table_alloc((size_t)n_ids * sizeof *ptr);
    unsigned char *live = table_alloc(n_ids);
    double *ns = table_alloc(reps * sizeof *ns);
    if (!ev || !ptr || !live || !ns) {
        fprintf(stderr, "allocreplay-floor: %s: cannot map the replay tables\n", path);
        return 1;
    }
    memcpy(ev, t.events, n * sizeof *ev);
    printf("trace: %s\nevents: %llu\n", path, (unsigned long long)n);
    trace_release(&t);

    const uint64_t overhead = clock_overhead(), min_ns = (uint64_t)min_time_ms * 1000000u;
    for (unsigned long r = 0; r < reps; r++) {
        uint64_t total = 0, loops = 0;
        do {
            uint64_t t0 = now_ns();
            uint64_t done = dispatch ? dispatch_replay(ev, n, ptr) : floor_replay(ev, n, ptr);
            uint64_t d = now_ns() - t0;
            total += d > overhead ? d - overhead : 0;
            loops++;
            if (done != n) {
                fprintf(stderr, "allocreplay-floor: %s: event %llu: out of memory\n", path,
                        (unsigned long long)done);
                return 1;
            }
            if (dispatch)
                memset(ptr, 0, (size_t)n_ids * sizeof *ptr);
            else
                free_leftovers(ev, n, ptr, live, n_ids);
        } while (total < min_ns && n);
        ns[r] = n ? (double)total / ((double)n * (double)loops) : 0.0;
        printf("rep %lu: %.3f ns/event (%llu loops)\n", r + 1, ns[r], (unsigned long long)loops);
    }
    qsort(ns, reps, sizeof *ns, cmp_double);
    double median = reps % 2 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2;
    printf("median: %.3f ns/event\n", median);
    return 0;
}
