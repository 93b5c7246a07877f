/* Plugins for tests/plugin_test.c, from one source: with PLUGIN_BAD_VERSION a table of a
 * future ops version, with PLUGIN_V1 a table laid out as version 1 of allocator.h (it ends at
 * flags: the loader must not read the members appended since), with neither no table under
 * the expected name at all. */
#include "allocreplay/allocator.h"

#include <stdlib.h>

static void *bad_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    return NULL;
}

static void bad_destroy(void *ctx)
{
}

static void *bad_alloc(void *ctx, size_t size)
{
    return NULL;
}

static void bad_free(void *ctx, void *p, size_t size, size_t align)
{
}

#ifdef PLUGIN_V1
struct allocator_ops_v1 {
    int version;
    const char *name;
    const char *description;
    size_t min_align;
    void *(*create)(const struct allocator_options *opt, char *err, size_t err_len);
    void (*destroy)(void *ctx);
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *p, size_t size, size_t align);
    void *(*aligned_alloc)(void *ctx, size_t size, size_t align);
    void *(*realloc)(void *ctx, void *p, size_t old_size, size_t new_size);
    size_t (*usable_size)(void *ctx, void *p, size_t size);
    void (*stats)(void *ctx, struct allocator_stats *out);
    unsigned flags;
};
const struct allocator_ops_v1 allocreplay_backend = {
    .version = 1,
    .name = "v1",
    .min_align = 8,
    .create = bad_create,
    .destroy = bad_destroy,
    .alloc = bad_alloc,
    .free = bad_free,
    .flags = ALLOCATOR_THREAD_SAFE,
};
#else
#ifdef PLUGIN_BAD_VERSION
#define TABLE allocreplay_backend
#define VERSION (ALLOCATOR_OPS_VERSION + 1)
#else
#define TABLE allocreplay_backend_misspelled
#define VERSION ALLOCATOR_OPS_VERSION
#endif

const struct allocator_ops TABLE = {
    .version = VERSION,
    .name = "bad",
    .min_align = 8,
    .create = bad_create,
    .destroy = bad_destroy,
    .alloc = bad_alloc,
    .free = bad_free,
};
#endif
