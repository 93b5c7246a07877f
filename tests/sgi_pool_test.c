/* The sgi pool against the original algorithm (stl_alloc.h, SGI STL 3.3), traced by hand.
 *
 * A short request sequence is replayed on a pool whose system allocator is a recorder. Every
 * malloc request the pool makes, the free-list lengths and heap_size are checked against the
 * values derived below from the original code. Notation: L[k] = free list k (blocks of
 * 8 * (k + 1) bytes), left = end_free - start_free, heap = _S_heap_size.
 *
 *  1. allocate(8): L[0] empty -> refill(8) -> chunk_alloc(8, 20): total 160, left 0 < 8 ->
 *     bytes_to_get = 2*160 + round_up(0 >> 4) = 320; malloc(320) = chunk A; heap 320; recurse:
 *     left 320 >= 160, hand out A[0..160). refill returns A+0, L[0] = A+8 .. A+152: 19 blocks.
 *     left 160. A second allocate(8) pops A+8 (the chain is in address order); freeing it
 *     puts it back: L[0] = 19.
 *  2. allocate(20) -> round_up 24, L[2] empty -> chunk_alloc(24, 20): total 480, left 160 >= 24
 *     -> nobjs = 160 / 24 = 6, hand out 144 bytes: the block is A+160, L[2] = 5, left 16.
 *  3. allocate(100) -> 104, L[12] empty -> chunk_alloc(104, 20): total 2080, left 16 < 104 ->
 *     the leftover (16 bytes at A+304) goes to L[freelist_index(16) = 1]: L[1] = 1;
 *     bytes_to_get = 2*2080 + round_up(320 >> 4 = 20) = 4184; malloc(4184) = chunk B;
 *     heap 4504; hand out 2080: the block is B+0, L[12] = 19 (B+104 first), left 2104.
 *  4. allocate(128) -> L[15] empty -> chunk_alloc(128, 20): total 2560, left 2104 >= 128 ->
 *     nobjs = 16, hand out 2048: the block is B+2080, L[15] = 15, left 56.
 *  5. allocate(200): over 128 -> malloc(200).
 *  6. deallocate(the 24-byte block, 20): L[2] = 6.
 *  7. System malloc failing: allocate(64) -> L[7] empty -> chunk_alloc(64, 20): total 1280,
 *     left 56 < 64 -> leftover 56 to L[6]: L[6] = 1; bytes_to_get = 2*1280 +
 *     round_up(4504 >> 4 = 281) = 2848; malloc(2848) fails -> scan lists of 64, 72, .. bytes:
 *     the first non-empty is L[12]: its head B+104 becomes the pool (left 104), L[12] = 18;
 *     recurse: left 104 >= 64 -> nobjs = 1, the block is B+104, left 40, heap unchanged.
 *  8. Take the 15 blocks of L[15] (no system call), then, still failing, allocate(112):
 *     L[13] empty -> chunk_alloc(112, 20): total 2240, left 40 < 112 -> leftover 40 to L[4]:
 *     L[4] = 1; bytes_to_get = 2*2240 + round_up(281) = 4768; malloc(4768) fails; lists of
 *     112, 120, 128 bytes are empty -> malloc_alloc::allocate's malloc(4768) fails too ->
 *     NULL, pool empty (left 0), heap still 4504.
 *  9. System healthy again: allocate(112): left 0 -> bytes_to_get = 4768 again; malloc(4768) =
 *     chunk C; heap 9272; hand out 2240: L[13] = 19, left 2528.
 * 10. reallocate: (A+0, 8 -> 5) same rounded size -> same pointer; (the 200-byte block,
 *     200 -> 300) both over 128 -> realloc(300); (B+0, 100 -> 20) -> allocate(20) pops L[2]
 *     (6 -> 5), copies 20 bytes, deallocate(B+0, 100): L[12] = 19; (that block, 20 -> 150) ->
 *     allocate(150) = malloc(150), copies 20 bytes, deallocate 24: L[2] = 6.
 *
 * End state: L = {0:19, 1:1, 2:6, 4:1, 6:1, 12:19, 13:19, others 0}, left 2528, heap 9272.
 * Bytes on the lists + left = 19*8 + 16 + 6*24 + 40 + 56 + 19*104 + 19*112 + 2528 = 7040;
 * in use from the pool = 9272 - 7040 = 2232 = 8 + 128 + 15*128 + 64 + 112 (the blocks held).
 * malloc requests: 320, 4184, 200, 2848 (fails), 4768 (fails), 4768 (fails), 4768, 150.
 */
#include "sgi_pool.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

struct recorder {
    size_t requests[32];
    int n_requests;
    int failing;   /* malloc returns NULL while set */
    int live;      /* system blocks not yet freed */
    size_t realloc_to;
};

static void *rec_malloc(void *user, size_t size)
{
    struct recorder *r = user;
    if (r->n_requests < 32)
        r->requests[r->n_requests] = size;
    r->n_requests++;
    if (r->failing)
        return NULL;
    r->live++;
    return malloc(size);
}

static void rec_free(void *user, void *p)
{
    struct recorder *r = user;
    r->live--;
    free(p);
}

static void *rec_realloc(void *user, void *p, size_t size)
{
    struct recorder *r = user;
    r->realloc_to = size;
    return realloc(p, size);
}

static void check_lists(struct sgi_pool *pool, const size_t want[SGI_NFREELISTS], const char *when)
{
    int good = 1;
    for (unsigned k = 0; k < SGI_NFREELISTS; k++) {
        size_t walked = sgi_pool_list_length(pool, k);
        if (walked != want[k] || sgi_pool_free_count(pool, k) != want[k]) {
            tap_ok(0, "%s: list %u holds %zu blocks (counted %zu), want %zu", when, k, walked,
                   sgi_pool_free_count(pool, k), want[k]);
            good = 0;
        }
    }
    if (good)
        tap_ok(1, "%s: every free list as derived", when);
}

/* The state of the walk above: the recorder, the pool, the free-list lengths derived so far
 * and the blocks held. */
struct walk {
    struct recorder rec;
    struct sgi_pool *pool;
    size_t lists[SGI_NFREELISTS];
    char *a, *b, *p8, *q, *p24, *p128, *big, *p64, *p112, *held[15], *r;
};

/* Steps 1-4: the first chunk, nobjs cut to what the pool holds, the leftover on its list. */
static void steps_1_to_4(struct walk *w)
{
    /* 1 */
    w->p8 = sgi_pool_allocate(w->pool, 8);
    TAP_EQ_U64(w->rec.n_requests, 1, "1: one malloc");
    TAP_EQ_U64(w->rec.requests[0], 320, "1: malloc(2*160 + round_up(0))");
    w->a = w->p8;
    w->q = sgi_pool_allocate(w->pool, 8);
    TAP_OK(w->q == w->a + 8, "1: the refill chains the chunk in address order");
    sgi_pool_deallocate(w->pool, w->q, 8);
    w->lists[0] = 19;
    check_lists(w->pool, w->lists, "1");
    TAP_EQ_U64(sgi_pool_heap_size(w->pool), 320, "1: heap_size");
    TAP_EQ_U64(sgi_pool_leftover(w->pool), 160, "1: pool leftover");

    /* 2 */
    w->p24 = sgi_pool_allocate(w->pool, 20);
    TAP_OK(w->p24 == w->a + 160, "2: the 24-byte block comes from the pool's rest");
    w->lists[2] = 5;
    check_lists(w->pool, w->lists, "2 (nobjs cut to 6)");
    TAP_EQ_U64(sgi_pool_leftover(w->pool), 16, "2: pool leftover");
    TAP_EQ_U64(w->rec.n_requests, 1, "2: no malloc");

    /* 3 */
    w->b = sgi_pool_allocate(w->pool, 100);
    TAP_EQ_U64(w->rec.n_requests, 2, "3: one more malloc");
    TAP_EQ_U64(w->rec.requests[1], 4184, "3: malloc(2*2080 + round_up(320 >> 4))");
    w->lists[1] = 1;
    w->lists[12] = 19;
    check_lists(w->pool, w->lists, "3 (leftover 16 on its list)");
    TAP_EQ_U64(sgi_pool_heap_size(w->pool), 4504, "3: heap_size");
    TAP_EQ_U64(sgi_pool_leftover(w->pool), 2104, "3: pool leftover");

    /* 4 */
    w->p128 = sgi_pool_allocate(w->pool, 128);
    TAP_OK(w->p128 == w->b + 2080, "4: the 128-byte block follows the 104-byte refill");
    w->lists[15] = 15;
    check_lists(w->pool, w->lists, "4 (nobjs cut to 16)");
    TAP_EQ_U64(sgi_pool_leftover(w->pool), 56, "4: pool leftover");
}

/* Steps 5-8: over 128 bytes, a free, then the system malloc failing. */
static void steps_5_to_8(struct walk *w)
{
    /* 5 */
    w->big = sgi_pool_allocate(w->pool, 200);
    TAP_EQ_U64(w->rec.n_requests, 3, "5: over 128 bytes goes to malloc");
    TAP_EQ_U64(w->rec.requests[2], 200, "5: malloc(200)");

    /* 6 */
    sgi_pool_deallocate(w->pool, w->p24, 20);
    w->lists[2] = 6;
    check_lists(w->pool, w->lists, "6");

    /* 7 */
    w->rec.failing = 1;
    w->p64 = sgi_pool_allocate(w->pool, 64);
    TAP_OK(w->p64 == w->b + 104, "7: malloc failed, a 104-byte free block became the pool");
    TAP_EQ_U64(w->rec.n_requests, 4, "7: one (failed) malloc");
    TAP_EQ_U64(w->rec.requests[3], 2848, "7: malloc(2*1280 + round_up(4504 >> 4))");
    w->lists[6] = 1;
    w->lists[12] = 18;
    check_lists(w->pool, w->lists, "7 (leftover 56 on its list, one 104 block taken)");
    TAP_EQ_U64(sgi_pool_heap_size(w->pool), 4504, "7: heap_size unchanged");
    TAP_EQ_U64(sgi_pool_leftover(w->pool), 40, "7: pool leftover");

    /* 8 */
    for (int i = 0; i < 15; i++)
        w->held[i] = sgi_pool_allocate(w->pool, 128);
    TAP_EQ_U64(w->rec.n_requests, 4, "8: draining L[15] calls nothing");
    TAP_OK(w->held[0] == w->p128 + 128 && w->held[14] == w->p128 + 15 * 128,
           "8: L[15] in address order");
    w->r = sgi_pool_allocate(w->pool, 112);
    TAP_OK(w->r == NULL, "8: out of memory with no larger free block: NULL");
    TAP_EQ_U64(w->rec.n_requests, 6, "8: malloc, then malloc_alloc's malloc");
    TAP_EQ_U64(w->rec.requests[4], 4768, "8: malloc(2*2240 + round_up(281))");
    TAP_EQ_U64(w->rec.requests[5], 4768, "8: the fallback asks for the same");
    w->lists[4] = 1;
    w->lists[15] = 0;
    check_lists(w->pool, w->lists, "8 (leftover 40 on its list)");
    TAP_EQ_U64(sgi_pool_leftover(w->pool), 0, "8: pool empty");
    TAP_EQ_U64(sgi_pool_heap_size(w->pool), 4504, "8: heap_size unchanged");
}

/* Steps 9-10: healthy again, and every kind of reallocate. */
static void steps_9_10(struct walk *w)
{
    /* 9 */
    w->rec.failing = 0;
    w->p112 = sgi_pool_allocate(w->pool, 112);
    TAP_OK(w->p112 != NULL, "9: healthy again");
    TAP_EQ_U64(w->rec.requests[6], 4768, "9: malloc(4768)");
    w->lists[13] = 19;
    check_lists(w->pool, w->lists, "9");
    TAP_EQ_U64(sgi_pool_heap_size(w->pool), 9272, "9: heap_size");
    TAP_EQ_U64(sgi_pool_leftover(w->pool), 2528, "9: pool leftover");

    /* 10 */
    TAP_OK(sgi_pool_reallocate(w->pool, w->p8, 8, 5) == w->p8,
           "10: same rounded size keeps the pointer");
    memset(w->big, 0x5a, 200);
    w->big = sgi_pool_reallocate(w->pool, w->big, 200, 300);
    TAP_EQ_U64(w->rec.realloc_to, 300, "10: both over 128: realloc(300)");
    TAP_OK(w->big[199] == 0x5a, "10: realloc kept the content");
    memcpy(w->b, "twenty bytes of text", 20);
    w->r = sgi_pool_reallocate(w->pool, w->b, 100, 20);
    TAP_OK(w->r == w->p24 && !memcmp(w->r, "twenty bytes of text", 20),
           "10: 100 -> 20 moves to L[2]'s head");
    w->r = sgi_pool_reallocate(w->pool, w->r, 20, 150);
    TAP_EQ_U64(w->rec.requests[7], 150, "10: 20 -> 150 is malloc(150)");
    TAP_OK(!memcmp(w->r, "twenty bytes of text", 20), "10: content copied");
    TAP_EQ_U64(w->rec.n_requests, 8, "10: no other system request");
    w->lists[12] = 19;
    check_lists(w->pool, w->lists, "10 (end state)");
}

int main(void)
{
    static struct walk w;
    struct sgi_sys sys = {
        .malloc = rec_malloc, .free = rec_free, .realloc = rec_realloc, .user = &w.rec};
    w.pool = sgi_pool_create(&sys, NULL);
    if (!tap_ok(w.pool != NULL, "pool created"))
        return tap_done();
    steps_1_to_4(&w);
    steps_5_to_8(&w);
    steps_9_10(&w);

    sgi_pool_deallocate(w.pool, w.r, 150);
    sgi_pool_deallocate(w.pool, w.big, 300);
    TAP_EQ_U64(w.rec.live, 3, "the chunks A, B, C are the only system blocks left");
    sgi_pool_destroy(w.pool);
    TAP_EQ_U64(w.rec.live, 0, "destroy frees every chunk");
    return tap_done();
}
