/* The build's backends across its workers (catalog.h). */
#include "run/catalog.h"

#include "config.h"
#include "run/spawn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The third-party workers meson built (allocreplay-worker-NAME), in the order they are listed.
 * Known at build time, so a stale executable left in the build directory is never listed. */
static const char *const third_party[] = {
#ifdef HAVE_JEMALLOC
    "jemalloc",
#endif
#ifdef HAVE_MIMALLOC
    "mimalloc",
#endif
#ifdef HAVE_TCMALLOC
    "tcmalloc",
#endif
    NULL,
};

/* Appends the backends WORKER --list names. Returns 0 or -1 (err filled). */
static int add_worker(struct catalog *c, char *worker, int builtin, char *err, size_t err_len)
{
    char *list = spawn_worker_output(worker, "--list", err, err_len);
    if (!list) {
        free(worker);
        return -1;
    }
    int rc = 0, owns = 0; /* the first backend of a worker owns its path */
    for (char *line = list; *line && !rc;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        char *tab = strchr(line, '\t');
        if (tab)
            *tab = 0;
        struct catalog_backend *v = realloc(c->v, (c->n + 1) * sizeof *v);
        if (v) {
            c->v = v;
            v[c->n] = (struct catalog_backend){.name = strdup(line),
                                               .description = strdup(tab ? tab + 1 : ""),
                                               .worker = owns ? strdup(worker) : worker,
                                               .builtin = builtin};
            owns = 1;
            if (!v[c->n].name || !v[c->n].description || !v[c->n].worker)
                rc = -1;
            c->n++;
        } else
            rc = -1;
        line = nl ? nl + 1 : line + strlen(line);
    }
    if (!owns)
        free(worker);
    free(list);
    if (rc)
        snprintf(err, err_len, "out of memory");
    return rc;
}

int catalog_load(struct catalog *c, char *err, size_t err_len)
{
    memset(c, 0, sizeof *c);
    char *plain = spawn_worker_path(NULL);
    if (!plain) {
        snprintf(err, err_len, "cannot locate the worker executable");
        return -1;
    }
    if (add_worker(c, plain, 1, err, err_len))
        goto fail;
    for (size_t i = 0; third_party[i]; i++) {
        char *path = spawn_worker_path(third_party[i]);
        if (!path) {
            snprintf(err, err_len, "cannot locate allocreplay-worker-%s", third_party[i]);
            goto fail;
        }
        if (add_worker(c, path, 0, err, err_len))
            goto fail;
    }
    return 0;
fail:
    catalog_free(c);
    return -1;
}

void catalog_free(struct catalog *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].name);
        free(c->v[i].description);
        free(c->v[i].worker);
    }
    free(c->v);
    memset(c, 0, sizeof *c);
}

const struct catalog_backend *catalog_find(const struct catalog *c, const char *spec)
{
    size_t n = strcspn(spec, ":");
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->v[i].name) == n && !strncmp(c->v[i].name, spec, n))
            return &c->v[i];
    return NULL;
}

void catalog_unknown(const struct catalog *c, const char *spec, char *err, size_t err_len)
{
    size_t used = (size_t)snprintf(err, err_len, "unknown backend '%.*s' (this build has:",
                                   (int)strcspn(spec, ":"), spec);
    for (size_t i = 0; i < c->n && used < err_len; i++)
        used += (size_t)snprintf(err + used, err_len - used, "%s %s", i ? "," : "", c->v[i].name);
    if (used < err_len)
        snprintf(err + used, err_len - used, "; or plugin:PATH, preload:PATH)");
}

/* key=value with no ':' before the '=': settings continuing the spec before it. */
static int is_continuation(const char *item, size_t n)
{
    size_t eq = strcspn(item, "=");
    return eq < n && memchr(item, ':', eq) == NULL;
}

int catalog_split_specs(const char *list, char ***v, size_t *n, char *err, size_t err_len)
{
    for (const char *p = list;; p++) {
        size_t len = strcspn(p, ",");
        if (len == 0) {
            snprintf(err, err_len, "empty backend name in '%s'", list);
            return -1;
        }
        if (is_continuation(p, len)) {
            char *prev = *n ? (*v)[*n - 1] : NULL;
            if (!prev || !strchr(prev, ':') || !strncmp(prev, "plugin:", 7) ||
                !strncmp(prev, "preload:", 8)) {
                snprintf(err, err_len, "'%.*s' in '%s' follows no backend spec (NAME:key=value)",
                         (int)len, p, list);
                return -1;
            }
            size_t old = strlen(prev);
            char *joined = realloc(prev, old + 1 + len + 1);
            if (!joined)
                goto oom;
            joined[old] = ',';
            memcpy(joined + old + 1, p, len);
            joined[old + 1 + len] = 0;
            (*v)[*n - 1] = joined;
        } else {
            char **grown = realloc(*v, (*n + 1) * sizeof **v);
            if (!grown)
                goto oom;
            *v = grown;
            if (!(grown[*n] = strndup(p, len)))
                goto oom;
            (*n)++;
        }
        p += len;
        if (!*p)
            return 0;
    }
oom:
    snprintf(err, err_len, "out of memory");
    return -1;
}
