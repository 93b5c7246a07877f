/* The figures `allocreplay info` prints, for any caller that wants them (tests, generator,
 * replay). Events are assumed valid (they come from trace_load, or through the summarizer's
 * caller's own validation).
 *
 * Memory: one 8-byte size per id; nothing grows with the number of events, so a summary can be
 * taken over a stream of any length. */
#ifndef ALLOCREPLAY_TRACE_SUMMARY_H
#define ALLOCREPLAY_TRACE_SUMMARY_H

#include "trace/trace.h"

#define TRACE_SIZE_BUCKETS 64 /* bucket k counts requested sizes in [2^k, 2^(k+1)) */

struct trace_summary {
    uint64_t n_events;
    uint64_t count[TRACE_OP_COUNT];    /* events per op */
    uint64_t objects;                  /* allocations (alloc, calloc, aligned): object lifetimes */
    uint64_t distinct_ids;             /* ids allocated at least once */
    uint64_t size_hist[TRACE_SIZE_BUCKETS]; /* sizes of alloc, calloc, aligned and realloc */
    uint64_t min_size, max_size;       /* over the same requests; 0 when there are none */
    uint64_t peak_live_bytes;          /* peak of the sum of requested sizes of live objects */
    uint64_t peak_live_objects;
    uint64_t final_live_bytes;         /* still live at the end (never freed) */
    uint64_t final_live_objects;
    uint32_t threads;                  /* distinct thread numbers used */
    uint32_t max_thread;               /* highest thread number used */
    /* Time, for timed traces (timed = 1): */
    int timed;
    uint64_t duration_ns;              /* the latest event's start (plus its duration, if known) */
    uint64_t idle_gaps;                /* gaps of at least TRACE_IDLE_GAP_NS between consecutive events */
    uint64_t idle_ns;                  /* their sum */
    uint64_t longest_gap_ns;           /* the longest gap between consecutive events */
};

#define TRACE_IDLE_GAP_NS 1000000 /* 1 ms: a gap the program spent not allocating */

/* Incremental form, for streams: begin, add each event, end. */
struct trace_summarizer {
    struct trace_summary s;
    uint64_t *per_id; /* requested size while live, else 0; bit 63: allocated at least once */
    size_t per_id_len; /* entries mapped */
    uint64_t thread_bits[65536 / 64];
    uint64_t live_bytes, live_objects;
    uint64_t last_time;
    int out_of_memory;
};

/* n_ids_hint may be 0; the tables grow with the highest id seen. Returns 0 or -1 (ENOMEM). */
int trace_summarizer_begin(struct trace_summarizer *z, uint32_t n_ids_hint);
void trace_summarizer_add(struct trace_summarizer *z, const struct trace_event *ev);
/* For a timed trace, after adding each event: its start and duration (TRACE_TIME_NONE when
 * unknown), ns since the trace's start. Gaps are taken between consecutive events in the
 * trace's order. */
void trace_summarizer_time(struct trace_summarizer *z, uint64_t time, uint64_t duration);
/* Fills out and frees the tables. Returns 0, or -1 if a table could not grow (ENOMEM). */
int trace_summarizer_end(struct trace_summarizer *z, struct trace_summary *out);

/* The whole trace at once. Returns 0 or -1 (ENOMEM). */
int trace_summarize(const struct trace *t, struct trace_summary *out);

/* Summarizes the file at path without holding it in memory when it is binary (streamed through
 * its map, windows dropped once read); other formats are loaded first. Validation and lenient
 * mode as trace_load. header gets the name, description and header counts; release it with
 * trace_release. Returns 0, or -1 with err filled. */
int trace_summarize_file(const char *path, const struct trace_load_options *opt,
                         struct trace_summary *out, struct trace *header,
                         struct trace_load_report *report, struct trace_error *err);

#endif
