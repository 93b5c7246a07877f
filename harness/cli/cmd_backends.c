/* allocreplay backends: what this build can replay against. Each worker executable is asked
 * (`--list`), so the answer is what the workers really link, not what the driver believes. */
#include "cli.h"
#include "run/spawn.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints the backends one worker executable lists. Returns 0 or -1. */
static int print_worker(const char *path, const char *exe_name)
{
    char err[512];
    char *list = spawn_list_backends(path, err, sizeof err);
    if (!list) {
        fprintf(stderr, "allocreplay backends: %s\n", err);
        return -1;
    }
    for (char *line = list; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        char *tab = strchr(line, '\t');
        if (tab)
            *tab = 0;
        printf("  %-14s %-30s %s\n", line, exe_name, tab ? tab + 1 : "");
        line = nl ? nl + 1 : line + strlen(line);
    }
    free(list);
    return 0;
}

const struct opt_command backends_command = {
    .prog = "allocreplay backends",
    .positional = "",
    .summary = "Lists every backend of this build and the plugin:PATH and preload:PATH forms.",
};

int cmd_backends(int argc, char **argv)
{
    struct opt_parsed p;
    int rc = cli_parse(&backends_command, argc, argv, NULL, &p);
    if (rc >= 0)
        return rc;
    char *plain = spawn_worker_path(NULL);
    if (!plain) {
        fprintf(stderr, "allocreplay backends: cannot locate the worker executable\n");
        return 1;
    }
    printf("  %-14s %-30s %s\n", "NAME", "WORKER", "DESCRIPTION");
    rc = print_worker(plain, "allocreplay-worker") ? 1 : 0;

    /* The third-party workers sit next to the plain one: allocreplay-worker-NAME. */
    char *dir = strdup(plain);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    if (slash) {
        *slash = 0;
        struct dirent **names;
        int n = scandir(dir, &names, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            const char *name = names[i]->d_name;
            if (!strncmp(name, "allocreplay-worker-", 19) && !strchr(name, '.')) {
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", dir, name);
                if (print_worker(path, name))
                    rc = 1;
            }
            free(names[i]);
        }
        if (n > 0)
            free(names);
    }
    free(dir);
    free(plain);
    printf("  %-14s %-30s %s\n", "plugin:PATH", "allocreplay-worker",
           "a shared object exporting `const struct allocator_ops allocreplay_backend`");
    printf("  %-14s %-30s %s\n", "preload:PATH", "allocreplay-worker",
           "the malloc backend, in a worker started with LD_PRELOAD=PATH");
    return rc;
}
