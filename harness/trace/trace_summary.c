/* Trace figures for `info` and for other callers (trace_summary.h). */
#include "trace/trace_summary.h"
#include "trace_io.h"
#include "util/input.h"

#include <string.h>
#include <sys/mman.h>

#define SEEN ((uint64_t)1 << 63) /* sizes are at most 2^40, so the top bit is free */

static int ensure(struct trace_summarizer *z, uint32_t id)
{
    if (id < z->per_id_len)
        return 0;
    size_t len = z->per_id_len ? z->per_id_len : 1u << 14;
    while (len <= id)
        len *= 2;
    /* Lazily committed anonymous memory: only the pages of ids in use are ever touched. */
    void *p = z->per_id ? mremap(z->per_id, z->per_id_len * sizeof *z->per_id,
                                 len * sizeof *z->per_id, MREMAP_MAYMOVE)
                        : mmap(NULL, len * sizeof *z->per_id, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        z->out_of_memory = 1;
        return -1;
    }
    z->per_id = p;
    z->per_id_len = len;
    return 0;
}

int trace_summarizer_begin(struct trace_summarizer *z, uint32_t n_ids_hint)
{
    memset(z, 0, sizeof *z);
    return n_ids_hint ? ensure(z, n_ids_hint - 1) : 0;
}

static void count_size(struct trace_summary *s, uint64_t size)
{
    if (!size)
        return;
    s->size_hist[63 - __builtin_clzll(size)]++;
    if (!s->min_size || size < s->min_size)
        s->min_size = size;
    if (size > s->max_size)
        s->max_size = size;
}

void trace_summarizer_add(struct trace_summarizer *z, const struct trace_event *ev)
{
    struct trace_summary *s = &z->s;
    if (ev->op >= TRACE_OP_COUNT || ensure(z, ev->id) != 0)
        return;
    s->n_events++;
    s->count[ev->op]++;
    uint64_t *slot = &z->per_id[ev->id];
    uint64_t old = *slot & ~SEEN;
    switch (ev->op) {
    case TRACE_ALLOC:
    case TRACE_CALLOC:
    case TRACE_ALIGNED:
        s->objects++;
        if (!(*slot & SEEN))
            s->distinct_ids++;
        *slot = SEEN | ev->size;
        z->live_bytes += ev->size - old; /* old is 0 for a valid trace */
        z->live_objects += !old;
        count_size(s, ev->size);
        break;
    case TRACE_REALLOC:
        *slot = (*slot & SEEN) | ev->size;
        z->live_bytes += ev->size - old;
        count_size(s, ev->size);
        break;
    default:
        *slot &= SEEN;
        z->live_bytes -= old;
        z->live_objects -= old != 0;
        break;
    }
    if (z->live_bytes > s->peak_live_bytes)
        s->peak_live_bytes = z->live_bytes;
    if (z->live_objects > s->peak_live_objects)
        s->peak_live_objects = z->live_objects;
    uint64_t bit = (uint64_t)1 << (ev->thread & 63);
    if (!(z->thread_bits[ev->thread >> 6] & bit)) {
        z->thread_bits[ev->thread >> 6] |= bit;
        s->threads++;
    }
    if (ev->thread > s->max_thread)
        s->max_thread = ev->thread;
}

void trace_summarizer_time(struct trace_summarizer *z, uint64_t time, uint64_t duration)
{
    struct trace_summary *s = &z->s;
    if (s->timed && time > z->last_time) {
        uint64_t gap = time - z->last_time;
        if (gap >= TRACE_IDLE_GAP_NS) {
            s->idle_gaps++;
            s->idle_ns += gap;
        }
        if (gap > s->longest_gap_ns)
            s->longest_gap_ns = gap;
    }
    s->timed = 1;
    z->last_time = time;
    uint64_t end = duration == TRACE_TIME_NONE ? time : time + duration;
    if (end > s->duration_ns)
        s->duration_ns = end;
}

int trace_summarizer_end(struct trace_summarizer *z, struct trace_summary *out)
{
    z->s.final_live_bytes = z->live_bytes;
    z->s.final_live_objects = z->live_objects;
    *out = z->s;
    if (z->per_id)
        munmap(z->per_id, z->per_id_len * sizeof *z->per_id);
    int rc = z->out_of_memory ? -1 : 0;
    memset(z, 0, sizeof *z);
    return rc;
}

int trace_summarize(const struct trace *t, struct trace_summary *out)
{
    struct trace_summarizer z;
    if (trace_summarizer_begin(&z, t->n_ids) != 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    for (uint64_t i = 0; i < t->n_events; i++) {
        trace_summarizer_add(&z, &t->events[i]);
        if (t->times)
            trace_summarizer_time(&z, t->times[i], t->durations ? t->durations[i] : TRACE_TIME_NONE);
    }
    return trace_summarizer_end(&z, out);
}

static void sink(void *ctx, const struct trace_event *ev, uint64_t time, uint64_t duration)
{
    trace_summarizer_add(ctx, ev);
    if (time != TRACE_TIME_NONE)
        trace_summarizer_time(ctx, time, duration);
}

int trace_summarize_file(const char *path, const struct trace_load_options *opt,
                         struct trace_summary *out, struct trace *header,
                         struct trace_load_report *report, struct trace_error *err)
{
    struct trace_load_report scratch;
    trace__load_defaults(&opt, &report, &scratch);
    memset(out, 0, sizeof *out);
    memset(header, 0, sizeof *header);
    enum trace_format format;
    if (trace_format_detect(path, &format, err) != 0)
        return -1;
    if (format != TRACE_FORMAT_BINARY && format != TRACE_FORMAT_BINARY_ZSTD) {
        if (trace_load(path, opt, header, report, err) != 0)
            return -1;
        if (trace_summarize(header, out) != 0)
            return trace__fail(err, "%s: out of memory", path);
        /* Only the figures and the names are wanted: give the events back now. */
        struct trace names = *header;
        names.name = names.description = NULL;
        trace_release(&names);
        header->events = NULL;
        header->owned_events = NULL;
        header->times = header->durations = header->thread_exits = NULL;
        header->map = NULL;
        header->map_len = 0;
        return 0;
    }
    if (input_check(path, "a trace", err->msg, sizeof err->msg) != 0)
        return -1;
    struct trace_summarizer z;
    if (trace_summarizer_begin(&z, 0) != 0)
        return trace__fail(err, "%s: out of memory", path);
    int rc = trace__binary_scan(path, opt, sink, &z, header, report, err);
    if (trace_summarizer_end(&z, out) != 0 && rc == 0)
        rc = trace__fail(err, "%s: out of memory for the per-id table", path);
    return rc;
}
