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

static size_t find(const struct record_map *m, uint64_t addr)
{
    size_t i = record_map_home(m, addr);
    while (m->slots[i].addr && m->slots[i].addr != addr)
        i = (i + 1) & m->mask;
    return i;
}

static int grow(struct record_map *m)
{
    struct record_map old = *m;
    if (alloc_slots(m, (old.mask + 1) * 2) != 0) {
        *m = old;
        return -1;
    }
    for (size_t i = 0; i <= old.mask; i++)
        if (old.slots[i].addr) {
            m->slots[find(m, old.slots[i].addr)] = old.slots[i];
            m->count++;
        }
    free(old.slots);
    return 0;
}

int record_map_bind(struct record_map *m, uint64_t addr, uint32_t id, uint32_t *old)
{
    /* At most half full: probe runs stay short. */
    if ((m->count + 1) * 2 > m->mask + 1 && grow(m) != 0)
        return -1;
    struct record_map_slot *s = &m->slots[find(m, addr)];
    *old = s->addr ? s->id : RECORD_MAP_NONE;
    if (!s->addr)
        m->count++;
    s->addr = addr;
    s->id = id;
    return 0;
}

int record_map_put(struct record_map *m, uint64_t addr, uint32_t id)
{
    uint32_t old;
    return record_map_bind(m, addr, id, &old);
}

uint32_t record_map_take(struct record_map *m, uint64_t addr)
{
    size_t i = find(m, addr);
    if (!m->slots[i].addr)
        return RECORD_MAP_NONE;
    uint32_t id = m->slots[i].id;
    /* Backward shift: move later members of the probe run into the hole when their home
     * slot does not lie strictly between the hole and them (cyclically). */
    size_t hole = i;
    for (size_t j = (i + 1) & m->mask; m->slots[j].addr; j = (j + 1) & m->mask) {
        size_t home = record_map_home(m, m->slots[j].addr);
        if (((j - home) & m->mask) >= ((j - hole) & m->mask)) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].addr = 0;
    m->count--;
    return id;
}
