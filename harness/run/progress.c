#include "run/progress.h"

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

void progress_update(void *user, const struct cell_progress *cp)
{
    struct progress *p = user;
    /* The start of the run: the clock starts with the first cell, not with the checks. */
    if (!cp->done) {
        p->start = now();
        return;
    }
    double elapsed = now() - p->start;
    char el[32], eta[32] = "?";

    /* The first report may come after cells skipped by --resume: the rate counts only the
     * cells run by this process. */
    if (!p->started) {
        p->started = 1;
        p->first_done = cp->done ? cp->done - 1 : 0;
    }
    size_t run = cp->done - p->first_done;
    if (run > 0 && cp->done <= cp->total)
        format_duration(eta, sizeof eta, elapsed / (double)run * (double)(cp->total - cp->done));
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
}
