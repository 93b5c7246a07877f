/* Reads a generator spec: libyaml events -> a small node tree (with positions) -> struct
 * gen_spec. The tree keeps every check next to the value it concerns, with its line and
 * column, which a one-pass event consumer would scatter. */
#include "gen/generate_spec.h"
#include "util/input.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

enum node_kind { NODE_SCALAR, NODE_MAP, NODE_SEQ };

struct node {
    enum node_kind kind;
    unsigned line, col; /* 1-based */
    char *text;         /* scalars */
    struct node **items; /* maps: key, value, key, value...; sequences: elements */
    size_t n;
};

struct ctx {
    const char *path;
    struct trace_error *err;
    FILE *f; /* the parser's input, read again to place a reader error */
};

static int fail_at(struct ctx *c, unsigned line, unsigned col, const char *fmt, ...)
{
    char reason[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    snprintf(c->err->msg, sizeof c->err->msg, "%s:%u:%u: %s", c->path, line, col, reason);
    return -1;
}

#define FAIL(c, node, ...) fail_at((c), (node)->line, (node)->col, __VA_ARGS__)

/* Values quoted in messages may hold newlines or control characters: the message stays one line. */
#define SHOWN(s) input_printable((char[64]){0}, 64, (s), 56)

static void node_free(struct node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        node_free(n->items[i]);
    free(n->items);
    free(n->text);
    free(n);
}

/* --- events to tree --- */

static int next_event(struct ctx *c, yaml_parser_t *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(p, ev))
        return 0;
    return input_yaml_error(p, c->f, c->path, c->err->msg, sizeof c->err->msg);
}

static int add_item(struct node *parent, struct node *child)
{
    struct node **items = realloc(parent->items, (parent->n + 1) * sizeof *items);
    if (!items)
        return -1;
    items[parent->n++] = child;
    parent->items = items;
    return 0;
}

/* Builds the node that starts with ev (consumed), depth collections deep; nested events are
 * read from p. */
static int build(struct ctx *c, yaml_parser_t *p, yaml_event_t *ev, unsigned depth,
                 struct node **out)
{
    struct node *n = calloc(1, sizeof *n);
    if (!n)
        return fail_at(c, 0, 0, "out of memory");
    n->line = (unsigned)ev->start_mark.line + 1;
    n->col = (unsigned)ev->start_mark.column + 1;
    int rc = 0;
    yaml_event_type_t end;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n->kind = NODE_SCALAR;
        /* A "\0" escape would cut the C string short: "fixed\0junk" would pass for fixed. */
        if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
            rc = FAIL(c, n, "NUL character (\\0) in a scalar");
            yaml_event_delete(ev);
            node_free(n);
            return rc;
        }
        n->text = strdup((const char *)ev->data.scalar.value);
        yaml_event_delete(ev);
        *out = n;
        return n->text ? 0 : fail_at(c, n->line, n->col, "out of memory");
    case YAML_MAPPING_START_EVENT:
        n->kind = NODE_MAP;
        end = YAML_MAPPING_END_EVENT;
        break;
    case YAML_SEQUENCE_START_EVENT:
        n->kind = NODE_SEQ;
        end = YAML_SEQUENCE_END_EVENT;
        break;
    case YAML_ALIAS_EVENT:
        rc = FAIL(c, n, "anchors and aliases are not supported in a spec");
        yaml_event_delete(ev);
        node_free(n);
        return rc;
    default:
        rc = FAIL(c, n, "unexpected YAML event");
        yaml_event_delete(ev);
        node_free(n);
        return rc;
    }
    yaml_event_delete(ev);
    if (depth >= INPUT_YAML_MAX_DEPTH) {
        rc = FAIL(c, n, "lists and mappings nested more than %d deep", INPUT_YAML_MAX_DEPTH);
        node_free(n);
        return rc;
    }
    for (;;) {
        yaml_event_t child_ev;
        if (next_event(c, p, &child_ev) != 0) {
            rc = -1;
            break;
        }
        if (child_ev.type == end) {
            yaml_event_delete(&child_ev);
            break;
        }
        struct node *child;
        if (build(c, p, &child_ev, depth + 1, &child) != 0) {
            rc = -1;
            break;
        }
        if (add_item(n, child) != 0) {
            node_free(child);
            rc = fail_at(c, n->line, n->col, "out of memory");
            break;
        }
    }
    if (rc == 0 && n->kind == NODE_MAP)
        for (size_t i = 0; i < n->n && rc == 0; i += 2)
            if (n->items[i]->kind != NODE_SCALAR)
                rc = FAIL(c, n->items[i], "mapping keys must be plain words");
    if (rc != 0) {
        node_free(n);
        return -1;
    }
    *out = n;
    return 0;
}

static int parse_file(struct ctx *c, FILE *f, struct node **root)
{
    yaml_parser_t p;
    yaml_event_t ev;
    if (!yaml_parser_initialize(&p))
        return fail_at(c, 0, 0, "out of memory");
    c->f = f;
    yaml_parser_set_input_file(&p, f);
    int rc = 0;
    *root = NULL;
    /* STREAM-START, DOCUMENT-START, the root node, DOCUMENT-END. */
    while (rc == 0 && !*root) {
        if (next_event(c, &p, &ev) != 0) {
            rc = -1;
            break;
        }
        if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            rc = fail_at(c, 1, 1, "empty spec");
            break;
        }
        rc = build(c, &p, &ev, 0, root);
    }
    yaml_parser_delete(&p);
    return rc;
}

/* --- typed accessors --- */

static const struct node *lookup(const struct node *map, const char *key)
{
    for (size_t i = 0; i < map->n; i += 2)
        if (!strcmp(map->items[i]->text, key))
            return map->items[i + 1];
    return NULL;
}

/* Every key of map must be in the NULL-terminated list. */
static int check_keys(struct ctx *c, const struct node *map, const char *what,
                      const char *const *allowed)
{
    for (size_t i = 0; i < map->n; i += 2) {
        const char *k = map->items[i]->text;
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = !strcmp(*a, k);
        if (!ok)
            return FAIL(c, map->items[i], "unknown key '%s' in %s", SHOWN(k), what);
        for (size_t j = 0; j < i; j += 2)
            if (!strcmp(map->items[j]->text, k))
                return FAIL(c, map->items[i], "key '%s' given twice", SHOWN(k));
    }
    return 0;
}

static int want_map(struct ctx *c, const struct node *n, const char *what)
{
    return n->kind == NODE_MAP ? 0 : FAIL(c, n, "%s must be a mapping", what);
}

static int get_u64(struct ctx *c, const struct node *n, const char *what, uint64_t lo,
                   uint64_t hi, uint64_t *out)
{
    if (n->kind != NODE_SCALAR)
        return FAIL(c, n, "%s must be a number", what);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(n->text, &end, 10);
    if (errno || end == n->text || *end || n->text[0] == '-')
        return FAIL(c, n, "%s: '%s' is not a whole number", what, SHOWN(n->text));
    if (v < lo || v > hi)
        return FAIL(c, n, "%s must be between %llu and %llu", what, (unsigned long long)lo,
                    (unsigned long long)hi);
    *out = v;
    return 0;
}

static int get_double(struct ctx *c, const struct node *n, const char *what, double lo,
                      double hi, double *out)
{
    if (n->kind != NODE_SCALAR)
        return FAIL(c, n, "%s must be a number", what);
    char *end;
    errno = 0;
    double v = strtod(n->text, &end);
    if (errno || end == n->text || *end)
        return FAIL(c, n, "%s: '%s' is not a number", what, SHOWN(n->text));
    if (!(v >= lo && v <= hi))
        return FAIL(c, n, "%s must be between %g and %g", what, lo, hi);
    *out = v;
    return 0;
}

static int opt_u64(struct ctx *c, const struct node *map, const char *key, uint64_t lo,
                   uint64_t hi, uint64_t *out)
{
    const struct node *n = lookup(map, key);
    return n ? get_u64(c, n, key, lo, hi, out) : 0;
}

static int opt_double(struct ctx *c, const struct node *map, const char *key, double lo,
                      double hi, double *out)
{
    const struct node *n = lookup(map, key);
    return n ? get_double(c, n, key, lo, hi, out) : 0;
}

static int req(struct ctx *c, const struct node *map, const char *key, const char *what,
               const struct node **out)
{
    *out = lookup(map, key);
    return *out ? 0 : FAIL(c, map, "%s needs '%s'", what, key);
}

static int get_string(struct ctx *c, const struct node *n, const char *what, char **out)
{
    if (n->kind != NODE_SCALAR)
        return FAIL(c, n, "%s must be text", what);
    free(*out);
    *out = strdup(n->text);
    return *out ? 0 : FAIL(c, n, "out of memory");
}

static int is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/* --- the spec's parts --- */

static int parse_size(struct ctx *c, const struct node *m, struct gen_size *s)
{
    static const char *const keys[] = {"dist", "value", "min", "max", "mu", "sigma", "table", NULL};
    const struct node *d;
    if (want_map(c, m, "size") || check_keys(c, m, "size", keys) || req(c, m, "dist", "size", &d))
        return -1;
    const char *dist = d->kind == NODE_SCALAR ? d->text : "";
    uint64_t cap = TRACE_MAX_SIZE;
    if (!strcmp(dist, "fixed")) {
        const struct node *v;
        s->kind = GEN_SIZE_FIXED;
        if (req(c, m, "value", "a fixed size", &v) || get_u64(c, v, "value", 1, cap, &s->min))
            return -1;
        s->max = s->min;
        return 0;
    }
    if (!strcmp(dist, "uniform") || !strcmp(dist, "pow2")) {
        const struct node *lo, *hi;
        s->kind = dist[0] == 'u' ? GEN_SIZE_UNIFORM : GEN_SIZE_POW2;
        if (req(c, m, "min", dist, &lo) || req(c, m, "max", dist, &hi) ||
            get_u64(c, lo, "min", 1, cap, &s->min) || get_u64(c, hi, "max", s->min, cap, &s->max))
            return -1;
        if (s->kind == GEN_SIZE_POW2 && (!is_pow2(s->min) || !is_pow2(s->max)))
            return FAIL(c, m, "pow2 sizes need min and max to be powers of two");
        return 0;
    }
    if (!strcmp(dist, "lognormal")) {
        const struct node *mu, *sigma;
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
        const struct node *t;
        s->kind = GEN_SIZE_TABLE;
        if (req(c, m, "table", "an empirical size table", &t))
            return -1;
        if (t->kind != NODE_SEQ || t->n == 0)
            return FAIL(c, t, "table must be a list of [size, weight] pairs");
        s->table_sizes = calloc(t->n, sizeof *s->table_sizes);
        s->table_cum = calloc(t->n, sizeof *s->table_cum);
        if (!s->table_sizes || !s->table_cum)
            return FAIL(c, t, "out of memory");
        s->table_n = t->n;
        double acc = 0;
        for (size_t i = 0; i < t->n; i++) {
            const struct node *e = t->items[i];
            double w;
            if (e->kind != NODE_SEQ || e->n != 2)
                return FAIL(c, e, "table entries are [size, weight] pairs");
            if (get_u64(c, e->items[0], "table size", 1, cap, &s->table_sizes[i]) ||
                get_double(c, e->items[1], "table weight", 0, 1e18, &w))
                return -1;
            acc += w;
            s->table_cum[i] = acc;
        }
        return acc > 0 ? 0 : FAIL(c, t, "table weights add up to zero");
    }
    return FAIL(c, d, "size dist must be fixed, uniform, pow2, lognormal or table");
}

static int parse_lifetime(struct ctx *c, const struct node *m, struct gen_lifetime *l)
{
    static const char *const keys[] = {"dist", "live", "mean", NULL};
    const struct node *d, *v;
    if (want_map(c, m, "lifetime") || check_keys(c, m, "lifetime", keys) ||
        req(c, m, "dist", "lifetime", &d))
        return -1;
    const char *dist = d->kind == NODE_SCALAR ? d->text : "";
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

static int parse_growth(struct ctx *c, const struct node *m, struct gen_growth *g)
{
    static const char *const keys[] = {"pattern", "factor", "increment", "steps", "probability",
                                       "interval", NULL};
    const struct node *pat, *steps;
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
    const char *p = pat->kind == NODE_SCALAR ? pat->text : "";
    if (!strcmp(p, "geometric"))
        return opt_double(c, m, "factor", 1.01, 16, &g->factor);
    if (!strcmp(p, "linear")) {
        const struct node *inc;
        return req(c, m, "increment", "linear growth", &inc) ||
               get_u64(c, inc, "increment", 1, (uint64_t)1 << 30, &g->increment);
    }
    return FAIL(c, pat, "realloc pattern must be geometric or linear");
}

static int parse_aligned(struct ctx *c, const struct node *m, struct gen_class *k)
{
    static const char *const keys[] = {"probability", "align", NULL};
    const struct node *a;
    if (want_map(c, m, "aligned") || check_keys(c, m, "aligned", keys) ||
        req(c, m, "align", "aligned", &a) ||
        opt_double(c, m, "probability", 0, 1, &k->aligned_probability))
        return -1;
    const struct node *const *vals = a->kind == NODE_SEQ ? (const struct node *const *)a->items : &a;
    size_t n = a->kind == NODE_SEQ ? a->n : 1;
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
static int parse_class(struct ctx *c, const struct node *m, struct gen_class *k)
{
    const struct node *n;
    k->weight = 1.0;
    k->aligned_probability = 1.0;
    k->life.kind = GEN_LIFE_FOREVER;
    if (req(c, m, "size", "an object class", &n) || parse_size(c, n, &k->size))
        return -1;
    if ((n = lookup(m, "lifetime")) && parse_lifetime(c, n, &k->life))
        return -1;
    if ((n = lookup(m, "realloc")) && parse_growth(c, n, &k->growth))
        return -1;
    if ((n = lookup(m, "aligned")) && parse_aligned(c, n, k))
        return -1;
    return opt_double(c, m, "weight", 1e-9, 1e9, &k->weight) ||
           opt_double(c, m, "calloc", 0, 1, &k->calloc_probability);
}

static int parse_phase(struct ctx *c, const struct node *m, struct gen_phase *ph)
{
    static const char *const keys[] = {"name", "events", "objects", "drain", "classes",
                                       "weight", "size", "lifetime", "realloc", "aligned",
                                       "calloc", NULL};
    const struct node *n;
    ph->drain = 1;
    if (want_map(c, m, "a phase") || check_keys(c, m, "a phase", keys))
        return -1;
    if ((n = lookup(m, "name")) && get_string(c, n, "name", &ph->name))
        return -1;
    if (opt_u64(c, m, "events", 1, (uint64_t)1 << 32, &ph->events) ||
        opt_u64(c, m, "objects", 1, UINT32_MAX, &ph->objects))
        return -1;
    if (!ph->events == !ph->objects)
        return FAIL(c, m, "a phase needs exactly one of 'events' and 'objects'");
    if ((n = lookup(m, "drain"))) {
        if (n->kind != NODE_SCALAR || (strcmp(n->text, "true") && strcmp(n->text, "false")))
            return FAIL(c, n, "drain must be true or false");
        ph->drain = !strcmp(n->text, "true");
    }
    const struct node *classes = lookup(m, "classes");
    if (classes) {
        for (const char *const *k = class_keys; *k; k++)
            if (lookup(m, *k))
                return FAIL(c, lookup(m, *k), "'%s' belongs inside 'classes' when a phase has them", *k);
        if (classes->kind != NODE_SEQ || classes->n == 0)
            return FAIL(c, classes, "classes must be a non-empty list");
        ph->classes = calloc(classes->n, sizeof *ph->classes);
        if (!ph->classes)
            return FAIL(c, classes, "out of memory");
        ph->n_classes = classes->n;
        for (size_t i = 0; i < classes->n; i++) {
            const struct node *e = classes->items[i];
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

static int parse_spec(struct ctx *c, const struct node *root, struct gen_spec *s)
{
    static const char *const keys[] = {"format", "name", "description", "seed", "threads",
                                       "phases", NULL};
    const struct node *n, *phases;
    uint64_t threads = 1;
    if (want_map(c, root, "the spec") || check_keys(c, root, "the spec", keys) ||
        req(c, root, "format", "the spec", &n))
        return -1;
    if (n->kind != NODE_SCALAR || strcmp(n->text, GEN_SPEC_FORMAT))
        return FAIL(c, n, "format must be %s", GEN_SPEC_FORMAT);
    if (((n = lookup(root, "name")) && get_string(c, n, "name", &s->name)) ||
        ((n = lookup(root, "description")) && get_string(c, n, "description", &s->description)) ||
        opt_u64(c, root, "seed", 0, UINT64_MAX, &s->seed) ||
        opt_u64(c, root, "threads", 1, 65536, &threads) ||
        req(c, root, "phases", "the spec", &phases))
        return -1;
    s->threads = (uint32_t)threads;
    if (phases->kind != NODE_SEQ || phases->n == 0)
        return FAIL(c, phases, "phases must be a non-empty list");
    s->phases = calloc(phases->n, sizeof *s->phases);
    if (!s->phases)
        return FAIL(c, phases, "out of memory");
    s->n_phases = phases->n;
    for (size_t i = 0; i < phases->n; i++)
        if (parse_phase(c, phases->items[i], &s->phases[i]) != 0)
            return -1;
    return 0;
}

static char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strcspn(b, ".");
    return strndup(b, n ? n : strlen(b));
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
    struct node *root = NULL;
    int rc = parse_file(&c, f, &root);
    fclose(f);
    if (rc == 0)
        rc = parse_spec(&c, root, out);
    if (rc == 0 && !out->name && !(out->name = base_name(path)))
        rc = fail_at(&c, 1, 1, "out of memory");
    node_free(root);
    if (rc != 0)
        gen_spec_free(out);
    return rc;
}
