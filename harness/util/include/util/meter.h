/* Progress of one long step (generating, loading, validating or summarising a big trace) on a
 * stream, usually stderr. Nothing is printed until the step has run for METER_DELAY_S seconds,
 * so short steps (every test, every small trace) print nothing. Then, on a terminal, one line
 * redrawn in place a few times a second; otherwise one line every METER_LOG_S seconds (a
 * log file of a long benchmark). At the end, one line with the count, the time and the rate,
 * if anything was shown. Updates cost one clock read; call them every million items or so. */
#ifndef ALLOCREPLAY_METER_H
#define ALLOCREPLAY_METER_H

#include <stdint.h>
#include <stdio.h>

#define METER_DELAY_S 2.0
#define METER_LOG_S 10.0

struct meter {
    FILE *out;
    const char *what;  /* "generate big.alrt" */
    const char *unit;  /* "events"; NULL: a step that cannot count, shown with its time only */
    uint64_t total;    /* 0: unknown */
    double start, last; /* CLOCK_MONOTONIC seconds */
    int tty, shown;
};

void meter_start(struct meter *m, FILE *out, const char *what, const char *unit, uint64_t total);
void meter_update(struct meter *m, uint64_t done);
/* A callback form of meter_update for libraries that report (ctx is the meter; total, when
 * nonzero, replaces the meter's). */
void meter_report(void *ctx, uint64_t done, uint64_t total);
void meter_finish(struct meter *m, uint64_t done);

#endif
