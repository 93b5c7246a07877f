/* allocreplay backends [--options]: what this build can replay against, from the build's
 * catalog (every worker is asked with --list, so the answer is what the workers really link),
 * and with --options every key a backend spec may set. */
#include "cli.h"
#include "run/catalog.h"
#include "run/spawn.h"
#include "util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct args {
    int options;
    int json;
};

static const char *const formats[] = {"table", "json", NULL};

static const struct opt_row rows[] = {
    {"options", 0, OPT_FLAG, OPT_AT(struct args, options),
     .help = "every key of NAME:key=value,... with its type, default and meaning"},
    {"format", 0, OPT_ENUM, OPT_AT(struct args, json), .choices = formats, .def = "table",
     .metavar = "table|json", .help = "stdout: a table, or JSON (docs/json.md)"},
};

const struct opt_command backends_command = {
    .prog = "allocreplay backends",
    .positional = "",
    .summary = "Lists every backend of this build and the plugin:PATH and preload:PATH forms.",
    OPT_ROWS(rows),
};

/* The two forms that name a file rather than a backend of the build. */
static const char *const forms[][3] = {
    {"plugin:PATH", "allocreplay-worker",
     "a shared object exporting `const struct allocator_ops allocreplay_backend`"},
    {"preload:PATH", "allocreplay-worker",
     "the malloc backend, in a worker started with LD_PRELOAD=PATH"},
};

static const char *worker_name(const char *path)
{
    const char *exe = strrchr(path, '/');
    return exe ? exe + 1 : path;
}

static void print_list(const struct catalog *cat)
{
    printf("  %-14s %-30s %s\n", "NAME", "WORKER", "DESCRIPTION");
    for (size_t i = 0; i < cat->n; i++)
        printf("  %-14s %-30s %s\n", cat->v[i].name, worker_name(cat->v[i].worker),
               cat->v[i].description);
    for (size_t i = 0; i < 2; i++)
        printf("  %-14s %-30s %s\n", forms[i][0], forms[i][1], forms[i][2]);
}

/* One option row of a worker's --options: backend, key, type, default, meaning. */
typedef void option_fn(void *user, char *const f[5]);

/* Asks each worker once (a worker offering several backends lists all their keys) and calls
 * FN per key. Returns 0, or 1 after printing why a worker did not answer. */
static int for_each_option(const struct catalog *cat, option_fn *fn, void *user)
{
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
                fn(user, f);
            line = nl ? nl + 1 : line + strlen(line);
        }
        free(out);
    }
    return 0;
}

static void print_option(void *user, char *const f[5])
{
    (void)user;
    printf("%-12s %-28s %-36s %-16s %s\n", f[0], f[1], f[2], f[3], f[4]);
}

static int print_options(const struct catalog *cat)
{
    printf("%-12s %-28s %-36s %-16s %s\n", "BACKEND", "KEY", "TYPE", "DEFAULT", "MEANING");
    if (for_each_option(cat, print_option, NULL))
        return 1;
    printf("(a bare NAME means the allocator's own defaults; plugin:PATH and preload:PATH take "
           "no keys)\n");
    return 0;
}

static void json_option(void *user, char *const f[5])
{
    static const char *const keys[5] = {"backend", "key", "type", "default", "meaning"};
    struct json *j = user;
    json_object_begin(j);
    for (int k = 0; k < 5; k++) {
        json_key(j, keys[k]);
        json_string(j, f[k]);
    }
    json_object_end(j);
}

static void json_backend(struct json *j, const char *name, const char *worker,
                         const char *description, int builtin)
{
    json_object_begin(j);
    json_key(j, "name");
    json_string(j, name);
    json_key(j, "worker");
    json_string(j, worker);
    json_key(j, "description");
    json_string(j, description);
    json_key(j, "builtin");
    json_bool(j, builtin);
    json_object_end(j);
}

/* {"backends": [...], "forms": [...], "options": [...] (with --options)}. */
static int print_json(const struct catalog *cat, int options)
{
    struct json j;
    json_init(&j, stdout);
    json_object_begin(&j);
    json_key(&j, "backends");
    json_array_begin(&j);
    for (size_t i = 0; i < cat->n; i++)
        json_backend(&j, cat->v[i].name, worker_name(cat->v[i].worker), cat->v[i].description,
                     cat->v[i].builtin);
    json_array_end(&j);
    json_key(&j, "forms");
    json_array_begin(&j);
    for (size_t i = 0; i < 2; i++)
        json_backend(&j, forms[i][0], forms[i][1], forms[i][2], 1);
    json_array_end(&j);
    int rc = 0;
    if (options) {
        json_key(&j, "options");
        json_array_begin(&j);
        rc = for_each_option(cat, json_option, &j);
        json_array_end(&j);
    }
    json_object_end(&j);
    return json_finish(&j) || rc ? 1 : 0;
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
    if (a.json)
        rc = print_json(&cat, a.options);
    else if (a.options)
        rc = print_options(&cat);
    else
        print_list(&cat);
    catalog_free(&cat);
    return rc;
}
