/* The verdict of a results directory: per trace, which backend is fastest (median ns/event),
 * has the best tail latency (median p99_ns) and uses the least memory (median peak_rss_bytes),
 * with its margin over the runner-up (the Hodges-Lehmann shift of runner-up - best, as a
 * percentage of the best's median, with its 95% interval; campaign/stats.h) and whether that
 * margin is called: Mann-Whitney p < STATS_ALPHA and at least the threshold. One module for
 * the end of `run` and `campaign` (so the demo) and the top of report.html (docs/campaigns.md).
 */
#ifndef ALLOCREPLAY_VERDICT_H
#define ALLOCREPLAY_VERDICT_H

#include "campaign/aggregate.h"
#include "campaign/stats.h"
#include "util/json.h"

#include <stddef.h>
#include <stdio.h>

enum verdict_aspect { VERDICT_FASTEST, VERDICT_TAIL, VERDICT_MEMORY, VERDICT_N_ASPECTS };

enum verdict_state {
    VERDICT_NOT_MEASURED,    /* no backend has a value (p99 without the latency pass) */
    VERDICT_ONE_BACKEND,     /* nothing to compare with */
    VERDICT_TOO_FEW,         /* too few repetitions for a verdict */
    VERDICT_NOT_SIGNIFICANT, /* the lead may be chance */
    VERDICT_BELOW_THRESHOLD, /* a real lead, smaller than the threshold */
    VERDICT_SIGNIFICANT,     /* a real lead of at least the threshold */
};

struct verdict_line {
    const char *trace;                  /* points into the aggregate */
    enum verdict_aspect aspect;
    enum verdict_state state;
    const struct agg_group *best, *runner_up; /* NULL when absent */
    struct stats_effect e; /* runner-up (B) against best (A), when both exist */
};

struct verdict {
    struct verdict_line *line; /* per trace in order of first appearance, aspects in order */
    size_t n;
    double threshold;          /* a fraction: 0.03 = 3% */
};

/* Judges every trace of A at THRESHOLD (STATS_DEFAULT_THRESHOLD unless the user says). The
 * lines point into A, which must outlive V. Returns 0, or -1 when memory runs out. */
int verdict_compute(struct verdict *v, const struct aggregate *a, double threshold);
void verdict_free(struct verdict *v);

/* "fastest", "best p99", "least memory"; the summary.csv column judged; the state's name in
 * JSON ("significant", "too-few-repetitions", ...). */
const char *verdict_aspect_label(enum verdict_aspect a);
int verdict_aspect_column(enum verdict_aspect a);
const char *verdict_state_name(enum verdict_state s);

/* The line in words, without the aspect: "sgi, 12.30 ns/event; runner-up malloc, 17.43
 * ns/event, +41.7% [+16.7%, +66.7%]: significant (p=0.0079)". */
void verdict_describe(const struct verdict *v, const struct verdict_line *l, char *buf,
                      size_t len);

/* The verdict as text (a heading, then per trace one line per aspect). */
void verdict_print(FILE *out, const struct verdict *v);
/* The verdict as a JSON array value (docs/json.md). */
void verdict_json(struct json *j, const struct verdict *v);

/* Loads DIR/summary.csv and prints its verdict at the default threshold. Returns 0 or -1
 * with a one-line reason in err. */
int verdict_print_dir(FILE *out, const char *dir, char *err, size_t err_len);

#endif
