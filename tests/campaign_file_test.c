/* The campaign file parser: a full file, defaults, and every kind of error with its exact
 * file:line:column message. */
#include "campaign/campaign.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], file[128];

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* Loads TEXT as the campaign file and checks the error is exactly "FILE:" WANT. */
static void expect_error(const char *text, const char *want, const char *what)
{
    struct campaign c;
    char err[1024], full[1200];
    put(file, text);
    snprintf(full, sizeof full, "%s:%s", file, want);
    int rc = campaign_load(&c, file, err, sizeof err);
    if (!TAP_OK(rc == -1 && !strcmp(err, full), "%s", what))
        printf("#   got:  %s\n#   want: %s\n", rc ? err : "(success)", full);
}

/* Every key of a campaign file, read back. */
static void check_full_file(void)
{
    struct campaign c;
    char err[1024];
    int rc;
    put(file, "# every key\n"
              "name: stl\n"
              "traces: [traces/*.yaml, t.yaml, traces/a.yaml]\n"
              "backends: [sgi, malloc]\n"
              "optional_backends: [jemalloc]\n"
              "repetitions: 7\n"
              "warmup: 2\n"
              "options: {latency: false, memory: true, verify: true, touch: true, rss_every: 5000,\n"
              "          timeout: 60, memory_limit: 512M, lenient: true, min_time_ms: 0,\n"
              "          threads: true}\n"
              "output: out\n"
              "charts: [latency, throughput]\n");
    rc = campaign_load(&c, file, err, sizeof err);
    TAP_OK(rc == 0, "full campaign file parses (%s)", rc ? err : "ok");
    if (rc == 0) {
        char want[3][200];
        snprintf(want[0], 200, "%s/traces/a.yaml", dir);
        snprintf(want[1], 200, "%s/traces/b.yaml", dir);
        snprintf(want[2], 200, "%s/t.yaml", dir);
        TAP_OK(c.n_traces == 3 && !strcmp(c.traces[0], want[0]) && !strcmp(c.traces[1], want[1]) &&
                   !strcmp(c.traces[2], want[2]),
               "traces: glob sorted, relative to the file, duplicates dropped");
        TAP_OK(!strcmp(c.name, "stl") && c.n_backends == 2 && c.n_optional_backends == 1 &&
                   !strcmp(c.optional_backends[0], "jemalloc"),
               "name and backends");
        TAP_OK(c.repetitions == 7 && c.warmup == 2, "repetitions and warmup");
        TAP_OK(!c.opt.latency && c.opt.memory && c.opt.verify && c.opt.touch && c.opt.lenient &&
                   c.opt.rss_every == 5000 && c.opt.timeout_s == 60 &&
                   c.opt.memory_limit == 512ull << 20 && c.opt.min_time_ms == 0 && c.opt.threads,
               "options");
        snprintf(want[0], 200, "%s/out", dir);
        TAP_OK(!strcmp(c.output, want[0]) && !c.output_is_parent,
               "output without a trailing slash is the results directory itself");
        TAP_OK(c.charts == (CHART_LATENCY | CHART_THROUGHPUT), "charts");
        campaign_free(&c);
    }
}

/* What a campaign gets for the keys it leaves out. */
static void check_defaults(void)
{
    struct campaign c;
    char err[1024];
    int rc;
    put(file, "traces: t.yaml\nbackends: sgi\noutput: res/\ncharts: []\n");
    rc = campaign_load(&c, file, err, sizeof err);
    TAP_OK(rc == 0 && !strcmp(c.name, "c") && c.repetitions == 5 && c.warmup == 0 &&
               c.opt.latency && c.opt.memory && !c.opt.verify && c.opt.timeout_s == 300 &&
               c.opt.min_time_ms == RUN_DEFAULT_MIN_TIME_MS && !c.opt.threads &&
               c.output_is_parent && c.charts == 0 && c.n_traces == 1 && c.n_backends == 1,
           "defaults; scalars as one-item lists; 'res/' is a parent; charts: [] is none");
    if (rc == 0)
        campaign_free(&c);
}

/* Backend sweeps and continued specs. */
static void check_sweeps(void)
{
    struct campaign c;
    char err[1024];
    int rc;
    /* Sweeps expand in order (the last key fastest); flow-list items key=value continue. */
    put(file, "traces: t.yaml\n"
              "backends:\n"
              "  - sgi\n"
              "  - [jemalloc:narenas=2, tcache=false]\n"
              "  - jemalloc: {dirty_decay_ms: [0, -1], muzzy_decay_ms: [0, 10]}\n"
              "optional_backends: [slab:empty_keep=0, slab_size=8192]\n");
    rc = campaign_load(&c, file, err, sizeof err);
    TAP_OK(rc != 0, "a nested list is no backend (%s)", err);
    put(file, "traces: t.yaml\n"
              "backends: [sgi, jemalloc:narenas=2,tcache=false,\n"
              "  {jemalloc: {dirty_decay_ms: [0, -1], muzzy_decay_ms: [0, 10]}}]\n"
              "optional_backends: [slab:empty_keep=0,slab_size=8192]\n");
    rc = campaign_load(&c, file, err, sizeof err);
    {
        static const char *const want[] = {
            "sgi", "jemalloc:narenas=2,tcache=false",
            "jemalloc:dirty_decay_ms=0,muzzy_decay_ms=0",
            "jemalloc:dirty_decay_ms=0,muzzy_decay_ms=10",
            "jemalloc:dirty_decay_ms=-1,muzzy_decay_ms=0",
            "jemalloc:dirty_decay_ms=-1,muzzy_decay_ms=10"};
        int same = rc == 0 && c.n_backends == 6 && c.n_optional_backends == 1 &&
                   !strcmp(c.optional_backends[0], "slab:empty_keep=0,slab_size=8192");
        for (size_t i = 0; same && i < 6; i++)
            same = !strcmp(c.backends[i], want[i]);
        TAP_OK(same, "a sweep expands to one backend per combination, in order (%s)",
               rc ? err : "");
        if (rc == 0)
            campaign_free(&c);
    }
    expect_error("traces: [t.yaml]\nbackends: [sgi, refill=3]\n", "2:17: 'refill=3' follows no backend spec (NAME:key=value)",
                 "a continuation after a bare name");
    expect_error("traces: [t.yaml]\nbackends: [{sgi: {refill: []}}]\n", "2:27: 'refill' sweeps no values",
                 "a key with no values");
    expect_error("traces: [t.yaml]\nbackends: [{sgi: {refill: [1, 2]}}, sgi:refill=2]\n",
                 "2:37: backend 'sgi:refill=2' is listed twice", "a swept spec listed again");
}

/* Paths relative to the campaign file. */
static void check_parent_paths(void)
{
    struct campaign c;
    char err[1024];
    int rc;
    char path[200];
    /* "../" cancels components of the file's directory, lexically. */
    char sub[200], subfile[220];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(subfile, sizeof subfile, "%s/c.yaml", sub);
    mkdir(sub, 0777);
    put(subfile, "traces: ../t.yaml\nbackends: sgi\noutput: ../../out/\n");
    rc = campaign_load(&c, subfile, err, sizeof err);
    snprintf(path, sizeof path, "%s/t.yaml", dir);
    TAP_OK(rc == 0 && !strcmp(c.traces[0], path) && !strcmp(c.output, "/tmp/out/"),
           "'../' resolved against the campaign file's directory (%s, %s)", rc ? err : c.traces[0],
           rc ? "" : c.output);
    if (rc == 0)
        campaign_free(&c);
    unlink(subfile);
    rmdir(sub);
}

/* Each kind of mistake: one line naming line and column. */
static void check_errors(void)
{
    expect_error("traces: [t.yaml]\nbackends: [sgi]\ncolour: blue\n",
                 "3:1: unknown key 'colour' (known: name, traces, backends, optional_backends, "
                 "repetitions, warmup, options, output, charts)",
                 "unknown key");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\nrepetitions: five\n",
                 "3:14: 'repetitions' must be a whole number, not 'five'", "repetitions not a number");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\nrepetitions: 0\n",
                 "3:14: 'repetitions' must be between 1 and 10000, not 0", "zero repetitions");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\nrepetitions: -3\n",
                 "3:14: 'repetitions' must be a whole number, not '-3'", "negative repetitions");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\nrepetitions: [5]\n",
                 "3:14: 'repetitions' must be a whole number, not a list", "repetitions as a list");
    expect_error("backends: [sgi]\nrepetitions: 3\n",
                 "1:1: missing key 'traces' (the trace files to replay)", "missing traces");
    expect_error("traces: [t.yaml]\n", "1:1: missing key 'backends' (the allocators to compare)",
                 "missing backends");
    expect_error("traces: [t.yaml, nope/*.alrt]\nbackends: [sgi]\n",
                 "1:18: 'nope/*.alrt' matches no file (paths are relative to the campaign file)",
                 "glob matching nothing");
    expect_error("traces: {a: t.yaml}\nbackends: [sgi]\n", "1:9: 'traces' must be a list, not a mapping",
                 "traces as a mapping");
    expect_error("traces: []\nbackends: [sgi]\n", "1:9: 'traces' must name at least one trace file",
                 "empty traces");
    expect_error("traces: [t.yaml]\nbackends: [sgi, slab, sgi]\n",
                 "2:23: backend 'sgi' is listed twice", "duplicate backend");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\noptions:\n  latency: yes\n",
                 "4:12: 'latency' must be true or false, not 'yes'", "option not a boolean");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\noptions: {latncy: true}\n",
                 "3:11: unknown option 'latncy' (known: latency, memory, verify, touch, lenient, "
                 "threads, window, pace, rss_every, rss_every_ms, min_time_ms, timeout, "
                 "memory_limit)",
                 "unknown option");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\noptions: {threads: 4}\n",
                 "3:20: 'threads' must be true or false, not '4'", "threads is a boolean");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\noptions: {min_time_ms: 4000000}\n",
                 "3:24: 'min_time_ms' must be between 0 and 3600000, not 4000000", "min_time_ms too large");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\noptions: {min_time_ms: 20ms}\n",
                 "3:24: 'min_time_ms' must be a whole number, not '20ms'", "min_time_ms not a number");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\noptions: {memory_limit: 12Q}\n",
                 "3:25: 'memory_limit' must be a byte count (e.g. 512M), not '12Q'", "bad byte count");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\ncharts: [throughput, pie]\n",
                 "3:22: unknown chart 'pie' (known: throughput, latency, memory, fragmentation)",
                 "unknown chart");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\nbackends: [slab]\n",
                 "3:1: key 'backends' is given twice", "duplicate key");
    expect_error("traces: [t.yaml\nbackends: [sgi]\n",
                 "2:9: did not find expected ',' or ']' while parsing a flow sequence",
                 "YAML syntax error");
}

/* Values with control characters, and nesting beyond 64 levels. */
static void check_quoting(void)
{
    /* A quoted value is shown on the one line of the message: control characters become '?'. */
    expect_error("traces: [t.yaml]\nbackends: [sgi]\ncharts: [throughput, \"pie\\nchart\\t\"]\n",
                 "3:22: unknown chart 'pie?chart?' (known: throughput, latency, memory, fragmentation)",
                 "multi-line value quoted on one line");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\nwarmup: \"1\\r\\n2\"\n",
                 "3:9: 'warmup' must be a whole number, not '1??2'", "CR LF in a number");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\nnot\\nkey: 1\n",
                 "3:1: unknown key 'not\\nkey' (known: name, traces, backends, optional_backends, "
                 "repetitions, warmup, options, output, charts)", "plain key kept as written");
    expect_error("traces: [t.yaml]\nbackends: [sgi]\n\"a\\x01b\": 1\n",
                 "3:1: unknown key 'a?b' (known: name, traces, backends, optional_backends, "
                 "repetitions, warmup, options, output, charts)", "control character in a key");
    expect_error("traces: [t.yaml]\nbackends: [\"sgi\\0junk\"]\n",
                 "2:12: NUL character (\\0) in a scalar", "NUL escape in a value");
    /* Nesting: 64 levels are parsed (and refused for what they hold), the 65th is refused as
     * such, before libyaml has read the rest: 100000 levels must not overflow the stack. */
    {
        static char text[100100], want[200];
        size_t k = (size_t)snprintf(text, sizeof text, "traces: ");
        memset(text + k, '[', 63);
        memset(text + k + 63, ']', 63);
        snprintf(text + k + 126, sizeof text - k - 126, "\nbackends: [sgi]\n");
        expect_error(text, "1:10: 'traces' items must be non-empty strings", "64 levels parsed");
        memset(text + k, '[', 100000);
        snprintf(text + k + 100000, sizeof text - k - 100000, "\n");
        snprintf(want, sizeof want, "1:%d: lists and mappings nested more than 64 deep", 8 + 64);
        expect_error(text, want, "100000 nested lists: refused at the 64th");
    }
    expect_error("- t.yaml\n",
                 "1:1: a campaign file is a mapping of keys (name, traces, backends, "
                 "optional_backends, repetitions, warmup, options, output, charts)",
                 "not a mapping");
    expect_error("", "1:1: empty campaign file (it needs at least 'traces' and 'backends')",
                 "empty file");
}

static const char *const traces[] = {"traces/b.yaml", "traces/a.yaml", "traces/c.alrt", "t.yaml"};

int main(void)
{
    struct campaign c;
    char err[1024], path[200];

    snprintf(dir, sizeof dir, "/tmp/campaign_file_test.XXXXXX");
    if (!mkdtemp(dir))
        return 99;
    snprintf(file, sizeof file, "%s/c.yaml", dir);
    snprintf(path, sizeof path, "%s/traces", dir);
    mkdir(path, 0777);
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, traces[i]);
        put(path, "");
    }
    check_full_file();
    check_defaults();
    check_sweeps();
    check_parent_paths();
    check_errors();
    check_quoting();
    TAP_OK(campaign_load(&c, "/nonexistent/c.yaml", err, sizeof err) == -1 &&
               strstr(err, "/nonexistent/c.yaml: cannot open"),
           "missing file");

    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, traces[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/traces", dir);
    rmdir(path);
    unlink(file);
    rmdir(dir);
    return tap_done();
}
