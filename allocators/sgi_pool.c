/* sgi, sgi-locked: a C port of the SGI STL second-level allocator, __default_alloc_template
 * (stl_alloc.h, SGI STL 3.3), kept as close to the original as C allows: the same constants,
 * free lists of union _Obj, _S_refill asking for 20 objects, _S_chunk_alloc with its three cases,
 * reallocate as the original. Identifiers follow the original without the underscores.
 *
 * Departures, each forced by running inside a harness:
 * - The state (free lists, start_free, end_free, heap_size) lives in a context instead of
 *   static members, so tests and runs are independent.
 * - The original never returns memory. destroy frees the chunks so a test process can make many
 *   pools; it needs a list of chunks the original does not keep. That list lives in its own
 *   mmap'd array, so the pool's requests to malloc stay exactly the original's.
 * - Out of memory: where malloc_alloc::allocate would call the oom handler or throw bad_alloc,
 *   allocate returns NULL and the harness reports the failed cell; the pool stays consistent.
 * - Counters of free blocks per list and of live bytes over 128, for stats only.
 * - aligned_alloc, which the original lacks: see sgi_aligned_alloc.
 */
#include "sgi_pool.h"

#include "asan.h"
#include "backends.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

union obj {
    union obj *free_list_link;
    char client_data[1];
};

struct sgi_pool {
    union obj *free_list[SGI_LISTS_MAX];
    char *start_free;
    char *end_free;
    size_t heap_size;

    struct sgi_sys sys;
    size_t nfree[SGI_LISTS_MAX];  /* blocks on each free list */
    struct sgi_params par;        /* __ALIGN, __MAX_BYTES, the refill count */
    size_t large_bytes;           /* requested bytes of live blocks served by the system */
    char **chunks;                /* every chunk malloc'd, for destroy only */
    size_t nchunks, chunks_cap;   /* chunks_cap: entries the mapping holds */
    pthread_mutex_t lock;         /* sgi-locked only */
};

/* The system allocator: the injected hooks, or the C library. */
static void *sys_malloc(struct sgi_pool *pool, size_t n)
{
    return pool->sys.malloc ? pool->sys.malloc(pool->sys.user, n) : malloc(n);
}

static void sys_free(struct sgi_pool *pool, void *p)
{
    if (pool->sys.free)
        pool->sys.free(pool->sys.user, p);
    else
        free(p);
}

static void *sys_realloc(struct sgi_pool *pool, void *p, size_t n)
{
    return pool->sys.realloc ? pool->sys.realloc(pool->sys.user, p, n) : realloc(p, n);
}

static void *sys_memalign(struct sgi_pool *pool, size_t align, size_t n)
{
    void *p;
    if (pool->sys.memalign)
        return pool->sys.memalign(pool->sys.user, align, n);
    return posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, n) ? NULL : p;
}

static size_t round_up(const struct sgi_pool *pool, size_t bytes)
{
    return (bytes + pool->par.align - 1) & ~(pool->par.align - 1);
}

static size_t freelist_index(const struct sgi_pool *pool, size_t bytes)
{
    return (bytes + pool->par.align - 1) / pool->par.align - 1;
}

/* Remembers a chunk for destroy. Returns 0 if the list cannot grow (the chunk is then freed
 * and treated as a failed malloc, so destroy can never leak). */
static int remember_chunk(struct sgi_pool *pool, char *chunk)
{
    if (pool->nchunks == pool->chunks_cap) {
        size_t old = pool->chunks_cap * sizeof(char *);
        void *p = mremap(pool->chunks, old, 2 * old, MREMAP_MAYMOVE);
        if (p == MAP_FAILED)
            return 0;
        pool->chunks = p;
        pool->chunks_cap *= 2;
    }
    pool->chunks[pool->nchunks++] = chunk;
    return 1;
}

static char *chunk_malloc(struct sgi_pool *pool, size_t bytes)
{
    char *p = sys_malloc(pool, bytes);
    if (p && !remember_chunk(pool, p)) {
        sys_free(pool, p);
        p = NULL;
    }
    if (p)
        pool_poison(p, bytes); /* the pool's unused part is poisoned until handed out */
    return p;
}

/* Carves size * *nobjs bytes from the pool, refilling the pool from the system if needed;
 * may hand out fewer objects (at least one) and say so in *nobjs. */
static char *chunk_alloc(struct sgi_pool *pool, size_t size, int *nobjs)
{
    char *result;
    size_t total_bytes = size * (size_t)*nobjs;
    size_t bytes_left = (size_t)(pool->end_free - pool->start_free);

    if (bytes_left >= total_bytes) {
        result = pool->start_free;
        pool->start_free += total_bytes;
        pool_unpoison(result, total_bytes);
        return result;
    } else if (bytes_left >= size) {
        *nobjs = (int)(bytes_left / size);
        total_bytes = size * (size_t)*nobjs;
        result = pool->start_free;
        pool->start_free += total_bytes;
        pool_unpoison(result, total_bytes);
        return result;
    } else {
        size_t bytes_to_get = 2 * total_bytes + round_up(pool, pool->heap_size >> 4);
        /* Try to make use of the left-over piece. */
        if (bytes_left > 0) {
            size_t i = freelist_index(pool, bytes_left);
            union obj *leftover = (union obj *)pool->start_free;
            pool_unpoison(leftover, bytes_left);
            leftover->free_list_link = pool->free_list[i];
            pool->free_list[i] = leftover;
            pool->nfree[i]++;
            pool_poison(leftover, bytes_left);
        }
        pool->start_free = chunk_malloc(pool, bytes_to_get);
        if (!pool->start_free) {
            /* Try to make do with what we have: a free block of at least size bytes becomes
             * the pool. Smaller lists are not tried, as in the original. */
            for (size_t i = size; i <= pool->par.max_bytes; i += pool->par.align) {
                size_t k = freelist_index(pool, i);
                union obj *p = pool->free_list[k];
                if (p) {
                    pool_unpoison(p, i);
                    pool->free_list[k] = p->free_list_link;
                    pool->nfree[k]--;
                    pool_poison(p, i);
                    pool->start_free = (char *)p;
                    pool->end_free = pool->start_free + i;
                    return chunk_alloc(pool, size, nobjs);
                    /* Any leftover piece will eventually make it to the right free list. */
                }
            }
            pool->end_free = NULL;
            /* malloc_alloc::allocate: malloc once more, then the oom handler or bad_alloc.
             * Here: give up with an empty pool and let the caller report NULL. */
            pool->start_free = chunk_malloc(pool, bytes_to_get);
            if (!pool->start_free)
                return NULL;
        }
        pool->heap_size += bytes_to_get;
        pool->end_free = pool->start_free + bytes_to_get;
        return chunk_alloc(pool, size, nobjs);
    }
}

/* Returns an object of size n (n already rounded) and puts the rest of the refill on its list. */
static void *refill(struct sgi_pool *pool, size_t n)
{
    int nobjs = pool->par.refill;
    char *chunk = chunk_alloc(pool, n, &nobjs);
    union obj *result, *current_obj, *next_obj;
    size_t k;

    if (!chunk)
        return NULL;
    if (nobjs == 1)
        return chunk;
    k = freelist_index(pool, n);

    /* Build free list in chunk. */
    result = (union obj *)chunk;
    pool->free_list[k] = next_obj = (union obj *)(chunk + n);
    for (int i = 1;; i++) {
        current_obj = next_obj;
        next_obj = (union obj *)((char *)next_obj + n);
        if (nobjs - 1 == i) {
            current_obj->free_list_link = NULL;
            pool_poison(current_obj, n);
            break;
        }
        current_obj->free_list_link = next_obj;
        pool_poison(current_obj, n);
    }
    pool->nfree[k] += (size_t)nobjs - 1;
    return result;
}

void *sgi_pool_allocate(struct sgi_pool *pool, size_t n)
{
    if (n > pool->par.max_bytes) {
        void *p = sys_malloc(pool, n);
        if (p)
            pool->large_bytes += n;
        return p;
    }
    size_t k = freelist_index(pool, n);
    union obj *result = pool->free_list[k];
    if (!result)
        return refill(pool, round_up(pool, n));
    pool_unpoison(result, round_up(pool, n));
    pool->free_list[k] = result->free_list_link;
    pool->nfree[k]--;
    return result;
}

void sgi_pool_deallocate(struct sgi_pool *pool, void *p, size_t n)
{
    if (n > pool->par.max_bytes) {
        sys_free(pool, p);
        pool->large_bytes -= n;
        return;
    }
    size_t k = freelist_index(pool, n);
    union obj *q = p;
    q->free_list_link = pool->free_list[k];
    pool->free_list[k] = q;
    pool->nfree[k]++;
    pool_poison(q, round_up(pool, n));
}

void *sgi_pool_reallocate(struct sgi_pool *pool, void *p, size_t old_sz, size_t new_sz)
{
    void *result;
    size_t copy_sz;

    if (old_sz > pool->par.max_bytes && new_sz > pool->par.max_bytes) {
        result = sys_realloc(pool, p, new_sz);
        if (result)
            pool->large_bytes += new_sz - old_sz; /* modular: also right when shrinking */
        return result;
    }
    if (round_up(pool, old_sz) == round_up(pool, new_sz))
        return p;
    result = sgi_pool_allocate(pool, new_sz);
    if (!result)
        return NULL; /* the original would have thrown; the old block stays valid */
    copy_sz = new_sz > old_sz ? old_sz : new_sz;
    memcpy(result, p, copy_sz);
    sgi_pool_deallocate(pool, p, old_sz);
    return result;
}

struct sgi_pool *sgi_pool_create(const struct sgi_sys *sys, const struct sgi_params *params)
{
    static const struct sgi_params original = {SGI_ALIGN, SGI_MAX_BYTES, SGI_REFILL};
    const struct sgi_params *par = params ? params : &original;
    if (par->align < SGI_ALIGN || par->align > SGI_ALIGN_MAX || (par->align & (par->align - 1)) ||
        par->max_bytes < par->align || par->max_bytes > SGI_MAX_BYTES_MAX ||
        par->max_bytes % par->align || par->refill < 1)
        return NULL;
    struct sgi_pool *pool = calloc(1, sizeof *pool);
    size_t page = 4096;
    if (!pool)
        return NULL;
    pool->par = *par;
    if (sys)
        pool->sys = *sys;
    pool->chunks = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pool->chunks == MAP_FAILED) {
        free(pool);
        return NULL;
    }
    pool->chunks_cap = page / sizeof(char *);
    pthread_mutex_init(&pool->lock, NULL);
    return pool;
}

void sgi_pool_destroy(struct sgi_pool *pool)
{
    /* Every chunk was malloc'd whole; the scan path only ever reuses blocks inside them. */
    for (size_t i = 0; i < pool->nchunks; i++)
        sys_free(pool, pool->chunks[i]);
    munmap(pool->chunks, pool->chunks_cap * sizeof(char *));
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

const struct sgi_params *sgi_pool_params(const struct sgi_pool *pool)
{
    return &pool->par;
}

size_t sgi_pool_heap_size(const struct sgi_pool *pool)
{
    return pool->heap_size;
}

size_t sgi_pool_leftover(const struct sgi_pool *pool)
{
    return (size_t)(pool->end_free - pool->start_free);
}

size_t sgi_pool_free_count(const struct sgi_pool *pool, unsigned index)
{
    return pool->nfree[index];
}

size_t sgi_pool_list_length(struct sgi_pool *pool, unsigned index)
{
    size_t n = 0, size = ((size_t)index + 1) * pool->par.align;
    for (union obj *p = pool->free_list[index]; p;) {
        union obj *next;
        pool_unpoison(p, size);
        next = p->free_list_link;
        pool_poison(p, size);
        p = next;
        n++;
    }
    return n;
}

/* ---- the backends ---- */

/* The keys of sgi:key=value (allocator.h); OPT_* index this table. Bare `sgi` is the
 * original: 8 / 128 / 20. */
enum { OPT_ALIGN, OPT_MAX_BYTES, OPT_REFILL };
static const struct allocator_option sgi_options[] = {
    [OPT_ALIGN] = {"align", ALLOCATOR_OPTION_INT, SGI_ALIGN, SGI_ALIGN_MAX, NULL, 1, "8",
                   "__ALIGN: block sizes round up to it, free lists step by it (8 or 16)"},
    [OPT_MAX_BYTES] = {"max_bytes", ALLOCATOR_OPTION_INT, SGI_ALIGN, SGI_MAX_BYTES_MAX, NULL, 0,
                       "128",
                       "__MAX_BYTES: the largest pooled size (a multiple of align); larger "
                       "requests go to malloc"},
    [OPT_REFILL] = {"refill", ALLOCATOR_OPTION_INT, 1, 4096, NULL, 0, "20",
                    "objects _S_refill asks _S_chunk_alloc for when a free list is empty"},
};

static void *sgi_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    struct sgi_params par = {SGI_ALIGN, SGI_MAX_BYTES, SGI_REFILL};
    if (opt->set[OPT_ALIGN])
        par.align = (size_t)opt->value[OPT_ALIGN];
    if (opt->set[OPT_MAX_BYTES])
        par.max_bytes = (size_t)opt->value[OPT_MAX_BYTES];
    if (opt->set[OPT_REFILL])
        par.refill = (int)opt->value[OPT_REFILL];
    if (par.max_bytes % par.align) {
        snprintf(err, err_len, "sgi: max_bytes %zu is not a multiple of align %zu", par.max_bytes,
                 par.align);
        return NULL;
    }
    struct sgi_pool *pool = sgi_pool_create(NULL, &par);
    if (!pool)
        snprintf(err, err_len, "sgi: cannot map the pool's chunk list");
    return pool;
}

static void sgi_config(void *ctx, char *buf, size_t len)
{
    const struct sgi_params *par = sgi_pool_params(ctx);
    snprintf(buf, len, "align=%zu,max_bytes=%zu,refill=%d", par->align, par->max_bytes,
             par->refill);
}

static void sgi_destroy(void *ctx)
{
    sgi_pool_destroy(ctx);
}

/* A zero-byte request is served as one byte (an 8-byte block from list 0): the original's
 * allocator<T>::allocate returns 0 for n == 0 without reaching the pool (whose
 * _S_freelist_index(0) would underflow), but the harness needs a distinct live pointer. */
static size_t nonzero(size_t n)
{
    return n ? n : 1;
}

static void *sgi_alloc(void *ctx, size_t size)
{
    return sgi_pool_allocate(ctx, nonzero(size));
}

static void sgi_free(void *ctx, void *p, size_t size, size_t align)
{
    struct sgi_pool *pool = ctx;
    if (align > pool->par.align) {
        sys_free(pool, p);
        pool->large_bytes -= size;
        return;
    }
    sgi_pool_deallocate(pool, p, nonzero(size));
}

/* The original has no aligned allocation. Its blocks are 8-aligned, so align <= 8 is an
 * ordinary allocate; a larger alignment goes to the system's posix_memalign, as a request over
 * 128 bytes goes to malloc, and free sends it back there (free is told the alignment). Pool
 * blocks carry no header in which an offset could be kept, and over-allocating from the pool
 * would only hide those requests in the wrong free lists. */
static void *sgi_aligned_alloc(void *ctx, size_t size, size_t align)
{
    struct sgi_pool *pool = ctx;
    void *p;
    if (align <= pool->par.align)
        return sgi_pool_allocate(pool, nonzero(size));
    p = sys_memalign(pool, align, size);
    if (p)
        pool->large_bytes += size;
    return p;
}

static void *sgi_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    return sgi_pool_reallocate(ctx, p, nonzero(old_size), nonzero(new_size));
}

/* A pool block's usable size is its rounded size. A block over 128 bytes is malloc's, which
 * knows better. usable_size is not told the alignment: for a block of up to 128 bytes from
 * posix_memalign the rounded size is a lower bound (malloc rounds at least as far). */
static size_t sgi_usable_size(void *ctx, void *p, size_t size)
{
    const struct sgi_pool *pool = ctx;
    return size > pool->par.max_bytes ? malloc_usable_size(p) : round_up(pool, nonzero(size));
}

/* footprint: every chunk the pool took (heap_size; never given back) plus the requested bytes
 * of live blocks the system serves (over max_bytes, or aligned beyond align): the pool cannot
 * see malloc's own overhead for those. free: bytes on the free lists; unused: the pool's
 * leftover, not carved yet; metadata: none (blocks carry no header, as in the original). */
static void sgi_stats(void *ctx, struct allocator_stats *out)
{
    struct sgi_pool *pool = ctx;
    size_t on_lists = 0;
    for (size_t k = 0; k < pool->par.max_bytes / pool->par.align; k++)
        on_lists += pool->nfree[k] * (k + 1) * pool->par.align;
    size_t leftover = sgi_pool_leftover(pool);
    out->footprint_bytes = pool->heap_size + pool->large_bytes;
    out->free_bytes = on_lists;
    out->unused_bytes = leftover;
    out->metadata_bytes = 0;
    out->retained_bytes = 0;
    out->in_use_bytes = pool->heap_size - on_lists - leftover + pool->large_bytes;
    out->n_extra = 1;
    out->extra[0].name = "heap_size";
    out->extra[0].value = pool->heap_size;
}

const struct allocator_ops allocator_sgi_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "sgi",
    .description = "SGI STL __default_alloc_template pool: 16 free lists of 8..128 bytes, "
                   "refill of 20, never returns memory; larger sizes to malloc",
    .min_align = SGI_ALIGN,
    .create = sgi_create,
    .destroy = sgi_destroy,
    .alloc = sgi_alloc,
    .free = sgi_free,
    .aligned_alloc = sgi_aligned_alloc,
    .realloc = sgi_realloc,
    .usable_size = sgi_usable_size,
    .stats = sgi_stats,
    .options = sgi_options,
    .n_options = sizeof sgi_options / sizeof sgi_options[0],
    .config = sgi_config,
};

/* sgi-locked: one mutex around each operation, as the original's _Lock does when built with
 * __NODE_ALLOCATOR_THREADS (there it covers the free-list updates and the refill). */
#define LOCKED(pool, expr)                                                                     \
    do {                                                                                       \
        pthread_mutex_lock(&(pool)->lock);                                                     \
        expr;                                                                                  \
        pthread_mutex_unlock(&(pool)->lock);                                                   \
    } while (0)

static void *sgi_locked_alloc(void *ctx, size_t size)
{
    void *p;
    LOCKED((struct sgi_pool *)ctx, p = sgi_alloc(ctx, size));
    return p;
}

static void sgi_locked_free(void *ctx, void *p, size_t size, size_t align)
{
    LOCKED((struct sgi_pool *)ctx, sgi_free(ctx, p, size, align));
}

static void *sgi_locked_aligned_alloc(void *ctx, size_t size, size_t align)
{
    void *p;
    LOCKED((struct sgi_pool *)ctx, p = sgi_aligned_alloc(ctx, size, align));
    return p;
}

static void *sgi_locked_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    void *q;
    LOCKED((struct sgi_pool *)ctx, q = sgi_realloc(ctx, p, old_size, new_size));
    return q;
}

static void sgi_locked_stats(void *ctx, struct allocator_stats *out)
{
    LOCKED((struct sgi_pool *)ctx, sgi_stats(ctx, out));
}

const struct allocator_ops allocator_sgi_locked_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "sgi-locked",
    .description = "sgi with one mutex around every operation (the original's "
                   "__NODE_ALLOCATOR_THREADS lock), for multi-threaded traces",
    .min_align = SGI_ALIGN,
    .create = sgi_create,
    .destroy = sgi_destroy,
    .alloc = sgi_locked_alloc,
    .free = sgi_locked_free,
    .aligned_alloc = sgi_locked_aligned_alloc,
    .realloc = sgi_locked_realloc,
    .usable_size = sgi_usable_size,
    .stats = sgi_locked_stats,
    .flags = ALLOCATOR_THREAD_SAFE,
    .options = sgi_options,
    .n_options = sizeof sgi_options / sizeof sgi_options[0],
    .config = sgi_config,
};
