/* malloc: the C library's allocator, called directly. Under preload:PATH the same calls reach
 * whatever allocator LD_PRELOAD put in front of the C library.
 *
 * Settings (glibc's own knobs, applied the ways glibc documents): arena_max, mmap_threshold,
 * trim_threshold and top_pad with mallopt at create; tcache_count and tcache_max exist only as
 * tunables, which glibc reads at start-up, so they go into GLIBC_TUNABLES for the worker's
 * exec. glibc has no call that reads any of them back: create checks mallopt's verdict, and
 * config reports what was applied (docs/backends.md). */
#include "backends.h"
#include "known_stats.h"

#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

/* The context is never dereferenced; any non-NULL value says "created". */
static char libc_ctx;

/* The keys of malloc:key=value; OPT_* index this table. Bounds are glibc 2.36's. */
enum { OPT_ARENA_MAX, OPT_MMAP_THRESHOLD, OPT_TRIM_THRESHOLD, OPT_TOP_PAD, OPT_TCACHE_COUNT,
       OPT_TCACHE_MAX };
static const struct allocator_option libc_options[] = {
    [OPT_ARENA_MAX] = {"arena_max", ALLOCATOR_OPTION_INT, 1, 1 << 20, NULL, 0, "8 x cores",
                       "most arenas threads spread over (mallopt M_ARENA_MAX)"},
    [OPT_MMAP_THRESHOLD] = {"mmap_threshold", ALLOCATOR_OPTION_BYTES, 0, 32 << 20, NULL, 0,
                            "131072, dynamic",
                            "requests from this size are mmap'ed; setting it stops glibc "
                            "raising it as mmap'ed blocks are freed (M_MMAP_THRESHOLD)"},
    [OPT_TRIM_THRESHOLD] = {"trim_threshold", ALLOCATOR_OPTION_BYTES, 0, (long long)1 << 40, NULL,
                            0, "131072, dynamic",
                            "free space at the heap top beyond which free gives it back with "
                            "brk (M_TRIM_THRESHOLD)"},
    [OPT_TOP_PAD] = {"top_pad", ALLOCATOR_OPTION_BYTES, 0, 1 << 30, NULL, 0, "131072",
                     "extra bytes asked of brk each time the heap grows (M_TOP_PAD)"},
    [OPT_TCACHE_COUNT] = {"tcache_count", ALLOCATOR_OPTION_INT, 0, 65535, NULL, 0, "7",
                          "blocks per size kept in each thread's cache (tunable "
                          "glibc.malloc.tcache_count; 0 disables the cache)"},
    [OPT_TCACHE_MAX] = {"tcache_max", ALLOCATOR_OPTION_BYTES, 0, 1032, NULL, 0, "1032",
                        "largest request the thread cache holds (tunable glibc.malloc.tcache_max)"},
};

static int libc_environ(const struct allocator_options *opt, char *buf, size_t len)
{
    int n = 0;
    buf[0] = 0;
    if (opt->set[OPT_TCACHE_COUNT] || opt->set[OPT_TCACHE_MAX]) {
        n = snprintf(buf, len, "GLIBC_TUNABLES=");
        if (opt->set[OPT_TCACHE_COUNT] && n >= 0 && (size_t)n < len)
            n += snprintf(buf + n, len - (size_t)n, "glibc.malloc.tcache_count=%lld",
                          opt->value[OPT_TCACHE_COUNT]);
        if (opt->set[OPT_TCACHE_MAX] && n >= 0 && (size_t)n < len)
            n += snprintf(buf + n, len - (size_t)n, "%sglibc.malloc.tcache_max=%lld",
                          opt->set[OPT_TCACHE_COUNT] ? ":" : "", opt->value[OPT_TCACHE_MAX]);
        if (n >= 0 && (size_t)n < len)
            n += snprintf(buf + n, len - (size_t)n, "\n");
    }
    return n >= 0 && (size_t)n < len ? 0 : -1;
}

/* The settings given, as applied (glibc cannot report them); and whether this is preload:PATH. */
static struct allocator_options libc_applied;
static int libc_preloaded;

static void *libc_create(const struct allocator_options *opt, char *err, size_t err_len)
{
#if defined(__SANITIZE_ADDRESS__) || defined(HAVE_ASAN)
    /* A sanitizer's malloc is not glibc's: it would take none of these settings. */
    for (size_t i = 0; i < sizeof libc_options / sizeof libc_options[0]; i++)
        if (opt->set[i]) {
            snprintf(err, err_len, "malloc: %s: a sanitizer's malloc takes no glibc settings",
                     libc_options[i].key);
            return NULL;
        }
#endif
    static const struct {
        int opt, param;
        const char *name;
    } mallopts[] = {{OPT_ARENA_MAX, M_ARENA_MAX, "M_ARENA_MAX"},
                    {OPT_MMAP_THRESHOLD, M_MMAP_THRESHOLD, "M_MMAP_THRESHOLD"},
                    {OPT_TRIM_THRESHOLD, M_TRIM_THRESHOLD, "M_TRIM_THRESHOLD"},
                    {OPT_TOP_PAD, M_TOP_PAD, "M_TOP_PAD"}};
    for (size_t i = 0; i < sizeof mallopts / sizeof mallopts[0]; i++) {
        if (!opt->set[mallopts[i].opt])
            continue;
        if (mallopt(mallopts[i].param, (int)opt->value[mallopts[i].opt]) != 1) {
            snprintf(err, err_len, "malloc: mallopt(%s, %lld) refused", mallopts[i].name,
                     opt->value[mallopts[i].opt]);
            return NULL;
        }
    }
    libc_applied = *opt;
    libc_preloaded = opt->arg != NULL;
    return &libc_ctx;
}

static void libc_config(void *ctx, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof libc_options / sizeof libc_options[0] && used < len; i++)
        if (libc_applied.set[i])
            used += (size_t)snprintf(buf + used, len - used, "%s%s=%lld", used ? "," : "",
                                     libc_options[i].key, libc_applied.value[i]);
}

static void libc_destroy(void *ctx)
{
}

static void *libc_alloc(void *ctx, size_t size)
{
    return malloc(size);
}

/* glibc's calloc skips the memset for memory it knows is still zero (fresh from the top
 * chunk or from mmap): the harness's alloc + memset would not. */
static void *libc_calloc(void *ctx, size_t size)
{
    return calloc(1, size);
}

static void libc_free(void *ctx, void *p, size_t size, size_t align)
{
    free(p);
}

/* posix_memalign rather than aligned_alloc: C11's aligned_alloc may refuse a size that is not
 * a multiple of the alignment, and a preloaded allocator may enforce that. */
static void *libc_aligned_alloc(void *ctx, size_t size, size_t align)
{
    void *p;
    if (align < sizeof(void *))
        align = sizeof(void *);
    return posix_memalign(&p, align, size) ? NULL : p;
}

static void *libc_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    return realloc(p, new_size);
}

static size_t libc_usable_size(void *ctx, void *p, size_t size)
{
    return malloc_usable_size(p);
}

/* glibc's own figures: arena = bytes obtained with brk (all arenas), hblkhd = bytes in chunks
 * obtained with mmap; uordblks = bytes in use inside the arenas (blocks in the thread caches
 * count as in use: glibc sees them so), fordblks = free, of which keepcost is the free top of
 * the main heap that trimming could give back. Under preload:PATH a known allocator's own
 * statistics are used; under an unknown one, or a sanitizer, glibc's malloc is not the one
 * serving requests and mallinfo2 describes an idle heap: everything stays unknown. */
static void libc_stats(void *ctx, struct allocator_stats *out)
{
    if (libc_preloaded) {
        (void)known_stats_preloaded(out);
        return;
    }
#if !defined(__SANITIZE_ADDRESS__) && !defined(HAVE_ASAN)
    struct mallinfo2 mi = mallinfo2();
    if (mi.arena + mi.hblkhd == 0)
        return;
    out->footprint_bytes = mi.arena + mi.hblkhd;
    out->in_use_bytes = mi.uordblks + mi.hblkhd;
    out->free_bytes = mi.fordblks - mi.keepcost;
    out->unused_bytes = mi.keepcost;
    out->heap_bytes = mi.arena;
    out->mmap_bytes = mi.hblkhd;
#endif
}

const struct allocator_ops allocator_malloc_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "malloc",
    .description = "the C library's malloc/free/realloc/posix_memalign (glibc: ptmalloc2); "
                   "footprint from mallinfo2",
    .min_align = 16,
    .create = libc_create,
    .destroy = libc_destroy,
    .alloc = libc_alloc,
    .free = libc_free,
    .aligned_alloc = libc_aligned_alloc,
    .realloc = libc_realloc,
    .usable_size = libc_usable_size,
    .stats = libc_stats,
    .flags = ALLOCATOR_THREAD_SAFE,
    .calloc = libc_calloc,
    .options = libc_options,
    .n_options = sizeof libc_options / sizeof libc_options[0],
    .environ = libc_environ,
    .config = libc_config,
};
