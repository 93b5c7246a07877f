/* A thread pool whose workers keep per-thread caches: four workers take tasks from a shared
 * queue. Each worker keeps a cache of 4 KiB buffers (up to 1024 of them); a task takes some
 * buffers from the cache (malloc when it is empty), builds a text by realloc growth and a
 * few hundred small nodes, frees its temporaries, puts its buffers back (free when the cache
 * is full) and hands a small result to the main thread, which frees results as they come.
 * The caches warm up over the first tasks, so live memory climbs to a plateau of cached
 * buffers that the allocator sees as long-lived blocks interleaved with short-lived ones. */
#include "fidelity.h"

#include <pthread.h>

#define WORKERS 4
#define TASKS 3000
#define BUF_BYTES 4096
#define CACHE_CAP 1024

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t have_result = PTHREAD_COND_INITIALIZER;
static int next_task;
static char *results[TASKS];
static int n_results;

struct node {
    struct node *next;
    size_t len;
    char key[];
};

static void run_task(int task, uint64_t *seed, void **cache, int *cached)
{
    void *bufs[1024];
    const int want = 1 + (int)(rng_next(seed) % 1024);
    for (int i = 0; i < want; i++) {
        bufs[i] = *cached ? cache[--*cached] : malloc(BUF_BYTES);
        if (!bufs[i])
            die("malloc");
        memset(bufs[i], task, 128);
    }
    /* A text grown by doubling, as a string builder does. */
    size_t cap = 64, len = 0, target = rng_size(seed, 1024, 256 << 10);
    char *text = malloc(cap);
    if (!text)
        die("malloc");
    while (len < target) {
        if (len + 64 > cap) {
            cap *= 2;
            if (!(text = realloc(text, cap)))
                die("realloc");
        }
        memset(text + len, 'a' + task % 26, 64);
        len += 64;
    }
    struct node *list = NULL;
    const int nodes = 100 + (int)(rng_next(seed) % 900);
    for (int i = 0; i < nodes; i++) {
        size_t kl = rng_size(seed, 8, 112);
        struct node *n = malloc(sizeof *n + kl);
        if (!n)
            die("malloc");
        n->len = kl;
        memcpy(n->key, text + (i % 64), kl < 64 ? kl : 64);
        n->next = list;
        list = n;
    }
    while (list) {
        struct node *n = list->next;
        free(list);
        list = n;
    }
    char *result = malloc(64 + rng_next(seed) % 192);
    if (!result)
        die("malloc");
    memcpy(result, text, 32);
    free(text);
    for (int i = 0; i < want; i++) {
        if (*cached < CACHE_CAP)
            cache[(*cached)++] = bufs[i];
        else
            free(bufs[i]);
    }
    pthread_mutex_lock(&mu);
    results[n_results++] = result;
    pthread_cond_signal(&have_result);
    pthread_mutex_unlock(&mu);
}

static void *worker(void *arg)
{
    uint64_t seed = 0x8EBC6AF09C88C6E3ull * (uint64_t)((intptr_t)arg + 1);
    void **cache = malloc(CACHE_CAP * sizeof *cache);
    if (!cache)
        die("cache");
    int cached = 0;
    for (;;) {
        pthread_mutex_lock(&mu);
        int task = next_task < TASKS ? next_task++ : -1;
        pthread_mutex_unlock(&mu);
        if (task < 0)
            break;
        run_task(task, &seed, cache, &cached);
    }
    while (cached)
        free(cache[--cached]);
    free(cache);
    return NULL;
}

int main(void)
{
    pthread_t t[WORKERS];
    for (intptr_t i = 0; i < WORKERS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i))
            die("pthread_create");
    /* Free results as they arrive (each freed by a thread that did not allocate it). */
    int freed = 0;
    while (freed < TASKS) {
        pthread_mutex_lock(&mu);
        while (freed == n_results)
            pthread_cond_wait(&have_result, &mu);
        int upto = n_results;
        pthread_mutex_unlock(&mu);
        for (; freed < upto; freed++)
            free(results[freed]);
    }
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    report_hwm();
    return 0;
}
