/* Backend lookup by name and by spec (plugin:PATH, preload:PATH), and the check every table
 * passes before use. Shared by all executables; the registry decides what a name can find. */
#include "backends.h"

#include <stdio.h>
#include <string.h>

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
    if (ops->version < ALLOCATOR_OPS_VERSION_MIN || ops->version > ALLOCATOR_OPS_VERSION)
        return "unsupported ops version";
    if (!ops->name || !ops->create || !ops->destroy || !ops->alloc || !ops->free)
        return "a required method (create, destroy, alloc, free) is missing";
    if (ops->min_align == 0 || (ops->min_align & (ops->min_align - 1)))
        return "min_align is not a power of two";
    return NULL;
}

static const char *prefixed(const char *spec, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(spec, prefix, n) ? NULL : spec + n;
}

const struct allocator_ops *allocator_resolve(const char *spec, struct allocator_options *opt,
                                              char *err, size_t err_len)
{
    const char *arg;
    opt->arg = NULL;
    if ((arg = prefixed(spec, "plugin:"))) {
        if (!*arg) {
            snprintf(err, err_len, "%s: no PATH given (plugin:PATH)", spec);
            return NULL;
        }
        opt->arg = arg;
        return allocator_plugin_load(arg, err, err_len);
    }
    if ((arg = prefixed(spec, "preload:"))) {
        const struct allocator_ops *ops = allocator_find("malloc");
        if (!*arg) {
            snprintf(err, err_len, "%s: no PATH given (preload:PATH)", spec);
            return NULL;
        }
        if (!ops) {
            snprintf(err, err_len, "%s: this executable has no malloc backend to preload under",
                     spec);
            return NULL;
        }
        opt->arg = arg;
        return ops;
    }
    const struct allocator_ops *ops = allocator_find(spec);
    if (!ops) {
        size_t n, used;
        const struct allocator_ops *const *all = allocator_registry(&n);
        used = (size_t)snprintf(err, err_len, "unknown backend '%s' (this executable has:", spec);
        for (size_t i = 0; i < n && used < err_len; i++)
            used += (size_t)snprintf(err + used, err_len - used, " %s", all[i]->name);
        if (used < err_len)
            snprintf(err + used, err_len - used, "; or plugin:PATH, preload:PATH)");
    }
    return ops;
}
