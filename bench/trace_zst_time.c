/* Helper of bench/trace_compress.sh: the speed and size of the compressed binary format
 * (harness/trace/trace_zst.c) on one trace, in one process so that only the codec is timed.
 *
 *   trace_zst_time TRACE LEVEL REPEATS
 *
 * Prints one line: events, compressed bytes, bytes per event, and the best (lowest CPU time)
 * of REPEATS runs of compression (records -> file in /dev/shm) and of decompression (file
 * bytes -> the rebuilt .alrt in memory), as MB/s of 16-byte records. */
#include "trace_io.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: trace_zst_time TRACE LEVEL REPEATS\n");
        return 2;
    }
    int level = atoi(argv[2]), repeats = atoi(argv[3]);
    struct trace t;
    struct trace_error err;
    if (trace_load(argv[1], NULL, &t, NULL, &err) != 0) {
        fprintf(stderr, "trace_zst_time: %s\n", err.msg);
        return 2;
    }
    char out[64];
    snprintf(out, sizeof out, "/dev/shm/trace_zst_time.%d.alrt.zst", (int)getpid());
    unsigned char prefix[64] = {0}; /* the codec does not look at the prefix */
    double best_c = 1e30, best_d = 1e30;
    for (int r = 0; r < repeats; r++) {
        double t0 = cpu_seconds();
        if (trace__zst_write(out, prefix, sizeof prefix, t.events, t.n_events, NULL, 0, level,
                             &err) != 0) {
            fprintf(stderr, "trace_zst_time: %s\n", err.msg);
            return 1;
        }
        double c = cpu_seconds() - t0;
        best_c = c < best_c ? c : best_c;
    }
    int fd = open(out, O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    unsigned char *src = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    for (int r = 0; r < repeats; r++) {
        unsigned char *img;
        size_t len;
        double t0 = cpu_seconds();
        if (trace__zst_decode(out, src, (size_t)st.st_size, &img, &len, &err) != 0) {
            fprintf(stderr, "trace_zst_time: %s\n", err.msg);
            return 1;
        }
        double d = cpu_seconds() - t0;
        best_d = d < best_d ? d : best_d;
        if (memcmp(img + sizeof prefix, t.events, t.n_events * sizeof *t.events) != 0) {
            fprintf(stderr, "trace_zst_time: round trip differs\n");
            return 1;
        }
        munmap(img, len);
    }
    unlink(out);
    double mb = (double)t.n_events * 16 / 1e6;
    printf("%s level %d: %llu events, %lld bytes, %.3f bytes/event, compress %.0f MB/s, "
           "decompress %.0f MB/s\n", argv[1], level, (unsigned long long)t.n_events,
           (long long)st.st_size, (double)st.st_size / (double)t.n_events, mb / best_c,
           mb / best_d);
    trace_release(&t);
    return 0;
}
