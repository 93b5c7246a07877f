/* The worker's side of backend specs: resolving a spec, starting the process the way the
 * allocator must start for its settings, reading the settings back, listing the keys. */
#ifndef ALLOCREPLAY_WORKER_BACKEND_H
#define ALLOCREPLAY_WORKER_BACKEND_H

#include "allocators/registry.h"

#include <stddef.h>

/* The worker's backend spec: resolved, with its canonical form (the backend's label). */
struct worker_backend {
    const struct allocator_ops *ops;
    struct allocator_options opt;
    char canonical[512];
};

/* Resolves spec into *wb. When the spec's settings need an environment the process did not
 * start with (ops->environ: MALLOC_CONF, MIMALLOC_*, GLIBC_TUNABLES, ...), sets it and
 * re-executes this program with argv, so the allocator reads it before its first allocation;
 * never returns then. Returns 0, or -1 with one line in err. */
int worker_backend_setup(const char *spec, char **argv, struct worker_backend *wb, char *err,
                         size_t err_len);

/* The effective settings, read back from the backend after create (ops->config), or "". */
void worker_backend_config(const struct worker_backend *wb, void *ctx, char *buf, size_t len);

/* Prints every key of every backend of this executable, one a line:
 * NAME<TAB>KEY<TAB>TYPE<TAB>DEFAULT<TAB>MEANING. Returns the worker's exit code. */
int worker_list_options(void);

#endif
