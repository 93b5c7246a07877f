/* allocator_resolve: plain names, plugin:PATH (the sample plugin, a relative path, and every
 * way a plugin can be wrong, each with a message naming the path and the reason) and
 * preload:PATH. Arguments: the sample plugin, a plugin of the wrong version, a shared object
 * without the table, a version-1 table. */
#include "allocators/registry.h"
#include "tap.h"

#include <libgen.h>
#include <string.h>
#include <unistd.h>

static const struct allocator_ops *resolve(const char *spec, struct allocator_options *opt,
                                           char *err, size_t n)
{
    err[0] = '\0';
    return allocator_resolve(spec, opt, err, n);
}

int main(int argc, char **argv)
{
    char spec[4096], err[4096], dir[4096];
    struct allocator_options opt = {0};
    const struct allocator_ops *ops;

    if (argc != 5) {
        fprintf(stderr, "usage: %s GOOD.so BAD_VERSION.so NO_TABLE.so V1.so\n", argv[0]);
        return 99;
    }

    ops = resolve("sgi", &opt, err, sizeof err);
    TAP_OK(ops && !strcmp(ops->name, "sgi") && !opt.arg, "a plain name finds the built-in");

    ops = resolve("jemallocc", &opt, err, sizeof err);
    TAP_OK(!ops && strstr(err, "unknown backend 'jemallocc'") && strstr(err, " sgi"),
           "an unknown name lists what the executable has: %s", err);

    snprintf(spec, sizeof spec, "plugin:%s", argv[1]);
    ops = resolve(spec, &opt, err, sizeof err);
    TAP_OK(ops && !strcmp(ops->name, "pow2-cache"), "the sample plugin loads (%s)", err);
    TAP_OK(opt.arg && !strcmp(opt.arg, argv[1]), "opt.arg is the plugin's path");
    if (ops) {
        void *ctx = ops->create(&opt, err, sizeof err);
        void *p = ctx ? ops->alloc(ctx, 100) : NULL;
        TAP_OK(p != NULL, "the plugin allocates");
        if (p)
            ops->free(ctx, p, 100, 0);
        if (ctx)
            ops->destroy(ctx);
    }

    /* A bare file name means the file in the current directory, not a library search. */
    snprintf(dir, sizeof dir, "%s", argv[1]);
    if (chdir(dirname(dir)) == 0) {
        snprintf(dir, sizeof dir, "%s", argv[1]);
        snprintf(spec, sizeof spec, "plugin:%s", basename(dir));
        ops = resolve(spec, &opt, err, sizeof err);
        TAP_OK(ops != NULL, "a bare file name loads from the current directory (%s)", err);
    }

    ops = resolve("plugin:/nonexistent/plugin.so", &opt, err, sizeof err);
    TAP_OK(!ops && !strncmp(err, "plugin:/nonexistent/plugin.so: cannot load: ", 44),
           "a missing file: %s", err);

    ops = resolve("plugin:", &opt, err, sizeof err);
    TAP_OK(!ops && strstr(err, "no PATH given"), "an empty path: %s", err);

    snprintf(spec, sizeof spec, "plugin:%s", argv[2]);
    ops = resolve(spec, &opt, err, sizeof err);
    TAP_OK(!ops && strstr(err, argv[2]) && strstr(err, "refused: unsupported ops version"),
           "a table of another version: %s", err);

    snprintf(spec, sizeof spec, "plugin:%s", argv[3]);
    ops = resolve(spec, &opt, err, sizeof err);
    TAP_OK(!ops && strstr(err, argv[3]) && strstr(err, "exports no 'allocreplay_backend' table"),
           "no table: %s", err);

    snprintf(spec, sizeof spec, "plugin:%s", argv[4]);
    ops = resolve(spec, &opt, err, sizeof err);
    TAP_OK(ops && !strcmp(ops->name, "v1") && ops->version == ALLOCATOR_OPS_VERSION && !ops->calloc &&
               ops->flags == ALLOCATOR_THREAD_SAFE,
           "a version-1 table loads, its flags kept and the members added since NULL (%s)",
           ops ? "ok" : err);

    ops = resolve("preload:/usr/lib/libfoo.so", &opt, err, sizeof err);
    TAP_OK(ops && !strcmp(ops->name, "malloc") && opt.arg && !strcmp(opt.arg, "/usr/lib/libfoo.so"),
           "preload:PATH is the malloc backend with the path in opt.arg");
    ops = resolve("preload:", &opt, err, sizeof err);
    TAP_OK(!ops && strstr(err, "no PATH given"), "preload without a path: %s", err);
    return tap_done();
}
