/* The threaded throughput pass (`allocreplay run --threads`, docs/metrics.md).
 *
 * A trace recorded from a multi-threaded program numbers the thread of each event. This pass
 * gives every thread number that has events its own pthread; each replays only its own events,
 * in trace order, through the same backend operations as the single-threaded pass, while the
 * threads otherwise run concurrently as the recorded program did.
 *
 * Order per object is kept across threads: before the timed region, each event gets the
 * number of earlier events on its id (its turn); during the replay, a per-id counter of
 * completed events is bumped (release) after each event, and a thread waits (acquire) until
 * the counter of its next event's id reaches that event's turn. So an object allocated on one
 * thread and freed on another is never freed first, and its reallocs stay in order; events
 * on different ids never wait for each other.
 *
 * Only thread-safe backends (ALLOCATOR_THREAD_SAFE) may run this pass. The single-threaded
 * loops of replay.c are untouched by it.
 */
#ifndef ALLOCREPLAY_REPLAY_THREADS_H
#define ALLOCREPLAY_REPLAY_THREADS_H

#include "replay/replay.h"
#include "trace/trace.h"

#include <stddef.h>
#include <stdint.h>

/* More thread numbers with events than this is refused: each becomes a pthread. */
#define REPLAY_MAX_THREADS 256

/* The schedule of a threaded replay, computed from the events alone. Every table is mmap'd
 * and pre-touched (os_table_alloc), never taken from the backend being measured. */
struct replay_schedule {
    uint32_t n_threads;  /* thread numbers that have events (the pthreads to start) */
    uint16_t *thread_of; /* n_threads entries: the trace thread number of each pthread */
    uint64_t *first;     /* n_threads + 1 offsets into order and turn */
    uint64_t *order;     /* n_events event indices, grouped by thread, trace order within one */
    uint32_t *turn;      /* parallel to order: events on the same id before that event */
    uint32_t n_ids;
    uint64_t n_events;
};

/* Computes the schedule of n_events events on ids below n_ids. Returns 0, or -1 with one line
 * in err (more than REPLAY_MAX_THREADS thread numbers, an id with 2^32 events or more, or no
 * memory for the tables). A trace whose events all have one thread number gets n_threads 1;
 * the caller then replays it with the single-threaded pass. */
int replay_schedule_build(struct replay_schedule *s, const struct trace_event *events,
                          uint64_t n_events, uint32_t n_ids, char *err, size_t err_len);

void replay_schedule_release(struct replay_schedule *s);

/* Runs the throughput pass of r (prepared by replay_init for REPLAY_THROUGHPUT) on
 * s->n_threads pthreads, in loops until r->cfg.min_time_ns is reached as replay_run does.
 * Each loop is timed from the release of the start barrier (the earliest thread's first clock
 * read) to the last thread's end; r->wall_ns sums the loops, r->loops counts them. Returns 0,
 * -1 with r->fail_event, fail_id and reason set (the backend returned NULL), or -1 with
 * r->reason set when a thread cannot be started. */
int replay_threads_run(struct replay *r, const struct replay_schedule *s);

#endif
