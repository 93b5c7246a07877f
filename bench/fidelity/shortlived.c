/* Hundreds of short-lived threads: 400 threads run four at a time (the main thread starts
 * four, joins them, starts the next four). Each builds a working set of about 3 MB of small
 * and medium objects, frees most of it, and hands a few results to the main thread, then
 * exits, so the allocator's thread-exit path (caches flushed, arenas handed on, heaps
 * abandoned) runs 400 times. The results are freed by the main thread at the end.
 *
 * Each block is written whole, as a program fills what it asks for: a trace records sizes,
 * not which bytes were touched, and the replay's memory pass writes every page of a block. An
 * earlier version wrote only the first 64 bytes; under jemalloc, whose blocks of 512 B to
 * 16 KiB sit in page runs without in-band headers, the untouched pages never became resident
 * (15 MB real against 25 MB with the blocks written; docs/performance.md, "Threaded replay"). */
#include "fidelity.h"

#include <pthread.h>

#define TOTAL 400
#define AT_ONCE 4
#define WORK_BYTES ((size_t)3 << 20)
#define RESULTS_EACH 64

static void *results[TOTAL * RESULTS_EACH];

static void *work(void *arg)
{
    const int me = (int)(intptr_t)arg;
    uint64_t seed = 0xA0761D6478BD642Full * (uint64_t)(me + 1);
    struct vec objs = {0};
    size_t bytes = 0;
    while (bytes < WORK_BYTES) {
        size_t sz = rng_next(&seed) % 16 ? rng_size(&seed, 24, 256) : rng_size(&seed, 512, 16384);
        char *p = malloc(sz);
        if (!p)
            die("malloc");
        memset(p, me, sz);
        vec_push(&objs, p);
        bytes += sz;
    }
    /* Keep RESULTS_EACH objects spread over the working set, free the rest newest first. */
    const size_t stride = objs.n / RESULTS_EACH;
    int kept = 0;
    for (size_t i = objs.n; i-- > 0;) {
        if (i % stride == 0 && kept < RESULTS_EACH)
            results[me * RESULTS_EACH + kept++] = objs.v[i];
        else
            free(objs.v[i]);
    }
    free(objs.v);
    return NULL;
}

int main(void)
{
    for (int base = 0; base < TOTAL; base += AT_ONCE) {
        pthread_t t[AT_ONCE];
        for (int i = 0; i < AT_ONCE; i++)
            if (pthread_create(&t[i], NULL, work, (void *)(intptr_t)(base + i)))
                die("pthread_create");
        for (int i = 0; i < AT_ONCE; i++)
            pthread_join(t[i], NULL);
    }
    for (size_t i = 0; i < sizeof results / sizeof results[0]; i++)
        free(results[i]);
    report_hwm();
    return 0;
}
