/* The subcommands of `allocreplay`. Each takes the arguments after its own name (argv[0] is
 * the subcommand name) and returns the process exit status: 0 success, 1 a failed run or
 * cell, 2 bad usage or bad input (after printing one line on stderr). */
#ifndef ALLOCREPLAY_CLI_H
#define ALLOCREPLAY_CLI_H

int cmd_run(int argc, char **argv);
int cmd_campaign(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_backends(int argc, char **argv);

#include <stddef.h>

/* A label for a table column of width characters: as is when it fits, else its start and end
 * around "..." (a backend spec's name and its last setting both stay visible). Returns buf. */
const char *cli_fit(char *buf, size_t len, const char *label, size_t width);

#endif
