/* Threaded passes (replay_threads.h). */
#include "replay_threads.h"

#include "replay_loop.h"

#include <errno.h>
#include <stdlib.h>

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
    play_thread(r, pl);
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

/* One replay of the whole trace: starts each pthread when its first event is due and the
 * pthreads that ended before it have been joined, then joins the rest. Returns 0 or -1. */
static int run_once(struct replay_shared *sh, struct replay_player *players,
                    const pthread_attr_t *attr, const struct allocator_options *opt)
{
    struct replay *r = sh->r;
    const struct replay_schedule *s = sh->s;
    uint32_t started = 0, joined = 0;
    for (uint32_t t = 0; t < s->n_threads; t++) {
        while (s->last_event[s->end_order[joined]] < s->first_event[t])
            pthread_join(players[s->end_order[joined++]].tid, NULL);
        if (atomic_load(&sh->failed))
            break;
        if (t > 0 && s->image_start[t] && opt && fresh_context(r, opt))
            break;
        const uint64_t before = s->first_event[t];
        if (before > 0) {
            const uint64_t j = before - 1;
            if (wait_for(sh, s->pthread_of[r->events[j].thread], s->pos[j] + 1))
                break;
        }
        struct replay_player *pl = &players[t];
        pl->sh = sh;
        pl->index = t;
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
            pthread_join(players[s->end_order[joined]].tid, NULL);
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

int replay_threads_run(struct replay *r, const struct replay_schedule *s,
                       const struct allocator_options *opt)
{
    const size_t progress_bytes = (size_t)s->n_threads * sizeof(struct replay_progress);
    const size_t players_bytes = (size_t)s->n_threads * sizeof(struct replay_player);
    struct replay_shared *sh = os_table_alloc(sizeof *sh);
    struct replay_player *players = os_table_alloc(players_bytes);
    struct replay_progress *progress = os_table_alloc(progress_bytes);
    uint64_t trace_peak = 0, trace_peak_event = 0;
    r->loops = 0;
    r->wall_ns = 0;
    if (!sh || !players || !progress ||
        (r->cfg.pass == REPLAY_MEMORY &&
         replay_peak_live(r->events, r->n_events, r->n_ids, &trace_peak, &trace_peak_event))) {
        snprintf(r->reason, sizeof r->reason, "cannot map the thread tables: %s", strerror(errno));
        os_table_free(sh, sizeof *sh);
        os_table_free(players, players_bytes);
        os_table_free(progress, progress_bytes);
        return -1;
    }
    sh->r = r;
    sh->s = s;
    sh->progress = progress;
    sh->window = r->cfg.window;
    sh->trace_peak_event = trace_peak_event;
    pthread_mutex_init(&sh->mu, NULL);
    r->shared = sh;

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, PLAYER_STACK_BYTES);
    int rc;
    if (r->cfg.pass == REPLAY_MEMORY)
        replay__memory_begin(r);
    const uint64_t overhead = r->cfg.pass == REPLAY_THROUGHPUT ? r->clock_overhead_ns : 0;
    uint64_t total = 0;
    for (;;) {
        for (uint32_t t = 0; t < s->n_threads; t++) {
            atomic_init(&progress[t].done, 0);
            atomic_init(&progress[t].want, UINT32_MAX);
            atomic_init(&progress[t].epoch, 0);
        }
        const uint64_t t0 = os_clock_ns();
        rc = run_once(sh, players, &attr, opt);
        const uint64_t d = os_clock_ns() - t0;
        total += d > overhead ? d - overhead : 0;
        r->loops++;
        if (rc || r->cfg.pass != REPLAY_THROUGHPUT || total >= r->cfg.min_time_ns ||
            r->n_events == 0)
            break;
        replay_free_live(r);
    }
    r->wall_ns = total;
    pthread_attr_destroy(&attr);

    if (r->cfg.pass == REPLAY_MEMORY && rc == 0) {
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
    r->shared = NULL;
    pthread_mutex_destroy(&sh->mu);
    os_table_free(players, players_bytes);
    os_table_free(progress, progress_bytes);
    os_table_free(sh, sizeof *sh);
    return rc;
}
