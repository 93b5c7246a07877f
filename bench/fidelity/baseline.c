/* The trivial threaded program: four threads that each allocate and free one small block.
 * Its VmHWM under an allocator (code, stacks, the allocator's own start-up and per-thread
 * state) is subtracted from the other programs' under the same allocator, leaving their heap. */
#include "fidelity.h"

#include <pthread.h>

static void *work(void *arg)
{
    void *volatile p = malloc(64);
    free(p);
    return arg;
}

int main(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        if (pthread_create(&t[i], NULL, work, NULL))
            die("pthread_create");
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    report_hwm();
    return 0;
}
