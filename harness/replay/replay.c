/* The replay loop and its four passes (replay.h). */
#include "replay/replay.h"

#include "allocators/registry.h"
#include "replay_loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const pass_names[] = {"throughput", "latency", "memory", "verify"};

const char *replay_pass_name(enum replay_pass p)
{
    return (unsigned)p < 4 ? pass_names[p] : "?";
}

int replay_pass_parse(const char *name, enum replay_pass *out)
{
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, pass_names[i])) {
            *out = (enum replay_pass)i;
            return 0;
        }
    return -1;
}

/* The specialised loops, each over events [begin, end). noinline keeps each one a separate
 * function to read in a profile or in the generated code. */
typedef int (*replay_loop_fn)(struct replay *r, uint64_t begin, uint64_t end);
static NOINLINE int loop_plain(struct replay *r, uint64_t begin, uint64_t end)
{
    return run_events(r, NULL, begin, end, 0);
}
static NOINLINE int loop_touch(struct replay *r, uint64_t begin, uint64_t end)
{
    return run_events(r, NULL, begin, end, M_TOUCH);
}
static NOINLINE int loop_tsc(struct replay *r, uint64_t begin, uint64_t end)
{
    return run_events(r, NULL, begin, end, M_TIMED);
}
static NOINLINE int loop_tsc_touch(struct replay *r, uint64_t begin, uint64_t end)
{
    return run_events(r, NULL, begin, end, M_TIMED | M_TOUCH);
}
static NOINLINE int loop_clock(struct replay *r, uint64_t begin, uint64_t end)
{
    return run_events(r, NULL, begin, end, M_TIMED | M_CLOCK);
}
static NOINLINE int loop_clock_touch(struct replay *r, uint64_t begin, uint64_t end)
{
    return run_events(r, NULL, begin, end, M_TIMED | M_CLOCK | M_TOUCH);
}
static NOINLINE int loop_memory(struct replay *r, uint64_t begin, uint64_t end)
{
    return run_events(r, NULL, begin, end, M_TOUCH | M_TRACK);
}
static NOINLINE int loop_memory_paced(struct replay *r, uint64_t begin, uint64_t end)
{
    return run_events(r, NULL, begin, end, M_TOUCH | M_TRACK | M_PACE);
}
static NOINLINE int loop_verify(struct replay *r, uint64_t begin, uint64_t end)
{
    return run_events(r, NULL, begin, end, M_VERIFY);
}

/* One whole-trace run of loop, in chunks with the progress reported between them; *done
 * counts the events replayed in the pass so far. Without a progress callback, or for a trace
 * of up to one chunk, it is a single call. */
static int run_chunks(struct replay *r, replay_loop_fn loop, uint64_t *done)
{
    const uint64_t chunk = !r->cfg.progress ? r->n_events : r->cfg.progress_every;
    uint64_t begin = 0;
    do {
        uint64_t end = r->n_events - begin > chunk ? begin + chunk : r->n_events;
        int rc = loop(r, begin, end);
        *done += end - begin;
        if (rc)
            return rc;
        if (r->cfg.progress && end < r->n_events)
            r->cfg.progress(r->cfg.progress_ctx, *done, r->n_events);
        begin = end;
    } while (begin < r->n_events);
    return 0;
}

/* The cost of an empty timed region: the minimum over many back-to-back pairs, the figure
 * that is present in every measurement whatever else happens. */
static uint64_t calibrate_overhead(int use_tsc)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 20000; i++) {
        uint64_t a, b;
        if (use_tsc) {
            a = os_tsc_begin();
            b = os_tsc_end();
        } else {
            a = os_clock_ns();
            b = os_clock_ns();
        }
        uint64_t d = b - a;
        if (d < best)
            best = d;
    }
    return best;
}

static uint64_t known(size_t v)
{
    return v == ALLOCATOR_UNKNOWN ? UINT64_MAX : (uint64_t)v;
}

void replay__sample(struct replay *r, uint64_t done, uint64_t live)
{
    struct replay_memory *m = &r->mem;
    uint64_t fp = UINT64_MAX;
    struct allocator_stats st;
    struct replay_view view = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
    if (m->have_footprint) {
        allocator_stats_read(r->ops, r->ctx, &st);
        fp = st.footprint_bytes == ALLOCATOR_UNKNOWN ? UINT64_MAX : (uint64_t)st.footprint_bytes;
        /* On a plateau of peak footprint, "the moment of the peak" is the sample with the most
         * live bytes: a backend that reserved its footprint up front is not charged for the
         * empty start. */
        if (fp != UINT64_MAX && (fp > m->peak_footprint || m->n_samples == 0 ||
                                 (fp == m->peak_footprint && live > m->live_at_peak_footprint))) {
            m->peak_footprint = fp;
            m->live_at_peak_footprint = live;
            m->heap_bytes = st.heap_bytes == ALLOCATOR_UNKNOWN ? UINT64_MAX : st.heap_bytes;
            m->mmap_bytes = st.mmap_bytes == ALLOCATOR_UNKNOWN ? UINT64_MAX : st.mmap_bytes;
        }
        m->final_footprint = fp;
        view = (struct replay_view){known(st.in_use_bytes), known(st.free_bytes),
                                    known(st.metadata_bytes), known(st.unused_bytes),
                                    known(st.retained_bytes)};
    }
    int64_t rss = os_rss_anon();
    uint64_t rel = rss > m->rss_baseline ? (uint64_t)(rss - m->rss_baseline) : 0;
    if (rel > m->peak_rss || m->n_samples == 0 || (rel == m->peak_rss && live > m->live_at_peak_rss)) {
        m->peak_rss = rel;
        m->live_at_peak_rss = live;
        m->view_peak = view;
    }
    m->final_rss = rel;
    m->view_final = view;
    const uint64_t t = r->paced ? os_clock_ns() - r->pace.start_ns : UINT64_MAX;
    if (m->n_samples < m->cap_samples)
        m->samples[m->n_samples++] = (struct replay_sample){done, live, fp, rel, t};
}

/* A sample of the time grid, taken by a paced thread while it waits for event i. */
static void grid_sample(struct replay *r, uint64_t i)
{
    struct replay_shared *const sh = r->shared;
    if (!sh) {
        replay__sample(r, i, r->mem.live);
        return;
    }
    pthread_mutex_lock(&sh->mu);
    replay__sample(r, atomic_load(&sh->n_done),
                   atomic_load_explicit(&sh->live, memory_order_relaxed));
    pthread_mutex_unlock(&sh->mu);
}

/* Waits until the clock reads due, taking the grid's samples (i: the next event, or n_events
 * at the end). Returns how late the wait ended. */
static uint64_t pace_until(struct replay *r, uint64_t due, uint64_t i)
{
    struct pace *const p = &r->pace;
    for (;;) {
        /* A threaded pass that failed elsewhere stops waiting (within a grid interval): the
         * thread then meets the failure at its next wait for another thread. */
        if (r->shared && atomic_load_explicit(&r->shared->failed, memory_order_relaxed))
            return 0;
        const uint64_t now = os_clock_ns();
        if (UNLIKELY(pace_grid_claim(p, now))) {
            grid_sample(r, i);
            continue; /* reading /proc took time: look at the clock again */
        }
        uint64_t until = 0;
        switch (pace_next_step(now, due, atomic_load_explicit(&p->next_grid, memory_order_relaxed),
                               &until)) {
        case PACE_GO:
            return now - due;
        case PACE_SPIN:
            cpu_pause();
            break;
        case PACE_SLEEP:
            os_sleep_until(until);
            break;
        }
    }
}

NOINLINE void replay__pace_wait(struct replay *r, uint64_t i)
{
    pace_note_lag(&r->pace, pace_until(r, pace_due(&r->pace, i), i));
}

void replay__memory_begin(struct replay *r)
{
    r->mem.rss_baseline = os_rss_anon();
    if (r->paced)
        pace_start(&r->pace);
    replay__sample(r, 0, 0);
}

void replay__pace_finish(struct replay *r)
{
    if (!r->paced)
        return;
    const uint64_t end = r->pace.start_ns + r->pace.duration_ns;
    if (os_clock_ns() < end) {
        (void)pace_until(r, end, r->n_events);
        grid_sample(r, r->n_events);
    }
    r->pace.elapsed_ns = os_clock_ns() - r->pace.start_ns;
}

static int run_memory(struct replay *r, uint64_t peak_event)
{
    const uint64_t every = r->cfg.rss_every;
    replay__memory_begin(r);
    for (uint64_t i = 0; i < r->n_events;) {
        uint64_t next = (i / every + 1) * every;
        if (next > r->n_events)
            next = r->n_events;
        /* Also stop right after the event of peak live bytes, so that the sample taken there
         * gives footprint and RSS at that moment. */
        if (peak_event > i && peak_event < next)
            next = peak_event;
        if (r->paced ? loop_memory_paced(r, i, next) : loop_memory(r, i, next))
            return -1;
        if (r->cfg.progress && next / r->cfg.progress_every != i / r->cfg.progress_every &&
            next < r->n_events)
            r->cfg.progress(r->cfg.progress_ctx, next, r->n_events);
        i = next;
        replay__sample(r, i, r->mem.live);
    }
    replay__pace_finish(r);
    r->mem.have_smaps = os_smaps_rollup(&r->mem.smaps) == 0;
    return 0;
}

int replay_peak_live(const struct trace_event *events, uint64_t n_events, uint32_t n_ids,
                     uint64_t *peak, uint64_t *peak_event)
{
    size_t bytes = (size_t)n_ids * sizeof(uint64_t);
    uint64_t *size = os_table_alloc(bytes);
    if (!size)
        return -1;
    uint64_t live = 0;
    *peak = 0;
    *peak_event = 0;
    for (uint64_t i = 0; i < n_events; i++) {
        const struct trace_event *ev = &events[i];
        if (ev->op == TRACE_FREE) {
            live -= size[ev->id];
            continue;
        }
        if (ev->op == TRACE_REALLOC)
            live -= size[ev->id];
        size[ev->id] = ev->size;
        live += ev->size;
        if (live > *peak) {
            *peak = live;
            *peak_event = i + 1;
        }
    }
    os_table_free(size, bytes);
    return 0;
}

/* The memory pass's tables and, paced, its schedule. Returns 0, -1 with err filled (a paced
 * pass that cannot be), or -2 (no memory for the tables). */
static int init_memory(struct replay *r, char *err, size_t err_len)
{
    const struct replay_config *cfg = &r->cfg;
    uint64_t grid_room = 0;
    if (cfg->pace > 0) {
        if (cfg->pass != REPLAY_MEMORY || !cfg->times) {
            snprintf(err, err_len, "%s", cfg->times ? "only the memory pass can be paced"
                                                    : "a paced replay needs a timed trace");
            return -1;
        }
        r->paced = 1;
        grid_room = pace_init(&r->pace, cfg->times, r->n_events, cfg->pace, cfg->pace_end_ns,
                              cfg->pace_grid_ns, 0);
    }
    r->usable = os_table_alloc((size_t)r->n_ids * sizeof *r->usable);
    /* Every rss_every events, the event of peak live, the first and last, the end of a paced
     * pass and its time grid. */
    r->mem.cap_samples = (size_t)(r->n_events / cfg->rss_every + 4 + grid_room);
    r->mem.samples = os_table_alloc(r->mem.cap_samples * sizeof *r->mem.samples);
    if (!r->usable || !r->mem.samples)
        return -2;
    r->mem.have_usable = r->ops->usable_size != NULL;
    r->mem.have_footprint = r->ops->stats != NULL;
    r->mem.heap_bytes = r->mem.mmap_bytes = UINT64_MAX;
    return 0;
}

int replay_init(struct replay *r, const struct trace_event *events, uint64_t n_events,
                uint32_t n_ids, const struct allocator_ops *ops, void *ctx,
                const struct replay_config *cfg, char *err, size_t err_len)
{
    memset(r, 0, sizeof *r);
    r->events = events;
    r->n_events = n_events;
    r->n_ids = n_ids;
    r->ops = ops;
    r->ctx = ctx;
    r->cfg = *cfg;
    if (!r->cfg.rss_every)
        r->cfg.rss_every = REPLAY_DEFAULT_RSS_EVERY;
    if (!r->cfg.progress_every)
        r->cfg.progress_every = REPLAY_PROGRESS_EVENTS;

    if (!ops->aligned_alloc) {
        for (uint64_t i = 0; i < n_events; i++)
            if (events[i].op == TRACE_ALIGNED && ((size_t)1 << events[i].align_log2) > ops->min_align) {
                snprintf(err, err_len,
                         "backend %s has no aligned_alloc and event %llu asks for alignment %zu",
                         ops->name, (unsigned long long)i, (size_t)1 << events[i].align_log2);
                return -1;
            }
    }

    r->slots = os_table_alloc((size_t)n_ids * sizeof *r->slots);
    if (!r->slots)
        goto nomem;
    if (cfg->pass == REPLAY_LATENCY) {
        for (int op = 0; op < TRACE_OP_COUNT; op++)
            if (histogram_init(&r->lat.hist[op]))
                goto nomem;
        if (cfg->use_tsc) {
            double hz = cfg->tsc_hz > 0 ? cfg->tsc_hz : os_tsc_calibrate(50);
            if (hz <= 0) {
                snprintf(err, err_len, "the TSC does not advance");
                replay_release(r);
                return -1;
            }
            r->cfg.tsc_hz = hz;
            r->lat.ticks_per_ns = hz / 1e9;
        } else {
            r->lat.ticks_per_ns = 1.0;
        }
        r->lat.overhead_ticks = calibrate_overhead(cfg->use_tsc);
        r->lat.resolution_ticks = os_timer_resolution(cfg->use_tsc);
    }
    /* The two clock reads around each throughput loop cost about as much as a dozen events of
     * a short trace replayed many times: their calibrated cost comes off every loop. */
    if (cfg->pass == REPLAY_THROUGHPUT)
        r->clock_overhead_ns = calibrate_overhead(0);
    if (cfg->pass == REPLAY_MEMORY || cfg->pace > 0) {
        int rc = init_memory(r, err, err_len);
        if (rc) {
            if (rc == -2)
                goto nomem;
            replay_release(r);
            return -1;
        }
    }
    return 0;

nomem:
    snprintf(err, err_len, "cannot map the harness tables for %u ids: %s", n_ids, strerror(errno));
    replay_release(r);
    return -1;
}

/* Frees the blocks still live through the backend and empties their slots. */
void replay_free_live(struct replay *r)
{
    for (uint32_t id = 0; id < r->n_ids; id++) {
        struct replay_slot *s = &r->slots[id];
        if (s->p) {
            unsigned al = REPLAY_ALIGN_LOG2(s->meta);
            r->ops->free(r->ctx, s->p, REPLAY_SIZE(s->meta), al ? (size_t)1 << al : 0);
            s->p = NULL;
        }
    }
}

/* The throughput pass: whole-trace loops until their summed time reaches min_time_ns. Only
 * the loops are timed; the frees of the objects a loop leaves live are not (they are not
 * events of the trace), and the next loop starts from empty slots as the first did. */
static int run_throughput(struct replay *r)
{
    const int touch_on = r->cfg.touch;
    const uint64_t overhead = r->clock_overhead_ns;
    uint64_t total = 0, done = 0;
    int rc;
    r->loops = 0;
    for (;;) {
        uint64_t t0 = os_clock_ns();
        rc = run_chunks(r, touch_on ? loop_touch : loop_plain, &done);
        uint64_t d = os_clock_ns() - t0;
        total += d > overhead ? d - overhead : 0;
        r->loops++;
        /* An empty trace would loop on clock reads alone. */
        if (rc || total >= r->cfg.min_time_ns || r->n_events == 0)
            break;
        replay_free_live(r);
    }
    r->wall_ns = total;
    return rc;
}

int replay_run(struct replay *r)
{
    const int touch_on = r->cfg.touch;
    if (r->cfg.pass == REPLAY_THROUGHPUT)
        return run_throughput(r);
    uint64_t t0 = os_clock_ns(), done = 0;
    int rc;
    r->loops = 1;
    switch (r->cfg.pass) {
    case REPLAY_LATENCY:
        if (r->cfg.use_tsc)
            rc = run_chunks(r, touch_on ? loop_tsc_touch : loop_tsc, &done);
        else
            rc = run_chunks(r, touch_on ? loop_clock_touch : loop_clock, &done);
        break;
    case REPLAY_MEMORY: {
        uint64_t peak, peak_event;
        if (replay_peak_live(r->events, r->n_events, r->n_ids, &peak, &peak_event)) {
            snprintf(r->reason, sizeof r->reason, "cannot map a scratch table: %s", strerror(errno));
            return -1;
        }
        rc = run_memory(r, peak_event);
        break;
    }
    case REPLAY_VERIFY:
        rc = run_chunks(r, loop_verify, &done);
        break;
    default:
        rc = -1;
        snprintf(r->reason, sizeof r->reason, "unknown pass");
    }
    r->wall_ns = os_clock_ns() - t0;
    return rc;
}

void replay_release(struct replay *r)
{
    if (r->slots)
        replay_free_live(r);
    os_table_free(r->slots, (size_t)r->n_ids * sizeof *r->slots);
    os_table_free(r->usable, (size_t)r->n_ids * sizeof *r->usable);
    os_table_free(r->mem.samples, r->mem.cap_samples * sizeof *r->mem.samples);
    for (int op = 0; op < TRACE_OP_COUNT; op++)
        if (r->lat.hist[op].counts)
            histogram_release(&r->lat.hist[op]);
    r->slots = NULL;
    r->usable = NULL;
    r->mem.samples = NULL;
}
