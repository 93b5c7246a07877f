/* A small C API over Google Benchmark (C++), so the micro-benchmarks stay in C
 * (docs/performance.md).
 *
 * A benchmark is a C function run with an opaque state; the shim forwards to
 * benchmark::State. Usage, mirroring `for (auto _ : state)`:
 *
 *     static void bm_pair(struct gbench_state *st, void *user)
 *     {
 *         size_t size = (size_t)gbench_range(st, 0);
 *         while (gbench_keep_running(st))
 *             free(malloc(size));
 *     }
 *     static const int64_t sizes[] = {8, 16, 32};
 *     gbench_register(&(struct gbench_def){.name = "pair", .run = bm_pair,
 *                                          .n_args = 1, .arg_sets = sizes, .n_sets = 3});
 *     return gbench_run_all(argc, argv);
 *
 * Every Google Benchmark flag works (--benchmark_filter, --benchmark_repetitions,
 * --benchmark_format=json, --benchmark_out=...), since gbench_run_all hands argv to
 * benchmark::Initialize. Each keep_running call crosses into C++ (no inlining across the
 * shim): benchmarks of a few nanoseconds per iteration should use gbench_keep_running_batch
 * to amortise that call.
 */
#ifndef ALLOCREPLAY_GBENCH_SHIM_H
#define ALLOCREPLAY_GBENCH_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque: impl is the benchmark::State of the running benchmark. Valid only inside run. */
struct gbench_state {
    void *impl;
};

typedef void (*gbench_fn)(struct gbench_state *st, void *user);

enum gbench_time_unit {
    GBENCH_NANOSECOND = 0, /* the default */
    GBENCH_MICROSECOND,
    GBENCH_MILLISECOND,
    GBENCH_SECOND,
};

/* One argument's range for gbench_def.ranges: lo, then the powers of range_multiplier
 * between lo and hi, then hi (Google Benchmark's Ranges). */
struct gbench_range {
    int64_t lo, hi;
};

#define GBENCH_MAX_ARGS 4

/* What gbench_register needs. Argument values come either from explicit sets (arg_sets holds
 * n_sets rows of n_args values: one benchmark instance per row) or from ranges (n_args ranges,
 * one instance per combination), not both. With neither, the benchmark takes no argument. */
struct gbench_def {
    const char *name; /* copied */
    gbench_fn run;
    void *user;       /* passed to run; must outlive gbench_run_all */
    size_t n_args;    /* arguments per instance, <= GBENCH_MAX_ARGS */
    const int64_t *arg_sets;
    size_t n_sets;
    const struct gbench_range *ranges;
    int range_multiplier;         /* 0 = Google Benchmark's default, 8 */
    const char *const *arg_names; /* n_args names shown as "name:value", or NULL */
    enum gbench_time_unit unit;
    bool use_real_time;           /* report wall time instead of CPU time */
    bool use_manual_time;         /* report the times given to gbench_set_iteration_time */
    uint64_t iterations;          /* fixed iteration count; 0 = let Google Benchmark decide */
};

/* Registers a benchmark. Returns 0, or -1 if the definition is inconsistent (no name or run,
 * too many arguments, both or half of arg_sets/ranges) or registration failed. */
int gbench_register(const struct gbench_def *def);

/* The benchmark loop: true while another iteration should run. Once it has returned false
 * it must not be called again for this run (Google Benchmark aborts). */
bool gbench_keep_running(struct gbench_state *st);
/* The same, counting n iterations per call (it may overshoot by up to n). */
bool gbench_keep_running_batch(struct gbench_state *st, uint64_t n);

/* Stop and restart the clock around setup work inside the loop. */
void gbench_pause_timing(struct gbench_state *st);
void gbench_resume_timing(struct gbench_state *st);

/* With use_manual_time: the time this iteration took, measured by the run function. */
void gbench_set_iteration_time(struct gbench_state *st, double seconds);

/* The i-th argument of this instance (i < n_args). */
int64_t gbench_range(const struct gbench_state *st, size_t i);
/* Iterations run so far (after the loop: all of them). */
uint64_t gbench_iterations(const struct gbench_state *st);

/* Flags of a user counter (Google Benchmark's benchmark::Counter::Flags). */
enum gbench_counter_flags {
    GBENCH_COUNTER_PLAIN = 0,
    GBENCH_COUNTER_RATE = 1 << 0,           /* divided by the measured time */
    GBENCH_COUNTER_AVG_THREADS = 1 << 1,    /* divided by the number of threads */
    GBENCH_COUNTER_ITER_INVARIANT = 1 << 2, /* multiplied by the iteration count */
    GBENCH_COUNTER_AVG_ITERATIONS = 1 << 3, /* divided by the iteration count */
    GBENCH_COUNTER_INVERT = 1 << 4,         /* 1/x, applied last (e.g. a rate -> time per item) */
};

/* Sets (or replaces) the user counter name; flags from enum gbench_counter_flags. Counters
 * appear as extra columns in the console and as keys of the benchmark's JSON object. */
void gbench_set_counter(struct gbench_state *st, const char *name, double value, unsigned flags);
/* Google Benchmark's items_per_second and bytes_per_second. */
void gbench_set_items_processed(struct gbench_state *st, int64_t items);
void gbench_set_bytes_processed(struct gbench_state *st, int64_t bytes);
void gbench_set_label(struct gbench_state *st, const char *label);

/* Marks this instance failed with msg (copied); keep_running then returns false. The run
 * function must return without further timing calls. */
void gbench_skip_with_error(struct gbench_state *st, const char *msg);

/* Parses the Google Benchmark flags of argv, refuses any other argument, runs the benchmarks
 * the filter selects and shuts the library down. Returns 0, or 2 on an unrecognised
 * argument (after Google Benchmark's own message). Callers strip their own options first. */
int gbench_run_all(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
