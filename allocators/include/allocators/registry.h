/* The backends an executable offers and how a backend spec names one: the registry linked into
 * each worker, spec resolution (NAME, plugin:PATH, preload:PATH) and the check of an ops table.
 * Internal to allocreplay (the published interface is <allocreplay/allocator.h>). */
#ifndef ALLOCREPLAY_ALLOCATORS_REGISTRY_H
#define ALLOCREPLAY_ALLOCATORS_REGISTRY_H

#include "allocreplay/allocator.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The registry of the backends linked into this executable. */
const struct allocator_ops *const *allocator_registry(size_t *count);
const struct allocator_ops *allocator_find(const char *name);
/* Checks a table (version, required methods, min_align a power of two); returns NULL or a
 * static reason. */
const char *allocator_ops_check(const struct allocator_ops *ops);

/* Resolves a backend spec as the command line and campaign files give it:
 * - "NAME": a backend of allocator_registry();
 * - "plugin:PATH": dlopens PATH (a path without '/' is taken relative to the current directory,
 *   not searched for), looks up ALLOCATOR_PLUGIN_SYMBOL and checks the table; the object stays
 *   loaded for the life of the process;
 * - "preload:PATH": the malloc backend, with opt->arg = PATH; whoever starts the worker for this
 *   spec sets LD_PRELOAD=PATH (the allocator must be in place before the process starts).
 * Sets opt->arg (NULL, or a pointer into spec, so spec must outlive its use) and leaves the other
 * fields of *opt as the caller set them. Returns NULL and writes one line to err (e.g.
 * "plugin:x.so: cannot load: ./x.so: cannot open shared object file: ...") on failure. */
const struct allocator_ops *allocator_resolve(const char *spec, struct allocator_options *opt,
                                              char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif
