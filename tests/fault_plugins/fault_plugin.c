/* A backend that misbehaves on purpose, for the fault tests (tests/fault_cells.sh).
 *
 * It is the C library's malloc until the FAULT_AT-th call of alloc (1-based, counted over
 * alloc, aligned_alloc and realloc), then does what FAULT names, once. One source, one shared
 * module per fault (tests/meson.build), each loaded with -b plugin:PATH:
 *   segv     writes through a null pointer (SIGSEGV in the worker)
 *   abort    calls abort() (SIGABRT)
 *   null     returns NULL, as an allocator out of memory does
 *   corrupt  overwrites the first byte of the most recent block still live, then behaves:
 *            only --verify notices, when that block is freed or reallocated
 *   hang     never returns (the worker must be killed by --timeout)
 *   sigkill  kills its own process with SIGKILL, as the OOM killer would */
#include "allocreplay/allocator.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FAULT_AT
#define FAULT_AT 100
#endif
#define LIVE_MAX 65536 /* blocks remembered for the corrupt fault; the test traces stay below */

enum fault { SEGV, ABORT, RETURN_NULL, CORRUPT, HANG, SIGKILL_SELF };

/* Not a constant, so the compiler cannot see (and warn about, or drop) the wild write. */
static volatile uintptr_t nowhere = 8;

struct faulty {
    unsigned long calls;
    void *live[LIVE_MAX];
    size_t n_live;
};

static void *faulty_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    struct faulty *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        snprintf(err, err_len, "fault-" FAULT_NAME ": out of memory");
    return ctx;
}

static void faulty_destroy(void *ctx)
{
    free(ctx);
}

static void remember(struct faulty *ctx, void *p)
{
    if (p && ctx->n_live < LIVE_MAX)
        ctx->live[ctx->n_live++] = p;
}

static void forget(struct faulty *ctx, void *p)
{
    for (size_t i = ctx->n_live; i-- > 0;)
        if (ctx->live[i] == p) {
            ctx->live[i] = ctx->live[--ctx->n_live];
            return;
        }
}

/* Returns 1 when the caller must return NULL. */
static int maybe_fault(struct faulty *ctx)
{
    if (++ctx->calls != FAULT_AT)
        return 0;
    switch (FAULT) {
    case SEGV:
        *(volatile int *)nowhere = 1;
        break;
    case ABORT:
        abort();
    case RETURN_NULL:
        return 1;
    case CORRUPT:
        if (ctx->n_live)
            *(volatile unsigned char *)ctx->live[ctx->n_live - 1] ^= 0xff;
        break;
    case HANG:
        for (;;)
            pause();
    case SIGKILL_SELF:
        raise(SIGKILL);
        break;
    }
    return 0;
}

static void *faulty_alloc(void *vctx, size_t size)
{
    struct faulty *ctx = vctx;
    if (maybe_fault(ctx))
        return NULL;
    void *p = malloc(size ? size : 1);
    remember(ctx, p);
    return p;
}

static void *faulty_aligned_alloc(void *vctx, size_t size, size_t align)
{
    struct faulty *ctx = vctx;
    if (maybe_fault(ctx))
        return NULL;
    void *p = NULL;
    if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size ? size : 1))
        p = NULL;
    remember(ctx, p);
    return p;
}

static void *faulty_realloc(void *vctx, void *old, size_t old_size, size_t new_size)
{
    struct faulty *ctx = vctx;
    if (maybe_fault(ctx))
        return NULL;
    forget(ctx, old);
    void *p = realloc(old, new_size ? new_size : 1);
    remember(ctx, p ? p : old); /* a failed realloc leaves the old block live */
    return p;
}

static void faulty_free(void *vctx, void *p, size_t size, size_t align)
{
    forget(vctx, p);
    free(p);
}

const struct allocator_ops allocreplay_backend = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "fault-" FAULT_NAME,
    .description = "malloc that fails on purpose (" FAULT_NAME ") at one call: tests only",
    .min_align = 16,
    .create = faulty_create,
    .destroy = faulty_destroy,
    .alloc = faulty_alloc,
    .free = faulty_free,
    .aligned_alloc = faulty_aligned_alloc,
    .realloc = faulty_realloc,
};
