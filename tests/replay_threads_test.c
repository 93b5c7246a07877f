/* Unit tests of the threaded passes (harness/replay/schedule.c, replay_threads.c): the
 * schedule of a hand-built event list; then threaded replays against checking backends that
 * stamp the start and end of every call, so the test sees the order the events really ran in
 * (no event before its window's event or its object's previous event is complete), how many
 * trace threads existed at once, that process images never overlap, and that strict order
 * reproduces the trace's peak live bytes exactly. */
#include "replay_threads.h"
#include "tap.h"
#include "window.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EV(op_, id_, size_, thread_) {.id = (id_), .op = (op_), .thread = (thread_), .size = (size_)}

static void test_schedule(void)
{
    /* Thread numbers 3, 0 and 7 in the order of their first events; object 0 lives on thread 3
     * and is freed on 7; object 1 is reallocated on three threads; object 2 stays on thread 0. */
    static const struct trace_event ev[] = {
        EV(TRACE_ALLOC, 0, 10, 3),   /* 0 */
        EV(TRACE_ALLOC, 1, 20, 0),   /* 1 */
        EV(TRACE_REALLOC, 1, 30, 3), /* 2 */
        EV(TRACE_ALLOC, 2, 40, 0),   /* 3 */
        EV(TRACE_FREE, 0, 0, 7),     /* 4 */
        EV(TRACE_REALLOC, 1, 50, 7), /* 5 */
        EV(TRACE_FREE, 2, 0, 0),     /* 6 */
        EV(TRACE_FREE, 1, 0, 0),     /* 7 */
        EV(TRACE_ALLOC, 0, 60, 3),   /* 8: the id is reused */
    };
    struct replay_schedule s;
    char err[256] = "";
    int rc = replay_schedule_build(&s, ev, 9, 3, err, sizeof err);
    TAP_OK(rc == 0, "schedule builds (%s)", rc ? err : "ok");
    if (rc)
        return;
    TAP_EQ_U64(s.n_threads, 3, "three thread numbers have events");
    TAP_OK(s.thread_of[0] == 3 && s.thread_of[1] == 0 && s.thread_of[2] == 7 &&
               s.pthread_of[3] == 0 && s.pthread_of[0] == 1 && s.pthread_of[7] == 2,
           "pthreads numbered in the order of their first event");
    TAP_OK(s.first[0] == 0 && s.first[1] == 3 && s.first[2] == 7 && s.first[3] == 9,
           "offsets: 3 events on thread 3, 4 on thread 0, 2 on thread 7");
    static const uint64_t want_order[] = {0, 2, 8, 1, 3, 6, 7, 4, 5};
    const uint64_t none = SCHEDULE_DEP_NONE;
    const uint64_t want_dep[] = {none, SCHEDULE_DEP(1, 1), SCHEDULE_DEP(2, 1),
                                 none, none, none, SCHEDULE_DEP(2, 2),
                                 SCHEDULE_DEP(0, 1), SCHEDULE_DEP(0, 2)};
    static const uint32_t want_pos[] = {0, 0, 1, 1, 0, 1, 2, 3, 2};
    int order_ok = 1, dep_ok = 1, pos_ok = 1;
    for (int k = 0; k < 9; k++) {
        order_ok &= s.order[k] == want_order[k];
        dep_ok &= s.obj_dep[k] == want_dep[k];
        pos_ok &= s.pos[k] == want_pos[k];
    }
    TAP_OK(order_ok, "each thread's events in trace order");
    TAP_OK(dep_ok, "each event depends on its object's previous event when another thread has it");
    TAP_OK(pos_ok, "each event's position in its thread");
    TAP_OK(s.first_event[0] == 0 && s.first_event[1] == 1 && s.first_event[2] == 4 &&
               s.last_event[0] == 8 && s.last_event[1] == 7 && s.last_event[2] == 5,
           "first and last event of each thread");
    TAP_OK(s.end_order[0] == 2 && s.end_order[1] == 1 && s.end_order[2] == 0,
           "threads in the order of their last event");
    TAP_OK(s.n_images == 1 && s.image_start[0] && !s.image_start[1] && !s.image_start[2],
           "one image");
    replay_schedule_release(&s);

    /* All 65,536 thread numbers the format allows, one event each, on 65,536 objects. */
    struct trace_event *all = calloc(SCHEDULE_MAX_THREADS, sizeof *all);
    for (uint32_t i = 0; i < SCHEDULE_MAX_THREADS; i++)
        all[i] = (struct trace_event)EV(TRACE_ALLOC, i, 8, (uint16_t)(SCHEDULE_MAX_THREADS - 1 - i));
    rc = replay_schedule_build(&s, all, SCHEDULE_MAX_THREADS, SCHEDULE_MAX_THREADS, err, sizeof err);
    TAP_OK(rc == 0 && s.n_threads == SCHEDULE_MAX_THREADS && s.thread_of[0] == 65535 &&
               s.thread_of[65535] == 0,
           "65,536 thread numbers: one pthread each (%s)", rc ? err : "ok");
    if (rc == 0)
        replay_schedule_release(&s);
    free(all);
}

/* ---- the auto window's bound, checked by brute force ----
 *
 * On random traces of four threads (sizes from 1 B to 128 KiB, reallocs, frees on any
 * thread): for every frontier m, the events that may have started (lim(i) <= m) can raise live
 * bytes to at most the trace's live bytes before m plus, per thread, the largest sum of its
 * deltas over a prefix of its events among them; that must stay within the peak + 1%. The
 * trace's peak event waits for all before it and all after it wait for it; limits never
 * decrease. */

#define RT_EVENTS 3000u

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static uint64_t random_trace(struct trace_event *ev, uint64_t seed)
{
    static uint32_t live[RT_EVENTS];
    uint32_t n_live = 0, next_id = 0;
    uint64_t n = 0, x = seed;
    while (n < RT_EVENTS) {
        const uint64_t r = rng_next(&x);
        const uint16_t th = (uint16_t)(r % 4);
        const uint64_t size = 1 + (rng_next(&x) % ((uint64_t)1 << (r >> 8) % 18));
        if (n_live == 0 || (r >> 40) % 8 < 3) {
            ev[n++] = (struct trace_event)EV(TRACE_ALLOC, next_id, size, th);
            live[n_live++] = next_id++;
            continue;
        }
        const uint32_t k = (uint32_t)((r >> 20) % n_live);
        if ((r >> 40) % 8 < 5) {
            ev[n++] = (struct trace_event)EV(TRACE_REALLOC, live[k], size, th);
        } else {
            ev[n++] = (struct trace_event)EV(TRACE_FREE, live[k], 0, th);
            live[k] = live[--n_live];
        }
    }
    return n;
}

/* Checks the bound on one trace; returns the number of violations. */
static uint64_t window_violations(const struct trace_event *ev, uint64_t n, uint32_t n_ids)
{
    static int64_t delta[RT_EVENTS];
    static uint64_t size[RT_EVENTS], before[RT_EVENTS + 1], lim[RT_EVENTS];
    struct replay_schedule s;
    struct replay_window w;
    char err[256];
    if (replay_schedule_build(&s, ev, n, n_ids, err, sizeof err) ||
        replay_window_build(&w, &s, ev, err, sizeof err))
        return UINT64_MAX;
    uint64_t peak = 0, peak_at = 0, bad = 0;
    memset(size, 0, sizeof size);
    before[0] = 0;
    for (uint64_t i = 0; i < n; i++) {
        const uint64_t old = size[ev[i].id];
        size[ev[i].id] = ev[i].op == TRACE_FREE ? 0 : ev[i].size;
        delta[i] = (int64_t)size[ev[i].id] - (int64_t)old;
        before[i + 1] = before[i] + (uint64_t)delta[i];
        if (before[i + 1] > peak)
            peak = before[i + 1], peak_at = i;
        lim[i] = i - w.back[s.first[s.pthread_of[ev[i].thread]] + s.pos[i]];
        bad += i > 0 && lim[i] < lim[i - 1];
    }
    for (uint64_t i = 0; i < n; i++)
        bad += (i == peak_at && lim[i] != i) || (i > peak_at && lim[i] <= peak_at);
    for (uint64_t m = 0; m < n; m++) {
        int64_t sum[4] = {0}, top[4] = {0};
        for (uint64_t i = m; i < n && lim[i] <= m; i++) {
            const uint16_t th = ev[i].thread;
            sum[th] += delta[i];
            top[th] = sum[th] > top[th] ? sum[th] : top[th];
        }
        bad += before[m] + (uint64_t)(top[0] + top[1] + top[2] + top[3]) > peak + peak / 100;
    }
    replay_window_release(&w);
    replay_schedule_release(&s);
    return bad;
}

static void test_window_bound(void)
{
    static struct trace_event ev[RT_EVENTS];
    uint64_t bad = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        const uint64_t n = random_trace(ev, seed * 0x9e3779b97f4a7c15u);
        uint32_t n_ids = 0;
        for (uint64_t i = 0; i < n; i++)
            n_ids = ev[i].id + 1 > n_ids ? ev[i].id + 1 : n_ids;
        bad += window_violations(ev, n, n_ids);
    }
    TAP_EQ_U64(bad, 0, "auto window on 20 random traces: live bytes bounded by the peak + 1%, "
                       "the peak event alone, limits non-decreasing");
}

/* ---- a thread-safe backend that stamps every call ----
 *
 * The traces below give every alloc and realloc event a size of its own (SIZE_OF(i)), so a
 * call names its event; a free names its object through the block's header, and each object
 * is freed once. Each call takes a stamp of a global clock at its start and at its end. */

#define SIZE_BASE 16u
#define SIZE_OF(i) (SIZE_BASE + (uint64_t)(i))
#define MAX_EVENTS 400000u
#define MAGIC_LIVE 0x4c495645u
#define MAGIC_DEAD 0x44454144u

struct header {
    uint32_t magic;
    uint32_t id;
    uint64_t size;
};

static const struct trace_event *g_ev;  /* the trace being replayed */
static uint64_t *g_free_event;          /* per id: the index of its free event */
static _Atomic uint64_t g_clock, g_start[MAX_EVENTS], g_end[MAX_EVENTS];
static atomic_ulong bad_calls, live_blocks, creates;
/* Trace threads alive at once: a thread counts from its first call to its exit. */
static atomic_int alive, max_alive;
static pthread_key_t alive_key;
static _Thread_local int registered;

static void thread_gone(void *arg)
{
    (void)arg;
    atomic_fetch_sub(&alive, 1);
}

static void note_thread(void)
{
    if (registered)
        return;
    registered = 1;
    pthread_setspecific(alive_key, &registered);
    int n = atomic_fetch_add(&alive, 1) + 1;
    int m = atomic_load(&max_alive);
    while (n > m && !atomic_compare_exchange_weak(&max_alive, &m, n))
        ;
}

static uint64_t stamp(void) { return atomic_fetch_add(&g_clock, 1) + 1; }

static void *k_create(const struct allocator_options *o, char *err, size_t len)
{
    (void)o, (void)err, (void)len;
    atomic_fetch_add(&creates, 1);
    return &bad_calls;
}
static void k_destroy(void *ctx) { (void)ctx; }

static void *new_block(uint64_t i, size_t size)
{
    struct header *h = malloc(sizeof *h + size);
    if (!h)
        return NULL;
    h->magic = MAGIC_LIVE;
    h->id = g_ev[i].id;
    h->size = size;
    atomic_fetch_add(&live_blocks, 1);
    return h + 1;
}

static void *k_alloc(void *ctx, size_t size)
{
    (void)ctx;
    note_thread();
    const uint64_t i = size - SIZE_BASE;
    atomic_store(&g_start[i], stamp());
    void *p = new_block(i, size);
    atomic_store(&g_end[i], stamp());
    return p;
}

/* A block must be live and of the size the harness says: anything else means an event ran
 * before the one that made the block, or after the one that freed it. */
static struct header *k_check(void *p, size_t size)
{
    struct header *h = p ? (struct header *)p - 1 : NULL;
    if (!h || h->magic != MAGIC_LIVE || h->size != size) {
        atomic_fetch_add(&bad_calls, 1);
        return NULL;
    }
    return h;
}

static void drop_block(struct header *h)
{
    h->magic = MAGIC_DEAD;
    atomic_fetch_sub(&live_blocks, 1);
    free(h);
}

static void k_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx, (void)align;
    note_thread();
    struct header *h = k_check(p, size);
    if (!h)
        return;
    const uint64_t i = g_free_event ? g_free_event[h->id] : UINT64_MAX;
    if (i < MAX_EVENTS)
        atomic_store(&g_start[i], stamp());
    drop_block(h);
    if (i < MAX_EVENTS)
        atomic_store(&g_end[i], stamp());
}

static void *k_realloc(void *ctx, void *p, size_t old_size, size_t size)
{
    (void)ctx;
    note_thread();
    const uint64_t i = size - SIZE_BASE;
    atomic_store(&g_start[i], stamp());
    struct header *h = k_check(p, old_size);
    void *q = new_block(i, size);
    if (q && h) {
        memcpy(q, p, old_size < size ? old_size : size);
        drop_block(h);
    }
    atomic_store(&g_end[i], stamp());
    return q;
}

static const struct allocator_ops stamp_ops = {
    .version = ALLOCATOR_OPS_VERSION, .name = "stamp", .description = "test",
    .min_align = 16, .create = k_create, .destroy = k_destroy, .alloc = k_alloc,
    .free = k_free, .realloc = k_realloc, .flags = ALLOCATOR_THREAD_SAFE,
};

/* ---- traces ---- */

struct tr {
    struct trace_event ev[MAX_EVENTS];
    uint64_t n;
    uint32_t n_ids;
};

static void push(struct tr *t, uint8_t op, uint32_t id, uint16_t thread)
{
    t->ev[t->n] = (struct trace_event)EV(op, id, op == TRACE_FREE ? 0 : SIZE_OF(t->n), thread);
    t->n++;
    if (id + 1 > t->n_ids)
        t->n_ids = id + 1;
}

/* Objects handed around four threads: allocated on thread i % 4, grown on the next thread,
 * shrunk on the one after, freed on the fourth; the rounds interleave. */
static void relay_trace(struct tr *t, uint32_t n_objects, uint16_t thread_base)
{
    for (uint32_t id = 0; id < n_objects; id++) {
        push(t, TRACE_ALLOC, id, (uint16_t)(thread_base + id % 4));
        if (id >= 2) {
            const uint32_t o = id - 2;
            push(t, TRACE_REALLOC, o, (uint16_t)(thread_base + (o + 1) % 4));
            push(t, TRACE_REALLOC, o, (uint16_t)(thread_base + (o + 2) % 4));
            push(t, TRACE_FREE, o, (uint16_t)(thread_base + (o + 3) % 4));
        }
    }
    for (uint32_t o = n_objects >= 2 ? n_objects - 2 : 0; o < n_objects; o++)
        push(t, TRACE_FREE, o, (uint16_t)(thread_base + (o + 3) % 4));
}

/* n_threads short-lived threads, each alive over about three neighbours: thread k allocates
 * 3 objects, frees its own first object and the last object of thread k - 2. */
static void staggered_trace(struct tr *t, uint32_t n_threads)
{
    for (uint32_t k = 0; k < n_threads + 2; k++) {
        if (k < n_threads)
            for (uint32_t j = 0; j < 3; j++)
                push(t, TRACE_ALLOC, 3 * k + j, (uint16_t)k);
        if (k < n_threads)
            push(t, TRACE_FREE, 3 * k, (uint16_t)k);
        if (k >= 1 && k - 1 < n_threads)
            push(t, TRACE_FREE, 3 * (k - 1) + 1, (uint16_t)(k - 1));
        if (k >= 2)
            push(t, TRACE_FREE, 3 * (k - 2) + 2, (uint16_t)(k < n_threads ? k : k - 2));
    }
}

/* The most trace threads whose first-to-last spans overlap at one event. */
static int recorded_concurrency(const struct tr *t)
{
    static uint64_t last[65536];
    static uint8_t seen[65536];
    memset(seen, 0, sizeof seen);
    for (uint64_t i = 0; i < t->n; i++)
        last[t->ev[i].thread] = i;
    int n = 0, best = 0;
    for (uint64_t i = 0; i < t->n; i++) {
        const uint16_t th = t->ev[i].thread;
        if (!seen[th]) {
            seen[th] = 1;
            best = ++n > best ? n : best;
        }
        n -= last[th] == i;
    }
    return best;
}

/* lim[i]: every event before lim[i] must be complete before event i starts (window.h). */
static void window_limits(const struct tr *t, const struct replay_schedule *s, uint32_t window,
                          uint64_t *lim)
{
    struct replay_window w = {0};
    char err[256];
    if (window == REPLAY_WINDOW_AUTO && replay_window_build(&w, s, t->ev, err, sizeof err)) {
        TAP_OK(0, "auto window builds (%s)", err);
        window = 1;
    }
    for (uint64_t i = 0; i < t->n; i++) {
        if (w.back) {
            const uint32_t p = s->pthread_of[t->ev[i].thread];
            lim[i] = i - w.back[s->first[p] + s->pos[i]];
        } else {
            lim[i] = window && i + 1 >= window ? i + 1 - window : 0;
        }
    }
    replay_window_release(&w);
}

/* Replays t threaded with this window and pass; checks the order of every call. */
static void check_replay(const char *what, struct tr *t, uint32_t window, enum replay_pass pass,
                         const struct allocator_options *opt)
{
    static uint64_t free_event[MAX_EVENTS];
    for (uint64_t i = 0; i < t->n; i++)
        if (t->ev[i].op == TRACE_FREE)
            free_event[t->ev[i].id] = i;
    g_ev = t->ev;
    g_free_event = free_event;
    atomic_store(&g_clock, 0);
    for (uint64_t i = 0; i < t->n; i++)
        atomic_store(&g_start[i], 0), atomic_store(&g_end[i], 0);
    atomic_store(&bad_calls, 0);
    atomic_store(&max_alive, 0);
    atomic_store(&creates, 0);

    struct replay_schedule s;
    struct replay r;
    char err[256] = "";
    struct replay_config cfg = {.pass = pass, .window = window, .rss_every = 1000};
    if (replay_schedule_build(&s, t->ev, t->n, t->n_ids, err, sizeof err) ||
        replay_init(&r, t->ev, t->n, t->n_ids, &stamp_ops,
                    stamp_ops.create(NULL, err, sizeof err), &cfg, err, sizeof err)) {
        TAP_OK(0, "%s: setup (%s)", what, err);
        return;
    }
    int rc = replay_threads_run(&r, &s, opt);
    TAP_OK(rc == 0, "%s: threaded replay runs (%s)", what, rc ? r.reason : "ok");
    TAP_OK(atomic_load(&bad_calls) == 0, "%s: no call on a block not live or of another size", what);

    /* The order checker: every event started after the end of every event before its limit
     * (window.h) and of its object's previous event. ended_before[x]: the last end among the
     * events before x. */
    static uint64_t prev_on[MAX_EVENTS], lim[MAX_EVENTS], ended_before[MAX_EVENTS + 1];
    window_limits(t, &s, window, lim);
    ended_before[0] = 0;
    for (uint64_t i = 0; i < t->n; i++) {
        const uint64_t end = atomic_load(&g_end[i]);
        ended_before[i + 1] = end > ended_before[i] ? end : ended_before[i];
    }
    for (uint32_t id = 0; id < t->n_ids; id++)
        prev_on[id] = UINT64_MAX;
    uint64_t missing = 0, early_window = 0, early_object = 0;
    for (uint64_t i = 0; i < t->n; i++) {
        const uint64_t st = atomic_load(&g_start[i]);
        missing += st == 0 || atomic_load(&g_end[i]) == 0;
        if (st < ended_before[lim[i]])
            early_window++;
        const uint64_t p = prev_on[t->ev[i].id];
        if (p != UINT64_MAX && st < atomic_load(&g_end[p]))
            early_object++;
        prev_on[t->ev[i].id] = i;
    }
    char wname[16];
    TAP_OK(missing == 0, "%s: every event ran (%llu did not)", what, (unsigned long long)missing);
    TAP_OK(early_window == 0, "%s: no event before every event its window (%s) waits for ended (%llu were)",
           what, replay_window_name(window, wname, sizeof wname), (unsigned long long)early_window);
    TAP_OK(early_object == 0, "%s: no event before its object's previous event (%llu were)",
           what, (unsigned long long)early_object);
    TAP_OK(atomic_load(&max_alive) <= recorded_concurrency(t),
           "%s: at most the recorded %d threads at once (%d)", what, recorded_concurrency(t),
           atomic_load(&max_alive));
    if (pass == REPLAY_MEMORY && window == REPLAY_WINDOW_AUTO) {
        uint64_t peak, at;
        replay_peak_live(t->ev, t->n, t->n_ids, &peak, &at);
        TAP_OK(r.mem.peak_live >= peak && r.mem.peak_live <= peak + peak / 100,
               "%s: the auto window's peak live is within 1%% of the trace's (%llu, trace %llu)",
               what, (unsigned long long)r.mem.peak_live, (unsigned long long)peak);
    }
    if (pass == REPLAY_MEMORY && window == 1) {
        uint64_t peak, at;
        replay_peak_live(t->ev, t->n, t->n_ids, &peak, &at);
        TAP_OK(r.mem.peak_live == peak, "%s: strict order reaches the trace's peak live exactly (%llu, trace %llu)",
               what, (unsigned long long)r.mem.peak_live, (unsigned long long)peak);
        TAP_OK(r.mem.n_samples >= t->n / 1000 && r.mem.samples[r.mem.n_samples - 1].event == t->n,
               "%s: samples at every 1000 events and at the end", what);
    }
    replay_release(&r);
    replay_schedule_release(&s);
}

static void test_orders(void)
{
    static struct tr t;
    t.n = 0, t.n_ids = 0;
    relay_trace(&t, 20000, 0);
    check_replay("relay, strict", &t, 1, REPLAY_THROUGHPUT, NULL);
    check_replay("relay, window 16", &t, 16, REPLAY_THROUGHPUT, NULL);
    check_replay("relay, free-running", &t, 0, REPLAY_THROUGHPUT, NULL);
    check_replay("relay, latency pass, window 4", &t, 4, REPLAY_LATENCY, NULL);
    check_replay("relay, verify pass, window 4", &t, 4, REPLAY_VERIFY, NULL);
    check_replay("relay, memory pass, strict", &t, 1, REPLAY_MEMORY, NULL);
    check_replay("relay, auto window", &t, REPLAY_WINDOW_AUTO, REPLAY_THROUGHPUT, NULL);
    check_replay("relay, memory pass, auto window", &t, REPLAY_WINDOW_AUTO, REPLAY_MEMORY, NULL);
    TAP_EQ_U64(atomic_load(&live_blocks), 0, "nothing left live");
}

static void test_lifetimes(void)
{
    static struct tr t;
    t.n = 0, t.n_ids = 0;
    staggered_trace(&t, 1000);
    TAP_OK(recorded_concurrency(&t) <= 3, "1,000 staggered threads overlap at most 3 at a time");
    check_replay("1,000 thread numbers, window 16", &t, 16, REPLAY_THROUGHPUT, NULL);
    check_replay("1,000 thread numbers, free-running", &t, 0, REPLAY_MEMORY, NULL);
    check_replay("1,000 thread numbers, auto window", &t, REPLAY_WINDOW_AUTO, REPLAY_MEMORY, NULL);
}

/* On one CPU (the test's affinity narrowed, which the replay threads inherit), one replay
 * thread is kept awake at a time: a thread whose wait ends stays asleep until the awake one
 * sleeps or exits and hands it the CPU (harness/replay/wait.c). The orders hold the same. */
static void test_one_cpu(void)
{
    cpu_set_t all, one;
    const int cpu = sched_getcpu();
    CPU_ZERO(&one);
    if (cpu >= 0)
        CPU_SET(cpu, &one);
    const int narrowed = cpu >= 0 && !sched_getaffinity(0, sizeof all, &all) &&
                         !sched_setaffinity(0, sizeof one, &one);
    TAP_OK(narrowed, "the test runs on one CPU");
    if (!narrowed)
        return;
    static struct tr t;
    t.n = 0, t.n_ids = 0;
    relay_trace(&t, 3000, 0);
    check_replay("one CPU, relay, strict", &t, 1, REPLAY_THROUGHPUT, NULL);
    check_replay("one CPU, relay, window 16", &t, 16, REPLAY_THROUGHPUT, NULL);
    check_replay("one CPU, relay, memory pass, auto window", &t, REPLAY_WINDOW_AUTO,
                 REPLAY_MEMORY, NULL);
    check_replay("one CPU, relay, free-running", &t, 0, REPLAY_THROUGHPUT, NULL);
    t.n = 0, t.n_ids = 0;
    staggered_trace(&t, 300);
    check_replay("one CPU, 300 thread numbers, auto window", &t, REPLAY_WINDOW_AUTO,
                 REPLAY_THROUGHPUT, NULL);
    sched_setaffinity(0, sizeof all, &all);
}

/* Two process images (a --follow-forks recording): threads 0-3, everything freed, then
 * threads 4-7. No call of the second may start before every call of the first ended, and
 * the backend is created again for the second. */
static void test_images(void)
{
    static struct tr t;
    t.n = 0, t.n_ids = 0;
    relay_trace(&t, 3000, 0);
    const uint64_t split = t.n;
    struct tr *second = calloc(1, sizeof *second);
    relay_trace(second, 3000, 4);
    for (uint64_t i = 0; i < second->n; i++) {
        struct trace_event e = second->ev[i];
        e.id += 3000;
        t.ev[t.n] = e;
        t.ev[t.n].size = e.op == TRACE_FREE ? 0 : SIZE_OF(t.n);
        t.n++;
    }
    t.n_ids = 6000;
    free(second);
    struct replay_schedule s;
    char err[256];
    TAP_OK(replay_schedule_build(&s, t.ev, t.n, t.n_ids, err, sizeof err) == 0 && s.n_images == 2 &&
               s.image_start[4] && !s.image_start[1],
           "two images found where no thread and no object crosses");
    replay_schedule_release(&s);
    struct allocator_options opt = {0};
    check_replay("two images, free-running", &t, 0, REPLAY_THROUGHPUT, &opt);
    uint64_t last_end_first = 0, first_start_second = UINT64_MAX;
    for (uint64_t i = 0; i < t.n; i++) {
        if (i < split && atomic_load(&g_end[i]) > last_end_first)
            last_end_first = atomic_load(&g_end[i]);
        if (i >= split && atomic_load(&g_start[i]) < first_start_second)
            first_start_second = atomic_load(&g_start[i]);
    }
    TAP_OK(last_end_first < first_start_second,
           "the second image starts after the first ended (%llu < %llu)",
           (unsigned long long)last_end_first, (unsigned long long)first_start_second);
    TAP_EQ_U64(atomic_load(&creates), 2, "the backend was created again for the second image");
}

/* The schedule of t and a replay of it on ops with cfg. 0, or -1 after a failed check. */
static int setup(const struct tr *t, const struct allocator_ops *ops,
                 const struct replay_config *cfg, struct replay_schedule *s, struct replay *r,
                 const char *what)
{
    char err[256] = "";
    if (replay_schedule_build(s, t->ev, t->n, t->n_ids, err, sizeof err) ||
        replay_init(r, t->ev, t->n, t->n_ids, ops, ops->create(NULL, err, sizeof err), cfg, err,
                    sizeof err)) {
        TAP_OK(0, "%s setup (%s)", what, err);
        return -1;
    }
    return 0;
}

/* alloc of SIZE_OF(1) fails: the thread waiting to free that object must give up, not hang. */
static void *f_alloc(void *ctx, size_t size)
{
    return size == SIZE_OF(1) ? NULL : k_alloc(ctx, size);
}

static void test_failure(void)
{
    static struct tr t;
    t.n = 0, t.n_ids = 0;
    push(&t, TRACE_ALLOC, 0, 0);
    push(&t, TRACE_ALLOC, 1, 0);
    push(&t, TRACE_FREE, 0, 1);
    push(&t, TRACE_FREE, 1, 1);
    g_ev = t.ev;
    g_free_event = NULL;
    struct allocator_ops ops = stamp_ops;
    ops.alloc = f_alloc;
    struct replay_schedule s;
    struct replay r;
    struct replay_config cfg = {.pass = REPLAY_THROUGHPUT, .min_time_ns = 1000000000u, .window = 0};
    if (setup(&t, &ops, &cfg, &s, &r, "failure"))
        return;
    int rc = replay_threads_run(&r, &s, NULL);
    TAP_OK(rc == -1 && r.fail_event == 1 && r.fail_id == 1 && r.loops == 1 &&
               strstr(r.reason, "out of memory: event 1 id 1 (thread 0): alloc of 17 bytes"),
           "a NULL from the backend stops every thread and is reported (%s)", r.reason);
    replay_release(&r);
    replay_schedule_release(&s);
}

/* Progress of a threaded pass: a meter adds up the threads' counts; a pass slowed to about a
 * second (a sleep in every allocation, strict order) must report at least twice, each time
 * with more events done, past another multiple of progress_every, and never all of them. */
static uint64_t g_progress[64];
static unsigned g_n_progress;

static void on_progress(void *ctx, uint64_t done, uint64_t n_events)
{
    (void)ctx, (void)n_events;
    if (g_n_progress < 64)
        g_progress[g_n_progress++] = done;
}

static void *slow_alloc(void *ctx, size_t size)
{
    struct timespec ts = {0, 800000};
    nanosleep(&ts, NULL);
    return k_alloc(ctx, size);
}

static void test_progress(void)
{
    static struct tr t;
    t.n = 0, t.n_ids = 0;
    relay_trace(&t, 1200, 0);
    g_ev = t.ev;
    g_free_event = NULL;
    struct allocator_ops ops = stamp_ops;
    ops.alloc = slow_alloc;
    struct replay_schedule s;
    struct replay r;
    const uint64_t every = 500;
    struct replay_config cfg = {.pass = REPLAY_VERIFY, .window = 1, .progress = on_progress,
                                .progress_every = every};
    if (setup(&t, &ops, &cfg, &s, &r, "progress"))
        return;
    g_n_progress = 0;
    int rc = replay_threads_run(&r, &s, NULL);
    int ordered = 1;
    for (unsigned i = 0; i < g_n_progress; i++)
        ordered &= g_progress[i] < t.n &&
                   (i == 0 ? g_progress[i] >= every
                           : g_progress[i] / every > g_progress[i - 1] / every);
    TAP_OK(rc == 0 && g_n_progress >= 2 && ordered,
           "a threaded pass reports its progress: %u reports over %llu events, each past another "
           "multiple of %llu", g_n_progress, (unsigned long long)t.n, (unsigned long long)every);
    replay_release(&r);
    replay_schedule_release(&s);
}

int main(void)
{
    pthread_key_create(&alive_key, thread_gone);
    test_schedule();
    test_window_bound();
    test_orders();
    test_lifetimes();
    test_images();
    test_one_cpu();
    test_failure();
    test_progress();
    return tap_done();
}
