/* The registry: the backends this executable offers. The plain worker and the driver get the
 * built-ins; a third-party worker compiles this file with -DALLOCATOR_REGISTRY_ONLY=<table> and
 * offers just that backend, because linking jemalloc, mimalloc or tcmalloc replaces malloc for
 * the whole process and the built-ins would then run on top of it. */
#include "backends.h"

#ifdef ALLOCATOR_REGISTRY_ONLY
static const struct allocator_ops *const table[] = {&ALLOCATOR_REGISTRY_ONLY};
#else
static const struct allocator_ops *const table[] = {
    &allocator_sgi_ops,
    &allocator_sgi_locked_ops,
    &allocator_malloc_ops,
    &allocator_slab_ops,
    &allocator_null_ops,
};
#endif

const struct allocator_ops *const *allocator_registry(size_t *count)
{
    *count = sizeof table / sizeof table[0];
    return table;
}
