/* The trace generator: runs the phases of a spec over a simulated clock of allocations.
 * See generate.h for the model and docs/generator.md for the spec. */
#include "gen/generate.h"

#include "gen_random.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct obj {
    uint64_t size;
    const struct gen_growth *growth; /* its class's growth pattern */
    uint32_t grow_left;
    uint32_t life;  /* with reused ids: which object of this id it is (stale due entries) */
    uint32_t phase; /* the phase that allocated it (its drain frees it) */
    uint16_t thread;
    uint8_t alive;
};

/* Something due at a tick: the death of an exponential-lifetime object, or a growth step. */
enum due_kind { DUE_FREE, DUE_GROW };

struct due {
    uint64_t tick, order; /* order breaks ties in scheduling order: deterministic */
    uint32_t id, life;    /* life: the object's, so an entry outlived by its object is skipped */
    uint8_t kind;
};

/* The live objects of a LIFO, FIFO or random class: a ring buffer of ids. */
struct pool {
    uint32_t *ids;
    size_t head, n, cap;
    int draining; /* LIFO: on the way down */
};

struct gen {
    const struct gen_spec *spec;
    const struct gen_sink *sink;
    struct gen_rng rng;
    uint64_t n_events;
    struct obj *objs;
    uint32_t n_objs;   /* ids handed out so far: every id is below it */
    size_t cap_objs;
    uint32_t *free_ids; /* ids: reuse: the ids of dead objects, most recently freed last */
    size_t n_free, cap_free;
    struct due *heap;
    size_t n_heap, cap_heap;
    uint64_t tick, order;
    uint32_t phase;
    uint16_t running; /* thread_run: the thread making this tick's events */
    double rate;  /* of the running phase; 0: the trace is untimed */
    double now;   /* ns since the trace's start, for timed specs */
    struct trace_error *err;
};

#define PROGRESS_EVERY ((uint64_t)1 << 22) /* events between two calls of sink->progress */

static int fail(struct gen *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->err->msg, sizeof g->err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* Doubles an array's capacity; returns the new array, or NULL (the old one is kept). */
static void *grow_array(void *p, size_t *cap, size_t elem)
{
    size_t n = *cap ? *cap * 2 : 256;
    void *q = realloc(p, n * elem);
    if (q)
        *cap = n;
    return q;
}

/* --- the schedule: a binary min-heap on (tick, order) --- */

static int due_before(const struct due *a, const struct due *b)
{
    return a->tick < b->tick || (a->tick == b->tick && a->order < b->order);
}

static int schedule(struct gen *g, uint64_t tick, uint32_t id, enum due_kind kind)
{
    if (g->n_heap == g->cap_heap) {
        struct due *h = grow_array(g->heap, &g->cap_heap, sizeof *h);
        if (!h)
            return -1;
        g->heap = h;
    }
    struct due d = {tick, g->order++, id, g->objs[id].life, (uint8_t)kind};
    size_t i = g->n_heap++;
    while (i > 0 && due_before(&d, &g->heap[(i - 1) / 2])) {
        g->heap[i] = g->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    g->heap[i] = d;
    return 0;
}

static struct due unschedule(struct gen *g)
{
    struct due top = g->heap[0], last = g->heap[--g->n_heap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= g->n_heap)
            break;
        if (c + 1 < g->n_heap && due_before(&g->heap[c + 1], &g->heap[c]))
            c++;
        if (!due_before(&g->heap[c], &last))
            break;
        g->heap[i] = g->heap[c];
        i = c;
    }
    if (g->n_heap > 0)
        g->heap[i] = last;
    return top;
}

/* --- events --- */

static int emit(struct gen *g, enum trace_op op, uint32_t id, uint64_t size, uint8_t align_log2)
{
    uint16_t thread = g->spec->thread_run ? g->running : g->objs[id].thread;
    struct trace_event ev = {id, (uint8_t)op, align_log2, thread, size};
    uint64_t time = TRACE_TIME_NONE;
    if (g->rate > 0) {
        /* A Poisson stream: exponential gaps, mean 1/rate (drawn only for timed specs, so an
         * untimed spec gives the same trace as before). */
        g->now += gen_rng_exponential(&g->rng, 1e9 / g->rate);
        time = (uint64_t)g->now;
    }
    if (g->sink->event(g->sink->ctx, &ev, time, g->err) != 0)
        return -1;
    if (++g->n_events % PROGRESS_EVERY == 0 && g->sink->progress)
        g->sink->progress(g->sink->ctx, g->n_events);
    return 0;
}

static int kill(struct gen *g, uint32_t id)
{
    struct obj *o = &g->objs[id];
    if (!o->alive)
        return 0;
    o->alive = 0;
    if (g->spec->reuse_ids) {
        if (g->n_free == g->cap_free) {
            uint32_t *f = grow_array(g->free_ids, &g->cap_free, sizeof *f);
            if (!f)
                return fail(g, "out of memory");
            g->free_ids = f;
        }
        g->free_ids[g->n_free++] = id;
    }
    return emit(g, TRACE_FREE, id, 0, 0);
}

static uint64_t grown_size(const struct gen_growth *gr, uint64_t size)
{
    uint64_t next = gr->increment ? size + gr->increment : (uint64_t)((double)size * gr->factor);
    if (next <= size)
        next = size + 1;
    return next > TRACE_MAX_SIZE ? TRACE_MAX_SIZE : next;
}

/* Performs what falls due at or before the current tick. */
static int run_due(struct gen *g)
{
    while (g->n_heap > 0 && g->heap[0].tick <= g->tick) {
        struct due d = unschedule(g);
        struct obj *o = &g->objs[d.id];
        if (!o->alive || o->life != d.life)
            continue; /* freed earlier (pool, drain), perhaps its id reused: a stale entry */
        if (d.kind == DUE_FREE) {
            if (kill(g, d.id) != 0)
                return -1;
            continue;
        }
        const struct gen_growth *gr = o->growth;
        o->size = grown_size(gr, o->size);
        if (emit(g, TRACE_REALLOC, d.id, o->size, 0) != 0)
            return -1;
        if (--o->grow_left > 0 && schedule(g, g->tick + gr->interval, d.id, DUE_GROW) != 0)
            return fail(g, "out of memory");
    }
    return 0;
}

static uint64_t sample_size(struct gen *g, const struct gen_size *s)
{
    switch (s->kind) {
    case GEN_SIZE_FIXED:
        return s->min;
    case GEN_SIZE_UNIFORM:
        return s->min + gen_rng_below(&g->rng, s->max - s->min + 1);
    case GEN_SIZE_POW2: {
        unsigned lo = 63 - (unsigned)__builtin_clzll(s->min);
        unsigned hi = 63 - (unsigned)__builtin_clzll(s->max);
        return (uint64_t)1 << (lo + gen_rng_below(&g->rng, hi - lo + 1));
    }
    case GEN_SIZE_LOGNORMAL: {
        double x = gen_exp(s->mu + s->sigma * gen_rng_normal(&g->rng));
        if (!(x < (double)s->max))
            return s->max;
        uint64_t v = (uint64_t)(x + 0.5);
        return v < s->min ? s->min : v;
    }
    case GEN_SIZE_TABLE: {
        double u = gen_rng_unit(&g->rng) * s->table_cum[s->table_n - 1];
        size_t lo = 0, hi = s->table_n - 1;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (u < s->table_cum[mid])
                hi = mid;
            else
                lo = mid + 1;
        }
        return s->table_sizes[lo];
    }
    }
    return 1;
}

/* --- pools (LIFO, FIFO, random classes) --- */

static int pool_push(struct pool *p, uint32_t id)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        uint32_t *ids = malloc(cap * sizeof *ids);
        if (!ids)
            return -1;
        for (size_t i = 0; i < p->n; i++)
            ids[i] = p->ids[(p->head + i) % p->cap];
        free(p->ids);
        p->ids = ids;
        p->head = 0;
        p->cap = cap;
    }
    p->ids[(p->head + p->n++) % p->cap] = id;
    return 0;
}

/* Removes and returns the victim the discipline names. */
static uint32_t pool_take(struct gen *g, struct pool *p, enum gen_life_kind kind)
{
    size_t at;
    if (kind == GEN_LIFE_FIFO)
        at = 0;
    else if (kind == GEN_LIFE_LIFO)
        at = p->n - 1;
    else
        at = (size_t)gen_rng_below(&g->rng, p->n);
    uint32_t *slot = &p->ids[(p->head + at) % p->cap], id = *slot;
    if (at == 0) {
        p->head = (p->head + 1) % p->cap;
    } else {
        *slot = p->ids[(p->head + p->n - 1) % p->cap]; /* random: the last fills the hole */
    }
    p->n--;
    return id;
}

/* --- phases --- */

/* A fresh id, or with ids: reuse the most recently freed one. */
static int take_id(struct gen *g, uint32_t *id)
{
    if (g->n_free > 0) {
        *id = g->free_ids[--g->n_free];
        g->objs[*id].life++;
        return 0;
    }
    if (g->n_objs == UINT32_MAX)
        return fail(g, "more than 2^32 - 1 objects");
    if (g->n_objs == g->cap_objs) {
        struct obj *objs = grow_array(g->objs, &g->cap_objs, sizeof *objs);
        if (!objs)
            return fail(g, "out of memory");
        g->objs = objs;
    }
    *id = g->n_objs++;
    g->objs[*id].life = 0;
    return 0;
}

static int new_object(struct gen *g, const struct gen_class *c, uint32_t *id_out)
{
    uint32_t id = 0;
    if (take_id(g, &id) != 0)
        return -1;
    struct obj *o = &g->objs[id];
    o->phase = g->phase;
    o->size = sample_size(g, &c->size);
    o->thread = g->spec->threads > 1 && !g->spec->thread_run
                    ? (uint16_t)gen_rng_below(&g->rng, g->spec->threads) : 0;
    o->alive = 1;
    o->grow_left = 0;
    o->growth = &c->growth;
    enum trace_op op = TRACE_ALLOC;
    uint8_t align = 0;
    if (c->n_aligns && gen_rng_unit(&g->rng) < c->aligned_probability) {
        op = TRACE_ALIGNED;
        align = c->align_log2[gen_rng_below(&g->rng, c->n_aligns)];
    } else if (c->calloc_probability > 0 && gen_rng_unit(&g->rng) < c->calloc_probability) {
        op = TRACE_CALLOC;
    }
    if (emit(g, op, id, o->size, align) != 0)
        return -1;
    if (c->growth.steps && gen_rng_unit(&g->rng) < c->growth.probability) {
        o->grow_left = c->growth.steps;
        if (schedule(g, g->tick + c->growth.interval, id, DUE_GROW) != 0)
            return fail(g, "out of memory");
    }
    if (c->life.kind == GEN_LIFE_EXPONENTIAL) {
        uint64_t life = 1 + (uint64_t)gen_rng_exponential(&g->rng, c->life.mean);
        if (schedule(g, g->tick + life, id, DUE_FREE) != 0)
            return fail(g, "out of memory");
    }
    *id_out = id;
    return 0;
}

static size_t pick_class(struct gen *g, const struct gen_phase *ph, double total)
{
    if (ph->n_classes == 1)
        return 0;
    double u = gen_rng_unit(&g->rng) * total, acc = 0;
    for (size_t i = 0; i + 1 < ph->n_classes; i++) {
        acc += ph->classes[i].weight;
        if (u < acc)
            return i;
    }
    return ph->n_classes - 1;
}

/* One tick for class c: a free (LIFO on its way down) or an allocation. Returns 1 if it was
 * an allocation, 0 if a free, -1 on error. */
static int step(struct gen *g, const struct gen_class *c, struct pool *p)
{
    enum gen_life_kind k = c->life.kind;
    int pooled = k == GEN_LIFE_LIFO || k == GEN_LIFE_FIFO || k == GEN_LIFE_RANDOM;
    if (k == GEN_LIFE_LIFO) {
        if (p->n >= c->life.live)
            p->draining = 1;
        if (p->draining && p->n > 0)
            return kill(g, pool_take(g, p, k));
        p->draining = 0;
    } else if (pooled && p->n >= c->life.live) {
        if (kill(g, pool_take(g, p, k)) != 0)
            return -1;
    }
    uint32_t id = 0;
    if (new_object(g, c, &id) != 0)
        return -1;
    if (pooled && pool_push(p, id) != 0)
        return fail(g, "out of memory");
    return 1;
}

/* thread_run: at each tick the running thread hands over with probability 1 / thread_run, to
 * a thread drawn uniformly (perhaps itself), so runs last thread_run ticks on average. */
static void next_thread(struct gen *g)
{
    const struct gen_spec *sp = g->spec;
    if (sp->thread_run && sp->threads > 1 && gen_rng_unit(&g->rng) * (double)sp->thread_run < 1.0)
        g->running = (uint16_t)gen_rng_below(&g->rng, sp->threads);
}

static int run_phase(struct gen *g, const struct gen_phase *ph)
{
    struct pool *pools = calloc(ph->n_classes, sizeof *pools);
    if (!pools)
        return fail(g, "out of memory");
    double total = 0;
    for (size_t i = 0; i < ph->n_classes; i++)
        total += ph->classes[i].weight;
    /* Without reused ids, the phase's objects are exactly the ids from here on. */
    uint32_t first_id = g->spec->reuse_ids ? 0 : g->n_objs;
    uint64_t start = g->n_events, allocs = 0;
    g->rate = ph->rate;
    int rc = 0;
    while (rc == 0 && (ph->events ? g->n_events - start < ph->events : allocs < ph->objects)) {
        g->tick++;
        next_thread(g);
        rc = run_due(g);
        if (rc != 0)
            break;
        size_t ci = pick_class(g, ph, total);
        int r = step(g, &ph->classes[ci], &pools[ci]);
        if (r < 0)
            rc = -1;
        allocs += r > 0;
    }
    if (rc == 0 && ph->drain) {
        /* Pools in their own order (a stack unwinds newest first), then the rest by id. */
        for (size_t i = 0; i < ph->n_classes && rc == 0; i++)
            while (pools[i].n > 0 && rc == 0)
                rc = kill(g, pool_take(g, &pools[i], ph->classes[i].life.kind));
        for (uint32_t id = first_id; id < g->n_objs && rc == 0; id++)
            if (g->objs[id].phase == g->phase)
                rc = kill(g, id);
    }
    g->now += ph->idle * 1e9;
    for (size_t i = 0; i < ph->n_classes; i++)
        free(pools[i].ids);
    free(pools);
    return rc;
}

int generate_stream(const struct gen_spec *spec, uint64_t seed, const struct gen_sink *sink,
                    struct trace_error *err)
{
    struct gen g;
    memset(&g, 0, sizeof g);
    g.spec = spec;
    g.sink = sink;
    g.err = err;
    gen_rng_seed(&g.rng, seed);
    int rc = 0;
    for (size_t i = 0; i < spec->n_phases && rc == 0; i++, g.phase++)
        rc = run_phase(&g, &spec->phases[i]);
    /* The trace ends with every object freed, in id order. */
    for (uint32_t id = 0; id < g.n_objs && rc == 0; id++)
        rc = kill(&g, id);
    if (rc == 0 && sink->progress)
        sink->progress(sink->ctx, g.n_events);
    free(g.objs);
    free(g.free_ids);
    free(g.heap);
    return rc;
}

uint64_t generate_events_hint(const struct gen_spec *spec)
{
    uint64_t n = 0;
    for (size_t i = 0; i < spec->n_phases; i++) {
        if (!spec->phases[i].events)
            return 0;
        n += spec->phases[i].events;
    }
    return n;
}

static int push_event(void *ctx, const struct trace_event *ev, uint64_t time,
                      struct trace_error *err)
{
    int rc = time == TRACE_TIME_NONE ? trace_builder_push(ctx, ev)
                                     : trace_builder_push_timed(ctx, ev, time, TRACE_TIME_NONE);
    if (rc != 0)
        snprintf(err->msg, sizeof err->msg, "out of memory");
    return rc;
}

int generate(const struct gen_spec *spec, uint64_t seed, struct trace *out,
             struct trace_error *err)
{
    struct trace_builder b;
    trace_builder_init(&b);
    const struct gen_sink sink = {push_event, &b, NULL};
    int rc = generate_stream(spec, seed, &sink, err);
    if (rc == 0 && trace_builder_finish(&b, spec->name, spec->description, out) != 0) {
        snprintf(err->msg, sizeof err->msg, "out of memory");
        rc = -1;
    }
    if (rc != 0)
        trace_builder_discard(&b);
    return rc;
}

void gen_spec_free(struct gen_spec *s)
{
    for (size_t i = 0; i < s->n_phases; i++) {
        struct gen_phase *ph = &s->phases[i];
        for (size_t j = 0; j < ph->n_classes; j++) {
            free(ph->classes[j].size.table_sizes);
            free(ph->classes[j].size.table_cum);
        }
        free(ph->classes);
        free(ph->name);
    }
    free(s->phases);
    free(s->name);
    free(s->description);
    memset(s, 0, sizeof *s);
}
