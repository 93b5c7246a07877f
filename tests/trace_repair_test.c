/* trace_repair (trace/trace_repair.h): every kind fixed or dropped and counted, the result
 * valid, times and thread exits carried; and a binary trace with invalid events read as it is
 * with keep_invalid (strictly it is refused). */
#include "tap.h"
#include "trace/trace.h"
#include "trace/trace_repair.h"

#include <string.h>
#include <unistd.h>

#define E(op_, id_, size_) {.id = (id_), .op = TRACE_##op_, .size = (size_)}

/* One event of each kind, with the count each must leave. */
static const struct trace_event events[] = {
    E(FREE, 7, 0),                          /* free of an unknown id */
    E(ALLOC, 0, 16),
    E(FREE, 0, 0),
    E(FREE, 0, 0),                          /* double free */
    E(REALLOC, 1, 32),                      /* realloc of an unknown id */
    E(REALLOC, 0, 48),                      /* realloc of a freed id */
    E(ALLOC, 1, 8),                         /* alloc of a live id */
    E(ALLOC, 2, 0),                         /* zero size */
    E(REALLOC, 2, 0),                       /* realloc to zero */
    E(ALLOC, 3, TRACE_MAX_SIZE + 1),        /* huge size */
    {.id = 4, .op = TRACE_ALIGNED, .align_log2 = 25, .size = 64}, /* huge alignment */
    {.id = 5, .op = TRACE_ALLOC, .align_log2 = 3, .size = 64},    /* stray alignment */
    E(FREE, 5, 99),                         /* free with a size */
    E(FREE, 1, 0),
};
#define N (sizeof events / sizeof events[0])

static const uint64_t want[TRACE_REPAIR_KIND_COUNT] = {
    [TRACE_REPAIR_FREE_UNKNOWN] = 1, [TRACE_REPAIR_DOUBLE_FREE] = 1,
    [TRACE_REPAIR_REALLOC_UNKNOWN] = 1, [TRACE_REPAIR_REALLOC_FREED] = 1,
    [TRACE_REPAIR_ALLOC_LIVE] = 1, [TRACE_REPAIR_ZERO_SIZE] = 1, [TRACE_REPAIR_REALLOC_ZERO] = 1,
    [TRACE_REPAIR_HUGE_SIZE] = 1, [TRACE_REPAIR_HUGE_ALIGN] = 1, [TRACE_REPAIR_STRAY_ALIGN] = 1,
    [TRACE_REPAIR_FREE_SIZE] = 1,
};

static void check_repaired(const struct trace *in, const char *what)
{
    struct trace out;
    struct trace_repair_report rep;
    struct trace_error err;
    if (!TAP_OK(trace_repair(in, &out, &rep, &err) == 0, "%s: repaired", what))
        return;
    for (int k = 0; k < TRACE_REPAIR_KIND_COUNT; k++)
        tap_ok(rep.count[k] == want[k], "%s: %s counted %llu time(s) (want %llu)", what,
               trace_repair_kind_name((enum trace_repair_kind)k), (unsigned long long)rep.count[k],
               (unsigned long long)want[k]);
    TAP_OK(trace_validate(&out, &err) == 0, "%s: the result is valid (%s)", what,
           trace_validate(&out, &err) == 0 ? "ok" : err.msg);
    TAP_EQ_U64(out.n_events, N - 3, "events kept: all but the 3 dropped");
    if (in->times) {
        TAP_OK(out.times && out.times[0] == 10 && out.times[out.n_events - 1] == 10 * (N - 1),
               "%s: the kept events keep their times", what);
        TAP_OK(out.thread_exits && out.thread_exits[0] == 1000, "%s: the thread exit is kept",
               what);
    }
    trace_release(&out);
}

/* Times against the rules of docs/trace-format.md ("Time"), events valid: fixed one by one,
 * in memory and through a binary file read with keep_invalid (strictly it is refused). */
static const struct trace_event timed_events[] = {
    {.id = 0, .op = TRACE_ALLOC, .size = 16, .thread = 0},
    {.id = 1, .op = TRACE_ALLOC, .size = 16, .thread = 1},
    {.id = 0, .op = TRACE_FREE, .thread = 0},
    {.id = 1, .op = TRACE_FREE, .thread = 1},
};

static void check_times(void)
{
    uint64_t times[] = {100, 200, 40, TRACE_MAX_TIME + 1};
    uint64_t durations[] = {5, TRACE_MAX_TIME + 7, TRACE_TIME_NONE, 3};
    uint64_t exits[] = {70, TRACE_MAX_TIME + 1};
    struct trace t = {.name = "times", .events = timed_events, .n_events = 4, .n_ids = 2,
                      .n_threads = 2, .times = times, .durations = durations,
                      .thread_exits = exits};
    struct trace_error err;
    TAP_OK(trace_validate_times(&t, "times", &err) != 0, "broken times are refused strictly");
    char path[] = "/tmp/trace_repair_test-XXXXXX.alrt";
    int fd = mkstemps(path, 5);
    close(fd);
    struct trace loaded;
    struct trace_load_options keep = {.keep_invalid = 1};
    TAP_OK(trace_save(path, &t, &err) == 0 && trace_load(path, NULL, &loaded, NULL, &err) != 0,
           "a binary file of them is refused strictly (%s)", err.msg);
    int read = TAP_OK(trace_load(path, &keep, &loaded, NULL, &err) == 0 && loaded.times &&
                          !memcmp(loaded.times, times, sizeof times),
                      "keep_invalid reads the times as they are");
    unlink(path);
    const struct trace *ins[] = {&t, read ? &loaded : NULL};
    for (int k = 0; k < 2 && ins[k]; k++) {
        struct trace out;
        struct trace_repair_report rep;
        if (!TAP_OK(trace_repair(ins[k], &out, &rep, &err) == 0, "times repaired"))
            continue;
        TAP_OK(rep.count[TRACE_REPAIR_TIME_BACK] == 1 && rep.count[TRACE_REPAIR_TIME_HUGE] == 1 &&
                   rep.count[TRACE_REPAIR_DURATION_HUGE] == 1 &&
                   rep.count[TRACE_REPAIR_EXIT_EARLY] == 2,
               "%s: one time back, one past 2^62, one duration past 2^62, two exits counted",
               k ? "binary" : "memory");
        TAP_OK(out.times[2] == 100 && out.times[3] == 200 && out.durations[1] == TRACE_TIME_NONE &&
                   out.durations[0] == 5 && out.thread_exits[0] == 100 &&
                   out.thread_exits[1] == 200,
               "%s: raised to the thread's previous time, duration made unknown, exits raised",
               k ? "binary" : "memory");
        TAP_OK(trace_validate_times(&out, "out", &err) == 0, "%s: the times are valid now",
               k ? "binary" : "memory");
        trace_release(&out);
    }
    if (read)
        trace_release(&loaded);
}

int main(void)
{
    struct trace t = {.name = "repair", .events = events, .n_events = N, .n_ids = 8, .n_threads = 1};
    struct trace_error err;
    TAP_OK(trace_validate(&t, &err) != 0, "the input is invalid");
    check_repaired(&t, "untimed");

    uint64_t times[N], exits[1] = {1000};
    for (size_t i = 0; i < N; i++)
        times[i] = 10 * i;
    t.times = times;
    t.thread_exits = exits;
    check_repaired(&t, "timed");

    /* The same events in a binary file (the writer does not validate). */
    char path[] = "/tmp/trace_repair_test-XXXXXX.alrt";
    int fd = mkstemps(path, 5);
    close(fd);
    struct trace_writer *w = trace_writer_open(path, "repair", NULL, &err);
    TAP_OK(w && trace_writer_append(w, events, N, &err) == 0 && trace_writer_commit(w, &err) == 0,
           "an invalid binary trace written");
    struct trace loaded;
    TAP_OK(trace_load(path, NULL, &loaded, NULL, &err) != 0, "strict load refuses it (%s)",
           err.msg);
    struct trace_load_options keep = {.keep_invalid = 1};
    if (TAP_OK(trace_load(path, &keep, &loaded, NULL, &err) == 0 && loaded.n_events == N &&
                   !memcmp(loaded.events, events, sizeof events),
               "keep_invalid loads every event as it is")) {
        check_repaired(&loaded, "binary");
        trace_release(&loaded);
    }
    unlink(path);
    check_times();
    printf("1..%d\n", tap_count);
    return tap_failed != 0;
}
