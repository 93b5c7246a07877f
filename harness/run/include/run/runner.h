/* Plans and runs a matrix of cells (trace x backend x repetition), one worker process per
 * cell and pass, and writes the results directory (docs/architecture.md).
 *
 * `allocreplay run` and `allocreplay campaign` both build a run_plan and call
 * runner_execute(). Each finished cell is written on its own, atomically, under
 * <out_dir>/cells/, and the top-level CSV files are rebuilt from those cell files by
 * results_assemble(); that is what makes --resume (skip cells whose file exists), --shard
 * and `allocreplay merge` simple.
 */
#ifndef ALLOCREPLAY_RUNNER_H
#define ALLOCREPLAY_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A new option also goes into meta.yaml's options (meta.c) and campaign_hash() (campaign.c):
 * together they are what --resume and merge compare (run/identity.h). */
struct run_options {
    int latency;           /* run the latency pass */
    int memory;            /* run the memory pass (default on) */
    int verify;            /* fill and check every block (its own pass) */
    int touch;             /* timed passes write to blocks too */
    uint64_t rss_every;    /* memory pass: sample every N events (0 = default) */
    unsigned timeout_s;    /* per worker; 0 = none */
    uint64_t memory_limit; /* bytes of address space per worker; 0 = none */
    int lenient;           /* drop bad trace events instead of refusing */
    /* throughput pass: replay the trace in loops until they add up to this many ms (0 = one
     * loop); short traces otherwise measure process noise. */
    uint64_t min_time_ms;
    /* every pass: replay a trace with several thread numbers on one thread per number
     * (docs/metrics.md); every backend must then be thread-safe. */
    int threads;
    /* with threads: the ordering window when window_set (replay_window_parse: 0 =
     * free-running, 1 = strict order, REPLAY_WINDOW_AUTO), else the worker's default (auto) */
    uint32_t window;
    int window_set;
    /* memory pass: keep the recorded time between events at this many times the recorded
     * speed (pace_parse; 0 = not paced, 1 = as recorded); every trace must then be timed.
     * rss_every_ms: the paced pass's time grid (0 = automatic). */
    double pace;
    uint64_t rss_every_ms;
};
/* Parses a --window value or a campaign's window option into run_options.window: "auto",
 * "strict", "free" or a count of events (the worker's parser, replay_window_parse). 0 or -1. */
int run_window_parse(const char *s, uint32_t *window);
/* Parses a --pace value or a campaign's pace option: "recorded" or "Nx" (pace_parse). 0 or
 * -1. */
int run_pace_parse(const char *s, double *pace);

/* The default of `allocreplay run --min-time` and of the campaign option min_time_ms. */
#define RUN_DEFAULT_MIN_TIME_MS 20

struct run_plan {
    const char *name;          /* campaign name, or "run" */
    const char *const *traces; /* trace paths */
    size_t n_traces;
    const char *const *backends; /* backend names as the user wrote them */
    size_t n_backends;
    unsigned repetitions;      /* >= 1 */
    unsigned warmup;           /* unrecorded runs per (trace, backend) before the measured ones */
    struct run_options opt;
    const char *out_dir;       /* the results directory itself (created if missing) */
    unsigned shard_k, shard_n; /* run cells with index % shard_n == shard_k - 1; 0/0 = all */
    int resume;                /* skip cells already complete in out_dir */
    const char *campaign_file; /* recorded (with its hash) in meta.yaml; NULL for a run */
    uint64_t campaign_hash;    /* the campaign's meaning (campaign_hash()), with campaign_file */
    /* Per backend, or NULL: where the user wrote it ("FILE:LINE:COLUMN"), put before an error
     * about that backend. */
    const char *const *backend_where;
};

struct cell_progress {
    size_t done, total;     /* cells */
    const char *trace, *backend;
    unsigned rep;
    int failed;             /* the cell just finished failed */
    const char *status;     /* "ok" or the failure reason */
    /* Cells of one (trace, backend) take about as long as each other, cells of two such
     * kinds may differ a hundredfold: an estimate of the time left goes by kind. */
    size_t kind;            /* the finished cell's kind, < n_kinds */
    double seconds;         /* how long it took (its passes; warm-up runs not included) */
    size_t n_kinds;         /* in the start call: kinds, and the cells of each to run */
    const size_t *kind_todo;
};

/* Called once with done == 0 (trace, backend and status NULL; total = the cells to run) when
 * every input is checked and the first cell is about to start, so a caller can announce the
 * run only once it is known to start; then once per finished cell. */
typedef void (*runner_progress_fn)(void *user, const struct cell_progress *p);

/* Returns 0 when every cell succeeded, 1 when at least one failed, 2 on bad input (the
 * message is printed as one line on stderr). progress may be NULL. */
int runner_execute(const struct run_plan *plan, runner_progress_fn progress, void *user);

/* Rebuilds summary.csv, latency.csv and timeline.csv of dir from dir/cells/. 0 or -1. */
int results_assemble(const char *dir);

#ifdef __cplusplus
}
#endif

#endif
