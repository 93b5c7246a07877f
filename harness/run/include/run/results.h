/* The results directory (docs/architecture.md), below the runner: per-cell files under
 * cells/, the assembled CSVs (results_assemble in runner.h) and meta.yaml. */
#ifndef ALLOCREPLAY_RESULTS_H
#define ALLOCREPLAY_RESULTS_H

#include "replay/results_schema.h"
#include "run/runner.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum summary_column {
#define X(name, type) SUMMARY_COL_##name,
    SUMMARY_COLUMNS(X)
#undef X
    SUMMARY_N_COLUMNS
};
enum latency_column {
#define X(name, type) LATENCY_COL_##name,
    LATENCY_COLUMNS(X)
#undef X
    LATENCY_N_COLUMNS
};
enum timeline_column {
#define X(name, type) TIMELINE_COL_##name,
    TIMELINE_COLUMNS(X)
#undef X
    TIMELINE_N_COLUMNS
};

extern const char *const summary_column_names[SUMMARY_N_COLUMNS];
extern const char *const latency_column_names[LATENCY_N_COLUMNS];
extern const char *const timeline_column_names[TIMELINE_N_COLUMNS];
/* Index of a summary column by name, or -1. */
int summary_column_index(const char *name);

/* One finished cell as the driver collected it from its workers. */
struct cell_record {
    const char *trace, *backend;
    unsigned rep;
    char *value[SUMMARY_N_COLUMNS]; /* summary values as text; NULL = empty */
    const char *latency_report;     /* the latency worker's report, or NULL */
    const char *memory_report;      /* the memory worker's report, or NULL */
};

/* The file-name stem of a cell under cells/: "TRACE--BACKEND--rNNNN", made of safe characters. */
void results_cell_key(char *out, size_t len, const char *trace, const char *backend, unsigned rep);

/* 1 when the cell's summary file exists in dir/cells (the cell is complete). */
int results_cell_done(const char *dir, const char *key);
/* Whether dir/cells/ holds any finished cell (a run that must not be mixed with a new one). */
int results_has_cells(const char *dir);

/* Writes the cell's latency, timeline and then summary files, each atomically; the summary
 * file last, since its existence marks the cell complete. Returns 0 or -1 with err. */
int results_write_cell(const char *dir, const char *key, const struct cell_record *c, char *err,
                       size_t err_len);

/* What meta.yaml records beyond the plan. */
struct meta_info {
    time_t started, finished; /* finished 0 while running */
    const char *timer;        /* "tsc", "clock", or NULL when no latency pass ran */
    double tsc_hz;
    double resolution_ns;     /* the timer's smallest step, 0 if unknown */
    /* Per backend of the plan, or NULL: its canonical spec (the label in the results) and the
     * effective settings its worker read back. */
    const char *const *labels, *const *configs;
    /* Per trace of the plan, or NULL: its name (the trace column) and trace_checksum(). */
    const char *const *trace_names;
    const uint64_t *trace_checksums;
};
/* meta.yaml's text (docs/metrics.md, "meta.yaml"); results_write_meta writes it atomically to
 * DIR/meta.yaml. */
void results_print_meta(FILE *f, const struct run_plan *plan, const struct meta_info *mi);
int results_write_meta(const char *dir, const struct run_plan *plan, const struct meta_info *mi,
                       char *err, size_t err_len);
/* S as a YAML double-quoted scalar (control bytes as \xNN), or null for NULL: how meta.yaml
 * writes every string. */
void results_put_yaml_str(FILE *f, const char *s);

#endif
