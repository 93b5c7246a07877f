/* Importers on realistic excerpts (tests/traces/import/): the exact events produced. */
#include "tap.h"
#include "trace/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *root;

static void print_events(const struct trace *t)
{
    for (uint64_t i = 0; i < t->n_events; i++)
        printf("#   {%u, %s, align 2^%u, thread %u, size %llu}\n", t->events[i].id,
               trace_op_name((enum trace_op)t->events[i].op), t->events[i].align_log2,
               t->events[i].thread, (unsigned long long)t->events[i].size);
}

static void check(const char *file, const struct trace_event *want, size_t n, uint64_t unknown,
                  uint32_t threads)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/traces/import/%s", root, file);
    struct trace t;
    struct trace_error err;
    struct trace_load_report rep;
    if (!TAP_OK(trace_load(path, NULL, &t, &rep, &err) == 0, "%s: imported", file)) {
        printf("# %s\n", err.msg);
        return;
    }
    int same = t.n_events == n && !memcmp(t.events, want, n * sizeof *want);
    TAP_OK(same, "%s: the expected %zu events", file, n);
    if (!same)
        print_events(&t);
    TAP_EQ_U64(rep.dropped[TRACE_PROBLEM_UNKNOWN_FREE], unknown, "frees of unknown addresses counted");
    TAP_EQ_U64(t.n_threads, threads, "thread count");
    trace_release(&t);
}

#define E(i, o, s) {.id = (i), .op = TRACE_##o, .size = (s)}
#define ET(i, o, s, th) {.id = (i), .op = TRACE_##o, .thread = (th), .size = (s)}

int main(void)
{
    root = getenv("SOURCE_ROOT");
    if (!root)
        TAP_SKIP_ALL("SOURCE_ROOT not set");

    /* Real glibc output (see the file's origin in tests/traces/import/README.md). */
    static const struct trace_event glibc[] = {
        E(0, ALLOC, 100), E(1, ALLOC, 120), E(0, REALLOC, 300), E(2, ALLOC, 100),
        E(3, ALLOC, 20),  E(1, FREE, 0),    E(3, FREE, 0),      E(4, ALLOC, 50),
        E(2, FREE, 0),    E(4, FREE, 0),    E(5, ALLOC, 1),     E(5, FREE, 0),
    };
    check("glibc.mtrace", glibc, sizeof glibc / sizeof glibc[0], 0, 1);

    /* Addresses reused after free get new ids; frees of blocks allocated before tracing are
     * dropped and counted; a realloc from an unknown block starts a new object; failed
     * mallocs and reallocs change nothing; lines without a caller are accepted. */
    static const struct trace_event reuse[] = {
        E(0, ALLOC, 32), E(0, FREE, 0), E(1, ALLOC, 32), E(2, ALLOC, 4096),
        E(2, REALLOC, 8192), E(3, ALLOC, 64), E(2, REALLOC, 16384), E(4, ALLOC, 256),
        E(1, FREE, 0), E(2, FREE, 0), E(3, FREE, 0), E(4, FREE, 0),
    };
    check("reuse.mtrace", reuse, sizeof reuse / sizeof reuse[0], 2, 1);

    /* Android, old style (no timestamps): thread ids become 0, 1, 2 in order of appearance. */
    static const struct trace_event android[] = {
        ET(0, ALLOC, 20, 0),    ET(1, CALLOC, 80, 1),    ET(0, REALLOC, 40, 0),
        {.id = 2, .op = TRACE_ALIGNED, .align_log2 = 4, .thread = 2, .size = 32},
        ET(3, ALLOC, 8, 1),     ET(1, FREE, 0, 0),       ET(0, FREE, 0, 2),
        ET(2, FREE, 0, 2),      ET(4, ALLOC, 20, 0),     ET(4, FREE, 0, 0),
    };
    check("old.android.txt", android, sizeof android / sizeof android[0], 1, 3);

    /* Android, new style: the same operations with start and end timestamps appended. */
    check("timestamps.android.txt", android, sizeof android / sizeof android[0], 1, 3);

    /* The timestamps become times (from the first one), durations and thread exits; a file
     * without them imports untimed. */
    static const uint64_t want_times[] = {0, 1500, 3000, 4500, 6000, 7500, 12000, 13500, 15000,
                                          16500};
    struct trace tt;
    struct trace_error terr;
    char tpath[512];
    snprintf(tpath, sizeof tpath, "%s/tests/traces/import/timestamps.android.txt", root);
    if (TAP_OK(trace_load(tpath, NULL, &tt, NULL, &terr) == 0, "timestamps.android.txt: loaded")) {
        int ok = tt.times && tt.durations && tt.n_events == 10;
        for (uint64_t i = 0; ok && i < tt.n_events; i++)
            ok = tt.times[i] == want_times[i] && tt.durations[i] == 420;
        TAP_OK(ok, "timestamps.android.txt: times since the first timestamp, durations end - start");
        TAP_OK(tt.thread_exits && tt.thread_exits[0] == TRACE_TIME_NONE &&
                   tt.thread_exits[1] == 19500 && tt.thread_exits[2] == 18000,
               "timestamps.android.txt: thread_done lines are the threads' exits");
        trace_release(&tt);
    }
    snprintf(tpath, sizeof tpath, "%s/tests/traces/import/old.android.txt", root);
    if (TAP_OK(trace_load(tpath, NULL, &tt, NULL, &terr) == 0, "old.android.txt: loaded")) {
        TAP_OK(!tt.times && !tt.durations && !tt.thread_exits, "old.android.txt: untimed");
        trace_release(&tt);
    }

    /* Lenient import: a bad alignment is dropped; its block is then unknown, so its free is too. */
    char path[512];
    snprintf(path, sizeof path, "%s/tests/traces/bad/android-memalign-not-power.android.txt", root);
    struct trace t;
    struct trace_error err;
    struct trace_load_report rep;
    struct trace_load_options lenient = {.lenient = 1};
    TAP_OK(trace_load(path, &lenient, &t, &rep, &err) == 0 && t.n_events == 0 &&
               rep.dropped[TRACE_PROBLEM_BAD_ALIGN] == 1,
           "lenient import drops and counts a bad alignment");
    trace_release(&t);
    return tap_done();
}
