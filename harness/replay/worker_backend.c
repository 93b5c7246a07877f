/* Backend specs in the worker (worker_backend.h). */
#include "worker_backend.h"

#include "replay/worker_report.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Sets each "NAME=VALUE\n" line of env that the environment lacks. Returns how many it set, or
 * -1 (err filled). */
static int set_environment(char *env, char *err, size_t err_len)
{
    int changed = 0;
    for (char *line = env; *line;) {
        char *nl = strchr(line, '\n'), *eq = strchr(line, '=');
        if (nl)
            *nl = 0;
        if (!eq || (nl && eq > nl)) {
            snprintf(err, err_len, "backend environment line without '=': %s", line);
            return -1;
        }
        *eq = 0;
        const char *now = getenv(line);
        if (!now || strcmp(now, eq + 1)) {
            if (setenv(line, eq + 1, 1)) {
                snprintf(err, err_len, "cannot set %s: %s", line, strerror(errno));
                return -1;
            }
            changed++;
        }
        line = nl ? nl + 1 : eq + 1 + strlen(eq + 1);
    }
    return changed;
}

/* preload:PATH measures PATH's malloc only if the dynamic linker really put it in front of the
 * C library's: a file that is not a shared object is skipped with a warning, and a library
 * without malloc leaves glibc's in place. Returns 0, or -1 with one line in err. */
static int check_interposed(const char *spec, const char *path, char *err, size_t err_len)
{
    void *malloc_fn = dlsym(RTLD_DEFAULT, "malloc");
    Dl_info info;
    struct stat want, got;
    if (malloc_fn && dladdr(malloc_fn, &info) && info.dli_fname && !stat(path, &want) &&
        !stat(info.dli_fname, &got) && want.st_dev == got.st_dev && want.st_ino == got.st_ino)
        return 0;
    snprintf(err, err_len,
             "%s: the library did not replace malloc (it did not load, or defines no malloc): "
             "malloc is %s's",
             spec, malloc_fn && dladdr(malloc_fn, &info) && info.dli_fname ? info.dli_fname : "?");
    return -1;
}

int worker_backend_setup(const char *spec, char **argv, struct worker_backend *wb, char *err,
                         size_t err_len)
{
    wb->ops = allocator_resolve(spec, &wb->opt, err, err_len);
    if (!wb->ops)
        return -1;
    if (allocator_spec_canonical(spec, wb->ops, &wb->opt, wb->canonical, sizeof wb->canonical)) {
        snprintf(err, err_len, "backend spec too long: %.60s...", spec);
        return -1;
    }
    if (!strncmp(spec, "preload:", 8) && check_interposed(spec, wb->opt.arg, err, err_len))
        return -1;
    if (wb->ops->version < 3 || !wb->ops->environ)
        return 0;
    char env[2048];
    if (wb->ops->environ(&wb->opt, env, sizeof env)) {
        snprintf(err, err_len, "backend %s: its environment does not fit", wb->canonical);
        return -1;
    }
    int changed = set_environment(env, err, err_len);
    if (changed <= 0)
        return changed;
    /* A second exec sees its variables already set, so this happens once. */
    execv("/proc/self/exe", argv);
    snprintf(err, err_len, "backend %s: cannot re-execute the worker: %s", wb->canonical,
             strerror(errno));
    return -1;
}

void worker_backend_config(const struct worker_backend *wb, void *ctx, char *buf, size_t len)
{
    buf[0] = 0;
    if (wb->ops->version >= 3 && wb->ops->config)
        wb->ops->config(ctx, buf, len);
}

/* What a value of o looks like: "integer 1..4095", "bytes 0..1024", "true|false", ... */
static void type_text(const struct allocator_option *o, char *buf, size_t len)
{
    switch (o->type) {
    case ALLOCATOR_OPTION_BOOL:
        snprintf(buf, len, "true|false");
        break;
    case ALLOCATOR_OPTION_CHOICE:
        snprintf(buf, len, "%s", o->choices);
        break;
    default:
        snprintf(buf, len, "%s%s %lld..%lld", o->type == ALLOCATOR_OPTION_BYTES ? "bytes" : "integer",
                 o->pow2 ? " (power of two)" : "", o->min, o->max);
    }
}

int worker_list_options(void)
{
    size_t n;
    const struct allocator_ops *const *all = allocator_registry(&n);
    for (size_t i = 0; i < n; i++) {
        const struct allocator_ops *ops = all[i];
        for (size_t k = 0; ops->version >= 3 && k < ops->n_options; k++) {
            const struct allocator_option *o = &ops->options[k];
            char type[128];
            type_text(o, type, sizeof type);
            printf("%s\t%s\t%s\t%s\t%s\n", ops->name, o->key, type, o->def ? o->def : "",
                   o->meaning ? o->meaning : "");
        }
    }
    return fflush(stdout) ? WORKER_EXIT_FAILED : WORKER_EXIT_OK;
}
