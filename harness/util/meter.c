/* Progress of one long step (meter.h). */
#include "util/meter.h"

#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void meter_start(struct meter *m, FILE *out, const char *what, const char *unit, uint64_t total)
{
    m->out = out;
    m->what = what;
    m->unit = unit;
    m->total = total;
    m->start = m->last = now();
    m->tty = isatty(fileno(out));
    m->shown = 0;
}

static void draw(struct meter *m, uint64_t done, double t, const char *end)
{
    double el = t - m->start, rate = el > 0 ? (double)done / el : 0;
    if (!m->unit) { /* a step that cannot count: its time only */
        fprintf(m->out, "%s%s: %.0f s%s", m->tty ? "\r\033[K" : "", m->what, el, end);
        fflush(m->out);
        return;
    }
    fprintf(m->out, "%s%s: %llu", m->tty ? "\r\033[K" : "", m->what, (unsigned long long)done);
    if (m->total && done <= m->total) {
        fprintf(m->out, "/%llu %s (%.0f%%), %.0f s, %.1f M/s", (unsigned long long)m->total,
                m->unit, 100.0 * (double)done / (double)m->total, el, rate / 1e6);
        if (rate > 0 && *end != '.')
            fprintf(m->out, ", ~%.0f s left", (double)(m->total - done) / rate);
    } else {
        fprintf(m->out, " %s, %.0f s, %.1f M/s", m->unit, el, rate / 1e6);
    }
    fputs(end, m->out);
    fflush(m->out);
}

void meter_update(struct meter *m, uint64_t done)
{
    double t = now();
    if (t - m->start < METER_DELAY_S || t - m->last < (m->tty ? 0.25 : METER_LOG_S))
        return;
    m->last = t;
    m->shown = 1;
    draw(m, done, t, m->tty ? "" : "\n");
}

void meter_report(void *ctx, uint64_t done, uint64_t total)
{
    struct meter *m = ctx;
    if (total)
        m->total = total;
    meter_update(m, done);
}

void meter_finish(struct meter *m, uint64_t done)
{
    if (!m->shown)
        return;
    m->total = 0; /* the final line gives the count as it came out, not against the estimate */
    draw(m, done, now(), " done.\n");
    m->shown = 0;
}
