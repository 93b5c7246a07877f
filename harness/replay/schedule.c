/* The threaded replay's schedule (schedule.h). */
#include "schedule.h"

#include "replay/os.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define TABLES(X)                                                                              \
    X(pthread_of, SCHEDULE_MAX_THREADS)                                                        \
    X(thread_of, s->n_threads)                                                                 \
    X(first, (size_t)s->n_threads + 1)                                                         \
    X(order, s->n_events)                                                                      \
    X(obj_dep, s->n_events)                                                                    \
    X(pos, s->n_events)                                                                        \
    X(first_event, s->n_threads)                                                               \
    X(end_order, s->n_threads)                                                                 \
    X(last_event, s->n_threads)                                                                \
    X(image_start, s->n_threads)

void replay_schedule_release(struct replay_schedule *s)
{
#define FREE(name, count) os_table_free(s->name, (size_t)(count) * sizeof *s->name);
    TABLES(FREE)
#undef FREE
    memset(s, 0, sizeof *s);
}

/* Pass 3 of replay_schedule_build: the per-pthread lists, the object dependencies, the end
 * order and the image starts. COUNT holds each pthread's fill cursor; LAST_POS is zeroed. */
static void fill_lists(struct replay_schedule *s, const struct trace_event *events,
                       uint64_t *count, uint64_t *last_pos)
{
    /* An image starts at event i when every pthread started before i has ended (open == 0) and
     * no object is live. */
    uint64_t live = 0;
    uint32_t open = 0, ended = 0;
    for (uint64_t i = 0; i < s->n_events; i++) {
        const struct trace_event *ev = &events[i];
        const uint32_t p = s->pthread_of[ev->thread];
        if (i == s->first_event[p]) {
            s->image_start[p] = open == 0 && live == 0;
            open++;
        }
        const uint64_t k = count[p]++;
        s->order[k] = i;
        s->pos[i] = (uint32_t)(k - s->first[p]);
        const uint64_t prev = last_pos[ev->id];
        s->obj_dep[k] = SCHEDULE_DEP_NONE;
        if (prev) {
            const uint64_t pk = prev - 1;
            const uint32_t pp = s->pthread_of[events[s->order[pk]].thread];
            if (pp != p)
                s->obj_dep[k] = SCHEDULE_DEP(pp, pk - s->first[pp] + 1);
        }
        last_pos[ev->id] = k + 1;
        live += ev->op == TRACE_ALLOC || ev->op == TRACE_CALLOC || ev->op == TRACE_ALIGNED;
        live -= ev->op == TRACE_FREE;
        if (i == s->last_event[p]) {
            s->end_order[ended++] = p;
            open--;
        }
    }
}

int replay_schedule_build(struct replay_schedule *s, const struct trace_event *events,
                          uint64_t n_events, uint32_t n_ids, char *err, size_t err_len)
{
    memset(s, 0, sizeof *s);
    s->n_ids = n_ids;
    s->n_events = n_events;
    /* Scratch: per thread number, seen yet; per id, the position (in order) of its last
     * event + 1 (0: none yet) and whether it is live. */
    const size_t seen_bytes = SCHEDULE_MAX_THREADS;
    const size_t last_bytes = (size_t)n_ids * sizeof(uint64_t);
    uint8_t *seen = os_table_alloc(seen_bytes);
    uint64_t *last_pos = os_table_alloc(last_bytes);
    uint64_t *count = NULL;
    size_t count_bytes = 0;
    int rc = -1;
    s->pthread_of = os_table_alloc(SCHEDULE_MAX_THREADS * sizeof *s->pthread_of);
    if (!seen || !last_pos || !s->pthread_of)
        goto nomem;

    /* Pass 1: pthreads in the order of their first event. */
    for (uint64_t i = 0; i < n_events; i++) {
        const uint16_t t = events[i].thread;
        if (!seen[t]) {
            seen[t] = 1;
            s->pthread_of[t] = (uint16_t)s->n_threads++;
        }
    }
    count_bytes = (size_t)s->n_threads * sizeof *count;
    count = os_table_alloc(count_bytes);
#define ALLOC(name, n)                                                                         \
    if (!s->name && !(s->name = os_table_alloc_big((size_t)(n) * sizeof *s->name)))            \
        goto nomem;
    TABLES(ALLOC)
#undef ALLOC
    if (!count)
        goto nomem;
    for (uint32_t t = 0; t < SCHEDULE_MAX_THREADS; t++)
        if (seen[t])
            s->thread_of[s->pthread_of[t]] = (uint16_t)t;

    /* Pass 2: events, first and last event of each pthread. */
    for (uint64_t i = 0; i < n_events; i++) {
        const uint32_t p = s->pthread_of[events[i].thread];
        if (count[p] == UINT32_MAX) {
            snprintf(err, err_len, "thread %u has more than %u events; --threads cannot order them",
                     events[i].thread, UINT32_MAX - 1);
            goto out;
        }
        if (count[p]++ == 0)
            s->first_event[p] = i;
        s->last_event[p] = i;
    }
    uint64_t at = 0;
    for (uint32_t p = 0; p < s->n_threads; p++) {
        s->first[p] = at;
        at += count[p];
        count[p] = s->first[p]; /* now each pthread's fill cursor */
    }
    s->first[s->n_threads] = at;
    fill_lists(s, events, count, last_pos);
    for (uint32_t p = 0; p < s->n_threads; p++)
        s->n_images += s->image_start[p];
    rc = 0;
    goto out;

nomem:
    snprintf(err, err_len, "cannot map the thread schedule for %llu events: %s",
             (unsigned long long)n_events, strerror(errno));
out:
    os_table_free(seen, seen_bytes);
    os_table_free(last_pos, last_bytes);
    os_table_free(count, count_bytes);
    if (rc)
        replay_schedule_release(s);
    return rc;
}
