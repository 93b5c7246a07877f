/* Trace times (docs/trace-format.md, "Time"): they round-trip through every writable format,
 * untimed traces are written exactly as before, and bad times are refused naming the event. */
#include "tap.h"
#include "trace/trace.h"
#include "trace/trace_summary.h"
#include "trace_io.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/trace_time_test.XXXXXX";

static const struct trace_event sample[] = {
    {.id = 0, .op = TRACE_ALLOC, .size = 24},
    {.id = 1, .op = TRACE_ALIGNED, .align_log2 = 6, .thread = 2, .size = 64},
    {.id = 0, .op = TRACE_REALLOC, .size = 48},
    {.id = 2, .op = TRACE_CALLOC, .thread = 1, .size = 100},
    {.id = 1, .op = TRACE_FREE, .thread = 2},
    {.id = 3, .op = TRACE_ALLOC, .size = 1},
};
#define N (sizeof sample / sizeof sample[0])
/* Thread 2's event comes before thread 0's second one in time: times step back across threads,
 * never on one. Gaps of 5 ms and 2 s are idle time. */
static const uint64_t times[N] = {0, 7000, 5000, 5005000, 2005005000, 2005005100};
static const uint64_t durations[N] = {120, TRACE_TIME_NONE, 300, 90, 40, TRACE_TIME_NONE};

static void make(struct trace *t, const uint64_t *tm, const uint64_t *dur, int exits)
{
    struct trace_builder b;
    trace_builder_init(&b);
    for (size_t i = 0; i < N; i++)
        if (tm)
            trace_builder_push_timed(&b, &sample[i], tm[i], dur ? dur[i] : TRACE_TIME_NONE);
        else
            trace_builder_push(&b, &sample[i]);
    if (exits)
        trace_builder_thread_exit(&b, 2, 2005005050);
    trace_builder_finish(&b, "timed", NULL, t);
}

static char *path(const char *name)
{
    static char buf[4][300];
    static int k;
    char *p = buf[k++ & 3];
    snprintf(p, 300, "%s/%s", dir, name);
    return p;
}

static int same_u64(const uint64_t *a, const uint64_t *b, size_t n)
{
    if (!a || !b)
        return a == b;
    return memcmp(a, b, n * sizeof *a) == 0;
}

static unsigned char *slurp(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    static unsigned char buf[1 << 16];
    *n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    return buf;
}

static void spill(const char *p, const unsigned char *b, size_t n)
{
    FILE *f = fopen(p, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

static void expect_refused(const char *file, const char *what, const char *want)
{
    struct trace t;
    struct trace_error err = {{0}};
    int rc = trace_load(file, NULL, &t, NULL, &err);
    const char *msg = strchr(err.msg, ' ') ? strchr(err.msg, ' ') + 1 : err.msg;
    TAP_OK(rc == -1 && !strcmp(msg, want), "%s: refused with \"%s\"", what, want);
    if (rc == 0)
        trace_release(&t);
    else if (strcmp(msg, want))
        printf("# got: %s\n", err.msg);
}

static void round_trips(void)
{
    struct trace t, back, again;
    struct trace_error err;
    make(&t, times, durations, 1);
    TAP_OK(t.times && t.durations && t.thread_exits && t.n_threads == 3, "builder keeps times, "
                                                                          "durations, exits");
    TAP_OK(trace_validate_times(&t, "sample", &err) == 0, "sample times are valid");
    TAP_OK(trace_save(path("a.alrt"), &t, &err) == 0, "save timed .alrt");
    TAP_OK(trace_load(path("a.alrt"), NULL, &back, NULL, &err) == 0, "load timed .alrt");
    TAP_OK(back.n_events == N && same_u64(back.times, times, N) &&
               same_u64(back.durations, durations, N) && back.thread_exits &&
               back.thread_exits[2] == 2005005050 && back.thread_exits[0] == TRACE_TIME_NONE &&
               !memcmp(back.events, sample, sizeof sample),
           "binary: events, times, durations and thread exits come back");
    TAP_OK(trace_save(path("a.yaml"), &back, &err) == 0, "save timed .yaml");
    TAP_OK(trace_load(path("a.yaml"), NULL, &again, NULL, &err) == 0, "load timed .yaml");
    TAP_OK(same_u64(again.times, times, N) && same_u64(again.durations, durations, N) &&
               again.thread_exits && again.thread_exits[2] == 2005005050,
           "YAML: times, durations and thread exits come back");
    TAP_OK(trace_save(path("b.alrt"), &again, &err) == 0, "YAML back to .alrt");
    size_t na, nb;
    unsigned char *a = slurp(path("a.alrt"), &na);
    unsigned char *copy = malloc(na);
    memcpy(copy, a, na);
    unsigned char *b = slurp(path("b.alrt"), &nb);
    TAP_OK(na == nb && !memcmp(copy, b, na), "binary -> YAML -> binary is byte-identical");
    free(copy);

    struct trace_summary s;
    trace_summarize(&back, &s);
    TAP_OK(s.timed && s.duration_ns == 2005005100 && s.idle_gaps == 2 &&
               s.idle_ns == 5000000 + 2000000000 && s.longest_gap_ns == 2000000000,
           "summary: duration, idle gaps, longest gap");
    trace_release(&t);
    trace_release(&back);
    trace_release(&again);

    /* Times without durations or exits; then an untimed trace, written as before (flags 0). */
    make(&t, times, NULL, 0);
    trace_save(path("c.alrt"), &t, &err);
    TAP_OK(trace_load(path("c.alrt"), NULL, &back, NULL, &err) == 0 &&
               same_u64(back.times, times, N) && !back.durations && !back.thread_exits,
           "times alone round-trip");
    trace_release(&t);
    trace_release(&back);
    make(&t, NULL, NULL, 0);
    trace_save(path("d.alrt"), &t, &err);
    a = slurp(path("d.alrt"), &na);
    TAP_OK(a[12] == 0 && na == 64 + 16 + 16 * N, "untimed: header flags 0, no time section "
                                                   "(the version 1 layout of before)");
    TAP_OK(trace_load(path("d.alrt"), NULL, &back, NULL, &err) == 0 && !back.times,
           "untimed .alrt loads without times");
    trace_release(&t);
    trace_release(&back);
}

static void refusals(void)
{
    struct trace t;
    struct trace_error err;
    uint64_t bad[N];
    /* thread 0 steps back: event 2 before event 0's time */
    memcpy(bad, times, sizeof bad);
    bad[0] = 6000;
    make(&t, bad, NULL, 0);
    trace_save(path("back.alrt"), &t, &err);
    trace_save(path("back.yaml"), &t, &err);
    trace_release(&t);
    expect_refused(path("back.alrt"), "binary, time steps back on a thread",
                   "event 2: time 5000 ns on thread 0 is before the thread's previous event at "
                   "6000 ns");
    expect_refused(path("back.yaml"), "YAML, time steps back on a thread",
                   "event 2: time 5000 ns on thread 0 is before the thread's previous event at "
                   "6000 ns");
    memcpy(bad, times, sizeof bad);
    bad[5] = TRACE_MAX_TIME + 1;
    make(&t, bad, NULL, 0);
    trace_save(path("big.alrt"), &t, &err);
    trace_release(&t);
    expect_refused(path("big.alrt"), "binary, time past 2^62",
                   "event 5: time 4611686018427387905 ns overflows (at most 2^62)");
    make(&t, times, durations, 1);
    t.thread_exits[2] = 10;
    trace_save(path("exit.alrt"), &t, &err);
    trace_release(&t);
    expect_refused(path("exit.alrt"), "binary, thread exit before its last event",
                   "thread 2: exit at 10 ns is before its last event at 2005005000 ns");

    /* Damage: the time section's bytes, its tag, its length; a stray byte. */
    make(&t, times, durations, 1);
    trace_save(path("ok.alrt"), &t, &err);
    trace_release(&t);
    size_t n;
    unsigned char *b = slurp(path("ok.alrt"), &n);
    size_t sec = 64 + 16 + 16 * N;
    b[n - 1] ^= 1;
    spill(path("dmg.alrt"), b, n);
    expect_refused(path("dmg.alrt"), "a flipped time byte",
                   "time section checksum mismatch (file corrupt)");
    b[n - 1] ^= 1;
    b[sec] = 'X';
    spill(path("dmg.alrt"), b, n);
    expect_refused(path("dmg.alrt"), "a bad tag", "header announces a time section, but none "
                                                  "follows the records (corrupt file)");
    b[sec] = 'A';
    spill(path("dmg.alrt"), b, n - 1);
    struct trace_error e2;
    TAP_OK(trace_load(path("dmg.alrt"), NULL, &t, NULL, &e2) == -1 &&
               strstr(e2.msg, "do not match"), "a truncated time section is refused: %s", e2.msg);
    spill(path("dmg.alrt"), b, sec);
    expect_refused(path("dmg.alrt"), "time section cut off",
                   "header announces a time section, but none follows the records (corrupt "
                   "file)");
}

static void lenient(void)
{
    /* A double free dropped in lenient mode takes its time with it. */
    struct trace_builder bld;
    trace_builder_init(&bld);
    struct trace_event a = {.id = 0, .op = TRACE_ALLOC, .size = 8}, f = {.id = 0, .op = TRACE_FREE};
    trace_builder_push_timed(&bld, &a, 10, TRACE_TIME_NONE);
    trace_builder_push_timed(&bld, &f, 20, TRACE_TIME_NONE);
    trace_builder_push_timed(&bld, &f, 30, TRACE_TIME_NONE);
    trace_builder_push_timed(&bld, &a, 40, TRACE_TIME_NONE);
    struct trace t, back;
    struct trace_error err;
    trace_builder_finish(&bld, "dup", NULL, &t);
    trace_save(path("dup.alrt"), &t, &err);
    trace_release(&t);
    struct trace_load_options opt = {.lenient = 1};
    struct trace_load_report rep;
    TAP_OK(trace_load(path("dup.alrt"), &opt, &back, &rep, &err) == 0 && back.n_events == 3 &&
               back.times && back.times[0] == 10 && back.times[1] == 20 && back.times[2] == 40,
           "lenient: the dropped event's time goes with it");
    trace_release(&back);
    /* An event pushed without a time makes the whole trace untimed. */
    trace_builder_init(&bld);
    trace_builder_push_timed(&bld, &a, 10, TRACE_TIME_NONE);
    trace_builder_push(&bld, &f);
    trace_builder_finish(&bld, "mixed", NULL, &t);
    TAP_OK(!t.times && !t.durations, "builder: a trace with one untimed event has no times");
    trace_release(&t);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 99;
    round_trips();
    refusals();
    lenient();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 99;
    return tap_done();
}
