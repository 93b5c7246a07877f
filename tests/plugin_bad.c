/* Two broken plugins for tests/plugin_test.c, from one source: with PLUGIN_BAD_VERSION a table
 * of a future ops version, without it no table under the expected name at all. */
#include "allocator.h"

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
