/* Campaign files (docs/campaigns.md): a YAML mapping naming the traces, the
 * backends, the repetitions and the options of a benchmark matrix. Parsed with libyaml's event
 * API; every error names the file, 1-based line and column, and the reason.
 */
#ifndef ALLOCREPLAY_CAMPAIGN_H
#define ALLOCREPLAY_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

#include "run/runner.h"

enum campaign_chart {
    CHART_THROUGHPUT = 1u << 0,
    CHART_LATENCY = 1u << 1,
    CHART_MEMORY = 1u << 2,
    CHART_FRAGMENTATION = 1u << 3,
    CHART_ALL = (1u << 4) - 1,
};

struct campaign {
    char *file;                /* as given */
    char *name;                /* default: the file's base name without extension */
    char **traces;             /* resolved paths (globs expanded, sorted, no duplicates) */
    size_t n_traces;
    char **backends;           /* must all exist in this build */
    size_t n_backends;
    struct campaign_where {
        unsigned long line, column;
    } *backend_where;          /* where each of backends[] is written, for messages */
    char **optional_backends;  /* run when this build has them, skipped with a note if not */
    size_t n_optional_backends;
    struct campaign_where *optional_backend_where;
    unsigned repetitions;      /* default 5 */
    unsigned warmup;           /* default 0 */
    struct run_options opt;    /* defaults: latency and memory on, timeout 300 s */
    char *output;              /* resolved against the campaign file's directory */
    int output_is_parent;      /* output ended in '/': runs go to OUTPUT/<name>/<timestamp>/ */
    unsigned charts;           /* enum campaign_chart bits; 0 = no charts and no report */
};

/* Parses PATH. Returns 0, or -1 with "PATH:LINE:COLUMN: reason" in err. */
int campaign_load(struct campaign *c, const char *path, char *err, size_t err_len);

/* The campaign's meaning as one number (FNV-1a 64): its name, repetitions, warmup, every
 * option with its effective value (defaults filled in) and the backend specs after sweeps are
 * expanded. Comments, layout, key order and spelled-out defaults do not change it; charts and
 * output do not either (they change no cell). The traces are not in it: results directories
 * record each trace's name and checksum instead, which do not depend on where the command
 * runs. docs/campaigns.md, "What a results directory is". */
uint64_t campaign_hash(const struct campaign *c);

void campaign_free(struct campaign *c);

#endif
