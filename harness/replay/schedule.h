/* The schedule of a threaded replay (docs/metrics.md, "Threaded replay"), computed from the
 * events alone before the backend exists: which pthread replays which events, what each
 * event must wait for, and when each pthread starts and ends.
 *
 * Every trace thread number that has events becomes one pthread (up to all 65,536 the
 * format allows), numbered in the order of its first event. A pthread's events are kept in
 * trace order; "done" of a pthread counts its events completed so far, so "event e is
 * complete" reads "done of e's pthread > e's position in its list".
 *
 * Waits of the event at global index i (on pthread P):
 * - the previous event on the same object, when another pthread replays it (obj_dep): an
 *   object is never freed before it is allocated, nor reallocated out of turn;
 * - the window (window.h): every event before its limit in the recorded order, found at run
 *   time from each pthread's progress (the frontier);
 * - its own pthread's earlier events, by construction.
 *
 * Lifetimes: pthread P is started once the event before its first one is complete and the
 * pthreads whose last event comes before P's first have been joined; it exits after its last
 * event. So no more pthreads exist at once than trace threads overlapped in the recording.
 * A point of the trace where no thread has events on both sides and no object is live
 * starts a new image (the process images of a --follow-forks recording are such points:
 * each image has its own thread numbers and the recorder frees what an image left live at
 * its end); by the rule above the images never run concurrently. */
#ifndef ALLOCREPLAY_SCHEDULE_H
#define ALLOCREPLAY_SCHEDULE_H

#include "trace/trace.h"

#include <stddef.h>
#include <stdint.h>

#define SCHEDULE_MAX_THREADS 65536u /* trace_event.thread is 16 bits */
#define SCHEDULE_DEP_NONE UINT64_MAX
/* A dependency: the pthread and how many of its events must be done. */
#define SCHEDULE_DEP(pthread, count) ((uint64_t)(pthread) << 32 | (uint32_t)(count))
#define SCHEDULE_DEP_THREAD(dep) ((uint32_t)((dep) >> 32))
#define SCHEDULE_DEP_COUNT(dep) ((uint32_t)(dep))

struct replay_schedule {
    uint64_t n_events;
    uint32_t n_ids;
    uint32_t n_threads;    /* pthreads = thread numbers with events */
    uint32_t n_images;     /* image starts found (1 for a trace with events) */
    uint16_t *pthread_of;  /* 65,536 entries: trace thread number -> pthread */
    uint16_t *thread_of;   /* n_threads: pthread -> trace thread number */
    uint64_t *first;       /* n_threads + 1 offsets into order and obj_dep */
    uint64_t *order;       /* n_events: event indices grouped by pthread, in trace order */
    uint64_t *obj_dep;     /* parallel to order: SCHEDULE_DEP(...) or SCHEDULE_DEP_NONE */
    uint32_t *pos;         /* n_events, by event index: its position in its pthread's list */
    uint64_t *first_event; /* n_threads: event index of each pthread's first event */
    uint32_t *end_order;   /* n_threads: pthreads in the order of their last event */
    uint64_t *last_event;  /* n_threads: event index of each pthread's last event */
    uint8_t *image_start;  /* n_threads: 1 when the pthread's first event starts an image */
};

/* Computes the schedule of n_events events on ids below n_ids. Returns 0, or -1 with one line
 * in err (a thread or an object with 2^32 events or more, or no memory for the tables). */
int replay_schedule_build(struct replay_schedule *s, const struct trace_event *events,
                          uint64_t n_events, uint32_t n_ids, char *err, size_t err_len);

void replay_schedule_release(struct replay_schedule *s);

#endif
