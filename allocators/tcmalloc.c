/* tcmalloc (gperftools), through its tc_* entry points and MallocExtension's numeric
 * properties. Linked only into allocreplay-worker-tcmalloc (it replaces malloc when linked).
 *
 * Settings: the thread-cache limit and aggressive decommit are numeric properties, set at
 * create and read back with MallocExtension; the release rate has no C entry point, so it goes
 * into TCMALLOC_RELEASE_RATE for the worker's exec (tcmalloc reads it at start-up) and is read
 * back from the flag tcmalloc keeps it in. */
#include "backends.h"
#include "known_stats.h"

#include <gperftools/malloc_extension_c.h>
#include <gperftools/nallocx.h>
#include <gperftools/tcmalloc.h>
#include <stdio.h>
#include <string.h>

/* FLAGS_tcmalloc_release_rate, the double TCMALLOC_RELEASE_RATE sets: exported by libtcmalloc
 * under its C++ name; MallocExtension::GetMemoryReleaseRate returns it, but only from C++. */
extern double tcm_release_rate_flag __asm__(
    "_ZN62FLAG__namespace_do_not_use_directly_use_DECLARE_double_instead27FLAGS_tcmalloc_release_rateE");

enum { OPT_RELEASE_RATE, OPT_THREAD_CACHE, OPT_AGGRESSIVE };
static const struct allocator_option tcm_options[] = {
    [OPT_RELEASE_RATE] = {"release_rate", ALLOCATOR_OPTION_INT, 0, 100, NULL, 0, "1",
                          "how fast free pages go back to the OS (0: never; higher: sooner)"},
    [OPT_THREAD_CACHE] = {"max_total_thread_cache_bytes", ALLOCATOR_OPTION_BYTES, 512 << 10,
                          (long long)1 << 40, NULL, 0, "33554432",
                          "bytes all thread caches together may hold"},
    [OPT_AGGRESSIVE] = {"aggressive_decommit", ALLOCATOR_OPTION_BOOL, 0, 1, NULL, 0, "false",
                        "release free spans to the OS as soon as they form"},
};
static const char *const tcm_property_of[] = {
    [OPT_THREAD_CACHE] = "tcmalloc.max_total_thread_cache_bytes",
    [OPT_AGGRESSIVE] = "tcmalloc.aggressive_memory_decommit",
};

static int tcm_environ(const struct allocator_options *opt, char *buf, size_t len)
{
    buf[0] = 0;
    if (!opt->set[OPT_RELEASE_RATE])
        return 0;
    int n = snprintf(buf, len, "TCMALLOC_RELEASE_RATE=%lld\n", opt->value[OPT_RELEASE_RATE]);
    return n >= 0 && (size_t)n < len ? 0 : -1;
}

static void tcm_config(void *ctx, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "release_rate=%g", tcm_release_rate_flag);
    for (size_t i = OPT_THREAD_CACHE; i <= OPT_AGGRESSIVE && used < len; i++) {
        size_t v;
        char text[64];
        if (!MallocExtension_GetNumericProperty(tcm_property_of[i], &v))
            continue;
        allocator_option_format(&tcm_options[i], (long long)v, text, sizeof text);
        used += (size_t)snprintf(buf + used, len - used, ",%s=%s", tcm_options[i].key, text);
    }
}

/* The context is never dereferenced: tcmalloc's state is process-wide. */
static char tc_ctx;

static void *tcm_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    for (size_t i = OPT_THREAD_CACHE; i <= OPT_AGGRESSIVE; i++)
        if (opt->set[i] &&
            !MallocExtension_SetNumericProperty(tcm_property_of[i], (size_t)opt->value[i])) {
            snprintf(err, err_len, "tcmalloc: property %s refused %lld", tcm_property_of[i],
                     opt->value[i]);
            return NULL;
        }
    return &tc_ctx;
}

static void tcm_destroy(void *ctx)
{
}

static void *tcm_alloc(void *ctx, size_t size)
{
    return tc_malloc(size);
}

/* tc_calloc: the same size class as tc_malloc(size), so tc_free_sized still applies. */
static void *tcm_calloc(void *ctx, size_t size)
{
    return tc_calloc(1, size);
}

/* tc_free_sized needs the size class of the block, which a memaligned block may not have been
 * allocated from: give those to plain tc_free. */
static void tcm_free(void *ctx, void *p, size_t size, size_t align)
{
    if (align > 1)
        tc_free(p);
    else
        tc_free_sized(p, size);
}

static void *tcm_aligned_alloc(void *ctx, size_t size, size_t align)
{
    return tc_memalign(align, size);
}

/* tc_free_sized trusts the size class of the size it is given, but tc_realloc may leave a
 * block in a class other than its new size's: it shrinks in place unless the new size is under
 * about half the old, and grows to 1.25 times the old size when the new one is not much larger.
 * Freed later with its new size, such a block would go to the wrong free list and come back out
 * to a request of that class, misaligned or overlapping (the conformance churn catches it). So
 * when the class disagrees, the block is moved here to one of its own class: tcmalloc's realloc
 * decision, plus one copy in those cases, keeps sized free valid on the far hotter free path. */
static void *tcm_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    void *q = tc_realloc(p, new_size);
    if (!q || tc_malloc_size(q) == tc_nallocx(new_size, 0))
        return q;
    void *r = tc_malloc(new_size);
    if (!r)
        return q; /* out of memory: the harness ends the cell; q at least stays valid */
    memcpy(r, q, new_size);
    tc_free(q);
    return r;
}

static size_t tcm_usable_size(void *ctx, void *p, size_t size)
{
    return tc_malloc_size(p);
}

static void tcm_stats(void *ctx, struct allocator_stats *out)
{
    known_stats_tcmalloc(MallocExtension_GetNumericProperty, out);
}

const struct allocator_ops allocator_tcmalloc_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "tcmalloc",
    .description = "tcmalloc from gperftools (tc_malloc/tc_free_sized), numeric properties; "
                   "its own worker",
    .min_align = 8,
    .create = tcm_create,
    .destroy = tcm_destroy,
    .alloc = tcm_alloc,
    .free = tcm_free,
    .aligned_alloc = tcm_aligned_alloc,
    .realloc = tcm_realloc,
    .usable_size = tcm_usable_size,
    .stats = tcm_stats,
    .flags = ALLOCATOR_THREAD_SAFE | ALLOCATOR_ALIGN_NATURAL,
    .calloc = tcm_calloc,
    .options = tcm_options,
    .n_options = sizeof tcm_options / sizeof tcm_options[0],
    .environ = tcm_environ,
    .config = tcm_config,
};
