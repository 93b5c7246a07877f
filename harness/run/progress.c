#include "run/progress.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void format_duration(char *buf, size_t len, double s)
{
    unsigned long t = (unsigned long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%luh%02lum", t / 3600, t / 60 % 60);
    else
        snprintf(buf, len, "%lum%02lus", t / 60, t % 60);
}

void progress_init(struct progress *p, FILE *out)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = isatty(fileno(out));
    p->start = now();
}

static unsigned terminal_width(FILE *out)
{
    struct winsize ws;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    return 80;
}

/* The start call: the cells to run of each kind. */
static void progress_start(struct progress *p, const struct cell_progress *cp)
{
    p->start = now();
    free(p->left);
    free(p->count);
    free(p->seconds);
    p->n_kinds = cp->n_kinds;
    p->left = calloc(p->n_kinds + 1, sizeof *p->left);
    p->count = calloc(p->n_kinds + 1, sizeof *p->count);
    p->seconds = calloc(p->n_kinds + 1, sizeof *p->seconds);
    if (!p->left || !p->count || !p->seconds)
        p->n_kinds = 0; /* no estimate, the rest works */
    for (size_t k = 0; k < p->n_kinds && cp->kind_todo; k++)
        p->left[k] = cp->kind_todo[k];
}

double progress_eta(const struct progress *p)
{
    double eta = 0;
    if (!p->n_kinds)
        return -1;
    for (size_t k = 0; k < p->n_kinds; k++) {
        if (!p->left[k])
            continue;
        if (!p->count[k])
            return -1;
        eta += (double)p->left[k] * p->seconds[k] / (double)p->count[k];
    }
    return eta;
}

void progress_update(void *user, const struct cell_progress *cp)
{
    struct progress *p = user;
    /* The start of the run: the clock starts with the first cell, not with the checks. */
    if (!cp->done) {
        progress_start(p, cp);
        return;
    }
    if (cp->kind < p->n_kinds) {
        p->left[cp->kind] -= p->left[cp->kind] > 0;
        p->count[cp->kind]++;
        p->seconds[cp->kind] += cp->seconds;
    }
    double elapsed = now() - p->start, left = progress_eta(p);
    char el[32], eta[32] = "?";
    if (left >= 0)
        format_duration(eta, sizeof eta, left);
    format_duration(el, sizeof el, elapsed);

    if (!p->tty) {
        fprintf(p->out, "[%zu/%zu] %s %s rep %u: %s\n", cp->done, cp->total, cp->trace,
                cp->backend, cp->rep, cp->status ? cp->status : (cp->failed ? "failed" : "ok"));
        fflush(p->out);
        return;
    }

    char line[512], bar[32];
    unsigned width = terminal_width(p->out), filled;
    const unsigned bar_len = 16;
    filled = cp->total ? (unsigned)(bar_len * cp->done / cp->total) : bar_len;
    for (unsigned i = 0; i < bar_len; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[bar_len] = '\0';
    /* The runner reports a cell when it ends: the name shown is the cell just finished. */
    int n = snprintf(line, sizeof line, "[%s] %zu/%zu %s, ~%s left | %s/%s #%u%s", bar,
                     cp->done, cp->total, el, eta, cp->trace, cp->backend, cp->rep,
                     cp->failed ? " FAILED" : "");
    /* Never wrap: a wrapped line cannot be redrawn in place with \r. */
    if (n > 0 && (unsigned)n >= width)
        line[width - 1] = '\0';
    if (cp->failed) {
        /* A failure stays on screen: its own line above the bar. */
        fprintf(p->out, "\r\033[K%s %s rep %u failed: %s\n", cp->trace, cp->backend, cp->rep,
                cp->status ? cp->status : "?");
    }
    fprintf(p->out, "\r\033[K%s", line);
    fflush(p->out);
    p->drawn = 1;
}

void progress_finish(struct progress *p)
{
    if (p->tty && p->drawn)
        fprintf(p->out, "\r\033[K");
    p->drawn = 0;
    free(p->left);
    free(p->count);
    free(p->seconds);
    p->left = p->count = NULL;
    p->seconds = NULL;
    p->n_kinds = 0;
}
