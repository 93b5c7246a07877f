/* The C shim over Google Benchmark: registers C benchmarks with argument sets, ranges, named
 * arguments, counters, a label, a fixed iteration count and a deliberate error, runs them with
 * JSON output to a file, then checks both what the run functions saw and what the JSON says. */
#include "gbench_shim.h"
#include "tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Arguments each run function saw, by instance. */
#define MAX_SEEN 16
static int64_t seen_args[MAX_SEEN][2];
static size_t n_seen;
static int paused_ok = 1;
static uint64_t fixed_iterations;
static int error_stopped_loop;

static void note_args(struct gbench_state *st, size_t n_args)
{
    int64_t a0 = gbench_range(st, 0), a1 = n_args > 1 ? gbench_range(st, 1) : -1;
    for (size_t i = 0; i < n_seen; i++)
        if (seen_args[i][0] == a0 && seen_args[i][1] == a1)
            return;
    if (n_seen < MAX_SEEN) {
        seen_args[n_seen][0] = a0;
        seen_args[n_seen][1] = a1;
        n_seen++;
    }
}

static int seen(int64_t a0, int64_t a1)
{
    for (size_t i = 0; i < n_seen; i++)
        if (seen_args[i][0] == a0 && seen_args[i][1] == a1)
            return 1;
    return 0;
}

static void bm_args(struct gbench_state *st, void *user)
{
    volatile int64_t sink = 0;
    note_args(st, 2);
    while (gbench_keep_running(st)) {
        gbench_pause_timing(st);
        sink = sink + 1;
        gbench_resume_timing(st);
        sink = sink + gbench_range(st, 0) * gbench_range(st, 1);
    }
    if (sink < 0)
        paused_ok = 0;
    gbench_set_counter(st, "plain", 42.0, GBENCH_COUNTER_PLAIN);
    gbench_set_counter(st, "calls_rate", (double)gbench_iterations(st), GBENCH_COUNTER_RATE);
    gbench_set_items_processed(st, (int64_t)gbench_iterations(st));
    gbench_set_bytes_processed(st, (int64_t)gbench_iterations(st) * 8);
    gbench_set_label(st, "shim-label");
    *(int *)user = 1;
}

static void bm_ranges(struct gbench_state *st, void *user)
{
    note_args(st, 1);
    while (gbench_keep_running_batch(st, 16))
        for (int i = 0; i < 16; i++)
            __asm__ volatile("" ::: "memory");
}

static void bm_fixed(struct gbench_state *st, void *user)
{
    while (gbench_keep_running(st))
        __asm__ volatile("" ::: "memory");
    fixed_iterations = gbench_iterations(st);
}

/* Reports 2 ms per iteration whatever the clock says. */
static void bm_manual(struct gbench_state *st, void *user)
{
    while (gbench_keep_running(st))
        gbench_set_iteration_time(st, 0.002);
}

static void bm_error(struct gbench_state *st, void *user)
{
    /* The first iteration always runs; the loop must end right after the skip. */
    int rounds = 0;
    while (gbench_keep_running(st))
        if (++rounds == 1)
            gbench_skip_with_error(st, "deliberate failure");
    error_stopped_loop = rounds == 1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

/* Runs the registered benchmarks with stdout (the console table) sent to /dev/null, so it
 * does not mix with the TAP stream. */
static int run_quietly(int argc, char **argv)
{
    fflush(stdout);
    int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);
    if (saved < 0 || null < 0)
        return -1;
    dup2(null, STDOUT_FILENO);
    close(null);
    int rc = gbench_run_all(argc, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    return rc;
}

int main(int argc, char **argv)
{
    static const int64_t sets[] = {3, 7, 5, 11};
    static const int64_t named_sets[] = {8};
    static const char *const names[] = {"size"};
    static const struct gbench_range ranges[] = {{8, 64}};
    int args_ran = 0;

    TAP_OK(gbench_register(&(struct gbench_def){.name = "shim/args", .run = bm_args,
                                                .user = &args_ran, .n_args = 2, .arg_sets = sets,
                                                .n_sets = 2}) == 0,
           "register with argument sets");
    TAP_OK(gbench_register(&(struct gbench_def){.name = "shim/named", .run = bm_ranges,
                                                .n_args = 1, .arg_sets = named_sets, .n_sets = 1,
                                                .arg_names = names}) == 0,
           "register with argument names");
    TAP_OK(gbench_register(&(struct gbench_def){.name = "shim/ranges", .run = bm_ranges,
                                                .n_args = 1, .ranges = ranges,
                                                .range_multiplier = 2,
                                                .unit = GBENCH_MICROSECOND}) == 0,
           "register with a range");
    TAP_OK(gbench_register(&(struct gbench_def){.name = "shim/fixed", .run = bm_fixed,
                                                .iterations = 10, .use_real_time = true}) == 0,
           "register with a fixed iteration count");
    TAP_OK(gbench_register(&(struct gbench_def){.name = "shim/manual", .run = bm_manual,
                                                .use_manual_time = true,
                                                .unit = GBENCH_MILLISECOND}) == 0,
           "register with manual time");
    TAP_OK(gbench_register(&(struct gbench_def){.name = "shim/error", .run = bm_error}) == 0,
           "register a benchmark that fails");
    TAP_OK(gbench_register(&(struct gbench_def){.name = "bad", .run = bm_fixed, .n_args = 1}) ==
               -1,
           "n_args without values is refused");
    TAP_OK(gbench_register(&(struct gbench_def){.name = "bad", .run = bm_fixed, .n_args = 1,
                                                .arg_sets = sets, .n_sets = 1,
                                                .ranges = ranges}) == -1,
           "both argument sets and ranges are refused");
    TAP_OK(gbench_register(&(struct gbench_def){.run = bm_fixed}) == -1, "no name is refused");

    char out_path[] = "/tmp/gbench_shim_test.XXXXXX";
    int fd = mkstemp(out_path);
    if (fd < 0)
        TAP_SKIP_ALL("cannot create a temporary file");
    close(fd);
    char out_flag[sizeof out_path + 32];
    snprintf(out_flag, sizeof out_flag, "--benchmark_out=%s", out_path);
    char min_time[] = "--benchmark_min_time=0.001", fmt[] = "--benchmark_out_format=json";
    char *run_argv[] = {argv[0], min_time, out_flag, fmt, NULL};
    (void)argc;

    TAP_OK(run_quietly(4, run_argv) == 0, "gbench_run_all returns 0");
    TAP_OK(args_ran, "the run function got its user pointer");
    TAP_OK(paused_ok, "pause/resume inside the loop");
    TAP_OK(seen(3, 7) && seen(5, 11), "each argument set reached the run function");
    TAP_OK(seen(8, -1) && seen(16, -1) && seen(32, -1) && seen(64, -1),
           "range 8..64 with multiplier 2 gives 8, 16, 32, 64");
    TAP_EQ_U64(fixed_iterations, 10, "fixed iteration count");
    TAP_OK(error_stopped_loop, "keep_running is false after skip_with_error");

    char *json = slurp(out_path);
    unlink(out_path);
    TAP_OK(json != NULL, "the JSON output file was written");
    if (json) {
        static const char *const expect[] = {
            "\"name\": \"shim/args/3/7\"",     "\"name\": \"shim/args/5/11\"",
            "\"name\": \"shim/named/size:8\"", "\"name\": \"shim/ranges/32\"",
            "\"name\": \"shim/fixed/iterations:10/real_time\"",
            "\"name\": \"shim/manual/manual_time\"", "\"real_time\": 2.0",
            "\"plain\": 4.2",                  "\"calls_rate\": ",
            "\"items_per_second\": ",          "\"bytes_per_second\": ",
            "\"label\": \"shim-label\"",       "\"time_unit\": \"us\"",
            "\"error_occurred\": true",        "\"error_message\": \"deliberate failure\"",
        };
        for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
            TAP_OK(strstr(json, expect[i]) != NULL, "JSON has %s", expect[i]);
        free(json);
    }
    return tap_done();
}
