/* allocreplay convert / info / validate: the trace tools (docs/trace-format.md). */
#include "cli.h"
#include "trace/trace.h"
#include "trace/trace_repair.h"
#include "trace/trace_summary.h"
#include "util/meter.h"
#include "trace_info.h"

#include <stdio.h>
#include <string.h>

struct args {
    int lenient;
    int json; /* info --format json */
    int repair, zstd_level; /* convert */
};

#define LENIENT_ROW                                                                               \
    {"lenient", 0, OPT_FLAG, OPT_AT(struct args, lenient),                                         \
     .help = "drop invalid events (and count them by kind) instead of refusing the trace"}
static const struct opt_row rows[] = {LENIENT_ROW};
static const struct opt_row convert_rows[] = {
    LENIENT_ROW,
    {"repair", 0, OPT_FLAG, OPT_AT(struct args, repair),
     .help = "make a valid trace of an invalid one: fix what can be fixed, drop the rest, and\n"
             "report both by kind (docs/trace-format.md, \"Repairing\")"},
    CLI_ZSTD_LEVEL_ROW(struct args, zstd_level),
};
static const char *const info_formats[] = {"text", "json", NULL};
static const struct opt_row info_rows[] = {
    LENIENT_ROW,
    {"format", 0, OPT_ENUM, OPT_AT(struct args, json), .choices = info_formats, .def = "text",
     .metavar = "text|json", .help = "stdout: the figures as text, or as JSON (docs/json.md)"},
};

#define TRACE_COMMAND_ROWS(cmd, pos, n, line, text, rows_)                                        \
    {.prog = "allocreplay " cmd, .positional = pos, .min_pos = n, .max_pos = n, .summary = line, \
     .about = text,                                                                              \
     .epilog = "Exit status: 0 ok, 2 bad usage or bad input (one line on stderr).\n",            \
     .rows = rows_, .n_rows = sizeof rows_ / sizeof rows_[0]}
#define TRACE_COMMAND(cmd, pos, n, line, text) TRACE_COMMAND_ROWS(cmd, pos, n, line, text, rows)

const struct opt_command convert_command = TRACE_COMMAND_ROWS("convert", "IN OUT", 2,
    "Converts a trace from one format to another.",
    "Reads, recognised by content: YAML, .alrt (binary), .alrt.zst (compressed binary), glibc\n"
    "mtrace() logs, Android memory_replay text and a .zip of one of these two; writes by OUT's\n"
    "extension: .yaml/.yml, .alrt and .alrt.zst. An invalid trace is refused unless --lenient\n"
    "(drop the invalid events) or --repair (fix or drop them) is given.\n",
    convert_rows);

const struct opt_command info_command = TRACE_COMMAND_ROWS("info", "TRACE", 1,
    "Prints a trace's figures.",
    "Events per op, objects, size histogram (power-of-two buckets),\n"
    "peak live bytes (peak of the sum of requested sizes of live objects), threads.\n"
    "Binary traces are streamed: memory grows with the number of ids, not of events.\n",
    info_rows);

const struct opt_command validate_command = TRACE_COMMAND("validate", "TRACE", 1,
    "Checks a trace and reports its first problem.",
    "Checks syntax, checksum (binary), use before alloc, double free, alloc of a live\n"
    "id, bad sizes and alignments. Reports the first problem with its file:line:column (YAML)\n"
    "or record index (binary); with --lenient, counts the invalid events by kind instead.\n");

static uint64_t total_dropped(const struct trace_load_report *r)
{
    uint64_t n = 0;
    for (int p = 0; p < TRACE_PROBLEM_COUNT; p++)
        n += r->dropped[p];
    return n;
}

/* "dropped 3 events: 2 double free, 1 bad size" when anything was dropped or ignored. */
static void print_dropped(FILE *out, const char *path, const struct trace_load_report *r)
{
    if (!total_dropped(r))
        return;
    fprintf(out, "%s: dropped %llu events:", path, (unsigned long long)total_dropped(r));
    const char *sep = " ";
    for (int p = 0; p < TRACE_PROBLEM_COUNT; p++)
        if (r->dropped[p]) {
            fprintf(out, "%s%llu %s", sep, (unsigned long long)r->dropped[p],
                    trace_problem_name((enum trace_problem)p));
            sep = ", ";
        }
    fprintf(out, "\n");
}

/* "IN: repaired: 3 events dropped, 2 fixed", then one line per kind found. */
static void print_repaired(const char *path, const struct trace_repair_report *r)
{
    uint64_t n[2] = {0, 0}; /* fixed, dropped */
    for (int k = 0; k < TRACE_REPAIR_KIND_COUNT; k++)
        n[trace_repair_kind_drops((enum trace_repair_kind)k)] += r->count[k];
    printf("%s: repaired: %llu events dropped, %llu fixed\n", path, (unsigned long long)n[1],
           (unsigned long long)n[0]);
    for (int k = 0; k < TRACE_REPAIR_KIND_COUNT; k++)
        if (r->count[k])
            printf("  %-8s %10llu  %s\n",
                   trace_repair_kind_drops((enum trace_repair_kind)k) ? "dropped" : "fixed",
                   (unsigned long long)r->count[k], trace_repair_kind_name((enum trace_repair_kind)k));
}

/* Loads IN; with --repair, replaces it by its repaired trace. 0, or 2 after printing why. */
static int load_input(const char *path, const struct args *a, struct trace *t,
                      struct trace_load_report *report, struct trace_repair_report *rep)
{
    struct trace_load_options opt = {.lenient = a->lenient, .keep_invalid = a->repair};
    struct trace_error err;
    if (trace_load(path, &opt, t, report, &err) != 0) {
        fprintf(stderr, "allocreplay: %s\n", err.msg);
        return 2;
    }
    if (!a->repair)
        return 0;
    struct trace raw = *t;
    int rc = trace_repair(&raw, t, rep, &err);
    trace_release(&raw);
    if (rc != 0) {
        fprintf(stderr, "allocreplay: %s\n", err.msg);
        return 2;
    }
    return 0;
}

int cmd_convert(int argc, char **argv)
{
    struct args a = {0};
    struct opt_parsed p;
    int rc = cli_parse(&convert_command, argc, argv, &a, &p);
    if (rc >= 0)
        return rc;
    if (a.repair && a.lenient)
        return cli_usage_error(&convert_command, "--repair and --lenient exclude each other "
                                                 "(--repair drops what it cannot fix)");
    enum trace_format to = trace_format_from_path(p.pos[1]);
    if (to != TRACE_FORMAT_YAML && to != TRACE_FORMAT_BINARY && to != TRACE_FORMAT_BINARY_ZSTD) {
        fprintf(stderr, "allocreplay: %s: cannot write this format (writable: .yaml, .yml, .alrt, "
                        ".alrt.zst)\n",
                p.pos[1]);
        return 2;
    }
    struct trace_load_report report;
    struct trace_repair_report repaired;
    struct trace t;
    if ((rc = load_input(p.pos[0], &a, &t, &report, &repaired)) != 0)
        return rc;
    struct trace_save_options save = {.zstd_level = a.zstd_level};
    struct trace_error err;
    rc = trace_save_with(p.pos[1], &t, &save, &err);
    if (rc != 0)
        fprintf(stderr, "allocreplay: %s\n", err.msg);
    else {
        printf("%s: %llu events written to %s\n", p.pos[0], (unsigned long long)t.n_events,
               p.pos[1]);
        print_dropped(stdout, p.pos[0], &report);
        if (a.repair)
            print_repaired(p.pos[0], &repaired);
    }
    trace_release(&t);
    return rc ? 2 : 0;
}

/* 4096 -> "4 KiB"; sizes that are not a whole number of a unit stay in bytes. */
static void format_size(char *buf, size_t len, uint64_t v)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (u < 6 && v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        u++;
    }
    snprintf(buf, len, "%llu %s", (unsigned long long)v, units[u]);
}

static void print_histogram(const struct trace_summary *s)
{
    int lo = -1, hi = -1;
    uint64_t most = 0;
    for (int k = 0; k < TRACE_SIZE_BUCKETS; k++)
        if (s->size_hist[k]) {
            if (lo < 0)
                lo = k;
            hi = k;
            if (s->size_hist[k] > most)
                most = s->size_hist[k];
        }
    if (lo < 0)
        return;
    printf("size histogram (requested sizes of alloc, calloc, aligned, realloc):\n");
    for (int k = lo; k <= hi; k++) {
        char from[24], to[24], range[56];
        format_size(from, sizeof from, (uint64_t)1 << k);
        if (k < 63)
            format_size(to, sizeof to, (uint64_t)2 << k);
        else
            snprintf(to, sizeof to, "2^64 B");
        snprintf(range, sizeof range, "[%s, %s)", from, to);
        int bar = (int)(s->size_hist[k] * 40 / most);
        printf("  %-22s %12llu  %.*s\n", range, (unsigned long long)s->size_hist[k], bar,
               "########################################");
    }
}

/* The common part of info and validate: parse the arguments, summarise the trace in one
 * streaming pass (which validates it), print the figures, then the dropped-event counts. */
static int summarize_command(int argc, char **argv, const struct opt_command *cmd,
                             void (*print)(const char *path, const struct trace *hdr,
                                           const struct trace_summary *s))
{
    struct args a = {0};
    struct opt_parsed p;
    int rc = cli_parse(cmd, argc, argv, &a, &p);
    if (rc >= 0)
        return rc;
    const char *path = p.pos[0];
    if (trace_info_refuse_results(path))
        return 2;
    struct meter m;
    meter_start(&m, stderr, path, "events", 0);
    struct trace_load_options opt = {.lenient = a.lenient, .progress = meter_report,
                                     .progress_ctx = &m};
    struct trace_load_report report;
    struct trace_error err;
    struct trace hdr;
    struct trace_summary s;
    if (trace_summarize_file(path, &opt, &s, &hdr, &report, &err) != 0) {
        fprintf(stderr, "allocreplay: %s\n", err.msg);
        trace_release(&hdr);
        return 2;
    }
    meter_finish(&m, hdr.n_events);
    if (a.json) {
        rc = trace_info_json(path, &hdr, &s, &report) ? 1 : 0;
    } else {
        print(path, &hdr, &s);
        print_dropped(stdout, path, &report);
        rc = 0;
    }
    trace_release(&hdr);
    return rc;
}

static void print_info(const char *path, const struct trace *hdr, const struct trace_summary *s)
{
    printf("trace:        %s\n", hdr->name ? hdr->name : "");
    if (hdr->description)
        printf("description:  %s\n", hdr->description);
    printf("file:         %s\n", path);
    printf("events:       %llu\n", (unsigned long long)s->n_events);
    for (int op = 0; op < TRACE_OP_COUNT; op++)
        printf("  %-10s  %llu\n", trace_op_name((enum trace_op)op),
               (unsigned long long)s->count[op]);
    printf("objects:      %llu allocations on %llu distinct ids (id space %u)\n",
           (unsigned long long)s->objects, (unsigned long long)s->distinct_ids, hdr->n_ids);
    printf("threads:      %u (highest thread number %u)\n", s->threads, s->max_thread);
    printf("peak live:    %llu bytes in %llu objects\n", (unsigned long long)s->peak_live_bytes,
           (unsigned long long)s->peak_live_objects);
    printf("final live:   %llu bytes in %llu objects (never freed)\n",
           (unsigned long long)s->final_live_bytes, (unsigned long long)s->final_live_objects);
    if (s->max_size)
        printf("sizes:        %llu .. %llu bytes\n", (unsigned long long)s->min_size,
               (unsigned long long)s->max_size);
    if (s->timed) {
        double sec = (double)s->duration_ns / 1e9;
        printf("duration:     %.6f s (%.0f events/s)\n", sec,
               sec > 0 ? (double)s->n_events / sec : 0.0);
        printf("idle:         %llu gaps of 1 ms or more, %.6f s in all (%.1f%%); longest gap "
               "%.6f s\n", (unsigned long long)s->idle_gaps, (double)s->idle_ns / 1e9,
               s->duration_ns ? 100.0 * (double)s->idle_ns / (double)s->duration_ns : 0.0,
               (double)s->longest_gap_ns / 1e9);
    } else {
        printf("time:         none (an untimed trace)\n");
    }
    print_histogram(s);
}

int cmd_info(int argc, char **argv)
{
    return summarize_command(argc, argv, &info_command, print_info);
}

static void print_valid(const char *path, const struct trace *hdr, const struct trace_summary *s)
{
    (void)hdr;
    printf("%s: ok: %llu events, %llu objects, %u threads\n", path,
           (unsigned long long)s->n_events, (unsigned long long)s->objects, s->threads);
}

int cmd_validate(int argc, char **argv)
{
    return summarize_command(argc, argv, &validate_command, print_valid);
}
