/* Paced replay (docs/metrics.md, "Paced replay"): a pass that reproduces the recorded idle
 * time between a timed trace's events instead of running them back to back, so that an
 * allocator's time-based purging (jemalloc's decay, mimalloc's purge delay) shows.
 *
 * The schedule is absolute: event i may start once the pass has run for times[i] / factor ns
 * (times[i]: its recorded start, ns since the trace's start). A thread that is early waits
 * (sleeps for long gaps, spins for the last PACE_SPIN_NS); a thread that is late (its calls
 * took longer than recorded, or it did not get a CPU) starts at once. So the replay's own call
 * time is never added to the recorded gaps, and lateness does not accumulate: a pass lasts
 * the recorded duration / factor, or more only by the lateness of its last event. The lag of
 * each event (how late it started) is kept, its largest and mean value reported.
 *
 * The memory pass, paced, also samples on a time grid: every grid_ns of the pass, from
 * whichever thread finds a grid point passed (a thread waiting for its next event wakes for
 * it), so the samples show memory through idle periods too.
 */
#ifndef ALLOCREPLAY_PACE_H
#define ALLOCREPLAY_PACE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Speed factors accepted by pace_parse: from a thousandth of the recorded speed to a
 * million times it. */
#define PACE_MIN_FACTOR 1e-3
#define PACE_MAX_FACTOR 1e6

/* A gap shorter than this is spun, not slept: a sleep's wake-up takes tens of microseconds
 * (more on a busy machine); the last part of a longer gap is spun too. */
#define PACE_SPIN_NS 50000u

/* The grid of a paced memory pass when none is asked for: this many points over the paced
 * duration, at most one per PACE_MIN_GRID_NS; and never more points than PACE_MAX_GRID. */
#define PACE_AUTO_GRID_POINTS 1000u
#define PACE_MIN_GRID_NS 1000000u
#define PACE_MAX_GRID 1000000u

/* "recorded" (factor 1) or "Nx": N a decimal number of times the recorded speed, from
 * PACE_MIN_FACTOR to PACE_MAX_FACTOR ("10x", "0.5x", "1x" = recorded). Returns 0 with
 * *factor set, or -1. */
int pace_parse(const char *s, double *factor);

/* The canonical name of a factor: "recorded" for 1, else "%gx" ("10x", "0.5x"), as the
 * summary's pace column and meta.yaml write it. */
void pace_format(double factor, char *out, size_t len);

/* What a thread does next while it waits for an event due at `due` (os_clock_ns time), with
 * the clock at `now` and the next grid point at `grid` (UINT64_MAX: none). */
enum pace_step {
    PACE_GO,    /* due or late: replay the event */
    PACE_SPIN,  /* due within PACE_SPIN_NS: spin and look again */
    PACE_SLEEP, /* sleep until *until (a grid point, or PACE_SPIN_NS before due) */
};
enum pace_step pace_next_step(uint64_t now, uint64_t due, uint64_t grid, uint64_t *until);

struct pace {
    const uint64_t *times; /* per event, recorded start (ns since the trace's start) */
    double inv_factor;     /* 1 / factor */
    uint64_t duration_ns;  /* the latest recorded time / factor: how long the pass should last */
    uint64_t start_ns;     /* os_clock_ns at the pass's start (pace_start) */
    uint64_t elapsed_ns;   /* set at the pass's end: how long it lasted */
    uint64_t grid_ns;      /* time-grid sampling interval; 0 = none */
    _Atomic uint64_t next_grid;  /* os_clock_ns time of the next grid sample; UINT64_MAX: none */
    _Atomic uint64_t grid_left;  /* grid samples the sample table has room for */
    _Atomic uint64_t lag_max, lag_sum; /* ns each event started after its due time */
};

/* Sets p up for n_events events with recorded starts times[] (which must outlive p), played
 * at factor times the recorded speed; end_ns: the trace's recorded end when later than its
 * last event (0 = none). grid_ns: the time-grid interval of a memory pass (0 = automatic,
 * PACE_AUTO_GRID_POINTS over the duration; no_grid: none at all, for other passes). Returns
 * the number of grid samples the caller must have room for. */
uint64_t pace_init(struct pace *p, const uint64_t *times, uint64_t n_events, double factor,
                   uint64_t end_ns, uint64_t grid_ns, int no_grid);

/* Starts the pass's clock: call right before the first event. */
void pace_start(struct pace *p);

/* When event i is due (os_clock_ns time). */
static inline uint64_t pace_due(const struct pace *p, uint64_t i)
{
    return p->start_ns + (uint64_t)((double)p->times[i] * p->inv_factor);
}

/* 1 when a grid point has passed at `now` and the caller should take the sample (the grid
 * then moves past now; of threads racing for one point exactly one gets 1), 0 otherwise. */
int pace_grid_claim(struct pace *p, uint64_t now);

/* Counts an event that started lag ns after its due time. */
void pace_note_lag(struct pace *p, uint64_t lag);

#endif
