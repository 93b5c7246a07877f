/* Repetitions summarised per (trace, backend): aggregate.csv, the companion of summary.csv
 * (docs/campaigns.md). For every numeric column of summary.csv except rep, events and wall_ns
 * (which ns_per_event already normalises), over the cells whose status is "ok":
 *   <metric>_median, <metric>_min, <metric>_max, and <metric>_mad_pct: the median absolute
 *   deviation from the median, as a percentage of the median (a robust relative spread that
 *   one noisy repetition cannot inflate; empty when the median is 0).
 * Plus n_ok and n_failed. Empty fields in summary.csv (a pass that did not run) are skipped;
 * a metric with no value at all is written as empty fields.
 */
#ifndef ALLOCREPLAY_AGGREGATE_H
#define ALLOCREPLAY_AGGREGATE_H

#include <stddef.h>

#include "replay/results_schema.h"

/* Every summary column by index; aggregate_is_metric() says which are aggregated. */
enum agg_metric {
#define X(name, type) AGG_COL_##name,
    SUMMARY_COLUMNS(X)
#undef X
    AGG_N_COLUMNS
};

struct agg_samples {
    double *v; /* values of the ok repetitions, in file order */
    size_t n;
};

struct agg_stat {
    int present; /* at least one value */
    double median, min, max, mad_pct; /* mad_pct is NAN when the median is 0 */
};

struct agg_group {
    char *trace, *backend;
    size_t n_ok, n_failed;
    char *first_failure; /* the status of the first failed repetition, or NULL */
    struct agg_samples samples[AGG_N_COLUMNS]; /* only for aggregated columns */
    struct agg_stat stat[AGG_N_COLUMNS];
};

struct aggregate {
    struct agg_group *group; /* in order of first appearance in summary.csv */
    size_t n_groups;
};

/* Whether summary column I is aggregated, and its name. */
int aggregate_is_metric(int i);
const char *aggregate_column_name(int i);

/* Reads DIR/summary.csv and computes every group's statistics. Returns 0 or -1 with err. */
int aggregate_load(struct aggregate *a, const char *dir, char *err, size_t err_len);

/* Writes aggregate.csv atomically to PATH. Returns 0 or -1 with err. */
int aggregate_write(const struct aggregate *a, const char *path, char *err, size_t err_len);

const struct agg_group *aggregate_find(const struct aggregate *a, const char *trace,
                                       const char *backend);

/* The groups as a JSON array value (docs/json.md): trace, backend, n_ok, n_failed,
 * first_failure, and per aggregated column {median, min, max, mad_pct} or null. */
struct json;
void aggregate_json(struct json *j, const struct aggregate *a);

void aggregate_free(struct aggregate *a);

#endif
