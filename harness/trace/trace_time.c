/* Trace times (docs/trace-format.md, "Time"): the rules every reader applies to them, and the
 * varint coding of the binary format's time section. */
#include "trace_io.h"

#include <stdlib.h>
#include <string.h>

/* Where thread k's clock stands: its last event's time (TRACE_TIME_NONE before its first). */
int trace__clock_init(struct trace__clock *c, uint32_t n_threads)
{
    c->n = n_threads ? n_threads : 1;
    c->last = malloc(c->n * sizeof *c->last);
    if (!c->last)
        return -1;
    for (uint32_t k = 0; k < c->n; k++)
        c->last[k] = TRACE_TIME_NONE;
    return 0;
}

void trace__clock_free(struct trace__clock *c)
{
    free(c->last);
    c->last = NULL;
}

int trace__clock_step(struct trace__clock *c, const char *what, uint64_t i, uint16_t thread,
                      uint64_t time, uint64_t duration, struct trace_error *err)
{
    if (time > TRACE_MAX_TIME)
        return trace__fail(err, "%s: event %llu: time %llu ns overflows (at most 2^62)", what,
                           (unsigned long long)i, (unsigned long long)time);
    if (duration != TRACE_TIME_NONE && duration > TRACE_MAX_TIME)
        return trace__fail(err, "%s: event %llu: duration %llu ns overflows (at most 2^62)", what,
                           (unsigned long long)i, (unsigned long long)duration);
    if (thread >= c->n)
        return trace__fail(err, "%s: event %llu: thread %u outside the trace's %u threads", what,
                           (unsigned long long)i, thread, c->n);
    uint64_t last = c->last[thread];
    if (last != TRACE_TIME_NONE && time < last)
        return trace__fail(err, "%s: event %llu: time %llu ns on thread %u is before the thread's "
                                "previous event at %llu ns", what, (unsigned long long)i,
                           (unsigned long long)time, thread, (unsigned long long)last);
    c->last[thread] = time;
    return 0;
}

int trace__clock_exits(const struct trace__clock *c, const char *what, const uint64_t *exits,
                       uint32_t n, struct trace_error *err)
{
    for (uint32_t k = 0; k < n; k++) {
        if (exits[k] == TRACE_TIME_NONE)
            continue;
        if (exits[k] > TRACE_MAX_TIME)
            return trace__fail(err, "%s: thread %u: exit time %llu ns overflows (at most 2^62)",
                               what, k, (unsigned long long)exits[k]);
        if (k < c->n && c->last[k] != TRACE_TIME_NONE && exits[k] < c->last[k])
            return trace__fail(err, "%s: thread %u: exit at %llu ns is before its last event at "
                                    "%llu ns", what, k, (unsigned long long)exits[k],
                               (unsigned long long)c->last[k]);
    }
    return 0;
}

int trace_validate_times(const struct trace *t, const char *what, struct trace_error *err)
{
    if (!t->times && !t->thread_exits)
        return 0;
    struct trace__clock c;
    if (trace__clock_init(&c, t->n_threads) != 0)
        return trace__fail(err, "%s: out of memory", what);
    int rc = 0;
    for (uint64_t i = 0; t->times && i < t->n_events && rc == 0; i++)
        rc = trace__clock_step(&c, what, i, t->events[i].thread, t->times[i],
                               t->durations ? t->durations[i] : TRACE_TIME_NONE, err);
    if (rc == 0 && t->thread_exits)
        rc = trace__clock_exits(&c, what, t->thread_exits, t->n_threads, err);
    trace__clock_free(&c);
    return rc;
}

/* ---- varints: LEB128, 7 bits a byte, low bits first, at most 10 bytes ---- */

int trace__varint_get(const unsigned char **p, const unsigned char *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70 && *p < end; shift += 7) {
        unsigned char b = *(*p)++;
        if (shift == 63 && b > 1)
            return -1; /* more than 64 bits */
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}
