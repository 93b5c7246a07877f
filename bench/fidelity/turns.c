/* Threads taking turns: four threads pass a token around twice; on its turn a thread builds
 * about 40 MB of small objects, keeps one in 256 of them (scattered through what it built)
 * and frees the rest, then passes the token on. Only one thread allocates at any time, so
 * the live heap never holds much more than one turn's 40 MB plus the survivors; what each
 * allocator keeps resident depends on whether memory freed by one thread serves the next
 * (one shared heap) or stays with the thread or arena that freed it. Survivors are handed to
 * the main thread and freed there at the end. */
#include "fidelity.h"

#include <pthread.h>

#define THREADS 4
#define ROUNDS 2
#define TURN_BYTES ((size_t)40 << 20)
#define KEEP_EVERY 256

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn; /* the thread whose turn it is */
static struct vec survivors; /* under mu */

static void *work(void *arg)
{
    const int me = (int)(intptr_t)arg;
    uint64_t seed = 0x9E3779B97F4A7C15ull * (uint64_t)(me + 1);
    struct vec objs = {0};
    for (int round = 0; round < ROUNDS; round++) {
        pthread_mutex_lock(&mu);
        while (turn != me)
            pthread_cond_wait(&cv, &mu);
        pthread_mutex_unlock(&mu);

        size_t bytes = 0;
        objs.n = 0;
        while (bytes < TURN_BYTES) {
            size_t sz = rng_size(&seed, 16, 512);
            char *p = malloc(sz);
            if (!p)
                die("malloc");
            p[0] = (char)objs.n;
            p[sz - 1] = (char)sz;
            vec_push(&objs, p);
            bytes += sz;
        }
        pthread_mutex_lock(&mu);
        for (size_t i = 0; i < objs.n; i++) {
            if (i % KEEP_EVERY == KEEP_EVERY / 2)
                vec_push(&survivors, objs.v[i]);
            else
                free(objs.v[i]);
        }
        turn = (turn + 1) % THREADS;
        pthread_cond_broadcast(&cv);
        pthread_mutex_unlock(&mu);
    }
    free(objs.v);
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, work, (void *)(intptr_t)i))
            die("pthread_create");
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (size_t i = 0; i < survivors.n; i++)
        free(survivors.v[i]);
    free(survivors.v);
    report_hwm();
    return 0;
}
