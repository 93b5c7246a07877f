/* cli_fit (cli.h): long labels (jemalloc:dirty_decay_ms=0,muzzy_decay_ms=0,
 * preload:/long/path) shortened to a table column. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

const char *cli_fit(char *buf, size_t len, const char *label, size_t width)
{
    size_t n = strlen(label);
    if (n <= width || width < 8) {
        snprintf(buf, len, "%s", label);
        return buf;
    }
    size_t head = (width - 3) / 2, tail = width - 3 - head;
    snprintf(buf, len, "%.*s...%s", (int)head, label, label + n - tail);
    return buf;
}
