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

/* Bindings and removals since the last check, from the budget they and the steps spent. */
static uint64_t ops_done(const struct record_map *m)
{
    return (m->given - (uint64_t)m->budget - m->steps) / RECORD_MAP_MAX_STEPS;
}

/* A new budget, spent before the table is more than half full, a check is due or the steps
 * pass their limit (the last two counted since the last check). */
static void refill(struct record_map *m)
{
    uint64_t spent = m->given - (uint64_t)m->budget, ops = ops_done(m);
    uint64_t half = (m->mask + 1) / 2, room = half > m->count ? half - m->count : 0;
    uint64_t b =
        RECORD_MAP_MAX_STEPS * (ops < RECORD_MAP_CHECK_EVERY ? RECORD_MAP_CHECK_EVERY - ops : 0);
    uint64_t steps_left = m->steps < RECORD_MAP_STEP_BUDGET ? RECORD_MAP_STEP_BUDGET - m->steps : 0;
    if (b > steps_left)
        b = steps_left;
    if (b > RECORD_MAP_MAX_STEPS * room) /* room: bindings before half full */
        b = RECORD_MAP_MAX_STEPS * room;
    m->budget = (int64_t)b;
    m->given = spent + b;
}

/* A check's counters start again. */
static void restart(struct record_map *m)
{
    m->steps = 0;
    m->given = 0;
    m->budget = 0;
}

int record_map_init(struct record_map *m)
{
    restart(m);
    m->scatter = 0;
    if (alloc_slots(m, INITIAL_SLOTS) != 0)
        return -1;
    refill(m);
    return 0;
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
    restart(m);
    return 0;
}

int record_map_upkeep(struct record_map *m)
{
    int rc = 0;
    uint64_t ops = ops_done(m);
    if ((m->count + 1) * 2 > m->mask + 1)
        rc = rebuild(m, (m->mask + 1) * 2, m->scatter);
    else if (ops >= RECORD_MAP_CHECK_EVERY || m->steps > RECORD_MAP_STEP_BUDGET) {
        if (!m->scatter && m->steps > (uint64_t)RECORD_MAP_MAX_STEPS * ops)
            rc = rebuild(m, m->mask + 1, 1);
        else
            restart(m);
    }
    refill(m);
    return rc;
}
