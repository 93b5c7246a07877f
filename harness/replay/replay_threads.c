/* The threaded throughput pass (replay_threads.h). */
#include "replay_threads.h"

#include "replay/os.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define N_THREAD_NUMBERS 65536u /* trace_event.thread is 16 bits */

/* A thread whose turn has not come spins this many pause instructions (a few microseconds,
 * about the time another thread takes for a handful of events) before it yields the CPU on
 * each further check: with more replay threads than CPUs, the thread it waits for may need
 * this one's CPU to get there. */
#define SPIN_LIMIT 256u

/* A replay thread's stack: the backend's calls and the harness's few frames. */
#define PLAYER_STACK_BYTES (1u << 20)

static inline void cpu_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

void replay_schedule_release(struct replay_schedule *s)
{
    os_table_free(s->thread_of, (size_t)s->n_threads * sizeof *s->thread_of);
    os_table_free(s->first, ((size_t)s->n_threads + 1) * sizeof *s->first);
    os_table_free(s->order, (size_t)s->n_events * sizeof *s->order);
    os_table_free(s->turn, (size_t)s->n_events * sizeof *s->turn);
    memset(s, 0, sizeof *s);
}

int replay_schedule_build(struct replay_schedule *s, const struct trace_event *events,
                          uint64_t n_events, uint32_t n_ids, char *err, size_t err_len)
{
    memset(s, 0, sizeof *s);
    s->n_ids = n_ids;
    s->n_events = n_events;
    /* Scratch: events per thread number (then each pthread's fill cursor) and events seen per
     * id (the turn of the next event on that id). */
    const size_t per_thread_bytes = N_THREAD_NUMBERS * sizeof(uint64_t);
    const size_t per_id_bytes = (size_t)n_ids * sizeof(uint32_t);
    uint64_t *per_thread = os_table_alloc(per_thread_bytes);
    uint32_t *per_id = os_table_alloc(per_id_bytes);
    int rc = -1;
    if (!per_thread || !per_id)
        goto nomem;

    for (uint64_t i = 0; i < n_events; i++)
        per_thread[events[i].thread]++;
    for (uint32_t t = 0; t < N_THREAD_NUMBERS; t++)
        s->n_threads += per_thread[t] != 0;
    if (s->n_threads > REPLAY_MAX_THREADS) {
        snprintf(err, err_len, "the trace has events on %u threads; --threads replays at most %u",
                 s->n_threads, REPLAY_MAX_THREADS);
        goto out;
    }

    s->thread_of = os_table_alloc((size_t)s->n_threads * sizeof *s->thread_of);
    s->first = os_table_alloc(((size_t)s->n_threads + 1) * sizeof *s->first);
    s->order = os_table_alloc((size_t)n_events * sizeof *s->order);
    s->turn = os_table_alloc((size_t)n_events * sizeof *s->turn);
    if (!s->thread_of || !s->first || !s->order || !s->turn)
        goto nomem;
    /* Pthreads in increasing thread number; per_thread becomes each one's fill cursor. */
    uint32_t k = 0;
    uint64_t at = 0;
    for (uint32_t t = 0; t < N_THREAD_NUMBERS; t++) {
        if (!per_thread[t])
            continue;
        s->thread_of[k] = (uint16_t)t;
        s->first[k++] = at;
        at += per_thread[t];
        per_thread[t] = s->first[k - 1];
    }
    s->first[k] = at;

    for (uint64_t i = 0; i < n_events; i++) {
        const struct trace_event *ev = &events[i];
        if (per_id[ev->id] == UINT32_MAX) {
            snprintf(err, err_len, "id %u has more than %u events; --threads cannot order them",
                     ev->id, UINT32_MAX - 1);
            goto out;
        }
        uint64_t pos = per_thread[ev->thread]++;
        s->order[pos] = i;
        s->turn[pos] = per_id[ev->id]++;
    }
    rc = 0;
    goto out;

nomem:
    snprintf(err, err_len, "cannot map the thread schedule for %llu events: %s",
             (unsigned long long)n_events, strerror(errno));
out:
    os_table_free(per_thread, per_thread_bytes);
    os_table_free(per_id, per_id_bytes);
    if (rc)
        replay_schedule_release(s);
    return rc;
}

/* A barrier whose party count can shrink: when pthread_create fails part way, the threads
 * already waiting at it must still be released (a pthread_barrier_t would hold them). */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned parties, waiting;
    uint64_t generation;
};

/* Called by a party before it waits, so the gate cannot be open at that moment. */
static void gate_set_parties(struct gate *g, unsigned parties)
{
    pthread_mutex_lock(&g->mu);
    g->parties = parties;
    pthread_mutex_unlock(&g->mu);
}

static void gate_wait(struct gate *g)
{
    pthread_mutex_lock(&g->mu);
    const uint64_t gen = g->generation;
    if (++g->waiting >= g->parties) {
        g->waiting = 0;
        g->generation++;
        pthread_cond_broadcast(&g->cv);
    } else {
        while (gen == g->generation)
            pthread_cond_wait(&g->cv, &g->mu);
    }
    pthread_mutex_unlock(&g->mu);
}

struct shared {
    struct replay *r;
    const struct replay_schedule *s;
    _Atomic uint32_t *done; /* per id: events completed on it in this loop */
    struct gate start, end;
    int quit;               /* written by the main thread before it opens start */
    atomic_int failed;      /* the first thread whose backend call fails sets it */
};

/* One per pthread, on its own cache line: begin and end are written once per loop. */
struct player {
    _Alignas(64) struct shared *sh;
    uint32_t index;
    uint64_t begin_ns, end_ns;
    pthread_t tid;
};

static void touch(void *p, uint64_t from, uint64_t to)
{
    volatile unsigned char *b = p;
    for (uint64_t off = from; off < to; off += 4096)
        b[off] = 1;
    if (to > from)
        b[to - 1] = 1;
}

/* Waits until id's counter reaches turn; -1 when another thread failed meanwhile (the event
 * this one waits for may never come). */
static int wait_turn(_Atomic uint32_t *c, uint32_t turn, atomic_int *failed)
{
    for (unsigned spins = 0;; spins++) {
        if (atomic_load_explicit(c, memory_order_acquire) == turn)
            return 0;
        if (atomic_load_explicit(failed, memory_order_relaxed))
            return -1;
        if (spins < SPIN_LIMIT)
            cpu_pause();
        else
            sched_yield();
    }
}

static void fail_oom(struct shared *sh, uint64_t i)
{
    if (atomic_exchange(&sh->failed, 1))
        return; /* an earlier failure is the one reported */
    struct replay *r = sh->r;
    const struct trace_event *ev = &r->events[i];
    r->fail_event = i;
    r->fail_id = ev->id;
    snprintf(r->reason, sizeof r->reason,
             "out of memory: event %llu id %u (thread %u): %s of %llu bytes returned NULL",
             (unsigned long long)i, ev->id, ev->thread, trace_op_name((enum trace_op)ev->op),
             (unsigned long long)ev->size);
}

/* One event, with the semantics of the single-threaded throughput loop (replay.c): calloc
 * falls back to alloc and memset, an aligned block is moved by the harness on realloc, a
 * backend without realloc gets alloc, copy and free. Returns 0 or -1 (NULL from the backend). */
static int play(const struct replay *r, const struct trace_event *ev, int touch_on)
{
    const struct allocator_ops *ops = r->ops;
    void *const ctx = r->ctx;
    struct replay_slot *const s = &r->slots[ev->id];
    const uint64_t size = ev->size;
    void *p;
    switch (ev->op) {
    case TRACE_ALLOC:
        p = ops->alloc(ctx, size);
        goto new_block;
    case TRACE_CALLOC:
        if (ops->calloc) {
            p = ops->calloc(ctx, size);
        } else {
            p = ops->alloc(ctx, size);
            if (p)
                memset(p, 0, size);
        }
    new_block: /* alloc and calloc: recorded and touched alike (calloc may hand out untouched pages) */
        if (!p)
            return -1;
        s->p = p;
        s->meta = size;
        if (touch_on)
            touch(p, 0, size);
        return 0;
    case TRACE_ALIGNED:
        p = ops->aligned_alloc ? ops->aligned_alloc(ctx, size, (size_t)1 << ev->align_log2)
                               : ops->alloc(ctx, size);
        if (!p)
            return -1;
        s->p = p;
        s->meta = size | (ops->aligned_alloc ? (uint64_t)ev->align_log2 << 56 : 0);
        if (touch_on)
            touch(p, 0, size);
        return 0;
    case TRACE_REALLOC: {
        void *const old = s->p;
        const uint64_t old_size = REPLAY_SIZE(s->meta);
        const unsigned al = REPLAY_ALIGN_LOG2(s->meta);
        const uint64_t keep = old_size < size ? old_size : size;
        if (al) {
            p = ops->aligned_alloc(ctx, size, (size_t)1 << al);
            if (p) {
                memcpy(p, old, keep);
                ops->free(ctx, old, old_size, (size_t)1 << al);
            }
        } else if (ops->realloc) {
            p = ops->realloc(ctx, old, old_size, size);
        } else {
            p = ops->alloc(ctx, size);
            if (p) {
                memcpy(p, old, keep);
                ops->free(ctx, old, old_size, 0);
            }
        }
        if (!p)
            return -1;
        s->p = p;
        s->meta = size | (uint64_t)al << 56;
        if (touch_on)
            touch(p, keep, size);
        return 0;
    }
    case TRACE_FREE: {
        const unsigned al = REPLAY_ALIGN_LOG2(s->meta);
        ops->free(ctx, s->p, REPLAY_SIZE(s->meta), al ? (size_t)1 << al : 0);
        s->p = NULL;
        return 0;
    }
    default:
        __builtin_unreachable(); /* trace_load validated every op */
    }
}

/* Replays this pthread's events once. */
static void play_own(struct player *pl)
{
    struct shared *sh = pl->sh;
    const struct replay *r = sh->r;
    const struct replay_schedule *s = sh->s;
    _Atomic uint32_t *const done = sh->done;
    const int touch_on = r->cfg.touch;
    for (uint64_t k = s->first[pl->index]; k < s->first[pl->index + 1]; k++) {
        const uint64_t i = s->order[k];
        const struct trace_event *ev = &r->events[i];
        if (wait_turn(&done[ev->id], s->turn[k], &sh->failed))
            return;
        if (play(r, ev, touch_on)) {
            fail_oom(sh, i);
            return;
        }
        atomic_store_explicit(&done[ev->id], s->turn[k] + 1, memory_order_release);
    }
}

static void *player_main(void *arg)
{
    struct player *pl = arg;
    struct shared *sh = pl->sh;
    for (;;) {
        gate_wait(&sh->start);
        if (sh->quit)
            return NULL;
        pl->begin_ns = os_clock_ns();
        play_own(pl);
        pl->end_ns = os_clock_ns();
        gate_wait(&sh->end);
    }
}

int replay_threads_run(struct replay *r, const struct replay_schedule *s)
{
    const size_t done_bytes = (size_t)s->n_ids * sizeof(uint32_t);
    const size_t players_bytes = (size_t)s->n_threads * sizeof(struct player);
    struct shared sh = {.r = r, .s = s};
    struct player *players = os_table_alloc(players_bytes);
    sh.done = os_table_alloc(done_bytes);
    atomic_init(&sh.failed, 0);
    r->loops = 0;
    r->wall_ns = 0;
    if (!players || !sh.done) {
        snprintf(r->reason, sizeof r->reason, "cannot map the thread tables: %s", strerror(errno));
        os_table_free(players, players_bytes);
        os_table_free((void *)sh.done, done_bytes);
        return -1;
    }
    /* The main thread is one party of each gate: it opens a loop and sees it end. */
    pthread_mutex_init(&sh.start.mu, NULL);
    pthread_cond_init(&sh.start.cv, NULL);
    pthread_mutex_init(&sh.end.mu, NULL);
    pthread_cond_init(&sh.end.cv, NULL);
    sh.start.parties = sh.end.parties = s->n_threads + 1;

    /* Small stacks: up to REPLAY_MAX_THREADS of them must fit under --memory-limit. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, PLAYER_STACK_BYTES);
    int rc = 0;
    uint32_t started = 0;
    for (; started < s->n_threads; started++) {
        struct player *pl = &players[started];
        pl->sh = &sh;
        pl->index = started;
        int e = pthread_create(&pl->tid, &attr, player_main, pl);
        if (e) {
            snprintf(r->reason, sizeof r->reason, "cannot start replay thread %u of %u: %s",
                     started + 1, s->n_threads, strerror(e));
            rc = -1;
            break;
        }
    }

    pthread_attr_destroy(&attr);

    const uint64_t overhead = r->clock_overhead_ns;
    uint64_t total = 0;
    while (rc == 0) {
        memset((void *)sh.done, 0, done_bytes);
        gate_wait(&sh.start);
        gate_wait(&sh.end);
        uint64_t begin = UINT64_MAX, end = 0;
        for (uint32_t t = 0; t < s->n_threads; t++) {
            begin = players[t].begin_ns < begin ? players[t].begin_ns : begin;
            end = players[t].end_ns > end ? players[t].end_ns : end;
        }
        const uint64_t d = end - begin;
        total += d > overhead ? d - overhead : 0;
        r->loops++;
        if (atomic_load(&sh.failed)) {
            rc = -1;
            break;
        }
        if (total >= r->cfg.min_time_ns || r->n_events == 0)
            break;
        replay_free_live(r);
    }
    r->wall_ns = total;

    /* Release the started threads (the gate counts only them now) and collect them. */
    sh.quit = 1;
    gate_set_parties(&sh.start, started + 1);
    gate_wait(&sh.start);
    for (uint32_t t = 0; t < started; t++)
        pthread_join(players[t].tid, NULL);

    pthread_mutex_destroy(&sh.start.mu);
    pthread_cond_destroy(&sh.start.cv);
    pthread_mutex_destroy(&sh.end.mu);
    pthread_cond_destroy(&sh.end.cv);
    os_table_free(players, players_bytes);
    os_table_free((void *)sh.done, done_bytes);
    return rc;
}
