/* The registry of built-in backends linked into this executable. */
#include "allocator.h"

#include <string.h>

static const struct allocator_ops *const builtin[] = {NULL};

const struct allocator_ops *const *allocator_registry(size_t *count)
{
    *count = 0;
    return builtin;
}

const struct allocator_ops *allocator_find(const char *name)
{
    size_t n;
    const struct allocator_ops *const *all = allocator_registry(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i]->name, name))
            return all[i];
    return NULL;
}

const char *allocator_ops_check(const struct allocator_ops *ops)
{
    if (ops->version != ALLOCATOR_OPS_VERSION)
        return "unsupported ops version";
    if (!ops->name || !ops->create || !ops->destroy || !ops->alloc || !ops->free)
        return "a required method (create, destroy, alloc, free) is missing";
    return NULL;
}
