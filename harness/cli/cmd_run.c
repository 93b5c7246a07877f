/* allocreplay run: replay traces against backends and write a results directory (issue 4). */
#include "cli.h"
#include "util/csv.h"
#include "run/catalog.h"
#include "run/results.h"
#include "run/runner.h"
#include "run/spawn.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: allocreplay run TRACE... [-b BACKEND,...] [-n REPS] [--warmup N] [--latency]\n"
    "         [--no-memory] [--verify] [--touch] [--min-time MS] [--rss-every N] [--timeout S]\n"
    "         [--memory-limit BYTES] [--lenient] [--threads [--window W]] [-o DIR] [--format table|csv]\n"
    "\n"
    "  -b BACKEND,...     backends (default: every built-in one; `allocreplay backends` lists them)\n"
    "  -n REPS            repetitions per trace and backend (default 1)\n"
    "  --warmup N         unrecorded throughput runs before the first cell of each pair (default 0)\n"
    "  --latency          also run the latency pass (per-operation timing)\n"
    "  --no-memory        skip the memory pass (RSS, footprint, fragmentation)\n"
    "  --verify           also run the verify pass (fill and check every block)\n"
    "  --touch            timed passes write to new blocks too (cache effects included)\n"
    "  --min-time MS      throughput pass: replay the trace in loops for at least MS ms\n"
    "                     (default 20; 0 = one loop)\n"
    "  --rss-every N      memory pass: sample every N events (default 10000)\n"
    "  --timeout S        kill a worker after S seconds (default none)\n"
    "  --memory-limit B   address-space limit per worker, e.g. 2G (default none)\n"
    "  --lenient          drop bad trace events instead of refusing the trace\n"
    "  --threads          every pass: replay each trace thread on its own thread, alive\n"
    "                     from its first event to its last (thread-safe backends only)\n"
    "  --window W         with --threads: an event waits for the one W places before it\n"
    "                     in the recorded order; strict (= 1), free (per-object order\n"
    "                     only) or a count (default 16)\n"
    "  -o DIR             results directory (default results/run/YYYYmmdd-HHMMSS)\n"
    "  --format F         stdout: a summary table (default) or summary.csv\n";

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "allocreplay run: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (allocreplay run --help)\n");
    return 2;
}

static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* Bytes with an optional K, M, G or T suffix (powers of 1024). */
static int parse_bytes(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 0: break;
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: return -1;
    }
    if (*end && end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
        return -1;
    if (shift && v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

struct strv {
    char **v;
    size_t n, cap;
};

static int strv_push(struct strv *s, char *x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        char **grown = realloc(s->v, cap * sizeof *grown);
        if (!grown)
            return -1;
        s->v = grown;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

/* Splits a -b list of backend specs (catalog_split_specs) into owned strings. */
static int push_backends(struct strv *s, const char *list)
{
    char **v = NULL, err[512];
    size_t n = 0, i = 0;
    int rc = catalog_split_specs(list, &v, &n, err, sizeof err);
    if (rc)
        fprintf(stderr, "allocreplay run: %s\n", err);
    for (; i < n && !rc; i++)
        rc = strv_push(s, v[i]);
    for (; i < n; i++)
        free(v[i]);
    free(v);
    return rc;
}

/* The built-in backends (the plain worker's), in its order. */
static int default_backends(struct strv *s)
{
    char err[512];
    struct catalog cat;
    if (catalog_load(&cat, err, sizeof err)) {
        fprintf(stderr, "allocreplay run: cannot list the backends: %s\n", err);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < cat.n && !rc; i++) {
        char *x = cat.v[i].builtin ? strdup(cat.v[i].name) : NULL;
        if (cat.v[i].builtin && (!x || strv_push(s, x))) {
            free(x);
            rc = -1;
        }
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

/* ---- the summary table: medians over repetitions per (trace, backend) ---- */

struct group {
    char *trace, *backend;
    unsigned reps, ok;
    char *first_failure;
    double *v[6]; /* per shown numeric column, one value per ok rep */
    size_t nv[6];
};

static const char *const shown[6] = {"ns_per_event", "p50_ns", "p99_ns", "peak_live_bytes",
                                     "peak_rss_bytes", "frag_jw4"};

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    if (!n)
        return NAN;
    qsort(v, n, sizeof *v, compare_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void format_bytes(char *out, size_t len, double b)
{
    if (isnan(b))
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

static void format_num(char *out, size_t len, double v, const char *fmt)
{
    if (isnan(v))
        snprintf(out, len, "-");
    else
        snprintf(out, len, fmt, v);
}

/* Rows in the order the user named the backends, within each trace (summary.csv itself is in
 * cell-file order). */
static const char *const *order_backends;
static size_t order_n;

static size_t backend_rank(const char *b)
{
    for (size_t i = 0; i < order_n; i++)
        if (!strcmp(order_backends[i], b))
            return i;
    return order_n;
}

static int compare_groups(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    int t = strcmp(x->trace, y->trace);
    if (t)
        return t;
    size_t rx = backend_rank(x->backend), ry = backend_rank(y->backend);
    return (rx > ry) - (rx < ry);
}

static int print_table(const char *dir, const char *const *backends, size_t n_backends)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    char *text = csv_slurp(path, NULL);
    if (!text) {
        fprintf(stderr, "allocreplay run: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct csv_row header = {0}, row = {0};
    const char *cur = text;
    struct group *g = NULL;
    size_t ng = 0;
    int rc = -1;
    if (csv_parse_row(&cur, &header) != 1)
        goto out;
    int c_trace = csv_column(&header, "trace"), c_backend = csv_column(&header, "backend"),
        c_status = csv_column(&header, "status"), c_col[6];
    for (int i = 0; i < 6; i++)
        c_col[i] = csv_column(&header, shown[i]);
    if (c_trace < 0 || c_backend < 0 || c_status < 0)
        goto out;
    while (csv_parse_row(&cur, &row) == 1) {
        if (row.n < header.n)
            continue;
        size_t k;
        for (k = 0; k < ng; k++)
            if (!strcmp(g[k].trace, row.field[c_trace]) && !strcmp(g[k].backend, row.field[c_backend]))
                break;
        if (k == ng) {
            struct group *grown = realloc(g, (ng + 1) * sizeof *g);
            if (!grown)
                goto out;
            g = grown;
            memset(&g[ng], 0, sizeof g[ng]);
            g[ng].trace = strdup(row.field[c_trace]);
            g[ng].backend = strdup(row.field[c_backend]);
            ng++;
        }
        struct group *x = &g[k];
        x->reps++;
        if (strcmp(row.field[c_status], "ok")) {
            if (!x->first_failure)
                x->first_failure = strdup(row.field[c_status]);
            continue;
        }
        x->ok++;
        for (int i = 0; i < 6; i++) {
            if (c_col[i] < 0 || !row.field[c_col[i]][0])
                continue;
            double *grown = realloc(x->v[i], (x->nv[i] + 1) * sizeof *grown);
            if (!grown)
                goto out;
            x->v[i] = grown;
            x->v[i][x->nv[i]++] = strtod(row.field[c_col[i]], NULL);
        }
    }
    order_backends = backends;
    order_n = n_backends;
    if (ng)
        qsort(g, ng, sizeof *g, compare_groups);
    /* The backend column is as wide as its longest label, up to 40 (cli_fit shortens the rest). */
    int bw = 12;
    for (size_t k = 0; k < ng; k++)
        if ((int)strlen(g[k].backend) > bw)
            bw = (int)strlen(g[k].backend) > 40 ? 40 : (int)strlen(g[k].backend);
    printf("%-20s %-*s %5s %10s %10s %10s %10s %11s %11s %8s  %s\n", "trace", bw, "backend", "ok",
           "ns/event", "Mevents/s", "p50 ns", "p99 ns", "peak live", "peak RSS", "JW#4", "status");
    for (size_t k = 0; k < ng; k++) {
        struct group *x = &g[k];
        double m[6];
        for (int i = 0; i < 6; i++)
            m[i] = median(x->v[i], x->nv[i]);
        char okf[16], nspe[32], mev[32], p50[32], p99[32], live[32], rss[32], jw[32];
        snprintf(okf, sizeof okf, "%u/%u", x->ok, x->reps);
        format_num(nspe, sizeof nspe, m[0], "%.2f");
        format_num(mev, sizeof mev, isnan(m[0]) || m[0] <= 0 ? NAN : 1e3 / m[0], "%.1f");
        format_num(p50, sizeof p50, m[1], "%.0f");
        format_num(p99, sizeof p99, m[2], "%.0f");
        format_bytes(live, sizeof live, m[3]);
        format_bytes(rss, sizeof rss, m[4]);
        format_num(jw, sizeof jw, m[5], "%.3f");
        char label[64];
        printf("%-20s %-*s %5s %10s %10s %10s %10s %11s %11s %8s  %s\n", x->trace, bw,
               cli_fit(label, sizeof label, x->backend, (size_t)bw), okf, nspe, mev, p50, p99,
               live, rss, jw, x->first_failure ? x->first_failure : "ok");
    }
    printf("(medians over ok repetitions; all figures in %s/summary.csv)\n", dir);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "allocreplay run: %s: unreadable summary\n", path);
    for (size_t k = 0; k < ng; k++) {
        free(g[k].trace);
        free(g[k].backend);
        free(g[k].first_failure);
        for (int i = 0; i < 6; i++)
            free(g[k].v[i]);
    }
    free(g);
    csv_row_free(&header);
    csv_row_free(&row);
    free(text);
    return rc;
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

int cmd_run(int argc, char **argv)
{
    struct strv traces = {0}, backends = {0};
    struct run_plan plan = {.name = "run", .repetitions = 1, .opt = {.memory = 1, .min_time_ms = RUN_DEFAULT_MIN_TIME_MS}};
    const char *format = "table";
    char default_dir[64], summary[4096];
    uint64_t n;
    int rc = 2;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            rc = 0;
            goto out;
        } else if (!strcmp(a, "--latency")) {
            plan.opt.latency = 1;
        } else if (!strcmp(a, "--no-memory")) {
            plan.opt.memory = 0;
        } else if (!strcmp(a, "--verify")) {
            plan.opt.verify = 1;
        } else if (!strcmp(a, "--touch")) {
            plan.opt.touch = 1;
        } else if (!strcmp(a, "--lenient")) {
            plan.opt.lenient = 1;
        } else if (!strcmp(a, "--threads")) {
            plan.opt.threads = 1;
        } else if (!strcmp(a, "--window")) {
            if (!v || run_window_parse(v, &plan.opt.window)) {
                rc = bad_usage("bad --window '%s' (strict, free or a count of events >= 1)",
                               v ? v : "");
                goto out;
            }
            plan.opt.window_set = 1, i++;
        } else if (!strcmp(a, "-b") || !strcmp(a, "--backend")) {
            if (!v) {
                rc = bad_usage("%s needs a list of backends", a);
                goto out;
            }
            if (push_backends(&backends, v))
                goto out;
            i++;
        } else if (!strcmp(a, "-n") || !strcmp(a, "--repetitions")) {
            if (parse_count(v, &n) || n < 1 || n > 100000) {
                rc = bad_usage("bad repetition count '%s'", v ? v : "");
                goto out;
            }
            plan.repetitions = (unsigned)n, i++;
        } else if (!strcmp(a, "--warmup")) {
            if (parse_count(v, &n) || n > 1000) {
                rc = bad_usage("bad warm-up count '%s'", v ? v : "");
                goto out;
            }
            plan.warmup = (unsigned)n, i++;
        } else if (!strcmp(a, "--rss-every")) {
            if (parse_count(v, &n) || n < 1) {
                rc = bad_usage("bad --rss-every '%s'", v ? v : "");
                goto out;
            }
            plan.opt.rss_every = n, i++;
        } else if (!strcmp(a, "--min-time")) {
            if (parse_count(v, &n) || n > 3600 * 1000) {
                rc = bad_usage("bad --min-time '%s' (milliseconds)", v ? v : "");
                goto out;
            }
            plan.opt.min_time_ms = n, i++;
        } else if (!strcmp(a, "--timeout")) {
            if (parse_count(v, &n) || n > 86400 * 30) {
                rc = bad_usage("bad --timeout '%s'", v ? v : "");
                goto out;
            }
            plan.opt.timeout_s = (unsigned)n, i++;
        } else if (!strcmp(a, "--memory-limit")) {
            if (parse_bytes(v, &n) || n < 1) {
                rc = bad_usage("bad --memory-limit '%s'", v ? v : "");
                goto out;
            }
            plan.opt.memory_limit = n, i++;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!v) {
                rc = bad_usage("%s needs a directory", a);
                goto out;
            }
            plan.out_dir = v, i++;
        } else if (!strcmp(a, "--format")) {
            if (!v || (strcmp(v, "table") && strcmp(v, "csv"))) {
                rc = bad_usage("--format is table or csv, not '%s'", v ? v : "");
                goto out;
            }
            format = v, i++;
        } else if (a[0] == '-' && a[1]) {
            rc = bad_usage("unknown option '%s'", a);
            goto out;
        } else {
            char *t = strdup(a);
            if (!t || strv_push(&traces, t)) {
                free(t);
                goto out;
            }
        }
    }
    if (!traces.n) {
        rc = bad_usage("%s", "no trace given");
        goto out;
    }
    for (size_t i = 0; i < traces.n; i++)
        if (access(traces.v[i], R_OK)) {
            fprintf(stderr, "allocreplay run: %s: %s\n", traces.v[i], strerror(errno));
            goto out;
        }
    if (!backends.n && default_backends(&backends))
        goto out;
    if (!plan.out_dir) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(default_dir, sizeof default_dir, "results/run/%Y%m%d-%H%M%S", &tm);
        plan.out_dir = default_dir;
    }
    plan.traces = (const char *const *)traces.v;
    plan.n_traces = traces.n;
    plan.backends = (const char *const *)backends.v;
    plan.n_backends = backends.n;

    rc = runner_execute(&plan, isatty(2) ? progress_bar : NULL, NULL);
    /* rc 1 is also a run that ended early (its results could not be written): then there is
     * no summary.csv to print, and the runner has said why. */
    snprintf(summary, sizeof summary, "%s/summary.csv", plan.out_dir);
    if (rc == 0 || (rc == 1 && access(summary, F_OK) == 0)) {
        int printed = !strcmp(format, "csv") ? print_csv(plan.out_dir) : print_table(plan.out_dir, plan.backends, plan.n_backends);
        if (printed && rc == 0)
            rc = 1;
    }
out:
    for (size_t i = 0; i < traces.n; i++)
        free(traces.v[i]);
    for (size_t i = 0; i < backends.n; i++)
        free(backends.v[i]);
    free(traces.v);
    free(backends.v);
    return rc;
}
