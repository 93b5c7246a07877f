/* Paced replay: the speed factor, the schedule and the time grid (pace.h). */
#include "replay/pace.h"

#include "replay/os.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pace_parse(const char *s, double *factor)
{
    if (!strcmp(s, "recorded")) {
        *factor = 1;
        return 0;
    }
    /* Digits and a decimal point only: strtod alone would take "0x10", "1e3" or "inf". */
    size_t n = strlen(s);
    if (n < 2 || s[n - 1] != 'x' || strspn(s, "0123456789.") != n - 1)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end != s + n - 1 || !isfinite(v) || v < PACE_MIN_FACTOR || v > PACE_MAX_FACTOR)
        return -1;
    *factor = v;
    return 0;
}

void pace_format(double factor, char *out, size_t len)
{
    if (factor == 1)
        snprintf(out, len, "recorded");
    else
        snprintf(out, len, "%gx", factor);
}

enum pace_step pace_next_step(uint64_t now, uint64_t due, uint64_t grid, uint64_t *until)
{
    if (now >= due)
        return PACE_GO;
    if (due - now <= PACE_SPIN_NS)
        return PACE_SPIN;
    const uint64_t wake = due - PACE_SPIN_NS;
    *until = grid < wake ? grid : wake;
    return PACE_SLEEP;
}

uint64_t pace_init(struct pace *p, const uint64_t *times, uint64_t n_events, double factor,
                   uint64_t end_ns, uint64_t grid_ns, int no_grid)
{
    memset(p, 0, sizeof *p);
    p->times = times;
    p->inv_factor = 1.0 / factor;
    /* Times never decrease on one thread, but the threads' times interleave: the duration is
     * the latest of them. */
    uint64_t last = end_ns;
    for (uint64_t i = 0; i < n_events; i++)
        if (times[i] > last)
            last = times[i];
    p->duration_ns = (uint64_t)((double)last * p->inv_factor);
    atomic_init(&p->next_grid, UINT64_MAX);
    if (no_grid)
        return 0;
    if (!grid_ns)
        grid_ns = p->duration_ns / PACE_AUTO_GRID_POINTS;
    if (grid_ns < PACE_MIN_GRID_NS)
        grid_ns = PACE_MIN_GRID_NS;
    if (p->duration_ns / grid_ns > PACE_MAX_GRID)
        grid_ns = p->duration_ns / PACE_MAX_GRID + 1;
    p->grid_ns = grid_ns;
    /* Room for a pass that runs late: twice the points of its duration, and a few more. */
    const uint64_t room = 2 * (p->duration_ns / grid_ns) + 16;
    atomic_init(&p->grid_left, room);
    return room;
}

void pace_start(struct pace *p)
{
    p->start_ns = os_clock_ns();
    if (p->grid_ns)
        atomic_store(&p->next_grid, p->start_ns + p->grid_ns);
}

int pace_grid_claim(struct pace *p, uint64_t now)
{
    uint64_t next = atomic_load_explicit(&p->next_grid, memory_order_relaxed);
    if (now < next)
        return 0;
    /* The first grid point after now: a thread that was busy past several points takes one
     * sample, not one per point. */
    const uint64_t after = next + ((now - next) / p->grid_ns + 1) * p->grid_ns;
    if (!atomic_compare_exchange_strong(&p->next_grid, &next, after))
        return 0;
    uint64_t left = atomic_load(&p->grid_left);
    while (left && !atomic_compare_exchange_weak(&p->grid_left, &left, left - 1))
        ;
    if (left)
        return 1;
    atomic_store(&p->next_grid, UINT64_MAX); /* the table is full: no more grid samples */
    return 0;
}

void pace_note_lag(struct pace *p, uint64_t lag)
{
    atomic_fetch_add_explicit(&p->lag_sum, lag, memory_order_relaxed);
    uint64_t m = atomic_load_explicit(&p->lag_max, memory_order_relaxed);
    while (lag > m && !atomic_compare_exchange_weak_explicit(&p->lag_max, &m, lag,
                                                             memory_order_relaxed,
                                                             memory_order_relaxed))
        ;
}
