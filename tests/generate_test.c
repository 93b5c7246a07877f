/* The generator: spec parsing and its errors, determinism (same seed, same bytes; a golden
 * hash so a change in the arithmetic or the PRNG cannot pass unnoticed), the moments of the
 * size and lifetime distributions, and the lifetime disciplines and growth patterns. */
#include "gen_random.h"
#include "gen/generate.h"
#include "gen/generate_spec.h"
#include "tap.h"
#include "trace/trace_summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char spec_path[64];

static void write_spec(const char *text)
{
    FILE *f = fopen(spec_path, "w");
    fputs(text, f);
    fclose(f);
}

/* Loads text as a spec and generates with seed; returns 0 or -1 (message in err). */
static int gen_text(const char *text, uint64_t seed, struct trace *t, struct trace_error *err)
{
    struct gen_spec spec;
    write_spec(text);
    if (gen_spec_load(spec_path, &spec, err) != 0)
        return -1;
    int rc = generate(&spec, seed, t, err);
    gen_spec_free(&spec);
    return rc;
}

static uint64_t fnv1a(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static const char *mixed_spec =
    "format: allocreplay-spec/1\n"
    "threads: 3\n"
    "phases:\n"
    "  - events: 20000\n"
    "    classes:\n"
    "      - {weight: 3, size: {dist: lognormal, mu: 4, sigma: 1}, lifetime: {dist: exponential, mean: 50}}\n"
    "      - {size: {dist: table, table: [[24, 5], [48, 1]]}, lifetime: {dist: random, live: 100}, calloc: 0.5}\n"
    "      - {size: {dist: pow2, min: 16, max: 4096}, lifetime: {dist: lifo, live: 30},\n"
    "         aligned: {probability: 0.5, align: [64, 4096]}}\n"
    "      - {size: {dist: uniform, min: 8, max: 64}, lifetime: {dist: fifo, live: 10},\n"
    "         realloc: {pattern: geometric, steps: 4, probability: 0.3, interval: 5}}\n";

static void test_determinism(void)
{
    struct trace a, b, c;
    struct trace_error err;
    int ok = gen_text(mixed_spec, 7, &a, &err) == 0 && gen_text(mixed_spec, 7, &b, &err) == 0 &&
             gen_text(mixed_spec, 8, &c, &err) == 0;
    if (!TAP_OK(ok, "determinism: spec loads and generates (%s)", ok ? "ok" : err.msg))
        return;
    size_t len = (size_t)a.n_events * sizeof *a.events;
    TAP_OK(a.n_events == b.n_events && !memcmp(a.events, b.events, len),
           "determinism: same seed, identical events");
    TAP_OK(a.n_events != c.n_events || memcmp(a.events, c.events, len),
           "determinism: a different seed gives a different trace");
    uint64_t h = fnv1a(a.events, len);
    /* Recorded once; any machine, compiler or C library must reproduce it. */
    TAP_OK(h == 0xbabc48b41f3ba68aull, "determinism: golden hash of seed 7 (got 0x%016llx, %llu events)",
           (unsigned long long)h, (unsigned long long)a.n_events);
    trace_release(&a);
    trace_release(&b);
    trace_release(&c);
}

static void size_moments(const struct trace *t, double *mean, double *var)
{
    double s = 0, s2 = 0;
    uint64_t n = 0;
    for (uint64_t i = 0; i < t->n_events; i++)
        if (t->events[i].op == TRACE_ALLOC) {
            double x = (double)t->events[i].size;
            s += x;
            s2 += x * x;
            n++;
        }
    *mean = s / (double)n;
    *var = s2 / (double)n - *mean * *mean;
}

static int near(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want);
}

static void test_moments(void)
{
    struct trace t;
    struct trace_error err;
    double mean, var;
    if (TAP_OK(gen_text("format: allocreplay-spec/1\nphases:\n"
                        "  - {objects: 200000, size: {dist: uniform, min: 16, max: 1024},"
                        " lifetime: {dist: random, live: 1000}}\n", 1, &t, &err) == 0,
               "moments: uniform spec")) {
        size_moments(&t, &mean, &var);
        double n = 1024 - 16 + 1;
        TAP_OK(near(mean, 520.0, 0.01), "uniform: mean %.2f ~ 520", mean);
        TAP_OK(near(var, (n * n - 1) / 12, 0.03), "uniform: variance %.0f ~ %.0f", var, (n * n - 1) / 12);
        trace_release(&t);
    }
    if (TAP_OK(gen_text("format: allocreplay-spec/1\nphases:\n"
                        "  - {objects: 200000, size: {dist: lognormal, mu: 5, sigma: 0.5, max: 100000000},"
                        " lifetime: {dist: fifo, live: 1000}}\n", 2, &t, &err) == 0,
               "moments: lognormal spec")) {
        size_moments(&t, &mean, &var);
        double m = exp(5 + 0.125), v = (exp(0.25) - 1) * exp(10 + 0.25);
        TAP_OK(near(mean, m, 0.01), "lognormal: mean %.2f ~ %.2f", mean, m);
        TAP_OK(near(var, v, 0.05), "lognormal: variance %.0f ~ %.0f", var, v);
        trace_release(&t);
    }
    if (TAP_OK(gen_text("format: allocreplay-spec/1\nphases:\n"
                        "  - {objects: 200000, size: {dist: fixed, value: 32},"
                        " lifetime: {dist: exponential, mean: 100}}\n", 3, &t, &err) == 0,
               "moments: exponential lifetime spec")) {
        /* Lifetime in ticks = allocations after the object's own, up to and including the
         * tick it dies in: 1 + floor(Exp(100)), mean 100.5 (one allocation per tick). */
        uint64_t *born = calloc(t.n_ids, sizeof *born), allocs = 0, n = 0;
        double sum = 0;
        for (uint64_t i = 0; i < t.n_events; i++) {
            const struct trace_event *e = &t.events[i];
            if (e->op == TRACE_ALLOC)
                born[e->id] = ++allocs;
            else if (e->id < 100000) {
                sum += (double)(allocs + 1 - born[e->id]);
                n++;
            }
        }
        free(born);
        TAP_EQ_U64(n, 100000, "exponential: first half of the objects all died in the phase");
        TAP_OK(near(sum / (double)n, 100.5, 0.02), "exponential: mean lifetime %.2f ~ 100.5",
               sum / (double)n);
        trace_release(&t);
    }
}

static void test_disciplines(void)
{
    struct trace t;
    struct trace_error err;
    if (TAP_OK(gen_text("format: allocreplay-spec/1\nphases:\n"
                        "  - {objects: 10, size: {dist: fixed, value: 16}, lifetime: {dist: lifo, live: 5},\n"
                        "     realloc: {pattern: geometric, steps: 2, interval: 100}}\n",
                        1, &t, &err) == 0, "lifo spec")) {
        /* Up to 5 live, down to 0 newest first, up again: allocs 0-4, frees 4-0, allocs 5-9,
         * frees 9-5 (the drain of a stack unwinds newest first). Growth never falls due. */
        static const int want[] = {0, 1, 2, 3, 4, -4, -3, -2, -1, -100, 5, 6, 7, 8, 9,
                                   -9, -8, -7, -6, -5};
        int same = t.n_events == 20;
        for (uint64_t i = 0; same && i < 20; i++) {
            int id = want[i] == -100 ? 0 : want[i] < 0 ? -want[i] : want[i];
            int is_free = want[i] < 0;
            same = t.events[i].id == (uint32_t)id && (t.events[i].op == TRACE_FREE) == is_free;
        }
        TAP_OK(same, "lifo: a stack filled and unwound newest first");
        trace_release(&t);
    }
    if (TAP_OK(gen_text("format: allocreplay-spec/1\nphases:\n"
                        "  - {objects: 50, size: {dist: fixed, value: 16}, lifetime: {dist: fifo, live: 3}}\n",
                        1, &t, &err) == 0, "fifo spec")) {
        uint32_t next_victim = 0;
        int fifo = 1;
        for (uint64_t i = 0; i < t.n_events; i++)
            if (t.events[i].op == TRACE_FREE)
                fifo &= t.events[i].id == next_victim++;
        TAP_OK(fifo && next_victim == 50, "fifo: objects die oldest first");
        trace_release(&t);
    }
    if (TAP_OK(gen_text("format: allocreplay-spec/1\nphases:\n"
                        "  - {objects: 5, size: {dist: fixed, value: 16},\n"
                        "     realloc: {pattern: geometric, steps: 3}}\n"
                        "  - {objects: 5, size: {dist: fixed, value: 100},\n"
                        "     realloc: {pattern: linear, increment: 10, steps: 2}}\n",
                        1, &t, &err) == 0, "growth spec")) {
        /* Object 0 (tick 1) grows at ticks 2, 3, 4; object 5, the first of the second
         * phase, at its next two ticks. */
        uint64_t last[16] = {0}, grown0 = 0, grown5 = 0;
        int pattern = 1;
        for (uint64_t i = 0; i < t.n_events; i++) {
            const struct trace_event *e = &t.events[i];
            if (e->op == TRACE_FREE || e->id >= 16)
                continue;
            if (e->op == TRACE_REALLOC)
                pattern &= e->id < 5 ? e->size == last[e->id] * 2 : e->size == last[e->id] + 10;
            grown0 += e->op == TRACE_REALLOC && e->id == 0;
            grown5 += e->op == TRACE_REALLOC && e->id == 5;
            last[e->id] = e->size;
        }
        TAP_OK(pattern, "growth: geometric doubles, linear adds the increment");
        TAP_OK(grown0 == 3 && last[0] == 128, "growth: 16 -> 32 -> 64 -> 128 in three steps");
        TAP_OK(grown5 == 2 && last[5] == 120, "growth: 100 -> 110 -> 120 in two steps");
        trace_release(&t);
    }
}

static void test_errors(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"format: allocreplay-spec/1\nphases:\n  - {objects: 5, size: {dist: fixed, value: 8}, colour: red}\n",
         ":3:49: unknown key 'colour' in a phase"},
        {"format: allocreplay-spec/1\nphases:\n  - {objects: 5, size: {dist: gaussian}}\n",
         ":3:31: size dist must be"},
        {"format: allocreplay-spec/1\nphases:\n  - {size: {dist: fixed, value: 8}}\n",
         ":3:5: a phase needs exactly one of 'events' and 'objects'"},
        {"format: allocreplay-spec/1\nphases:\n  - {objects: 5, size: {dist: pow2, min: 16, max: 100}}\n",
         "pow2 sizes need min and max to be powers of two"},
        {"format: allocreplay-spec/2\nphases: []\n", ":1:9: format must be allocreplay-spec/1"},
        {"format: allocreplay-spec/1\nphases: [\n", ":3:1: did not find expected node content"},
        {"format: allocreplay-spec/1\nphases:\n  - {objects: -5, size: {dist: fixed, value: 8}}\n",
         ":3:15: 'objects' must be a whole number, not '-5'"},
        /* Quoted values stay on the message's one line: control characters become '?'. */
        {"format: allocreplay-spec/1\n\"col\\nour\": 1\n", ":2:1: unknown key 'col?our' in the spec"},
        {"format: allocreplay-spec/1\nphases:\n  - {objects: \"5\\r\\n6\", size: {dist: fixed, value: 8}}\n",
         ":3:15: 'objects' must be a whole number, not '5??6'"},
        {"format: \"allocreplay-spec/1\\0junk\"\n", ":1:9: NUL character (\\0) in a scalar"},
        {"format: allocreplay-spec/1\nphases:\n  - {objects: 5, rate: 10, size: {dist: fixed, value: 8}}\n"
         "  - {objects: 5, size: {dist: fixed, value: 8}}\n",
         ":4:5: rate: every phase needs one when any phase has one"},
        {"format: allocreplay-spec/1\nphases:\n  - {objects: 5, idle: 2, size: {dist: fixed, value: 8}}\n",
         ":3:24: idle needs a rate"},
        {"format: allocreplay-spec/1\nids: recycled\nphases: []\n", ":2:6: ids must be fresh or reuse"},
        {"format: allocreplay-spec/1\nthread_run: 0\nphases: []\n", ":2:13: 'thread_run' must be between 1 and 4294967295, not 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gen_spec spec;
        struct trace_error err;
        write_spec(cases[i].text);
        int rc = gen_spec_load(spec_path, &spec, &err);
        int ok = rc != 0 && !strncmp(err.msg, spec_path, strlen(spec_path)) &&
                 strstr(err.msg, cases[i].want);
        TAP_OK(ok, "spec error %zu: %s", i, rc ? err.msg : "(accepted)");
        if (rc == 0)
            gen_spec_free(&spec);
    }
    /* Nesting: 64 levels are parsed (and refused for what they hold), the 65th is refused as
     * such: 100000 levels must not overflow the stack. */
    static char text[100100];
    size_t k = (size_t)snprintf(text, sizeof text, "format: allocreplay-spec/1\nphases: ");
    for (int deep = 0; deep < 2; deep++) {
        struct gen_spec spec;
        struct trace_error err;
        size_t n = deep ? 100000 : 63;
        memset(text + k, '[', n);
        if (!deep)
            memset(text + k + n, ']', n);
        snprintf(text + k + (deep ? n : 2 * n), 2, "\n");
        write_spec(text);
        int rc = gen_spec_load(spec_path, &spec, &err);
        int nested = rc != 0 && strstr(err.msg, ":2:72: lists and mappings nested more than 64 deep");
        TAP_OK(rc != 0 && nested == deep, "%s levels of nesting: %s", deep ? "100000" : "64",
               rc ? err.msg : "(accepted)");
        if (rc == 0)
            gen_spec_free(&spec);
    }
}

/* rate: a Poisson stream (mean gap 1/rate); idle: a gap after the phase. */
static void test_time(void)
{
    struct trace t;
    struct trace_error err;
    const char *text = "format: allocreplay-spec/1\nphases:\n"
                       "  - {events: 20000, rate: 100000, idle: 2, size: {dist: fixed, value: 8}, "
                       "lifetime: {dist: fifo, live: 10}}\n"
                       "  - {events: 20000, rate: 100000, size: {dist: fixed, value: 8}, "
                       "lifetime: {dist: fifo, live: 10}}\n";
    if (!TAP_OK(gen_text(text, 1, &t, &err) == 0 && t.times, "a spec with rates gives a timed trace"))
        return;
    uint64_t longest = 0, at = 0;
    for (uint64_t i = 1; i < t.n_events; i++) {
        uint64_t gap = t.times[i] - t.times[i - 1];
        if (gap > longest)
            longest = gap, at = i;
    }
    TAP_OK(longest > 2000000000 && longest < 2001000000 && at >= 20000 && at <= 20020,
           "idle: one 2 s gap after the first phase (got %llu ns before event %llu)",
           (unsigned long long)longest, (unsigned long long)at);
    double mean = (double)t.times[at - 1] / (double)at;
    TAP_OK(near(mean, 10000, 0.05), "rate 100000/s: mean gap 10 us (got %.0f ns)", mean);
    TAP_OK(trace_validate_times(&t, "gen", &err) == 0, "generated times are valid");
    trace_release(&t);
    TAP_OK(gen_text(mixed_spec, 1, &t, &err) == 0 && !t.times, "a spec without rates is untimed");
    trace_release(&t);
}

/* ids: reuse keeps the id count at the peak of live objects, across phases that drain and
 * phases that do not, with deaths and growth steps scheduled for objects whose ids were reused
 * (each would break the trace if it reached the wrong object); thread_run gives runs of one
 * thread. */
static void test_reuse_and_runs(void)
{
    static const char *text =
        "format: allocreplay-spec/1\nthreads: 8\nthread_run: 100\nids: reuse\nphases:\n"
        "  - events: 30000\n    drain: false\n    classes:\n"
        "      - {weight: 4, size: {dist: uniform, min: 8, max: 64}, lifetime: {dist: exponential, mean: 30},\n"
        "         realloc: {pattern: linear, increment: 8, steps: 5, probability: 0.5, interval: 20}}\n"
        "      - {size: {dist: fixed, value: 8}, lifetime: {dist: exponential, mean: 5}}\n"
        "      - {size: {dist: fixed, value: 100}, lifetime: {dist: fifo, live: 50}}\n"
        "  - {events: 30000, size: {dist: fixed, value: 16}, lifetime: {dist: random, live: 40}}\n"
        "  - {objects: 500, size: {dist: fixed, value: 32}}\n";
    struct trace t;
    struct trace_error err;
    if (!TAP_OK(gen_text(text, 3, &t, &err) == 0, "reuse: generates (%s)", err.msg))
        return;
    struct trace_summary s;
    trace_summarize(&t, &s);
    TAP_OK(trace_validate(&t, &err) == 0, "reuse: the trace is valid (%s)", err.msg);
    TAP_OK(s.objects > 20000 && t.n_ids == s.peak_live_objects,
           "reuse: %llu objects on %u ids, the peak of live objects (%llu)",
           (unsigned long long)s.objects, t.n_ids, (unsigned long long)s.peak_live_objects);
    /* A death or growth step meant for an earlier object of a reused id must not reach it. */
    uint32_t *grown = calloc(t.n_ids, sizeof *grown), most = 0;
    for (uint64_t i = 0; grown && i < t.n_events; i++) {
        const struct trace_event *ev = &t.events[i];
        grown[ev->id] = ev->op == TRACE_REALLOC ? grown[ev->id] + 1 : 0;
        most = grown[ev->id] > most ? grown[ev->id] : most;
    }
    free(grown);
    TAP_OK(most == 5, "reuse: at most 5 growth steps per object (got %u)", most);
    uint64_t switches = 0;
    for (uint64_t i = 1; i < t.n_events; i++)
        switches += t.events[i].thread != t.events[i - 1].thread;
    TAP_OK(s.threads == 8 && switches > 100 && switches < t.n_events / 50,
           "thread_run: 8 threads, %llu switches in %llu events", (unsigned long long)switches,
           (unsigned long long)t.n_events);
    trace_release(&t);
}

static void test_math(void)
{
    double worst_log = 0, worst_exp = 0;
    for (double x = 1e-300; x < 1e300; x *= 1.37) {
        double d = fabs(gen_log(x) - log(x)) / fmax(fabs(log(x)), 1e-300);
        worst_log = fmax(worst_log, d);
    }
    for (double x = -700; x < 700; x += 0.173) {
        double d = fabs(gen_exp(x) - exp(x)) / exp(x);
        worst_exp = fmax(worst_exp, d);
    }
    TAP_OK(worst_log < 1e-14, "gen_log within 1e-14 of libm (worst %.2g)", worst_log);
    TAP_OK(worst_exp < 1e-13, "gen_exp within 1e-13 of libm (worst %.2g)", worst_exp);
    struct gen_rng r;
    gen_rng_seed(&r, 0);
    uint64_t counts[3] = {0, 0, 0};
    for (int i = 0; i < 30000; i++)
        counts[gen_rng_below(&r, 3)]++;
    TAP_OK(counts[0] > 9500 && counts[1] > 9500 && counts[2] > 9500, "below(3) is unbiased");
}

int main(void)
{
    snprintf(spec_path, sizeof spec_path, "/tmp/allocreplay-gen-test.%d.yaml", (int)getpid());
    test_determinism();
    test_moments();
    test_disciplines();
    test_errors();
    test_time();
    test_reuse_and_runs();
    test_math();
    unlink(spec_path);
    return tap_done();
}
