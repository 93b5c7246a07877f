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
    [TRACE_REPAIR_TIME_BACK] = {"time before its thread's previous event, raised to it", 0},
    [TRACE_REPAIR_TIME_HUGE] = {"time past 2^62 ns, set to its thread's previous", 0},
    [TRACE_REPAIR_DURATION_HUGE] = {"duration past 2^62 ns, made unknown", 0},
    [TRACE_REPAIR_EXIT_EARLY] = {"thread exit before its last event (or past 2^62 ns), raised to it",
                                 0},
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
    uint64_t *last;   /* per thread: the time of its last kept event (0 before its first) */
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

/* Brings a kept event's time and duration within the rules of docs/trace-format.md ("Time"):
 * per thread never decreasing, both at most TRACE_MAX_TIME. Times are read unchecked with
 * keep_invalid. */
static void fix_time(struct repairer *r, uint16_t thread, uint64_t *time, uint64_t *duration)
{
    uint64_t *c = r->rep->count;
    if (*time > TRACE_MAX_TIME)
        *time = r->last[thread], c[TRACE_REPAIR_TIME_HUGE]++;
    else if (*time < r->last[thread])
        *time = r->last[thread], c[TRACE_REPAIR_TIME_BACK]++;
    r->last[thread] = *time;
    if (*duration != TRACE_TIME_NONE && *duration > TRACE_MAX_TIME)
        *duration = TRACE_TIME_NONE, c[TRACE_REPAIR_DURATION_HUGE]++;
}

static int carry_exits(struct repairer *r, const struct trace *in, struct trace_builder *b)
{
    for (uint32_t k = 0; in->thread_exits && k < in->n_threads; k++) {
        uint64_t t = in->thread_exits[k];
        if (t == TRACE_TIME_NONE)
            continue;
        if (t > TRACE_MAX_TIME || t < r->last[k])
            t = r->last[k], r->rep->count[TRACE_REPAIR_EXIT_EARLY]++;
        if (trace_builder_thread_exit(b, (uint16_t)k, t) != 0)
            return -1;
    }
    return 0;
}

/* Fixes event i of in and appends it to b unless it is dropped: 0, or -1 with *why. */
static int repair_event(struct repairer *r, const struct trace *in, uint64_t i,
                        struct trace_builder *b, const char **why)
{
    struct trace_event ev = in->events[i];
    int keep = ev.op <= TRACE_ALIGNED ? fix_alloc(r, &ev) : fix_other(r, &ev);
    if (keep < 0) {
        *why = "more than 2^32-1 objects";
        return -1;
    }
    if (!keep)
        return 0;
    if (!in->times)
        return trace_builder_push(b, &ev);
    uint64_t time = in->times[i], duration = in->durations ? in->durations[i] : TRACE_TIME_NONE;
    fix_time(r, ev.thread, &time, &duration);
    return trace_builder_push_timed(b, &ev, time, duration);
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
    r.last = calloc((size_t)in->n_threads + 1, sizeof *r.last);
    int rc = r.state && r.out_id && r.last ? 0 : -1;
    const char *why = "out of memory";
    for (uint64_t i = 0; rc == 0 && i < in->n_events; i++)
        rc = repair_event(&r, in, i, &b, &why);
    if (rc == 0 && (carry_exits(&r, in, &b) != 0 ||
                    trace_builder_finish(&b, in->name, in->description, out) != 0))
        rc = -1;
    free(r.state);
    free(r.out_id);
    free(r.last);
    trace_builder_discard(&b);
    return rc ? trace__fail(err, "%s: %s while repairing", in->name ? in->name : "trace", why) : 0;
}
