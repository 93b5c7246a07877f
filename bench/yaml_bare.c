/* libyaml's own bare event loop over a file: yaml_parser_parse and yaml_event_delete, nothing
 * else. The floor that the trace reader is measured against (bench/trace_load.sh).
 * Usage: yaml_bare FILE.yaml   prints "events N wall W cpu C" (seconds;
 * cpu = user + system time of this process, less disturbed by other load on the machine) */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <yaml.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: yaml_bare FILE.yaml\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    yaml_parser_t p;
    yaml_event_t ev;
    unsigned long long n = 0;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            fprintf(stderr, "%s: %s\n", argv[1], p.problem ? p.problem : "parse error");
            return 1;
        }
        n++;
        int done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (done)
            break;
    }
    yaml_parser_delete(&p);
    fclose(f);
    clock_gettime(CLOCK_MONOTONIC, &b);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("events %llu wall %.3f cpu %.3f\n", n,
           (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
           (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    return 0;
}
