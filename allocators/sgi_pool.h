/* Internal to allocators/ and its unit test: the SGI STL second-level allocator as a library.
 * sgi_pool.c wraps it as the `sgi` and `sgi-locked` backends; tests/sgi_pool_test.c drives it
 * directly with an injected system allocator to check every request the pool makes. */
#ifndef ALLOCREPLAY_SGI_POOL_H
#define ALLOCREPLAY_SGI_POOL_H

#include <stddef.h>

/* The original's constants (stl_alloc.h, SGI STL 3.3): __ALIGN, __MAX_BYTES, __NFREELISTS and
 * the 20 objects _S_refill asks for. They are the defaults of struct sgi_params. */
enum { SGI_ALIGN = 8, SGI_MAX_BYTES = 128, SGI_NFREELISTS = SGI_MAX_BYTES / SGI_ALIGN };
enum { SGI_REFILL = 20 };
/* Limits of the settings: malloc'd chunks are 16-aligned, so carving keeps at most that
 * alignment; 4096 bytes pooled is 512 free lists at 8-byte steps. */
enum { SGI_ALIGN_MAX = 16, SGI_MAX_BYTES_MAX = 4096, SGI_LISTS_MAX = SGI_MAX_BYTES_MAX / SGI_ALIGN };

/* The pool's geometry: align a power of two in 8..SGI_ALIGN_MAX, max_bytes a multiple of align
 * up to SGI_MAX_BYTES_MAX, refill >= 1. */
struct sgi_params {
    size_t align, max_bytes;
    int refill;
};

/* What the pool calls where the original calls malloc/free/realloc ("the system"). A NULL
 * member means the C library's function. memalign serves aligned_alloc with align > 8, which
 * the original has no equivalent for. */
struct sgi_sys {
    void *(*malloc)(void *user, size_t size);
    void (*free)(void *user, void *p);
    void *(*realloc)(void *user, void *p, size_t size);
    void *(*memalign)(void *user, size_t align, size_t size);
    void *user;
};

struct sgi_pool;

/* sys may be NULL (the C library); params may be NULL (the original's constants). Returns NULL
 * if the pool's own bookkeeping cannot be mapped or params are out of their limits. */
struct sgi_pool *sgi_pool_create(const struct sgi_sys *sys, const struct sgi_params *params);
const struct sgi_params *sgi_pool_params(const struct sgi_pool *pool);
/* Frees every chunk the pool obtained (the original never does: see sgi_pool.c). Blocks over
 * 128 bytes still live belong to the caller, as with malloc. */
void sgi_pool_destroy(struct sgi_pool *pool);

/* The original's allocate/deallocate/reallocate, sizes as given (n == 0 is the caller's
 * business: _S_freelist_index(0) underflows). NULL when the system is out of memory. */
void *sgi_pool_allocate(struct sgi_pool *pool, size_t n);
void sgi_pool_deallocate(struct sgi_pool *pool, void *p, size_t n);
void *sgi_pool_reallocate(struct sgi_pool *pool, void *p, size_t old_sz, size_t new_sz);

/* Inspection for stats and tests. */
size_t sgi_pool_heap_size(const struct sgi_pool *pool);        /* _S_heap_size */
size_t sgi_pool_leftover(const struct sgi_pool *pool);         /* _S_end_free - _S_start_free */
size_t sgi_pool_free_count(const struct sgi_pool *pool, unsigned index); /* kept by counting */
/* List index counts from 0 in steps of the pool's align. */
size_t sgi_pool_list_length(struct sgi_pool *pool, unsigned index);      /* by walking the list */

#endif
