/* allocreplay campaign FILE.yaml [--resume [DIR]] [--shard K/N] [-o DIR]: runs a campaign
 * file's matrix through the runner (harness/run/include/run/runner.h) with a progress display, then writes
 * aggregate.csv, the charts and report.html. */
#include "campaign/campaign.h"
#include "cli.h"
#include "config.h"
#include "util/input.h"
#include "campaign/postprocess.h"
#include "campaign/verdict.h"
#include "run/catalog.h"
#include "run/progress.h"
#include "run/runner.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct args {
    const char *out;        /* -o: the results directory itself */
    const char *resume;     /* --resume: "" for the latest run, or the DIR given */
    unsigned shard[2];      /* --shard K/N: K, N; 0/0 = every cell */
};

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* --shard K/N into unsigned[2]. */
static int parse_shard(const char *s, void *dest, char *why, size_t why_len)
{
    unsigned *kn = dest;
    char *end;
    unsigned long a = strtoul(s, &end, 10), b;
    if (end != s && *end == '/' && s[0] >= '0' && s[0] <= '9') {
        s = end + 1;
        b = strtoul(s, &end, 10);
        if (end != s && !*end && s[0] >= '0' && s[0] <= '9' && a >= 1 && a <= b && b <= 1000000) {
            kn[0] = (unsigned)a;
            kn[1] = (unsigned)b;
            return 0;
        }
    }
    snprintf(why, why_len, "K/N with 1 <= K <= N, e.g. 2/8");
    return -1;
}

/* Whether the argument after --resume is its DIR: an existing directory, or a path that does
 * not exist and is not named like a campaign file (so a mistyped DIR gets its own message, not
 * a usage error). An existing file is the campaign file. */
static int resume_takes(const char *next)
{
    size_t n = strlen(next);
    if (next[0] == '-')
        return 0;
    if (access(next, F_OK) == 0)
        return is_dir(next);
    return !(n > 5 && !strcmp(next + n - 5, ".yaml")) && !(n > 4 && !strcmp(next + n - 4, ".yml"));
}

static const struct opt_row rows[] = {
    /* The optional DIR: the next argument when it names a directory (the campaign file never
     * does). */
    {"resume", 0, OPT_STRING, OPT_AT(struct args, resume), .takes = resume_takes, .metavar = "DIR",
     .help = "finish an interrupted run: the latest run of this campaign, or DIR"},
    {"shard", 0, OPT_CUSTOM, OPT_AT(struct args, shard), .parse = parse_shard, .metavar = "K/N",
     .help = "run only cells K, K+N, K+2N, ... (merge the shards with allocreplay merge)"},
    {"output", 'o', OPT_STRING, OPT_AT(struct args, out), .metavar = "DIR",
     .help = "the results directory itself (default: the campaign's output)"},
};

const struct opt_command campaign_command = {
    .prog = "allocreplay campaign",
    .positional = "FILE.yaml",
    .min_pos = 1,
    .max_pos = 1,
    .summary = "Runs a campaign file's matrix, then writes aggregate.csv, charts and report.html.",
    .epilog = "The campaign file format is in docs/campaigns.md.\n",
    OPT_ROWS(rows),
};

/* Whether this build can run backend spec NAME[:settings]: a backend of the build's catalog
 * (every worker's); plugin: and preload: need their file. */
static int backend_built(const struct catalog *cat, const char *name)
{
    if (!strncmp(name, "plugin:", 7) || !strncmp(name, "preload:", 8))
        return access(strchr(name, ':') + 1, R_OK) == 0;
    return catalog_find(cat, name) != NULL;
}

/* A run directory name: YYYYmmdd-HHMMSS, 15 characters (a "-N" suffix when two runs start in
 * the same second). */
static int is_run_name(const char *s)
{
    size_t n = strlen(s);
    if (n < 15)
        return 0;
    for (size_t i = 0; i < 15; i++)
        if (i == 8 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return 0;
    return n == 15 || s[15] == '-';
}

/* The newest run directory under PARENT (names sort by time), into out. */
static int latest_run(const char *parent, char *out, size_t len)
{
    DIR *d = opendir(parent);
    struct dirent *e;
    char best[256] = "";
    if (!d)
        return -1;
    while ((e = readdir(d)))
        if (is_run_name(e->d_name) && strlen(e->d_name) < sizeof best) {
            /* Same-second suffixes ("-2", "-10") compare by length first. */
            size_t lb = strlen(best), le = strlen(e->d_name);
            if (!*best || strncmp(e->d_name, best, 15) > 0 ||
                (!strncmp(e->d_name, best, 15) && (le > lb || (le == lb && strcmp(e->d_name, best) > 0))))
                snprintf(best, sizeof best, "%s", e->d_name);
        }
    closedir(d);
    if (!*best)
        return -1;
    return snprintf(out, len, "%s/%s", parent, best) < (int)len ? 0 : -1;
}

/* A killed run can leave NAME.tmp.PID files (harness/util/include/util/atomic_file.h) behind. Before a resume,
 * remove those whose writing process is gone; a live PID's file may belong to a run still
 * going on in the same directory and is left alone. */
static void remove_stale_temporaries(const char *dir)
{
    static const char *const subdirs[] = {"", "/cells", "/plots"};
    for (size_t i = 0; i < sizeof subdirs / sizeof subdirs[0]; i++) {
        char path[4200], file[4500];
        struct dirent *e;
        DIR *d;
        snprintf(path, sizeof path, "%s%s", dir, subdirs[i]);
        if (!(d = opendir(path)))
            continue;
        while ((e = readdir(d))) {
            const char *t = strstr(e->d_name, ".tmp.");
            char *end;
            long pid;
            if (!t)
                continue;
            pid = strtol(t + 5, &end, 10);
            if (*end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
                continue;
            snprintf(file, sizeof file, "%s/%s", path, e->d_name);
            unlink(file);
        }
        closedir(d);
    }
}

/* Picks the results directory: -o DIR, the DIR given to --resume, the latest run to resume,
 * or a new OUTPUT/<name>/<timestamp>. */
static int choose_dir(const struct args *a, const struct campaign *c, char *out, size_t len)
{
    char parent[4096];
    const char *base = c->output;
    size_t bl = strlen(base);
    if (a->out || (a->resume && *a->resume)) {
        snprintf(out, len, "%s", a->out ? a->out : a->resume);
        return 0;
    }
    if (!c->output_is_parent) {
        snprintf(out, len, "%s", c->output);
        return 0;
    }
    snprintf(parent, sizeof parent, "%.*s/%s", (int)(bl > 1 && base[bl - 1] == '/' ? bl - 1 : bl),
             base, c->name);
    if (a->resume) {
        if (latest_run(parent, out, len)) {
            fprintf(stderr, "allocreplay campaign: --resume: no earlier run of '%s' in %s/\n",
                    c->name, parent);
            return -1;
        }
        return 0;
    }
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (unsigned k = 1;; k++) {
        int n = k == 1 ? snprintf(out, len, "%s/%s", parent, stamp)
                       : snprintf(out, len, "%s/%s-%u", parent, stamp, k);
        if (n >= (int)len) {
            fprintf(stderr, "allocreplay campaign: %s: path too long\n", parent);
            return -1;
        }
        if (access(out, F_OK) != 0)
            return 0;
    }
}

/* "FILE:LINE:COLUMN" of each backend the run will use (pointers into c's two lists), for the
 * runner's errors about a backend. 0 or -1. */
static int where_strings(const struct campaign *c, const char **backends, size_t nb, char **where)
{
    for (size_t k = 0; k < nb; k++) {
        const struct campaign_where *w = NULL;
        for (size_t i = 0; i < c->n_backends && !w; i++)
            if (backends[k] == c->backends[i])
                w = &c->backend_where[i];
        for (size_t i = 0; i < c->n_optional_backends && !w; i++)
            if (backends[k] == c->optional_backends[i])
                w = &c->optional_backend_where[i];
        if (w && asprintf(&where[k], "%s:%lu:%lu", c->file, w->line, w->column) < 0) {
            where[k] = NULL;
            return -1;
        }
    }
    return 0;
}

/* Appends s to out as one shell word (quoted when it holds anything but [A-Za-z0-9_./:=+-]). */
static size_t put_word(char *out, size_t len, size_t o, const char *s)
{
    int plain = *s != 0;
    for (const char *p = s; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=+-", *p))
            plain = 0;
    if (o + 1 < len)
        out[o++] = ' ';
    if (!plain && o + 1 < len)
        out[o++] = '\'';
    for (const char *p = s; *p && o + 5 < len; p++) {
        if (*p == '\'' && !plain) {
            memcpy(out + o, "'\\''", 4);
            o += 4;
        } else {
            out[o++] = *p;
        }
    }
    if (!plain && o + 1 < len)
        out[o++] = '\'';
    out[o < len ? o : len - 1] = 0;
    return o;
}

/* Written by the handler of SIGINT, SIGTERM and SIGHUP: how to finish the run. */
static char resume_note[9000];
static size_t resume_note_len;

static void on_interrupt(int sig)
{
    ssize_t w = write(STDERR_FILENO, resume_note, resume_note_len);
    (void)w;
    raise(sig); /* SA_RESETHAND: now with the default action, so the exit status says so */
}

/* An interrupted campaign says how to resume it. Signals the caller ignores (nohup) stay
 * ignored. */
static void note_on_interrupt(const char *file, const char *dir, const unsigned shard[2], int tty)
{
    char kn[32];
    size_t o = (size_t)snprintf(resume_note, sizeof resume_note,
                                "%sallocreplay campaign: interrupted; finish the run with:\n"
                                "  allocreplay campaign", tty ? "\r\033[K" : "");
    o = put_word(resume_note, sizeof resume_note, o, file);
    o = put_word(resume_note, sizeof resume_note, o, "--resume");
    o = put_word(resume_note, sizeof resume_note, o, dir);
    if (shard[1]) {
        snprintf(kn, sizeof kn, "%u/%u", shard[0], shard[1]);
        o = put_word(resume_note, sizeof resume_note, o, "--shard");
        o = put_word(resume_note, sizeof resume_note, o, kn);
    }
    if (o + 1 < sizeof resume_note)
        resume_note[o++] = '\n';
    resume_note_len = o;
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa = {.sa_handler = on_interrupt, .sa_flags = SA_RESETHAND};
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

/* The progress callback: announces the run on the runner's start call, once the traces, the
 * backends and the results directory are checked, so a refused campaign prints only its one
 * error line; then draws the progress. */
struct announce {
    struct progress prog;
    const struct campaign *c;
    size_t n_backends;
    int resume;
    const char *dir;
    const unsigned *shard; /* K, N */
};

static void announce_progress(void *user, const struct cell_progress *cp)
{
    struct announce *an = user;
    if (!cp->done) {
        char name[128];
        fprintf(stderr,
                "allocreplay campaign: %s: %zu traces x %zu backends x %u repetitions%s -> %s\n",
                input_printable(name, sizeof name, an->c->name, 120), an->c->n_traces,
                an->n_backends, an->c->repetitions, an->resume ? " (resuming)" : "", an->dir);
        /* From now on the directory exists and an interrupt leaves a run to resume. */
        note_on_interrupt(an->c->file, an->dir, an->shard, an->prog.tty);
    }
    progress_update(&an->prog, cp);
}

/* The campaign's backends this build has into BACKENDS (N of them): a missing required one is
 * an error naming its place in the file; a missing optional one a note. */
static int select_backends(const struct campaign *c, const struct catalog *cat,
                           const char **backends, size_t *n)
{
    char err[1024], shown[64];
    for (size_t i = 0; i < c->n_backends; i++) {
        if (!backend_built(cat, c->backends[i])) {
            if (strncmp(c->backends[i], "plugin:", 7) && strncmp(c->backends[i], "preload:", 8))
                catalog_unknown(cat, c->backends[i], err, sizeof err);
            else
                snprintf(err, sizeof err, "backend '%s': no such file",
                         input_printable(shown, sizeof shown, c->backends[i], 56));
            fprintf(stderr, "allocreplay campaign: %s:%lu:%lu: %s (optional_backends skips "
                            "missing ones)\n",
                    c->file, c->backend_where[i].line, c->backend_where[i].column, err);
            return -1;
        }
        backends[(*n)++] = c->backends[i];
    }
    for (size_t i = 0; i < c->n_optional_backends; i++) {
        if (backend_built(cat, c->optional_backends[i]))
            backends[(*n)++] = c->optional_backends[i];
        else
            fprintf(stderr, "allocreplay campaign: note: optional backend %s is not in this build: skipped\n",
                    input_printable(shown, sizeof shown, c->optional_backends[i], 56));
    }
    return 0;
}

/* After the run: charts, report and verdict (not for a shard: they wait for the merge), and
 * where everything is. Returns the exit status. */
static int finish_outputs(const struct args *a, const struct campaign *c, const char *dir, int rc)
{
    char err[1024];
    if (results_postprocess(dir, a->shard[1] ? 0 : c->charts, err, sizeof err)) {
        fprintf(stderr, "allocreplay campaign: %s\n", err);
        rc = 2;
    }
    if (a->shard[1])
        printf("shard %u/%u: %s\nafter the last shard: allocreplay merge -o OUT_DIR SHARD_DIR...\n",
               a->shard[0], a->shard[1], dir);
    else
        printf("results: %s/summary.csv and aggregate.csv\n", dir);
    if (!a->shard[1] && c->charts && rc != 2)
        printf("charts:  %s/plots/\nreport:  %s/report.html\n", dir, dir);
    if (!a->shard[1] && verdict_print_dir(stdout, dir, err, sizeof err))
        fprintf(stderr, "allocreplay campaign: %s\n", err);
    if (rc == 1)
        printf("some cells failed: see the status column of %s/summary.csv\n", dir);
    return rc;
}

/* The runner's plan for campaign C with the BACKENDS this build has. */
static struct run_plan campaign_plan(const struct args *a, const struct campaign *c,
                                     const char **backends, size_t nb, const char *dir,
                                     char **where)
{
    return (struct run_plan){
        .name = c->name,
        .traces = (const char *const *)c->traces,
        .n_traces = c->n_traces,
        .backends = backends,
        .n_backends = nb,
        .repetitions = c->repetitions,
        .warmup = c->warmup,
        .opt = c->opt,
        .out_dir = dir,
        .shard_k = a->shard[0],
        .shard_n = a->shard[1],
        .resume = a->resume != NULL,
        .campaign_file = c->file,
        .campaign_hash = campaign_hash(c),
        .backend_where = (const char *const *)where,
    };
}

int cmd_campaign(int argc, char **argv)
{
    struct args a = {0};
    struct opt_parsed p;
    struct campaign c;
    struct announce an;
    struct catalog cat = {0};
    char err[1024], dir[4096];
    const char **backends = NULL;
    char **where = NULL;
    size_t nb = 0;
    int rc;

    if ((rc = cli_parse(&campaign_command, argc, argv, &a, &p)) >= 0)
        return rc;
    if (a.resume && *a.resume && a.out)
        return cli_usage_error(&campaign_command, "give the directory to resume either after "
                                                  "--resume or with -o, not both");
    if (campaign_load(&c, p.pos[0], err, sizeof err)) {
        fprintf(stderr, "allocreplay campaign: %s\n", err);
        return 2;
    }
    if (catalog_load(&cat, err, sizeof err)) {
        fprintf(stderr, "allocreplay campaign: %s\n", err);
        campaign_free(&c);
        return 1;
    }
    backends = calloc(c.n_backends + c.n_optional_backends, sizeof *backends);
    if (!backends) {
        fprintf(stderr, "allocreplay campaign: out of memory\n");
        rc = 2;
        goto out;
    }
    if (select_backends(&c, &cat, backends, &nb)) {
        rc = 2;
        goto out;
    }
    if (choose_dir(&a, &c, dir, sizeof dir)) {
        rc = 2;
        goto out;
    }
    /* --resume DIR names a run to finish: a missing one is a mistake. -o DIR --resume is how
     * a job script that may be requeued starts (docs/scaling.md): the first time, a new run. */
    if (a.resume && !a.out && !is_dir(dir)) {
        fprintf(stderr, "allocreplay campaign: --resume: %s: no such results directory\n", dir);
        rc = 2;
        goto out;
    }
    if (a.resume)
        remove_stale_temporaries(dir);
    where = calloc(nb ? nb : 1, sizeof *where);
    if (!where || where_strings(&c, backends, nb, where)) {
        fprintf(stderr, "allocreplay campaign: out of memory\n");
        rc = 2;
        goto out;
    }

    struct run_plan plan = campaign_plan(&a, &c, backends, nb, dir, where);
    an = (struct announce){.c = &c, .n_backends = nb, .resume = a.resume != NULL, .dir = dir,
                           .shard = a.shard};
    progress_init(&an.prog, stderr);
    rc = runner_execute(&plan, announce_progress, &an);
    progress_finish(&an.prog);
    if (rc == 2)
        goto out;

    rc = finish_outputs(&a, &c, dir, rc);
out:
    for (size_t i = 0; where && i < nb; i++)
        free(where[i]);
    free(where);
    free(backends);
    catalog_free(&cat);
    campaign_free(&c);
    return rc;
}
