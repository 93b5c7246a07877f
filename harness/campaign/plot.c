#include "campaign/plot.h"

#include "campaign/aggregate.h"
#include "campaign/campaign.h"
#include "config.h"
#include "util/csv_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct names {
    char **v;
    size_t n;
};

struct plotter {
    const char *dir;
    char gnuplot[4096];
    char scripts[4096];
    char tmp[4096]; /* temporary directory for data files and gnuplot's stderr */
    struct aggregate agg;
    struct names traces, backends;
    char reps[64];
    char *err;
    size_t err_len;
    int drawn;
};

/* ---- small helpers ---- */

static int failf(struct plotter *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static int names_add(struct names *ns, const char *s)
{
    for (size_t i = 0; i < ns->n; i++)
        if (!strcmp(ns->v[i], s))
            return 0;
    char **g = realloc(ns->v, (ns->n + 1) * sizeof *g);
    if (!g)
        return -1;
    ns->v = g;
    if (!(g[ns->n] = strdup(s)))
        return -1;
    ns->n++;
    return 0;
}

static void names_free(struct names *ns)
{
    for (size_t i = 0; i < ns->n; i++)
        free(ns->v[i]);
    free(ns->v);
    ns->v = NULL;
    ns->n = 0;
}

static int find_in_path(const char *prog, char *out, size_t len)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(out, len, "%.*s/%s", (int)(n ? n : 1), n ? path : ".", prog);
        if (access(out, X_OK) == 0)
            return 0;
        path += n;
        if (*path == ':')
            path++;
    }
    return -1;
}

/* Characters safe in a file name; everything else becomes '_'. */
static void slug(char *out, size_t len, const char *s)
{
    size_t i = 0;
    for (; *s && i + 1 < len; s++, i++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        out[i] = ok ? c : '_';
    }
    out[i] = '\0';
}

/* A growing string for gnuplot's -e argument. */
struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->oom = 1;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* NAME='VALUE'; with VALUE quoted for gnuplot (a single quote is written twice). */
static void sb_var(struct sbuf *b, const char *name, const char *value)
{
    sb_add(b, name, strlen(name));
    sb_add(b, "='", 2);
    for (const char *c = value; *c; c++) {
        if (*c == '\'')
            sb_add(b, "'", 1);
        sb_add(b, c, 1);
    }
    sb_add(b, "'; ", 3);
}

static void sb_num(struct sbuf *b, const char *name, size_t v)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%s=%zu; ", name, v);
    sb_add(b, tmp, (size_t)n);
}

static void put_value(FILE *f, double v, int present)
{
    if (present)
        fprintf(f, "\t%.6g", v);
    else
        fputs("\tNaN", f);
}

/* Opens TMP/NAME for writing a data file. */
static FILE *open_data(struct plotter *p, const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", p->tmp, name);
    FILE *f = fopen(path, "w");
    if (!f)
        failf(p, "%s: cannot create: %s", path, strerror(errno));
    return f;
}

static int close_data(struct plotter *p, FILE *f, const char *path)
{
    if (ferror(f) | fclose(f))
        return failf(p, "%s: write failed", path);
    return 0;
}

/* Runs gnuplot on SCRIPT with the variables in VARS, once per format, each into
 * plots/NAME.FMT through a temporary name. */
static int run_gnuplot(struct plotter *p, const char *script, const char *vars, const char *name)
{
    static const char *const formats[] = {"png", "svg"};
    for (size_t k = 0; k < 2; k++) {
        char final[4096], tmp_out[4200], script_path[4200], errpath[4200];
        struct sbuf e = {0};
        pid_t pid;
        int status;

        snprintf(final, sizeof final, "%s/plots/%s.%s", p->dir, name, formats[k]);
        snprintf(tmp_out, sizeof tmp_out, "%s.tmp.%ld", final, (long)getpid());
        snprintf(script_path, sizeof script_path, "%s/%s", p->scripts, script);
        snprintf(errpath, sizeof errpath, "%s/gnuplot.err", p->tmp);
        sb_var(&e, "fmt", formats[k]);
        sb_var(&e, "out", tmp_out);
        sb_var(&e, "plotsdir", p->scripts);
        sb_add(&e, vars, strlen(vars));
        if (e.oom) {
            free(e.s);
            return failf(p, "out of memory");
        }

        pid = fork();
        if (pid < 0) {
            free(e.s);
            return failf(p, "cannot start gnuplot: %s", strerror(errno));
        }
        if (pid == 0) {
            int devnull = open("/dev/null", O_RDWR);
            int errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (devnull >= 0) {
                dup2(devnull, 0);
                dup2(devnull, 1);
            }
            if (errfd >= 0)
                dup2(errfd, 2);
            execl(p->gnuplot, "gnuplot", "-e", e.s, script_path, (char *)NULL);
            _exit(127);
        }
        free(e.s);
        while (waitpid(pid, &status, 0) < 0)
            if (errno != EINTR)
                return failf(p, "waiting for gnuplot: %s", strerror(errno));

        struct stat st;
        int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && stat(tmp_out, &st) == 0 &&
                 st.st_size > 0;
        if (!ok) {
            char line[300] = "";
            FILE *ef = fopen(errpath, "r");
            /* gnuplot's message is the last non-empty line of its stderr. */
            if (ef) {
                char buf[300];
                while (fgets(buf, sizeof buf, ef))
                    if (buf[0] != '\n')
                        snprintf(line, sizeof line, "%s", buf);
                fclose(ef);
            }
            line[strcspn(line, "\n")] = '\0';
            unlink(tmp_out);
            return failf(p, "gnuplot failed on %s (%s): %s", script, name,
                         *line ? line : "no output");
        }
        if (rename(tmp_out, final) != 0) {
            unlink(tmp_out);
            return failf(p, "%s: cannot rename: %s", final, strerror(errno));
        }
    }
    p->drawn++;
    return 0;
}

/* ---- the charts ---- */

static const struct agg_stat *stat_of(struct plotter *p, size_t t, size_t b, int col)
{
    const struct agg_group *g = aggregate_find(&p->agg, p->traces.v[t], p->backends.v[b]);
    return g ? &g->stat[col] : NULL;
}

/* Header row: LABEL then each backend name (tabs or spaces in names would split columns). */
static void put_header(FILE *f, const char *label, struct names *backends, const char *suffix)
{
    fputs(label, f);
    for (size_t b = 0; b < backends->n; b++) {
        fputc('\t', f);
        fputs(backends->v[b], f);
        fputs(suffix, f);
    }
    fputc('\n', f);
}

/* Chart width in pixels for clustered bars: wide enough for every bar, within reason. */
static size_t clamp_width(size_t w)
{
    return w < 1000 ? 1000 : w > 2400 ? 2400 : w;
}

static int chart_throughput(struct plotter *p)
{
    char path[4300];
    FILE *f = open_data(p, "throughput.dat", path, sizeof path);
    if (!f)
        return -1;
    fputs("trace", f);
    for (size_t b = 0; b < p->backends.n; b++)
        fprintf(f, "\t%s\tmin\tmax", p->backends.v[b]);
    fputc('\n', f);
    for (size_t t = 0; t < p->traces.n; t++) {
        fputs(p->traces.v[t], f);
        for (size_t b = 0; b < p->backends.n; b++) {
            const struct agg_stat *s = stat_of(p, t, b, AGG_COL_events_per_sec);
            int ok = s && s->present;
            put_value(f, ok ? s->median / 1e6 : 0, ok);
            put_value(f, ok ? s->min / 1e6 : 0, ok);
            put_value(f, ok ? s->max / 1e6 : 0, ok);
        }
        fputc('\n', f);
    }
    if (close_data(p, f, path))
        return -1;
    /* Traces differ in speed by orders of magnitude (a few large blocks vs many small ones):
     * past a 20x spread a linear axis flattens the slow traces to nothing, so switch to log. */
    double lo = INFINITY, hi = 0;
    for (size_t t = 0; t < p->traces.n; t++)
        for (size_t b = 0; b < p->backends.n; b++) {
            const struct agg_stat *s = stat_of(p, t, b, AGG_COL_events_per_sec);
            if (s && s->present && s->min > 0) {
                lo = fmin(lo, s->min / 1e6);
                hi = fmax(hi, s->median / 1e6);
            }
        }
    char extra[128];
    int logy = hi > 0 && hi / lo > 20;
    snprintf(extra, sizeof extra, "logy=%d; ymin=%.6g; w=%zu; ", logy,
             logy ? pow(10, floor(log10(lo))) : 0.0,
             clamp_width(300 + p->traces.n * (p->backends.n * 14 + 30)));
    struct sbuf v = {0};
    sb_var(&v, "data", path);
    sb_var(&v, "reps", p->reps);
    sb_num(&v, "nb", p->backends.n);
    sb_add(&v, extra, strlen(extra));
    int rc = v.oom ? failf(p, "out of memory") : run_gnuplot(p, "throughput.gp", v.s, "throughput");
    free(v.s);
    return rc;
}

static int chart_latency(struct plotter *p, size_t t)
{
    static const int cols[] = {AGG_COL_p50_ns, AGG_COL_p90_ns, AGG_COL_p99_ns, AGG_COL_p999_ns,
                               AGG_COL_max_ns};
    static const char *const labels[] = {"p50", "p90", "p99", "p99.9", "max"};
    struct names present = {0};
    char path[4300], name[300], s[256];
    int rc = -1;

    for (size_t b = 0; b < p->backends.n; b++) {
        const struct agg_stat *st = stat_of(p, t, b, AGG_COL_p50_ns);
        if (st && st->present && names_add(&present, p->backends.v[b]))
            goto out;
    }
    if (!present.n) {
        rc = 0; /* the latency pass did not run for this trace */
        goto out;
    }
    slug(s, sizeof s, p->traces.v[t]);
    snprintf(name, sizeof name, "latency-%s.dat", s);
    FILE *f = open_data(p, name, path, sizeof path);
    if (!f)
        goto out;
    put_header(f, "percentile", &present, "");
    for (size_t k = 0; k < 5; k++) {
        fputs(labels[k], f);
        for (size_t b = 0; b < present.n; b++) {
            const struct agg_group *g = aggregate_find(&p->agg, p->traces.v[t], present.v[b]);
            const struct agg_stat *st = &g->stat[cols[k]];
            /* A percentile of 0 ns (below the timer's resolution) has no place on a log axis. */
            put_value(f, st->median, st->present && st->median > 0);
        }
        fputc('\n', f);
    }
    if (close_data(p, f, path))
        goto out;
    struct sbuf v = {0};
    sb_var(&v, "data", path);
    sb_var(&v, "reps", p->reps);
    sb_var(&v, "trace", p->traces.v[t]);
    sb_num(&v, "nb", present.n);
    snprintf(name, sizeof name, "latency-%s", s);
    rc = v.oom ? failf(p, "out of memory") : run_gnuplot(p, "latency.gp", v.s, name);
    free(v.s);
out:
    names_free(&present);
    return rc;
}

static int chart_fragmentation(struct plotter *p)
{
    static const int cols[] = {AGG_COL_frag_internal, AGG_COL_frag_jw3, AGG_COL_frag_jw4};
    char path[4300];
    char has[4] = "000"; /* per panel: does any backend have a value (gnuplot cannot autoscale none) */
    FILE *f = open_data(p, "fragmentation.dat", path, sizeof path);
    if (!f)
        return -1;
    for (size_t k = 0; k < 3; k++) {
        if (k)
            fputs("\n\n", f);
        put_header(f, "trace", &p->backends, "");
        for (size_t t = 0; t < p->traces.n; t++) {
            fputs(p->traces.v[t], f);
            for (size_t b = 0; b < p->backends.n; b++) {
                const struct agg_stat *s = stat_of(p, t, b, cols[k]);
                /* Internal: percent. J&W #3 and #4: footprint / live, i.e. the figure + 1, for a
                 * log axis (a small trace on a large-grained allocator is 1000x off). */
                int ok = s && s->present && (k == 0 || s->median + 1 > 0);
                if (ok)
                    has[k] = '1';
                put_value(f, ok ? (k == 0 ? 100 * s->median : s->median + 1) : 0, ok);
            }
            fputc('\n', f);
        }
    }
    int any = strcmp(has, "000") != 0;
    if (close_data(p, f, path) || !any)
        return any ? -1 : 0;
    struct sbuf v = {0};
    sb_var(&v, "data", path);
    sb_var(&v, "reps", p->reps);
    sb_var(&v, "has", has);
    sb_num(&v, "nb", p->backends.n);
    sb_num(&v, "w", clamp_width(300 + p->traces.n * (p->backends.n * 14 + 30)));
    int rc = v.oom ? failf(p, "out of memory") : run_gnuplot(p, "fragmentation.gp", v.s, "fragmentation");
    free(v.s);
    return rc;
}

/* The memory timeline of one (trace, backend): the rows of its first repetition in the file. */
#define TL_COLS 5
#define TL_TIME 4
struct series {
    char *trace, *backend;
    char rep[32];
    double *v; /* per row, TL_COLS values: event, live, footprint, rss (bytes), time (s); -1 = empty */
    size_t n, cap;
};

struct timeline {
    struct series *s;
    size_t n;
};

static void timeline_free(struct timeline *tl)
{
    for (size_t i = 0; i < tl->n; i++) {
        free(tl->s[i].trace);
        free(tl->s[i].backend);
        free(tl->s[i].v);
    }
    free(tl->s);
}

/* The series of (TRACE, BACKEND), added if new; NULL when out of memory, or with *later_rep
 * set when REP is not the repetition the series was started with. */
static struct series *series_for(struct timeline *tl, const char *trace, const char *backend,
                                 const char *rep, int *later_rep)
{
    for (size_t i = 0; i < tl->n; i++)
        if (!strcmp(tl->s[i].trace, trace) && !strcmp(tl->s[i].backend, backend)) {
            *later_rep = strcmp(tl->s[i].rep, rep) != 0;
            return &tl->s[i];
        }
    struct series *g = realloc(tl->s, (tl->n + 1) * sizeof *g);
    if (!g)
        return NULL;
    tl->s = g;
    g = &tl->s[tl->n++];
    memset(g, 0, sizeof *g);
    g->trace = strdup(trace);
    g->backend = strdup(backend);
    snprintf(g->rep, sizeof g->rep, "%s", rep);
    return g->trace && g->backend ? g : NULL;
}

/* Reads DIR/timeline.csv; a missing file means no memory pass ran: no memory charts. */
static int read_timeline(struct plotter *p, struct timeline *tl)
{
    char path[4200];
    struct csv_reader r;
    int rc;
    snprintf(path, sizeof path, "%s/timeline.csv", p->dir);
    if (access(path, F_OK) != 0)
        return 0;
    if (csv_reader_open(&r, path, p->err, p->err_len))
        return -1;
    int c_trace = csv_reader_column(&r, "trace"), c_backend = csv_reader_column(&r, "backend");
    /* time_s (a paced memory pass) is absent from results written before it existed. */
    int c_rep = csv_reader_column(&r, "rep"), c_num[TL_COLS] = {csv_reader_column(&r, "event"),
        csv_reader_column(&r, "live_bytes"), csv_reader_column(&r, "footprint_bytes"),
        csv_reader_column(&r, "rss_bytes"), csv_reader_column(&r, "time_s")};
    if (c_trace < 0 || c_backend < 0 || c_rep < 0 || c_num[0] < 0) {
        csv_reader_close(&r);
        return failf(p, "%s: not a timeline.csv (no trace, backend, rep or event column)", path);
    }
    while ((rc = csv_reader_next(&r, p->err, p->err_len)) == 1) {
        int later_rep = 0;
        struct series *s = series_for(tl, csv_reader_field(&r, c_trace), csv_reader_field(&r, c_backend),
                                      csv_reader_field(&r, c_rep), &later_rep);
        if (later_rep)
            continue;
        if (!s || s->n == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 256;
            double *g = s ? realloc(s->v, cap * TL_COLS * sizeof *g) : NULL;
            if (!g) {
                csv_reader_close(&r);
                return failf(p, "%s: out of memory", path);
            }
            s->v = g;
            s->cap = cap;
        }
        for (int k = 0; k < TL_COLS; k++) {
            const char *field = c_num[k] < 0 ? "" : csv_reader_field(&r, c_num[k]);
            s->v[TL_COLS * s->n + (size_t)k] = *field ? strtod(field, NULL) : -1;
        }
        s->n++;
    }
    csv_reader_close(&r);
    return rc < 0 ? -1 : 0;
}

static void put_mib(FILE *f, double bytes)
{
    if (bytes < 0)
        fputs("\tNaN", f);
    else
        fprintf(f, "\t%.6g", bytes / (1024.0 * 1024.0));
}

/* 1 when every sample of trace t's series has a time: its memory passes were paced, and the
 * chart's x axis is seconds rather than events. */
static int timeline_paced(const struct plotter *p, const struct timeline *tl, size_t t)
{
    size_t timed = 0;
    for (size_t i = 0; i < tl->n; i++) {
        const struct series *se = &tl->s[i];
        if (strcmp(se->trace, p->traces.v[t]))
            continue;
        for (size_t k = 0; k < se->n; k++, timed++)
            if (se->v[TL_COLS * k + TL_TIME] < 0)
                return 0;
    }
    return timed > 0;
}

static int chart_memory(struct plotter *p, struct timeline *tl, size_t t)
{
    char path[4300], name[300], s[256];
    struct sbuf names = {0}, v = {0};
    size_t nb = 0;
    FILE *f;
    int rc;

    slug(s, sizeof s, p->traces.v[t]);
    snprintf(name, sizeof name, "memory-%s.dat", s);
    if (!(f = open_data(p, name, path, sizeof path)))
        return -1;
    const int paced = timeline_paced(p, tl, t);
    for (size_t b = 0; b < p->backends.n; b++) {
        for (size_t i = 0; i < tl->n; i++) {
            struct series *se = &tl->s[i];
            char word[256];
            if (strcmp(se->trace, p->traces.v[t]) || strcmp(se->backend, p->backends.v[b]) || !se->n)
                continue;
            if (nb++)
                fputs("\n\n", f);
            for (size_t k = 0; k < se->n; k++) {
                const double *row = &se->v[TL_COLS * k];
                if (paced)
                    fprintf(f, "%.6f", row[TL_TIME]);
                else
                    fprintf(f, "%.0f", row[0]);
                for (int c = 1; c < 4; c++)
                    put_mib(f, row[c]);
                fputc('\n', f);
            }
            /* gnuplot's word() splits on spaces: none may appear inside a name. */
            snprintf(word, sizeof word, "%s", se->backend);
            for (char *c = word; *c; c++)
                if (*c == ' ')
                    *c = '_';
            if (names.len)
                sb_add(&names, " ", 1);
            sb_add(&names, word, strlen(word));
        }
    }
    if (close_data(p, f, path) || !nb) {
        free(names.s);
        return nb ? -1 : 0;
    }
    sb_var(&v, "data", path);
    sb_var(&v, "trace", p->traces.v[t]);
    sb_var(&v, "names", names.oom ? "" : names.s);
    sb_num(&v, "nb", nb);
    sb_num(&v, "xs", (size_t)paced);
    snprintf(name, sizeof name, "memory-%s", s);
    rc = v.oom || names.oom ? failf(p, "out of memory") : run_gnuplot(p, "memory.gp", v.s, name);
    free(v.s);
    free(names.s);
    return rc;
}

/* "Where the memory went" for one trace: per backend, the allocator's own view at the memory
 * pass's peak RSS (medians: live, free, metadata, unused) stacked, next to the peak RSS. An
 * unknown part is NaN: no box, never a zero that would read as "none". */
static int chart_breakdown(struct plotter *p, size_t t)
{
    static const int cols[] = {AGG_COL_view_peak_live_bytes, AGG_COL_view_peak_free_bytes,
                               AGG_COL_view_peak_metadata_bytes, AGG_COL_view_peak_unused_bytes,
                               AGG_COL_peak_rss_bytes};
    char path[4300], name[300], s[256];
    int any = 0;
    slug(s, sizeof s, p->traces.v[t]);
    snprintf(name, sizeof name, "breakdown-%s.dat", s);
    FILE *f = open_data(p, name, path, sizeof path);
    if (!f)
        return -1;
    fputs("backend\tlive\tfree\tmetadata\tunused\tRSS\n", f);
    for (size_t b = 0; b < p->backends.n; b++) {
        if (!aggregate_find(&p->agg, p->traces.v[t], p->backends.v[b]))
            continue;
        for (const char *c = p->backends.v[b]; *c; c++) /* one column: no tabs or spaces */
            fputc(*c == '\t' || *c == ' ' ? '_' : *c, f);
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
            const struct agg_stat *st = stat_of(p, t, b, cols[k]);
            int ok = st && st->present;
            any |= ok && k < 4;
            put_value(f, ok ? st->median / (1024.0 * 1024.0) : 0, ok);
        }
        fputc('\n', f);
    }
    if (close_data(p, f, path) || !any)
        return any ? -1 : 0;
    struct sbuf v = {0};
    sb_var(&v, "data", path);
    sb_var(&v, "trace", p->traces.v[t]);
    sb_var(&v, "reps", p->reps);
    sb_num(&v, "w", clamp_width(400 + p->backends.n * 60));
    snprintf(name, sizeof name, "breakdown-%s", s);
    int rc = v.oom ? failf(p, "out of memory") : run_gnuplot(p, "breakdown.gp", v.s, name);
    free(v.s);
    return rc;
}

static void describe_reps(struct plotter *p)
{
    size_t lo = SIZE_MAX, hi = 0;
    for (size_t i = 0; i < p->agg.n_groups; i++) {
        size_t n = p->agg.group[i].n_ok;
        lo = n < lo ? n : lo;
        hi = n > hi ? n : hi;
    }
    if (lo == hi)
        snprintf(p->reps, sizeof p->reps, "%zu repetition%s", hi, hi == 1 ? "" : "s");
    else
        snprintf(p->reps, sizeof p->reps, "%zu-%zu repetitions", lo, hi);
}

/* Empties and removes the temporary directory; its files are the data files written above
 * (named after the traces) and gnuplot's stderr. */
static void remove_tmp_dir(struct plotter *p)
{
    static const char *const fixed[] = {"throughput.dat", "fragmentation.dat", "gnuplot.err"};
    char f[4400], s[256];
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        snprintf(f, sizeof f, "%s/%s", p->tmp, fixed[i]);
        unlink(f);
    }
    for (size_t t = 0; t < p->traces.n; t++) {
        slug(s, sizeof s, p->traces.v[t]);
        snprintf(f, sizeof f, "%s/latency-%s.dat", p->tmp, s);
        unlink(f);
        snprintf(f, sizeof f, "%s/memory-%s.dat", p->tmp, s);
        unlink(f);
        snprintf(f, sizeof f, "%s/breakdown-%s.dat", p->tmp, s);
        unlink(f);
    }
    rmdir(p->tmp);
}

int plot_results(const char *dir, unsigned charts, char *err, size_t err_len)
{
    struct plotter p = {.dir = dir, .err = err, .err_len = err_len};
    struct timeline tl = {0};
    const char *env = getenv("ALLOCREPLAY_PLOTS_DIR");
    char probe[4200];
    int rc = -1;

    if (find_in_path("gnuplot", p.gnuplot, sizeof p.gnuplot)) {
        snprintf(err, err_len, "gnuplot not found in PATH (Debian: apt-get install gnuplot-nox)");
        return PLOT_NO_GNUPLOT;
    }
    snprintf(p.scripts, sizeof p.scripts, "%s", env && *env ? env : ALLOCREPLAY_SOURCE_ROOT "/plots");
    snprintf(probe, sizeof probe, "%s/common.gp", p.scripts);
    if (access(probe, R_OK) != 0) {
        snprintf(err, err_len, "%s: the gnuplot scripts are missing (set ALLOCREPLAY_PLOTS_DIR)", probe);
        return -1;
    }
    if (aggregate_load(&p.agg, dir, err, err_len))
        return -1;
    for (size_t i = 0; i < p.agg.n_groups; i++)
        if (names_add(&p.traces, p.agg.group[i].trace) ||
            names_add(&p.backends, p.agg.group[i].backend)) {
            snprintf(err, err_len, "out of memory");
            goto out_agg;
        }
    describe_reps(&p);

    snprintf(probe, sizeof probe, "%s/plots", dir);
    if (mkdir(probe, 0777) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "%s: cannot create: %s", probe, strerror(errno));
        goto out_agg;
    }
    const char *tmpdir = getenv("TMPDIR");
    snprintf(p.tmp, sizeof p.tmp, "%s/allocreplay-plot-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(p.tmp)) {
        snprintf(err, err_len, "%s: cannot create a temporary directory: %s", p.tmp, strerror(errno));
        goto out_agg;
    }

    if ((charts & CHART_THROUGHPUT) && chart_throughput(&p))
        goto out;
    if (charts & CHART_LATENCY)
        for (size_t t = 0; t < p.traces.n; t++)
            if (chart_latency(&p, t))
                goto out;
    if (charts & CHART_MEMORY) {
        if (read_timeline(&p, &tl))
            goto out;
        for (size_t t = 0; t < p.traces.n; t++)
            if (chart_memory(&p, &tl, t) || chart_breakdown(&p, t))
                goto out;
    }
    if ((charts & CHART_FRAGMENTATION) && chart_fragmentation(&p))
        goto out;
    rc = p.drawn;
out:
    remove_tmp_dir(&p);
    timeline_free(&tl);
out_agg:
    names_free(&p.traces);
    names_free(&p.backends);
    aggregate_free(&p.agg);
    return rc;
}
