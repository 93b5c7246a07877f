/* allocreplay generate SPEC.yaml -o OUT [--seed N]: a synthetic trace from a spec
 * (docs/generator.md), written as .alrt, .alrt.zst or .yaml by OUT's extension. */
#include "cli.h"
#include "gen/generate.h"
#include "gen/generate_spec.h"

#include "util/meter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct args {
    const char *out;
    uint64_t seed;
    int zstd_level;
};

static const struct opt_row rows[] = {
    {"output", 'o', OPT_STRING, OPT_AT(struct args, out), .metavar = "OUT.alrt|OUT.alrt.zst|OUT.yaml",
     .required = 1, .help = "the trace to write; its extension picks the format"},
    {"seed", 0, OPT_U64, OPT_AT(struct args, seed), .metavar = "N",
     .help = "overrides the spec's seed (default: the spec's, else 0)"},
    CLI_ZSTD_LEVEL_ROW(struct args, zstd_level),
};

const struct opt_command generate_command = {
    .prog = "allocreplay generate",
    .positional = "SPEC.yaml",
    .min_pos = 1,
    .max_pos = 1,
    .summary = "Generates a synthetic trace from a spec (docs/generator.md).",
    OPT_ROWS(rows),
};

/* The streaming path: events go straight to a binary trace writer. */
#define BATCH 4096 /* events handed to the writer at once */

struct to_file {
    struct trace_writer *w;
    struct meter meter;
    uint64_t events;
    uint32_t ids, threads; /* highest id and thread + 1, as the writer's header counts them */
    size_t n;
    struct trace_event batch[BATCH];
};

static int write_event(void *ctx, const struct trace_event *ev, uint64_t time,
                       struct trace_error *err)
{
    (void)time; /* only untimed specs stream */
    struct to_file *f = ctx;
    f->events++;
    if (ev->id >= f->ids)
        f->ids = ev->id + 1;
    if (ev->thread >= f->threads)
        f->threads = (uint32_t)ev->thread + 1;
    f->batch[f->n++] = *ev;
    if (f->n < BATCH)
        return 0;
    f->n = 0;
    return trace_writer_append(f->w, f->batch, BATCH, err);
}

static void show_progress(void *ctx, uint64_t events)
{
    meter_update(&((struct to_file *)ctx)->meter, events);
}

/* Writes the trace of an untimed spec to the .alrt file path, holding no event in memory; a
 * .alrt.zst out is compressed from it. Returns 0, 1 (the generator failed) or 2 (cannot write),
 * with one line on stderr. */
static int stream(const struct gen_spec *spec, uint64_t seed, const char *path, const char *out,
                  const char *spec_path, const struct trace_save_options *save)
{
    struct to_file *f = calloc(1, sizeof *f);
    struct trace_error err = {""};
    if (!f) {
        fprintf(stderr, "allocreplay: out of memory\n");
        return 1;
    }
    if (!(f->w = trace_writer_open(path, spec->name, spec->description, &err))) {
        fprintf(stderr, "allocreplay: %s\n", err.msg);
        free(f);
        return 2;
    }
    meter_start(&f->meter, stderr, out, "events", generate_events_hint(spec));
    const struct gen_sink sink = {write_event, f, show_progress};
    if (generate_stream(spec, seed, &sink, &err) != 0) {
        trace_writer_abort(f->w);
        free(f);
        fprintf(stderr, "allocreplay: %s: %s\n", spec_path, err.msg);
        return 1;
    }
    meter_finish(&f->meter, f->events);
    struct trace_writer *w = f->w;
    const uint64_t events = f->events;
    const uint32_t ids = f->ids, threads = f->threads ? f->threads : 1;
    int rc = trace_writer_append(w, f->batch, f->n, &err);
    free(f);
    if (rc != 0)
        trace_writer_abort(w);
    if (rc != 0 || trace_writer_commit(w, &err) != 0 ||
        (strcmp(path, out) && trace_compress_file_with(path, out, save, &err) != 0)) {
        fprintf(stderr, "allocreplay: %s\n", err.msg);
        return 2;
    }
    printf("%s: %llu events, %u objects, %u threads (seed %llu)\n", out,
           (unsigned long long)events, ids, threads, (unsigned long long)seed);
    return 0;
}

/* A .alrt.zst: the .alrt is streamed next to it first. */
static int stream_to(const struct gen_spec *spec, uint64_t seed, const char *out,
                     const char *spec_path, const struct trace_save_options *save)
{
    if (trace_format_from_path(out) == TRACE_FORMAT_BINARY)
        return stream(spec, seed, out, out, spec_path, save);
    char *plain = NULL;
    if (asprintf(&plain, "%s.tmp-%d.alrt", out, (int)getpid()) < 0) {
        fprintf(stderr, "allocreplay: out of memory\n");
        return 1;
    }
    int rc = stream(spec, seed, plain, out, spec_path, save);
    unlink(plain);
    free(plain);
    return rc;
}

int cmd_generate(int argc, char **argv)
{
    struct args a = {0};
    struct opt_parsed p;
    int rc = cli_parse(&generate_command, argc, argv, &a, &p);
    if (rc >= 0)
        return rc;
    const char *spec_path = p.pos[0], *out = a.out;
    enum trace_format fmt = trace_format_from_path(out);
    if (fmt != TRACE_FORMAT_BINARY && fmt != TRACE_FORMAT_BINARY_ZSTD && fmt != TRACE_FORMAT_YAML) {
        fprintf(stderr, "allocreplay generate: %s: the output must end in .alrt, .alrt.zst or "
                        ".yaml\n", out);
        return 2;
    }
    struct gen_spec spec;
    struct trace_error err;
    if (gen_spec_load(spec_path, &spec, &err) != 0) {
        fprintf(stderr, "allocreplay: %s\n", err.msg);
        return 2;
    }
    uint64_t seed = opt_given(&generate_command, &p, "seed") ? a.seed : spec.seed;
    struct trace_save_options save = {.zstd_level = a.zstd_level};
    /* Untimed binary traces stream to the file; YAML and timed traces (whose times are written
     * after the records) are built in memory first. */
    if (fmt != TRACE_FORMAT_YAML && spec.phases[0].rate == 0) {
        rc = stream_to(&spec, seed, out, spec_path, &save);
        gen_spec_free(&spec);
        return rc;
    }
    struct trace t;
    rc = generate(&spec, seed, &t, &err);
    gen_spec_free(&spec);
    if (rc != 0) {
        fprintf(stderr, "allocreplay: %s: %s\n", spec_path, err.msg);
        return 1;
    }
    if (trace_save_with(out, &t, &save, &err) != 0) {
        fprintf(stderr, "allocreplay: %s\n", err.msg);
        trace_release(&t);
        return 2;
    }
    printf("%s: %llu events, %u objects, %u threads (seed %llu)\n", out,
           (unsigned long long)t.n_events, t.n_ids, t.n_threads, (unsigned long long)seed);
    trace_release(&t);
    return 0;
}
