/* A plugin backend (plugin:PATH) that misbehaves on purpose, for the end-to-end tests of how
 * the harness reports failed cells. ALLOCREPLAY_TEST_MISBEHAVE chooses how, at the third
 * allocation: "segv" dereferences NULL, "abort" aborts, "hang" spins forever, "corrupt" makes
 * realloc lose the block's content (only the verify pass can tell). Anything else: a correct
 * libc-based backend. */
#include "allocreplay/allocator.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static unsigned allocs;
static char mode[16];

static void *mb_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    (void)opt, (void)err, (void)err_len;
    const char *m = getenv("ALLOCREPLAY_TEST_MISBEHAVE");
    strncpy(mode, m ? m : "", sizeof mode - 1);
    return &allocs;
}

static void mb_destroy(void *ctx)
{
    (void)ctx;
}

static void *mb_alloc(void *ctx, size_t size)
{
    (void)ctx;
    if (++allocs == 3) {
        if (!strcmp(mode, "segv"))
            raise(SIGSEGV); /* what a wild store would do; a literal NULL store is UB the
                               compiler may turn into a different trap */
        if (!strcmp(mode, "abort"))
            abort();
        if (!strcmp(mode, "hang"))
            for (volatile int spin = 1; spin;)
                ;
    }
    return malloc(size);
}

static void mb_free(void *ctx, void *p, size_t size, size_t align)
{
    (void)ctx, (void)size, (void)align;
    free(p);
}

static void *mb_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    (void)ctx, (void)old_size;
    if (strcmp(mode, "corrupt"))
        return realloc(p, new_size);
    void *q = malloc(new_size);
    if (q)
        memset(q, 0xa5, new_size);
    free(p);
    return q;
}

const struct allocator_ops allocreplay_backend = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "misbehave",
    .description = "test plugin that crashes, aborts, hangs or corrupts on request",
    .min_align = 16,
    .create = mb_create,
    .destroy = mb_destroy,
    .alloc = mb_alloc,
    .free = mb_free,
    .realloc = mb_realloc,
};
