/* The replay engine: runs one pass of a trace's events against one backend
 * (docs/architecture.md, docs/metrics.md).
 *
 * Per object id the engine keeps one 16-byte slot (pointer, requested size and alignment) in a
 * flat table indexed by id: one cache line touched per event, no hashing. All tables are
 * mmap'd and pre-touched by replay_init, outside any measured region, and never come from the
 * allocator being measured.
 *
 * Passes:
 * - throughput: the events back to back, no timer, no writes to blocks (unless touch);
 * - latency: each operation bracketed by fenced TSC reads (or clock_gettime where no usable
 *   TSC exists), the timer's own cost subtracted, one histogram per operation kind;
 * - memory: each new or grown block written once per page and at its last byte; live bytes,
 *   backend footprint and RssAnon sampled every rss_every events and at the event of peak
 *   live bytes; paced (pace.h), also on a time grid, and the idle time between events kept;
 * - verify: every block filled with an id-derived pattern and checked at free and realloc.
 * Each pass is its own specialisation of one inline loop, so an option that is off costs no
 * branch per event.
 */
#ifndef ALLOCREPLAY_REPLAY_H
#define ALLOCREPLAY_REPLAY_H

#include "allocreplay/allocator.h"
#include "replay/histogram.h"
#include "replay/os.h"
#include "replay/pace.h"
#include "trace/trace.h"

#include <stddef.h>
#include <stdint.h>

enum replay_pass { REPLAY_THROUGHPUT, REPLAY_LATENCY, REPLAY_MEMORY, REPLAY_VERIFY };

const char *replay_pass_name(enum replay_pass p); /* "throughput", ... */

/* The ordering window of threaded passes (harness/replay/window.h): a count of events W (an
 * event starts once every event W or more places before it is complete; 1 = strict recorded
 * order), 0 = free-running (each object's order only), or REPLAY_WINDOW_AUTO (the default:
 * the loosest order that keeps live bytes within 1% of the trace's peak and reaches it). */
#define REPLAY_WINDOW_AUTO UINT32_MAX
/* The window from its name: "auto", "strict", "free" or a count of events >= 1. Returns 0 or
 * -1 (not one of those). */
int replay_window_parse(const char *s, uint32_t *out);
/* The window's name as replay_window_parse reads it ("auto", "strict", "free" or the count,
 * written into buf). */
const char *replay_window_name(uint32_t window, char *buf, size_t len);
int replay_pass_parse(const char *name, enum replay_pass *out); /* 0 or -1 */

#define REPLAY_DEFAULT_RSS_EVERY 10000

struct replay_config {
    enum replay_pass pass;
    int touch;          /* throughput/latency: write new and grown blocks as the memory pass does */
    uint64_t rss_every; /* memory pass: sample every N events (0 = REPLAY_DEFAULT_RSS_EVERY) */
    int use_tsc;        /* latency pass: 1 = TSC (the caller checked os_tsc_usable), 0 = clock */
    double tsc_hz;      /* TSC ticks per second when use_tsc (0 = calibrate in replay_init) */
    /* throughput pass: replay the whole trace again until the timed loops add up to at least
     * this many ns (0 = once). Between loops, objects still live are freed through the backend
     * outside the timed region, so every loop starts from an empty trace; the first loop (on
     * the fresh heap) is measured too. The calibrated cost of the clock reads bracketing a
     * loop is subtracted from each. */
    uint64_t min_time_ns;
    /* Threaded passes (replay_threads_run): the ordering window, a count (1 = strict recorded
     * order), 0 = free-running (only each object's order and the threads' lifetimes are
     * kept) or REPLAY_WINDOW_AUTO. */
    uint32_t window;
    /* Paced replay (pace.h), memory pass only: times[i] is event i's recorded start (ns since
     * the trace's start; must stay valid until replay_release), pace the speed factor (0 = not
     * paced, 1 = as recorded), pace_end_ns the trace's recorded end when it is later than its
     * last event (a thread's exit; 0 = none), pace_grid_ns the time-grid interval (0 = auto). */
    const uint64_t *times;
    double pace;
    uint64_t pace_end_ns;
    uint64_t pace_grid_ns;
    /* Progress of a pass, or NULL: called every progress_every events (0 =
     * REPLAY_PROGRESS_EVENTS) with the events replayed so far and the trace's event count,
     * for traces longer than that. Single-threaded: between two runs of the replay loop and
     * never inside one, counting over every loop of the throughput pass; inside the
     * throughput pass's timed region, so it must be cheap (the worker's is one write(2),
     * about 2 us per 16 M events). Threaded: from a thread of the pass's own that adds up the
     * replay threads' counts five times a second (calling when they have passed another
     * multiple), counting within one replay of the trace. */
    void (*progress)(void *ctx, uint64_t done, uint64_t n_events);
    void *progress_ctx;
    uint64_t progress_every;
};

/* The replay loop runs over chunks of this many events when progress is asked for: about a
 * second of replay, one call per 16 M events. */
#define REPLAY_PROGRESS_EVENTS ((uint64_t)1 << 24)

/* One object: its block and the size and alignment last requested for it. */
struct replay_slot {
    void *p;       /* NULL when not live */
    uint64_t meta; /* size | align_log2 << 56 (align_log2 0: block from alloc or realloc) */
};
#define REPLAY_SIZE(meta) ((meta) & (((uint64_t)1 << 56) - 1))
#define REPLAY_ALIGN_LOG2(meta) ((unsigned)((meta) >> 56))

struct replay_sample {
    uint64_t event;           /* events replayed so far */
    uint64_t live_bytes;      /* sum of requested sizes of live objects */
    uint64_t footprint_bytes; /* backend stats; UINT64_MAX when the backend cannot say */
    uint64_t rss_bytes;       /* RssAnon minus the baseline, clamped at 0 */
    uint64_t time_ns;         /* paced: ns since the pass's start; UINT64_MAX otherwise */
};

struct replay_memory {
    uint64_t live, usable_sum;             /* running totals */
    uint64_t peak_live, peak_live_event;   /* exact, per event; event = events done */
    uint64_t usable_at_peak_live;          /* sum of usable sizes at that moment */
    int have_usable;                       /* the backend has usable_size */
    int have_footprint;                    /* the backend has stats */
    uint64_t peak_footprint, live_at_peak_footprint, final_footprint;
    uint64_t heap_bytes, mmap_bytes;       /* split of the peak footprint (or UINT64_MAX) */
    uint64_t peak_rss, live_at_peak_rss, final_rss;
    int64_t rss_baseline;                  /* RssAnon just before the replay */
    struct os_smaps smaps;                 /* at the end, whole process */
    int have_smaps;
    struct replay_sample *samples;         /* in order of event */
    size_t n_samples, cap_samples;
    /* The allocator's own view (stats) at the sample of peak RSS and at the end: bytes in live
     * blocks, free in caches and lists, metadata, mapped but unused, retained (UINT64_MAX:
     * unknown; all unknown for a backend without stats). */
    struct replay_view {
        uint64_t live, free, metadata, unused, retained;
    } view_peak, view_final;
};

struct replay_latency {
    struct histogram hist[TRACE_OP_COUNT]; /* in timer ticks, overhead subtracted */
    uint64_t overhead_ticks;               /* the calibrated cost of an empty timed region */
    uint64_t resolution_ticks;             /* the timer's smallest step */
    double ticks_per_ns;                   /* 1 for the clock timer */
};

struct replay_shared; /* a threaded pass's shared state (replay_threads.c) */

struct replay {
    const struct trace_event *events;
    uint64_t n_events;
    uint32_t n_ids;
    const struct allocator_ops *ops;
    void *ctx;
    struct replay_config cfg;

    struct replay_slot *slots; /* n_ids entries */
    uint64_t *usable;          /* memory pass: usable size per id */

    uint64_t wall_ns; /* the replay loop alone (throughput: the sum over its loops) */
    uint64_t loops;   /* throughput: times the trace was replayed (1 for the other passes) */
    uint64_t clock_overhead_ns; /* throughput: cost of the clock reads around a loop, subtracted */
    struct replay_latency lat;
    struct replay_memory mem;
    struct replay_shared *shared; /* NULL but during a threaded pass */
    int paced;                    /* cfg.pace > 0: pace holds the schedule */
    struct pace pace;

    /* Set when replay_run fails: the event index and object id, and one line of reason
     * ("out of memory: ...", "verify: event 1234 id 17: content mismatch at offset 8"). */
    uint64_t fail_event;
    uint32_t fail_id;
    char reason[256];
};

/* Prepares a pass: checks that the backend can replay these events (an aligned event needs
 * aligned_alloc unless its alignment is at most ops->min_align), maps and pre-touches every
 * table, calibrates the timer (latency pass). events must stay valid until replay_release.
 * ctx is a created backend context. Returns 0, or -1 with a one-line reason in err. */
int replay_init(struct replay *r, const struct trace_event *events, uint64_t n_events,
                uint32_t n_ids, const struct allocator_ops *ops, void *ctx,
                const struct replay_config *cfg, char *err, size_t err_len);

/* Runs the pass (the throughput pass as many times as cfg.min_time_ns asks). Returns 0, or -1 with fail_event, fail_id and reason set (the
 * backend returned NULL, or the verify pass found a mismatch or a misaligned block). */
int replay_run(struct replay *r);

/* Frees the blocks still live through the backend and empties their slots; the throughput
 * passes call it between loops, outside the timed region. */
void replay_free_live(struct replay *r);

/* Frees the blocks still live through the backend (so leak checkers see a clean exit) and
 * unmaps every table. Does not destroy the backend. */
void replay_release(struct replay *r);

/* The peak of live bytes over events and the number of events done when it is first reached:
 * the figure `allocreplay info` reports, computed from the trace alone. Uses a scratch table of
 * n_ids sizes (mmap'd). Returns 0 or -1 (out of memory). */
int replay_peak_live(const struct trace_event *events, uint64_t n_events, uint32_t n_ids,
                     uint64_t *peak, uint64_t *peak_event);

#endif
