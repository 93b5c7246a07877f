/* The trace model: op and problem names, and the growable builder every reader uses. */
#include "trace/trace.h"

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

int trace_builder_push(struct trace_builder *b, const struct trace_event *ev)
{
    if (b->n_events == b->capacity) {
        uint64_t cap = b->capacity ? b->capacity * 2 : 4096;
        struct trace_event *grown = realloc(b->events, cap * sizeof *grown);
        if (!grown)
            return -1;
        b->events = grown;
        b->capacity = cap;
    }
    b->events[b->n_events++] = *ev;
    if (ev->id >= b->max_id_plus_one)
        b->max_id_plus_one = ev->id + 1;
    if ((uint32_t)ev->thread >= b->max_thread_plus_one)
        b->max_thread_plus_one = (uint32_t)ev->thread + 1;
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
    trace_builder_init(b);
    return 0;
}

void trace_builder_discard(struct trace_builder *b)
{
    free(b->events);
    trace_builder_init(b);
}

void trace_release(struct trace *t)
{
    if (t->map)
        munmap(t->map, t->map_len);
    free(t->owned_events);
    free(t->name);
    free(t->description);
    memset(t, 0, sizeof *t);
}
