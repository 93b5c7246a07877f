/* Internal to allocators/: the ops tables of the backends and the plugin loader. Each backend
 * file exports exactly one table; registry.c decides which of them an executable offers. */
#ifndef ALLOCREPLAY_BACKENDS_H
#define ALLOCREPLAY_BACKENDS_H

#include "allocators/registry.h"

extern const struct allocator_ops allocator_sgi_ops;
extern const struct allocator_ops allocator_sgi_locked_ops;
extern const struct allocator_ops allocator_malloc_ops;
extern const struct allocator_ops allocator_slab_ops;
extern const struct allocator_ops allocator_null_ops;
extern const struct allocator_ops allocator_jemalloc_ops;
extern const struct allocator_ops allocator_mimalloc_ops;
extern const struct allocator_ops allocator_tcmalloc_ops;

/* Loads the plugin at path (see allocator_resolve). Returns NULL and writes one line to err on
 * failure: the object cannot be loaded, lacks ALLOCATOR_PLUGIN_SYMBOL, or its table is refused
 * by allocator_ops_check. */
const struct allocator_ops *allocator_plugin_load(const char *path, char *err, size_t err_len);

#endif
