/* allocator_stats_read (registry.h): its own object file, so the replay library can link it
 * without the registry a worker chooses. */
#include "allocators/registry.h"

#include <string.h>

void allocator_stats_read(const struct allocator_ops *ops, void *ctx, struct allocator_stats *out)
{
    memset(out, 0xff, sizeof *out); /* every size_t field ALLOCATOR_UNKNOWN (SIZE_MAX) */
    out->n_extra = 0;
    for (size_t i = 0; i < sizeof out->extra / sizeof out->extra[0]; i++)
        out->extra[i].name = NULL;
    if (ops->stats)
        ops->stats(ctx, out);
}
