/* Address -> object id, for record_import.c: the live blocks of one recorded process image.
 * Open addressing with linear probing and deletion by backward shift, 16-byte slots (key and
 * id in one cache line access). The importer prefetches the slot of a record some places
 * ahead (record_map_prefetch), and the lookups are inline: one per event.
 *
 * Two hashes. A table of many megabytes misses the cache and the TLB at every random slot, so
 * the map starts in address order: blocks 16 bytes apart in neighbouring slots, each 4 MiB of
 * address space at a scattered place in the table; a program's allocations, mostly near its
 * recent ones, then share cache lines and pages (the Python workload's import: 17 ns an event
 * less). But a heap dense with small blocks and about as large as the table's span lands on
 * itself (runs of thousands of slots), so the map counts its probe and shift steps and, past
 * RECORD_MAP_MAX_STEPS an operation over RECORD_MAP_CHECK_EVERY of them (or as soon as the
 * steps reach what that many may take), rebuilds itself with a multiplicative hash, for good. Private to the trace library. */
#ifndef ALLOCREPLAY_RECORD_MAP_H
#define ALLOCREPLAY_RECORD_MAP_H

#include <stddef.h>
#include <stdint.h>

#define RECORD_MAP_NONE UINT32_MAX
#define RECORD_MAP_NO_GEN UINT64_MAX /* a gen no map reaches: record_map_start hashes afresh */

struct record_map_slot {
    uint64_t addr; /* 0 = empty (no block lives at address 0) */
    uint32_t id;
    uint32_t pad;
};

struct record_map {
    struct record_map_slot *slots;
    size_t mask, count;
    uint64_t gen;     /* counts the rebuilds (and tables): a home slot found for one gen holds
                         while gen is the same */
    /* Upkeep (growing, the check of the hash) waits until budget runs out: a binding or removal
     * spends RECORD_MAP_MAX_STEPS of it, a probe or shift step one, and it is given so that it
     * runs out before the table is more than half full, a check is due or the steps pass their
     * limit. One test an operation, rather than one per limit. */
    int64_t budget;
    uint64_t given;   /* budget given since the last check (spent: given - budget) */
    uint64_t steps;   /* probe and shift steps since the last check */
    int scatter;      /* the multiplicative hash (else address order) */
};

#define RECORD_MAP_CHECK_EVERY 65536
#define RECORD_MAP_MAX_STEPS 8 /* a binding or removal, on average */
/* A check comes early when the steps reach what a whole period may take. */
#define RECORD_MAP_STEP_BUDGET ((uint64_t)RECORD_MAP_MAX_STEPS * RECORD_MAP_CHECK_EVERY)

static inline size_t record_map_home(const struct record_map *m, uint64_t addr)
{
    /* Blocks are at least 8-byte aligned: drop the always-zero bits before mixing. */
    if (m->scatter)
        return (size_t)(((addr >> 3) * 0x9E3779B97F4A7C15ull) >> 20) & m->mask;
    return (size_t)((addr >> 4) + (((addr >> 22) * 0x9E3779B97F4A7C15ull) >> 40)) & m->mask;
}

/* Starts fetching slot home (record_map_home) into the cache. */
static inline void record_map_prefetch(const struct record_map *m, size_t home)
{
    const struct record_map_slot *s = &m->slots[home];
    /* GCC 12 at -O2 deletes this prefetch with the address-order hash (without it the import
     * is 2.5 times slower): an empty volatile asm pins the address. */
    __asm__ volatile("" : "+r"(s));
    __builtin_prefetch(s, 1);
}

int record_map_init(struct record_map *m); /* 0, or -1 when out of memory */
void record_map_free(struct record_map *m);
/* When the budget has run out: doubles the table if a binding would make it more than half
 * full; every RECORD_MAP_CHECK_EVERY bindings and removals (or as soon as the steps pass
 * RECORD_MAP_STEP_BUDGET), switches to the multiplicative hash when the steps were too many;
 * then gives a new budget. 0, or -1 when out of memory (the map is unchanged, and still
 * correct). */
int record_map_upkeep(struct record_map *m);

/* Where addr's probe run starts: home, when it was computed (record_map_home) while the map's
 * gen was gen and still is; the importer finds homes a few records ahead, for the prefetch. */
static inline size_t record_map_start(const struct record_map *m, uint64_t addr, size_t home,
                                      uint64_t gen)
{
    return gen == m->gen ? home : record_map_home(m, addr);
}

/* The slot holding addr, or the empty slot ending its probe run, from slot i on. */
static inline struct record_map_slot *record_map_find_from(struct record_map *m, uint64_t addr,
                                                           size_t i)
{
    size_t steps = 0;
    while (m->slots[i].addr && m->slots[i].addr != addr) {
        i = (i + 1) & m->mask;
        steps++;
    }
    m->steps += steps;
    m->budget -= (int64_t)steps;
    return &m->slots[i];
}

static inline struct record_map_slot *record_map_find(struct record_map *m, uint64_t addr)
{
    return record_map_find_from(m, addr, record_map_home(m, addr));
}

/* Binds addr to id, with the id addr was bound to in *old (RECORD_MAP_NONE if none); home and
 * gen as for record_map_start. 0, or -1 when out of memory. */
static inline int record_map_bind_at(struct record_map *m, uint64_t addr, size_t home,
                                     uint64_t gen, uint32_t id, uint32_t *old)
{
    /* Before the binding: the table grows first (at most half full, probe runs stay short). */
    if ((m->budget -= RECORD_MAP_MAX_STEPS) < 0 && record_map_upkeep(m) != 0)
        return -1;
    struct record_map_slot *s = record_map_find_from(m, addr, record_map_start(m, addr, home, gen));
    *old = s->addr ? s->id : RECORD_MAP_NONE;
    m->count += !s->addr;
    s->addr = addr;
    s->id = id;
    return 0;
}

static inline int record_map_bind(struct record_map *m, uint64_t addr, uint32_t id, uint32_t *old)
{
    return record_map_bind_at(m, addr, 0, RECORD_MAP_NO_GEN, id, old);
}

/* Binds addr to id (replacing a binding). 0, or -1 when out of memory. */
static inline int record_map_put(struct record_map *m, uint64_t addr, uint32_t id)
{
    uint32_t old;
    return record_map_bind_at(m, addr, 0, RECORD_MAP_NO_GEN, id, &old);
}

/* Removes addr and returns its id, RECORD_MAP_NONE if absent; home and gen as for
 * record_map_start. */
static inline uint32_t record_map_take_at(struct record_map *m, uint64_t addr, size_t home,
                                          uint64_t gen)
{
    struct record_map_slot *s = record_map_find_from(m, addr, record_map_start(m, addr, home, gen));
    if (!s->addr)
        return RECORD_MAP_NONE;
    uint32_t id = s->id;
    /* Backward shift: move later members of the probe run into the hole when their home
     * slot does not lie strictly between the hole and them (cyclically). */
    size_t hole = (size_t)(s - m->slots), steps = 0;
    for (size_t j = (hole + 1) & m->mask; m->slots[j].addr; j = (j + 1) & m->mask) {
        steps++;
        size_t h = record_map_home(m, m->slots[j].addr);
        if (((j - h) & m->mask) >= ((j - hole) & m->mask)) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].addr = 0;
    m->count--;
    m->steps += steps;
    if ((m->budget -= (int64_t)(steps + RECORD_MAP_MAX_STEPS)) < 0)
        record_map_upkeep(m); /* out of memory: the map stays as it is */
    return id;
}

static inline uint32_t record_map_take(struct record_map *m, uint64_t addr)
{
    return record_map_take_at(m, addr, 0, RECORD_MAP_NO_GEN);
}

#endif
