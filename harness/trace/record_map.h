/* Address -> object id, for record_import.c: the live blocks of one recorded process image.
 * Open addressing with linear probing and deletion by backward shift, 16-byte slots (key and
 * id in one cache line access). A few million lookups a second land on random slots, so the
 * importer prefetches the slot of a record some places ahead (record_map_prefetch). Private to
 * the trace library. */
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
    /* Blocks are at least 8-byte aligned: drop the always-zero bits before mixing. */
    return (size_t)(((addr >> 3) * 0x9E3779B97F4A7C15ull) >> 20) & m->mask;
}

static inline void record_map_prefetch(const struct record_map *m, uint64_t addr)
{
    __builtin_prefetch(&m->slots[record_map_home(m, addr)], 1);
}

int record_map_init(struct record_map *m); /* 0, or -1 when out of memory */
void record_map_free(struct record_map *m);
/* Binds addr to id (replacing a binding). 0, or -1 when out of memory. */
int record_map_put(struct record_map *m, uint64_t addr, uint32_t id);
/* The same in one probe, with the id addr was bound to in *old (RECORD_MAP_NONE if none). */
int record_map_bind(struct record_map *m, uint64_t addr, uint32_t id, uint32_t *old);
/* Removes addr and returns its id, RECORD_MAP_NONE if absent. */
uint32_t record_map_take(struct record_map *m, uint64_t addr);

#endif
