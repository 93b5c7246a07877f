/* The registry offers exactly the backends meson registers conformance tests for (the names
 * are the arguments, from builtin_backend_names in allocators/meson.build), in that order, and
 * every table is well formed: so a backend added to registry.c without its tests, or the other
 * way round, fails here. */
#include "allocators/registry.h"
#include "tap.h"

#include <string.h>

int main(int argc, char **argv)
{
    size_t n;
    const struct allocator_ops *const *all = allocator_registry(&n);
    TAP_EQ_U64(n, (size_t)argc - 1, "the registry has as many backends as meson lists");
    for (size_t i = 0; i < n; i++) {
        const struct allocator_ops *ops = all[i];
        const char *why = allocator_ops_check(ops);
        TAP_OK(i + 1 < (size_t)argc && !strcmp(ops->name, argv[i + 1]), "backend %zu is '%s'", i,
               ops->name);
        TAP_OK(!why, "%s: the table passes allocator_ops_check (%s)", ops->name, why ? why : "ok");
        TAP_OK(ops->description && *ops->description, "%s: has a description", ops->name);
        TAP_OK(allocator_find(ops->name) == ops, "%s: allocator_find finds it", ops->name);
    }
    return tap_done();
}
