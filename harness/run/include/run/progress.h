/* Campaign progress on stderr: a redrawn one-line bar when stderr is a terminal (cells
 * done/total, elapsed, estimated remaining, current cell), one plain line per finished cell
 * when it is not (a log file, CI). Used as the runner's progress callback. */
#ifndef ALLOCREPLAY_PROGRESS_H
#define ALLOCREPLAY_PROGRESS_H

#include <stdio.h>

#include "run/runner.h"

struct progress {
    FILE *out;
    int tty;
    double start;  /* CLOCK_MONOTONIC seconds */
    size_t first_done; /* cells already done when we started (resume): not in the rate */
    int started;
    int drawn;     /* a bar is on the screen and needs clearing */
};

void progress_init(struct progress *p, FILE *out);

/* The runner_progress_fn: USER is a struct progress. */
void progress_update(void *user, const struct cell_progress *cp);

/* Clears the bar (terminal) so the next message starts on a clean line. */
void progress_finish(struct progress *p);

#endif
