/* allocreplay generate SPEC.yaml -o OUT [--seed N]: a synthetic trace from a spec
 * (docs/generator.md), written as .alrt, .alrt.zst or .yaml by OUT's extension. */
#include "cli.h"
#include "gen/generate.h"
#include "gen/generate_spec.h"

#include <stdio.h>

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
    struct trace t;
    rc = generate(&spec, seed, &t, &err);
    gen_spec_free(&spec);
    if (rc != 0) {
        fprintf(stderr, "allocreplay: %s: %s\n", spec_path, err.msg);
        return 1;
    }
    struct trace_save_options save = {.zstd_level = a.zstd_level};
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
