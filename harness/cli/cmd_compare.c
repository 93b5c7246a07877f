/* allocreplay compare A B [--threshold PCT] [--csv OUT] [--format table|json]: for every
 * (trace, backend) in both results directories and each of ns/event, p99 and peak RSS, the
 * effect of B against A (the Hodges-Lehmann shift with its confidence interval, as a
 * percentage of A's median), the Mann-Whitney p, and a call that needs both significance and
 * a difference of at least the threshold (campaign/stats.h; docs/campaigns.md). */
#include "campaign/aggregate.h"
#include "campaign/stats.h"
#include "cli.h"
#include "util/atomic_file.h"
#include "util/csv.h"
#include "util/json.h"
#include "util/number.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    int col;
    const char *label;           /* table heading */
    const char *lower, *higher;  /* verdict words for B below / above A */
} metrics[] = {
    {AGG_COL_ns_per_event, "ns/event", "faster", "slower"},
    {AGG_COL_p99_ns, "p99", "lower p99", "higher p99"},
    {AGG_COL_peak_rss_bytes, "peak RSS", "smaller", "larger"},
};
#define N_METRICS (sizeof metrics / sizeof metrics[0])

/* One (trace, backend, metric) present in both directories. */
struct line {
    const struct agg_group *ga, *gb;
    size_t m;
    int measured; /* both sides have values and the effect was computed */
    struct stats_effect e;
    char verdict[64];
};

static void judge(struct line *l, double threshold)
{
    const struct agg_samples *a = &l->ga->samples[metrics[l->m].col];
    const struct agg_samples *b = &l->gb->samples[metrics[l->m].col];
    const char *v = "not measured";
    if (a->n && b->n) {
        if (stats_effect(a->v, a->n, b->v, b->n, threshold, &l->e))
            v = "too many repetitions or out of memory";
        else
            l->measured = 1;
    }
    if (l->measured) {
        static const char *const words[] = {
            [STATS_TOO_FEW] = "too few repetitions",
            [STATS_NOT_SIGNIFICANT] = "no significant difference",
            [STATS_BELOW_THRESHOLD] = "below the threshold",
        };
        v = l->e.call == STATS_B_LOWER    ? metrics[l->m].lower
            : l->e.call == STATS_B_HIGHER ? metrics[l->m].higher
                                          : words[l->e.call];
    }
    snprintf(l->verdict, sizeof l->verdict, "%s", v);
}

/* Every common (trace, backend, metric), in A's order. Returns the count, or -1 (no memory). */
static long collect(const struct aggregate *A, const struct aggregate *B, double threshold,
                    struct line **out)
{
    struct line *v = calloc(A->n_groups * N_METRICS + 1, sizeof *v);
    size_t n = 0;
    if (!v)
        return -1;
    for (size_t i = 0; i < A->n_groups; i++) {
        const struct agg_group *gb = aggregate_find(B, A->group[i].trace, A->group[i].backend);
        for (size_t m = 0; gb && m < N_METRICS; m++) {
            v[n] = (struct line){.ga = &A->group[i], .gb = gb, .m = m};
            judge(&v[n++], threshold);
        }
    }
    *out = v;
    return (long)n;
}

/* The machine-readable fields of a line, shared by the CSV and the JSON (docs/json.md). */
enum { F_TRACE, F_BACKEND, F_METRIC, F_N_A, F_N_B, F_MEDIAN_A, F_MEDIAN_B, F_RATIO, F_SHIFT,
       F_SHIFT_LO, F_SHIFT_HI, F_CHANGE, F_CHANGE_LO, F_CHANGE_HI, F_P, F_CALL, F_VERDICT,
       N_FIELDS };
static const char *const field_names[N_FIELDS] = {
    "trace", "backend", "metric", "n_a", "n_b", "median_a", "median_b", "ratio", "shift",
    "shift_lo", "shift_hi", "change_pct", "change_lo_pct", "change_hi_pct", "p", "call",
    "verdict"};

struct field {
    const char *s; /* a text field, or NULL for the number d (NAN: empty / null) */
    double d;
};

static void line_fields(const struct line *l, struct field f[N_FIELDS])
{
    const struct stats_effect *e = &l->e;
    int ok = l->measured;
    for (int i = 0; i < N_FIELDS; i++)
        f[i] = (struct field){NULL, NAN};
    f[F_TRACE].s = l->ga->trace;
    f[F_BACKEND].s = l->ga->backend;
    f[F_METRIC].s = aggregate_column_name(metrics[l->m].col);
    f[F_N_A].d = (double)l->ga->n_ok;
    f[F_N_B].d = (double)l->gb->n_ok;
    if (ok) {
        f[F_MEDIAN_A].d = e->median_a;
        f[F_MEDIAN_B].d = e->median_b;
        f[F_RATIO].d = e->median_a != 0 ? e->median_b / e->median_a : NAN;
        f[F_SHIFT].d = e->shift;
        f[F_SHIFT_LO].d = e->lo;
        f[F_SHIFT_HI].d = e->hi;
        f[F_CHANGE].d = 100 * e->rel;
        f[F_CHANGE_LO].d = 100 * e->rel_lo;
        f[F_CHANGE_HI].d = 100 * e->rel_hi;
        f[F_P].d = e->mw.p;
    }
    f[F_CALL].s = ok ? stats_call_name(e->call) : "not-measured";
    f[F_VERDICT].s = l->verdict;
}

static int write_csv(const char *path, const struct line *v, size_t n, char *err, size_t len)
{
    struct atomic_file af;
    if (atomic_file_open(&af, path, err, len))
        return -1;
    csv_write_row(af.f, field_names, N_FIELDS);
    for (size_t k = 0; k < n; k++) {
        struct field f[N_FIELDS];
        line_fields(&v[k], f);
        for (int i = 0; i < N_FIELDS; i++) {
            char num[NUMBER_BUF];
            if (!f[i].s)
                number_format(num, sizeof num, f[i].d);
            csv_write_field(af.f, f[i].s ? f[i].s : num, i == 0);
        }
        csv_end_row(af.f);
    }
    return atomic_file_commit(&af, err, len);
}

static int print_json(const char *const dirs[2], double threshold, const struct line *v, size_t n)
{
    struct json j;
    json_init(&j, stdout);
    json_object_begin(&j);
    json_key(&j, "a");
    json_string(&j, dirs[0]);
    json_key(&j, "b");
    json_string(&j, dirs[1]);
    json_key(&j, "alpha");
    json_number(&j, STATS_ALPHA);
    json_key(&j, "threshold_pct");
    json_number(&j, 100 * threshold);
    json_key(&j, "comparisons");
    json_array_begin(&j);
    for (size_t k = 0; k < n; k++) {
        struct field f[N_FIELDS];
        line_fields(&v[k], f);
        json_object_begin(&j);
        for (int i = 0; i < N_FIELDS; i++) {
            json_key(&j, field_names[i]);
            if (f[i].s)
                json_string(&j, f[i].s);
            else
                json_number(&j, f[i].d);
        }
        json_object_end(&j);
    }
    json_array_end(&j);
    json_object_end(&j);
    return json_finish(&j);
}

/* A median for the table: whole numbers exactly, others with 2 decimals. */
static const char *table_number(char *buf, size_t len, double v)
{
    if (v == floor(v))
        number_format(buf, len, v);
    else
        snprintf(buf, len, "%.2f", v);
    return buf;
}

static void print_line(const struct line *l, int bw)
{
    const struct stats_effect *e = &l->e;
    char label[64], reps[32], ma[NUMBER_BUF] = "-", mb[NUMBER_BUF] = "-", change[32] = "-",
         ci[48] = "-", p[16] = "-";
    snprintf(reps, sizeof reps, "%zu/%zu", l->ga->n_ok, l->gb->n_ok);
    if (l->measured) {
        table_number(ma, sizeof ma, e->median_a);
        table_number(mb, sizeof mb, e->median_b);
        if (!isnan(e->rel))
            snprintf(change, sizeof change, "%+.1f%%", 100 * e->rel);
        if (!isnan(e->rel_lo))
            snprintf(ci, sizeof ci, "[%+.1f%%, %+.1f%%]", 100 * e->rel_lo, 100 * e->rel_hi);
        snprintf(p, sizeof p, "%.2g", e->mw.p);
    }
    printf("%-24s %-*s %-9s %5s %12s %12s %8s %-19s %7s  %s\n", l->ga->trace, bw,
           cli_fit(label, sizeof label, l->ga->backend, (size_t)bw), metrics[l->m].label, reps,
           ma, mb, change, ci, p, l->verdict);
}

static void print_table(const char *const dirs[2], double threshold, const struct line *v,
                        size_t n)
{
    printf("B against A (A = %s, B = %s)\n", dirs[0], dirs[1]);
    printf("change: the Hodges-Lehmann shift of B - A as a percentage of A's median, with its "
           "95%% confidence interval;\na difference is called when the two-sided Mann-Whitney "
           "p < %.2f and it is at least %g%% (--threshold)\n", STATS_ALPHA, 100 * threshold);
    if (!n) {
        printf("no (trace, backend) pair is present in both directories\n");
        return;
    }
    /* The backend column fits the longest label, up to 40 (cli_fit shortens the rest). */
    int bw = 10;
    for (size_t k = 0; k < n; k++) {
        int w = (int)strlen(v[k].ga->backend);
        bw = w > bw ? (w > 40 ? 40 : w) : bw;
    }
    printf("%-24s %-*s %-9s %5s %12s %12s %8s %-19s %7s  %s\n", "trace", bw, "backend", "metric",
           "reps", "median A", "median B", "change", "95% CI", "p", "verdict");
    for (size_t k = 0; k < n; k++)
        print_line(&v[k], bw);
}

struct args {
    const char *csv;
    double threshold_pct;
    int format; /* index in formats[] */
};

static const char *const formats[] = {"table", "json", NULL};

static const struct opt_row rows[] = {
    {"threshold", 0, OPT_DOUBLE, OPT_AT(struct args, threshold_pct), .dmin = 0, .dmax = 100000,
     .def = "3", .metavar = "PCT",
     .help = "smallest difference called, in percent of A's median"},
    {"csv", 0, OPT_STRING, OPT_AT(struct args, csv), .metavar = "OUT",
     .help = "also write the comparison as CSV (one row per trace, backend and metric)"},
    {"format", 0, OPT_ENUM, OPT_AT(struct args, format), .choices = formats, .def = "table",
     .metavar = "table|json", .help = "stdout: a table, or JSON (docs/json.md)"},
};

const struct opt_command compare_command = {
    .prog = "allocreplay compare",
    .positional = "RESULTS_A RESULTS_B",
    .min_pos = 2,
    .max_pos = 2,
    .summary = "Compares two results directories: effect sizes, intervals and significance.",
    .about = "Per (trace, backend) in both, for ns/event, p99 and peak RSS: the Hodges-Lehmann\n"
             "shift of B - A with its 95% confidence interval (as a percentage of A's median)\n"
             "and a two-sided Mann-Whitney U test over the repetitions. A difference is called\n"
             "only when p < 0.05 and it is at least the threshold.\n",
    OPT_ROWS(rows),
};

int cmd_compare(int argc, char **argv)
{
    struct args a = {0};
    struct opt_parsed p;
    struct aggregate agg[2];
    struct line *lines = NULL;
    char err[1024];
    int rc = cli_parse(&compare_command, argc, argv, &a, &p);
    if (rc >= 0)
        return rc;
    const char *const dirs[2] = {p.pos[0], p.pos[1]};
    double threshold = a.threshold_pct / 100;
    if (aggregate_load(&agg[0], dirs[0], err, sizeof err)) {
        fprintf(stderr, "allocreplay compare: %s\n", err);
        return 2;
    }
    if (aggregate_load(&agg[1], dirs[1], err, sizeof err)) {
        fprintf(stderr, "allocreplay compare: %s\n", err);
        aggregate_free(&agg[0]);
        return 2;
    }
    long n = collect(&agg[0], &agg[1], threshold, &lines);
    rc = 0;
    if (n < 0) {
        fprintf(stderr, "allocreplay compare: out of memory\n");
        rc = 1;
    } else if (a.csv && write_csv(a.csv, lines, (size_t)n, err, sizeof err)) {
        fprintf(stderr, "allocreplay compare: %s\n", err);
        rc = 2;
    } else if (a.format == 1) {
        rc = print_json(dirs, threshold, lines, (size_t)n) ? 1 : 0;
    } else {
        print_table(dirs, threshold, lines, (size_t)n);
    }
    free(lines);
    aggregate_free(&agg[0]);
    aggregate_free(&agg[1]);
    return rc;
}
