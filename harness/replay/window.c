/* The ordering window of a threaded replay: its names and the limits of auto (window.h). */
#include "window.h"

#include "replay/os.h"
#include "replay/replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int replay_window_parse(const char *s, uint32_t *out)
{
    static const struct {
        const char *name;
        uint32_t value;
    } names[] = {{"auto", REPLAY_WINDOW_AUTO}, {"strict", 1}, {"free", 0}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i].name)) {
            *out = names[i].value;
            return 0;
        }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v < 1 || v >= REPLAY_WINDOW_AUTO)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

const char *replay_window_name(uint32_t window, char *buf, size_t len)
{
    if (window == REPLAY_WINDOW_AUTO)
        return "auto";
    if (window <= 1)
        return window ? "strict" : "free";
    snprintf(buf, len, "%u", window);
    return buf;
}

/* The sweep over the events that computes the limits. Events [m, j) are the reach of the
 * frontier candidate m; their deltas of live bytes and links sit in rings indexed by event
 * (the reach is at most REPLAY_WINDOW_MAX_BACK + 1 events). Per pthread, a monotonic deque
 * (front: the largest) of its running sums of deltas over its events in the reach gives the
 * most it can add to live bytes: its events run in order, so while the frontier is m, a
 * pthread has run a prefix of its events in [m, j), and adds at most the largest prefix sum
 * (or nothing). */
#define RING 131072u
#define RING_MASK (RING - 1u)
#define NONE UINT64_MAX

struct lane { /* one pthread's share of the reach */
    int64_t sum;      /* its deltas summed over its events up to j - 1 */
    int64_t base;     /* ... up to m - 1 */
    uint64_t add;     /* the most it can add: max(0, largest sum in the reach - base) */
    uint64_t head, tail; /* its deque, NONE when empty */
};

struct sweep {
    const struct trace_event *ev;
    const uint16_t *pthread_of;
    uint64_t n, cap;
    uint64_t *size;  /* per id: its size as of event `seen` */
    int64_t *delta;  /* ring: live-byte change of events [m, seen) */
    int64_t *sum;    /* ring: the lane's sum after the event */
    uint64_t *next, *prev; /* ring: deque links */
    struct lane *lane;
    uint64_t m;      /* frontier candidate */
    uint64_t j;      /* reach: events [m, j) may run while the frontier is m */
    uint64_t seen;   /* deltas known for events below this */
    uint64_t live_m; /* the trace's live bytes after the events before m */
    uint64_t adds;   /* the lanes' adds summed */
};

static int64_t delta_of(struct sweep *w, uint64_t i)
{
    const struct trace_event *e = &w->ev[i];
    const uint64_t old = w->size[e->id];
    if (e->op == TRACE_FREE)
        return -(int64_t)old;
    w->size[e->id] = e->size;
    return (int64_t)e->size - (e->op == TRACE_REALLOC ? (int64_t)old : 0);
}

static uint64_t add_of(const struct lane *l, int64_t top)
{
    return top > l->base ? (uint64_t)(top - l->base) : 0;
}

/* Extends the reach of m as far as the bound allows. */
static void extend(struct sweep *w)
{
    while (w->j < w->n && w->j - w->m <= REPLAY_WINDOW_MAX_BACK) {
        const uint64_t x = w->j;
        if (x == w->seen)
            w->delta[w->seen++ & RING_MASK] = delta_of(w, x);
        struct lane *l = &w->lane[w->pthread_of[w->ev[x].thread]];
        const int64_t sum = l->sum + w->delta[x & RING_MASK];
        const uint64_t add = sum > l->sum ? add_of(l, sum) : l->add;
        const uint64_t grown = add > l->add ? add : l->add;
        if (w->live_m + w->adds - l->add + grown > w->cap)
            return;
        w->adds += grown - l->add;
        l->add = grown;
        l->sum = sum;
        /* Into the deque: drop the sums at its back that this one covers. */
        while (l->tail != NONE && w->sum[l->tail & RING_MASK] <= sum) {
            l->tail = w->prev[l->tail & RING_MASK];
            if (l->tail == NONE)
                l->head = NONE;
        }
        w->sum[x & RING_MASK] = sum;
        w->prev[x & RING_MASK] = l->tail;
        w->next[x & RING_MASK] = NONE;
        if (l->tail != NONE)
            w->next[l->tail & RING_MASK] = x;
        else
            l->head = x;
        l->tail = x;
        w->j++;
    }
}

/* Moves the frontier candidate one event on (m < j). */
static void advance(struct sweep *w)
{
    const uint64_t x = w->m;
    const int64_t d = w->delta[x & RING_MASK];
    struct lane *l = &w->lane[w->pthread_of[w->ev[x].thread]];
    w->live_m = (uint64_t)((int64_t)w->live_m + d);
    l->base += d;
    if (l->head == x) {
        l->head = w->next[x & RING_MASK];
        if (l->head == NONE)
            l->tail = NONE;
        else
            w->prev[l->head & RING_MASK] = NONE;
    }
    const uint64_t add = l->head == NONE ? 0 : add_of(l, w->sum[l->head & RING_MASK]);
    w->adds = w->adds - l->add + add;
    l->add = add;
    w->m++;
}

static void sweep_free(struct sweep *w, uint32_t n_ids, uint32_t n_lanes)
{
    os_table_free(w->size, (size_t)n_ids * sizeof *w->size);
    os_table_free(w->delta, RING * sizeof *w->delta);
    os_table_free(w->sum, RING * sizeof *w->sum);
    os_table_free(w->next, RING * sizeof *w->next);
    os_table_free(w->prev, RING * sizeof *w->prev);
    os_table_free(w->lane, (size_t)n_lanes * sizeof *w->lane);
}

static int sweep_map(struct sweep *w, const struct replay_schedule *s)
{
    w->size = os_table_alloc((size_t)s->n_ids * sizeof *w->size);
    w->delta = os_table_alloc(RING * sizeof *w->delta);
    w->sum = os_table_alloc(RING * sizeof *w->sum);
    w->next = os_table_alloc(RING * sizeof *w->next);
    w->prev = os_table_alloc(RING * sizeof *w->prev);
    w->lane = os_table_alloc((size_t)s->n_threads * sizeof *w->lane);
    if (!w->size || !w->delta || !w->sum || !w->next || !w->prev || !w->lane)
        return -1;
    for (uint32_t t = 0; t < s->n_threads; t++)
        w->lane[t].head = w->lane[t].tail = NONE;
    return 0;
}

int replay_window_build(struct replay_window *w, const struct replay_schedule *s,
                        const struct trace_event *events, char *err, size_t err_len)
{
    memset(w, 0, sizeof *w);
    uint64_t peak = 0, peak_done = 0;
    struct sweep sw = {.ev = events, .pthread_of = s->pthread_of, .n = s->n_events};
    w->n_events = s->n_events;
    w->back = os_table_alloc((size_t)s->n_events * sizeof *w->back);
    int rc = -1;
    if (!w->back || sweep_map(&sw, s) ||
        replay_peak_live(events, s->n_events, s->n_ids, &peak, &peak_done)) {
        snprintf(err, err_len, "cannot map the ordering window for %llu events: %s",
                 (unsigned long long)s->n_events, strerror(errno));
        goto out;
    }
    sw.cap = peak + peak / REPLAY_WINDOW_SLACK;
    /* The trace's peak is event p = peak_done - 1: it waits for every earlier event, and every
     * later event waits for it. */
    const uint64_t p = peak_done ? peak_done - 1 : UINT64_MAX;
    for (uint64_t i = 0; i < s->n_events; i++) {
        extend(&sw);
        while (sw.j <= i) { /* g(m) <= i: event i may not run while the frontier is m */
            advance(&sw);
            extend(&sw);
        }
        uint64_t back = i - sw.m;
        if (i == p)
            back = 0;
        else if (p != UINT64_MAX && i > p && back > i - p - 1)
            back = i - p - 1;
        const uint32_t t = s->pthread_of[events[i].thread];
        w->back[s->first[t] + s->pos[i]] = (uint16_t)back;
    }
    rc = 0;
out:
    sweep_free(&sw, s->n_ids, s->n_threads);
    if (rc)
        replay_window_release(w);
    return rc;
}

void replay_window_release(struct replay_window *w)
{
    os_table_free(w->back, (size_t)w->n_events * sizeof *w->back);
    memset(w, 0, sizeof *w);
}
