/* What a results directory is (identity.h): the fields of meta.yaml that say which experiment
 * its cells belong to, read back from the file and compared field by field. */
#include "run/identity.h"

#include "util/yaml_tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct yaml_tree_rules meta_rules = {
    .aliases = "meta.yaml holds no aliases",
    .empty = "empty meta.yaml",
    .one_document = "meta.yaml holds one YAML document",
};

static int push(struct results_identity *id, const char *key, const char *value)
{
    if (id->n == id->cap) {
        size_t cap = id->cap ? id->cap * 2 : 64;
        char **k = realloc(id->key, cap * sizeof *k);
        if (k)
            id->key = k;
        char **v = realloc(id->value, cap * sizeof *v);
        if (v)
            id->value = v;
        if (!k || !v)
            return -1;
        id->cap = cap;
    }
    id->key[id->n] = strdup(key);
    id->value[id->n] = strdup(value);
    if (!id->key[id->n] || !id->value[id->n]) {
        free(id->key[id->n]);
        free(id->value[id->n]);
        return -1;
    }
    id->n++;
    return 0;
}

/* Every scalar of the tree under its dotted path ("options.latency", "traces.0.name"). */
static int flatten(struct results_identity *id, const struct yaml_tree_node *n, char *path,
                   size_t len, size_t used)
{
    if (n->kind == YAML_TREE_SCALAR)
        return push(id, path, n->value);
    int mapping = n->kind == YAML_TREE_MAPPING;
    for (size_t i = 0; i < n->n_child; i += mapping ? 2 : 1) {
        const struct yaml_tree_node *v = n->child[mapping ? i + 1 : i];
        int w = mapping ? snprintf(path + used, len - used, "%s%s", used ? "." : "",
                                   n->child[i]->value)
                        : snprintf(path + used, len - used, "%s%zu", used ? "." : "", i);
        if (w < 0 || (size_t)w >= len - used)
            return -1;
        if (flatten(id, v, path, len, used + (size_t)w))
            return -1;
        path[used] = '\0';
    }
    return 0;
}

int results_identity_read(struct results_identity *id, FILE *f, const char *path, char *err,
                          size_t err_len)
{
    char key[512] = "";
    memset(id, 0, sizeof *id);
    struct yaml_tree_node *root = yaml_tree_read(f, path, &meta_rules, err, err_len);
    if (!root)
        return -1;
    int rc = root->kind == YAML_TREE_MAPPING ? flatten(id, root, key, sizeof key, 0) : 0;
    yaml_tree_free(root);
    if (rc) {
        snprintf(err, err_len, "%s: out of memory", path);
        results_identity_free(id);
    }
    return rc;
}

int results_identity_load(struct results_identity *id, const char *dir, char *err,
                          size_t err_len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/meta.yaml", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        memset(id, 0, sizeof *id);
        snprintf(err, err_len, "%s: not a results directory (no meta.yaml: %s)", dir,
                 strerror(errno));
        return -1;
    }
    int rc = results_identity_read(id, f, path, err, err_len);
    fclose(f);
    return rc;
}

const char *results_identity_get(const struct results_identity *id, const char *key)
{
    for (size_t i = 0; i < id->n; i++)
        if (!strcmp(id->key[i], key))
            return id->value[i];
    return NULL;
}

/* The fields that make the identity: the kind of run, the campaign and its hash, the build,
 * the options, each trace's name and checksum, each backend's label and effective settings.
 * Not: times, the machine, the timer, trace paths (they depend on the working directory),
 * the shard (callers compare it their own way), a merge's own record. */
static int in_identity(const char *key)
{
    static const char *const exact[] = {"format", "kind", "name", "allocreplay"};
    static const char *const prefix[] = {"build.", "options."};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (!strcmp(key, exact[i]))
            return 1;
    for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
        if (!strncmp(key, prefix[i], strlen(prefix[i])))
            return 1;
    const char *dot;
    if (!strncmp(key, "traces.", 7) && (dot = strchr(key + 7, '.')))
        return !strcmp(dot, ".name") || !strcmp(dot, ".checksum");
    if (!strncmp(key, "backend_configs.", 16) && (dot = strchr(key + 16, '.')))
        return !strcmp(dot, ".backend") || !strcmp(dot, ".config");
    return 0;
}

/* The next identity field at or after *i, or NULL at the end. The campaign hash comes last,
 * in a pass of its own: the fields it sums up are named when they differ, and the hash alone
 * speaks only for what meta.yaml does not spell out (optional backends the build lacks). */
static const char *next_field(const struct results_identity *id, size_t *i, int hash_pass)
{
    while (*i < id->n && (hash_pass ? strcmp(id->key[*i], "campaign_hash")
                                    : !in_identity(id->key[*i])))
        ++*i;
    return *i < id->n ? id->key[*i] : NULL;
}

/* A field's name as a user reads it: "repetitions", "trace 2 checksum", "backend 1 config". */
static void describe(char *out, size_t len, const char *key)
{
    unsigned long k;
    char rest[64];
    if (!strncmp(key, "options.", 8))
        snprintf(out, len, "%s", key + 8);
    else if (sscanf(key, "traces.%lu.%63s", &k, rest) == 2)
        snprintf(out, len, "trace %lu %s", k + 1, rest);
    else if (sscanf(key, "backend_configs.%lu.%63s", &k, rest) == 2)
        snprintf(out, len, "backend %lu %s", k + 1, !strcmp(rest, "backend") ? "label" : rest);
    else if (!strcmp(key, "campaign_hash"))
        snprintf(out, len, "the campaign's hash (its settings: docs/campaigns.md)");
    else if (!strncmp(key, "build.", 6))
        snprintf(out, len, "build %s", key + 6);
    else
        snprintf(out, len, "%s", key);
}

static int diff_pass(const struct results_identity *a, const struct results_identity *b,
                     int hash_pass, struct results_identity_difference *d)
{
    size_t i = 0, j = 0;
    for (;; i++, j++) {
        const char *ka = next_field(a, &i, hash_pass), *kb = next_field(b, &j, hash_pass);
        if (!ka && !kb)
            return 0;
        /* A field only one side has (a longer list, an option one version records): it is
         * named, and the other side's value is "(none)". */
        int c = !ka ? 1 : !kb ? -1 : strcmp(ka, kb);
        const char *va = c <= 0 ? a->value[i] : "(none)";
        const char *vb = c >= 0 ? b->value[j] : "(none)";
        if (c == 0 && !strcmp(va, vb))
            continue;
        describe(d->what, sizeof d->what, c <= 0 ? ka : kb);
        snprintf(d->a, sizeof d->a, "%s", va);
        snprintf(d->b, sizeof d->b, "%s", vb);
        return 1;
    }
}

int results_identity_diff(const struct results_identity *a, const struct results_identity *b,
                          struct results_identity_difference *d)
{
    for (int hash_pass = 0; hash_pass < 2; hash_pass++)
        if (diff_pass(a, b, hash_pass, d))
            return 1;
    return 0;
}

void results_identity_free(struct results_identity *id)
{
    for (size_t i = 0; i < id->n; i++) {
        free(id->key[i]);
        free(id->value[i]);
    }
    free(id->key);
    free(id->value);
    memset(id, 0, sizeof *id);
}
