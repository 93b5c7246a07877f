/* The columns of summary.csv (docs/metrics.md), as one X-macro list so the header, the writer,
 * the reader and docs/metrics.md never drift apart. X(name, type) with type one of
 * STR (text), U64 (count), F64 (real). The first twenty are the contract; the replay appends more after them
 * (docs/metrics.md defines every one). */
#ifndef ALLOCREPLAY_RESULTS_SCHEMA_H
#define ALLOCREPLAY_RESULTS_SCHEMA_H

#define SUMMARY_COLUMNS(X)                                                                     \
    X(trace, STR)                                                                              \
    X(backend, STR)                                                                            \
    X(rep, U64)                                                                                \
    X(status, STR)                                                                             \
    X(events, U64)                                                                             \
    X(wall_ns, U64)                                                                            \
    X(ns_per_event, F64)                                                                       \
    X(events_per_sec, F64)                                                                     \
    X(p50_ns, F64)                                                                             \
    X(p90_ns, F64)                                                                             \
    X(p99_ns, F64)                                                                             \
    X(p999_ns, F64)                                                                            \
    X(max_ns, F64)                                                                             \
    X(peak_live_bytes, U64)                                                                    \
    X(peak_footprint_bytes, U64)                                                               \
    X(peak_rss_bytes, U64)                                                                     \
    X(final_rss_bytes, U64)                                                                    \
    X(frag_internal, F64)                                                                      \
    X(frag_jw3, F64)                                                                           \
    X(frag_jw4, F64)                                                                           \
    X(frag_jw3_rss, F64)                                                                       \
    X(frag_jw4_rss, F64)                                                                       \
    X(final_footprint_bytes, U64)                                                              \
    X(heap_bytes, U64)                                                                         \
    X(mmap_bytes, U64)                                                                         \
    X(rss_baseline_bytes, U64)                                                                 \
    X(smaps_rss_bytes, U64)                                                                    \
    X(smaps_pss_bytes, U64)                                                                    \
    X(smaps_anonymous_bytes, U64)                                                              \
    X(smaps_private_dirty_bytes, U64)                                                          \
    X(timer, STR)                                                                              \
    X(tsc_hz, F64)                                                                             \
    X(timer_overhead_ns, F64)                                                                  \
    X(timer_resolution_ns, F64)                                                                \
    X(mean_ns, F64)                                                                            \
    X(latency_sum_ns, F64)                                                                     \
    X(verified, STR)                                                                           \
    X(failed_pass, STR)                                                                        \
    X(loops, U64)                                                                              \
    X(threads, U64)                                                                            \
    X(config, STR)                                                                             \
    X(window, STR)                                                                             \
    X(trace_peak_live_bytes, U64)                                                              \
    X(view_peak_live_bytes, U64)                                                               \
    X(view_peak_free_bytes, U64)                                                               \
    X(view_peak_metadata_bytes, U64)                                                           \
    X(view_peak_unused_bytes, U64)                                                             \
    X(view_peak_retained_bytes, U64)                                                           \
    X(view_final_live_bytes, U64)                                                              \
    X(view_final_free_bytes, U64)                                                              \
    X(view_final_metadata_bytes, U64)                                                          \
    X(view_final_unused_bytes, U64)                                                            \
    X(view_final_retained_bytes, U64)                                                          \
    X(pace, STR)                                                                               \
    X(pace_duration_ns, U64)                                                                   \
    X(paced_wall_ns, U64)                                                                      \
    X(pace_lag_max_ns, U64)                                                                    \
    X(pace_lag_mean_ns, F64)

/* latency.csv and timeline.csv, long form. */
#define LATENCY_COLUMNS(X) X(trace, STR) X(backend, STR) X(rep, U64) X(op, STR) X(lo_ns, F64) X(hi_ns, F64) X(count, U64)
#define TIMELINE_COLUMNS(X) X(trace, STR) X(backend, STR) X(rep, U64) X(event, U64) X(live_bytes, U64) X(footprint_bytes, U64) X(rss_bytes, U64) X(time_s, F64)

#endif
