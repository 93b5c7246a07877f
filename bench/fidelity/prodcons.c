/* Producers and consumers: two producer threads allocate messages (32 B to 4 KiB, in bursts)
 * and queue them; two consumer threads read and free them. Every message is freed by a thread
 * other than the one that allocated it, so what an allocator does with cross-thread frees
 * (back to the owner's arena, into the freeing thread's cache, a remote-free list) decides how
 * much of the freed memory the producers can reuse. The queue holds up to 16384 messages. */
#include "fidelity.h"

#include <pthread.h>

#define PRODUCERS 2
#define CONSUMERS 2
#define MESSAGES_EACH 400000
#define QUEUE_CAP 16384
#define BURST 64

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static char *queue[QUEUE_CAP];
static size_t head, count;
static int producers_left = PRODUCERS;

static void *produce(void *arg)
{
    uint64_t seed = 0xD1B54A32D192ED03ull * (uint64_t)((intptr_t)arg + 1);
    char *burst[BURST];
    for (int sent = 0; sent < MESSAGES_EACH; sent += BURST) {
        for (int i = 0; i < BURST; i++) {
            size_t sz = rng_size(&seed, 32, 4096);
            char *m = malloc(sz);
            if (!m)
                die("malloc");
            memcpy(m, &sz, sizeof sz);
            memset(m + sizeof sz, (int)sz, sz - sizeof sz);
            burst[i] = m;
        }
        pthread_mutex_lock(&mu);
        for (int i = 0; i < BURST; i++) {
            while (count == QUEUE_CAP)
                pthread_cond_wait(&not_full, &mu);
            queue[(head + count++) % QUEUE_CAP] = burst[i];
            pthread_cond_signal(&not_empty);
        }
        pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    producers_left--;
    pthread_cond_broadcast(&not_empty);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void *consume(void *arg)
{
    unsigned long sum = 0;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (count == 0 && producers_left)
            pthread_cond_wait(&not_empty, &mu);
        if (count == 0) {
            pthread_mutex_unlock(&mu);
            break;
        }
        char *m = queue[head];
        head = (head + 1) % QUEUE_CAP;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&mu);
        size_t sz;
        memcpy(&sz, m, sizeof sz);
        sum += (unsigned char)m[sz - 1];
        free(m);
    }
    return (void *)sum;
}

int main(void)
{
    pthread_t p[PRODUCERS], c[CONSUMERS];
    for (intptr_t i = 0; i < CONSUMERS; i++)
        if (pthread_create(&c[i], NULL, consume, (void *)i))
            die("pthread_create");
    for (intptr_t i = 0; i < PRODUCERS; i++)
        if (pthread_create(&p[i], NULL, produce, (void *)i))
            die("pthread_create");
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(p[i], NULL);
    for (int i = 0; i < CONSUMERS; i++)
        pthread_join(c[i], NULL);
    report_hwm();
    return 0;
}
