/* allocreplay slice: part of a trace as a valid trace of its own (trace/trace_slice.h). */
#include "cli.h"
#include "trace/trace.h"
#include "trace/trace_slice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --threads and --images: numbers below 65536, comma-separated, repeatable. */
struct number_set {
    int given;
    uint32_t n; /* highest number + 1 */
    uint8_t on[65536];
};

struct args {
    uint64_t range[2]; /* --events A..B */
    struct number_set threads, images;
    uint64_t min_size, max_size;
    int cut; /* enum trace_cut_policy */
    int lenient;
    int zstd_level;
};

static int parse_number(const char **s, uint64_t *v)
{
    char *end;
    if (**s < '0' || **s > '9')
        return -1;
    *v = strtoull(*s, &end, 10);
    *s = end;
    return 0;
}

/* "A..B", "A.." or "..B": events A to B-1. */
static int parse_range(const char *s, void *dest, char *why, size_t why_len)
{
    uint64_t *r = dest, a = 0, b = TRACE_SLICE_ALL;
    const char *dots = strstr(s, "..");
    if (dots && (s == dots || (parse_number(&s, &a) == 0 && s == dots)) &&
        (!dots[2] || (s = dots + 2, parse_number(&s, &b) == 0 && !*s)) && a <= b) {
        r[0] = a;
        r[1] = b;
        return 0;
    }
    snprintf(why, why_len, "A..B (events A to B-1, counted from 0; A.. or ..B leave an end open)");
    return -1;
}

static int parse_set(const char *s, void *dest, char *why, size_t why_len)
{
    struct number_set *set = dest;
    for (;;) {
        uint64_t v;
        if (parse_number(&s, &v) != 0 || v > 65535 || (*s && *s != ','))
            break;
        set->given = 1;
        set->on[v] = 1;
        if (v + 1 > set->n)
            set->n = (uint32_t)v + 1;
        if (!*s)
            return 0;
        s++;
    }
    snprintf(why, why_len, "numbers from 0 to 65535, comma-separated, e.g. 0,3,7");
    return -1;
}

static const char *const cut_policies[] = {"allocate", "drop", NULL};

static const struct opt_row rows[] = {
    {"events", 0, OPT_CUSTOM, OPT_AT(struct args, range), .parse = parse_range, .metavar = "A..B",
     .help = "keep events A to B-1 (counted from 0); A.. and ..B leave an end open"},
    {"threads", 0, OPT_CUSTOM, OPT_AT(struct args, threads), .parse = parse_set,
     .metavar = "LIST", .help = "keep the events of these trace thread numbers (e.g. 0,2)"},
    {"images", 0, OPT_CUSTOM, OPT_AT(struct args, images), .parse = parse_set, .metavar = "LIST",
     .help = "keep the events of these process images, numbered from 0 in trace order"},
    {"min-size", 0, OPT_BYTES, OPT_AT(struct args, min_size), .def = "0", .metavar = "BYTES",
     .help = "keep objects of at least this size (their size when they enter the slice)"},
    {"max-size", 0, OPT_BYTES, OPT_AT(struct args, max_size), .def = "0", .metavar = "BYTES",
     .help = "keep objects of at most this size (0: no limit)"},
    {"alive-at-cut", 0, OPT_ENUM, OPT_AT(struct args, cut), .choices = cut_policies,
     .def = "allocate",
     .help = "objects allocated before the slice (or by threads left out) and used in it:\n"
             "allocate them at the slice's start, or drop them with all their events"},
    {"lenient", 0, OPT_FLAG, OPT_AT(struct args, lenient),
     .help = "drop the input's invalid events (counted by kind) instead of refusing it"},
    CLI_ZSTD_LEVEL_ROW(struct args, zstd_level),
};

const struct opt_command slice_command = {
    .prog = "allocreplay slice", .positional = "IN OUT", .min_pos = 2, .max_pos = 2,
    .summary = "Writes part of a trace as a valid trace.",
    .about = "Keeps the events in a range, on some threads, in some process images, on objects\n"
             "in a size range; ids are renumbered, times count from the slice's first event,\n"
             "thread exits within the slice are kept. IN in any readable format; OUT by its\n"
             "extension: .yaml/.yml, .alrt, .alrt.zst.\n",
    .epilog = "Exit status: 0 ok, 2 bad usage or bad input (one line on stderr).\n",
    OPT_ROWS(rows)};

static void print_report(const char *in, const char *out, const struct trace *t,
                         const struct trace *s, const struct trace_slice_report *r)
{
    printf("%s: %llu of %llu events kept, %llu objects, written to %s\n", in,
           (unsigned long long)r->events_kept, (unsigned long long)t->n_events,
           (unsigned long long)r->objects_kept, out);
    if (r->cut_allocated)
        printf("alive at the cut: %llu objects allocated at the start (%llu events in all)\n",
               (unsigned long long)r->cut_allocated, (unsigned long long)s->n_events);
    if (r->cut_dropped)
        printf("alive at the cut: %llu objects dropped with their %llu events\n",
               (unsigned long long)r->cut_dropped, (unsigned long long)r->cut_dropped_events);
    if (r->size_dropped)
        printf("size range: %llu objects left out\n", (unsigned long long)r->size_dropped);
}

int cmd_slice(int argc, char **argv)
{
    static struct args a; /* 128 KiB of thread and image flags */
    struct opt_parsed p;
    memset(&a, 0, sizeof a);
    a.range[1] = TRACE_SLICE_ALL;
    int rc = cli_parse(&slice_command, argc, argv, &a, &p);
    if (rc >= 0)
        return rc;
    if (a.max_size && a.min_size > a.max_size)
        return cli_usage_error(&slice_command, "--min-size is above --max-size");
    struct trace_slice_spec spec = {.first = a.range[0], .end = a.range[1],
                                    .threads = a.threads.given ? a.threads.on : NULL,
                                    .images = a.images.given ? a.images.on : NULL,
                                    .n_images = a.images.n, .min_size = a.min_size,
                                    .max_size = a.max_size, .cut = (enum trace_cut_policy)a.cut};
    struct trace_load_options opt = {.lenient = a.lenient};
    struct trace_load_report lr;
    struct trace_slice_report sr;
    struct trace_error err;
    struct trace t, s;
    struct trace_save_options save = {.zstd_level = a.zstd_level};
    if (trace_load(p.pos[0], &opt, &t, &lr, &err) != 0) {
        fprintf(stderr, "allocreplay: %s\n", err.msg);
        return 2;
    }
    rc = trace_slice(&t, &spec, &s, &sr, &err) != 0 || trace_validate(&s, &err) != 0 ||
                 trace_validate_times(&s, p.pos[1], &err) != 0 || trace_save_with(p.pos[1], &s, &save, &err) != 0
             ? 2
             : 0;
    if (rc)
        fprintf(stderr, "allocreplay: %s\n", err.msg);
    else
        print_report(p.pos[0], p.pos[1], &t, &s, &sr);
    if (rc == 0 && spec.images && sr.images)
        printf("images: %u in the input up to the slice's end\n", sr.images);
    trace_release(&s);
    trace_release(&t);
    return rc;
}
