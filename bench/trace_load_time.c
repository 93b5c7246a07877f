/* Times trace_load on one file (any format): what a worker pays before replaying.
 * Usage: trace_load_time TRACE   prints "events N seconds S" */
#include "trace.h"

#include <stdio.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: trace_load_time TRACE\n");
        return 2;
    }
    struct timespec a, b;
    struct trace t;
    struct trace_error err;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (trace_load(argv[1], NULL, &t, NULL, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("events %llu seconds %.3f\n", (unsigned long long)t.n_events,
           (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    trace_release(&t);
    return 0;
}
