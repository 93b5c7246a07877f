/* The ordering window of a threaded replay (docs/metrics.md, "Threaded replay"): how much of
 * the recorded order must be complete before an event may start.
 *
 * The frontier is the first event, in recorded order, not yet complete. Event i may start once
 * the frontier has reached its limit lim(i) <= i (every event before lim(i) is complete), and
 * after its object's previous event (schedule.h). By window:
 * - a count W: lim(i) = i - W + 1, every event W or more places before i is complete (W = 1,
 *   strict: every earlier event is);
 * - free: no limit;
 * - auto (the default): the loosest limits under which the replay's live bytes can never
 *   exceed the trace's peak P by more than P / REPLAY_WINDOW_SLACK, with the event of the
 *   trace's peak run alone (every earlier event complete, no later one started), so the
 *   replay reaches P exactly there: peak_live_bytes is within [P, P + 1%] by construction.
 *
 * Why the bound holds: while the frontier is m, the events that may have started are those
 * with lim(i) <= m, an interval [m, g(m)) when lim is non-decreasing. Every event before m is
 * complete, so live bytes are at most L(m - 1) (the trace's live bytes after event m - 1)
 * plus the increases (allocations, growing reallocs) in [m, g(m)). auto takes for each m the
 * largest g(m) keeping that sum within P + P / 100 (g is non-decreasing in m), and
 * lim(i) = the smallest m with g(m) > i; lim(i) >= i - REPLAY_WINDOW_MAX_BACK, so one 16-bit
 * distance per event holds it. */
#ifndef ALLOCREPLAY_WINDOW_H
#define ALLOCREPLAY_WINDOW_H

#include "schedule.h"
#include "trace/trace.h"

#include <stddef.h>
#include <stdint.h>

#define REPLAY_WINDOW_SLACK 100u       /* auto: live bytes at most P + P / 100 */
#define REPLAY_WINDOW_MAX_BACK 65535u /* auto: an event at most this far ahead of the frontier */

/* The limits of an auto window: back[k] = i - lim(i) for the event i = s->order[k] (so a
 * thread reads its own events' limits in sequence). */
struct replay_window {
    uint16_t *back;
    uint64_t n_events;
};

/* Computes the auto window of the events scheduled in s. Returns 0, or -1 with one line in err
 * (no memory for the tables). */
int replay_window_build(struct replay_window *w, const struct replay_schedule *s,
                        const struct trace_event *events, char *err, size_t err_len);

void replay_window_release(struct replay_window *w);

#endif
