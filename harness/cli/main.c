/* allocreplay: the driver's entry point. Dispatches to one subcommand (harness/cmd_*.c). */
#include "cli.h"
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
};

static const struct command commands[] = {
    {"run", cmd_run, "run TRACE... [-b BACKEND,...] [-n REPS] [--latency] [--verify] [-o DIR]"},
    {"campaign", cmd_campaign, "campaign FILE.yaml [--resume [DIR]] [--shard K/N] [-o DIR]"},
    {"plot", cmd_plot, "plot RESULTS_DIR"},
    {"compare", cmd_compare, "compare RESULTS_A RESULTS_B [--csv OUT]"},
    {"merge", cmd_merge, "merge [--no-charts] -o OUT_DIR RESULTS_DIR..."},
    {"convert", cmd_convert, "convert IN OUT   (.yaml .alrt .mtrace .android.txt)"},
    {"info", cmd_info, "info TRACE"},
    {"validate", cmd_validate, "validate TRACE"},
    {"record", cmd_record, "record -o OUT.alrt -- CMD ARGS..."},
    {"generate", cmd_generate, "generate SPEC.yaml -o OUT"},
    {"backends", cmd_backends, "backends"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: allocreplay COMMAND [ARGS...]   (allocreplay COMMAND --help for more)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  allocreplay %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
    /* Past a file size limit the kernel sends SIGXFSZ, which would kill us mid-write and leave a
     * temporary file behind; ignored, write() fails with EFBIG, which every writer reports. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("allocreplay %s\n", ALLOCREPLAY_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "allocreplay: unknown command '%s' (allocreplay --help lists them)\n", argv[1]);
    return 2;
}
