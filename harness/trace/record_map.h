/* Address -> object id, for record_import.c: the live blocks of one recorded process image.
 * Open addressing with linear probing and deletion by backward shift, 16-byte slots (key and
 * id in one cache line access). A few million lookups a second land on random slots, so the
 * importer prefetches the slot of a record some places ahead (record_map_prefetch), and the
 * lookups are inline: one per event. Private to the trace library. */
#ifndef ALLOCREPLAY_RECORD_MAP_H
#define ALLOCREPLAY_RECORD_MAP_H

#include <stddef.h>
#include <stdint.h>

#define RECORD_MAP_NONE UINT32_MAX

struct record_map_slot {
    uint64_t addr; /* 0 = empty (no block lives at address 0) */
    uint32_t id;
    uint32_t pad;
};

struct record_map {
    struct record_map_slot *slots;
    size_t mask, count;
};

static inline size_t record_map_home(const struct record_map *m, uint64_t addr)
{
    /* Blocks are at least 8-byte aligned: drop the always-zero bits before mixing. (A hash
     * that keeps neighbouring blocks in neighbouring slots is kinder to the cache, but a dense
     * heap as large as the table's span then lands on itself: runs of thousands of slots.) */
    return (size_t)(((addr >> 3) * 0x9E3779B97F4A7C15ull) >> 20) & m->mask;
}

static inline void record_map_prefetch(const struct record_map *m, uint64_t addr)
{
    __builtin_prefetch(&m->slots[record_map_home(m, addr)], 1);
}

int record_map_init(struct record_map *m); /* 0, or -1 when out of memory */
void record_map_free(struct record_map *m);
/* Doubles the table. 0, or -1 when out of memory (the map is unchanged). */
int record_map_grow(struct record_map *m);

/* The slot holding addr, or the empty slot ending its probe run. */
static inline struct record_map_slot *record_map_find(const struct record_map *m, uint64_t addr)
{
    size_t i = record_map_home(m, addr);
    while (m->slots[i].addr && m->slots[i].addr != addr)
        i = (i + 1) & m->mask;
    return &m->slots[i];
}

/* Binds addr to id, with the id addr was bound to in *old (RECORD_MAP_NONE if none).
 * 0, or -1 when out of memory. */
static inline int record_map_bind(struct record_map *m, uint64_t addr, uint32_t id,
                                  uint32_t *old)
{
    /* At most half full: probe runs stay short. */
    if ((m->count + 1) * 2 > m->mask + 1 && record_map_grow(m) != 0)
        return -1;
    struct record_map_slot *s = record_map_find(m, addr);
    *old = s->addr ? s->id : RECORD_MAP_NONE;
    m->count += !s->addr;
    s->addr = addr;
    s->id = id;
    return 0;
}

/* Binds addr to id (replacing a binding). 0, or -1 when out of memory. */
static inline int record_map_put(struct record_map *m, uint64_t addr, uint32_t id)
{
    uint32_t old;
    return record_map_bind(m, addr, id, &old);
}

/* Removes addr and returns its id, RECORD_MAP_NONE if absent. */
static inline uint32_t record_map_take(struct record_map *m, uint64_t addr)
{
    struct record_map_slot *s = record_map_find(m, addr);
    if (!s->addr)
        return RECORD_MAP_NONE;
    uint32_t id = s->id;
    /* Backward shift: move later members of the probe run into the hole when their home
     * slot does not lie strictly between the hole and them (cyclically). */
    size_t hole = (size_t)(s - m->slots);
    for (size_t j = (hole + 1) & m->mask; m->slots[j].addr; j = (j + 1) & m->mask) {
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

#endif
