/* The subcommands of `allocreplay`. Each takes the arguments after its own name (argv[0] is
 * the subcommand name) and returns the process exit status: 0 success, 1 a failed run or
 * cell, 2 bad usage or bad input (after printing one line on stderr).
 *
 * Each command's options are one table (util/options.h), exported here so that main.c's
 * command list is written from the same rows as the command's --help. */
#ifndef ALLOCREPLAY_CLI_H
#define ALLOCREPLAY_CLI_H

#include "util/options.h"

#include <stddef.h>

int cmd_run(int argc, char **argv);
int cmd_campaign(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_slice(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_backends(int argc, char **argv);

extern const struct opt_command run_command, campaign_command, plot_command, compare_command,
    merge_command, convert_command, info_command, validate_command, slice_command, record_command,
    generate_command, backends_command;

/* --zstd-level of the commands that write traces (trace_save_options, 1 .. TRACE_ZSTD_MAX_LEVEL):
 * an int field of the command's argument struct. */
#define CLI_ZSTD_LEVEL_ROW(type, field)                                                           \
    {"zstd-level", 0, OPT_U64, OPT_AT(type, field), .min = 1, .max = 22, .def = "3",              \
     .metavar = "N",                                                                              \
     .help = "zstd level of a .alrt.zst output: 1 fastest .. 22 smallest (docs/performance.md)"}

/* The number of rows of a static option table. */
#define OPT_ROWS(rows) .rows = rows, .n_rows = sizeof rows / sizeof rows[0]

/* Parses a command's arguments with its table (opt_parse). Returns -1 when the command goes
 * on; otherwise the exit status, after printing: 0 for --help (on stdout), 2 for bad usage
 * (one line on stderr). */
int cli_parse(const struct opt_command *cmd, int argc, char **argv, void *dest,
              struct opt_parsed *parsed);

/* A usage error found after parsing, printed like the parser's (`PROG: REASON (PROG --help)`).
 * Returns 2. */
int cli_usage_error(const struct opt_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A label for a table column of width characters: as is when it fits, else its start and end
 * around "..." (a backend spec's name and its last setting both stay visible). Returns buf. */
const char *cli_fit(char *buf, size_t len, const char *label, size_t width);

#endif
