/* mimalloc, through its own API: mi_malloc/mi_free_size/mi_realloc/mi_malloc_aligned_at. Linked
 * only into allocreplay-worker-mimalloc: Debian's library overrides malloc when linked.
 *
 * Settings go into MIMALLOC_<OPTION> variables for the worker's exec: mimalloc reads some
 * options once at start-up (large_os_pages, reserve_os_memory), before any mi_option_set could
 * run, since the process's first malloc is already mimalloc's. config reads them back with
 * mi_option_get. Keys are named as mimalloc 2.0.9 names its options (decommit_delay became
 * purge_delay in 2.1). */
#include "backends.h"
#include "known_stats.h"

#include <mimalloc.h>
#include <stdio.h>

/* The context is never dereferenced: mimalloc's heaps are per thread and process-wide. */
static char mi_ctx;

/* The keys of mimalloc:key=value; each row's option and environment variable below. */
static const struct allocator_option mim_options[] = {
    {"decommit_delay", ALLOCATOR_OPTION_INT, 0, 3600000, NULL, 0, "25",
     "milliseconds before freed pages are decommitted (purged) to the OS"},
    {"allow_decommit", ALLOCATOR_OPTION_BOOL, 0, 1, NULL, 0, "true",
     "decommit (purge) freed pages at all"},
    {"eager_commit", ALLOCATOR_OPTION_BOOL, 0, 1, NULL, 0, "true",
     "commit whole segments at once rather than page by page"},
    {"reserve_os_memory", ALLOCATOR_OPTION_BYTES, 0, (long long)64 << 30, NULL, 0, "0",
     "bytes of address space reserved as an arena at start-up (rounded to KiB)"},
    {"large_os_pages", ALLOCATOR_OPTION_BOOL, 0, 1, NULL, 0, "false",
     "back segments with 2 MiB pages where the OS gives them"},
};
static const struct {
    mi_option_t option;
    const char *env;
    long long unit; /* mi_option_get's value times unit = the key's value */
} mim_map[] = {
    {mi_option_decommit_delay, "MIMALLOC_DECOMMIT_DELAY", 1},
    {mi_option_allow_decommit, "MIMALLOC_ALLOW_DECOMMIT", 1},
    {mi_option_eager_commit, "MIMALLOC_EAGER_COMMIT", 1},
    {mi_option_reserve_os_memory, "MIMALLOC_RESERVE_OS_MEMORY", 1024},
    {mi_option_large_os_pages, "MIMALLOC_LARGE_OS_PAGES", 1},
};
_Static_assert(sizeof mim_options / sizeof mim_options[0] == sizeof mim_map / sizeof mim_map[0],
               "one mimalloc option per key");

static int mim_environ(const struct allocator_options *opt, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof mim_map / sizeof mim_map[0] && used < len; i++)
        if (opt->set[i]) /* without a suffix mimalloc takes reserve_os_memory in bytes */
            used += (size_t)snprintf(buf + used, len - used, "%s=%lld\n", mim_map[i].env,
                                     opt->value[i]);
    return used < len ? 0 : -1;
}

static void mim_config(void *ctx, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof mim_map / sizeof mim_map[0] && used < len; i++) {
        char v[64];
        allocator_option_format(&mim_options[i], mi_option_get(mim_map[i].option) * mim_map[i].unit,
                                v, sizeof v);
        used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", i ? "," : "",
                                 mim_options[i].key, v);
    }
}

static void *mim_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    return &mi_ctx;
}

static void mim_destroy(void *ctx)
{
}

static void *mim_alloc(void *ctx, size_t size)
{
    return mi_malloc(size);
}

/* mi_zalloc skips the memset on pages fresh from the OS. */
static void *mim_calloc(void *ctx, size_t size)
{
    return mi_zalloc(size);
}

static void mim_free(void *ctx, void *p, size_t size, size_t align)
{
    if (align > 1)
        mi_free_size_aligned(p, size, align);
    else
        mi_free_size(p, size);
}

/* mi_malloc_aligned of mimalloc 2.0.9 (Debian 12) returns misaligned blocks when the size
 * equals an alignment of 256, 512 or 1024 (microsoft/mimalloc#700, fixed in later releases;
 * the conformance churn catches it). mi_malloc_aligned_at with offset 0 is the same request
 * without the faulty fast path. */
static void *mim_aligned_alloc(void *ctx, size_t size, size_t align)
{
    return mi_malloc_aligned_at(size, align, 0);
}

static void *mim_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    return mi_realloc(p, new_size);
}

static size_t mim_usable_size(void *ctx, void *p, size_t size)
{
    return mi_usable_size(p);
}

static void mim_stats(void *ctx, struct allocator_stats *out)
{
    known_stats_mimalloc(mi_process_info, out);
}

const struct allocator_ops allocator_mimalloc_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "mimalloc",
    .description = "mimalloc (mi_malloc/mi_free_size), footprint = committed bytes; its own worker",
    .min_align = 8,
    .create = mim_create,
    .destroy = mim_destroy,
    .alloc = mim_alloc,
    .free = mim_free,
    .aligned_alloc = mim_aligned_alloc,
    .realloc = mim_realloc,
    .usable_size = mim_usable_size,
    .stats = mim_stats,
    .flags = ALLOCATOR_THREAD_SAFE | ALLOCATOR_ALIGN_NATURAL,
    .calloc = mim_calloc,
    .options = mim_options,
    .n_options = sizeof mim_options / sizeof mim_options[0],
    .environ = mim_environ,
    .config = mim_config,
};
