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
 * - "NAME" or "NAME:key=value,...": a backend of allocator_registry() with settings from its
 *   options table (opt->value/set); an unknown key or bad value is refused, listing the keys;
 * - "plugin:PATH": dlopens PATH (a path without '/' is taken relative to the current directory,
 *   not searched for), looks up ALLOCATOR_PLUGIN_SYMBOL and checks the table; the object stays
 *   loaded for the life of the process;
 * - "preload:PATH": the malloc backend, with opt->arg = PATH; whoever starts the worker for this
 *   spec sets LD_PRELOAD=PATH (the allocator must be in place before the process starts).
 * Fills *opt (opt->arg is NULL, or a pointer into spec, so spec must outlive its use).
 * Returns NULL and writes one line to err (e.g.
 * "plugin:x.so: cannot load: ./x.so: cannot open shared object file: ...") on failure. */
const struct allocator_ops *allocator_resolve(const char *spec, struct allocator_options *opt,
                                              char *err, size_t err_len);

/* The canonical form of a resolved spec, the backend's label in results (and its identity):
 * "NAME" or "NAME:key=value,..." with the keys given in table order and values written one
 * way (integers and bytes in decimal, true/false, the choice's word). plugin:/preload: specs
 * are their own canonical form. Returns 0, or -1 if buf is too small. */
int allocator_spec_canonical(const char *spec, const struct allocator_ops *ops,
                             const struct allocator_options *opt, char *buf, size_t len);

/* Calls ops->stats on a struct filled with ALLOCATOR_UNKNOWN (n_extra 0) first, so fields a
 * backend does not set (or an older one does not know) stay unknown. No-op without stats. */
void allocator_stats_read(const struct allocator_ops *ops, void *ctx, struct allocator_stats *out);

/* Writes value v of option o as text (the canonical spelling). */
void allocator_option_format(const struct allocator_option *o, long long v, char *buf,
                             size_t len);

#ifdef __cplusplus
}
#endif

#endif
