#include "campaign/aggregate.h"

#include "util/atomic_file.h"
#include "util/csv.h"
#include "util/csv_reader.h"
#include "util/json.h"
#include "campaign/stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum col_type { STR, U64, F64 };

static const struct {
    const char *name;
    enum col_type type;
} columns[AGG_N_COLUMNS] = {
#define X(name, type) {#name, type},
    SUMMARY_COLUMNS(X)
#undef X
};

int aggregate_is_metric(int i)
{
    return i >= 0 && i < AGG_N_COLUMNS && columns[i].type != STR && i != AGG_COL_rep &&
           i != AGG_COL_events && i != AGG_COL_wall_ns;
}

const char *aggregate_column_name(int i)
{
    return columns[i].name;
}

static struct agg_group *find_or_add(struct aggregate *a, const char *trace, const char *backend)
{
    for (size_t i = 0; i < a->n_groups; i++)
        if (!strcmp(a->group[i].trace, trace) && !strcmp(a->group[i].backend, backend))
            return &a->group[i];
    struct agg_group *g = realloc(a->group, (a->n_groups + 1) * sizeof *g);
    if (!g)
        return NULL;
    a->group = g;
    g = &a->group[a->n_groups];
    memset(g, 0, sizeof *g);
    g->trace = strdup(trace);
    g->backend = strdup(backend);
    a->n_groups++; /* counted before the check so aggregate_free releases a partial group */
    return g->trace && g->backend ? g : NULL;
}

static int add_sample(struct agg_samples *s, double v)
{
    double *nv = realloc(s->v, (s->n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    s->v = nv;
    s->v[s->n++] = v;
    return 0;
}

/* Parses a numeric field; 0 for a value, 1 for an empty field, -1 for junk. */
static int parse_number(const char *s, double *v)
{
    char *end;
    if (!*s)
        return 1;
    errno = 0;
    *v = strtod(s, &end);
    return *end || errno == ERANGE || isnan(*v) ? -1 : 0;
}

static int compute(struct agg_group *g)
{
    for (int c = 0; c < AGG_N_COLUMNS; c++) {
        struct agg_samples *s = &g->samples[c];
        struct agg_stat *st = &g->stat[c];
        if (!s->n)
            continue;
        double *tmp = malloc(s->n * sizeof *tmp);
        if (!tmp)
            return -1;
        st->present = 1;
        st->min = st->max = s->v[0];
        for (size_t i = 1; i < s->n; i++) {
            st->min = fmin(st->min, s->v[i]);
            st->max = fmax(st->max, s->v[i]);
        }
        /* The sample array keeps file order (compare reads it); sort a copy. */
        memcpy(tmp, s->v, s->n * sizeof *tmp);
        st->median = stats_median(tmp, s->n);
        double mad = stats_mad(tmp, s->n);
        st->mad_pct = st->median != 0 ? 100 * mad / fabs(st->median) : NAN;
        free(tmp);
    }
    return 0;
}

int aggregate_load(struct aggregate *a, const char *dir, char *err, size_t err_len)
{
    char path[4096];
    struct csv_reader r;
    int idx[AGG_N_COLUMNS];
    int rc;

    memset(a, 0, sizeof *a);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if (csv_reader_open(&r, path, err, err_len))
        return -1;
    for (int c = 0; c < AGG_N_COLUMNS; c++)
        idx[c] = csv_reader_column(&r, columns[c].name);
    if (idx[AGG_COL_trace] < 0 || idx[AGG_COL_backend] < 0 || idx[AGG_COL_status] < 0) {
        snprintf(err, err_len, "%s: not a summary.csv (no trace, backend or status column)", path);
        goto fail;
    }
    while ((rc = csv_reader_next(&r, err, err_len)) == 1) {
        struct agg_group *g = find_or_add(a, csv_reader_field(&r, idx[AGG_COL_trace]),
                                          csv_reader_field(&r, idx[AGG_COL_backend]));
        if (!g)
            goto oom;
        const char *status = csv_reader_field(&r, idx[AGG_COL_status]);
        if (strcmp(status, "ok")) {
            if (!g->n_failed++ && !(g->first_failure = strdup(status)))
                goto oom;
            continue;
        }
        g->n_ok++;
        for (int c = 0; c < AGG_N_COLUMNS; c++) {
            double v;
            int pr;
            if (!aggregate_is_metric(c) || idx[c] < 0)
                continue;
            pr = parse_number(csv_reader_field(&r, idx[c]), &v);
            if (pr < 0) {
                snprintf(err, err_len, "%s:%lu: %s: not a number: '%s'", path, r.line,
                         columns[c].name, csv_reader_field(&r, idx[c]));
                goto fail;
            }
            if (pr == 0 && add_sample(&g->samples[c], v))
                goto oom;
        }
    }
    if (rc < 0)
        goto fail;
    csv_reader_close(&r);
    for (size_t i = 0; i < a->n_groups; i++)
        if (compute(&a->group[i])) {
            snprintf(err, err_len, "%s: out of memory", path);
            aggregate_free(a);
            return -1;
        }
    return 0;
oom:
    snprintf(err, err_len, "%s: out of memory", path);
fail:
    csv_reader_close(&r);
    aggregate_free(a);
    return -1;
}

/* Shortest round-trip-enough text: integers as integers, others with 6 significant digits. */
static void put_number(FILE *f, double v)
{
    if (isnan(v))
        return;
    if (v == floor(v) && fabs(v) < 1e15)
        fprintf(f, "%.0f", v);
    else
        fprintf(f, "%.6g", v);
}

int aggregate_write(const struct aggregate *a, const char *path, char *err, size_t err_len)
{
    struct atomic_file af;
    if (atomic_file_open(&af, path, err, err_len))
        return -1;
    fputs("trace,backend,n_ok,n_failed", af.f);
    for (int c = 0; c < AGG_N_COLUMNS; c++)
        if (aggregate_is_metric(c))
            fprintf(af.f, ",%s_median,%s_min,%s_max,%s_mad_pct", columns[c].name,
                    columns[c].name, columns[c].name, columns[c].name);
    csv_end_row(af.f);
    for (size_t i = 0; i < a->n_groups; i++) {
        const struct agg_group *g = &a->group[i];
        csv_write_field(af.f, g->trace, 1);
        csv_write_field(af.f, g->backend, 0);
        fprintf(af.f, ",%zu,%zu", g->n_ok, g->n_failed);
        for (int c = 0; c < AGG_N_COLUMNS; c++) {
            const struct agg_stat *st = &g->stat[c];
            if (!aggregate_is_metric(c))
                continue;
            if (!st->present) {
                fputs(",,,,", af.f);
                continue;
            }
            double v[4] = {st->median, st->min, st->max, st->mad_pct};
            for (int k = 0; k < 4; k++) {
                fputc(',', af.f);
                put_number(af.f, v[k]);
            }
        }
        csv_end_row(af.f);
    }
    return atomic_file_commit(&af, err, err_len);
}

const struct agg_group *aggregate_find(const struct aggregate *a, const char *trace,
                                       const char *backend)
{
    for (size_t i = 0; i < a->n_groups; i++)
        if (!strcmp(a->group[i].trace, trace) && !strcmp(a->group[i].backend, backend))
            return &a->group[i];
    return NULL;
}

void aggregate_free(struct aggregate *a)
{
    for (size_t i = 0; i < a->n_groups; i++) {
        free(a->group[i].trace);
        free(a->group[i].backend);
        free(a->group[i].first_failure);
        for (int c = 0; c < AGG_N_COLUMNS; c++)
            free(a->group[i].samples[c].v);
    }
    free(a->group);
    memset(a, 0, sizeof *a);
}

static void json_stat(struct json *j, const struct agg_stat *st)
{
    const char *const keys[] = {"median", "min", "max", "mad_pct"};
    double v[] = {st->median, st->min, st->max, st->mad_pct};
    json_object_begin(j);
    for (int k = 0; k < 4; k++) {
        json_key(j, keys[k]);
        json_number(j, st->present ? v[k] : NAN);
    }
    json_object_end(j);
}

void aggregate_json(struct json *j, const struct aggregate *a)
{
    json_array_begin(j);
    for (size_t i = 0; i < a->n_groups; i++) {
        const struct agg_group *g = &a->group[i];
        json_object_begin(j);
        json_key(j, "trace");
        json_string(j, g->trace);
        json_key(j, "backend");
        json_string(j, g->backend);
        json_key(j, "n_ok");
        json_u64(j, g->n_ok);
        json_key(j, "n_failed");
        json_u64(j, g->n_failed);
        json_key(j, "first_failure");
        json_string(j, g->first_failure);
        json_key(j, "metrics");
        json_object_begin(j);
        for (int c = 0; c < AGG_N_COLUMNS; c++) {
            if (!aggregate_is_metric(c))
                continue;
            json_key(j, columns[c].name);
            if (g->stat[c].present)
                json_stat(j, &g->stat[c]);
            else
                json_null(j);
        }
        json_object_end(j);
        json_object_end(j);
    }
    json_array_end(j);
}
