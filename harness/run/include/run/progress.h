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
    int drawn;     /* a bar is on the screen and needs clearing */
    /* Per kind of cell (trace, backend): cells left, and the time and count of those run. */
    size_t n_kinds;
    size_t *left, *count;
    double *seconds;
};

void progress_init(struct progress *p, FILE *out);

/* The runner_progress_fn: USER is a struct progress. */
void progress_update(void *user, const struct cell_progress *cp);

/* Seconds left: for each kind of cell, the cells left times the mean of its cells run so far.
 * -1 (unknown) until a cell of every kind with cells left has finished: the first cells say
 * nothing about a kind not yet run (a trace a hundred times longer, a slower backend). */
double progress_eta(const struct progress *p);

/* Clears the bar (terminal) so the next message starts on a clean line; frees the counts. */
void progress_finish(struct progress *p);

#endif
