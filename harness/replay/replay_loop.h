/* The replay loop, one inline function specialised by constant flags into every pass's loop:
 * the single-threaded passes (replay.c) and each pthread of a threaded pass (replay_threads.c)
 * instantiate it. Private to the replay library. */
#ifndef ALLOCREPLAY_REPLAY_LOOP_H
#define ALLOCREPLAY_REPLAY_LOOP_H

#include "replay/replay.h"

#include "schedule.h"
#include "verify.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Loop specialisation flags: always passed as constants, so each combination compiles to its
 * own loop with the disabled parts gone. */
#define M_TIMED 1u  /* bracket each operation with the timer */
#define M_CLOCK 2u  /* the timer is clock_gettime, not the TSC */
#define M_TOUCH 4u  /* write new and grown blocks once per page and at the last byte */
#define M_TRACK 8u  /* keep live and usable byte counts */
#define M_VERIFY 16u
#define M_THREAD 32u /* one pthread of a threaded pass: its own events, waits, shared counters */
#define M_PACE 64u   /* paced: each event waits for its recorded time (pace.h) */

#define PAGE_STEP 4096u /* the smallest page size: touching every 4 KiB reaches every page */

#define ALWAYS_INLINE inline __attribute__((always_inline))
#define NOINLINE __attribute__((noinline))
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- the state a threaded pass shares between its pthreads ---- */

/* One per pthread, on its own cache line: how many of its events are complete, and the
 * smallest count a sleeping waiter waits for on it (UINT32_MAX: none), so that the publisher
 * leaves its one store per event for the wake path (wait.c) only when a sleeper's count has
 * come. */
struct replay_progress {
    _Alignas(64) _Atomic uint32_t done;
    _Atomic uint32_t want;
};

/* A thread that may wait (each pthread, and the thread that starts them), on its own cache
 * line: the word it sleeps on, and what it waits for. All but state are read and written
 * under replay_shared.wait_mu only; state is written under it and read by its sleeper. */
#define WAITER_RUN 0u    /* not asleep (a pthread: counted in n_active) */
#define WAITER_PARKED 1u /* asleep: what it waits for has not come */
#define WAITER_READY 2u  /* asleep: what it waits for has come; woken when a CPU is free */
struct replay_waiter {
    _Alignas(64) _Atomic uint32_t state;
    uint32_t on, count; /* parked: until pthread `on` has `count` events done, */
    uint64_t target;    /* ... then (frontier wait) until every event before target is */
    uint64_t frontier;  /* frontier wait: the frontier found when it ended */
    uint64_t next;      /* its next event: the earliest of the ready waiters is woken first */
};

struct replay_shared {
    struct replay *r;
    const struct replay_schedule *s;
    struct replay_progress *progress; /* s->n_threads entries */
    uint32_t window;                  /* 0: free-running; 1: strict order; W; REPLAY_WINDOW_AUTO */
    const uint16_t *back;             /* auto: the limits (window.h); NULL: lim(i) = i - W + 1 */
    atomic_int failed;                /* set once, by the first failing thread */
    pthread_mutex_t mu;               /* samples and histogram merges */
    /* memory pass: the counters of replay_memory, shared */
    _Alignas(64) _Atomic uint64_t live;
    _Atomic uint64_t usable_sum;
    _Atomic uint64_t peak_live;
    _Atomic uint64_t peak_event, usable_at_peak; /* at the peak's moment */
    _Alignas(64) _Atomic uint64_t n_done; /* events complete over all pthreads */
    uint64_t trace_peak_event;            /* the trace's event of peak live: sampled there */
    /* The frontier (window.h): a lower bound of the first incomplete event, raised by the
     * threads that compute it; and what they compute it from: the pthreads started so far
     * (numbered in the order of their first events) and the slots of those not yet joined
     * (REPLAY_SLOT_FREE: an empty slot), both kept by the thread that starts and joins them. */
    _Alignas(64) _Atomic uint64_t frontier;
    _Atomic uint32_t n_started;
    _Atomic uint32_t n_slots; /* slots in use are below this */
    _Atomic uint32_t *slot;   /* s->n_threads entries */
    /* The waiting threads (wait.c): s->n_threads + 1 waiters, one per pthread and the
     * starter's last; the pthreads started and not asleep; how many of them may be awake
     * before a pthread whose wait has ended sleeps on until another one sleeps or exits. */
    _Alignas(64) pthread_mutex_t wait_mu;
    struct replay_waiter *waiter;
    uint32_t n_active;   /* under wait_mu */
    _Atomic uint32_t n_alive; /* pthreads started and not ended (changed under wait_mu) */
    uint32_t max_active; /* the CPUs; UINT32_MAX: no limit */
};
#define REPLAY_SLOT_FREE UINT32_MAX

/* One pthread of a threaded pass, on its own cache line. */
struct replay_player {
    _Alignas(64) struct replay_shared *sh;
    uint32_t index;         /* its pthread number in the schedule */
    uint32_t slot;          /* its entry in sh->slot (the starting thread's) */
    uint64_t frontier;      /* the frontier as this thread last knew it */
    struct histogram *hist; /* latency pass: its own histograms, merged at its end */
    pthread_t tid;
};

static inline void cpu_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* The waits of a threaded pass (wait.c). Each returns 0, or -1 when the pass failed
 * elsewhere meanwhile (what the caller waits for may never come). */

/* Waiter w (the pthread whose next event is `next`, or the starter) sleeps until pthread t
 * has count events done. */
int replay__wait_count(struct replay_shared *sh, struct replay_waiter *w, uint32_t t,
                       uint32_t count, uint64_t next);
/* Player pl, at event i, waits until every event before lim is complete (lim <= i); then
 * pl->frontier holds the frontier found. */
int replay__wait_frontier(struct replay_shared *sh, struct replay_player *pl, uint64_t lim,
                          uint64_t i);
/* Pthread t's done count has reached its want: wakes the waiters whose wait has ended. */
void replay__wake_waiters(struct replay_shared *sh, uint32_t t);
/* A pthread starts and becomes active; one ends. */
void replay__player_enter(struct replay_shared *sh);
void replay__player_leave(struct replay_shared *sh);

static ALWAYS_INLINE int wait_for(struct replay_shared *sh, struct replay_waiter *w, uint32_t t,
                                  uint32_t count, uint64_t next)
{
    if (atomic_load_explicit(&sh->progress[t].done, memory_order_acquire) >= count)
        return 0;
    return replay__wait_count(sh, w, t, count, next);
}

/* Everything event i (the k-th of the player's list) waits for before it starts: the previous
 * event on its object, when another pthread replays it, and the frontier reaching the event's
 * limit (window.h). Paced replay (a thread waiting for its event's recorded time) hooks in
 * here too. Returns 0, or -1 when the pass failed elsewhere. */
static ALWAYS_INLINE int before_event(struct replay_player *pl, uint64_t k, uint64_t i)
{
    struct replay_shared *const sh = pl->sh;
    const uint64_t dep = sh->s->obj_dep[k];
    if (dep != SCHEDULE_DEP_NONE && wait_for(sh, &sh->waiter[pl->index], SCHEDULE_DEP_THREAD(dep),
                                             SCHEDULE_DEP_COUNT(dep), i))
        return -1;
    if (sh->window) {
        const uint64_t back = sh->back ? sh->back[k] : (uint64_t)sh->window - 1;
        if (i > back && i - back > pl->frontier &&
            replay__wait_frontier(sh, pl, i - back, i))
            return -1;
    }
    return 0;
}

/* Publishes that the player's count-th event is complete: one store, and the wake path only
 * when a sleeper's count has come. The store and the load are sequentially consistent, as
 * are a sleeper's lowering of want and its load of done (wait.c): one of the two sees the
 * other's write, so no wake-up is lost. */
static ALWAYS_INLINE void after_event(struct replay_player *pl, uint32_t count)
{
    struct replay_progress *p = &pl->sh->progress[pl->index];
    atomic_store(&p->done, count);
    if (UNLIKELY(count >= atomic_load(&p->want)))
        replay__wake_waiters(pl->sh, pl->index);
}

/* The first failure of a pass is the one reported: 1 when this call may write the reason. */
static int claim_failure(struct replay *r)
{
    return !r->shared || !atomic_exchange(&r->shared->failed, 1);
}

static ALWAYS_INLINE uint64_t tick_begin(const unsigned mode)
{
    return (mode & M_CLOCK) ? os_clock_ns() : os_tsc_begin();
}

static ALWAYS_INLINE uint64_t tick_end(const unsigned mode)
{
    return (mode & M_CLOCK) ? os_clock_ns() : os_tsc_end();
}

static ALWAYS_INLINE void touch(void *p, uint64_t from, uint64_t to)
{
    volatile unsigned char *b = p;
    for (uint64_t off = from; off < to; off += PAGE_STEP)
        b[off] = 1;
    if (to > from)
        b[to - 1] = 1;
}

static ALWAYS_INLINE uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static NOINLINE int fail_oom(struct replay *r, uint64_t i, const struct trace_event *ev)
{
    if (!claim_failure(r))
        return -1;
    r->fail_event = i;
    r->fail_id = ev->id;
    char thread[32] = "";
    if (r->shared)
        snprintf(thread, sizeof thread, " (thread %u)", ev->thread);
    snprintf(r->reason, sizeof r->reason,
             "out of memory: event %llu id %u%s: %s of %llu bytes returned NULL",
             (unsigned long long)i, ev->id, thread, trace_op_name((enum trace_op)ev->op),
             (unsigned long long)ev->size);
    return -1;
}

static NOINLINE int fail_verify(struct replay *r, uint64_t i, uint32_t id, const char *what,
                                int64_t offset)
{
    if (!claim_failure(r))
        return -1;
    r->fail_event = i;
    r->fail_id = id;
    if (offset >= 0)
        snprintf(r->reason, sizeof r->reason, "verify: event %llu id %u: %s at offset %lld",
                 (unsigned long long)i, id, what, (long long)offset);
    else
        snprintf(r->reason, sizeof r->reason, "verify: event %llu id %u: %s",
                 (unsigned long long)i, id, what);
    return -1;
}

/* Verify-pass checks of a fresh block: its alignment, calloc's zeroes; then the fill. */
static NOINLINE int verify_new(struct replay *r, uint64_t i, const struct trace_event *ev, void *p,
                               size_t align)
{
    if ((uintptr_t)p & (align - 1))
        return fail_verify(r, i, ev->id, "misaligned block", -1);
    if (ev->op == TRACE_CALLOC) {
        int64_t bad = verify_check_zero(p, ev->size);
        if (bad >= 0)
            return fail_verify(r, i, ev->id, "calloc block not zeroed", bad);
    }
    verify_fill(p, ev->id, 0, ev->size);
    return 0;
}

/* Paced passes (replay.c): waits until event i is due, taking the time grid's samples
 * meanwhile. */
void replay__pace_wait(struct replay *r, uint64_t i);

/* The start of a memory pass: the RSS baseline, the paced clock's start, the first sample. */
void replay__memory_begin(struct replay *r);
/* The end of a paced memory pass: waits, sampling, until the trace's recorded end when that
 * is later than its last event. Does nothing unpaced. */
void replay__pace_finish(struct replay *r);

/* Shared with replay.c: records one memory sample (footprint and RSS read now) for `done`
 * events complete and `live` live bytes. Not thread-safe: a threaded pass holds sh->mu. */
void replay__sample(struct replay *r, uint64_t done, uint64_t live);

/* A block of size bytes became live on id (done: events complete, for the peak's moment). A
 * threaded pass keeps the counters in its shared state: live bytes change in the order the
 * events run, so the peak is the one the replay actually reached. */
static ALWAYS_INLINE void track_new(struct replay *r, const unsigned mode, uint64_t done,
                                    uint32_t id, void *p, uint64_t size)
{
    uint64_t u = r->ops->usable_size ? r->ops->usable_size(r->ctx, p, size) : size;
    r->usable[id] = u;
    if (mode & M_THREAD) {
        struct replay_shared *const sh = r->shared;
        const uint64_t us = atomic_fetch_add_explicit(&sh->usable_sum, u, memory_order_relaxed) + u;
        const uint64_t live = atomic_fetch_add_explicit(&sh->live, size, memory_order_relaxed) + size;
        uint64_t peak = atomic_load_explicit(&sh->peak_live, memory_order_relaxed);
        while (live > peak)
            if (atomic_compare_exchange_weak_explicit(&sh->peak_live, &peak, live,
                                                      memory_order_relaxed, memory_order_relaxed)) {
                /* The moment of the peak: approximate when other threads move at once. */
                atomic_store_explicit(&sh->peak_event,
                                      atomic_load_explicit(&sh->n_done, memory_order_relaxed) + 1,
                                      memory_order_relaxed);
                atomic_store_explicit(&sh->usable_at_peak, us, memory_order_relaxed);
                break;
            }
        return;
    }
    r->mem.usable_sum += u;
    r->mem.live += size;
    if (r->mem.live > r->mem.peak_live) {
        r->mem.peak_live = r->mem.live;
        r->mem.peak_live_event = done;
        r->mem.usable_at_peak_live = r->mem.usable_sum;
    }
}

static ALWAYS_INLINE void track_gone(struct replay *r, const unsigned mode, uint32_t id,
                                     uint64_t size)
{
    if (mode & M_THREAD) {
        atomic_fetch_sub_explicit(&r->shared->live, size, memory_order_relaxed);
        atomic_fetch_sub_explicit(&r->shared->usable_sum, r->usable[id], memory_order_relaxed);
        return;
    }
    r->mem.live -= size;
    r->mem.usable_sum -= r->usable[id];
}

/* A threaded pass's event is complete: the memory pass counts it over all threads and samples
 * at every rss_every-th and at the trace's event of peak live (the thread that completes that
 * count takes the sample), then the player publishes its progress (count: its events done). */
static ALWAYS_INLINE void event_done(struct replay *r, struct replay_player *pl,
                                     const unsigned mode, uint32_t count)
{
    if (mode & M_TRACK) {
        struct replay_shared *const sh = r->shared;
        const uint64_t n = atomic_fetch_add(&sh->n_done, 1) + 1;
        if (UNLIKELY(n % r->cfg.rss_every == 0 || n == sh->trace_peak_event)) {
            pthread_mutex_lock(&sh->mu);
            replay__sample(r, n, atomic_load_explicit(&sh->live, memory_order_relaxed));
            pthread_mutex_unlock(&sh->mu);
        }
    }
    after_event(pl, count);
}

/* Replays events [begin, end) (M_THREAD: positions [begin, end) of the player's list, each
 * after what it waits for). The ops are loaded into locals once; the switch is the only
 * per-event branch of the throughput pass besides the NULL check. */
static ALWAYS_INLINE int run_events(struct replay *r, struct replay_player *pl, uint64_t begin,
                                    uint64_t end, const unsigned mode)
{
    const uint64_t *const order = (mode & M_THREAD) ? pl->sh->s->order : NULL;
    const uint64_t first_k = (mode & M_THREAD) ? pl->sh->s->first[pl->index] : 0;
    struct replay_slot *const slots = r->slots;
    void *const ctx = r->ctx;
    void *(*const op_alloc)(void *, size_t) = r->ops->alloc;
    void (*const op_free)(void *, void *, size_t, size_t) = r->ops->free;
    void *(*const op_aligned)(void *, size_t, size_t) = r->ops->aligned_alloc;
    void *(*const op_realloc)(void *, void *, size_t, size_t) = r->ops->realloc;
    void *(*const op_calloc)(void *, size_t) = r->ops->calloc;
    const size_t min_align = r->ops->min_align ? r->ops->min_align : 1;
    struct histogram *const hist = (mode & M_THREAD) ? pl->hist : r->lat.hist;
    const uint64_t overhead = r->lat.overhead_ticks;
    uint64_t t0 = 0;

#define TIMER_START()                                                                          \
    do {                                                                                       \
        if (mode & M_TIMED)                                                                    \
            t0 = tick_begin(mode);                                                             \
    } while (0)
#define TIMER_STOP(op)                                                                         \
    do {                                                                                       \
        if (mode & M_TIMED) {                                                                  \
            uint64_t d_ = tick_end(mode) - t0;                                                 \
            histogram_record(&hist[op], d_ > overhead ? d_ - overhead : 0);                    \
        }                                                                                      \
    } while (0)

    /* Single-threaded, the loop walks a pointer over the events, as a bare replay loop does;
     * an event's index (EV_INDEX) is computed only where it is needed (tracking, failures),
     * from r->events read there rather than held in a register through the loop. */
#define EV_INDEX ((mode & M_THREAD) ? ti : (uint64_t)(ev - r->events))
    const struct trace_event *next = r->events + begin;
    const struct trace_event *const stop = r->events + end;
    for (uint64_t k = begin; (mode & M_THREAD) ? k < end : next < stop; k++) {
        const struct trace_event *const ev = (mode & M_THREAD) ? &r->events[order[k]] : next++;
        const uint64_t ti = (mode & M_THREAD) ? order[k] : 0;
        if (mode & M_THREAD)
            if (UNLIKELY(before_event(pl, k, ti)))
                return -1;
        if (mode & M_PACE)
            replay__pace_wait(r, EV_INDEX);
        struct replay_slot *const s = &slots[ev->id];
        const uint64_t size = ev->size;
        void *p;
        /* free and alloc, most events, are tested first as plain two-way branches, like a bare
         * replay loop's; the jump table of the switch serves the rarer kinds. */
        if (ev->op == TRACE_FREE)
            goto op_free_;
        if (ev->op == TRACE_ALLOC)
            goto op_alloc_;
        switch (ev->op) {
        case TRACE_ALLOC:
        op_alloc_:
            TIMER_START();
            p = op_alloc(ctx, size);
            TIMER_STOP(TRACE_ALLOC);
        new_block: /* alloc and calloc: the block is recorded, checked, touched alike */
            if (UNLIKELY(!p))
                return fail_oom(r, EV_INDEX, ev);
            s->p = p;
            s->meta = size;
            if (mode & M_VERIFY)
                if (verify_new(r, EV_INDEX, ev, p, min_align))
                    return -1;
            if (mode & M_TOUCH)
                touch(p, 0, size);
            if (mode & M_TRACK)
                track_new(r, mode, EV_INDEX + 1, ev->id, p, size);
            break;
        case TRACE_CALLOC:
            /* The backend's calloc when it has one (it may know fresh memory is zero);
             * otherwise the harness zeroes, and the zeroing is part of the operation's cost,
             * as it is for a program calling calloc. */
            TIMER_START();
            if (op_calloc) {
                p = op_calloc(ctx, size);
            } else {
                p = op_alloc(ctx, size);
                if (p)
                    memset(p, 0, size);
            }
            TIMER_STOP(TRACE_CALLOC);
            /* The memory pass must touch a calloc block too: a backend's calloc may hand out
             * fresh zero pages it never wrote, which RSS would not show. */
            goto new_block;
        case TRACE_ALIGNED: {
            /* replay_init refused backends without aligned_alloc when an alignment exceeds
             * min_align; below that, plain alloc already satisfies the request. */
            const size_t align = (size_t)1 << ev->align_log2;
            TIMER_START();
            p = op_aligned ? op_aligned(ctx, size, align) : op_alloc(ctx, size);
            TIMER_STOP(TRACE_ALIGNED);
            if (UNLIKELY(!p))
                return fail_oom(r, EV_INDEX, ev);
            s->p = p;
            s->meta = size | (op_aligned ? (uint64_t)ev->align_log2 << 56 : 0);
            if (mode & M_VERIFY)
                if (verify_new(r, EV_INDEX, ev, p, align > min_align ? align : min_align))
                    return -1;
            if (mode & M_TOUCH)
                touch(p, 0, size);
            if (mode & M_TRACK)
                track_new(r, mode, EV_INDEX + 1, ev->id, p, size);
            break;
        }
        case TRACE_REALLOC: {
            void *const old = s->p;
            const uint64_t old_size = REPLAY_SIZE(s->meta);
            const unsigned al = REPLAY_ALIGN_LOG2(s->meta);
            if (mode & M_VERIFY) {
                int64_t bad = verify_check(old, ev->id, 0, old_size);
                if (bad >= 0)
                    return fail_verify(r, EV_INDEX, ev->id,
                                       "content mismatch before realloc", bad);
            }
            if (mode & M_TRACK)
                track_gone(r, mode, ev->id, old_size);
            /* The bytes a move keeps, min(old_size, size), is computed where it is used: the
             * plain pass with the backend's realloc never needs it, and computing it up front
             * costs a spill per realloc in that hottest loop. */
            TIMER_START();
            if (al) {
                /* Backends never see realloc of an aligned block (allocator.h): the harness
                 * moves it, keeping its alignment. */
                p = op_aligned(ctx, size, (size_t)1 << al);
                if (p) {
                    memcpy(p, old, min_u64(old_size, size));
                    op_free(ctx, old, old_size, (size_t)1 << al);
                }
            } else if (op_realloc) {
                p = op_realloc(ctx, old, old_size, size);
            } else {
                p = op_alloc(ctx, size);
                if (p) {
                    memcpy(p, old, min_u64(old_size, size));
                    op_free(ctx, old, old_size, 0);
                }
            }
            TIMER_STOP(TRACE_REALLOC);
            if (UNLIKELY(!p))
                return fail_oom(r, EV_INDEX, ev);
            s->p = p;
            s->meta = size | (uint64_t)al << 56;
            if (mode & M_VERIFY) {
                size_t want = al ? (size_t)1 << al : min_align;
                if ((uintptr_t)p & (want - 1))
                    return fail_verify(r, EV_INDEX, ev->id, "misaligned block", -1);
                int64_t bad = verify_check(p, ev->id, 0, min_u64(old_size, size));
                if (bad >= 0)
                    return fail_verify(r, EV_INDEX, ev->id,
                                       "realloc lost content", bad);
                verify_fill(p, ev->id, min_u64(old_size, size), size);
            }
            if (mode & M_TOUCH)
                touch(p, min_u64(old_size, size), size);
            if (mode & M_TRACK)
                track_new(r, mode, EV_INDEX + 1, ev->id, p, size);
            break;
        }
        case TRACE_FREE:
        op_free_: {
            const uint64_t meta = s->meta;
            const unsigned al = REPLAY_ALIGN_LOG2(meta);
            if (mode & M_VERIFY) {
                int64_t bad = verify_check(s->p, ev->id, 0, REPLAY_SIZE(meta));
                if (bad >= 0)
                    return fail_verify(r, EV_INDEX, ev->id, "content mismatch",
                                       bad);
            }
            if (mode & M_TRACK)
                track_gone(r, mode, ev->id, REPLAY_SIZE(meta));
            TIMER_START();
            op_free(ctx, s->p, REPLAY_SIZE(meta), al ? (size_t)1 << al : 0);
            TIMER_STOP(TRACE_FREE);
            s->p = NULL;
            break;
        }
        default:
            __builtin_unreachable(); /* trace_load validated every op */
        }
        if (mode & M_THREAD)
            event_done(r, pl, mode, (uint32_t)(k - first_k + 1));
    }
#undef TIMER_START
#undef TIMER_STOP
#undef EV_INDEX
    return 0;
}


#endif
