/* The commands' shared ends of option parsing (cli.h). */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

int cli_parse(const struct opt_command *cmd, int argc, char **argv, void *dest,
              struct opt_parsed *parsed)
{
    char err[512];
    if (opt_parse(cmd, argc, argv, dest, parsed, err, sizeof err)) {
        opt_print_error(cmd, stderr, err);
        return 2;
    }
    if (parsed->help) {
        opt_print_help(cmd, stdout);
        return 0;
    }
    return -1;
}

int cli_usage_error(const struct opt_command *cmd, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    opt_print_error(cmd, stderr, reason);
    return 2;
}
