/* The backends this build has, across all its worker executables: the plain worker's built-ins
 * and each allocreplay-worker-NAME meson built. The one list every error, `allocreplay
 * backends`, run's default and campaigns use. */
#ifndef ALLOCREPLAY_RUN_CATALOG_H
#define ALLOCREPLAY_RUN_CATALOG_H

#include <stddef.h>

struct catalog_backend {
    char *name, *description;
    char *worker;      /* path of the executable that offers it */
    int builtin;       /* offered by the plain worker */
};

struct catalog {
    struct catalog_backend *v;
    size_t n;
};

/* Asks every worker of the build for its backends (`--list`). Returns 0, or -1 with one line in
 * err (a worker missing or failing). */
int catalog_load(struct catalog *c, char *err, size_t err_len);
void catalog_free(struct catalog *c);

/* The backend a spec names (the part before ':'), or NULL: unknown, or plugin:/preload:. */
const struct catalog_backend *catalog_find(const struct catalog *c, const char *spec);

/* One line for an unknown name: "unknown backend 'x' (this build has: a, b, ...; or
 * plugin:PATH, preload:PATH)". */
void catalog_unknown(const struct catalog *c, const char *spec, char *err, size_t err_len);

/* Splits a list of backend specs as -b gives it ("sgi,jemalloc:narenas=2,dirty_decay_ms=0,
 * slab"): items are separated by commas, and an item of the form key=value (no ':' before its
 * '=') continues the settings of the spec before it. Appends malloc'd specs to *v (*n of
 * them, growing *v). Returns 0, or -1 with one line in err (an empty item, a key=value with
 * no spec before it, out of memory). */
int catalog_split_specs(const char *list, char ***v, size_t *n, char *err, size_t err_len);

#endif
