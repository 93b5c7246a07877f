/* Slicing a trace: the events of a range, of some threads, of some process images, on objects
 * of some sizes, made into a valid trace of their own (docs/trace-format.md, "Slicing").
 *
 * An event is selected when it lies in the event range, on a selected thread, in a selected
 * image. An object (one lifetime of an id, from its allocation to its free) is kept or dropped
 * as a whole, when it enters the slice: at its first selected event, or, when it is live at the
 * range's start and none of its events is selected, at the end of the slice. It is kept when
 * its size on entry is within the size range, and then all its selected events are kept.
 *
 * An object *alive at the cut* enters without its allocation: it was allocated before the
 * range, or by an event not selected (another thread). By the cut policy it is either
 * allocated at the start of the slice (an alloc, calloc or aligned like its own allocation,
 * of its size on entry, on the thread of its first kept event or else of its allocation,
 * at the slice's first time) or dropped with all its events.
 *
 * Images are numbered from 0 as the threaded replay finds them: a new image starts at an event
 * when no object is live and every thread that had events before it has had its last one.
 * The output keeps the thread numbers and the event order; ids are renumbered densely; times
 * count from the first kept event's, and thread exits within the slice are kept. */
#ifndef ALLOCREPLAY_TRACE_SLICE_H
#define ALLOCREPLAY_TRACE_SLICE_H

#include "trace/trace.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum trace_cut_policy {
    TRACE_CUT_ALLOCATE = 0, /* objects alive at the cut are allocated at the slice's start */
    TRACE_CUT_DROP = 1,     /* ... or dropped with all their events */
};

#define TRACE_SLICE_ALL UINT64_MAX

struct trace_slice_spec {
    uint64_t first, end;    /* events first .. end-1, counted from 0; end TRACE_SLICE_ALL */
    const uint8_t *threads; /* 65536 flags, one per thread number; NULL = every thread */
    const uint8_t *images;  /* n_images flags, one per image number; NULL = every image */
    uint32_t n_images;
    uint64_t min_size, max_size; /* an object's size on entry; max_size 0 = no limit */
    enum trace_cut_policy cut;
};

struct trace_slice_report {
    uint64_t events_kept;     /* events of the input kept */
    uint64_t objects_kept;    /* objects in the output (= its ids) */
    uint64_t cut_allocated;   /* objects alive at the cut, allocated at the start */
    uint64_t cut_dropped;     /* objects alive at the cut, dropped (TRACE_CUT_DROP) */
    uint64_t cut_dropped_events; /* their events in the slice */
    uint64_t size_dropped;    /* objects outside the size range */
    uint32_t images;          /* images found in the input (counted when images is set) */
};

/* Makes out (heap arrays; name and description copied from in) from in by spec. Returns 0, or
 * -1 with err filled (out of memory, or a range outside the trace). */
int trace_slice(const struct trace *in, const struct trace_slice_spec *spec, struct trace *out,
                struct trace_slice_report *rep, struct trace_error *err);

#ifdef __cplusplus
}
#endif

#endif
