/* The replay engine against small backends defined here: every event reaches the backend with
 * the right arguments, the latency pass times every operation, the memory pass's peak live
 * bytes match an independent count, RSS of a 256 MiB block is seen, and the verify pass
 * catches a backend that loses realloc content or hands out overlapping blocks. */
#include "replay/replay.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- a checking backend on libc: remembers every block to check free's size and align ---- */

#define TABLE_BITS 16
struct entry {
    void *p;
    uint64_t size;
    size_t align;
};
struct checker {
    struct entry table[1 << TABLE_BITS];
    uint64_t calls[TRACE_OP_COUNT], bad_free, live, usable_live;
    int lossy_realloc;   /* realloc forgets the old content */
    int overlap_small;   /* blocks <= 64 bytes all share one buffer */
    int dirty_calloc;    /* calloc forgets to zero */
    _Alignas(64) unsigned char shared[64];
};
static struct checker chk;

static size_t slot_of(void *p)
{
    return ((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15u >> (64 - TABLE_BITS);
}

static void remember(void *p, uint64_t size, size_t align)
{
    size_t i = slot_of(p);
    while (chk.table[i].p && chk.table[i].p != p)
        i = (i + 1) & ((1 << TABLE_BITS) - 1);
    chk.table[i] = (struct entry){p, size, align};
    chk.live++;
}

/* Removes p with backward-shift deletion so probing stays correct. */
static struct entry forget(void *p)
{
    size_t i = slot_of(p), mask = (1 << TABLE_BITS) - 1;
    while (chk.table[i].p != p) {
        if (!chk.table[i].p)
            return (struct entry){0};
        i = (i + 1) & mask;
    }
    struct entry e = chk.table[i];
    chk.table[i].p = NULL;
    for (size_t j = (i + 1) & mask; chk.table[j].p; j = (j + 1) & mask) {
        size_t home = slot_of(chk.table[j].p);
        if (((j - home) & mask) >= ((j - i) & mask)) {
            chk.table[i] = chk.table[j];
            chk.table[j].p = NULL;
            i = j;
        }
    }
    chk.live--;
    return e;
}

static void *c_create(const struct allocator_options *o, char *err, size_t len)
{
    (void)o, (void)err, (void)len;
    return &chk;
}
static void c_destroy(void *ctx) { (void)ctx; }
static void *c_alloc(void *ctx, size_t size)
{
    (void)ctx;
    chk.calls[TRACE_ALLOC]++;
    if (chk.overlap_small && size <= 64)
        return chk.shared;
    void *p = malloc(size);
    remember(p, size, 0);
    return p;
}
static void *c_calloc(void *ctx, size_t size)
{
    (void)ctx;
    chk.calls[TRACE_CALLOC]++;
    void *p = malloc(size);
    if (p)
        memset(p, chk.dirty_calloc ? 0xa5 : 0, size);
    remember(p, size, 0);
    return p;
}
static void *c_aligned(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    chk.calls[TRACE_ALIGNED]++;
    void *p = aligned_alloc(align, (size + align - 1) / align * align);
    remember(p, size, align);
    return p;
}
static void *c_realloc(void *ctx, void *p, size_t old, size_t size)
{
    (void)ctx;
    chk.calls[TRACE_REALLOC]++;
    void *q;
    if (p == chk.shared) {
        q = malloc(size);
        memcpy(q, p, old < size ? old : size);
        remember(q, size, 0);
        return q;
    }
    struct entry e = forget(p);
    if (e.size != old || e.align)
        chk.bad_free++;
    if (chk.lossy_realloc) {
        q = malloc(size);
        free(p);
    } else {
        q = realloc(p, size);
    }
    remember(q, size, 0);
    return q;
}
static void c_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx;
    chk.calls[TRACE_FREE]++;
    if (p == chk.shared)
        return;
    struct entry e = forget(p);
    if (!e.p || e.size != size || e.align != align)
        chk.bad_free++;
    free(p);
}
static size_t c_usable(void *ctx, void *p, size_t size)
{
    (void)ctx, (void)p;
    return (size + 15) & ~(size_t)15;
}

static const struct allocator_ops checker_ops = {
    .version = ALLOCATOR_OPS_VERSION, .name = "checker", .description = "test", .min_align = 16,
    .create = c_create, .destroy = c_destroy, .alloc = c_alloc, .free = c_free,
    .aligned_alloc = c_aligned, .realloc = c_realloc, .usable_size = c_usable,
};

/* ---- a trace with every kind of event, and its peak live bytes counted independently ---- */

static uint64_t rng = 88172645463325252u;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct expect {
    uint64_t peak_live, final_live, ops[TRACE_OP_COUNT];
    uint64_t first_growing_realloc; /* event index */
};

static struct trace make_trace(uint32_t n_ids, uint64_t n_events, struct expect *ex)
{
    struct trace_builder b;
    trace_builder_init(&b);
    uint64_t *size = calloc(n_ids, sizeof *size);
    uint64_t live = 0;
    memset(ex, 0, sizeof *ex);
    ex->first_growing_realloc = UINT64_MAX;
    for (uint64_t i = 0; i < n_events; i++) {
        uint32_t id = (uint32_t)(next_rand() % n_ids);
        struct trace_event ev = {.id = id};
        uint64_t r = next_rand() % 100;
        if (!size[id]) {
            ev.size = next_rand() % 100 == 0 ? 100000 : 1 + next_rand() % 2000;
            ev.op = r < 70 ? TRACE_ALLOC : r < 85 ? TRACE_CALLOC : TRACE_ALIGNED;
            if (ev.op == TRACE_ALIGNED)
                ev.align_log2 = (uint8_t)(4 + next_rand() % 9); /* 16 .. 4096 */
            /* Objects from aligned() are never realloc'ed below, so free's align stays known. */
            live += ev.size;
            size[id] = ev.op == TRACE_ALIGNED ? ev.size | (uint64_t)1 << 63 : ev.size;
        } else if (r < 30 && !(size[id] >> 63)) {
            ev.op = TRACE_REALLOC;
            ev.size = 1 + next_rand() % 4000;
            if (ev.size > size[id] && ex->first_growing_realloc == UINT64_MAX)
                ex->first_growing_realloc = i;
            live += ev.size - size[id];
            size[id] = ev.size;
        } else {
            ev.op = TRACE_FREE;
            live -= size[id] & ~((uint64_t)1 << 63);
            size[id] = 0;
        }
        ex->ops[ev.op]++;
        if (live > ex->peak_live)
            ex->peak_live = live;
        trace_builder_push(&b, &ev);
    }
    ex->final_live = live;
    free(size);
    struct trace t;
    trace_builder_finish(&b, "test", NULL, &t);
    return t;
}

static int run(const struct trace *t, enum replay_pass pass, struct replay *r, int use_tsc)
{
    char err[256];
    struct replay_config cfg = {.pass = pass, .rss_every = 1000, .use_tsc = use_tsc};
    if (replay_init(r, t->events, t->n_events, t->n_ids, &checker_ops, &chk, &cfg, err, sizeof err)) {
        printf("# replay_init: %s\n", err);
        return -2;
    }
    return replay_run(r);
}

/* A backend for the RSS check: whole blocks straight from mmap, footprint = mapped bytes. */
static size_t mapped;
static void *m_alloc(void *ctx, size_t size)
{
    (void)ctx;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    mapped += size;
    return p;
}
static void m_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx, (void)align;
    munmap(p, size);
    mapped -= size;
}
static void m_stats(void *ctx, struct allocator_stats *st)
{
    (void)ctx;
    st->footprint_bytes = mapped;
    st->mmap_bytes = mapped;
}
static const struct allocator_ops mmap_ops = {
    .version = ALLOCATOR_OPS_VERSION, .name = "mmap", .description = "test", .min_align = 4096,
    .create = c_create, .destroy = c_destroy, .alloc = m_alloc, .free = m_free, .stats = m_stats,
};

/* Throughput: every event reaches the backend with the size and alignment it was given. */
static void check_throughput(const struct trace *t, const struct expect *ex)
{
    struct replay r;
    memset(&chk, 0, sizeof chk);
    TAP_OK(run(t, REPLAY_THROUGHPUT, &r, 0) == 0, "throughput pass runs");
    TAP_EQ_U64(chk.calls[TRACE_ALLOC], ex->ops[TRACE_ALLOC] + ex->ops[TRACE_CALLOC],
               "alloc calls (alloc + calloc)");
    TAP_EQ_U64(chk.calls[TRACE_ALIGNED], ex->ops[TRACE_ALIGNED], "aligned_alloc calls");
    TAP_EQ_U64(chk.calls[TRACE_REALLOC], ex->ops[TRACE_REALLOC], "realloc calls");
    TAP_EQ_U64(chk.calls[TRACE_FREE], ex->ops[TRACE_FREE], "free calls");
    TAP_EQ_U64(chk.bad_free, 0, "free and realloc always told the right size and alignment");
    TAP_OK(r.wall_ns > 0, "wall time measured");
    replay_release(&r);
    TAP_EQ_U64(chk.live, 0, "replay_release frees the blocks still live");
}

/* Throughput with a minimum time, on the first 500 events (a loop well under the 20 ms
 * asked, even under a sanitizer): whole-trace loops, leftovers freed between them with
 * the right size and alignment, every event of every loop reaching the backend. */
static void check_min_time(const struct trace *t)
{
    struct replay r;
    const uint64_t n_pre = 500;
    uint64_t frees = 0, reallocs = 0, left = 0;
    unsigned char *live = calloc(t->n_ids, 1);
    for (uint64_t i = 0; i < n_pre; i++) {
        frees += t->events[i].op == TRACE_FREE;
        reallocs += t->events[i].op == TRACE_REALLOC;
        live[t->events[i].id] = t->events[i].op != TRACE_FREE;
    }
    for (uint32_t id = 0; id < t->n_ids; id++)
        left += live[id];
    free(live);
    char err[256];
    struct replay_config cfg = {.pass = REPLAY_THROUGHPUT, .min_time_ns = 20000000};
    memset(&chk, 0, sizeof chk);
    TAP_OK(replay_init(&r, t->events, n_pre, t->n_ids, &checker_ops, &chk, &cfg, err, sizeof err) ==
                   0 &&
               replay_run(&r) == 0,
           "throughput pass with min_time 20 ms runs");
    TAP_OK(r.loops > 1 && r.wall_ns >= 20000000, "%llu loops, %llu ns timed",
           (unsigned long long)r.loops, (unsigned long long)r.wall_ns);
    TAP_EQ_U64(chk.calls[TRACE_FREE], r.loops * frees + (r.loops - 1) * left,
               "free calls: the trace's in every loop, plus the leftovers between loops");
    TAP_EQ_U64(chk.calls[TRACE_REALLOC], r.loops * reallocs, "realloc calls: every loop");
    TAP_EQ_U64(chk.bad_free, 0, "leftovers freed with the right size and alignment");
    replay_release(&r);
    TAP_EQ_U64(chk.live, 0, "nothing left live after the last loop's release");
}

/* Latency: one histogram entry per operation, with both timers. */
static void check_latency(const struct trace *t, const struct expect *ex)
{
    struct replay r;
    for (int use_tsc = 0; use_tsc < 2; use_tsc++) {
        if (use_tsc && !os_tsc_usable()) {
            TAP_OK(1, "# SKIP no invariant TSC here");
            continue;
        }
        memset(&chk, 0, sizeof chk);
        int ok = run(t, REPLAY_LATENCY, &r, use_tsc) == 0;
        for (int op = 0; op < TRACE_OP_COUNT; op++)
            ok &= r.lat.hist[op].total == ex->ops[op];
        TAP_OK(ok, "latency pass (%s timer) records each operation once", use_tsc ? "tsc" : "clock");
        TAP_OK(r.lat.ticks_per_ns > 0, "ticks per ns known (%.3f)", r.lat.ticks_per_ns);
        replay_release(&r);
    }
}

/* Memory: peak live and the samples. */
static void check_memory(const struct trace *t, const struct expect *ex, uint64_t peak_event)
{
    struct replay r;
    memset(&chk, 0, sizeof chk);
    TAP_OK(run(t, REPLAY_MEMORY, &r, 0) == 0, "memory pass runs");
    TAP_EQ_U64(r.mem.peak_live, ex->peak_live, "memory pass peak live = independent count");
    TAP_EQ_U64(r.mem.peak_live_event, peak_event, "peak reached at the same event");
    TAP_EQ_U64(r.mem.live, ex->final_live, "final live bytes");
    TAP_OK(r.mem.usable_at_peak_live >= r.mem.peak_live &&
               r.mem.usable_at_peak_live - r.mem.peak_live < 16 * 3000,
           "usable at peak within rounding of live");
    int has_peak_sample = 0;
    for (size_t i = 0; i < r.mem.n_samples; i++)
        has_peak_sample |=
            r.mem.samples[i].event == peak_event && r.mem.samples[i].live_bytes == ex->peak_live;
    TAP_OK(has_peak_sample, "a sample is taken at the event of peak live");
    TAP_OK(r.mem.n_samples >= 40 && r.mem.samples[0].event == 0 &&
               r.mem.samples[r.mem.n_samples - 1].event == t->n_events,
           "samples every 1000 events from 0 to the end (%zu)", r.mem.n_samples);
    replay_release(&r);
}

/* Verify: a correct backend passes; a lossy realloc and overlapping blocks are caught. */
static void check_verify(const struct trace *t, const struct expect *ex)
{
    struct replay r;
    memset(&chk, 0, sizeof chk);
    TAP_OK(run(t, REPLAY_VERIFY, &r, 0) == 0, "verify passes a correct backend");
    replay_release(&r);

    memset(&chk, 0, sizeof chk);
    chk.lossy_realloc = 1;
    int rc = run(t, REPLAY_VERIFY, &r, 0);
    char want[64];
    snprintf(want, sizeof want, "verify: event %llu id ", (unsigned long long)r.fail_event);
    TAP_OK(rc == -1 && strstr(r.reason, "realloc lost content") && !strncmp(r.reason, want, strlen(want)),
           "lossy realloc caught: %s", r.reason);
    TAP_OK(r.fail_event <= ex->first_growing_realloc && t->events[r.fail_event].op == TRACE_REALLOC,
           "at a realloc event, no later than the first growing one");
    TAP_EQ_U64(r.fail_id, t->events[r.fail_event].id, "the failing event's object id is named");
    replay_release(&r);

    memset(&chk, 0, sizeof chk);
    chk.overlap_small = 1;
    rc = run(t, REPLAY_VERIFY, &r, 0);
    TAP_OK(rc == -1 && strstr(r.reason, "content mismatch"), "overlapping blocks caught: %s", r.reason);
    replay_release(&r);
}

/* A backend with calloc gets the calloc events (the checker above has none: the harness
 * zeroed its alloc results, or verify would have failed on reused dirty blocks); one that
 * does not zero is caught by verify. */
static void check_calloc(const struct trace *t, const struct expect *ex)
{
    struct replay r;
    int rc;
    struct allocator_ops with_calloc = checker_ops;
    with_calloc.calloc = c_calloc;
    struct replay_config tcfg = {.pass = REPLAY_THROUGHPUT};
    char terr[256] = "";
    memset(&chk, 0, sizeof chk);
    TAP_OK(replay_init(&r, t->events, t->n_events, t->n_ids, &with_calloc, &chk, &tcfg, terr,
                       sizeof terr) == 0 &&
               replay_run(&r) == 0,
           "throughput pass with a backend calloc");
    TAP_EQ_U64(chk.calls[TRACE_CALLOC], ex->ops[TRACE_CALLOC],
               "calloc events reach the backend's calloc");
    TAP_EQ_U64(chk.calls[TRACE_ALLOC], ex->ops[TRACE_ALLOC], "and alloc only the alloc events");
    replay_release(&r);
    memset(&chk, 0, sizeof chk);
    chk.dirty_calloc = 1;
    tcfg.pass = REPLAY_VERIFY;
    rc = replay_init(&r, t->events, t->n_events, t->n_ids, &with_calloc, &chk, &tcfg, terr,
                     sizeof terr)
             ? -2
             : replay_run(&r);
    TAP_OK(rc == -1 && strstr(r.reason, "calloc block not zeroed"), "a calloc that does not zero is caught: %s",
           r.reason);
    replay_release(&r);
}

/* A backend without aligned_alloc cannot replay alignments above its min_align. */
static void check_no_aligned(const struct trace *t)
{
    struct replay r;
    struct allocator_ops no_aligned = checker_ops;
    no_aligned.aligned_alloc = NULL;
    char err[256] = "";
    struct replay_config cfg = {.pass = REPLAY_THROUGHPUT};
    TAP_OK(replay_init(&r, t->events, t->n_events, t->n_ids, &no_aligned, &chk, &cfg, err,
                       sizeof err) == -1 &&
               strstr(err, "aligned_alloc"),
           "missing aligned_alloc refused: %s", err);
}

/* RSS: one 256 MiB block, written once per page by the memory pass, shows in RssAnon. */
static void check_rss(void)
{
    struct replay r;
    struct trace t;
    char err[256] = "";
    struct trace_builder b;
    trace_builder_init(&b);
    const uint64_t big = (uint64_t)256 << 20;
    struct trace_event e1 = {.id = 0, .op = TRACE_ALLOC, .size = big}, e2 = {.id = 0, .op = TRACE_FREE};
    trace_builder_push(&b, &e1);
    trace_builder_push(&b, &e2);
    trace_builder_finish(&b, "big", NULL, &t);
    struct replay_config cfg = {.pass = REPLAY_MEMORY, .rss_every = 1};
    void *ctx = mmap_ops.create(NULL, err, sizeof err);
    TAP_OK(replay_init(&r, t.events, t.n_events, t.n_ids, &mmap_ops, ctx, &cfg, err, sizeof err) == 0 &&
               replay_run(&r) == 0,
           "memory pass over one 256 MiB block");
#if defined(__SANITIZE_ADDRESS__)
    /* AddressSanitizer may also write one shadow byte per 8 application bytes (seen on some
     * kernels, not on others), so up to 9/8 of the block. */
    const double high = 1.05 * 9 / 8;
#else
    const double high = 1.05;
#endif
    double rel = (double)r.mem.peak_rss / (double)big;
    TAP_OK(rel > 0.95 && rel < high, "peak RSS within 5%% of 256 MiB (+ ASan shadow) (%.4f)", rel);
    TAP_EQ_U64(r.mem.peak_footprint, big, "peak footprint from backend stats");
    TAP_OK(r.mem.final_rss < big / 20, "final RSS back near the baseline after the free");
    replay_release(&r);
    trace_release(&t);
}

/* Progress: every pass reports every progress_every events, between chunks of the loop, and
 * replays exactly what it replays unchunked. */
static uint64_t progress_at[64];
static size_t n_progress;
static int progress_total_ok;
static void on_progress(void *ctx, uint64_t done, uint64_t n_events)
{
    const struct trace *t = ctx;
    if (n_progress < 64)
        progress_at[n_progress++] = done;
    progress_total_ok &= n_events == t->n_events;
}

static void check_progress(const struct trace *t, const struct expect *ex)
{
    static const enum replay_pass passes[] = {REPLAY_THROUGHPUT, REPLAY_LATENCY, REPLAY_MEMORY,
                                              REPLAY_VERIFY};
    const uint64_t every = 7000;
    for (size_t k = 0; k < 4; k++) {
        struct replay r;
        char err[256];
        struct replay_config cfg = {.pass = passes[k], .rss_every = 1000, .progress = on_progress,
                                    .progress_ctx = (void *)t, .progress_every = every};
        memset(&chk, 0, sizeof chk);
        n_progress = 0;
        progress_total_ok = 1;
        int rc = replay_init(&r, t->events, t->n_events, t->n_ids, &checker_ops, &chk, &cfg, err,
                             sizeof err);
        TAP_OK(rc == 0 && replay_run(&r) == 0, "%s pass with progress runs",
               replay_pass_name(passes[k]));
        int at_ok = n_progress == (t->n_events - 1) / every && progress_total_ok;
        for (size_t i = 0; i < n_progress; i++)
            at_ok &= progress_at[i] == (i + 1) * every;
        TAP_OK(at_ok, "%s: progress at every %llu events before the end (%zu calls)",
               replay_pass_name(passes[k]), (unsigned long long)every, n_progress);
        TAP_EQ_U64(chk.calls[TRACE_FREE], ex->ops[TRACE_FREE], "chunked: every free replayed once");
        TAP_EQ_U64(chk.calls[TRACE_REALLOC], ex->ops[TRACE_REALLOC],
                   "chunked: every realloc replayed once");
        if (passes[k] == REPLAY_MEMORY)
            TAP_EQ_U64(r.mem.peak_live, ex->peak_live, "chunked memory pass: the same peak live");
        if (rc == 0)
            replay_release(&r);
    }
}

int main(void)
{
    struct expect ex;
    struct trace t = make_trace(3000, 40000, &ex);
    uint64_t peak, peak_event;

    TAP_OK(replay_peak_live(t.events, t.n_events, t.n_ids, &peak, &peak_event) == 0 &&
               peak == ex.peak_live,
           "replay_peak_live = independent count (%llu)", (unsigned long long)ex.peak_live);
    check_throughput(&t, &ex);
    check_min_time(&t);
    check_latency(&t, &ex);
    check_memory(&t, &ex, peak_event);
    check_verify(&t, &ex);
    check_calloc(&t, &ex);
    check_no_aligned(&t);
    check_progress(&t, &ex);
    trace_release(&t);
    check_rss();
    return tap_done();
}
