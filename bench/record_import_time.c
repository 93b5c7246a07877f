/* Times the second half of `allocreplay record`: raw recorder logs -> trace, on one log
 * directory, both ways: streamed into OUT.alrt (record_import_dir_to_file, what `record -o
 * X.alrt` does) and through memory (record_import_dir, then trace_save: the other formats).
 * Usage: record_import_time RAW_DIR OUT.alrt
 * prints "events N stream_wall W stream_cpu C import_wall W import_cpu C save_wall W save_cpu C"
 * (seconds; cpu = user + system time of this process, less disturbed by other load). */
#include "trace/record_import.h"
#include "trace/trace.h"

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

static void now(double *wall, double *cpu)
{
    struct timespec ts;
    struct rusage ru;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    getrusage(RUSAGE_SELF, &ru);
    *wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: record_import_time RAW_DIR OUT.alrt\n");
        return 2;
    }
    struct record_import_options opt = {1, 0, "bench", NULL};
    struct record_import_report rep;
    struct trace t;
    struct trace_error err;
    double ws, cs, w0, c0, w1, c1, w2, c2;
    now(&ws, &cs);
    if (record_import_dir_to_file(argv[1], &opt, argv[2], &rep, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    now(&w0, &c0);
    if (record_import_dir(argv[1], &opt, &t, &rep, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    now(&w1, &c1);
    if (trace_save(argv[2], &t, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    now(&w2, &c2);
    printf("events %llu stream_wall %.3f stream_cpu %.3f import_wall %.3f import_cpu %.3f "
           "save_wall %.3f save_cpu %.3f\n", (unsigned long long)t.n_events, w0 - ws, c0 - cs,
           w1 - w0, c1 - c0, w2 - w1, c2 - c1);
    trace_release(&t);
    return 0;
}
