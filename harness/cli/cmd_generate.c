/* allocreplay generate SPEC.yaml -o OUT [--seed N]: a synthetic trace from a spec
 * (docs/generator.md), written as .alrt or .yaml by OUT's extension. */
#include "cli.h"
#include "gen/generate.h"
#include "gen/generate_spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: allocreplay generate SPEC.yaml -o OUT.alrt|OUT.yaml [--seed N]\n"
                 "  --seed N   overrides the spec's seed (default: the spec's, else 0)\n");
}

int cmd_generate(int argc, char **argv)
{
    const char *spec_path = NULL, *out = NULL, *seed_arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            seed_arg = argv[++i];
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' || spec_path) {
            fprintf(stderr, "allocreplay generate: unexpected argument '%s'\n", argv[i]);
            return 2;
        } else {
            spec_path = argv[i];
        }
    }
    if (!spec_path || !out) {
        usage(stderr);
        return 2;
    }
    enum trace_format fmt = trace_format_from_path(out);
    if (fmt != TRACE_FORMAT_BINARY && fmt != TRACE_FORMAT_YAML) {
        fprintf(stderr, "allocreplay generate: %s: the output must end in .alrt or .yaml\n", out);
        return 2;
    }
    struct gen_spec spec;
    struct trace_error err;
    if (gen_spec_load(spec_path, &spec, &err) != 0) {
        fprintf(stderr, "allocreplay: %s\n", err.msg);
        return 2;
    }
    uint64_t seed = spec.seed;
    if (seed_arg) {
        char *end;
        errno = 0;
        seed = strtoull(seed_arg, &end, 0);
        if (errno || end == seed_arg || *end || seed_arg[0] == '-') {
            fprintf(stderr, "allocreplay generate: --seed: '%s' is not a number\n", seed_arg);
            gen_spec_free(&spec);
            return 2;
        }
    }
    struct trace t;
    int rc = generate(&spec, seed, &t, &err);
    gen_spec_free(&spec);
    if (rc != 0) {
        fprintf(stderr, "allocreplay: %s: %s\n", spec_path, err.msg);
        return 1;
    }
    if (trace_save(out, &t, &err) != 0) {
        fprintf(stderr, "allocreplay: %s\n", err.msg);
        trace_release(&t);
        return 2;
    }
    printf("%s: %llu events, %u objects, %u threads (seed %llu)\n", out,
           (unsigned long long)t.n_events, t.n_ids, t.n_threads, (unsigned long long)seed);
    trace_release(&t);
    return 0;
}
