/* allocreplay-worker: runs ONE pass of one trace against one backend and reports its figures
 * to the driver (docs/architecture.md). The same source builds every worker executable; they differ
 * only in the backends linked in (allocreplay-worker-jemalloc, ...).
 *
 *   allocreplay-worker --list                      name<TAB>description of each backend
 *   allocreplay-worker --options                   the keys of each backend (worker_backend.h)
 *   allocreplay-worker --check SPEC [--threads]    resolve SPEC (and, with --threads, refuse a
 *                                                  backend that is not thread-safe), create it
 *                                                  and print canonical-spec<TAB>effective
 *                                                  settings; exit 0, or 2 with one line
 *   allocreplay-worker --trace PATH --backend SPEC --pass PASS --report-fd FD
 *                      [--touch] [--rss-every N] [--lenient] [--timer tsc|clock] [--tsc-hz HZ]
 *                      [--min-time MS] [--threads [--window N]]
 *                      [--pace recorded|Nx [--rss-every-ms MS]]   (memory pass only)
 *
 * Order of work: load the trace (a binary trace is mmap'd; any other is parsed and copied into
 * an mmap'd table), create the backend, map every harness table, take the RSS baseline, replay,
 * and only then format the report. Nothing between the baseline and the end of the replay
 * allocates except the backend under test.
 */
#include "allocators/registry.h"
#include "replay/os.h"
#include "replay/pace.h"
#include "replay/replay.h"
#include "replay_threads.h"
#include "worker_backend.h"
#include "replay/results_schema.h"
#include "trace/trace.h"
#include "replay/worker_report.h"
#include "util/options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct worker_args {
    int list, options;  /* --list, --options */
    const char *check;  /* --check SPEC */
    const char *trace, *backend;
    enum replay_pass pass;
    int report_fd;
    int touch, lenient;
    int threads;     /* every pass: one replay thread per trace thread number */
    uint32_t window; /* with threads: the ordering window (0 = free-running, 1 = strict) */
    uint64_t rss_every;
    uint64_t min_time_ms; /* throughput pass: loop over the trace for at least this long */
    int timer_clock; /* --timer clock (index 1 of timers[]): force the clock_gettime fallback */
    double tsc_hz;
    double pace;          /* memory pass: the speed factor of a paced replay; 0 = not paced */
    uint64_t rss_every_ms; /* paced memory pass: the time grid (0 = automatic) */
};

static int list_backends(void)
{
    size_t n;
    const struct allocator_ops *const *all = allocator_registry(&n);
    for (size_t i = 0; i < n; i++)
        printf("%s\t%s\n", all[i]->name, all[i]->description ? all[i]->description : "");
    return fflush(stdout) ? WORKER_EXIT_FAILED : WORKER_EXIT_OK;
}

/* 0 when ops may be called from several threads at once; otherwise -1 with one line in err
 * that names the locked variant of the backend when the registry has one. */
static int check_thread_safe(const struct allocator_ops *ops, char *err, size_t err_len)
{
    if (ops->flags & ALLOCATOR_THREAD_SAFE)
        return 0;
    char locked[128];
    snprintf(locked, sizeof locked, "%s-locked", ops->name);
    size_t n;
    const struct allocator_ops *const *all = allocator_registry(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i]->name, locked) && (all[i]->flags & ALLOCATOR_THREAD_SAFE)) {
            snprintf(err, err_len, "backend %s is not thread-safe: use %s", ops->name, locked);
            return -1;
        }
    snprintf(err, err_len, "backend %s is not thread-safe: --threads needs a thread-safe backend",
             ops->name);
    return -1;
}

/* The settings are read back from a created backend, in a process started the way a measured
 * one is, so the driver can record them before any cell runs. */
static int check_backend(const char *spec, int threads, char **argv)
{
    struct worker_backend wb;
    char err[512], config[1024];
    if (worker_backend_setup(spec, argv, &wb, err, sizeof err) ||
        (threads && check_thread_safe(wb.ops, err, sizeof err))) {
        fprintf(stderr, "%s\n", err);
        return WORKER_EXIT_USAGE;
    }
    err[0] = 0;
    void *ctx = wb.ops->create(&wb.opt, err, sizeof err);
    if (!ctx) {
        fprintf(stderr, "%s\n", err[0] ? err : "backend create failed");
        return WORKER_EXIT_USAGE;
    }
    worker_backend_config(&wb, ctx, config, sizeof config);
    wb.ops->destroy(ctx);
    printf("%s\t%s\n", wb.canonical, config);
    return fflush(stdout) ? WORKER_EXIT_FAILED : WORKER_EXIT_OK;
}

static int parse_pass(const char *v, void *dest, char *why, size_t why_len)
{
    if (replay_pass_parse(v, dest)) {
        snprintf(why, why_len, "throughput, latency, memory or verify");
        return -1;
    }
    return 0;
}

static int parse_window(const char *v, void *dest, char *why, size_t why_len)
{
    if (replay_window_parse(v, dest)) {
        snprintf(why, why_len, "auto, strict, free or a count of events");
        return -1;
    }
    return 0;
}

static int parse_pace(const char *v, void *dest, char *why, size_t why_len)
{
    if (pace_parse(v, dest)) {
        snprintf(why, why_len, "recorded or a speed factor such as 10x or 0.5x");
        return -1;
    }
    return 0;
}

static const char *const timers[] = {"tsc", "clock", NULL};

static const struct opt_row rows[] = {
    {"list", 0, OPT_FLAG, OPT_AT(struct worker_args, list),
     .help = "print name<TAB>description of each backend, and exit"},
    {"options", 0, OPT_FLAG, OPT_AT(struct worker_args, options),
     .help = "print the keys of each backend (worker_backend.h), and exit"},
    {"check", 0, OPT_STRING, OPT_AT(struct worker_args, check), .metavar = "SPEC",
     .help = "resolve SPEC (with --threads, refuse a backend that is not thread-safe),\n"
             "create it and print canonical-spec<TAB>effective settings;\n"
             "exit 0, or 2 with one line"},
    {"trace", 0, OPT_STRING, OPT_AT(struct worker_args, trace), .metavar = "PATH",
     .help = "the trace to replay"},
    {"backend", 0, OPT_STRING, OPT_AT(struct worker_args, backend), .metavar = "SPEC",
     .help = "the backend to replay against"},
    {"pass", 0, OPT_CUSTOM, OPT_AT(struct worker_args, pass), .parse = parse_pass,
     .metavar = "PASS", .help = "throughput, latency, memory or verify"},
    {"report-fd", 0, OPT_U64, OPT_AT(struct worker_args, report_fd), .max = 1024,
     .metavar = "FD", .help = "the file descriptor the report is written to"},
    {"touch", 0, OPT_FLAG, OPT_AT(struct worker_args, touch),
     .help = "timed passes write to new blocks too"},
    {"rss-every", 0, OPT_U64, OPT_AT(struct worker_args, rss_every), .min = 1, .metavar = "N",
     .help = "memory pass: sample every N events"},
    {"lenient", 0, OPT_FLAG, OPT_AT(struct worker_args, lenient),
     .help = "drop bad trace events instead of refusing the trace"},
    {"timer", 0, OPT_ENUM, OPT_AT(struct worker_args, timer_clock), .choices = timers,
     .def = "tsc", .metavar = "tsc|clock", .help = "latency pass: the timer"},
    {"tsc-hz", 0, OPT_DOUBLE, OPT_AT(struct worker_args, tsc_hz), .dmin = 1, .dmax = 1e12,
     .metavar = "HZ", .help = "latency pass: the TSC frequency the driver measured"},
    {"min-time", 0, OPT_U64, OPT_AT(struct worker_args, min_time_ms), .max = 3600 * 1000,
     .metavar = "MS", .help = "throughput pass: loop over the trace for at least MS ms"},
    {"threads", 0, OPT_FLAG, OPT_AT(struct worker_args, threads),
     .help = "every pass: one replay thread per trace thread number"},
    {"window", 0, OPT_CUSTOM, OPT_AT(struct worker_args, window), .parse = parse_window,
     .metavar = "W", .help = "with --threads: the ordering window (auto, strict, free or a\n"
                              "count of events; default auto)"},
    {"pace", 0, OPT_CUSTOM, OPT_AT(struct worker_args, pace), .parse = parse_pace,
     .metavar = "recorded|Nx", .help = "memory pass: keep the recorded time between events\n"
                                       "(a timed trace), at N times its speed"},
    {"rss-every-ms", 0, OPT_U64, OPT_AT(struct worker_args, rss_every_ms), .min = 1,
     .max = 86400 * 1000, .metavar = "MS",
     .help = "paced memory pass: also sample every MS ms (default: the\n"
             "paced duration / 1000, at least 1 ms)"},
};

static const struct opt_command worker_command = {
    .prog = "allocreplay-worker",
    .positional = "",
    .summary = "Runs one pass of one trace against one backend and reports to the driver.",
    .about = "--trace, --backend, --pass and --report-fd are required, unless --list, --options\\n"
             "or --check.\\n",
    .rows = rows,
    .n_rows = sizeof rows / sizeof rows[0],
};

static int usage_error(const char *reason)
{
    opt_print_error(&worker_command, stderr, reason);
    return WORKER_EXIT_USAGE;
}

/* Figures formatted for the report: integers exactly, reals with nine significant digits. */
static void put_u64(FILE *f, const char *col, uint64_t v)
{
    fprintf(f, "s %s %llu\n", col, (unsigned long long)v);
}

static void put_f64(FILE *f, const char *col, double v)
{
    fprintf(f, "s %s %.9g\n", col, v);
}

static void put_ratio_minus_one(FILE *f, const char *col, uint64_t num, uint64_t den)
{
    if (den && num != UINT64_MAX)
        put_f64(f, col, (double)num / (double)den - 1.0);
}

static void report_threads(FILE *f, uint32_t threads, int threaded, uint32_t window)
{
    put_u64(f, "threads", threads);
    char buf[16];
    if (threaded)
        fprintf(f, "s window %s\n", replay_window_name(window, buf, sizeof buf));
}

static void report_throughput(FILE *f, const struct replay *r)
{
    /* wall_ns sums the timed loops; each loop replayed every event once. */
    const double events = (double)r->n_events * (double)r->loops;
    put_u64(f, "wall_ns", r->wall_ns);
    put_u64(f, "loops", r->loops);
    put_f64(f, "ns_per_event", events > 0 ? (double)r->wall_ns / events : 0);
    put_f64(f, "events_per_sec", r->wall_ns ? events * 1e9 / (double)r->wall_ns : 0);
}

static int report_latency(FILE *f, const struct replay *r)
{
    const double tpn = r->lat.ticks_per_ns;
    struct histogram all;
    if (histogram_init(&all))
        return -1;
    for (int op = 0; op < TRACE_OP_COUNT; op++) {
        const struct histogram *h = &r->lat.hist[op];
        histogram_merge(&all, h);
        for (size_t i = 0; i < HISTOGRAM_BUCKETS; i++) {
            if (!h->counts[i])
                continue;
            uint64_t lo, hi;
            histogram_bucket_range(i, &lo, &hi);
            fprintf(f, "l %s %.9g %.9g %llu\n", trace_op_name((enum trace_op)op), (double)lo / tpn,
                    (double)hi / tpn, (unsigned long long)h->counts[i]);
        }
    }
    static const struct {
        const char *col;
        double q;
    } pct[] = {{"p50_ns", 0.5}, {"p90_ns", 0.9}, {"p99_ns", 0.99}, {"p999_ns", 0.999}};
    for (size_t i = 0; i < sizeof pct / sizeof pct[0]; i++)
        put_f64(f, pct[i].col, (double)histogram_quantile(&all, pct[i].q) / tpn);
    put_f64(f, "max_ns", (double)all.max / tpn);
    put_f64(f, "mean_ns", all.total ? (double)all.sum / (double)all.total / tpn : 0);
    put_f64(f, "latency_sum_ns", (double)all.sum / tpn);
    fprintf(f, "s timer %s\n", r->cfg.use_tsc ? "tsc" : "clock");
    if (r->cfg.use_tsc)
        put_f64(f, "tsc_hz", r->cfg.tsc_hz);
    put_f64(f, "timer_overhead_ns", (double)r->lat.overhead_ticks / tpn);
    put_f64(f, "timer_resolution_ns", (double)r->lat.resolution_ticks / tpn);
    histogram_release(&all);
    return 0;
}

/* The allocator's own view, known figures only (an unknown one stays an empty cell). */
static void report_view(FILE *f, const char *when, const struct replay_view *v)
{
    const struct {
        const char *what;
        uint64_t value;
    } parts[] = {{"live", v->live}, {"free", v->free}, {"metadata", v->metadata},
                 {"unused", v->unused}, {"retained", v->retained}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (parts[i].value != UINT64_MAX)
            fprintf(f, "s view_%s_%s_bytes %llu\n", when, parts[i].what,
                    (unsigned long long)parts[i].value);
}

static void report_memory(FILE *f, const struct replay *r)
{
    const struct replay_memory *m = &r->mem;
    uint64_t trace_peak, trace_peak_event;
    put_u64(f, "peak_live_bytes", m->peak_live);
    if (replay_peak_live(r->events, r->n_events, r->n_ids, &trace_peak, &trace_peak_event) == 0)
        put_u64(f, "trace_peak_live_bytes", trace_peak);
    put_u64(f, "peak_rss_bytes", m->peak_rss);
    put_u64(f, "final_rss_bytes", m->final_rss);
    put_u64(f, "rss_baseline_bytes", m->rss_baseline > 0 ? (uint64_t)m->rss_baseline : 0);
    if (m->have_usable && m->usable_at_peak_live)
        put_f64(f, "frag_internal",
                (double)(m->usable_at_peak_live - m->peak_live) / (double)m->usable_at_peak_live);
    if (m->have_footprint && m->peak_footprint != UINT64_MAX) {
        put_u64(f, "peak_footprint_bytes", m->peak_footprint);
        if (m->final_footprint != UINT64_MAX)
            put_u64(f, "final_footprint_bytes", m->final_footprint);
        put_ratio_minus_one(f, "frag_jw3", m->peak_footprint, m->live_at_peak_footprint);
        put_ratio_minus_one(f, "frag_jw4", m->peak_footprint, m->peak_live);
        if (m->heap_bytes != UINT64_MAX)
            put_u64(f, "heap_bytes", m->heap_bytes);
        if (m->mmap_bytes != UINT64_MAX)
            put_u64(f, "mmap_bytes", m->mmap_bytes);
    }
    report_view(f, "peak", &m->view_peak);
    report_view(f, "final", &m->view_final);
    put_ratio_minus_one(f, "frag_jw3_rss", m->peak_rss, m->live_at_peak_rss);
    put_ratio_minus_one(f, "frag_jw4_rss", m->peak_rss, m->peak_live);
    if (m->have_smaps) {
        put_u64(f, "smaps_rss_bytes", m->smaps.rss);
        put_u64(f, "smaps_pss_bytes", m->smaps.pss);
        put_u64(f, "smaps_anonymous_bytes", m->smaps.anonymous);
        put_u64(f, "smaps_private_dirty_bytes", m->smaps.private_dirty);
    }
    /* t EVENT LIVE FOOTPRINT RSS TIME_S, "-" for an unknown footprint or an unpaced time. */
    for (size_t i = 0; i < m->n_samples; i++) {
        const struct replay_sample *s = &m->samples[i];
        char fp[24] = "-", time[32] = "-";
        if (s->footprint_bytes != UINT64_MAX)
            snprintf(fp, sizeof fp, "%llu", (unsigned long long)s->footprint_bytes);
        if (s->time_ns != UINT64_MAX)
            snprintf(time, sizeof time, "%.6f", (double)s->time_ns / 1e9);
        fprintf(f, "t %llu %llu %s %llu %s\n", (unsigned long long)s->event,
                (unsigned long long)s->live_bytes, fp, (unsigned long long)s->rss_bytes, time);
    }
}

/* Writes the failure line and ends the report. Returns WORKER_EXIT_FAILED. */
static int report_fail(FILE *f, const char *reason)
{
    fprintf(f, "fail %s\nend\n", reason);
    fflush(f);
    return WORKER_EXIT_FAILED;
}

/* A parsed (non-mmap'd) trace moves into an mmap'd table. Its heap copy stays allocated until
 * the pass is over (trace_release at the end), as do the trace's heap arrays of times: freed,
 * they would stay resident in a backend that keeps freed memory (tcmalloc's page heap,
 * jemalloc's dirty extents), inside the RSS baseline, and the replay would reuse them: its
 * RSS growth would come out short by their size (30 MB of times on a 3.7 M-event recording).
 * Allocated, they are in the baseline and out of the replay's reach. Returns 0 or -1. */
static int move_events_off_heap(struct trace *t, const struct trace_event **events, size_t *bytes)
{
    *bytes = 0;
    *events = t->events;
    if (!t->owned_events)
        return 0; /* mmap'd in place */
    *bytes = (size_t)t->n_events * sizeof(struct trace_event);
    struct trace_event *copy = os_table_alloc(*bytes);
    if (!copy)
        return -1;
    memcpy(copy, t->events, *bytes);
    *events = copy;
    return 0;
}

/* A paced pass's event times move into an mmap'd table like the events (the trace's heap
 * copies stay allocated: move_events_off_heap). *end_ns: the latest recorded thread exit (0
 * when none). Returns 0 or -1. */
static int move_times_off_heap(struct trace *t, int paced, uint64_t **times, size_t *bytes,
                               uint64_t *end_ns)
{
    *times = NULL;
    *bytes = 0;
    *end_ns = 0;
    if (paced && t->times) {
        *bytes = (size_t)t->n_events * sizeof **times;
        if (!(*times = os_table_alloc(*bytes)))
            return -1;
        memcpy(*times, t->times, *bytes);
        for (uint32_t k = 0; t->thread_exits && k < t->n_threads; k++)
            if (t->thread_exits[k] != TRACE_TIME_NONE && t->thread_exits[k] > *end_ns)
                *end_ns = t->thread_exits[k];
    }
    return 0;
}

static void report_pace(FILE *f, const struct replay *r)
{
    const struct pace *p = &r->pace;
    char name[32];
    pace_format(1.0 / p->inv_factor, name, sizeof name);
    fprintf(f, "s pace %s\n", name);
    put_u64(f, "pace_duration_ns", p->duration_ns);
    put_u64(f, "paced_wall_ns", p->elapsed_ns);
    put_u64(f, "pace_lag_max_ns", atomic_load(&p->lag_max));
    put_f64(f, "pace_lag_mean_ns",
            r->n_events ? (double)atomic_load(&p->lag_sum) / (double)r->n_events : 0);
}

/* Reports the figures of a pass that replayed to the end, then "end". Returns the worker's
 * exit status. */
static int report_pass(FILE *rep, enum replay_pass pass, const struct replay *r, uint32_t n_threads,
                       uint32_t window, int threaded)
{
    report_threads(rep, n_threads, threaded, window);
    switch (pass) {
    case REPLAY_THROUGHPUT:
        report_throughput(rep, r);
        break;
    case REPLAY_LATENCY:
        if (report_latency(rep, r))
            return report_fail(rep, "cannot map the merged histogram");
        break;
    case REPLAY_MEMORY:
        if (r->paced)
            report_pace(rep, r);
        report_memory(rep, r);
        break;
    case REPLAY_VERIFY:
        fprintf(rep, "s verified yes\n");
        break;
    }
    fprintf(rep, "end\n");
    return fflush(rep) ? WORKER_EXIT_FAILED : WORKER_EXIT_OK;
}

/* The trace as the pass replays it: events (and, paced, times) in mmap'd tables. */
struct loaded {
    struct trace t;
    const struct trace_event *events;
    size_t copy_bytes; /* of events when they were copied (0: mmap'd in place) */
    uint64_t *times, end_ns;
    size_t times_bytes;
};

/* Loads the trace and moves what the replay reads off the heap. Returns 0, or -1 with one
 * line in err (the trace is then released). */
static int load_trace(const struct worker_args *a, struct loaded *L, char *err, size_t err_len)
{
    struct trace_error terr;
    struct trace_load_options lopt = {.lenient = a->lenient};
    if (trace_load(a->trace, &lopt, &L->t, NULL, &terr)) {
        snprintf(err, err_len, "%s", terr.msg);
        return -1;
    }
    const char *why = NULL;
    if (a->pace > 0 && !L->t.times)
        why = "--pace needs a timed trace, and this one has no times";
    else if (move_times_off_heap(&L->t, a->pace > 0, &L->times, &L->times_bytes, &L->end_ns))
        why = "cannot map the time table";
    else if (move_events_off_heap(&L->t, &L->events, &L->copy_bytes))
        why = "cannot map the event table";
    if (!why)
        return 0;
    snprintf(err, err_len, "%s: %s", a->trace, why);
    trace_release(&L->t);
    return -1;
}

/* cfg.progress: a "p DONE TOTAL" line straight to the report fd (the report's FILE was
 * flushed before the pass): formatted on the stack, one write, nothing allocated. */
static void report_progress(void *fd, uint64_t done, uint64_t n_events)
{
    char line[64];
    int n = snprintf(line, sizeof line, "p %llu %llu\n", (unsigned long long)done,
                     (unsigned long long)n_events);
    if (n > 0 && write(*(const int *)fd, line, (size_t)n) < 0)
        return; /* progress is a courtesy: a failed write only loses a line */
}

static int run_pass(const struct worker_args *a, const struct worker_backend *wb, FILE *rep)
{
    char err[512];
    struct loaded L = {0};
    if (load_trace(a, &L, err, sizeof err))
        return report_fail(rep, err);
    struct trace t = L.t;
    const struct trace_event *events = L.events;

    /* The thread schedule is computed before the backend exists, like every harness table. A
     * trace on one thread number keeps the single-threaded pass. */
    struct replay_schedule sched = {0};
    if (a->threads && replay_schedule_build(&sched, events, t.n_events, t.n_ids, err, sizeof err))
        return report_fail(rep, err);
    const int threaded = sched.n_threads > 1;
    if (!threaded)
        replay_schedule_release(&sched);

    const struct allocator_ops *ops = wb->ops;
    if (threaded && check_thread_safe(ops, err, sizeof err))
        return report_fail(rep, err);
    err[0] = 0;
    void *ctx = ops->create(&wb->opt, err, sizeof err);
    if (!ctx)
        return report_fail(rep, err[0] ? err : "backend create failed");
    char config[1024];
    worker_backend_config(wb, ctx, config, sizeof config);

    struct replay_config cfg = {
        .pass = a->pass,
        .touch = a->touch,
        .rss_every = a->rss_every,
        .use_tsc = a->pass == REPLAY_LATENCY && !a->timer_clock && os_tsc_usable(),
        .tsc_hz = a->tsc_hz,
        .min_time_ns = a->pass == REPLAY_THROUGHPUT ? a->min_time_ms * 1000000u : 0,
        .window = a->window,
        .times = L.times,
        .pace = a->pace,
        .pace_end_ns = L.end_ns,
        .pace_grid_ns = a->rss_every_ms * 1000000u,
        .progress = report_progress,
        .progress_ctx = (void *)&a->report_fd,
    };
    /* The latency pass must not migrate between its timer reads (pinned before the timer's
     * overhead is calibrated in replay_init); a pinning failure (a restricted cpuset) only
     * costs accuracy, so it is not fatal. A threaded pass is not pinned: its threads share
     * the CPUs, and the TSC is invariant across them (os_tsc_usable). */
    if (a->pass == REPLAY_LATENCY && !threaded)
        (void)os_pin_to_current_cpu();
    struct replay r;
    if (replay_init(&r, events, t.n_events, t.n_ids, ops, ctx, &cfg, err, sizeof err)) {
        ops->destroy(ctx);
        return report_fail(rep, err);
    }

    fflush(rep); /* what is buffered goes before the progress lines */
    int rc = threaded ? replay_threads_run(&r, &sched, &wb->opt) : replay_run(&r);

    put_u64(rep, "events", r.n_events);
    if (config[0])
        fprintf(rep, "s config %s\n", config);
    rc = rc ? report_fail(rep, r.reason)
            : report_pass(rep, a->pass, &r, threaded ? sched.n_threads : 1, threaded ? a->window : 0,
                          threaded);
    /* Only after a clean replay are the remaining blocks handed back: a backend that just
     * failed verification may not survive more calls. */
    if (rc == WORKER_EXIT_OK) {
        replay_release(&r);
        ops->destroy(r.ctx); /* a threaded replay creates a new one for each process image */
    }
    replay_schedule_release(&sched);
    os_table_free((void *)(L.copy_bytes ? events : NULL), L.copy_bytes);
    os_table_free(L.times, L.times_bytes);
    trace_release(&t);
    return rc;
}

int main(int argc, char **argv)
{
    struct worker_args a = {.window = REPLAY_WINDOW_AUTO}; /* rows without a default */
    struct opt_parsed p;
    char err[512];
    if (opt_parse(&worker_command, argc, argv, &a, &p, err, sizeof err))
        return usage_error(err);
    if (p.help) {
        opt_print_help(&worker_command, stdout);
        return WORKER_EXIT_OK;
    }
    if (a.list)
        return list_backends();
    if (a.options)
        return worker_list_options();
    if (a.check)
        return check_backend(a.check, a.threads, argv);
    if (!a.trace || !a.backend || !opt_given(&worker_command, &p, "pass") ||
        !opt_given(&worker_command, &p, "report-fd"))
        return usage_error("--trace, --backend, --pass and --report-fd are required");
    if (a.pace > 0 && a.pass != REPLAY_MEMORY)
        return usage_error("--pace paces the memory pass only");
    os_disable_core_dumps();
    /* A paced replay's sleeps end when asked, not up to 50 us later (the default slack). */
    if (a.pace > 0)
        (void)os_timer_slack_min();
    /* Before anything is written: the setup may re-execute the worker. */
    struct worker_backend wb;
    int setup = worker_backend_setup(a.backend, argv, &wb, err, sizeof err);
    FILE *rep = fdopen(a.report_fd, "w");
    if (!rep) {
        snprintf(err, sizeof err, "cannot open the report fd: %s", strerror(errno));
        return usage_error(err);
    }
    fprintf(rep, "%s\n", WORKER_REPORT_MAGIC);
    int rc = setup ? report_fail(rep, err) : run_pass(&a, &wb, rep);
    fclose(rep);
    return rc;
}
