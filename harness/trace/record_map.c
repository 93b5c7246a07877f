/* The importer's address map (record_map.h). */
#include "record_map.h"
#include "trace_io.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_SLOTS 4096
static int alloc_slots(struct record_map *m, size_t n)
{
    /* Lookups land anywhere in the table: in huge pages they miss the TLB far less. */
    m->slots = trace__huge_alloc(n * sizeof *m->slots);
    m->mask = n - 1;
    m->count = 0;
    return m->slots ? 0 : -1;
}

int record_map_init(struct record_map *m)
{
    m->steps = 0;
    m->ops = 0;
    m->scatter = 0;
    return alloc_slots(m, INITIAL_SLOTS);
}

void record_map_free(struct record_map *m)
{
    if (m->slots)
        trace__huge_free(m->slots, (m->mask + 1) * sizeof *m->slots);
    uint64_t gen = m->gen;
    memset(m, 0, sizeof *m);
    m->gen = gen + 1; /* homes found in this table do not hold in the next */
}

/* Moves m's bindings into a new table of n slots, hashed as scatter says. */
static int rebuild(struct record_map *m, size_t n, int scatter)
{
    struct record_map old = *m;
    if (alloc_slots(m, n) != 0) {
        *m = old;
        return -1;
    }
    m->scatter = scatter;
    for (size_t i = 0; i <= old.mask; i++)
        if (old.slots[i].addr) {
            *record_map_find(m, old.slots[i].addr) = old.slots[i];
            m->count++;
        }
    trace__huge_free(old.slots, (old.mask + 1) * sizeof *old.slots);
    m->gen++;
    m->steps = 0;
    m->ops = 0;
    return 0;
}

int record_map_grow(struct record_map *m)
{
    return rebuild(m, (m->mask + 1) * 2, m->scatter);
}

int record_map_check(struct record_map *m)
{
    if (!m->scatter && m->steps > (uint64_t)RECORD_MAP_MAX_STEPS * m->ops)
        return rebuild(m, m->mask + 1, 1);
    m->steps = 0;
    m->ops = 0;
    return 0;
}
