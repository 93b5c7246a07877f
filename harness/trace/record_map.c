/* The importer's address map (record_map.h). */
#include "record_map.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define INITIAL_SLOTS 4096

static int alloc_slots(struct record_map *m, size_t n)
{
    m->slots = calloc(n, sizeof *m->slots);
    /* Lookups land anywhere in the table: in huge pages they miss the TLB far less (a large
     * calloc is fresh, untouched memory, so the advice applies from the first touch). */
    size_t bytes = n * sizeof *m->slots;
    uintptr_t lo = ((uintptr_t)m->slots + 4095) & ~(uintptr_t)4095;
    uintptr_t hi = ((uintptr_t)m->slots + bytes) & ~(uintptr_t)4095;
    if (m->slots && bytes >= ((size_t)4 << 20))
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    m->mask = n - 1;
    m->count = 0;
    return m->slots ? 0 : -1;
}

int record_map_init(struct record_map *m)
{
    return alloc_slots(m, INITIAL_SLOTS);
}

void record_map_free(struct record_map *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

int record_map_grow(struct record_map *m)
{
    struct record_map old = *m;
    if (alloc_slots(m, (old.mask + 1) * 2) != 0) {
        *m = old;
        return -1;
    }
    for (size_t i = 0; i <= old.mask; i++)
        if (old.slots[i].addr) {
            *record_map_find(m, old.slots[i].addr) = old.slots[i];
            m->count++;
        }
    free(old.slots);
    return 0;
}
