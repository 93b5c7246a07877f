/* null: the least an allocator can do while reusing memory, so that a run on it costs the
 * harness's own work per event and hardly anything else (no page faults on reused blocks, no
 * locks): the floor every other backend is measured against, single-threaded or threaded.
 *
 * Blocks come in size classes (multiples of 16 bytes up to 1 KiB, powers of two above) and
 * are carved with a bump pointer from per-thread chunks of one large reservation. A freed
 * block goes onto the freeing thread's list for its class and serves that thread's next
 * request of the class: no lock, no atomic on that path. Lists stay short: past LIST_MAX
 * blocks, BATCH of them move as one batch to a shared stack of batches per class, from which a
 * thread whose own list is empty takes one batch before it bumps; a thread that exits pushes
 * each of its lists as one batch. A batch is a NULL-terminated chain whose first block also
 * links the next batch, so pushing and taking cost the same however much is shared (a shared
 * chain of blocks, taken whole and counted, made 400 short-lived threads quadratic). The
 * stack sits behind a mutex: it is only reached once per BATCH frees or per batch taken.
 * Memory is never given back to the system. */
#include "backends.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define NULL_ALIGN 16
#define SMALL_MAX 1024u                    /* classes of 16, 32, ... 1024 bytes */
#define N_SMALL (SMALL_MAX / NULL_ALIGN)
#define LARGE_MIN_LOG2 11                  /* then 2 KiB, 4 KiB, ... */
#define N_CLASSES (N_SMALL + 41 - LARGE_MIN_LOG2)
#define MAX_BLOCK_ALIGN ((size_t)1 << 20)  /* large blocks: aligned to their size up to 1 MiB */
#define CHUNK ((size_t)4 << 20)            /* a thread's bump chunk */
#define LIST_MAX 512u
#define BATCH 256u
/* Address space only: MAP_NORESERVE and untouched pages cost no memory. Halved until the
 * kernel agrees (a strict overcommit policy or a ulimit -v may refuse the first sizes). */
#define NULL_RESERVE_MAX ((size_t)64 << 30)
#define NULL_RESERVE_MIN ((size_t)256 << 20)

struct node {
    struct node *next;
    struct node *batch; /* the first block of a shared batch: the next batch */
};

struct null_ctx {
    char *base;
    size_t reserved;
    _Atomic uintptr_t cur; /* the reservation's bump pointer (whole chunks, large blocks) */
    uintptr_t end;
    uint64_t generation;   /* tells a thread its cached state belongs to an earlier context */
    struct shared {
        pthread_mutex_t mu;
        _Atomic(struct node *) top; /* the stack of batches; changed under mu */
    } shared[N_CLASSES];
    pthread_key_t key;     /* its destructor hands an exiting thread's lists over */
};

/* A thread's state; reset when it meets a context of another generation. */
struct null_thread {
    struct null_ctx *ctx;
    uint64_t generation;
    uintptr_t cur, end; /* this thread's chunk */
    struct node *list[N_CLASSES];
    uint32_t n[N_CLASSES];
};

/* initial-exec: the allocators library is built position-independent, and the default TLS
 * model there would call __tls_get_addr on every access. */
static _Thread_local struct null_thread tl __attribute__((tls_model("initial-exec")));
static _Atomic uint64_t generations;

static unsigned class_of(size_t size, size_t align)
{
    if (align <= NULL_ALIGN && size <= SMALL_MAX)
        return size ? (unsigned)((size - 1) / NULL_ALIGN) : 0;
    size_t n = size > align ? size : align;
    unsigned k = n <= ((size_t)1 << LARGE_MIN_LOG2) ? LARGE_MIN_LOG2
                                                     : 64 - (unsigned)__builtin_clzll(n - 1);
    return N_SMALL + k - LARGE_MIN_LOG2;
}

static size_t class_bytes(unsigned c)
{
    return c < N_SMALL ? (size_t)(c + 1) * NULL_ALIGN : (size_t)1 << (c - N_SMALL + LARGE_MIN_LOG2);
}

static size_t class_align(unsigned c)
{
    size_t b = class_bytes(c);
    return c < N_SMALL ? NULL_ALIGN : b < MAX_BLOCK_ALIGN ? b : MAX_BLOCK_ALIGN;
}

/* bytes at align from the reservation; 0 when it is exhausted. */
static uintptr_t reserve(struct null_ctx *c, size_t bytes, size_t align)
{
    uintptr_t cur = atomic_load_explicit(&c->cur, memory_order_relaxed);
    for (;;) {
        uintptr_t p = (cur + align - 1) & ~(uintptr_t)(align - 1);
        if (p < cur || p > c->end || bytes > c->end - p)
            return 0;
        if (atomic_compare_exchange_weak_explicit(&c->cur, &cur, p + bytes, memory_order_relaxed,
                                                  memory_order_relaxed))
            return p;
    }
}

/* Pushes the NULL-terminated chain at head as one batch. */
static void push_batch(struct null_ctx *c, unsigned cls, struct node *head)
{
    struct shared *s = &c->shared[cls];
    pthread_mutex_lock(&s->mu);
    head->batch = atomic_load_explicit(&s->top, memory_order_relaxed);
    atomic_store_explicit(&s->top, head, memory_order_relaxed);
    pthread_mutex_unlock(&s->mu);
}

/* The batch on top of the stack, or NULL. */
static struct node *take_batch(struct null_ctx *c, unsigned cls)
{
    struct shared *s = &c->shared[cls];
    pthread_mutex_lock(&s->mu);
    struct node *b = atomic_load_explicit(&s->top, memory_order_relaxed);
    if (b)
        atomic_store_explicit(&s->top, b->batch, memory_order_relaxed);
    pthread_mutex_unlock(&s->mu);
    return b;
}

static void hand_over(void *arg)
{
    struct null_thread *t = arg;
    if (t->generation != t->ctx->generation)
        return;
    for (unsigned cls = 0; cls < N_CLASSES; cls++)
        if (t->list[cls]) {
            push_batch(t->ctx, cls, t->list[cls]);
            t->list[cls] = NULL;
            t->n[cls] = 0;
        }
}

static struct null_thread *thread_state(struct null_ctx *c)
{
    struct null_thread *t = &tl;
    if (__builtin_expect(t->ctx == c && t->generation == c->generation, 1))
        return t;
    memset(t, 0, sizeof *t);
    t->ctx = c;
    t->generation = c->generation;
    pthread_setspecific(c->key, t);
    return t;
}

static void *null_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    struct null_ctx *c = calloc(1, sizeof *c);
    if (!c || pthread_key_create(&c->key, hand_over)) {
        free(c);
        snprintf(err, err_len, "null: out of memory");
        return NULL;
    }
    for (size_t n = NULL_RESERVE_MAX; n >= NULL_RESERVE_MIN; n /= 2) {
        void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
        if (p != MAP_FAILED) {
            c->base = p;
            c->reserved = n;
            atomic_init(&c->cur, (uintptr_t)p);
            c->end = (uintptr_t)p + n;
            c->generation = atomic_fetch_add(&generations, 1) + 1;
            for (unsigned cls = 0; cls < N_CLASSES; cls++)
                pthread_mutex_init(&c->shared[cls].mu, NULL);
            return c;
        }
    }
    pthread_key_delete(c->key);
    free(c);
    snprintf(err, err_len, "null: cannot reserve %zu MiB of address space", NULL_RESERVE_MIN >> 20);
    return NULL;
}

static void null_destroy(void *ctx)
{
    struct null_ctx *c = ctx;
    pthread_key_delete(c->key);
    for (unsigned cls = 0; cls < N_CLASSES; cls++)
        pthread_mutex_destroy(&c->shared[cls].mu);
    munmap(c->base, c->reserved);
    free(c);
}

/* A new block of class cls: the thread's list, else the shared list, else the bump. */
static void *take(struct null_ctx *c, unsigned cls)
{
    struct null_thread *t = thread_state(c);
    struct node *b = t->list[cls];
    if (__builtin_expect(b != NULL, 1)) {
        t->list[cls] = b->next;
        t->n[cls]--;
        return b;
    }
    if (atomic_load_explicit(&c->shared[cls].top, memory_order_relaxed) &&
        (b = take_batch(c, cls))) { /* a peek, then the lock */
        uint32_t n = 0;
        for (struct node *x = b->next; x; x = x->next)
            n++; /* at most LIST_MAX */
        t->list[cls] = b->next;
        t->n[cls] = n;
        return b;
    }
    const size_t bytes = class_bytes(cls), align = class_align(cls);
    if (bytes > CHUNK / 4)
        return (void *)reserve(c, bytes, align);
    uintptr_t p = (t->cur + align - 1) & ~(uintptr_t)(align - 1);
    if (!t->cur || p > t->end || bytes > t->end - p) {
        t->cur = reserve(c, CHUNK, MAX_BLOCK_ALIGN);
        if (!t->cur)
            return NULL;
        t->end = t->cur + CHUNK;
        p = t->cur;
    }
    t->cur = p + bytes;
    return (void *)p;
}

static void give(struct null_ctx *c, void *p, unsigned cls)
{
    struct null_thread *t = thread_state(c);
    struct node *b = p;
    b->next = t->list[cls];
    t->list[cls] = b;
    if (__builtin_expect(++t->n[cls] <= LIST_MAX, 1))
        return;
    struct node *tail = b;
    for (unsigned i = 1; i < BATCH; i++)
        tail = tail->next;
    t->list[cls] = tail->next;
    tail->next = NULL;
    t->n[cls] -= BATCH;
    push_batch(c, cls, b);
}

static void *null_alloc(void *ctx, size_t size)
{
    return take(ctx, class_of(size, 0));
}

static void *null_aligned_alloc(void *ctx, size_t size, size_t align)
{
    return take(ctx, class_of(size, align));
}

static void null_free(void *ctx, void *p, size_t size, size_t align)
{
    give(ctx, p, class_of(size, align));
}

static void *null_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    const unsigned from = class_of(old_size, 0), to = class_of(new_size, 0);
    if (from == to)
        return p;
    void *q = take(ctx, to);
    if (q) {
        memcpy(q, p, old_size < new_size ? old_size : new_size);
        give(ctx, p, from);
    }
    return q;
}

static size_t null_usable_size(void *ctx, void *p, size_t size)
{
    return size;
}

/* footprint: what the bump pointer has handed out (whole chunks included). */
static void null_stats(void *ctx, struct allocator_stats *out)
{
    struct null_ctx *c = ctx;
    size_t used = (size_t)(atomic_load_explicit(&c->cur, memory_order_relaxed) - (uintptr_t)c->base);
    out->footprint_bytes = used;
    out->in_use_bytes = ALLOCATOR_UNKNOWN; /* counting bytes in use would cost on every call */
    out->free_bytes = ALLOCATOR_UNKNOWN;
    out->heap_bytes = 0;
    out->mmap_bytes = used;
    out->n_extra = 1;
    out->extra[0].name = "reserved";
    out->extra[0].value = c->reserved;
}

const struct allocator_ops allocator_null_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "null",
    .description = "size classes, per-thread free lists and bump chunks: the harness's own cost per event",
    .min_align = NULL_ALIGN,
    .flags = ALLOCATOR_THREAD_SAFE,
    .create = null_create,
    .destroy = null_destroy,
    .alloc = null_alloc,
    .free = null_free,
    .aligned_alloc = null_aligned_alloc,
    .realloc = null_realloc,
    .usable_size = null_usable_size,
    .stats = null_stats,
};
