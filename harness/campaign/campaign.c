#include "campaign/campaign.h"
#include "trace/trace.h"
#include "util/input.h"
#include "util/yaml_tree.h"
#include "run/runner.h"

#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The campaign file is small, so it is read into a tree of nodes that keep their positions
 * (util/yaml_tree.h); validation then walks the tree and can point at any node. */
static const struct yaml_tree_rules campaign_yaml_rules = {
    .aliases = "YAML aliases are not supported in campaign files",
    .empty = "empty campaign file (it needs at least 'traces' and 'backends')",
    .one_document = "a campaign file holds one YAML document",
};

struct parser {
    const char *path;
    char *err;
    size_t err_len;
};

/* Values quoted in messages may hold newlines or control characters: the message stays one line. */
#define SHOWN(s) input_printable((char[64]){0}, 64, (s), 56)

static int fail_at(struct parser *p, const struct yaml_tree_node *n, const char *fmt, ...)
{
    va_list ap;
    int k = snprintf(p->err, p->err_len, "%s:%lu:%lu: ", p->path, n->line, n->column);
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < p->err_len)
        vsnprintf(p->err + k, p->err_len - (size_t)k, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- value checks: yaml_tree's typed values, placed at the node ---- */

static int get_bool(struct parser *p, const struct yaml_tree_node *n, const char *key, int *out)
{
    char why[256];
    return yaml_tree_bool(n, key, out, why, sizeof why) ? fail_at(p, n, "%s", why) : 0;
}

/* An unsigned integer in [lo, hi]; with suffixes (K, M, G, T: powers of 1024) when allowed. */
static int get_uint(struct parser *p, const struct yaml_tree_node *n, const char *key, uint64_t lo,
                    uint64_t hi, int suffixes, uint64_t *out)
{
    char why[256];
    return yaml_tree_uint(n, key, lo, hi, suffixes, out, why, sizeof why)
               ? fail_at(p, n, "%s", why)
               : 0;
}

static int get_string(struct parser *p, const struct yaml_tree_node *n, const char *key, char **out)
{
    char why[256];
    return yaml_tree_string(n, key, 0, out, why, sizeof why) ? fail_at(p, n, "%s", why) : 0;
}

/* Lists of strings: a single scalar is taken as a one-item list. */
/* A list of non-empty strings (or one string); backend lists may also hold sweeps (mappings). */
static int check_list(struct parser *p, const struct yaml_tree_node *n, const char *key)
{
    int sweeps = !strcmp(key, "backends") || !strcmp(key, "optional_backends");
    if (n->kind == YAML_TREE_MAPPING)
        return fail_at(p, n, "'%s' must be a list, not a mapping", key);
    if (n->kind == YAML_TREE_SEQUENCE)
        for (size_t i = 0; i < n->n_child; i++)
            if (!(sweeps && n->child[i]->kind == YAML_TREE_MAPPING) &&
                (n->child[i]->kind != YAML_TREE_SCALAR || !*n->child[i]->value))
                return fail_at(p, n->child[i], "'%s' items must be non-empty strings%s", key,
                               sweeps ? " or sweeps (NAME: {key: [values]})" : "");
    if (n->kind == YAML_TREE_SCALAR && !*n->value)
        return fail_at(p, n, "'%s' must not be empty", key);
    return 0;
}

static size_t list_len(const struct yaml_tree_node *n)
{
    return n->kind == YAML_TREE_SCALAR ? 1 : n->n_child;
}

static const struct yaml_tree_node *list_item(const struct yaml_tree_node *n, size_t i)
{
    return n->kind == YAML_TREE_SCALAR ? n : n->child[i];
}

static int push_string(char ***arr, size_t *n, const char *s)
{
    char **grown = realloc(*arr, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    *arr = grown;
    if (!(grown[*n] = strdup(s)))
        return -1;
    (*n)++;
    return 0;
}

static int contains(char *const *arr, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(arr[i], s))
            return 1;
    return 0;
}

/* DIR/REL, or REL itself when it is absolute or DIR is ".". Leading "../" of REL cancel
 * trailing components of DIR ("campaigns" + "../traces/x" is "traces/x"), so the paths the
 * results name stay short; this is lexical, as a user reads them. Caller frees. */
static char *resolve(const char *dir, const char *rel)
{
    size_t n = strlen(dir) + strlen(rel) + 3;
    char *s = malloc(n);
    if (!s)
        return NULL;
    if (rel[0] == '/') {
        snprintf(s, n, "%s", rel);
        return s;
    }
    snprintf(s, n, "%s", dir);
    while (!strncmp(rel, "../", 3) && strcmp(s, ".") && strcmp(s, "/")) {
        char *slash = strrchr(s, '/');
        const char *last = slash ? slash + 1 : s;
        if (!strcmp(last, "..") || !strcmp(last, "."))
            break;
        if (slash == s)
            s[1] = '\0'; /* "/x" -> "/" */
        else if (slash)
            *slash = '\0';
        else
            strcpy(s, ".");
        rel += 3;
    }
    if (!strcmp(s, "."))
        snprintf(s, n, "%s", rel);
    else
        snprintf(s + strlen(s), n - strlen(s), "%s%s", s[strlen(s) - 1] == '/' ? "" : "/", rel);
    return s;
}

static int add_traces(struct parser *p, struct campaign *c, const char *dir,
                      const struct yaml_tree_node *n)
{
    if (check_list(p, n, "traces"))
        return -1;
    if (list_len(n) == 0)
        return fail_at(p, n, "'traces' must name at least one trace file");
    for (size_t i = 0; i < list_len(n); i++) {
        const struct yaml_tree_node *item = list_item(n, i);
        char *pattern = resolve(dir, item->value);
        glob_t g;
        int rc;
        if (!pattern)
            return fail_at(p, item, "out of memory");
        rc = glob(pattern, 0, NULL, &g);
        free(pattern);
        if (rc == GLOB_NOMATCH)
            return fail_at(p, item, "'%s' matches no file (paths are relative to the campaign file)",
                           SHOWN(item->value));
        if (rc != 0)
            return fail_at(p, item, "'%s': %s", SHOWN(item->value),
                           rc == GLOB_NOSPACE ? "out of memory" : "cannot read the directory");
        for (size_t k = 0; k < g.gl_pathc; k++)
            if (!contains(c->traces, c->n_traces, g.gl_pathv[k]) &&
                push_string(&c->traces, &c->n_traces, g.gl_pathv[k])) {
                globfree(&g);
                return fail_at(p, item, "out of memory");
            }
        globfree(&g);
    }
    return 0;
}

/* Adds one backend spec of the list (refusing a duplicate) and remembers where it was written. */
static int add_spec(struct parser *p, struct campaign *c, const struct yaml_tree_node *item,
                    char ***arr, size_t *count, const char *spec)
{
    if (contains(c->backends, c->n_backends, spec) ||
        contains(c->optional_backends, c->n_optional_backends, spec))
        return fail_at(p, item, "backend '%s' is listed twice", SHOWN(spec));
    if (push_string(arr, count, spec))
        return fail_at(p, item, "out of memory");
    struct campaign_where **where =
        arr == &c->backends ? &c->backend_where : &c->optional_backend_where;
    struct campaign_where *w = realloc(*where, *count * sizeof *w);
    if (!w)
        return fail_at(p, item, "out of memory");
    *where = w;
    w[*count - 1] = (struct campaign_where){item->line, item->column};
    return 0;
}

/* key=value with no ':' before the '=': in a flow list ([jemalloc:narenas=2,tcache=false])
 * YAML splits a spec at its commas, and such an item continues the spec before it. */
static int is_continuation(const char *item)
{
    size_t eq = strcspn(item, "=");
    return item[eq] == '=' && !memchr(item, ':', eq);
}

static int continue_spec(struct parser *p, const struct yaml_tree_node *item, char **prev)
{
    if (!*prev || !strchr(*prev, ':') || !strncmp(*prev, "plugin:", 7) ||
        !strncmp(*prev, "preload:", 8))
        return fail_at(p, item, "'%s' follows no backend spec (NAME:key=value)",
                       SHOWN(item->value));
    size_t a = strlen(*prev), b = strlen(item->value);
    char *joined = realloc(*prev, a + b + 2);
    if (!joined)
        return fail_at(p, item, "out of memory");
    joined[a] = ',';
    memcpy(joined + a + 1, item->value, b + 1);
    *prev = joined;
    return 0;
}

#define SWEEP_MAX 256 /* backends one sweep may expand to */

/* A sweep, `- NAME: {key: value or [value, ...], ...}`: one spec per combination of the
 * values, keys in the order written, the last key varying fastest. */
static int add_sweep(struct parser *p, struct campaign *c, const struct yaml_tree_node *item,
                     char ***arr, size_t *count)
{
    const char *form = "a backend sweep is NAME: {key: value or [values], ...}";
    if (item->n_child != 2 || item->child[0]->kind != YAML_TREE_SCALAR ||
        item->child[1]->kind != YAML_TREE_MAPPING || !item->child[1]->n_child)
        return fail_at(p, item, "%s", form);
    const char *name = item->child[0]->value;
    const struct yaml_tree_node *keys = item->child[1];
    size_t nk = keys->n_child / 2, total = 1;
    if (!*name || strchr(name, ':') || strchr(name, ','))
        return fail_at(p, item->child[0], "%s (NAME is a backend name)", form);
    for (size_t k = 0; k < nk; k++) {
        const struct yaml_tree_node *key = keys->child[2 * k], *v = keys->child[2 * k + 1];
        if (key->kind != YAML_TREE_SCALAR || !*key->value || strpbrk(key->value, "=,:"))
            return fail_at(p, key, "%s", form);
        if (check_list(p, v, key->value))
            return -1;
        if (list_len(v) == 0)
            return fail_at(p, v, "'%s' sweeps no values", SHOWN(key->value));
        for (size_t i = 0; i < list_len(v); i++)
            if (strchr(list_item(v, i)->value, ','))
                return fail_at(p, list_item(v, i), "a value may not hold ','");
        total *= list_len(v);
        if (total > SWEEP_MAX)
            return fail_at(p, item, "the sweep expands to more than %d backends", SWEEP_MAX);
    }
    for (size_t combo = 0; combo < total; combo++) {
        char spec[1024];
        size_t used = (size_t)snprintf(spec, sizeof spec, "%s", name), rest = combo, div = total;
        for (size_t k = 0; k < nk && used < sizeof spec; k++) {
            const struct yaml_tree_node *v = keys->child[2 * k + 1];
            div /= list_len(v);
            used += (size_t)snprintf(spec + used, sizeof spec - used, "%c%s=%s", k ? ',' : ':',
                                     keys->child[2 * k]->value, list_item(v, rest / div)->value);
            rest %= div;
        }
        if (used >= sizeof spec)
            return fail_at(p, item, "a backend spec of the sweep is too long");
        if (add_spec(p, c, item, arr, count, spec))
            return -1;
    }
    return 0;
}

static int add_backends(struct parser *p, struct campaign *c, const struct yaml_tree_node *n,
                        const char *key, char ***arr, size_t *count)
{
    if (check_list(p, n, key))
        return -1;
    for (size_t i = 0; i < list_len(n); i++) {
        const struct yaml_tree_node *item = list_item(n, i);
        int rc;
        if (item->kind == YAML_TREE_MAPPING)
            rc = add_sweep(p, c, item, arr, count);
        else if (is_continuation(item->value))
            rc = continue_spec(p, item, *count ? &(*arr)[*count - 1] : (char *[]){NULL});
        else
            rc = add_spec(p, c, item, arr, count, item->value);
        if (rc)
            return -1;
    }
    return 0;
}

static const char *const chart_names[] = {"throughput", "latency", "memory", "fragmentation"};

static int get_charts(struct parser *p, struct campaign *c, const struct yaml_tree_node *n)
{
    if (check_list(p, n, "charts"))
        return -1;
    c->charts = 0;
    for (size_t i = 0; i < list_len(n); i++) {
        const struct yaml_tree_node *item = list_item(n, i);
        unsigned k;
        for (k = 0; k < sizeof chart_names / sizeof chart_names[0]; k++)
            if (!strcmp(item->value, chart_names[k]))
                break;
        if (k == sizeof chart_names / sizeof chart_names[0])
            return fail_at(p, item,
                           "unknown chart '%s' (known: throughput, latency, memory, fragmentation)",
                           SHOWN(item->value));
        c->charts |= 1u << k;
    }
    return 0;
}

static int get_options(struct parser *p, struct campaign *c, const struct yaml_tree_node *n)
{
    if (n->kind != YAML_TREE_MAPPING)
        return fail_at(p, n, "'options' must be a mapping, e.g. {latency: true, timeout: 120}");
    for (size_t i = 0; i + 1 < n->n_child; i += 2) {
        const struct yaml_tree_node *k = n->child[i], *v = n->child[i + 1];
        const char *key = k->value;
        uint64_t u;
        int rc;
        if (k->kind != YAML_TREE_SCALAR)
            return fail_at(p, k, "option names are plain words");
        if (!strcmp(key, "latency"))
            rc = get_bool(p, v, key, &c->opt.latency);
        else if (!strcmp(key, "memory"))
            rc = get_bool(p, v, key, &c->opt.memory);
        else if (!strcmp(key, "verify"))
            rc = get_bool(p, v, key, &c->opt.verify);
        else if (!strcmp(key, "touch"))
            rc = get_bool(p, v, key, &c->opt.touch);
        else if (!strcmp(key, "lenient"))
            rc = get_bool(p, v, key, &c->opt.lenient);
        else if (!strcmp(key, "threads"))
            rc = get_bool(p, v, key, &c->opt.threads);
        else if (!strcmp(key, "window")) {
            if (v->kind != YAML_TREE_SCALAR || run_window_parse(v->value, &c->opt.window))
                return fail_at(p, v, "option 'window' must be auto, strict, free or a count of events >= 1");
            c->opt.window_set = 1;
            rc = 0;
        } else if (!strcmp(key, "pace")) {
            if (v->kind != YAML_TREE_SCALAR || run_pace_parse(v->value, &c->opt.pace))
                return fail_at(p, v, "option 'pace' must be recorded or a speed factor such as 10x");
            rc = 0;
        } else if (!strcmp(key, "rss_every_ms")) {
            rc = get_uint(p, v, key, 1, 86400 * 1000, 0, &u);
            c->opt.rss_every_ms = u;
        } else if (!strcmp(key, "rss_every")) {
            rc = get_uint(p, v, key, 1, UINT64_MAX, 0, &u);
            c->opt.rss_every = u;
        } else if (!strcmp(key, "min_time_ms")) {
            rc = get_uint(p, v, key, 0, 3600 * 1000, 0, &u);
            c->opt.min_time_ms = u;
        } else if (!strcmp(key, "timeout")) {
            rc = get_uint(p, v, key, 0, 7 * 24 * 3600, 0, &u);
            c->opt.timeout_s = (unsigned)u;
        } else if (!strcmp(key, "memory_limit")) {
            rc = get_uint(p, v, key, 0, UINT64_MAX, 1, &u);
            c->opt.memory_limit = u;
        } else
            return fail_at(p, k,
                           "unknown option '%s' (known: latency, memory, verify, touch, lenient, "
                           "threads, window, pace, rss_every, rss_every_ms, min_time_ms, timeout, "
                           "memory_limit)",
                           SHOWN(key));
        if (rc)
            return -1;
        for (size_t j = 0; j < i; j += 2)
            if (!strcmp(n->child[j]->value, key))
                return fail_at(p, k, "option '%s' is given twice", SHOWN(key));
    }
    return 0;
}

static char *dir_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static const char *const top_keys =
    "name, traces, backends, optional_backends, repetitions, warmup, options, output, charts";

static int walk(struct parser *p, struct campaign *c, const char *dir,
                const struct yaml_tree_node *root)
{
    const struct yaml_tree_node *traces = NULL, *backends = NULL;
    if (root->kind != YAML_TREE_MAPPING)
        return fail_at(p, root, "a campaign file is a mapping of keys (%s)", top_keys);
    for (size_t i = 0; i + 1 < root->n_child; i += 2) {
        const struct yaml_tree_node *k = root->child[i], *v = root->child[i + 1];
        const char *key = k->value;
        uint64_t u;
        int rc = 0;
        if (k->kind != YAML_TREE_SCALAR)
            return fail_at(p, k, "keys are plain words (%s)", top_keys);
        for (size_t j = 0; j < i; j += 2)
            if (!strcmp(root->child[j]->value, key))
                return fail_at(p, k, "key '%s' is given twice", SHOWN(key));
        if (!strcmp(key, "name")) {
            rc = get_string(p, v, key, &c->name);
            if (!rc && (strchr(c->name, '/') || c->name[0] == '.'))
                return fail_at(p, v, "'name' names a folder: no '/' and no leading '.'");
        } else if (!strcmp(key, "traces"))
            traces = v;
        else if (!strcmp(key, "backends"))
            backends = v;
        else if (!strcmp(key, "optional_backends"))
            rc = check_list(p, v, key); /* read after backends, so duplicates are seen */
        else if (!strcmp(key, "repetitions")) {
            rc = get_uint(p, v, key, 1, 10000, 0, &u);
            c->repetitions = (unsigned)u;
        } else if (!strcmp(key, "warmup")) {
            rc = get_uint(p, v, key, 0, 1000, 0, &u);
            c->warmup = (unsigned)u;
        } else if (!strcmp(key, "options"))
            rc = get_options(p, c, v);
        else if (!strcmp(key, "output")) {
            char *out = NULL;
            rc = get_string(p, v, key, &out);
            if (!rc) {
                c->output_is_parent = out[strlen(out) - 1] == '/';
                free(c->output);
                c->output = resolve(dir, out);
                free(out);
                if (!c->output)
                    return fail_at(p, v, "out of memory");
            }
        } else if (!strcmp(key, "charts"))
            rc = get_charts(p, c, v);
        else
            return fail_at(p, k, "unknown key '%s' (known: %s)", SHOWN(key), top_keys);
        if (rc)
            return -1;
    }
    if (!traces)
        return fail_at(p, root, "missing key 'traces' (the trace files to replay)");
    if (!backends)
        return fail_at(p, root, "missing key 'backends' (the allocators to compare)");
    if (check_list(p, backends, "backends"))
        return -1;
    if (list_len(backends) == 0)
        return fail_at(p, backends, "'backends' must name at least one backend");
    if (add_backends(p, c, backends, "backends", &c->backends, &c->n_backends))
        return -1;
    for (size_t i = 0; i + 1 < root->n_child; i += 2)
        if (!strcmp(root->child[i]->value, "optional_backends") &&
            add_backends(p, c, root->child[i + 1], "optional_backends", &c->optional_backends,
                         &c->n_optional_backends))
            return -1;
    return add_traces(p, c, dir, traces);
}

int campaign_load(struct campaign *c, const char *path, char *err, size_t err_len)
{
    struct parser p = {.path = path, .err = err, .err_len = err_len};
    struct yaml_tree_node *root = NULL;
    char *dir = NULL;
    FILE *f;
    int rc = -1;

    memset(c, 0, sizeof *c);
    c->repetitions = 5;
    c->opt.latency = 1;
    c->opt.memory = 1;
    c->opt.timeout_s = 300;
    c->opt.min_time_ms = RUN_DEFAULT_MIN_TIME_MS;
    c->charts = CHART_ALL;
    if (input_check(path, "a campaign file", err, err_len) != 0)
        return -1;
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    root = yaml_tree_read(f, path, &campaign_yaml_rules, err, err_len);
    dir = dir_name(path);
    c->file = strdup(path);
    if (!root)
        goto out;
    if (!dir || !c->file) {
        snprintf(err, err_len, "%s: out of memory", path);
        goto out;
    }
    if (walk(&p, c, dir, root))
        goto out;
    if (!c->name && !(c->name = trace_name_from_path(path)))
        goto oom;
    if (!c->output) {
        /* Default: results/<name>/<timestamp>/ under the current directory. */
        c->output = strdup("results/");
        c->output_is_parent = 1;
        if (!c->output)
            goto oom;
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, err_len, "%s: out of memory", path);
out:
    yaml_tree_free(root);
    free(dir);
    fclose(f);
    if (rc)
        campaign_free(c);
    return rc;
}

static uint64_t fnv1a64(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (h ^ '\n') * 1099511628211u; /* a separator: "ab","c" differs from "a","bc" */
}

static uint64_t hash_printf(uint64_t h, const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return fnv1a64(h, buf);
}

uint64_t campaign_hash(const struct campaign *c)
{
    const struct run_options *o = &c->opt;
    uint64_t h = 14695981039346656037u;
    h = hash_printf(h, "name %s", c->name);
    h = hash_printf(h, "repetitions %u warmup %u", c->repetitions, c->warmup);
    h = hash_printf(h, "latency %d memory %d verify %d touch %d lenient %d threads %d", o->latency,
                    o->memory, o->verify, o->touch, o->lenient, o->threads);
    h = hash_printf(h, "window %d %u", o->window_set, o->window_set ? o->window : 0);
    h = hash_printf(h, "rss_every %" PRIu64 " min_time_ms %" PRIu64 " timeout %u memory_limit %" PRIu64,
                    o->rss_every, o->min_time_ms, o->timeout_s, o->memory_limit);
    h = hash_printf(h, "pace %.17g rss_every_ms %" PRIu64, o->pace, o->rss_every_ms);
    for (size_t i = 0; i < c->n_backends; i++)
        h = hash_printf(h, "backend %s", c->backends[i]);
    for (size_t i = 0; i < c->n_optional_backends; i++)
        h = hash_printf(h, "optional %s", c->optional_backends[i]);
    return h;
}

static void free_list(char **arr, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(arr[i]);
    free(arr);
}

void campaign_free(struct campaign *c)
{
    free(c->file);
    free(c->name);
    free_list(c->traces, c->n_traces);
    free_list(c->backends, c->n_backends);
    free(c->backend_where);
    free(c->optional_backend_where);
    free_list(c->optional_backends, c->n_optional_backends);
    free(c->output);
    memset(c, 0, sizeof *c);
}
