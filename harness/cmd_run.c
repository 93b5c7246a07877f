/* Placeholder until this command is built; replaced by its owner. */
#include "cli.h"

#include <stdio.h>

int cmd_run(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "allocreplay %s: not built yet\n", argv[0]);
    return 2;
}
