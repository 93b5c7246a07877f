/* Threaded passes (replay_threads.h). */
#include "replay_threads.h"

#include "replay_loop.h"
#include "window.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

/* A replay thread's stack: the backend's calls and the harness's few frames. Small, so that
 * many overlapping trace threads fit under --memory-limit. */
#define PLAYER_STACK_BYTES (512u << 10)

/* Each pass's loop, specialised as replay.c's are. */
static NOINLINE int tloop_plain(struct replay *r, struct replay_player *pl, uint64_t b, uint64_t e)
{
    return run_events(r, pl, b, e, M_THREAD);
}
static NOINLINE int tloop_touch(struct replay *r, struct replay_player *pl, uint64_t b, uint64_t e)
{
    return run_events(r, pl, b, e, M_THREAD | M_TOUCH);
}
static NOINLINE int tloop_tsc(struct replay *r, struct replay_player *pl, uint64_t b, uint64_t e)
{
    return run_events(r, pl, b, e, M_THREAD | M_TIMED);
}
static NOINLINE int tloop_tsc_touch(struct replay *r, struct replay_player *pl, uint64_t b, uint64_t e)
{
    return run_events(r, pl, b, e, M_THREAD | M_TIMED | M_TOUCH);
}
static NOINLINE int tloop_clock(struct replay *r, struct replay_player *pl, uint64_t b, uint64_t e)
{
    return run_events(r, pl, b, e, M_THREAD | M_TIMED | M_CLOCK);
}
static NOINLINE int tloop_clock_touch(struct replay *r, struct replay_player *pl, uint64_t b,
                                      uint64_t e)
{
    return run_events(r, pl, b, e, M_THREAD | M_TIMED | M_CLOCK | M_TOUCH);
}
static NOINLINE int tloop_memory(struct replay *r, struct replay_player *pl, uint64_t b, uint64_t e)
{
    return run_events(r, pl, b, e, M_THREAD | M_TOUCH | M_TRACK);
}
static NOINLINE int tloop_memory_paced(struct replay *r, struct replay_player *pl, uint64_t b,
                                       uint64_t e)
{
    return run_events(r, pl, b, e, M_THREAD | M_TOUCH | M_TRACK | M_PACE);
}
static NOINLINE int tloop_verify(struct replay *r, struct replay_player *pl, uint64_t b, uint64_t e)
{
    return run_events(r, pl, b, e, M_THREAD | M_VERIFY);
}

/* The events of one pthread, start to end: the body of a trace thread. */
static int play_thread(struct replay *r, struct replay_player *pl)
{
    const struct replay_schedule *s = pl->sh->s;
    const uint64_t b = s->first[pl->index], e = s->first[pl->index + 1];
    const int touch_on = r->cfg.touch;
    switch (r->cfg.pass) {
    case REPLAY_THROUGHPUT:
        return touch_on ? tloop_touch(r, pl, b, e) : tloop_plain(r, pl, b, e);
    case REPLAY_LATENCY:
        if (r->cfg.use_tsc)
            return touch_on ? tloop_tsc_touch(r, pl, b, e) : tloop_tsc(r, pl, b, e);
        return touch_on ? tloop_clock_touch(r, pl, b, e) : tloop_clock(r, pl, b, e);
    case REPLAY_MEMORY:
        return r->paced ? tloop_memory_paced(r, pl, b, e) : tloop_memory(r, pl, b, e);
    case REPLAY_VERIFY:
        return tloop_verify(r, pl, b, e);
    }
    return -1;
}

static void release_histograms(struct histogram *h)
{
    for (int op = 0; op < TRACE_OP_COUNT; op++)
        if (h[op].counts)
            histogram_release(&h[op]);
}

static void *player_main(void *arg)
{
    struct replay_player *pl = arg;
    struct replay_shared *sh = pl->sh;
    struct replay *r = sh->r;
    struct histogram hist[TRACE_OP_COUNT];
    memset(hist, 0, sizeof hist);
    if (r->cfg.pass == REPLAY_LATENCY) {
        for (int op = 0; op < TRACE_OP_COUNT; op++)
            if (histogram_init(&hist[op])) {
                if (claim_failure(r))
                    snprintf(r->reason, sizeof r->reason,
                             "cannot map the latency histograms of thread %u: %s",
                             sh->s->thread_of[pl->index], strerror(errno));
                release_histograms(hist);
                return NULL;
            }
        pl->hist = hist;
    }
    replay__player_enter(sh);
    play_thread(r, pl);
    replay__player_leave(sh);
    if (r->cfg.pass == REPLAY_LATENCY) {
        pthread_mutex_lock(&sh->mu);
        for (int op = 0; op < TRACE_OP_COUNT; op++)
            histogram_merge(&r->lat.hist[op], &hist[op]);
        pthread_mutex_unlock(&sh->mu);
        release_histograms(hist);
        pl->hist = NULL;
    }
    return NULL;
}

/* Marks the pass failed with a reason of the harness's own (not an event's). */
static void fail_harness(struct replay *r, const char *what, const char *detail)
{
    if (claim_failure(r))
        snprintf(r->reason, sizeof r->reason, "%s: %s", what, detail);
}

/* A new backend context for the next image (the previous image left nothing live). */
static int fresh_context(struct replay *r, const struct allocator_options *opt)
{
    char err[200] = "";
    r->ops->destroy(r->ctx);
    r->ctx = r->ops->create(opt, err, sizeof err);
    if (r->ctx)
        return 0;
    fail_harness(r, "cannot create the backend again for the next process image",
                 err[0] ? err : "create failed");
    return -1;
}

/* The slots of the pthreads started and not joined (replay_shared), kept by the thread that
 * starts and joins them: the free slots on a stack. */
struct slots {
    uint32_t *free;
    uint32_t n_free;
};

static void join_player(struct replay_shared *sh, struct slots *sl, struct replay_player *pl)
{
    pthread_join(pl->tid, NULL);
    atomic_store_explicit(&sh->slot[pl->slot], REPLAY_SLOT_FREE, memory_order_relaxed);
    sl->free[sl->n_free++] = pl->slot;
}

/* Enters pthread t in a slot, then counts it started: a thread that reads the count sees it. */
static void enter_player(struct replay_shared *sh, struct slots *sl, struct replay_player *pl)
{
    uint32_t n = atomic_load_explicit(&sh->n_slots, memory_order_relaxed);
    pl->slot = sl->n_free ? sl->free[--sl->n_free] : n;
    atomic_store_explicit(&sh->slot[pl->slot], pl->index, memory_order_relaxed);
    if (pl->slot == n)
        atomic_store_explicit(&sh->n_slots, n + 1, memory_order_release);
    atomic_store_explicit(&sh->n_started, pl->index + 1, memory_order_release);
}

/* One replay of the whole trace: starts each pthread when its first event is due and the
 * pthreads that ended before it have been joined, then joins the rest. Returns 0 or -1. */
static int run_once(struct replay_shared *sh, struct replay_player *players, struct slots *sl,
                    const pthread_attr_t *attr, const struct allocator_options *opt)
{
    struct replay *r = sh->r;
    const struct replay_schedule *s = sh->s;
    uint32_t started = 0, joined = 0;
    for (uint32_t t = 0; t < s->n_threads; t++) {
        while (s->last_event[s->end_order[joined]] < s->first_event[t])
            join_player(sh, sl, &players[s->end_order[joined++]]);
        if (atomic_load(&sh->failed))
            break;
        if (t > 0 && s->image_start[t] && opt && fresh_context(r, opt))
            break;
        const uint64_t before = s->first_event[t];
        if (before > 0) {
            const uint64_t j = before - 1;
            if (wait_for(sh, &sh->waiter[s->n_threads], s->pthread_of[r->events[j].thread],
                         s->pos[j] + 1, before))
                break;
        }
        struct replay_player *pl = &players[t];
        pl->sh = sh;
        pl->index = t;
        pl->frontier = 0;
        enter_player(sh, sl, pl);
        int e = pthread_create(&pl->tid, attr, player_main, pl);
        if (e) {
            char what[96];
            snprintf(what, sizeof what, "cannot start replay thread %u (trace thread %u)", t + 1,
                     s->thread_of[t]);
            fail_harness(r, what, strerror(e));
            break;
        }
        started++;
    }
    for (; joined < s->n_threads; joined++)
        if (s->end_order[joined] < started)
            join_player(sh, sl, &players[s->end_order[joined]]);
    return atomic_load(&sh->failed) ? -1 : 0;
}

/* Samples in event order (threads append them as they complete their counts); paced, in
 * time order (the time grid's samples fall between events). */
static void sort_samples(struct replay_memory *m, int paced)
{
    for (size_t i = 1; i < m->n_samples; i++) {
        struct replay_sample x = m->samples[i];
        size_t j = i;
        for (; j > 0 && (paced ? m->samples[j - 1].time_ns > x.time_ns
                               : m->samples[j - 1].event > x.event); j--)
            m->samples[j] = m->samples[j - 1];
        m->samples[j] = x;
    }
}

/* The tables of a threaded pass, mapped before it starts. */
struct thread_tables {
    struct replay_shared *sh;
    struct replay_player *players;
    struct replay_progress *progress;
    struct replay_waiter *waiter; /* n + 1 */
    _Atomic uint32_t *slot;
    struct slots free_slots;
    struct replay_window window;
    uint32_t n;
};

static void tables_free(struct thread_tables *tt)
{
    os_table_free(tt->sh, sizeof *tt->sh);
    os_table_free(tt->players, tt->n * sizeof *tt->players);
    os_table_free(tt->progress, tt->n * sizeof *tt->progress);
    os_table_free(tt->waiter, (tt->n + 1) * sizeof *tt->waiter);
    os_table_free((void *)tt->slot, tt->n * sizeof *tt->slot);
    os_table_free(tt->free_slots.free, tt->n * sizeof *tt->free_slots.free);
    replay_window_release(&tt->window);
}

/* Maps the tables, the auto window's limits and (memory pass) finds the trace's event of
 * peak live; sets up the shared state. Returns 0, or -1 with r->reason set. */
static int tables_map(struct thread_tables *tt, struct replay *r, const struct replay_schedule *s)
{
    memset(tt, 0, sizeof *tt);
    tt->n = s->n_threads;
    tt->sh = os_table_alloc(sizeof *tt->sh);
    tt->players = os_table_alloc(tt->n * sizeof *tt->players);
    tt->progress = os_table_alloc(tt->n * sizeof *tt->progress);
    tt->waiter = os_table_alloc((tt->n + 1) * sizeof *tt->waiter);
    tt->slot = os_table_alloc(tt->n * sizeof *tt->slot);
    tt->free_slots.free = os_table_alloc(tt->n * sizeof *tt->free_slots.free);
    uint64_t trace_peak = 0, trace_peak_event = 0;
    if (!tt->sh || !tt->players || !tt->progress || !tt->waiter || !tt->slot ||
        !tt->free_slots.free ||
        (r->cfg.pass == REPLAY_MEMORY &&
         replay_peak_live(r->events, r->n_events, r->n_ids, &trace_peak, &trace_peak_event))) {
        snprintf(r->reason, sizeof r->reason, "cannot map the thread tables: %s", strerror(errno));
        tables_free(tt);
        return -1;
    }
    if (r->cfg.window == REPLAY_WINDOW_AUTO &&
        replay_window_build(&tt->window, s, r->events, r->reason, sizeof r->reason)) {
        tables_free(tt);
        return -1;
    }
    struct replay_shared *sh = tt->sh;
    sh->r = r;
    sh->s = s;
    sh->progress = tt->progress;
    sh->window = r->cfg.window;
    sh->back = tt->window.back;
    sh->slot = tt->slot;
    sh->trace_peak_event = trace_peak_event;
    sh->waiter = tt->waiter;
    /* No limit on the threads awake when paced (a thread sleeps until its events' times while
     * counted awake) or free-running (a thread waits only for another's object, rarely: kept
     * asleep, it would only wait longer, and the pass would hold fewer threads runnable
     * against the machine's other work). */
    sh->max_active = r->paced || r->cfg.window == 0 ? UINT32_MAX : os_cpu_count();
    return 0;
}

/* Before each replay of the trace: no event done, no pthread started. (done is stored, not
 * initialised: the meter may be reading it.) */
static void tables_reset(struct thread_tables *tt)
{
    for (uint32_t t = 0; t < tt->n; t++) {
        atomic_store_explicit(&tt->progress[t].done, 0, memory_order_relaxed);
        atomic_init(&tt->progress[t].want, UINT32_MAX);
        atomic_init(&tt->slot[t], REPLAY_SLOT_FREE);
    }
    for (uint32_t t = 0; t <= tt->n; t++)
        atomic_init(&tt->waiter[t].state, WAITER_RUN);
    tt->sh->n_active = 0;
    atomic_init(&tt->sh->n_alive, 0);
    atomic_init(&tt->sh->frontier, 0);
    atomic_init(&tt->sh->n_started, 0);
    atomic_init(&tt->sh->n_slots, 0);
    tt->free_slots.n_free = 0;
}

/* The memory pass's figures from the shared counters, samples in event order. */
static void finish_memory(struct replay *r, struct replay_shared *sh)
{
    struct replay_memory *m = &r->mem;
    m->live = atomic_load(&sh->live);
    m->usable_sum = atomic_load(&sh->usable_sum);
    m->peak_live = atomic_load(&sh->peak_live);
    m->peak_live_event = atomic_load(&sh->peak_event);
    m->usable_at_peak_live = atomic_load(&sh->usable_at_peak);
    if (!m->n_samples || m->samples[m->n_samples - 1].event != r->n_events)
        replay__sample(r, r->n_events, m->live);
    replay__pace_finish(r);
    sort_samples(m, r->paced);
    m->have_smaps = os_smaps_rollup(&m->smaps) == 0;
}

/* --- progress: a thread of the pass's own that adds up the pthreads' counts --- */

#define METER_PERIOD_NS 200000000L /* how often it looks: a pass of 16 M events takes seconds */

struct meter {
    const struct replay *r;
    const struct replay_progress *progress;
    uint32_t n;
    int stop, started;
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t wake;
};

/* Calls cfg.progress, as a single-threaded pass does, when the events done (in this replay of
 * the trace) have passed another multiple of progress_every. */
static void *meter_main(void *arg)
{
    struct meter *m = arg;
    const struct replay_config *cfg = &m->r->cfg;
    uint64_t reported = 0;
    pthread_mutex_lock(&m->mu);
    while (!m->stop) {
        struct timespec at;
        clock_gettime(CLOCK_MONOTONIC, &at);
        at.tv_nsec += METER_PERIOD_NS;
        at.tv_sec += at.tv_nsec / 1000000000L;
        at.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&m->wake, &m->mu, &at);
        uint64_t done = 0;
        for (uint32_t t = 0; t < m->n; t++)
            done += atomic_load_explicit(&m->progress[t].done, memory_order_relaxed);
        if (!m->stop && done < m->r->n_events &&
            done / cfg->progress_every != reported / cfg->progress_every) {
            cfg->progress(cfg->progress_ctx, done, m->r->n_events);
            reported = done;
        }
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* Starts the meter when progress is asked for and the trace is longer than one report's worth
 * (as a single-threaded pass reports). Without it (or if it cannot start) the pass runs the
 * same, silent. */
static void meter_start(struct meter *m, const struct replay *r, const struct thread_tables *tt)
{
    memset(m, 0, sizeof *m);
    if (!r->cfg.progress || r->n_events <= r->cfg.progress_every)
        return;
    m->r = r;
    m->progress = tt->progress;
    m->n = tt->n;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&m->mu, NULL);
    m->started = pthread_create(&m->tid, NULL, meter_main, m) == 0;
    if (!m->started) {
        pthread_cond_destroy(&m->wake);
        pthread_mutex_destroy(&m->mu);
    }
}

static void meter_stop(struct meter *m)
{
    if (!m->started)
        return;
    pthread_mutex_lock(&m->mu);
    m->stop = 1;
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->mu);
    pthread_join(m->tid, NULL);
    pthread_cond_destroy(&m->wake);
    pthread_mutex_destroy(&m->mu);
}

int replay_threads_run(struct replay *r, const struct replay_schedule *s,
                       const struct allocator_options *opt)
{
    struct thread_tables tt;
    r->loops = 0;
    r->wall_ns = 0;
    if (tables_map(&tt, r, s))
        return -1;
    struct replay_shared *sh = tt.sh;
    pthread_mutex_init(&sh->mu, NULL);
    pthread_mutex_init(&sh->wait_mu, NULL);
    r->shared = sh;

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, PLAYER_STACK_BYTES);
    int rc;
    if (r->cfg.pass == REPLAY_MEMORY)
        replay__memory_begin(r);
    const uint64_t overhead = r->cfg.pass == REPLAY_THROUGHPUT ? r->clock_overhead_ns : 0;
    uint64_t total = 0;
    struct meter meter;
    meter_start(&meter, r, &tt);
    for (;;) {
        tables_reset(&tt);
        const uint64_t t0 = os_clock_ns();
        rc = run_once(sh, tt.players, &tt.free_slots, &attr, opt);
        const uint64_t d = os_clock_ns() - t0;
        total += d > overhead ? d - overhead : 0;
        r->loops++;
        if (rc || r->cfg.pass != REPLAY_THROUGHPUT || total >= r->cfg.min_time_ns ||
            r->n_events == 0)
            break;
        replay_free_live(r);
    }
    meter_stop(&meter);
    r->wall_ns = total;
    pthread_attr_destroy(&attr);
    if (r->cfg.pass == REPLAY_MEMORY && rc == 0)
        finish_memory(r, sh);
    r->shared = NULL;
    pthread_mutex_destroy(&sh->mu);
    pthread_mutex_destroy(&sh->wait_mu);
    tables_free(&tt);
    return rc;
}
