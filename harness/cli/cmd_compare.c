/* allocreplay compare A B [--csv OUT]: for every (trace, backend) in both results directories,
 * the ratios B/A of the medians of ns/event, p99 latency and peak RSS, each with a two-sided
 * Mann-Whitney U test over the repetitions and a verdict. */
#include "campaign/aggregate.h"
#include "util/atomic_file.h"
#include "cli.h"
#include "util/csv.h"
#include "campaign/stats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define ALPHA 0.05

static const struct {
    int col;
    const char *label;            /* table heading */
    const char *better, *worse;   /* verdict words for B lower / higher than A */
} metrics[] = {
    {AGG_COL_ns_per_event, "ns/event", "faster", "slower"},
    {AGG_COL_p99_ns, "p99", "lower p99", "higher p99"},
    {AGG_COL_peak_rss_bytes, "peak RSS", "smaller", "larger"},
};
#define N_METRICS (sizeof metrics / sizeof metrics[0])

struct verdict {
    int present;
    double ratio, p;
    char text[64];
};

static void judge(const struct agg_group *ga, const struct agg_group *gb, size_t m,
                  struct verdict *v)
{
    const struct agg_samples *a = &ga->samples[metrics[m].col], *b = &gb->samples[metrics[m].col];
    struct mann_whitney mw;
    memset(v, 0, sizeof *v);
    v->p = NAN;
    if (!a->n || !b->n) {
        snprintf(v->text, sizeof v->text, "not measured");
        return;
    }
    v->present = 1;
    double ma = ga->stat[metrics[m].col].median, mb = gb->stat[metrics[m].col].median;
    v->ratio = ma != 0 ? mb / ma : NAN;
    if (stats_mann_whitney(a->v, a->n, b->v, b->n, &mw)) {
        snprintf(v->text, sizeof v->text, "out of memory");
        return;
    }
    v->p = mw.p;
    /* When even the most lopsided outcome could not reach ALPHA, say so rather than "no
     * difference": the data cannot answer the question. */
    if (mw.p_min > ALPHA)
        snprintf(v->text, sizeof v->text, "too few repetitions");
    else if (mw.p >= ALPHA || mb == ma)
        snprintf(v->text, sizeof v->text, "no significant difference (p=%.2g)", mw.p);
    else
        snprintf(v->text, sizeof v->text, "%s (p=%.2g)",
                 mb < ma ? metrics[m].better : metrics[m].worse, mw.p);
}

static void put_ratio(FILE *f, double r)
{
    if (isnan(r))
        fputs("        -", f);
    else
        fprintf(f, " %8.3f", r);
}

static int write_csv(const char *path, const struct aggregate *A, const struct aggregate *B,
                     char *err, size_t err_len)
{
    struct atomic_file af;
    if (atomic_file_open(&af, path, err, err_len))
        return -1;
    fputs("trace,backend,n_a,n_b", af.f);
    for (size_t m = 0; m < N_METRICS; m++) {
        const char *c = aggregate_column_name(metrics[m].col);
        fprintf(af.f, ",%s_a,%s_b,%s_ratio,%s_p,%s_verdict", c, c, c, c, c);
    }
    csv_end_row(af.f);
    for (size_t i = 0; i < A->n_groups; i++) {
        const struct agg_group *ga = &A->group[i];
        const struct agg_group *gb = aggregate_find(B, ga->trace, ga->backend);
        if (!gb)
            continue;
        csv_write_field(af.f, ga->trace, 1);
        csv_write_field(af.f, ga->backend, 0);
        fprintf(af.f, ",%zu,%zu", ga->n_ok, gb->n_ok);
        for (size_t m = 0; m < N_METRICS; m++) {
            struct verdict v;
            judge(ga, gb, m, &v);
            if (v.present)
                fprintf(af.f, ",%.6g,%.6g", ga->stat[metrics[m].col].median,
                        gb->stat[metrics[m].col].median);
            else
                fputs(",,", af.f);
            fputc(',', af.f);
            if (!isnan(v.ratio) && v.present)
                fprintf(af.f, "%.6g", v.ratio);
            fputc(',', af.f);
            if (!isnan(v.p))
                fprintf(af.f, "%.6g", v.p);
            csv_write_field(af.f, v.text, 0);
        }
        csv_end_row(af.f);
    }
    return atomic_file_commit(&af, err, err_len);
}

struct args {
    const char *csv;
};

static const struct opt_row rows[] = {
    {"csv", 0, OPT_STRING, OPT_AT(struct args, csv), .metavar = "OUT",
     .help = "also write the comparison as CSV"},
};

const struct opt_command compare_command = {
    .prog = "allocreplay compare",
    .positional = "RESULTS_A RESULTS_B",
    .min_pos = 2,
    .max_pos = 2,
    .summary = "Compares two results directories, with a significance test per metric.",
    .about = "Ratios B/A of the medians of ns/event, p99 and peak RSS per (trace, backend),\n"
             "with a two-sided Mann-Whitney U test over the repetitions (significance 0.05).\n",
    OPT_ROWS(rows),
};

int cmd_compare(int argc, char **argv)
{
    struct args a = {0};
    struct opt_parsed p;
    struct aggregate agg[2];
    char err[1024];
    size_t shown = 0;
    int rc = cli_parse(&compare_command, argc, argv, &a, &p);
    if (rc >= 0)
        return rc;
    const char *const dirs[2] = {p.pos[0], p.pos[1]}, *csv = a.csv;
    if (aggregate_load(&agg[0], dirs[0], err, sizeof err)) {
        fprintf(stderr, "allocreplay compare: %s\n", err);
        return 2;
    }
    if (aggregate_load(&agg[1], dirs[1], err, sizeof err)) {
        fprintf(stderr, "allocreplay compare: %s\n", err);
        aggregate_free(&agg[0]);
        return 2;
    }

    printf("B/A ratios of medians (A = %s, B = %s); two-sided Mann-Whitney U, alpha %.2f\n",
           dirs[0], dirs[1], ALPHA);
    /* The backend column fits the longest label, up to 40 (cli_fit shortens the rest). */
    int bw = 10;
    for (size_t i = 0; i < agg[0].n_groups; i++) {
        int n = (int)strlen(agg[0].group[i].backend);
        bw = n > bw ? (n > 40 ? 40 : n) : bw;
    }
    for (size_t i = 0; i < agg[0].n_groups; i++) {
        const struct agg_group *ga = &agg[0].group[i];
        const struct agg_group *gb = aggregate_find(&agg[1], ga->trace, ga->backend);
        if (!gb)
            continue;
        if (!shown++) {
            printf("%-24s %-*s %5s", "trace", bw, "backend", "reps");
            for (size_t m = 0; m < N_METRICS; m++)
                printf(" %8s  %-*s", metrics[m].label, m + 1 < N_METRICS ? 37 : 0, "verdict");
            putchar('\n');
        }
        char label[64];
        printf("%-24s %-*s %2zu/%-2zu", ga->trace, bw,
               cli_fit(label, sizeof label, ga->backend, (size_t)bw), ga->n_ok, gb->n_ok);
        for (size_t m = 0; m < N_METRICS; m++) {
            struct verdict v;
            judge(ga, gb, m, &v);
            put_ratio(stdout, v.present ? v.ratio : NAN);
            printf("  %-*s", m + 1 < N_METRICS ? 37 : 0, v.text);
        }
        putchar('\n');
    }
    if (!shown)
        printf("no (trace, backend) pair is present in both directories\n");

    rc = 0;
    if (csv && write_csv(csv, &agg[0], &agg[1], err, sizeof err)) {
        fprintf(stderr, "allocreplay compare: %s\n", err);
        rc = 2;
    }
    aggregate_free(&agg[0]);
    aggregate_free(&agg[1]);
    return rc;
}
