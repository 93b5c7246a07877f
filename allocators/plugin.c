/* plugin:PATH: a user's shared object exporting one `const struct allocator_ops` under
 * ALLOCATOR_PLUGIN_SYMBOL. The object is never unloaded: the harness holds the table and the
 * backend's code for the life of the worker. */
#include "backends.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Full tables made from older plugins' shorter ones; listed so that they stay reachable for
 * the life of the process, as the plugin objects do. */
struct upgraded_ops {
    struct allocator_ops ops;
    struct upgraded_ops *next;
};
static struct upgraded_ops *upgraded;

const struct allocator_ops *allocator_plugin_load(const char *path, char *err, size_t err_len)
{
    char local[4096];
    const char *name = path;
    /* dlopen searches the library path for a name without '/'; a user naming a file means
     * that file, so anchor it to the current directory. */
    if (!strchr(path, '/')) {
        if ((size_t)snprintf(local, sizeof local, "./%s", path) >= sizeof local) {
            snprintf(err, err_len, "plugin:%s: path too long", path);
            return NULL;
        }
        name = local;
    }
    void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(err, err_len, "plugin:%s: cannot load: %s", path, dlerror());
        return NULL;
    }
    const struct allocator_ops *ops = dlsym(handle, ALLOCATOR_PLUGIN_SYMBOL);
    if (!ops) {
        snprintf(err, err_len, "plugin:%s: exports no '%s' table", path, ALLOCATOR_PLUGIN_SYMBOL);
        dlclose(handle);
        return NULL;
    }
    const char *why = allocator_ops_check(ops);
    if (why) {
        snprintf(err, err_len, "plugin:%s: refused: %s", path, why);
        dlclose(handle);
        return NULL;
    }
    if (ops->version < ALLOCATOR_OPS_VERSION) {
        /* An older table ends before the members appended since (allocator.h): copy the
         * part it has into a full table whose newer members are NULL. */
        struct upgraded_ops *full = calloc(1, sizeof *full);
        if (!full) {
            snprintf(err, err_len, "plugin:%s: out of memory", path);
            dlclose(handle);
            return NULL;
        }
        size_t have = ops->version == 1 ? offsetof(struct allocator_ops, calloc)
                                        : offsetof(struct allocator_ops, options);
        memcpy(&full->ops, ops, have);
        full->ops.version = ALLOCATOR_OPS_VERSION;
        full->next = upgraded;
        upgraded = full;
        ops = &full->ops;
    }
    return ops;
}
