/* Threaded passes (`allocreplay run --threads`, docs/metrics.md, "Threaded replay"): every pass
 * (throughput, latency, memory, verify) replayed with each trace thread on its own pthread,
 * alive from its first event to its last, events ordered by the schedule (schedule.h): each
 * object's events in order, and each event after every event before its window's limit in
 * the recorded order (window.h; the limits of the auto window are computed here, before the
 * pass starts).
 *
 * - throughput: wall time from the start of the first thread to the join of the last,
 *   thread starts and exits included (the program started and ended those threads too); in
 *   loops until cfg.min_time_ns, as the single-threaded pass;
 * - latency: each pthread records into its own histograms, merged when it ends;
 * - memory: live bytes counted as the events actually complete (so the peak is the replay's,
 *   exactly the trace's under strict order); live bytes, footprint and RSS sampled by the
 *   thread that completes every rss_every-th event (and the trace's event of peak live);
 * - verify: as single-threaded, per block.
 *
 * Only thread-safe backends (ALLOCATOR_THREAD_SAFE) may run these passes. A thread waiting
 * for its turn sleeps on a futex of its own and is woken when it can run, and no more replay
 * threads are kept awake than there are CPUs (wait.c): it never holds a CPU another replay
 * thread needs. The single-threaded loops of replay.c are unchanged by all this. */
#ifndef ALLOCREPLAY_REPLAY_THREADS_H
#define ALLOCREPLAY_REPLAY_THREADS_H

#include "replay/replay.h"
#include "schedule.h"


/* Runs r's pass (prepared by replay_init) on the pthreads of schedule s, built from the same
 * events. At the start of each image after the first (schedule.h) the backend context is
 * destroyed and created again with opt, so an image starts on as fresh a heap as the backend
 * allows (opt NULL: the context is kept). Returns 0; or -1 with r->fail_event, fail_id and
 * reason set (the backend returned NULL, verify found a mismatch), or with r->reason set
 * (a thread cannot be started, the backend cannot be created again). */
int replay_threads_run(struct replay *r, const struct replay_schedule *s,
                       const struct allocator_options *opt);

#endif
