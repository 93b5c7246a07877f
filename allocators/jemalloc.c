/* jemalloc, through its non-standard API: mallocx/sdallocx/rallocx/sallocx. Linked only into
 * allocreplay-worker-jemalloc (linking jemalloc replaces malloc for the whole process, and it
 * cannot be dlopen'ed: it uses initial-exec TLS).
 *
 * A bare `jemalloc` is the library as shipped (decay 10 s, ...). Settings go into MALLOC_CONF,
 * which jemalloc reads at its initialization, before the first allocation (the worker
 * re-executes itself with it set: see environ); setting arena.N.* at create would miss the
 * arenas created afterwards and the allocations made before create. config reads every
 * setting back with mallctl("opt.*"). */
#include "backends.h"
#include "known_stats.h"

#include <jemalloc/jemalloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* The keys of jemalloc:key=value, named as MALLOC_CONF names them; OPT_* index this table. */
enum { OPT_NARENAS, OPT_DIRTY, OPT_MUZZY, OPT_TCACHE, OPT_BACKGROUND, OPT_PERCPU };
static const struct allocator_option je_options[] = {
    [OPT_NARENAS] = {"narenas", ALLOCATOR_OPTION_INT, 1, 4095, NULL, 0, "4 x CPUs",
                     "arenas threads are spread over (round-robin)"},
    [OPT_DIRTY] = {"dirty_decay_ms", ALLOCATOR_OPTION_INT, -1, 86400000, NULL, 0, "10000",
                   "time unused dirty pages take to be purged (0: at once, -1: never)"},
    [OPT_MUZZY] = {"muzzy_decay_ms", ALLOCATOR_OPTION_INT, -1, 86400000, NULL, 0, "0",
                   "time muzzy (lazily purged) pages take to be purged for good"},
    [OPT_TCACHE] = {"tcache", ALLOCATOR_OPTION_BOOL, 0, 1, NULL, 0, "true",
                    "per-thread caches of small blocks"},
    [OPT_BACKGROUND] = {"background_thread", ALLOCATOR_OPTION_BOOL, 0, 1, NULL, 0, "false",
                        "purge from background threads instead of inside malloc/free calls"},
    [OPT_PERCPU] = {"percpu_arena", ALLOCATOR_OPTION_CHOICE, 0, 0, "disabled|percpu|phycpu", 0,
                    "disabled", "one arena per CPU (percpu) or per physical core (phycpu)"},
};

static int je_environ(const struct allocator_options *opt, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof je_options / sizeof je_options[0] && used < len; i++) {
        if (!opt->set[i])
            continue;
        char v[64];
        allocator_option_format(&je_options[i], opt->value[i], v, sizeof v);
        used += (size_t)snprintf(buf + used, len - used, "%s%s:%s", used ? "," : "MALLOC_CONF=",
                                 je_options[i].key, v);
    }
    if (used && used < len)
        used += (size_t)snprintf(buf + used, len - used, "\n");
    return used < len ? 0 : -1;
}

/* Appends ",key=value" (no comma first) to buf; used is the length so far. */
static size_t put(char *buf, size_t len, size_t used, const char *key, const char *value)
{
    if (used >= len)
        return used;
    return used + (size_t)snprintf(buf + used, len - used, "%s%s=%s", used ? "," : "", key, value);
}

/* Reads mallctl name into v (size bytes). Returns 0 or jemalloc's error. */
static int ctl(const char *name, void *v, size_t size)
{
    return mallctl(name, v, &size, NULL, 0);
}

static void je_config(void *ctx, char *buf, size_t len)
{
    unsigned narenas;
    ssize_t dirty, muzzy;
    bool tcache, background;
    const char *percpu;
    size_t used = 0;
    char v[32];
    buf[0] = 0;
    if (!ctl("opt.narenas", &narenas, sizeof narenas)) {
        snprintf(v, sizeof v, "%u", narenas);
        used = put(buf, len, used, "narenas", v);
    }
    if (!ctl("opt.dirty_decay_ms", &dirty, sizeof dirty)) {
        snprintf(v, sizeof v, "%zd", dirty);
        used = put(buf, len, used, "dirty_decay_ms", v);
    }
    if (!ctl("opt.muzzy_decay_ms", &muzzy, sizeof muzzy)) {
        snprintf(v, sizeof v, "%zd", muzzy);
        used = put(buf, len, used, "muzzy_decay_ms", v);
    }
    if (!ctl("opt.tcache", &tcache, sizeof tcache))
        used = put(buf, len, used, "tcache", tcache ? "true" : "false");
    if (!ctl("opt.background_thread", &background, sizeof background))
        used = put(buf, len, used, "background_thread", background ? "true" : "false");
    if (!ctl("opt.percpu_arena", &percpu, sizeof percpu))
        put(buf, len, used, "percpu_arena", percpu);
}

/* The context is never dereferenced: jemalloc's state is process-wide. */
static char je_ctx;

static void *je_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    return &je_ctx;
}

static void je_destroy(void *ctx)
{
}

/* mallocx and sdallocx are undefined for size 0: a zero-byte request takes one byte. */
static size_t nonzero(size_t n)
{
    return n + (n == 0);
}

static void *je_alloc(void *ctx, size_t size)
{
    return mallocx(nonzero(size), 0);
}

/* MALLOCX_ZERO: jemalloc zeroes only what may be dirty (fresh extents are known zero). */
static void *je_calloc(void *ctx, size_t size)
{
    return mallocx(nonzero(size), MALLOCX_ZERO);
}

static void je_free(void *ctx, void *p, size_t size, size_t align)
{
    sdallocx(p, nonzero(size), align > 1 ? MALLOCX_ALIGN(align) : 0);
}

static void *je_aligned_alloc(void *ctx, size_t size, size_t align)
{
    return mallocx(nonzero(size), MALLOCX_ALIGN(align));
}

static void *je_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    return rallocx(p, nonzero(new_size), 0);
}

static size_t je_usable_size(void *ctx, void *p, size_t size)
{
    return sallocx(p, 0);
}

static void je_stats(void *ctx, struct allocator_stats *out)
{
    known_stats_jemalloc(mallctl, out);
}

const struct allocator_ops allocator_jemalloc_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "jemalloc",
    .description = "jemalloc (mallocx/sdallocx/rallocx) with its own defaults; its own worker",
    .min_align = 8,
    .create = je_create,
    .destroy = je_destroy,
    .alloc = je_alloc,
    .free = je_free,
    .aligned_alloc = je_aligned_alloc,
    .realloc = je_realloc,
    .usable_size = je_usable_size,
    .stats = je_stats,
    .flags = ALLOCATOR_THREAD_SAFE | ALLOCATOR_ALIGN_NATURAL,
    .calloc = je_calloc,
    .options = je_options,
    .n_options = sizeof je_options / sizeof je_options[0],
    .environ = je_environ,
    .config = je_config,
};
