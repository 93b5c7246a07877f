/* Unit tests of the threaded throughput pass (harness/replay/replay_threads.c): the schedule (each
 * event's turn on its id and the grouping by thread) on a hand-built event list, and threaded
 * replays against a checking backend that would see any event run out of its per-object
 * order (a free before the alloc, a realloc of a freed block, a block freed twice). */
#include "replay_threads.h"
#include "tap.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EV(op_, id_, size_, thread_) {.id = (id_), .op = (op_), .thread = (thread_), .size = (size_)}

static void test_schedule(void)
{
    /* Thread numbers 0, 3 and 7 (1, 2, 4..6 unused); object 0 lives on thread 3 and is freed
     * on 7; object 1 is reallocated on three threads; object 2 stays on thread 0. */
    static const struct trace_event ev[] = {
        EV(TRACE_ALLOC, 0, 10, 3),   /* 0: id 0 turn 0 */
        EV(TRACE_ALLOC, 1, 20, 0),   /* 1: id 1 turn 0 */
        EV(TRACE_REALLOC, 1, 30, 3), /* 2: id 1 turn 1 */
        EV(TRACE_ALLOC, 2, 40, 0),   /* 3: id 2 turn 0 */
        EV(TRACE_FREE, 0, 0, 7),     /* 4: id 0 turn 1 */
        EV(TRACE_REALLOC, 1, 50, 7), /* 5: id 1 turn 2 */
        EV(TRACE_FREE, 2, 0, 0),     /* 6: id 2 turn 1 */
        EV(TRACE_FREE, 1, 0, 0),     /* 7: id 1 turn 3 */
        EV(TRACE_ALLOC, 0, 60, 3),   /* 8: id 0 turn 2: the id is reused */
    };
    struct replay_schedule s;
    char err[256] = "";
    int rc = replay_schedule_build(&s, ev, 9, 3, err, sizeof err);
    TAP_OK(rc == 0, "schedule builds (%s)", rc ? err : "ok");
    if (rc)
        return;
    TAP_EQ_U64(s.n_threads, 3, "three thread numbers have events");
    TAP_OK(s.thread_of[0] == 0 && s.thread_of[1] == 3 && s.thread_of[2] == 7,
           "pthreads in increasing thread number");
    TAP_OK(s.first[0] == 0 && s.first[1] == 4 && s.first[2] == 7 && s.first[3] == 9,
           "offsets: 4 events on thread 0, 3 on thread 3, 2 on thread 7");
    static const uint64_t want_order[] = {1, 3, 6, 7, 0, 2, 8, 4, 5};
    static const uint32_t want_turn[] = {0, 0, 1, 3, 0, 1, 2, 1, 2};
    int order_ok = 1, turn_ok = 1;
    for (int k = 0; k < 9; k++) {
        order_ok &= s.order[k] == want_order[k];
        turn_ok &= s.turn[k] == want_turn[k];
    }
    TAP_OK(order_ok, "each thread's events in trace order");
    TAP_OK(turn_ok, "each event's turn counts the earlier events on its id");
    replay_schedule_release(&s);

    /* One thread number only: the caller keeps the single-threaded pass. */
    static const struct trace_event one[] = {EV(TRACE_ALLOC, 0, 8, 5), EV(TRACE_FREE, 0, 0, 5)};
    rc = replay_schedule_build(&s, one, 2, 1, err, sizeof err);
    TAP_OK(rc == 0 && s.n_threads == 1, "a trace on one thread number has one pthread");
    if (rc == 0)
        replay_schedule_release(&s);

    /* Too many thread numbers. */
    struct trace_event *many = calloc(REPLAY_MAX_THREADS + 1, sizeof *many);
    for (uint32_t i = 0; i <= REPLAY_MAX_THREADS; i++)
        many[i] = (struct trace_event)EV(TRACE_ALLOC, i, 8, (uint16_t)i);
    rc = replay_schedule_build(&s, many, REPLAY_MAX_THREADS + 1, REPLAY_MAX_THREADS + 1, err,
                               sizeof err);
    TAP_OK(rc == -1 && strstr(err, "257 threads") && strstr(err, "at most 256"),
           "more than %u thread numbers refused (%s)", REPLAY_MAX_THREADS, err);
    free(many);
}

/* ---- a thread-safe backend that checks the order of the calls it gets ---- */

#define MAGIC_LIVE 0x4c495645u
#define MAGIC_DEAD 0x44454144u

struct header {
    uint32_t magic;
    uint32_t pad;
    uint64_t size;
};

static atomic_ulong bad_calls, live_blocks, allocs;

static void *k_create(const struct allocator_options *o, char *err, size_t len)
{
    (void)o, (void)err, (void)len;
    return &bad_calls;
}
static void k_destroy(void *ctx) { (void)ctx; }
static void *k_alloc(void *ctx, size_t size)
{
    (void)ctx;
    struct header *h = malloc(sizeof *h + size);
    if (!h)
        return NULL;
    h->magic = MAGIC_LIVE;
    h->size = size;
    atomic_fetch_add(&live_blocks, 1);
    atomic_fetch_add(&allocs, 1);
    return h + 1;
}
/* A block must be live and of the size the harness says: anything else means an event ran
 * before the one that made the block, or after the one that freed it. */
static struct header *k_check(void *p, size_t size)
{
    if (!p) {
        atomic_fetch_add(&bad_calls, 1);
        return NULL;
    }
    struct header *h = (struct header *)p - 1;
    if (h->magic != MAGIC_LIVE || h->size != size) {
        atomic_fetch_add(&bad_calls, 1);
        return NULL;
    }
    return h;
}
static void k_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx, (void)align;
    struct header *h = k_check(p, size);
    if (!h)
        return;
    h->magic = MAGIC_DEAD;
    atomic_fetch_sub(&live_blocks, 1);
    free(h);
}
static void *k_realloc(void *ctx, void *p, size_t old_size, size_t size)
{
    if (!k_check(p, old_size))
        return k_alloc(ctx, size);
    void *q = k_alloc(ctx, size);
    if (q) {
        memcpy(q, p, old_size < size ? old_size : size);
        k_free(ctx, p, old_size, 0);
    }
    return q;
}

static const struct allocator_ops order_ops = {
    .version = ALLOCATOR_OPS_VERSION, .name = "order-checker", .description = "test",
    .min_align = 16, .create = k_create, .destroy = k_destroy, .alloc = k_alloc,
    .free = k_free, .realloc = k_realloc, .flags = ALLOCATOR_THREAD_SAFE,
};

/* n_objects objects in rounds: allocated on thread i % 4, reallocated (grown) on the next
 * thread, then on the one after, freed on the fourth; the rounds interleave so the threads
 * keep handing objects to each other. */
static struct trace_event *relay_trace(uint32_t n_objects, uint64_t *n_events)
{
    struct trace_event *ev = calloc((size_t)n_objects * 4, sizeof *ev);
    uint64_t n = 0;
    for (uint32_t id = 0; id < n_objects; id++) {
        const uint16_t t = (uint16_t)(id % 4);
        ev[n++] = (struct trace_event)EV(TRACE_ALLOC, id, 16 + id % 200, t);
        if (id >= 2) {
            const uint32_t o = id - 2;
            ev[n++] = (struct trace_event)EV(TRACE_REALLOC, o, 300 + o % 500, (uint16_t)((o + 1) % 4));
            ev[n++] = (struct trace_event)EV(TRACE_REALLOC, o, 40 + o % 30, (uint16_t)((o + 2) % 4));
            ev[n++] = (struct trace_event)EV(TRACE_FREE, o, 0, (uint16_t)((o + 3) % 4));
        }
    }
    *n_events = n; /* the last two objects stay live */
    return ev;
}

/* One threaded replay of the relay trace of n_objects objects; min_time_ns > 0 makes it loop
 * (the objects left live are freed and the turn counters reset between loops). */
static void threaded_replay(uint32_t n_objects, uint64_t min_time_ns)
{
    uint64_t n_events;
    struct trace_event *ev = relay_trace(n_objects, &n_events);
    struct replay_schedule s;
    struct replay r;
    char err[256] = "";
    struct replay_config cfg = {.pass = REPLAY_THROUGHPUT, .min_time_ns = min_time_ns};
    int rc = replay_schedule_build(&s, ev, n_events, n_objects, err, sizeof err);
    TAP_OK(rc == 0 && s.n_threads == 4, "%u objects: 4 threads (%s)", n_objects, rc ? err : "ok");
    if (rc) {
        free(ev);
        return;
    }
    rc = replay_init(&r, ev, n_events, n_objects, &order_ops,
                     order_ops.create(NULL, err, sizeof err), &cfg, err, sizeof err);
    TAP_OK(rc == 0, "replay_init (%s)", rc ? err : "ok");
    if (rc == 0) {
        atomic_store(&bad_calls, 0);
        atomic_store(&allocs, 0);
        rc = replay_threads_run(&r, &s);
        TAP_OK(rc == 0, "threaded replay runs (%s)", rc ? r.reason : "ok");
        TAP_EQ_U64(atomic_load(&bad_calls), 0,
                   "no call out of per-object order (frees after allocs, reallocs in sequence)");
        TAP_EQ_U64(atomic_load(&live_blocks), 2, "exactly the two objects never freed stay live");
        TAP_OK(r.slots[n_objects - 1].p && r.slots[n_objects - 2].p && !r.slots[0].p,
               "slots hold the live blocks only");
        /* Each loop: n_objects allocs, and one more per realloc (k_realloc always moves). */
        const uint64_t per_loop = n_objects + 2 * (uint64_t)(n_objects - 2);
        TAP_OK(r.loops >= 1 && atomic_load(&allocs) == r.loops * per_loop,
               "%llu loops, each replayed whole", (unsigned long long)r.loops);
        if (min_time_ns)
            TAP_OK(r.wall_ns >= min_time_ns, "min_time: the loops add up to the minimum");
        else
            TAP_OK(r.loops == 1 && r.wall_ns > 0, "min_time 0: one timed loop");
        replay_release(&r);
        TAP_EQ_U64(atomic_load(&live_blocks), 0, "replay_release frees the rest");
    }
    replay_schedule_release(&s);
    free(ev);
}

/* alloc of 777 bytes fails: the thread waiting to free that object must give up, not hang. */
static void *f_alloc(void *ctx, size_t size)
{
    return size == 777 ? NULL : k_alloc(ctx, size);
}

static void test_failure(void)
{
    static const struct trace_event ev[] = {
        EV(TRACE_ALLOC, 0, 32, 0), EV(TRACE_ALLOC, 1, 777, 0), EV(TRACE_FREE, 0, 0, 1),
        EV(TRACE_FREE, 1, 0, 1),
    };
    struct allocator_ops ops = order_ops;
    ops.alloc = f_alloc;
    struct replay_schedule s;
    char err[256] = "";
    struct replay r;
    struct replay_config cfg = {.pass = REPLAY_THROUGHPUT, .min_time_ns = 1000000000u};
    if (replay_schedule_build(&s, ev, 4, 2, err, sizeof err) ||
        replay_init(&r, ev, 4, 2, &ops, ops.create(NULL, err, sizeof err), &cfg, err, sizeof err)) {
        TAP_OK(0, "failure setup (%s)", err);
        return;
    }
    int rc = replay_threads_run(&r, &s);
    TAP_OK(rc == -1 && r.fail_event == 1 && r.fail_id == 1 && r.loops == 1 &&
               strstr(r.reason, "out of memory: event 1 id 1 (thread 0): alloc of 777 bytes"),
           "a NULL from the backend stops every thread and is reported (%s)", r.reason);
    replay_release(&r);
    replay_schedule_release(&s);
}

int main(void)
{
    test_schedule();
    threaded_replay(20000, 0);
    threaded_replay(8, 20000000u);
    test_failure();
    return tap_done();
}
