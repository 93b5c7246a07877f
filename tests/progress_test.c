/* The estimate of the time left (run/progress.h) goes by kind of cell: none until a cell of
 * every kind with cells left has finished, then each kind's cells left times its mean. */
#include "run/progress.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>

/* One finished cell of kind K that took S seconds. */
static void finish(struct progress *p, size_t *done, size_t total, size_t k, double s)
{
    struct cell_progress cp = {.done = ++*done, .total = total, .trace = "t", .backend = "b",
                               .rep = 1, .status = "ok", .kind = k, .seconds = s};
    progress_update(p, &cp);
}

int main(void)
{
    FILE *out = tmpfile();
    struct progress p;
    size_t done = 0;
    /* Two kinds, 3 cells each: A takes 0.1 s, B 1 s (a trace ten times longer). */
    const size_t todo[2] = {3, 3};
    if (!out)
        return 99;
    progress_init(&p, out);
    progress_update(&p, &(struct cell_progress){.total = 6, .n_kinds = 2, .kind_todo = todo});
    TAP_OK(progress_eta(&p) < 0, "no estimate before any cell");
    finish(&p, &done, 6, 0, 0.1);
    TAP_OK(progress_eta(&p) < 0, "none after a cell of A alone: B has not run (got %g)",
           progress_eta(&p));
    finish(&p, &done, 6, 1, 1.0);
    TAP_OK(fabs(progress_eta(&p) - 2.2) < 1e-9, "after A and B: 2 x 0.1 + 2 x 1 = 2.2 s (got %g)",
           progress_eta(&p));
    finish(&p, &done, 6, 0, 0.3);
    TAP_OK(fabs(progress_eta(&p) - 2.2) < 1e-9, "A's mean is now 0.2: 1 x 0.2 + 2 x 1 = 2.2 s (got %g)",
           progress_eta(&p));
    finish(&p, &done, 6, 0, 0.2);
    finish(&p, &done, 6, 1, 1.0);
    finish(&p, &done, 6, 1, 1.0);
    TAP_OK(progress_eta(&p) == 0, "nothing left: 0 s (got %g)", progress_eta(&p));
    progress_finish(&p);
    fclose(out);
    return tap_done();
}
