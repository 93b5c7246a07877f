/* Paced replay without timing anything: the pace names (parse and format), the next step of a
 * waiting thread, the schedule's duration and time grid, grid claims and lag counts (all on
 * clock values the test makes up), and a paced memory pass of a small timed trace, single-
 * threaded and threaded: every event replayed, every sample timed and in order, the pass not
 * ending before its schedule does (the schedule's lower bound, not a measured time). */
#include "replay/pace.h"
#include "replay/replay.h"
#include "replay_threads.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void test_parse(void)
{
    static const struct {
        const char *s;
        double want;
    } good[] = {{"recorded", 1}, {"1x", 1}, {"10x", 10}, {"0.5x", 0.5}, {"2.5x", 2.5},
                {"1000000x", 1e6}, {"0.001x", 1e-3}, {".5x", 0.5}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double f = -1;
        TAP_OK(pace_parse(good[i].s, &f) == 0 && f == good[i].want, "pace '%s' is %g", good[i].s,
               good[i].want);
    }
    static const char *const bad[] = {"", "x", "10", "10X", "-1x", "0x", "+2x", " 2x", "2 x",
                                      "2xx", "1e7x", "0.0001x", "nanx", "infx", "Recorded",
                                      "recorded2", "0x10x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double f = 7;
        TAP_OK(pace_parse(bad[i], &f) == -1 && f == 7, "pace '%s' is refused", bad[i]);
    }
    static const struct {
        double f;
        const char *want;
    } names[] = {{1, "recorded"}, {10, "10x"}, {0.5, "0.5x"}, {2.5, "2.5x"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char out[32];
        double back = 0;
        pace_format(names[i].f, out, sizeof out);
        TAP_OK(!strcmp(out, names[i].want) && pace_parse(out, &back) == 0 && back == names[i].f,
               "factor %g is named %s and parses back", names[i].f, names[i].want);
    }
}

static void test_steps(void)
{
    const uint64_t none = UINT64_MAX, due = 10000000;
    uint64_t until = 0;
    TAP_OK(pace_next_step(due, due, none, &until) == PACE_GO, "an event due now goes");
    TAP_OK(pace_next_step(due + 5, due, none, &until) == PACE_GO, "a late event goes at once");
    TAP_OK(pace_next_step(due - PACE_SPIN_NS, due, none, &until) == PACE_SPIN,
           "an event due within the spin threshold is spun for");
    TAP_OK(pace_next_step(due - 1, due, none, &until) == PACE_SPIN, "1 ns early: spin");
    until = 0;
    TAP_OK(pace_next_step(due - PACE_SPIN_NS - 1, due, none, &until) == PACE_SLEEP &&
               until == due - PACE_SPIN_NS,
           "a longer gap sleeps until the spin threshold before the event");
    TAP_OK(pace_next_step(0, due, 4000000, &until) == PACE_SLEEP && until == 4000000,
           "a sleep ends at a grid point before the event");
    TAP_OK(pace_next_step(0, due, due, &until) == PACE_SLEEP && until == due - PACE_SPIN_NS,
           "a grid point after the wake-up does not delay it");
}

static void test_schedule(void)
{
    static const uint64_t times[] = {0, 1000000, 500000, 4000000000u, 3000000000u};
    struct pace p;
    uint64_t room = pace_init(&p, times, 5, 2.0, 0, 0, 0);
    TAP_EQ_U64(p.duration_ns, 2000000000u,
               "duration: the latest time (not the last event's) / factor");
    TAP_EQ_U64(p.grid_ns, 2000000u, "automatic grid: the duration / 1000");
    TAP_OK(room >= 2 * 1000, "room for a late pass's grid samples (%llu)",
           (unsigned long long)room);
    p.start_ns = 1000;
    TAP_EQ_U64(pace_due(&p, 1), 1000 + 500000, "event 1 is due at its time / factor");
    TAP_EQ_U64(pace_due(&p, 3), 1000 + 2000000000u, "event 3 likewise");

    pace_init(&p, times, 5, 1.0, 9000000000u, 0, 0);
    TAP_EQ_U64(p.duration_ns, 9000000000u, "a later thread exit ends the trace");
    pace_init(&p, times, 3, 1.0, 0, 0, 0);
    TAP_EQ_U64(p.grid_ns, PACE_MIN_GRID_NS, "a short trace's grid is at least 1 ms");
    pace_init(&p, times, 5, 1.0, 0, 1, 0);
    TAP_EQ_U64(p.grid_ns, PACE_MIN_GRID_NS, "an asked-for grid below 1 ms is raised to 1 ms");
    pace_init(&p, times, 5, 1.0, 0, 250000000u, 0);
    TAP_EQ_U64(p.grid_ns, 250000000u, "an asked-for grid is kept");
    TAP_EQ_U64(pace_init(&p, times, 5, 1.0, 0, 0, 1), 0, "no grid: no room asked");
    TAP_OK(p.grid_ns == 0 && pace_grid_claim(&p, UINT64_MAX - 1) == 0, "no grid: never a claim");
}

static void test_grid(void)
{
    static const uint64_t times[] = {0, 100};
    struct pace p;
    pace_init(&p, times, 2, 1.0, 0, 10, 0); /* raised to 1 ms */
    const uint64_t g = p.grid_ns;
    atomic_store(&p.next_grid, 5 * g);
    TAP_OK(!pace_grid_claim(&p, 5 * g - 1), "before the grid point: no claim");
    TAP_OK(pace_grid_claim(&p, 5 * g), "at the grid point: a claim");
    TAP_EQ_U64(atomic_load(&p.next_grid), 6 * g, "the next grid point");
    TAP_OK(!pace_grid_claim(&p, 5 * g + 1), "one claim per grid point");
    TAP_OK(pace_grid_claim(&p, 9 * g + 3), "a thread busy past several points claims once");
    TAP_EQ_U64(atomic_load(&p.next_grid), 10 * g, "and the grid moves past now");
    atomic_store(&p.grid_left, 1);
    TAP_OK(pace_grid_claim(&p, 10 * g), "the last sample the table has room for");
    TAP_OK(!pace_grid_claim(&p, 11 * g), "a full table: no claim");
    TAP_EQ_U64(atomic_load(&p.next_grid), UINT64_MAX, "and no grid any more");

    pace_note_lag(&p, 30);
    pace_note_lag(&p, 0);
    pace_note_lag(&p, 12);
    TAP_OK(atomic_load(&p.lag_max) == 30 && atomic_load(&p.lag_sum) == 42, "lag: max and sum");
}

/* ---- a paced memory pass against malloc ---- */

static void *m_create(const struct allocator_options *o, char *err, size_t len)
{
    (void)o, (void)err, (void)len;
    return (void *)1;
}
static void m_destroy(void *ctx) { (void)ctx; }
static void *m_alloc(void *ctx, size_t size) { (void)ctx; return malloc(size); }
static void m_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx, (void)size, (void)align;
    free(p);
}
static const struct allocator_ops malloc_ops = {
    .version = ALLOCATOR_OPS_VERSION, .name = "malloc", .min_align = 16,
    .flags = ALLOCATOR_THREAD_SAFE, .create = m_create, .destroy = m_destroy,
    .alloc = m_alloc, .free = m_free};

/* Two threads, each allocating and freeing 64 blocks, 50 us apart, with a 30 ms idle gap in
 * the middle: about 36 ms of schedule at 1x. */
#define N_EVENTS 512
static struct trace_event events[N_EVENTS];
static uint64_t times[N_EVENTS];

static void make_trace(void)
{
    uint64_t t = 0;
    for (uint32_t i = 0; i < N_EVENTS; i++) {
        const uint32_t half = i / (N_EVENTS / 2), k = i % (N_EVENTS / 2);
        const uint32_t id = half * 128 + (k < 128 ? k : k - 128);
        events[i] = (struct trace_event){.id = id, .op = k < 128 ? TRACE_ALLOC : TRACE_FREE,
                                         .thread = (uint16_t)(k % 2), .size = k < 128 ? 4096 : 0};
        times[i] = t;
        t += i == N_EVENTS / 2 - 1 ? 30000000u : 50000u;
    }
}

static void check_pass(const struct replay *r, const char *what)
{
    const struct replay_memory *m = &r->mem;
    int timed = m->n_samples > 2, ordered = 1;
    for (size_t i = 0; i < m->n_samples; i++) {
        timed &= m->samples[i].time_ns != UINT64_MAX;
        if (i)
            ordered &= m->samples[i].time_ns >= m->samples[i - 1].time_ns;
    }
    TAP_OK(timed, "%s: every sample is timed (%zu)", what, m->n_samples);
    TAP_OK(ordered, "%s: samples in time order", what);
    TAP_EQ_U64(m->samples[m->n_samples - 1].event, N_EVENTS, "last sample after the last event");
    TAP_EQ_U64(m->peak_live, 128 * 4096, "peak live");
    TAP_OK(r->pace.elapsed_ns >= r->pace.duration_ns,
           "%s: the pass does not end before its schedule does", what);
}

static void test_paced_pass(int threaded)
{
    const char *what = threaded ? "threaded paced pass" : "paced pass";
    struct replay_config cfg = {.pass = REPLAY_MEMORY, .rss_every = 100, .times = times,
                                .pace = 2.0, .window = 1};
    struct replay r;
    char err[256] = "";
    struct replay_schedule s = {0};
    if (threaded && replay_schedule_build(&s, events, N_EVENTS, 256, err, sizeof err)) {
        TAP_OK(0, "%s: schedule: %s", what, err);
        return;
    }
    if (!TAP_OK(replay_init(&r, events, N_EVENTS, 256, &malloc_ops, (void *)1, &cfg, err,
                            sizeof err) == 0, "%s: init %s", what, err))
        return;
    TAP_OK(r.paced && r.pace.duration_ns == (times[N_EVENTS - 1]) / 2, "%s: at 2x", what);
    int rc = threaded ? replay_threads_run(&r, &s, NULL) : replay_run(&r);
    TAP_OK(rc == 0, "%s: replayed: %s", what, rc ? r.reason : "ok");
    if (!rc)
        check_pass(&r, what);
    replay_release(&r);
    replay_schedule_release(&s);
}

static void test_refused(void)
{
    struct replay r;
    char err[256] = "";
    struct replay_config cfg = {.pass = REPLAY_THROUGHPUT, .times = times, .pace = 1};
    TAP_OK(replay_init(&r, events, N_EVENTS, 256, &malloc_ops, (void *)1, &cfg, err, sizeof err) &&
               strstr(err, "memory pass"),
           "a paced throughput pass is refused: %s", err);
    cfg = (struct replay_config){.pass = REPLAY_MEMORY, .pace = 1};
    TAP_OK(replay_init(&r, events, N_EVENTS, 256, &malloc_ops, (void *)1, &cfg, err, sizeof err) &&
               strstr(err, "timed trace"),
           "a paced pass without times is refused: %s", err);
}

int main(void)
{
    test_parse();
    test_steps();
    test_schedule();
    test_grid();
    make_trace();
    test_paced_pass(0);
    test_paced_pass(1);
    test_refused();
    return tap_done();
}
