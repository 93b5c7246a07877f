/* allocreplay backends [--options]: what this build can replay against, from the build's
 * catalog (every worker is asked with --list, so the answer is what the workers really link),
 * and with --options every key a backend spec may set. */
#include "cli.h"
#include "run/catalog.h"
#include "run/spawn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct args {
    int options;
};

static const struct opt_row rows[] = {
    {"options", 0, OPT_FLAG, OPT_AT(struct args, options),
     .help = "every key of NAME:key=value,... with its type, default and meaning"},
};

const struct opt_command backends_command = {
    .prog = "allocreplay backends",
    .positional = "",
    .summary = "Lists every backend of this build and the plugin:PATH and preload:PATH forms.",
    OPT_ROWS(rows),
};

static void print_list(const struct catalog *cat)
{
    printf("  %-14s %-30s %s\n", "NAME", "WORKER", "DESCRIPTION");
    for (size_t i = 0; i < cat->n; i++) {
        const char *exe = strrchr(cat->v[i].worker, '/');
        printf("  %-14s %-30s %s\n", cat->v[i].name, exe ? exe + 1 : cat->v[i].worker,
               cat->v[i].description);
    }
    printf("  %-14s %-30s %s\n", "plugin:PATH", "allocreplay-worker",
           "a shared object exporting `const struct allocator_ops allocreplay_backend`");
    printf("  %-14s %-30s %s\n", "preload:PATH", "allocreplay-worker",
           "the malloc backend, in a worker started with LD_PRELOAD=PATH");
}

/* Asks each worker once (a worker offering several backends lists all their keys). */
static int print_options(const struct catalog *cat)
{
    printf("%-12s %-28s %-36s %-16s %s\n", "BACKEND", "KEY", "TYPE", "DEFAULT", "MEANING");
    for (size_t i = 0; i < cat->n; i++) {
        if (i && !strcmp(cat->v[i].worker, cat->v[i - 1].worker))
            continue;
        char err[512];
        char *out = spawn_worker_output(cat->v[i].worker, "--options", err, sizeof err);
        if (!out) {
            fprintf(stderr, "allocreplay backends: %s\n", err);
            return 1;
        }
        for (char *line = out; *line;) {
            char *nl = strchr(line, '\n'), *f[5] = {line};
            if (nl)
                *nl = 0;
            for (int k = 1; k < 5; k++)
                if ((f[k] = f[k - 1] ? strchr(f[k - 1], '\t') : NULL))
                    *f[k]++ = 0;
            if (f[4])
                printf("%-12s %-28s %-36s %-16s %s\n", f[0], f[1], f[2], f[3], f[4]);
            line = nl ? nl + 1 : line + strlen(line);
        }
        free(out);
    }
    printf("(a bare NAME means the allocator's own defaults; plugin:PATH and preload:PATH take "
           "no keys)\n");
    return 0;
}

int cmd_backends(int argc, char **argv)
{
    struct args a = {0};
    struct opt_parsed p;
    int rc = cli_parse(&backends_command, argc, argv, &a, &p);
    if (rc >= 0)
        return rc;
    struct catalog cat;
    char err[512];
    if (catalog_load(&cat, err, sizeof err)) {
        fprintf(stderr, "allocreplay backends: %s\n", err);
        return 1;
    }
    rc = 0;
    if (a.options)
        rc = print_options(&cat);
    else
        print_list(&cat);
    catalog_free(&cat);
    return rc;
}
