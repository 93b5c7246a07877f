/* allocreplay: the driver's entry point. Dispatches to one subcommand (cmd_*.c). */
#include "cli.h"
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const struct opt_command *options; /* its synopsis and first line of help */
};

static const struct command commands[] = {
    {"run", cmd_run, &run_command},
    {"campaign", cmd_campaign, &campaign_command},
    {"plot", cmd_plot, &plot_command},
    {"compare", cmd_compare, &compare_command},
    {"merge", cmd_merge, &merge_command},
    {"convert", cmd_convert, &convert_command},
    {"info", cmd_info, &info_command},
    {"validate", cmd_validate, &validate_command},
    {"slice", cmd_slice, &slice_command},
    {"record", cmd_record, &record_command},
    {"generate", cmd_generate, &generate_command},
    {"backends", cmd_backends, &backends_command},
};

/* One line per command: its positional arguments and its summary. */
static void usage(FILE *out)
{
    fprintf(out, "usage: allocreplay COMMAND [ARGS...]   (allocreplay COMMAND --help for more)\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const struct opt_command *c = commands[i].options;
        char synopsis[64];
        snprintf(synopsis, sizeof synopsis, "%s %s", commands[i].name, c->positional);
        fprintf(out, "  %-28s %s\n", synopsis, c->summary);
    }
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
