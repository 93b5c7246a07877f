/* The trace model: op and problem names, and the growable builder every reader uses. */
#include "trace/trace.h"
#include "trace_io.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const char *const op_names[TRACE_OP_COUNT] = {"alloc", "calloc", "aligned", "realloc", "free"};

static const char *const problem_names[TRACE_PROBLEM_COUNT] = {
    "use before alloc", "double free", "alloc of a live id", "bad size", "bad alignment",
    "free of an unknown address",
};

const char *trace_op_name(enum trace_op op)
{
    return (unsigned)op < TRACE_OP_COUNT ? op_names[op] : "?";
}

int trace_op_parse(const char *name, enum trace_op *op)
{
    for (int i = 0; i < TRACE_OP_COUNT; i++)
        if (!strcmp(name, op_names[i])) {
            *op = (enum trace_op)i;
            return 0;
        }
    return -1;
}

const char *trace_problem_name(enum trace_problem p)
{
    return (unsigned)p < TRACE_PROBLEM_COUNT ? problem_names[p] : "?";
}

void trace_builder_init(struct trace_builder *b)
{
    memset(b, 0, sizeof *b);
}

/* Drops the times: a trace is timed only when every event is. */
static void drop_times(struct trace_builder *b)
{
    free(b->times);
    free(b->durations);
    b->times = b->durations = NULL;
    b->untimed = 1;
}

static int grow(struct trace_builder *b)
{
    uint64_t cap = b->capacity ? b->capacity * 2 : 4096;
    struct trace_event *grown = realloc(b->events, cap * sizeof *grown);
    if (!grown)
        return -1;
    b->events = grown;
    if (b->times) {
        uint64_t *t = realloc(b->times, cap * sizeof *t);
        if (t)
            b->times = t;
        uint64_t *d = t ? realloc(b->durations, cap * sizeof *d) : NULL;
        if (d)
            b->durations = d;
        if (!t || !d)
            return -1;
    }
    b->capacity = cap;
    return 0;
}

int trace_builder_push(struct trace_builder *b, const struct trace_event *ev)
{
    if (b->times)
        drop_times(b);
    if (b->n_events == b->capacity && grow(b) != 0)
        return -1;
    b->events[b->n_events++] = *ev;
    if (ev->id >= b->max_id_plus_one)
        b->max_id_plus_one = ev->id + 1;
    if ((uint32_t)ev->thread >= b->max_thread_plus_one)
        b->max_thread_plus_one = (uint32_t)ev->thread + 1;
    return 0;
}

int trace_builder_push_timed(struct trace_builder *b, const struct trace_event *ev, uint64_t time,
                             uint64_t duration)
{
    if (b->untimed || (b->n_events && !b->times))
        return (b->untimed = 1, trace_builder_push(b, ev));
    if (!b->times) {
        b->times = malloc((b->capacity ? b->capacity : 1) * sizeof *b->times);
        b->durations = malloc((b->capacity ? b->capacity : 1) * sizeof *b->durations);
        if (!b->times || !b->durations) {
            drop_times(b);
            return -1;
        }
    }
    if (b->n_events == b->capacity && grow(b) != 0)
        return -1;
    b->times[b->n_events] = time;
    b->durations[b->n_events] = duration;
    uint64_t *times = b->times;
    b->times = NULL; /* so that the push below keeps them */
    int rc = trace_builder_push(b, ev);
    b->times = times;
    return rc;
}

int trace_builder_thread_exit(struct trace_builder *b, uint16_t thread, uint64_t time)
{
    if (thread >= b->n_thread_exits) {
        uint32_t n = (uint32_t)thread + 1;
        uint64_t *grown = realloc(b->thread_exits, n * sizeof *grown);
        if (!grown)
            return -1;
        for (uint32_t k = b->n_thread_exits; k < n; k++)
            grown[k] = TRACE_TIME_NONE;
        b->thread_exits = grown;
        b->n_thread_exits = n;
    }
    b->thread_exits[thread] = time;
    if ((uint32_t)thread >= b->max_thread_plus_one)
        b->max_thread_plus_one = (uint32_t)thread + 1;
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int trace_builder_finish(struct trace_builder *b, const char *name, const char *description,
                         struct trace *out)
{
    memset(out, 0, sizeof *out);
    out->name = dup_or_null(name);
    out->description = dup_or_null(description);
    if ((name && !out->name) || (description && !out->description)) {
        free(out->name);
        free(out->description);
        return -1;
    }
    out->owned_events = b->events;
    out->events = b->events;
    out->n_events = b->n_events;
    out->n_ids = b->max_id_plus_one;
    out->n_threads = b->max_thread_plus_one ? b->max_thread_plus_one : 1;
    /* Thread exits: one entry per thread of the trace, or none. */
    if (b->thread_exits) {
        uint64_t *all = realloc(b->thread_exits, out->n_threads * sizeof *all);
        if (!all) {
            free(out->name);
            free(out->description);
            memset(out, 0, sizeof *out);
            return -1; /* b keeps everything: the caller discards it */
        }
        for (uint32_t k = b->n_thread_exits; k < out->n_threads; k++)
            all[k] = TRACE_TIME_NONE;
        out->thread_exits = all;
    }
    if (b->times && b->n_events) {
        out->times = b->times;
        int any_duration = 0;
        for (uint64_t i = 0; i < b->n_events && !any_duration; i++)
            any_duration = b->durations[i] != TRACE_TIME_NONE;
        if (any_duration)
            out->durations = b->durations;
        else
            free(b->durations);
    } else {
        free(b->times);
        free(b->durations);
    }
    b->events = NULL, b->times = b->durations = b->thread_exits = NULL;
    trace_builder_init(b);
    return 0;
}

void trace_builder_discard(struct trace_builder *b)
{
    free(b->events);
    free(b->times);
    free(b->durations);
    free(b->thread_exits);
    trace_builder_init(b);
}

void trace_drop_times(struct trace *t)
{
    free(t->times);
    free(t->durations);
    free(t->thread_exits);
    t->times = t->durations = t->thread_exits = NULL;
}

uint64_t trace_checksum(const struct trace *t)
{
    struct trace_checksum c;
    trace__checksum_init(&c);
    /* The events alone give the binary header's records checksum. A later piece after an odd
     * number of events starts a new zero-padded block: still one fixed value per trace. */
    if (t->has_events_sum) {
        memcpy(c.lane, t->events_sum, sizeof c.lane);
        c.length = t->events_sum[4];
    } else {
        trace__checksum_update(&c, t->events, t->n_events * sizeof *t->events);
    }
    if (t->times) {
        trace__checksum_update(&c, t->times, t->n_events * sizeof *t->times);
        if (t->durations)
            trace__checksum_update(&c, t->durations, t->n_events * sizeof *t->durations);
        if (t->thread_exits)
            trace__checksum_update(&c, t->thread_exits, t->n_threads * sizeof *t->thread_exits);
    }
    return trace__checksum_final(&c);
}

void trace_release(struct trace *t)
{
    if (t->map)
        munmap(t->map, t->map_len);
    free(t->owned_events);
    free(t->times);
    free(t->durations);
    free(t->thread_exits);
    free(t->name);
    free(t->description);
    memset(t, 0, sizeof *t);
}
