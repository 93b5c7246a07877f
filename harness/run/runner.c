/* Plans and runs the cells of a run or campaign (runner.h): one fresh worker per cell and pass,
 * cells in interleaved order, each cell's files written as soon as it is done. */
#include "run/runner.h"

#include "replay/os.h"
#include "replay/pace.h"
#include "replay/replay.h"
#include "run/catalog.h"
#include "run/identity.h"
#include "run/results.h"
#include "run/spawn.h"
#include "trace/trace.h"
#include "util/meter.h"
#include "replay/worker_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHECK_TIMEOUT_S 30 /* for `worker --check SPEC` */

int run_window_parse(const char *s, uint32_t *window)
{
    return replay_window_parse(s, window);
}

int run_pace_parse(const char *s, double *pace)
{
    return pace_parse(s, pace);
}

/* Where and how each backend spec runs. */
struct target {
    const char *spec;    /* as the user wrote it; passed to the worker */
    char *worker;        /* executable */
    const char *preload; /* LD_PRELOAD, for preload:PATH */
    char *label;         /* the spec's canonical form: the backend column */
    char *config;        /* the effective settings the worker read back */
};

struct runner {
    const struct run_plan *plan;
    struct target *targets;
    char **trace_names; /* the trace column: the trace's own name */
    uint64_t *trace_checksums; /* trace_checksum() of each, for meta.yaml */
    const char *timer;  /* latency timer for every worker: "tsc" or "clock" */
    double tsc_hz;
    char status[512]; /* of the last cell, for the progress callback */
    char err[1024];
};

static int mkdir_p(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

/* Takes "canonical<TAB>config" from a worker's --check output. Returns 0 or -1. */
static int take_check_output(struct target *t, const char *out)
{
    size_t n = strcspn(out, "\t\n");
    const char *config = out[n] == '\t' ? out + n + 1 : "";
    t->label = strndup(out, n);
    t->config = strndup(config, strcspn(config, "\n"));
    return t->label && t->config && n ? 0 : -1;
}

/* Chooses the worker executable of a spec from the build's catalog: the worker that offers
 * the named backend; plugin:PATH and preload:PATH (under LD_PRELOAD) run in the plain worker.
 * Then asks that worker to resolve and create the spec, so a misspelt backend, a bad setting
 * or a broken plugin is a bad-input error before anything runs; its answer is the spec's
 * canonical label and the settings it read back. */
static int resolve_target(struct target *t, const struct catalog *cat, const char *spec,
                          int threads, char *err, size_t err_len)
{
    memset(t, 0, sizeof *t);
    t->spec = spec;
    if (!strncmp(spec, "preload:", 8)) {
        t->preload = spec + 8;
        if (access(t->preload, R_OK)) {
            snprintf(err, err_len, "backend %s: %s: %s", spec, t->preload, strerror(errno));
            return -1;
        }
    } else if (strncmp(spec, "plugin:", 7)) {
        const struct catalog_backend *b = catalog_find(cat, spec);
        if (!b) {
            catalog_unknown(cat, spec, err, err_len);
            return -1;
        }
        if (!(t->worker = strdup(b->worker))) {
            snprintf(err, err_len, "out of memory");
            return -1;
        }
    }
    if (!t->worker && !(t->worker = spawn_worker_path(NULL))) {
        snprintf(err, err_len, "cannot locate the worker executable");
        return -1;
    }
    /* With --threads the worker also refuses a backend that is not thread-safe, so such a
     * plan fails here, before any cell runs. */
    char *argv[] = {t->worker, "--check", (char *)spec, threads ? "--threads" : NULL, NULL};
    struct spawn_request req = {.path = t->worker, .argv = argv, .preload = t->preload,
                                .report_fd = 1, .timeout_s = CHECK_TIMEOUT_S};
    struct spawn_result res;
    if (spawn_run(&req, &res, err, err_len))
        return -1;
    int rc = 0;
    if (!res.ok) {
        /* The worker's reason is its last line: the dynamic linker may have warned before it
         * (an LD_PRELOAD it could not load). */
        char line[512];
        const char *last = res.errors ? res.errors : "";
        for (const char *q = last; *q; q++)
            if (q[0] == '\n' && q[1])
                last = q + 1;
        snprintf(line, sizeof line, "%s", last);
        line[strcspn(line, "\n")] = 0;
        if (res.exit_code == WORKER_EXIT_USAGE && line[0])
            snprintf(err, err_len, "%s", line);
        else
            snprintf(err, err_len, "backend %s: worker %s: %s", spec, t->worker, res.status);
        rc = -1;
    } else if (take_check_output(t, res.report ? res.report : "")) {
        snprintf(err, err_len, "backend %s: worker %s: no canonical spec in its answer", spec,
                 t->worker);
        rc = -1;
    }
    spawn_result_free(&res);
    return rc;
}

/* Two specs that are one configuration (keys in another order) would share cell files. */
static int check_labels(const struct runner *R, char *err, size_t err_len)
{
    for (size_t i = 0; i < R->plan->n_backends; i++)
        for (size_t j = i + 1; j < R->plan->n_backends; j++)
            if (!strcmp(R->targets[i].label, R->targets[j].label)) {
                snprintf(err, err_len, "backends '%s' and '%s' are the same configuration (%s)",
                         R->targets[i].spec, R->targets[j].spec, R->targets[i].label);
                return -1;
            }
    return 0;
}

/* Loads each trace once in the driver: a bad trace is refused before any cell runs, and the
 * trace's name becomes its label in the results. */
static int check_traces(struct runner *R)
{
    const struct run_plan *plan = R->plan;
    for (size_t i = 0; i < plan->n_traces; i++) {
        struct trace t;
        struct trace_error terr;
        struct trace_load_report rep = {{0}};
        struct meter m;
        meter_start(&m, stderr, plan->traces[i], "events checked", 0);
        struct trace_load_options lopt = {.lenient = plan->opt.lenient,
                                          .progress = meter_report, .progress_ctx = &m};
        if (trace_load(plan->traces[i], &lopt, &t, &rep, &terr)) {
            snprintf(R->err, sizeof R->err, "%s", terr.msg);
            return -1;
        }
        meter_finish(&m, t.n_events);
        if (plan->opt.pace > 0 && !t.times) {
            snprintf(R->err, sizeof R->err,
                     "%s: a paced run needs a timed trace, and this one has no times "
                     "(docs/trace-format.md, \"Time\")", plan->traces[i]);
            trace_release(&t);
            return -1;
        }
        /* --lenient must say what it dropped; the workers drop the same events again. */
        char dropped[512];
        size_t o = 0;
        for (int p = 0; p < TRACE_PROBLEM_COUNT; p++)
            if (rep.dropped[p] && o < sizeof dropped)
                o += (size_t)snprintf(dropped + o, sizeof dropped - o, "%s%llu %s", o ? ", " : "",
                                      (unsigned long long)rep.dropped[p],
                                      trace_problem_name((enum trace_problem)p));
        if (!t.n_events) { /* nothing to replay: 0 ns/event would pass for a result */
            snprintf(R->err, sizeof R->err, "%s: the trace has no events%s%s%s", plan->traces[i],
                     o ? " (dropped " : "", o ? dropped : "", o ? ")" : "");
            trace_release(&t);
            return -1;
        }
        if (o)
            fprintf(stderr, "allocreplay: %s: dropped %s\n", plan->traces[i], dropped);
        R->trace_names[i] = strdup(t.name && *t.name ? t.name : plan->traces[i]);
        R->trace_checksums[i] = trace_checksum(&t);
        trace_release(&t);
        if (!R->trace_names[i]) {
            snprintf(R->err, sizeof R->err, "out of memory");
            return -1;
        }
    }
    /* Two traces with one name would share cell files: label those by their paths. */
    for (size_t i = 0; i < plan->n_traces; i++)
        for (size_t j = i + 1; j < plan->n_traces; j++)
            if (!strcmp(R->trace_names[i], R->trace_names[j])) {
                char *a = strdup(plan->traces[i]), *b = strdup(plan->traces[j]);
                if (!a || !b) {
                    free(a);
                    free(b);
                    snprintf(R->err, sizeof R->err, "out of memory");
                    return -1;
                }
                free(R->trace_names[i]);
                free(R->trace_names[j]);
                R->trace_names[i] = a;
                R->trace_names[j] = b;
            }
    return 0;
}

/* Runs one pass of one cell in a fresh worker. Returns 0 (res filled) or -1 (cannot start). */
/* A pass's meter shows its time until the worker's first "p DONE TOTAL" line (a single-
 * threaded pass of a big trace, worker_report.h), then the events replayed against the trace's
 * (past it, the throughput pass's further loops, counted without a total). */
struct pass_meter {
    struct meter m;
    uint64_t done; /* from the last "p" line */
};

static void pass_tick(void *ctx, const char *report, size_t len)
{
    struct pass_meter *pm = ctx;
    unsigned long long done, total;
    while (len && report[len - 1] != '\n') /* a line still being written */
        len--;
    size_t start = len ? len - 1 : 0;
    while (start && report[start - 1] != '\n')
        start--;
    if (len && sscanf(report + start, "p %llu %llu", &done, &total) == 2) {
        pm->m.unit = "events";
        pm->m.total = total;
        pm->done = done;
    }
    meter_update(&pm->m, pm->done);
}

static int run_worker(struct runner *R, size_t ti, const struct target *t, enum replay_pass pass,
                      struct spawn_result *res)
{
    const struct run_options *o = &R->plan->opt;
    char every[32], hz[64], min_time[32], window[16], pace[32], grid[32];
    char *argv[28];
    int n = 0;
    argv[n++] = t->worker;
    argv[n++] = "--trace";
    argv[n++] = (char *)R->plan->traces[ti];
    argv[n++] = "--backend";
    argv[n++] = t->label;
    argv[n++] = "--pass";
    argv[n++] = (char *)replay_pass_name(pass);
    argv[n++] = "--report-fd";
    argv[n++] = "3";
    if (o->touch && (pass == REPLAY_THROUGHPUT || pass == REPLAY_LATENCY))
        argv[n++] = "--touch";
    if (o->lenient)
        argv[n++] = "--lenient";
    if (o->threads) {
        argv[n++] = "--threads";
        if (o->window_set) {
            argv[n++] = "--window";
            argv[n++] = (char *)replay_window_name(o->window, window, sizeof window);
        }
    }
    if (pass == REPLAY_THROUGHPUT && o->min_time_ms) {
        snprintf(min_time, sizeof min_time, "%llu", (unsigned long long)o->min_time_ms);
        argv[n++] = "--min-time";
        argv[n++] = min_time;
    }
    if (pass == REPLAY_MEMORY && o->rss_every) {
        snprintf(every, sizeof every, "%llu", (unsigned long long)o->rss_every);
        argv[n++] = "--rss-every";
        argv[n++] = every;
    }
    if (pass == REPLAY_MEMORY && o->pace > 0) {
        pace_format(o->pace, pace, sizeof pace);
        argv[n++] = "--pace";
        argv[n++] = pace;
        if (o->rss_every_ms) {
            snprintf(grid, sizeof grid, "%llu", (unsigned long long)o->rss_every_ms);
            argv[n++] = "--rss-every-ms";
            argv[n++] = grid;
        }
    }
    if (pass == REPLAY_LATENCY) {
        if (!strcmp(R->timer, "clock")) {
            argv[n++] = "--timer";
            argv[n++] = "clock";
        } else {
            snprintf(hz, sizeof hz, "%.0f", R->tsc_hz);
            argv[n++] = "--tsc-hz";
            argv[n++] = hz;
        }
    }
    argv[n] = NULL;
    /* A pass longer than a few seconds (a big trace) shows that it is running, and for how
     * long; the worker loads the trace, then replays it. */
    char label[512];
    snprintf(label, sizeof label, "%s %s: %s pass", R->trace_names[ti], t->label,
             replay_pass_name(pass));
    struct pass_meter pm = {.done = 0};
    meter_start(&pm.m, stderr, label, NULL, 0);
    struct spawn_request req = {.path = t->worker, .argv = argv, .preload = t->preload,
                                .report_fd = 3, .timeout_s = o->timeout_s,
                                .memory_limit = o->memory_limit, .tick = pass_tick,
                                .tick_ctx = &pm};
    int rc = spawn_run(&req, res, R->err, sizeof R->err);
    pm.m.unit = NULL; /* the last line gives the pass's time */
    meter_finish(&pm.m, 0);
    return rc;
}

/* Copies the "s COLUMN VALUE" lines of a report into the cell's values. */
static int take_values(struct cell_record *c, const char *report)
{
    for (const char *line = report; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n > 2 && line[0] == 's' && line[1] == ' ') {
            const char *name = line + 2, *sp = memchr(name, ' ', n - 2);
            if (sp) {
                char col[64];
                size_t clen = (size_t)(sp - name);
                if (clen < sizeof col) {
                    memcpy(col, name, clen);
                    col[clen] = 0;
                    int i = summary_column_index(col);
                    if (i >= 0) {
                        free(c->value[i]);
                        if (!(c->value[i] = strndup(sp + 1, (size_t)(line + n - sp - 1))))
                            return -1;
                    }
                }
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

static int set_value(struct cell_record *c, int col, const char *v)
{
    free(c->value[col]);
    c->value[col] = strdup(v);
    return c->value[col] ? 0 : -1;
}

/* Runs every pass of one cell and writes its files. Returns 1 if the cell failed, 0 if it
 * succeeded, -1 on a driver error (cannot start workers, cannot write results). */
static int run_cell(struct runner *R, size_t ti, size_t bi, unsigned rep, const char *key,
                    const char **status)
{
    const struct run_plan *plan = R->plan;
    struct cell_record c = {.trace = R->trace_names[ti], .backend = R->targets[bi].label, .rep = rep};
    struct spawn_result keep[2] = {{0}};
    enum replay_pass passes[4];
    int np = 0, failed = 0, rc = -1;
    char buf[32];

    if (plan->opt.verify)
        passes[np++] = REPLAY_VERIFY;
    passes[np++] = REPLAY_THROUGHPUT;
    if (plan->opt.latency)
        passes[np++] = REPLAY_LATENCY;
    if (plan->opt.memory)
        passes[np++] = REPLAY_MEMORY;

    snprintf(buf, sizeof buf, "%u", rep);
    if (set_value(&c, SUMMARY_COL_trace, c.trace) || set_value(&c, SUMMARY_COL_backend, c.backend) ||
        set_value(&c, SUMMARY_COL_rep, buf))
        goto out;
    for (int i = 0; i < np && !failed; i++) {
        struct spawn_result res;
        if (run_worker(R, ti, &R->targets[bi], passes[i], &res))
            goto out;
        if (take_values(&c, res.report)) {
            spawn_result_free(&res);
            goto out;
        }
        if (!res.ok) {
            failed = 1;
            snprintf(R->status, sizeof R->status, "%s", res.status);
            if (set_value(&c, SUMMARY_COL_status, res.status) ||
                set_value(&c, SUMMARY_COL_failed_pass, replay_pass_name(passes[i]))) {
                spawn_result_free(&res);
                goto out;
            }
            spawn_result_free(&res);
            break;
        }
        /* The latency and memory reports are kept for their histogram and timeline lines. */
        if (passes[i] == REPLAY_LATENCY) {
            keep[0] = res;
            c.latency_report = res.report;
        } else if (passes[i] == REPLAY_MEMORY) {
            keep[1] = res;
            c.memory_report = res.report;
        } else {
            spawn_result_free(&res);
        }
    }
    if (!failed) {
        snprintf(R->status, sizeof R->status, "ok");
        if (set_value(&c, SUMMARY_COL_status, "ok"))
            goto out;
    }
    if (results_write_cell(plan->out_dir, key, &c, R->err, sizeof R->err)) {
        /* The cell's figures could not be written (a full disk, a file size limit): record it
         * as failed, with the reason and without its long latency and timeline rows, so the
         * campaign goes on. Only if even that fails is the run over. */
        snprintf(R->status, sizeof R->status, "%.*s", (int)sizeof R->status - 1, R->err);
        c.latency_report = c.memory_report = NULL;
        if (set_value(&c, SUMMARY_COL_status, R->status) ||
            results_write_cell(plan->out_dir, key, &c, R->err, sizeof R->err))
            goto out;
        R->err[0] = '\0';
        failed = 1;
    }
    *status = R->status;
    rc = failed;
out:
    if (rc < 0 && !R->err[0])
        snprintf(R->err, sizeof R->err, "out of memory");
    for (int i = 0; i < SUMMARY_N_COLUMNS; i++)
        free(c.value[i]);
    spawn_result_free(&keep[0]);
    spawn_result_free(&keep[1]);
    return rc;
}

/* Unrecorded throughput passes before the first measured cell of a (trace, backend). */
static int warm_up(struct runner *R, size_t ti, size_t bi)
{
    for (unsigned w = 0; w < R->plan->warmup; w++) {
        struct spawn_result res;
        if (run_worker(R, ti, &R->targets[bi], REPLAY_THROUGHPUT, &res))
            return -1;
        spawn_result_free(&res);
    }
    return 0;
}

static void choose_timer(struct runner *R)
{
    R->timer = NULL;
    if (!R->plan->opt.latency)
        return;
    R->timer = "clock";
    if (os_tsc_usable() && (R->tsc_hz = os_tsc_calibrate(100)) > 0)
        R->timer = "tsc";
}

/* Advances *idx past the next cell of this shard still to run (a resumed run skips the cells
 * already done), setting its trace, backend, repetition and key. Returns 0 when none is left.
 * The order is interleaved: repetition-major, then trace, then backend, so that slow drift of
 * the machine (thermal, other tenants) spreads over every backend instead of hitting one. */
static int next_cell(const struct runner *R, size_t *idx, size_t *ti, size_t *bi, unsigned *rep,
                     char *key, size_t key_len)
{
    const struct run_plan *plan = R->plan;
    const size_t nt = plan->n_traces, nb = plan->n_backends;
    const size_t total_cells = nt * nb * plan->repetitions;
    while (*idx < total_cells) {
        const size_t i = (*idx)++;
        if (plan->shard_n && i % plan->shard_n != plan->shard_k - 1)
            continue;
        *ti = i / nb % nt;
        *bi = i % nb;
        *rep = (unsigned)(i / (nb * nt)) + 1;
        results_cell_key(key, key_len, R->trace_names[*ti], R->targets[*bi].label, *rep);
        if (!(plan->resume && results_cell_done(plan->out_dir, key)))
            return 1;
    }
    return 0;
}

static int execute(struct runner *R, runner_progress_fn progress, void *user)
{
    const struct run_plan *plan = R->plan;
    const size_t nb = plan->n_backends;
    char key[512];
    int any_failed = 0;
    size_t ti, bi;
    unsigned rep;

    /* This shard's cells still to run, in all and per (trace, backend), for the progress. */
    size_t todo = 0, n_kinds = plan->n_traces * nb;
    size_t *kind_todo = calloc(n_kinds, sizeof *kind_todo);
    unsigned char *warm = calloc(n_kinds + 1, 1);
    if (!warm || !kind_todo) {
        free(kind_todo);
        free(warm);
        return -1;
    }
    for (size_t idx = 0; next_cell(R, &idx, &ti, &bi, &rep, key, sizeof key);) {
        todo++;
        kind_todo[ti * nb + bi]++;
    }
    size_t done = 0;
    if (progress)
        progress(user, &(struct cell_progress){.total = todo, .n_kinds = n_kinds,
                                                .kind_todo = kind_todo});
    free(kind_todo);
    for (size_t idx = 0; next_cell(R, &idx, &ti, &bi, &rep, key, sizeof key);) {
        if (!warm[ti * nb + bi]) {
            warm[ti * nb + bi] = 1;
            if (warm_up(R, ti, bi))
                goto fail;
        }
        const char *status = NULL;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = run_cell(R, ti, bi, rep, key, &status);
        if (rc < 0)
            goto fail;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        any_failed |= rc;
        done++;
        if (progress) {
            struct cell_progress p = {.done = done, .total = todo, .trace = R->trace_names[ti],
                                      .backend = R->targets[bi].label, .rep = rep, .failed = rc,
                                      .status = status, .kind = ti * nb + bi,
                                      .seconds = (double)(t1.tv_sec - t0.tv_sec) +
                                                 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9};
            progress(user, &p);
        }
    }
    free(warm);
    return any_failed;
fail:
    free(warm);
    return -1;
}

/* --resume into a directory of another experiment would mix two experiments' cells: compare
 * the identity meta.yaml records (run/identity.h) with this plan's. An empty directory (a run
 * killed before its meta.yaml) is resumed as a new one. 0, or -1 with err. */
static int check_resume(struct runner *R, const struct meta_info *mi)
{
    const struct run_plan *plan = R->plan;
    struct results_identity there, now;
    struct results_identity_difference d;
    char path[4200], *text = NULL, shard[32] = "(none)";
    size_t len = 0;
    snprintf(path, sizeof path, "%s/meta.yaml", plan->out_dir);
    if (access(path, F_OK)) {
        if (!results_has_cells(plan->out_dir))
            return 0;
        snprintf(R->err, sizeof R->err, "%s: holds cells but no meta.yaml: not a results directory "
                 "of allocreplay", plan->out_dir);
        return -1;
    }
    if (results_identity_load(&there, plan->out_dir, R->err, sizeof R->err))
        return -1;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        results_print_meta(f, plan, mi);
        fclose(f);
    }
    f = text ? fmemopen(text, len, "r") : NULL;
    int rc = f ? results_identity_read(&now, f, "meta.yaml", R->err, sizeof R->err) : -1;
    if (f)
        fclose(f);
    free(text);
    if (rc) {
        if (!R->err[0])
            snprintf(R->err, sizeof R->err, "out of memory");
        results_identity_free(&there);
        return -1;
    }
    if (plan->shard_n)
        snprintf(shard, sizeof shard, "%u/%u", plan->shard_k, plan->shard_n);
    const char *old_shard = results_identity_get(&there, "shard");
    if (!results_identity_get(&there, "kind"))
        snprintf(R->err, sizeof R->err, "--resume: %s: meta.yaml records no identity (written by "
                 "an older allocreplay): start a new run", plan->out_dir);
    else if ((rc = results_identity_diff(&there, &now, &d)))
        snprintf(R->err, sizeof R->err, "--resume: %s holds another experiment: %s is %s there, "
                 "%s now", plan->out_dir, d.what, d.a, d.b);
    else if (strcmp(old_shard ? old_shard : "(none)", shard))
        snprintf(R->err, sizeof R->err, "--resume: %s holds another shard: %s there, %s now",
                 plan->out_dir, old_shard ? old_shard : "(none)", shard);
    results_identity_free(&there);
    results_identity_free(&now);
    return R->err[0] ? -1 : 0;
}

/* Resolves every backend of the plan; an error about one names where it was written. */
static int resolve_targets(struct runner *R, const struct catalog *cat)
{
    const struct run_plan *plan = R->plan;
    char err[sizeof R->err - 200];
    for (size_t i = 0; i < plan->n_backends; i++)
        if (resolve_target(&R->targets[i], cat, plan->backends[i], plan->opt.threads, err,
                           sizeof err)) {
            if (plan->backend_where && plan->backend_where[i])
                snprintf(R->err, sizeof R->err, "%s: %s", plan->backend_where[i], err);
            else
                snprintf(R->err, sizeof R->err, "%s", err);
            return -1;
        }
    return 0;
}

/* The results directory: refused when it would mix two runs, checked on --resume, created. */
static int prepare_out_dir(struct runner *R, const struct meta_info *mi)
{
    const struct run_plan *plan = R->plan;
    /* A new run into a directory holding another run's cells would silently mix the two. */
    if (!plan->resume && results_has_cells(plan->out_dir)) {
        snprintf(R->err, sizeof R->err,
                 "%s: already holds results (finish that run with --resume, or choose another -o)",
                 plan->out_dir);
        return -1;
    }
    if (plan->resume && check_resume(R, mi))
        return -1;
    struct stat st;
    if (mkdir_p(plan->out_dir) || stat(plan->out_dir, &st)) {
        snprintf(R->err, sizeof R->err, "%s: cannot create: %s", plan->out_dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(R->err, sizeof R->err, "%s: not a directory", plan->out_dir);
        return -1;
    }
    return 0;
}

static void runner_free(struct runner *R)
{
    if (R->targets)
        for (size_t i = 0; i < R->plan->n_backends; i++) {
            free(R->targets[i].worker);
            free(R->targets[i].label);
            free(R->targets[i].config);
        }
    if (R->trace_names)
        for (size_t i = 0; i < R->plan->n_traces; i++)
            free(R->trace_names[i]);
    free(R->targets);
    free(R->trace_names);
    free(R->trace_checksums);
}

int runner_execute(const struct run_plan *plan, runner_progress_fn progress, void *user)
{
    struct runner R = {.plan = plan};
    int rc = 2;
    struct meta_info mi = {.started = time(NULL)};
    struct catalog cat = {0};
    const char **labels = NULL, **configs = NULL; /* per backend, for meta.yaml */

    if (!plan->n_traces || !plan->n_backends || !plan->repetitions ||
        (plan->shard_n && (plan->shard_k < 1 || plan->shard_k > plan->shard_n))) {
        fprintf(stderr, "allocreplay: nothing to run (no trace, no backend, no repetition or a bad shard)\n");
        return 2;
    }
    if (plan->opt.pace > 0 && !plan->opt.memory) {
        fprintf(stderr, "allocreplay: pace applies to the memory pass, which is off (--no-memory, "
                        "or the campaign option memory: false)\n");
        return 2;
    }
    R.targets = calloc(plan->n_backends, sizeof *R.targets);
    R.trace_names = calloc(plan->n_traces, sizeof *R.trace_names);
    R.trace_checksums = calloc(plan->n_traces, sizeof *R.trace_checksums);
    if (!R.targets || !R.trace_names || !R.trace_checksums) {
        snprintf(R.err, sizeof R.err, "out of memory");
        goto out;
    }
    if (check_traces(&R))
        goto out;
    if (catalog_load(&cat, R.err, sizeof R.err))
        goto out;
    if (resolve_targets(&R, &cat))
        goto out;
    if (check_labels(&R, R.err, sizeof R.err))
        goto out;
    labels = calloc(plan->n_backends, sizeof *labels);
    configs = calloc(plan->n_backends, sizeof *configs);
    mi.labels = labels;
    mi.configs = configs;
    mi.trace_names = (const char *const *)R.trace_names;
    mi.trace_checksums = R.trace_checksums;
    if (!labels || !configs) {
        snprintf(R.err, sizeof R.err, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < plan->n_backends; i++) {
        labels[i] = R.targets[i].label;
        configs[i] = R.targets[i].config;
    }
    if (prepare_out_dir(&R, &mi))
        goto out;
    choose_timer(&R);
    mi.timer = R.timer;
    mi.tsc_hz = R.timer && !strcmp(R.timer, "tsc") ? R.tsc_hz : 0;
    if (R.timer)
        mi.resolution_ns = mi.tsc_hz > 0 ? (double)os_timer_resolution(1) * 1e9 / mi.tsc_hz
                                         : (double)os_timer_resolution(0);
    if (results_write_meta(plan->out_dir, plan, &mi, R.err, sizeof R.err))
        goto out;

    int result = execute(&R, progress, user);
    if (result < 0) {
        rc = 1;
        goto out;
    }
    mi.finished = time(NULL);
    if (results_write_meta(plan->out_dir, plan, &mi, R.err, sizeof R.err))
        goto out_failed;
    if (results_assemble(plan->out_dir)) {
        snprintf(R.err, sizeof R.err, "%s: cannot assemble the results: %s", plan->out_dir,
                 strerror(errno));
        goto out_failed;
    }
    rc = result;
    goto out;
out_failed:
    rc = 1;
out:
    if (rc && R.err[0])
        fprintf(stderr, "allocreplay: %s\n", R.err);
    free(labels);
    free(configs);
    catalog_free(&cat);
    runner_free(&R);
    return rc;
}
