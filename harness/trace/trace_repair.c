/* trace_repair (trace_repair.h): one pass, each event checked against its id's state, fixed or
 * dropped; every allocation starts a new output object. */
#include "trace/trace_repair.h"
#include "trace_io.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    int drops;
} kinds[TRACE_REPAIR_KIND_COUNT] = {
    [TRACE_REPAIR_FREE_UNKNOWN] = {"free of an unknown id", 1},
    [TRACE_REPAIR_DOUBLE_FREE] = {"double free", 1},
    [TRACE_REPAIR_REALLOC_UNKNOWN] = {"realloc of an unknown id, made an alloc", 0},
    [TRACE_REPAIR_REALLOC_FREED] = {"realloc of a freed id, made an alloc", 0},
    [TRACE_REPAIR_ALLOC_LIVE] = {"alloc of a live id, made a new object (the old one left live)",
                                 0},
    [TRACE_REPAIR_ZERO_SIZE] = {"allocation of 0 bytes, made 1 byte", 0},
    [TRACE_REPAIR_REALLOC_ZERO] = {"realloc to 0 bytes, made a free", 0},
    [TRACE_REPAIR_HUGE_SIZE] = {"size above 1 TiB", 1},
    [TRACE_REPAIR_HUGE_ALIGN] = {"alignment above 1 MiB, clamped", 0},
    [TRACE_REPAIR_STRAY_ALIGN] = {"alignment on an event that takes none, cleared", 0},
    [TRACE_REPAIR_FREE_SIZE] = {"free with a size, cleared", 0},
};

const char *trace_repair_kind_name(enum trace_repair_kind k)
{
    return (unsigned)k < TRACE_REPAIR_KIND_COUNT ? kinds[k].name : "?";
}

int trace_repair_kind_drops(enum trace_repair_kind k)
{
    return (unsigned)k < TRACE_REPAIR_KIND_COUNT && kinds[k].drops;
}

enum { NEVER, LIVE, FREED };

struct repairer {
    struct trace_repair_report *rep;
    uint8_t *state;  /* per input id */
    uint32_t *out_id; /* per input id: its current object's output id */
    uint32_t next_id;
};

/* Starts a new object for ev's id: 0, or -1 when 2^32 objects are taken. */
static int new_object(struct repairer *r, struct trace_event *ev)
{
    if (r->next_id == UINT32_MAX)
        return -1;
    r->state[ev->id] = LIVE;
    r->out_id[ev->id] = r->next_id;
    ev->id = r->next_id++;
    return 0;
}

/* Fixes the allocation ev in place: 1 to keep it, 0 to drop it, -1 when ids run out. */
static int fix_alloc(struct repairer *r, struct trace_event *ev)
{
    uint64_t *c = r->rep->count;
    if (ev->size > TRACE_MAX_SIZE)
        return c[TRACE_REPAIR_HUGE_SIZE]++, 0;
    if (ev->size == 0)
        ev->size = 1, c[TRACE_REPAIR_ZERO_SIZE]++;
    if (ev->op != TRACE_ALIGNED && ev->align_log2)
        ev->align_log2 = 0, c[TRACE_REPAIR_STRAY_ALIGN]++;
    if (ev->align_log2 > TRACE_MAX_ALIGN_LOG2)
        ev->align_log2 = TRACE_MAX_ALIGN_LOG2, c[TRACE_REPAIR_HUGE_ALIGN]++;
    if (r->state[ev->id] == LIVE)
        c[TRACE_REPAIR_ALLOC_LIVE]++;
    return new_object(r, ev) == 0 ? 1 : -1;
}

/* Fixes the realloc or free ev in place: 1 to keep it, 0 to drop it, -1 when ids run out. */
static int fix_other(struct repairer *r, struct trace_event *ev)
{
    uint64_t *c = r->rep->count;
    if (ev->align_log2)
        ev->align_log2 = 0, c[TRACE_REPAIR_STRAY_ALIGN]++;
    if (ev->op == TRACE_REALLOC) {
        if (ev->size > TRACE_MAX_SIZE)
            return c[TRACE_REPAIR_HUGE_SIZE]++, 0;
        if (ev->size == 0) {
            ev->op = TRACE_FREE;
            c[TRACE_REPAIR_REALLOC_ZERO]++;
        } else if (r->state[ev->id] != LIVE) {
            c[r->state[ev->id] == NEVER ? TRACE_REPAIR_REALLOC_UNKNOWN
                                        : TRACE_REPAIR_REALLOC_FREED]++;
            ev->op = TRACE_ALLOC;
            return new_object(r, ev) == 0 ? 1 : -1;
        }
    }
    if (ev->op == TRACE_FREE && ev->size)
        ev->size = 0, c[TRACE_REPAIR_FREE_SIZE]++;
    if (r->state[ev->id] != LIVE) {
        c[r->state[ev->id] == NEVER ? TRACE_REPAIR_FREE_UNKNOWN : TRACE_REPAIR_DOUBLE_FREE]++;
        return 0;
    }
    if (ev->op == TRACE_FREE)
        r->state[ev->id] = FREED;
    ev->id = r->out_id[ev->id];
    return 1;
}

static int carry_exits(const struct trace *in, struct trace_builder *b)
{
    for (uint32_t k = 0; in->thread_exits && k < in->n_threads; k++)
        if (in->thread_exits[k] != TRACE_TIME_NONE &&
            trace_builder_thread_exit(b, (uint16_t)k, in->thread_exits[k]) != 0)
            return -1;
    return 0;
}

int trace_repair(const struct trace *in, struct trace *out, struct trace_repair_report *rep,
                 struct trace_error *err)
{
    memset(rep, 0, sizeof *rep);
    memset(out, 0, sizeof *out);
    struct repairer r = {.rep = rep};
    struct trace_builder b;
    trace_builder_init(&b);
    size_t n = in->n_ids ? in->n_ids : 1;
    r.state = calloc(n, 1);
    r.out_id = malloc(n * sizeof *r.out_id);
    int rc = r.state && r.out_id ? 0 : -1;
    const char *why = "out of memory";
    for (uint64_t i = 0; rc == 0 && i < in->n_events; i++) {
        struct trace_event ev = in->events[i];
        int keep = ev.op <= TRACE_ALIGNED ? fix_alloc(&r, &ev) : fix_other(&r, &ev);
        if (keep < 0)
            rc = -1, why = "more than 2^32-1 objects";
        else if (keep && (in->times ? trace_builder_push_timed(&b, &ev, in->times[i],
                                                               in->durations ? in->durations[i]
                                                                             : TRACE_TIME_NONE)
                                    : trace_builder_push(&b, &ev)) != 0)
            rc = -1;
    }
    if (rc == 0 && (carry_exits(in, &b) != 0 ||
                    trace_builder_finish(&b, in->name, in->description, out) != 0))
        rc = -1;
    free(r.state);
    free(r.out_id);
    trace_builder_discard(&b);
    return rc ? trace__fail(err, "%s: %s while repairing", in->name ? in->name : "trace", why) : 0;
}
