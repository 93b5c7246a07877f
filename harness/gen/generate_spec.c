/* Reads a generator spec: libyaml events -> a small node tree (with positions,
 * util/yaml_tree.h) -> struct gen_spec. The tree keeps every check next to the value it
 * concerns, with its line and column, which a one-pass event consumer would scatter. */
#include "gen/generate_spec.h"
#include "util/input.h"
#include "util/yaml_tree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct yaml_tree_rules spec_yaml_rules = {
    .aliases = "anchors and aliases are not supported in a spec",
    .empty = "empty spec",
    .keys = "mapping keys must be plain words",
};

struct ctx {
    const char *path;
    struct trace_error *err;
};

static int fail_at(struct ctx *c, unsigned long line, unsigned long col, const char *fmt, ...)
{
    char reason[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    snprintf(c->err->msg, sizeof c->err->msg, "%s:%lu:%lu: %s", c->path, line, col, reason);
    return -1;
}

#define FAIL(c, node, ...) fail_at((c), (node)->line, (node)->column, __VA_ARGS__)

/* Values quoted in messages may hold newlines or control characters: the message stays one line. */
#define SHOWN(s) input_printable((char[64]){0}, 64, (s), 56)

/* --- typed accessors --- */

/* Every key of map must be in the NULL-terminated list. */
static int check_keys(struct ctx *c, const struct yaml_tree_node *map, const char *what,
                      const char *const *allowed)
{
    for (size_t i = 0; i < map->n_child; i += 2) {
        const char *k = map->child[i]->value;
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(*a, k);
        if (!ok)
            return FAIL(c, map->child[i], "unknown key '%s' in %s", SHOWN(k), what);
        for (size_t j = 0; j < i; j += 2)
            if (!strcmp(map->child[j]->value, k))
                return FAIL(c, map->child[i], "key '%s' given twice", SHOWN(k));
    }
    return 0;
}

static int want_map(struct ctx *c, const struct yaml_tree_node *n, const char *what)
{
    return n->kind == YAML_TREE_MAPPING ? 0 : FAIL(c, n, "%s must be a mapping", what);
}

/* Typed values: yaml_tree's checks, placed at the node. */
static int get_u64(struct ctx *c, const struct yaml_tree_node *n, const char *what, uint64_t lo,
                   uint64_t hi, uint64_t *out)
{
    char why[256];
    return yaml_tree_uint(n, what, lo, hi, 0, out, why, sizeof why) ? FAIL(c, n, "%s", why) : 0;
}

static int get_double(struct ctx *c, const struct yaml_tree_node *n, const char *what, double lo,
                      double hi, double *out)
{
    char why[256];
    return yaml_tree_double(n, what, lo, hi, out, why, sizeof why) ? FAIL(c, n, "%s", why) : 0;
}

static int opt_u64(struct ctx *c, const struct yaml_tree_node *map, const char *key, uint64_t lo,
                   uint64_t hi, uint64_t *out)
{
    const struct yaml_tree_node *n = yaml_tree_get(map, key);
    return n ? get_u64(c, n, key, lo, hi, out) : 0;
}

static int opt_double(struct ctx *c, const struct yaml_tree_node *map, const char *key, double lo,
                      double hi, double *out)
{
    const struct yaml_tree_node *n = yaml_tree_get(map, key);
    return n ? get_double(c, n, key, lo, hi, out) : 0;
}

static int req(struct ctx *c, const struct yaml_tree_node *map, const char *key, const char *what,
               const struct yaml_tree_node **out)
{
    *out = yaml_tree_get(map, key);
    return *out ? 0 : FAIL(c, map, "%s needs '%s'", what, key);
}

static int get_string(struct ctx *c, const struct yaml_tree_node *n, const char *what, char **out)
{
    char why[256];
    return yaml_tree_string(n, what, 1, out, why, sizeof why) ? FAIL(c, n, "%s", why) : 0;
}

static int is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* --- the spec's parts --- */

static int parse_size(struct ctx *c, const struct yaml_tree_node *m, struct gen_size *s)
{
    static const char *const keys[] = {"dist", "value", "min", "max", "mu", "sigma", "table", NULL};
    const struct yaml_tree_node *d;
    if (want_map(c, m, "size") || check_keys(c, m, "size", keys) || req(c, m, "dist", "size", &d))
        return -1;
    const char *dist = d->kind == YAML_TREE_SCALAR ? d->value : "";
    uint64_t cap = TRACE_MAX_SIZE;
    if (!strcmp(dist, "fixed")) {
        const struct yaml_tree_node *v;
        s->kind = GEN_SIZE_FIXED;
        if (req(c, m, "value", "a fixed size", &v) || get_u64(c, v, "value", 1, cap, &s->min))
            return -1;
        s->max = s->min;
        return 0;
    }
    if (!strcmp(dist, "uniform") || !strcmp(dist, "pow2")) {
        const struct yaml_tree_node *lo, *hi;
        s->kind = dist[0] == 'u' ? GEN_SIZE_UNIFORM : GEN_SIZE_POW2;
        if (req(c, m, "min", dist, &lo) || req(c, m, "max", dist, &hi) ||
            get_u64(c, lo, "min", 1, cap, &s->min) || get_u64(c, hi, "max", s->min, cap, &s->max))
            return -1;
        if (s->kind == GEN_SIZE_POW2 && (!is_pow2(s->min) || !is_pow2(s->max)))
            return FAIL(c, m, "pow2 sizes need min and max to be powers of two");
        return 0;
    }
    if (!strcmp(dist, "lognormal")) {
        const struct yaml_tree_node *mu, *sigma;
        s->kind = GEN_SIZE_LOGNORMAL;
        s->min = 1;
        s->max = (uint64_t)1 << 30;
        if (req(c, m, "mu", "a lognormal size", &mu) || req(c, m, "sigma", "a lognormal size", &sigma) ||
            get_double(c, mu, "mu", -10, 40, &s->mu) || get_double(c, sigma, "sigma", 0, 10, &s->sigma) ||
            opt_u64(c, m, "min", 1, cap, &s->min) || opt_u64(c, m, "max", s->min, cap, &s->max))
            return -1;
        return 0;
    }
    if (!strcmp(dist, "table")) {
        const struct yaml_tree_node *t;
        s->kind = GEN_SIZE_TABLE;
        if (req(c, m, "table", "an empirical size table", &t))
            return -1;
        if (t->kind != YAML_TREE_SEQUENCE || t->n_child == 0)
            return FAIL(c, t, "table must be a list of [size, weight] pairs");
        s->table_sizes = calloc(t->n_child, sizeof *s->table_sizes);
        s->table_cum = calloc(t->n_child, sizeof *s->table_cum);
        if (!s->table_sizes || !s->table_cum)
            return FAIL(c, t, "out of memory");
        s->table_n = t->n_child;
        double acc = 0;
        for (size_t i = 0; i < t->n_child; i++) {
            const struct yaml_tree_node *e = t->child[i];
            double w;
            if (e->kind != YAML_TREE_SEQUENCE || e->n_child != 2)
                return FAIL(c, e, "table entries are [size, weight] pairs");
            if (get_u64(c, e->child[0], "table size", 1, cap, &s->table_sizes[i]) ||
                get_double(c, e->child[1], "table weight", 0, 1e18, &w))
                return -1;
            acc += w;
            s->table_cum[i] = acc;
        }
        return acc > 0 ? 0 : FAIL(c, t, "table weights add up to zero");
    }
    return FAIL(c, d, "size dist must be fixed, uniform, pow2, lognormal or table");
}

static int parse_lifetime(struct ctx *c, const struct yaml_tree_node *m, struct gen_lifetime *l)
{
    static const char *const keys[] = {"dist", "live", "mean", NULL};
    const struct yaml_tree_node *d, *v;
    if (want_map(c, m, "lifetime") || check_keys(c, m, "lifetime", keys) ||
        req(c, m, "dist", "lifetime", &d))
        return -1;
    const char *dist = d->kind == YAML_TREE_SCALAR ? d->value : "";
    static const char *const pooled[] = {"lifo", "fifo", "random"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(dist, pooled[i])) {
            l->kind = i == 0 ? GEN_LIFE_LIFO : i == 1 ? GEN_LIFE_FIFO : GEN_LIFE_RANDOM;
            return req(c, m, "live", dist, &v) || get_u64(c, v, "live", 1, 100000000, &l->live);
        }
    if (!strcmp(dist, "exponential")) {
        l->kind = GEN_LIFE_EXPONENTIAL;
        return req(c, m, "mean", "an exponential lifetime", &v) ||
               get_double(c, v, "mean", 0, 1e12, &l->mean);
    }
    if (!strcmp(dist, "forever")) {
        l->kind = GEN_LIFE_FOREVER;
        return 0;
    }
    return FAIL(c, d, "lifetime dist must be lifo, fifo, random, exponential or forever");
}

static int parse_growth(struct ctx *c, const struct yaml_tree_node *m, struct gen_growth *g)
{
    static const char *const keys[] = {"pattern", "factor", "increment", "steps", "probability",
                                       "interval", NULL};
    const struct yaml_tree_node *pat, *steps;
    uint64_t st;
    g->factor = 2.0;
    g->probability = 1.0;
    g->interval = 1;
    if (want_map(c, m, "realloc") || check_keys(c, m, "realloc", keys) ||
        req(c, m, "pattern", "realloc", &pat) || req(c, m, "steps", "realloc", &steps) ||
        get_u64(c, steps, "steps", 1, 64, &st) ||
        opt_double(c, m, "probability", 0, 1, &g->probability) ||
        opt_u64(c, m, "interval", 1, 1000000000, &g->interval))
        return -1;
    g->steps = (uint32_t)st;
    const char *p = pat->kind == YAML_TREE_SCALAR ? pat->value : "";
    if (!strcmp(p, "geometric"))
        return opt_double(c, m, "factor", 1.01, 16, &g->factor);
    if (!strcmp(p, "linear")) {
        const struct yaml_tree_node *inc;
        return req(c, m, "increment", "linear growth", &inc) ||
               get_u64(c, inc, "increment", 1, (uint64_t)1 << 30, &g->increment);
    }
    return FAIL(c, pat, "realloc pattern must be geometric or linear");
}

static int parse_aligned(struct ctx *c, const struct yaml_tree_node *m, struct gen_class *k)
{
    static const char *const keys[] = {"probability", "align", NULL};
    const struct yaml_tree_node *a;
    if (want_map(c, m, "aligned") || check_keys(c, m, "aligned", keys) ||
        req(c, m, "align", "aligned", &a) ||
        opt_double(c, m, "probability", 0, 1, &k->aligned_probability))
        return -1;
    const struct yaml_tree_node *const *vals =
        a->kind == YAML_TREE_SEQUENCE ? (const struct yaml_tree_node *const *)a->child : &a;
    size_t n = a->kind == YAML_TREE_SEQUENCE ? a->n_child : 1;
    if (n == 0 || n > GEN_MAX_ALIGNS)
        return FAIL(c, a, "align takes 1 to %d values", GEN_MAX_ALIGNS);
    for (size_t i = 0; i < n; i++) {
        uint64_t v;
        if (get_u64(c, vals[i], "align", 1, (uint64_t)1 << TRACE_MAX_ALIGN_LOG2, &v))
            return -1;
        if (!is_pow2(v))
            return FAIL(c, vals[i], "align must be a power of two");
        k->align_log2[i] = (uint8_t)__builtin_ctzll(v);
    }
    k->n_aligns = n;
    return 0;
}

static const char *const class_keys[] = {"weight", "size", "lifetime", "realloc", "aligned",
                                         "calloc", NULL};

/* A class from the keys of m (a class entry, or a phase with one inline class). */
static int parse_class(struct ctx *c, const struct yaml_tree_node *m, struct gen_class *k)
{
    const struct yaml_tree_node *n;
    k->weight = 1.0;
    k->aligned_probability = 1.0;
    k->life.kind = GEN_LIFE_FOREVER;
    if (req(c, m, "size", "an object class", &n) || parse_size(c, n, &k->size))
        return -1;
    if ((n = yaml_tree_get(m, "lifetime")) && parse_lifetime(c, n, &k->life))
        return -1;
    if ((n = yaml_tree_get(m, "realloc")) && parse_growth(c, n, &k->growth))
        return -1;
    if ((n = yaml_tree_get(m, "aligned")) && parse_aligned(c, n, k))
        return -1;
    return opt_double(c, m, "weight", 1e-9, 1e9, &k->weight) ||
           opt_double(c, m, "calloc", 0, 1, &k->calloc_probability);
}

static int parse_phase(struct ctx *c, const struct yaml_tree_node *m, struct gen_phase *ph)
{
    static const char *const keys[] = {"name", "events", "objects", "drain", "classes",
                                       "weight", "size", "lifetime", "realloc", "aligned",
                                       "calloc", "rate", "idle", NULL};
    const struct yaml_tree_node *n;
    ph->drain = 1;
    if (want_map(c, m, "a phase") || check_keys(c, m, "a phase", keys))
        return -1;
    if (opt_double(c, m, "rate", 1e-6, 1e12, &ph->rate) ||
        opt_double(c, m, "idle", 0, 1e6, &ph->idle))
        return -1;
    if (yaml_tree_get(m, "idle") && !yaml_tree_get(m, "rate"))
        return FAIL(c, yaml_tree_get(m, "idle"), "idle needs a rate (events per second) in its phase");
    if ((n = yaml_tree_get(m, "name")) && get_string(c, n, "name", &ph->name))
        return -1;
    if (opt_u64(c, m, "events", 1, (uint64_t)1 << 32, &ph->events) ||
        opt_u64(c, m, "objects", 1, UINT32_MAX, &ph->objects))
        return -1;
    if (!ph->events == !ph->objects)
        return FAIL(c, m, "a phase needs exactly one of 'events' and 'objects'");
    char why[256];
    if ((n = yaml_tree_get(m, "drain")) && yaml_tree_bool(n, "drain", &ph->drain, why, sizeof why))
        return FAIL(c, n, "%s", why);
    const struct yaml_tree_node *classes = yaml_tree_get(m, "classes");
    if (classes) {
        for (const char *const *k = class_keys; *k; k++)
            if (yaml_tree_get(m, *k))
                return FAIL(c, yaml_tree_get(m, *k), "'%s' belongs inside 'classes' when a phase has them", *k);
        if (classes->kind != YAML_TREE_SEQUENCE || classes->n_child == 0)
            return FAIL(c, classes, "classes must be a non-empty list");
        ph->classes = calloc(classes->n_child, sizeof *ph->classes);
        if (!ph->classes)
            return FAIL(c, classes, "out of memory");
        ph->n_classes = classes->n_child;
        for (size_t i = 0; i < classes->n_child; i++) {
            const struct yaml_tree_node *e = classes->child[i];
            if (want_map(c, e, "a class") || check_keys(c, e, "a class", class_keys) ||
                parse_class(c, e, &ph->classes[i]))
                return -1;
        }
        return 0;
    }
    ph->classes = calloc(1, sizeof *ph->classes);
    if (!ph->classes)
        return FAIL(c, m, "out of memory");
    ph->n_classes = 1;
    return parse_class(c, m, &ph->classes[0]);
}

static int parse_spec(struct ctx *c, const struct yaml_tree_node *root, struct gen_spec *s)
{
    static const char *const keys[] = {"format", "name", "description", "seed", "threads",
                                       "thread_run", "ids", "phases", NULL};
    const struct yaml_tree_node *n, *phases;
    uint64_t threads = 1;
    if (want_map(c, root, "the spec") || check_keys(c, root, "the spec", keys) ||
        req(c, root, "format", "the spec", &n))
        return -1;
    if (n->kind != YAML_TREE_SCALAR || strcmp(n->value, GEN_SPEC_FORMAT))
        return FAIL(c, n, "format must be %s", GEN_SPEC_FORMAT);
    if (((n = yaml_tree_get(root, "name")) && get_string(c, n, "name", &s->name)) ||
        ((n = yaml_tree_get(root, "description")) && get_string(c, n, "description", &s->description)) ||
        opt_u64(c, root, "seed", 0, UINT64_MAX, &s->seed) ||
        opt_u64(c, root, "threads", 1, 65536, &threads) ||
        opt_u64(c, root, "thread_run", 1, UINT32_MAX, &s->thread_run) ||
        req(c, root, "phases", "the spec", &phases))
        return -1;
    s->threads = (uint32_t)threads;
    if ((n = yaml_tree_get(root, "ids"))) {
        if (n->kind != YAML_TREE_SCALAR || (strcmp(n->value, "fresh") && strcmp(n->value, "reuse")))
            return FAIL(c, n, "ids must be fresh or reuse");
        s->reuse_ids = !strcmp(n->value, "reuse");
    }
    if (phases->kind != YAML_TREE_SEQUENCE || phases->n_child == 0)
        return FAIL(c, phases, "phases must be a non-empty list");
    s->phases = calloc(phases->n_child, sizeof *s->phases);
    if (!s->phases)
        return FAIL(c, phases, "out of memory");
    s->n_phases = phases->n_child;
    for (size_t i = 0; i < phases->n_child; i++)
        if (parse_phase(c, phases->child[i], &s->phases[i]) != 0)
            return -1;
    /* A trace is timed on every event or none. */
    for (size_t i = 1; i < s->n_phases; i++)
        if ((s->phases[i].rate > 0) != (s->phases[0].rate > 0))
            return FAIL(c, phases->child[i], "rate: every phase needs one when any phase has one");
    return 0;
}

int gen_spec_load(const char *path, struct gen_spec *out, struct trace_error *err)
{
    struct ctx c = {.path = path, .err = err};
    memset(out, 0, sizeof *out);
    if (input_check(path, "a generator spec", err->msg, sizeof err->msg) != 0)
        return -1;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err->msg, sizeof err->msg, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct yaml_tree_node *root =
        yaml_tree_read(f, path, &spec_yaml_rules, err->msg, sizeof err->msg);
    fclose(f);
    int rc = root ? parse_spec(&c, root, out) : -1;
    if (rc == 0 && !out->name && !(out->name = trace_name_from_path(path)))
        rc = fail_at(&c, 1, 1, "out of memory");
    yaml_tree_free(root);
    if (rc != 0)
        gen_spec_free(out);
    return rc;
}
