/* allocreplay run: replay traces against backends and write a results directory (issue 4). */
#include "campaign/aggregate.h"
#include "campaign/verdict.h"
#include "cli.h"
#include "util/json.h"
#include "util/csv.h"
#include "run/catalog.h"
#include "run/results.h"
#include "run/runner.h"
#include "run/spawn.h"
#include "replay/replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STR_(x) #x
#define STR(x) STR_(x)

struct run_args {
    struct run_plan plan;
    struct opt_list backends;
    int format; /* index in formats[] */
    double threshold_pct; /* the verdict's */
};

static const char *const formats[] = {"table", "csv", "json", NULL};
enum { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON };

/* -b: a list of backend specs (catalog_split_specs), appended to an opt_list. */
static int parse_backends(const char *v, void *dest, char *why, size_t why_len)
{
    struct opt_list *l = dest;
    char **specs = NULL;
    size_t n = 0, i = 0;
    int rc = catalog_split_specs(v, &specs, &n, why, why_len);
    for (; i < n && !rc; i++)
        if ((rc = opt_list_push(l, specs[i], strlen(specs[i]))))
            snprintf(why, why_len, "out of memory");
    for (i = 0; i < n; i++)
        free(specs[i]);
    free(specs);
    return rc;
}

/* --pace recorded|Nx into run_options.pace. */
static int parse_pace(const char *v, void *dest, char *why, size_t why_len)
{
    if (run_pace_parse(v, dest)) {
        snprintf(why, why_len, "recorded or a speed factor such as 10x or 0.5x");
        return -1;
    }
    return 0;
}

/* --window W into run_options (window and window_set). */
static int parse_window(const char *v, void *dest, char *why, size_t why_len)
{
    struct run_options *o = dest;
    if (run_window_parse(v, &o->window)) {
        snprintf(why, why_len, "auto, strict, free or a count of events >= 1");
        return -1;
    }
    o->window_set = 1;
    return 0;
}

static const struct opt_row rows[] = {
    {"backend", 'b', OPT_CUSTOM, OPT_AT(struct run_args, backends), .parse = parse_backends,
     .metavar = "BACKEND,...",
     .help = "backend specs, NAME or NAME:key=value,... (default: every built-in one;\n"
             "`allocreplay backends` lists them, `allocreplay backends --options` their keys)"},
    {"repetitions", 'n', OPT_U64, OPT_AT(struct run_args, plan.repetitions), .min = 1,
     .max = 100000, .def = "1", .metavar = "REPS", .what = "repetition count",
     .help = "repetitions per trace and backend"},
    {"warmup", 0, OPT_U64, OPT_AT(struct run_args, plan.warmup), .max = 1000, .def = "0",
     .metavar = "N", .what = "warm-up count",
     .help = "unrecorded throughput runs before the first cell of each pair"},
    {"latency", 0, OPT_FLAG, OPT_AT(struct run_args, plan.opt.latency),
     .help = "also run the latency pass (per-operation timing)"},
    {"no-memory", 0, OPT_CLEAR, OPT_AT(struct run_args, plan.opt.memory), .def = "1",
     .help = "skip the memory pass (RSS, footprint, fragmentation)"},
    {"verify", 0, OPT_FLAG, OPT_AT(struct run_args, plan.opt.verify),
     .help = "also run the verify pass (fill and check every block)"},
    {"touch", 0, OPT_FLAG, OPT_AT(struct run_args, plan.opt.touch),
     .help = "timed passes write to new blocks too (cache effects included)"},
    {"min-time", 0, OPT_U64, OPT_AT(struct run_args, plan.opt.min_time_ms), .max = 3600 * 1000,
     .def = STR(RUN_DEFAULT_MIN_TIME_MS), .metavar = "MS",
     .help = "throughput pass: replay the trace in loops for at least MS ms;\n0 = one loop"},
    {"rss-every", 0, OPT_U64, OPT_AT(struct run_args, plan.opt.rss_every), .min = 1,
     .def = STR(REPLAY_DEFAULT_RSS_EVERY), .metavar = "N",
     .help = "memory pass: sample every N events"},
    {"timeout", 0, OPT_U64, OPT_AT(struct run_args, plan.opt.timeout_s), .max = 86400 * 30,
     .metavar = "S", .help = "kill a worker after S seconds (default none)"},
    {"memory-limit", 0, OPT_BYTES, OPT_AT(struct run_args, plan.opt.memory_limit), .min = 1,
     .metavar = "BYTES", .help = "address-space limit per worker, e.g. 2G (default none)"},
    {"lenient", 0, OPT_FLAG, OPT_AT(struct run_args, plan.opt.lenient),
     .help = "drop bad trace events instead of refusing the trace"},
    {"threads", 0, OPT_FLAG, OPT_AT(struct run_args, plan.opt.threads),
     .help = "every pass: replay each trace thread on its own thread, alive\n"
             "from its first event to its last (thread-safe backends only)"},
    {"window", 0, OPT_CUSTOM, OPT_AT(struct run_args, plan.opt), .parse = parse_window,
     .metavar = "W",
     .help = "with --threads: an event waits for every event W or more places\n"
             "before it in the recorded order; strict (= 1), free (per-object\n"
             "order only), or auto (default: live bytes within 1% of the\n"
             "trace's peak, which is reached exactly)"},
    {"pace", 0, OPT_CUSTOM, OPT_AT(struct run_args, plan.opt.pace), .parse = parse_pace,
     .metavar = "recorded|Nx",
     .help = "memory pass: keep the recorded idle time between events (timed\n"
             "traces only), at N times the recorded speed; the timeline then\n"
             "has seconds too (throughput and latency stay unpaced)"},
    {"rss-every-ms", 0, OPT_U64, OPT_AT(struct run_args, plan.opt.rss_every_ms), .min = 1,
     .max = 86400 * 1000, .metavar = "MS",
     .help = "with --pace: also sample every MS ms (default: the paced\n"
             "duration / 1000, at least 1 ms)"},
    {"output", 'o', OPT_STRING, OPT_AT(struct run_args, plan.out_dir), .metavar = "DIR",
     .help = "results directory (default results/run/YYYYmmdd-HHMMSS)"},
    {"threshold", 0, OPT_DOUBLE, OPT_AT(struct run_args, threshold_pct), .dmin = 0, .dmax = 100000,
     .def = "3", .metavar = "PCT",
     .help = "the verdict calls a lead only when it is at least PCT% of the\nbest's median (and "
             "significant)"},
    {"format", 0, OPT_ENUM, OPT_AT(struct run_args, format), .choices = formats, .def = "table",
     .metavar = "table|csv|json",
     .help = "stdout: a summary table with a verdict, summary.csv, or JSON\n(docs/json.md)"},
};

const struct opt_command run_command = {
    .prog = "allocreplay run",
    .positional = "TRACE...",
    .min_pos = 1,
    .max_pos = -1,
    .summary = "Replays traces against backends into a results directory; a table and a verdict.",
    OPT_ROWS(rows),
};

/* The built-in backends (the plain worker's), in its order. */
static int default_backends(struct opt_list *s)
{
    char err[512];
    struct catalog cat;
    if (catalog_load(&cat, err, sizeof err)) {
        fprintf(stderr, "allocreplay run: cannot list the backends: %s\n", err);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < cat.n && !rc; i++) {
        if (cat.v[i].builtin)
            rc = opt_list_push(s, cat.v[i].name, strlen(cat.v[i].name));
    }
    catalog_free(&cat);
    return rc;
}

static void progress_bar(void *user, const struct cell_progress *p)
{
    (void)user;
    if (!p->done) /* the start of the run: nothing finished to show yet */
        return;
    fprintf(stderr, "\r\033[K[%zu/%zu] %s / %s / rep %u: %s", p->done, p->total, p->trace,
            p->backend, p->rep, p->status ? p->status : "");
    if (p->done == p->total)
        fputc('\n', stderr);
    fflush(stderr);
}

/* ---- the summary table: per (trace, backend), the medians of aggregate.csv ---- */

static void format_bytes(char *out, size_t len, const struct agg_stat *st)
{
    double b = st->median;
    if (!st->present)
        snprintf(out, len, "-");
    else if (b >= 1024.0 * 1024 * 1024)
        snprintf(out, len, "%.2f GiB", b / (1024.0 * 1024 * 1024));
    else if (b >= 1024.0 * 1024)
        snprintf(out, len, "%.1f MiB", b / (1024.0 * 1024));
    else if (b >= 1024)
        snprintf(out, len, "%.1f KiB", b / 1024);
    else
        snprintf(out, len, "%.0f B", b);
}

static void format_num(char *out, size_t len, const struct agg_stat *st, double scale,
                       const char *fmt)
{
    if (!st->present)
        snprintf(out, len, "-");
    else
        snprintf(out, len, fmt, st->median * scale);
}

/* Rows in the order the user named the backends, within each trace (summary.csv itself is in
 * cell-file order). */
static const struct run_plan *order_plan;

static size_t backend_rank(const char *b)
{
    size_t i = 0;
    while (i < order_plan->n_backends && strcmp(order_plan->backends[i], b))
        i++;
    return i;
}

static int compare_groups(const void *a, const void *b)
{
    const struct agg_group *x = *(const struct agg_group *const *)a;
    const struct agg_group *y = *(const struct agg_group *const *)b;
    int t = strcmp(x->trace, y->trace);
    if (t)
        return t;
    size_t rx = backend_rank(x->backend), ry = backend_rank(y->backend);
    return (rx > ry) - (rx < ry);
}

static void print_row(const struct agg_group *g, int bw)
{
    const struct agg_stat *st = g->stat;
    const struct agg_stat *npe = &st[AGG_COL_ns_per_event];
    char okf[48], nspe[32], mev[32], p50[32], p99[32], live[32], rss[32], jw[32], label[64];
    snprintf(okf, sizeof okf, "%zu/%zu", g->n_ok, g->n_ok + g->n_failed);
    format_num(nspe, sizeof nspe, npe, 1, "%.2f");
    if (npe->present && npe->median > 0)
        snprintf(mev, sizeof mev, "%.1f", 1e3 / npe->median);
    else
        snprintf(mev, sizeof mev, "-");
    format_num(p50, sizeof p50, &st[AGG_COL_p50_ns], 1, "%.0f");
    format_num(p99, sizeof p99, &st[AGG_COL_p99_ns], 1, "%.0f");
    format_bytes(live, sizeof live, &st[AGG_COL_peak_live_bytes]);
    format_bytes(rss, sizeof rss, &st[AGG_COL_peak_rss_bytes]);
    format_num(jw, sizeof jw, &st[AGG_COL_frag_jw4], 1, "%.3f");
    printf("%-20s %-*s %5s %10s %10s %10s %10s %11s %11s %8s  %s\n", g->trace, bw,
           cli_fit(label, sizeof label, g->backend, (size_t)bw), okf, nspe, mev, p50, p99, live,
           rss, jw, g->first_failure ? g->first_failure : "ok");
}

/* The table, then what it is made of: medians only when there was more than one repetition;
 * then the verdict. */
static int print_table(const struct aggregate *a, const struct run_plan *plan)
{
    const struct agg_group **g = malloc((a->n_groups + 1) * sizeof *g);
    size_t most = 0;
    if (!g)
        return -1;
    int bw = 12; /* as wide as the longest backend label, up to 40 (cli_fit shortens) */
    for (size_t k = 0; k < a->n_groups; k++) {
        g[k] = &a->group[k];
        int w = (int)strlen(g[k]->backend);
        bw = w > bw ? (w > 40 ? 40 : w) : bw;
        most = g[k]->n_ok > most ? g[k]->n_ok : most;
    }
    order_plan = plan;
    qsort(g, a->n_groups, sizeof *g, compare_groups);
    printf("%-20s %-*s %5s %10s %10s %10s %10s %11s %11s %8s  %s\n", "trace", bw, "backend", "ok",
           "ns/event", "Mevents/s", "p50 ns", "p99 ns", "peak live", "peak RSS", "JW#4", "status");
    for (size_t k = 0; k < a->n_groups; k++)
        print_row(g[k], bw);
    free(g);
    if (most > 1)
        printf("(medians over the ok repetitions; all figures in %s/summary.csv)\n",
               plan->out_dir);
    else
        printf("(one repetition: single measurements, not medians; -n 5 for medians and a "
               "verdict; all figures in %s/summary.csv)\n", plan->out_dir);
    return 0;
}

static int print_csv(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    size_t len;
    char *text = csv_slurp(path, &len);
    if (!text) {
        fprintf(stderr, "allocreplay run: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fwrite(text, 1, len, stdout);
    free(text);
    return 0;
}

static int print_json(const struct aggregate *agg, const struct verdict *v, const char *dir)
{
    struct json j;
    json_init(&j, stdout);
    json_object_begin(&j);
    json_key(&j, "results_dir");
    json_string(&j, dir);
    json_key(&j, "groups");
    aggregate_json(&j, agg);
    json_key(&j, "threshold_pct");
    json_number(&j, 100 * v->threshold);
    json_key(&j, "verdict");
    verdict_json(&j, v);
    json_object_end(&j);
    return json_finish(&j);
}

/* stdout after the run: summary.csv as is, or the table and the verdict, or JSON. */
static int print_results(const struct run_args *a)
{
    const char *dir = a->plan.out_dir;
    struct aggregate agg;
    struct verdict v;
    char err[1024];
    if (a->format == FORMAT_CSV)
        return print_csv(dir);
    if (aggregate_load(&agg, dir, err, sizeof err)) {
        fprintf(stderr, "allocreplay run: %s\n", err);
        return -1;
    }
    int rc = verdict_compute(&v, &agg, a->threshold_pct / 100);
    if (rc) {
        fprintf(stderr, "allocreplay run: out of memory\n");
    } else if (a->format == FORMAT_JSON) {
        rc = print_json(&agg, &v, dir);
    } else if (!(rc = print_table(&agg, &a->plan))) {
        verdict_print(stdout, &v);
    }
    verdict_free(&v);
    aggregate_free(&agg);
    return rc;
}

/* The checks and defaults after parsing: readable traces, the backends, the directory. 0 or
 * the exit status. */
static int complete_plan(struct run_args *a, char **traces, int n_traces, char *dir, size_t len)
{
    for (int i = 0; i < n_traces; i++)
        if (access(traces[i], R_OK)) {
            fprintf(stderr, "allocreplay run: %s: %s\n", traces[i], strerror(errno));
            return 2;
        }
    if (!a->backends.n && default_backends(&a->backends))
        return 2;
    if (!a->plan.out_dir) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(dir, len, "results/run/%Y%m%d-%H%M%S", &tm);
        a->plan.out_dir = dir;
    }
    a->plan.name = "run";
    a->plan.traces = (const char *const *)traces;
    a->plan.n_traces = (size_t)n_traces;
    a->plan.backends = (const char *const *)a->backends.v;
    a->plan.n_backends = a->backends.n;
    return 0;
}

int cmd_run(int argc, char **argv)
{
    struct run_args a = {0};
    struct opt_parsed p;
    char default_dir[64], summary[4096];
    int rc = cli_parse(&run_command, argc, argv, &a, &p);
    if (rc >= 0 || (rc = complete_plan(&a, p.pos, p.n_pos, default_dir, sizeof default_dir)))
        goto out;

    rc = runner_execute(&a.plan, isatty(2) ? progress_bar : NULL, NULL);
    /* rc 1 is also a run that ended early (its results could not be written): then there is
     * no summary.csv to print, and the runner has said why. */
    snprintf(summary, sizeof summary, "%s/summary.csv", a.plan.out_dir);
    if (rc == 0 || (rc == 1 && access(summary, F_OK) == 0)) {
        if (print_results(&a) && rc == 0)
            rc = 1;
    }
out:
    opt_list_free(&a.backends);
    return rc;
}
