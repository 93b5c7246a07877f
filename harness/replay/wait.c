/* The waits of a threaded pass (replay_loop.h, "the waits"): a thread whose turn has not come
 * sleeps on a futex word of its own, registered with the one pthread whose progress it needs
 * next; that pthread, when it completes the count, re-examines the waiter's whole condition
 * on its behalf (for a frontier wait, the first incomplete event may now be on another
 * pthread: the waiter is moved there, asleep) and wakes it only when it can run. So a wait
 * costs one sleep and one wake-up, and a publisher whose count nobody waits for makes no
 * system call.
 *
 * With more replay threads than CPUs, a thread whose wait has ended is woken only while
 * fewer pthreads than CPUs are awake (max_active); otherwise it stays asleep, marked ready,
 * until an awake one goes to sleep or exits and wakes it in its place (the ready thread with
 * the earliest next event first: it holds the others back). Woken at once, it would preempt a
 * thread that can run, often the one the others wait for, and sleep again soon after.
 *
 * Everything but the sleep and the fast path of the publisher (one store and one load,
 * replay_loop.h's after_event) runs under sh->wait_mu. No wake-up is lost: a waiter lowers
 * the want of the pthread it waits on, then reads its done; the publisher stores done, then
 * reads want, all sequentially consistent, so one of the two sees the other's write. A sleep
 * is bounded (WAIT_SLEEP_NS) so that a thread whose awaited event will never come (another
 * thread failed) notices; a ready thread left asleep that long wakes itself. */
#include "replay_loop.h"

#include "replay/os.h"

#define WAIT_SLEEP_NS 20000000u

/* The first incomplete event, in recorded order, as the pthreads' progress shows it now; and the
 * count to wait for on the pthread that has it (*t, *count). Reads the next pthread to start
 * and the slots of those started and not joined (see replay_shared). */
static uint64_t scan_frontier(struct replay_shared *sh, uint32_t *t, uint32_t *count)
{
    const struct replay_schedule *const s = sh->s;
    const uint32_t started = atomic_load_explicit(&sh->n_started, memory_order_acquire);
    const uint32_t n_slots = atomic_load_explicit(&sh->n_slots, memory_order_acquire);
    uint64_t best = s->n_events;
    if (started < s->n_threads) {
        best = s->first_event[started];
        *t = started;
        *count = 1;
    }
    for (uint32_t i = 0; i < n_slots; i++) {
        const uint32_t p = atomic_load_explicit(&sh->slot[i], memory_order_relaxed);
        if (p == REPLAY_SLOT_FREE)
            continue;
        const uint32_t done = atomic_load_explicit(&sh->progress[p].done, memory_order_acquire);
        if (done >= s->first[p + 1] - s->first[p])
            continue;
        const uint64_t next = s->order[s->first[p] + done];
        if (next < best) {
            best = next;
            *t = p;
            *count = done + 1;
        }
    }
    return best;
}

/* How many of pthread t's events come before event index x (a binary search of its list). */
static uint32_t events_before(const struct replay_schedule *s, uint32_t t, uint64_t x)
{
    uint64_t lo = s->first[t], hi = s->first[t + 1];
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (s->order[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint32_t)(lo - s->first[t]);
}

/* The frontier as the pthreads' progress shows it now, published for the others. */
static uint64_t raise_frontier(struct replay_shared *sh, uint32_t *t, uint32_t *count)
{
    uint64_t f = atomic_load_explicit(&sh->frontier, memory_order_acquire);
    const uint64_t seen = scan_frontier(sh, t, count);
    while (f < seen && !atomic_compare_exchange_weak_explicit(&sh->frontier, &f, seen,
                                                              memory_order_acq_rel,
                                                              memory_order_acquire))
        ;
    return f > seen ? f : seen;
}

/* The count a frontier waiter waits for on pthread t, the holder of the first incomplete event
 * (count: its next event's): every event of t before target. */
static uint32_t frontier_count(const struct replay_shared *sh, uint32_t t, uint32_t count,
                               uint64_t target)
{
    const uint32_t until = events_before(sh->s, t, target);
    return until > count ? until : count;
}

/* Under wait_mu: whether waiter w's wait has ended, given that the next thing it needs is
 * count events done on pthread t. Returns 1 (a frontier wait: w->frontier set), or 0 with w
 * registered on the pthread it now needs (w->on, w->count, that pthread's want lowered). */
static int settle(struct replay_shared *sh, struct replay_waiter *w, uint32_t t, uint32_t count)
{
    for (;;) {
        struct replay_progress *const p = &sh->progress[t];
        if (atomic_load(&p->done) < count) {
            w->on = t;
            w->count = count;
            if (count < atomic_load_explicit(&p->want, memory_order_relaxed))
                atomic_store(&p->want, count);
            if (atomic_load(&p->done) < count)
                return 0;
        }
        if (!w->target)
            return 1;
        const uint64_t f = raise_frontier(sh, &t, &count);
        if (f >= w->target) {
            w->frontier = f;
            return 1;
        }
        count = frontier_count(sh, t, count, w->target);
    }
}

static int is_starter(const struct replay_shared *sh, const struct replay_waiter *w)
{
    return w == &sh->waiter[sh->s->n_threads];
}

/* Under wait_mu: the i-th waiter that may sleep, i < n_slots + 1 (the pthreads in slots, then
 * the starter); NULL for an empty slot. */
static struct replay_waiter *nth_waiter(struct replay_shared *sh, uint32_t i, uint32_t n_slots)
{
    if (i == n_slots)
        return &sh->waiter[sh->s->n_threads];
    const uint32_t p = atomic_load_explicit(&sh->slot[i], memory_order_relaxed);
    return p == REPLAY_SLOT_FREE ? NULL : &sh->waiter[p];
}

/* The waiters woken under wait_mu, whose wake calls are made after it is released (a system
 * call inside would make the others wait for the lock); when full, the calls are made at
 * once. */
#define WAKE_BATCH 8u
struct wakes {
    struct replay_waiter *w[WAKE_BATCH];
    unsigned n;
};

static void wakes_flush(struct wakes *k)
{
    for (unsigned i = 0; i < k->n; i++)
        os_futex_wake_all(&k->w[i]->state);
    k->n = 0;
}

/* Under wait_mu: wakes w (a pthread's: counted awake). A wake call that comes after its
 * sleeper found the state changed, ran on and slept again only makes it look again. */
static void run(struct replay_shared *sh, struct replay_waiter *w, struct wakes *k)
{
    if (!is_starter(sh, w))
        sh->n_active++;
    atomic_store(&w->state, WAITER_RUN);
    if (k->n == WAKE_BATCH)
        wakes_flush(k);
    k->w[k->n++] = w;
}

/* Under wait_mu: wakes ready pthreads, earliest next event first, while fewer than
 * max_active are awake. */
static void wake_ready(struct replay_shared *sh, struct wakes *k)
{
    const uint32_t n = atomic_load_explicit(&sh->n_slots, memory_order_acquire);
    while (sh->n_active < sh->max_active) {
        struct replay_waiter *best = NULL;
        for (uint32_t i = 0; i < n; i++) {
            struct replay_waiter *w = nth_waiter(sh, i, n);
            if (w && atomic_load_explicit(&w->state, memory_order_relaxed) == WAITER_READY &&
                (!best || w->next < best->next))
                best = w;
        }
        if (!best)
            return;
        run(sh, best, k);
    }
}

/* Under wait_mu: w's wait has ended; it is woken now or, a pthread with max_active awake,
 * marked ready. */
static void end_wait(struct replay_shared *sh, struct replay_waiter *w, struct wakes *k)
{
    if (is_starter(sh, w) || sh->n_active < sh->max_active)
        run(sh, w, k);
    else
        atomic_store(&w->state, WAITER_READY);
}

/* Under wait_mu: w goes to sleep; a pthread's place among the awake goes to a ready one. */
static void park(struct replay_shared *sh, struct replay_waiter *w, struct wakes *k)
{
    atomic_store(&w->state, WAITER_PARKED);
    if (!is_starter(sh, w)) {
        sh->n_active--;
        wake_ready(sh, k);
    }
}

/* Sleeps until w is woken. Returns 0, or -1 when the pass failed meanwhile. */
static int sleep_until_run(struct replay_shared *sh, struct replay_waiter *w)
{
    for (;;) {
        const uint32_t state = atomic_load(&w->state);
        if (state == WAITER_RUN)
            return 0;
        const int failed = atomic_load_explicit(&sh->failed, memory_order_relaxed);
        if (!failed && (!os_futex_wait(&w->state, state, WAIT_SLEEP_NS) ||
                        atomic_load(&w->state) != WAITER_READY))
            continue;
        /* The pass failed, or the wait ended and no CPU came for a whole sleep: wake. */
        struct wakes k = {.n = 0};
        pthread_mutex_lock(&sh->wait_mu);
        if (atomic_load_explicit(&w->state, memory_order_relaxed) != WAITER_RUN)
            run(sh, w, &k);
        pthread_mutex_unlock(&sh->wait_mu);
        k.n = 0; /* itself: no call */
        if (failed)
            return -1;
    }
}

/* Waiter w needs count events done on pthread t, then (target > 0) every event before
 * target complete: it sleeps until that has come. Returns 0 or -1 (failed). */
static int wait_until(struct replay_shared *sh, struct replay_waiter *w, uint32_t t,
                      uint32_t count, uint64_t target, uint64_t next)
{
    struct wakes k = {.n = 0};
    pthread_mutex_lock(&sh->wait_mu);
    w->target = target;
    w->next = next;
    const int ended = settle(sh, w, t, count);
    if (!ended)
        park(sh, w, &k);
    pthread_mutex_unlock(&sh->wait_mu);
    wakes_flush(&k);
    return ended ? 0 : sleep_until_run(sh, w);
}

int replay__wait_count(struct replay_shared *sh, struct replay_waiter *w, uint32_t t,
                       uint32_t count, uint64_t next)
{
    return wait_until(sh, w, t, count, 0, next);
}

/* With no more pthreads alive than CPUs, a thread that must wait waits longer, until every
 * event before its own (i) is complete, so that once awake it has its whole window's room for
 * a run of events rather than one. With more, its wait ends at its limit, and it is woken
 * when a CPU frees, the earliest ready thread first (the others have gone on meanwhile): so
 * that a thread that sleeps can hand its CPU to one that can run, rather than leave it idle
 * until the awaited thread has caught up. */
int replay__wait_frontier(struct replay_shared *sh, struct replay_player *pl, uint64_t lim,
                          uint64_t i)
{
    uint64_t f = atomic_load_explicit(&sh->frontier, memory_order_acquire);
    if (f < lim) {
        uint32_t t = 0, count = 0;
        f = raise_frontier(sh, &t, &count);
        if (f < lim) {
            struct replay_waiter *w = &sh->waiter[pl->index];
            const uint64_t target =
                atomic_load_explicit(&sh->n_alive, memory_order_relaxed) > sh->max_active ? lim
                                                                                          : i;
            if (wait_until(sh, w, t, frontier_count(sh, t, count, target), target, i))
                return -1;
            f = w->frontier;
        }
    }
    pl->frontier = f;
    return 0;
}

void replay__wake_waiters(struct replay_shared *sh, uint32_t t)
{
    struct replay_progress *const p = &sh->progress[t];
    struct wakes k = {.n = 0};
    pthread_mutex_lock(&sh->wait_mu);
    atomic_store(&p->want, UINT32_MAX);
    const uint32_t done = atomic_load_explicit(&p->done, memory_order_relaxed);
    const uint32_t n = atomic_load_explicit(&sh->n_slots, memory_order_acquire);
    for (uint32_t i = 0; i <= n; i++) {
        struct replay_waiter *w = nth_waiter(sh, i, n);
        if (!w || atomic_load_explicit(&w->state, memory_order_relaxed) != WAITER_PARKED ||
            w->on != t)
            continue;
        if (w->count > done) { /* still waiting here: keep want at the smallest count */
            if (w->count < atomic_load_explicit(&p->want, memory_order_relaxed))
                atomic_store(&p->want, w->count);
        } else if (settle(sh, w, t, w->count)) {
            end_wait(sh, w, &k);
        }
    }
    pthread_mutex_unlock(&sh->wait_mu);
    wakes_flush(&k);
}

void replay__player_enter(struct replay_shared *sh)
{
    pthread_mutex_lock(&sh->wait_mu);
    sh->n_active++;
    atomic_fetch_add_explicit(&sh->n_alive, 1, memory_order_relaxed);
    pthread_mutex_unlock(&sh->wait_mu);
}

void replay__player_leave(struct replay_shared *sh)
{
    struct wakes k = {.n = 0};
    pthread_mutex_lock(&sh->wait_mu);
    sh->n_active--;
    atomic_fetch_sub_explicit(&sh->n_alive, 1, memory_order_relaxed);
    wake_ready(sh, &k);
    pthread_mutex_unlock(&sh->wait_mu);
    wakes_flush(&k);
}
