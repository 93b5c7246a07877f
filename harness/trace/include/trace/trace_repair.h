/* Repairing a trace: a valid trace made from one read with keep_invalid (trace.h), every event
 * that breaks a rule either fixed or dropped, and counted by kind (docs/trace-format.md,
 * "Repairing"). Objects get new dense ids, one per allocation, in order. */
#ifndef ALLOCREPLAY_TRACE_REPAIR_H
#define ALLOCREPLAY_TRACE_REPAIR_H

#include "trace/trace.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum trace_repair_kind {
    TRACE_REPAIR_FREE_UNKNOWN,    /* dropped: free of an id never allocated */
    TRACE_REPAIR_DOUBLE_FREE,     /* dropped: free of an id already freed */
    TRACE_REPAIR_REALLOC_UNKNOWN, /* fixed: realloc of an id never allocated, made an alloc */
    TRACE_REPAIR_REALLOC_FREED,   /* fixed: realloc of a freed id, made an alloc */
    TRACE_REPAIR_ALLOC_LIVE,      /* fixed: alloc of a live id: a new object, the old one left live */
    TRACE_REPAIR_ZERO_SIZE,       /* fixed: allocation of 0 bytes, made 1 byte */
    TRACE_REPAIR_REALLOC_ZERO,    /* fixed: realloc to 0 bytes, made a free */
    TRACE_REPAIR_HUGE_SIZE,       /* dropped: a size above TRACE_MAX_SIZE */
    TRACE_REPAIR_HUGE_ALIGN,      /* fixed: an alignment above 2^TRACE_MAX_ALIGN_LOG2, clamped */
    TRACE_REPAIR_STRAY_ALIGN,     /* fixed: an alignment on an event that takes none, cleared */
    TRACE_REPAIR_FREE_SIZE,       /* fixed: a free carrying a size, cleared */
    TRACE_REPAIR_TIME_BACK,       /* fixed: a time before its thread's previous event, raised to it */
    TRACE_REPAIR_TIME_HUGE,       /* fixed: a time past TRACE_MAX_TIME, set to its thread's previous */
    TRACE_REPAIR_DURATION_HUGE,   /* fixed: a duration past TRACE_MAX_TIME, made unknown */
    TRACE_REPAIR_EXIT_EARLY,      /* fixed: a thread exit before its last event, raised to it */
    TRACE_REPAIR_KIND_COUNT
};

struct trace_repair_report {
    uint64_t count[TRACE_REPAIR_KIND_COUNT];
};

/* "free of an unknown id", ... and whether the kind is dropped (1) or fixed (0). */
const char *trace_repair_kind_name(enum trace_repair_kind k);
int trace_repair_kind_drops(enum trace_repair_kind k);

/* Makes out (heap arrays; name, description, times and thread exits carried over) from in.
 * Returns 0, or -1 with err filled (out of memory). */
int trace_repair(const struct trace *in, struct trace *out, struct trace_repair_report *rep,
                 struct trace_error *err);

#ifdef __cplusplus
}
#endif

#endif
