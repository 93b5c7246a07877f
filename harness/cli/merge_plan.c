/* Which results directories `allocreplay merge` may put together (merge_plan.h). */
#include "merge_plan.h"

#include "run/results.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Complete cells of DIR: its cells/NAME.summary.csv files (a temporary file is not one). */
static size_t count_cells(const char *dir)
{
    char path[4200];
    size_t n = 0;
    snprintf(path, sizeof path, "%s/cells", dir);
    DIR *d = opendir(path);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        n += len > 12 && !strcmp(e->d_name + len - 12, ".summary.csv");
    }
    if (d)
        closedir(d);
    return n;
}

/* Entries of a list in a flattened meta.yaml: how many "PREFIX.I.FIELD" keys there are. */
static size_t count_items(const struct results_identity *id, const char *prefix,
                          const char *field)
{
    char key[128];
    size_t n = 0;
    for (;; n++) {
        snprintf(key, sizeof key, "%s.%zu.%s", prefix, n, field);
        if (!results_identity_get(id, key))
            return n;
    }
}

/* The cells of shard K of N: cell i belongs to shard i % N + 1. */
static size_t shard_cells(const struct results_identity *id, unsigned k, unsigned n)
{
    const char *reps = results_identity_get(id, "options.repetitions");
    size_t total = count_items(id, "traces", "name") * count_items(id, "backend_configs", "backend") *
                   (reps ? strtoul(reps, NULL, 10) : 0);
    return total / n + (k - 1 < total % n);
}

static int parse_kn(const char *s, unsigned *k, unsigned *n)
{
    char tail;
    return s && sscanf(s, "%u/%u%c", k, n, &tail) == 2 && *k >= 1 && *k <= *n ? 0 : -1;
}

static int add_shard(struct merge_plan *p, const char *dir, unsigned k, size_t cells,
                     size_t expected)
{
    struct merge_shard *s = realloc(p->shard, (p->n_shard + 1) * sizeof *s);
    if (!s)
        return -1;
    p->shard = s;
    s += p->n_shard;
    *s = (struct merge_shard){.dir = strdup(dir), .k = k, .cells = cells, .expected = expected};
    if (!s->dir)
        return -1;
    p->n_shard++;
    return 0;
}

/* The shards input I holds, into p->shard; its N into *n. An earlier merge lists its own. */
static int take_shards(struct merge_plan *p, size_t i, unsigned *n, char *err, size_t err_len)
{
    const struct results_identity *id = &p->id[i];
    const char *dir = p->dirs[i], *kn = results_identity_get(id, "shard");
    unsigned k = 1;
    char key[128];
    *n = 1;
    if (results_identity_get(id, "merged.shard_count")) {
        *n = (unsigned)strtoul(results_identity_get(id, "merged.shard_count"), NULL, 10);
        for (size_t j = 0; j < count_items(id, "merged.shards", "shard"); j++) {
            const char *v[3];
            static const char *const field[3] = {"dir", "cells", "shard"};
            for (int f = 0; f < 3; f++) {
                snprintf(key, sizeof key, "merged.shards.%zu.%s", j, field[f]);
                v[f] = results_identity_get(id, key);
            }
            unsigned sn;
            if (!v[0] || !v[1] || parse_kn(v[2], &k, &sn) || sn != *n)
                goto bad;
            if (add_shard(p, v[0], k, strtoul(v[1], NULL, 10), shard_cells(id, k, *n)))
                goto oom;
        }
        return 0;
    }
    if (kn && parse_kn(kn, &k, n))
        goto bad;
    if (!add_shard(p, dir, k, count_cells(dir), shard_cells(id, k, *n)))
        return 0;
oom:
    snprintf(err, err_len, "out of memory");
    return -1;
bad:
    snprintf(err, err_len, "%s: meta.yaml: a bad shard record", dir);
    return -1;
}

/* Input I against input 0: a campaign of the same identity and shard count. */
static int check_input(struct merge_plan *p, size_t i, char *err, size_t err_len)
{
    const char *dir = p->dirs[i], *kind = results_identity_get(&p->id[i], "kind");
    struct results_identity_difference d;
    unsigned n;
    if (!kind) {
        snprintf(err, err_len, "%s: meta.yaml records no identity (an older allocreplay): "
                 "it cannot be checked, so it is not merged", dir);
        return -1;
    }
    if (strcmp(kind, "campaign")) {
        snprintf(err, err_len, "%s: a `%s` directory, not a campaign shard: only shards of one "
                 "campaign merge", dir, kind);
        return -1;
    }
    if (i && results_identity_diff(&p->id[0], &p->id[i], &d)) {
        snprintf(err, err_len, "%s: not a shard of the campaign and build of %s: %s is %s "
                 "here, %s there", dir, p->dirs[0], d.what, d.b, d.a);
        return -1;
    }
    if (take_shards(p, i, &n, err, err_len))
        return -1;
    if (i && n != p->n) {
        snprintf(err, err_len, "%s has %u shards, %s %u: shards of one run of the campaign "
                 "share N", p->dirs[0], p->n, dir, n);
        return -1;
    }
    p->n = n;
    return 0;
}

int merge_plan_load(struct merge_plan *p, char **dirs, int n, const char *out, char *err,
                    size_t err_len)
{
    char meta[4200];
    snprintf(meta, sizeof meta, "%s/meta.yaml", out);
    int with_out = access(meta, F_OK) == 0;
    memset(p, 0, sizeof *p);
    p->n_in = (size_t)n + (size_t)with_out;
    p->dirs = calloc(p->n_in, sizeof *p->dirs);
    p->id = calloc(p->n_in, sizeof *p->id);
    if (!p->dirs || !p->id) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < p->n_in; i++) {
        p->dirs[i] = i < (size_t)n ? dirs[i] : (char *)out;
        if (results_identity_load(&p->id[i], p->dirs[i], err, err_len) ||
            check_input(p, i, err, err_len))
            return -1;
    }
    return 0;
}

/* The entry of shard k holding the most cells, or NULL. */
static const struct merge_shard *best(const struct merge_plan *p, unsigned k)
{
    const struct merge_shard *b = NULL;
    for (size_t i = 0; i < p->n_shard; i++)
        if (p->shard[i].k == k && (!b || p->shard[i].cells > b->cells))
            b = &p->shard[i];
    return b;
}

void merge_plan_gaps(const struct merge_plan *p, char *out, size_t len)
{
    size_t o = 0, shown = 0, missing = 0;
    out[0] = '\0';
    for (unsigned k = 1; k <= p->n && o < len; k++) {
        const struct merge_shard *b = best(p, k);
        if (b && b->cells >= b->expected)
            continue;
        missing++;
        if (shown++ >= 8) /* one line: the first eight, then a count */
            continue;
        if (b)
            o += (size_t)snprintf(out + o, len - o, "%sshard %u/%u has %zu of %zu cells (%s)",
                                  o ? "; " : "", k, p->n, b->cells, b->expected, b->dir);
        else
            o += (size_t)snprintf(out + o, len - o, "%sshard %u/%u is missing", o ? "; " : "", k,
                                  p->n);
    }
    if (shown > 8 && o < len)
        snprintf(out + o, len - o, "; %zu shards in all", missing);
}

/* The first input's meta.yaml, without its top-level `shard:` line and `merged:` block. */
static int copy_meta_head(const char *dir, FILE *to, char *err, size_t err_len)
{
    char path[4200], line[4096];
    int skipping = 0, last = '\n';
    snprintf(path, sizeof path, "%s/meta.yaml", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_len, "%s: cannot open", path);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        if (last == '\n' && line[0] != ' ')
            skipping = !strncmp(line, "shard:", 6) || !strncmp(line, "merged:", 7);
        last = line[strlen(line) - 1];
        if (!skipping)
            fputs(line, to);
    }
    fclose(f);
    if (last != '\n')
        fputc('\n', to);
    return 0;
}

int merge_plan_write_meta(const struct merge_plan *p, FILE *f, const char *gaps, char *err,
                          size_t err_len)
{
    char stamp[64];
    time_t now = time(NULL);
    struct tm tm;
    if (copy_meta_head(p->dirs[0], f, err, err_len))
        return -1;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "merged:\n  at: \"%s\"\n  shard_count: %u\n  shards:\n", stamp, p->n);
    for (unsigned k = 1; k <= p->n; k++) {
        const struct merge_shard *b = best(p, k);
        if (!b)
            continue;
        fprintf(f, "    - {shard: \"%u/%u\", dir: ", k, p->n);
        results_put_yaml_str(f, b->dir);
        fprintf(f, ", cells: %zu, expected: %zu}\n", b->cells, b->expected);
    }
    if (gaps && *gaps) {
        fprintf(f, "  partial: ");
        results_put_yaml_str(f, gaps);
        fputc('\n', f);
    }
    return 0;
}

void merge_plan_free(struct merge_plan *p)
{
    for (size_t i = 0; i < p->n_in && p->id; i++)
        results_identity_free(&p->id[i]);
    for (size_t i = 0; i < p->n_shard; i++)
        free(p->shard[i].dir);
    free(p->shard);
    free(p->id);
    free(p->dirs);
    memset(p, 0, sizeof *p);
}
