#include "campaign/verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    int col;
    const char *label, *unit;
} aspects[VERDICT_N_ASPECTS] = {
    [VERDICT_FASTEST] = {AGG_COL_ns_per_event, "fastest", "ns/event"},
    [VERDICT_TAIL] = {AGG_COL_p99_ns, "best p99", "ns p99"},
    [VERDICT_MEMORY] = {AGG_COL_peak_rss_bytes, "least memory", "peak RSS"},
};

const char *verdict_aspect_label(enum verdict_aspect a) { return aspects[a].label; }
int verdict_aspect_column(enum verdict_aspect a)
{
    return aspects[a].col;
}

const char *verdict_state_name(enum verdict_state s)
{
    static const char *const names[] = {"not-measured", "one-backend", "too-few-repetitions",
                                        "not-significant", "below-threshold", "significant"};
    return names[s];
}

/* The lowest and second-lowest median of column COL among TRACE's groups (first wins ties). */
static void rank(const struct aggregate *a, const char *trace, int col, struct verdict_line *l)
{
    for (size_t i = 0; i < a->n_groups; i++) {
        const struct agg_group *g = &a->group[i];
        if (strcmp(g->trace, trace) || !g->stat[col].present)
            continue;
        double m = g->stat[col].median;
        if (!l->best || m < l->best->stat[col].median) {
            l->runner_up = l->best;
            l->best = g;
        } else if (!l->runner_up || m < l->runner_up->stat[col].median) {
            l->runner_up = g;
        }
    }
}

static int judge(const struct aggregate *a, double threshold, struct verdict_line *l)
{
    int col = aspects[l->aspect].col;
    rank(a, l->trace, col, l);
    if (!l->best) {
        l->state = VERDICT_NOT_MEASURED;
        return 0;
    }
    if (!l->runner_up) {
        l->state = VERDICT_ONE_BACKEND;
        return 0;
    }
    const struct agg_samples *s = &l->best->samples[col], *r = &l->runner_up->samples[col];
    if (stats_effect(s->v, s->n, r->v, r->n, threshold, &l->e))
        return -1;
    static const enum verdict_state from_call[] = {
        [STATS_TOO_FEW] = VERDICT_TOO_FEW,
        [STATS_NOT_SIGNIFICANT] = VERDICT_NOT_SIGNIFICANT,
        [STATS_BELOW_THRESHOLD] = VERDICT_BELOW_THRESHOLD,
        [STATS_B_LOWER] = VERDICT_NOT_SIGNIFICANT, /* medians and shift disagree: no lead */
        [STATS_B_HIGHER] = VERDICT_SIGNIFICANT,
    };
    l->state = from_call[l->e.call];
    return 0;
}

int verdict_compute(struct verdict *v, const struct aggregate *a, double threshold)
{
    memset(v, 0, sizeof *v);
    v->threshold = threshold;
    v->line = calloc(a->n_groups * VERDICT_N_ASPECTS + 1, sizeof *v->line);
    if (!v->line)
        return -1;
    for (size_t i = 0; i < a->n_groups; i++) {
        const char *trace = a->group[i].trace;
        size_t seen = 0;
        while (seen < i && strcmp(a->group[seen].trace, trace))
            seen++;
        if (seen < i)
            continue; /* judged with its first group */
        for (int k = 0; k < VERDICT_N_ASPECTS; k++) {
            struct verdict_line *l = &v->line[v->n++];
            *l = (struct verdict_line){.trace = trace, .aspect = (enum verdict_aspect)k};
            if (judge(a, threshold, l)) {
                verdict_free(v);
                return -1;
            }
        }
    }
    return 0;
}

void verdict_free(struct verdict *v)
{
    free(v->line);
    memset(v, 0, sizeof *v);
}

/* A median with its unit: bytes in the unit that keeps it readable. */
static void put_value(char *buf, size_t len, enum verdict_aspect a, double v)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    switch (a) {
    case VERDICT_FASTEST: snprintf(buf, len, "%.2f ns/event", v); break;
    case VERDICT_TAIL: snprintf(buf, len, "p99 %.0f ns", v); break;
    default:
        while (fabs(v) >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
            v /= 1024;
            u++;
        }
        snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, units[u]);
    }
}

/* What the test says of the lead: "significant (p=0.0079)", "too few repetitions ...". */
static void put_why(char *buf, size_t len, const struct verdict *v, const struct verdict_line *l)
{
    double p = l->e.mw.p;
    switch (l->state) {
    case VERDICT_TOO_FEW:
        snprintf(buf, len, "too few repetitions for a verdict (4 or more per backend)");
        break;
    case VERDICT_NOT_SIGNIFICANT: snprintf(buf, len, "not significant (p=%.2g)", p); break;
    case VERDICT_BELOW_THRESHOLD:
        snprintf(buf, len, "significant (p=%.2g) but below the %g%% threshold", p,
                 100 * v->threshold);
        break;
    default: snprintf(buf, len, "significant (p=%.2g)", p);
    }
}

/* The runner-up's margin over the best, signed, with its interval: "+41.7% [+16.7%, +66.7%]".
 * In the metric's unit when the best's median is 0 (no percentage of 0). */
static void put_margin(char *buf, size_t len, const struct verdict_line *l)
{
    const struct stats_effect *e = &l->e;
    if (isnan(e->rel)) {
        put_value(buf + 1, len - 1, l->aspect, fabs(e->shift));
        buf[0] = e->shift < 0 ? '-' : '+';
    } else if (!isnan(e->rel_lo) && l->state != VERDICT_TOO_FEW) {
        snprintf(buf, len, "%+.1f%% [%+.1f%%, %+.1f%%]", 100 * e->rel, 100 * e->rel_lo,
                 100 * e->rel_hi);
    } else {
        snprintf(buf, len, "%+.1f%%", 100 * e->rel);
    }
}

void verdict_describe(const struct verdict *v, const struct verdict_line *l, char *buf,
                      size_t len)
{
    int col = aspects[l->aspect].col;
    char best[48], runner[48], margin[128], why[128];
    if (l->state == VERDICT_NOT_MEASURED) {
        snprintf(buf, len, "not measured%s",
                 l->aspect == VERDICT_TAIL ? " (no latency pass: --latency)" : "");
        return;
    }
    put_value(best, sizeof best, l->aspect, l->best->stat[col].median);
    if (l->state == VERDICT_ONE_BACKEND) {
        snprintf(buf, len, "%s, %s: the only backend measured", l->best->backend, best);
        return;
    }
    put_why(why, sizeof why, v, l);
    if (l->runner_up->stat[col].median == l->best->stat[col].median) {
        snprintf(buf, len, "%s, %s; the same median as %s: %s", l->best->backend, best,
                 l->runner_up->backend, why);
        return;
    }
    put_value(runner, sizeof runner, l->aspect, l->runner_up->stat[col].median);
    put_margin(margin, sizeof margin, l);
    snprintf(buf, len, "%s, %s; runner-up %s, %s, %s: %s", l->best->backend, best,
             l->runner_up->backend, runner, margin, why);
}

void verdict_print(FILE *out, const struct verdict *v)
{
    fprintf(out, "\nverdict (medians, lower is better; a lead is called when Mann-Whitney p < %.2g "
                 "and it is at least %g%%):\n", STATS_ALPHA, 100 * v->threshold);
    for (size_t i = 0; i < v->n; i++) {
        char text[512];
        const struct verdict_line *l = &v->line[i];
        if (l->aspect == 0)
            fprintf(out, "  %s\n", l->trace);
        verdict_describe(v, l, text, sizeof text);
        fprintf(out, "    %-13s %s\n", aspects[l->aspect].label, text);
    }
}

static void json_group(struct json *j, const char *key, const struct agg_group *g, int col)
{
    json_key(j, key);
    json_string(j, g ? g->backend : NULL);
    char k[64];
    snprintf(k, sizeof k, "%s_median", key);
    json_key(j, k);
    json_number(j, g ? g->stat[col].median : NAN);
    snprintf(k, sizeof k, "%s_n", key);
    json_key(j, k);
    if (g)
        json_u64(j, g->n_ok);
    else
        json_null(j);
}

void verdict_json(struct json *j, const struct verdict *v)
{
    json_array_begin(j);
    for (size_t i = 0; i < v->n; i++) {
        const struct verdict_line *l = &v->line[i];
        int col = aspects[l->aspect].col, has = l->runner_up != NULL;
        json_object_begin(j);
        json_key(j, "trace");
        json_string(j, l->trace);
        json_key(j, "aspect");
        json_string(j, aspects[l->aspect].label);
        json_key(j, "metric");
        json_string(j, aggregate_column_name(col));
        json_group(j, "best", l->best, col);
        json_group(j, "runner_up", l->runner_up, col);
        const char *keys[] = {"margin_pct", "margin_lo_pct", "margin_hi_pct", "p"};
        double vals[] = {100 * l->e.rel, 100 * l->e.rel_lo, 100 * l->e.rel_hi, l->e.mw.p};
        for (int k = 0; k < 4; k++) {
            json_key(j, keys[k]);
            json_number(j, has ? vals[k] : NAN);
        }
        json_key(j, "state");
        json_string(j, verdict_state_name(l->state));
        json_object_end(j);
    }
    json_array_end(j);
}

int verdict_print_dir(FILE *out, const char *dir, char *err, size_t err_len)
{
    struct aggregate a;
    struct verdict v;
    if (aggregate_load(&a, dir, err, err_len))
        return -1;
    int rc = verdict_compute(&v, &a, STATS_DEFAULT_THRESHOLD);
    if (rc)
        snprintf(err, err_len, "%s: out of memory", dir);
    else
        verdict_print(out, &v);
    verdict_free(&v);
    aggregate_free(&a);
    return rc;
}
