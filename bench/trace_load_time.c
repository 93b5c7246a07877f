/* Times trace_load on one file (any format): what a worker pays before replaying.
 * Usage: trace_load_time TRACE   prints "events N wall W cpu C" (seconds;
 * cpu = user + system time of this process, less disturbed by other load on the machine) */
#include "trace/trace.h"

#include <stdio.h>
#include <sys/resource.h>
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
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("events %llu wall %.3f cpu %.3f\n", (unsigned long long)t.n_events,
           (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
           (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    trace_release(&t);
    return 0;
}
