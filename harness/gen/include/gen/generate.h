/* Synthetic traces from a spec (docs/generator.md): phases of allocations whose sizes and
 * lifetimes follow the distributions the spec names, drawn from a seeded PRNG
 * (gen_random.h), so one spec and one seed give the same trace, byte for byte, everywhere.
 *
 * Time is counted in allocations ("ticks"): lifetimes, realloc intervals and phase lengths
 * are measured in them. Each tick first performs the frees and reallocs that fall due, then
 * one allocation (or, for a LIFO class on its way down, one free).
 */
#ifndef ALLOCREPLAY_GENERATE_H
#define ALLOCREPLAY_GENERATE_H

#include "trace/trace.h"

#include <stddef.h>
#include <stdint.h>

enum gen_size_kind { GEN_SIZE_FIXED, GEN_SIZE_UNIFORM, GEN_SIZE_POW2, GEN_SIZE_LOGNORMAL,
                     GEN_SIZE_TABLE };

struct gen_size {
    enum gen_size_kind kind;
    uint64_t min, max;     /* uniform/pow2 range; lognormal clamp; fixed: min == max */
    double mu, sigma;      /* lognormal: ln(size) ~ N(mu, sigma^2) */
    uint64_t *table_sizes; /* table: sizes and cumulative weights, n entries */
    double *table_cum;
    size_t table_n;
};

enum gen_life_kind {
    GEN_LIFE_LIFO,        /* a stack: grows to `live`, then is freed newest first to 0 */
    GEN_LIFE_FIFO,        /* a queue of `live` objects: once full, the oldest dies per alloc */
    GEN_LIFE_RANDOM,      /* a pool of `live` objects: once full, a random one dies per alloc */
    GEN_LIFE_EXPONENTIAL, /* each object lives Exp(mean) ticks */
    GEN_LIFE_FOREVER,     /* never freed before the phase drains (or the trace ends) */
};

struct gen_lifetime {
    enum gen_life_kind kind;
    uint64_t live;
    double mean;
};

struct gen_growth {
    uint32_t steps;       /* 0 = no realloc */
    double probability;   /* share of the class's objects that grow */
    double factor;        /* geometric growth (vector doubling: 2) ... */
    uint64_t increment;   /* ... or, when nonzero, linear growth by this many bytes */
    uint64_t interval;    /* ticks between two growth steps (>= 1) */
};

#define GEN_MAX_ALIGNS 8

struct gen_class {
    double weight;
    struct gen_size size;
    struct gen_lifetime life;
    struct gen_growth growth;
    double aligned_probability;
    uint8_t align_log2[GEN_MAX_ALIGNS];
    size_t n_aligns;
    double calloc_probability;
};

struct gen_phase {
    char *name;
    uint64_t events;   /* stop after this many events ... */
    uint64_t objects;  /* ... or after this many allocations (exactly one is nonzero) */
    int drain;         /* free what the phase left live when it ends (default 1) */
    struct gen_class *classes;
    size_t n_classes;
    double rate;       /* events per second, exponential inter-arrival times; 0 = untimed */
    double idle;       /* seconds without events after the phase (timed specs only) */
};

struct gen_spec {
    char *name;
    char *description;
    uint64_t seed;
    uint32_t threads;  /* each object gets a uniform thread number below this ... */
    uint64_t thread_run; /* ... or, when nonzero, threads take turns of this many ticks on
                          * average, and every event of a tick is the running thread's */
    int reuse_ids;     /* a new object takes the id freed last: ids = peak live objects */
    struct gen_phase *phases;
    size_t n_phases;
};

void gen_spec_free(struct gen_spec *s);

/* Generates the trace into memory; seed overrides spec->seed. Returns 0, or -1 (out of memory,
 * or more than 2^32 objects) with err filled. */
int generate(const struct gen_spec *spec, uint64_t seed, struct trace *out,
             struct trace_error *err);

/* Where generate_stream puts the events, one at a time in trace order: event gets each with its
 * time (ns since the trace's start; TRACE_TIME_NONE for an untimed spec) and returns 0, or -1
 * with err filled; progress, when not NULL, is told the events made so far every few million
 * events and once at the end. */
struct gen_sink {
    int (*event)(void *ctx, const struct trace_event *ev, uint64_t time, struct trace_error *err);
    void *ctx;
    void (*progress)(void *ctx, uint64_t events);
};

/* Generates the trace into sink, holding only the live objects' state (with reuse_ids) or
 * one 32-byte record per object, and the objects waiting for a death or a growth step: never
 * the events. Returns 0 or -1 as generate. */
int generate_stream(const struct gen_spec *spec, uint64_t seed, const struct gen_sink *sink,
                    struct trace_error *err);

/* The number of events the phases ask for (the final frees come on top), or 0 when a phase
 * counts objects rather than events. */
uint64_t generate_events_hint(const struct gen_spec *spec);

#endif
