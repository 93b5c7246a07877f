/* allocreplay merge -o OUT DIR...: combines the results directories of shards (--shard K/N)
 * into one: every complete cell file of DIR/cells/ is copied into OUT/cells/, the CSV files
 * are rebuilt from them (results_assemble), meta.yaml is the first shard's plus the list of
 * shards, and aggregate.csv, the charts and report.html follow as after a campaign. */
#include "util/atomic_file.h"
#include "campaign/campaign.h"
#include "cli.h"
#include "campaign/postprocess.h"
#include "run/runner.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct args {
    const char *out;
    int no_charts; /* e.g. on a cluster's login node without gnuplot: plot later */
};

static const struct opt_row rows[] = {
    {"no-charts", 0, OPT_FLAG, OPT_AT(struct args, no_charts),
     .help = "write no charts and no report.html (allocreplay plot draws them later)"},
    {"output", 'o', OPT_STRING, OPT_AT(struct args, out), .metavar = "OUT_DIR", .required = 1,
     .help = "the merged results directory (created if missing)"},
};

const struct opt_command merge_command = {
    .prog = "allocreplay merge",
    .positional = "RESULTS_DIR...",
    .min_pos = 1,
    .max_pos = -1,
    .summary = "Merges the results directories of campaign shards into one.",
    .about = "Combines the results directories of campaign shards (--shard K/N) into OUT_DIR,\n"
             "then writes aggregate.csv and, unless --no-charts, the charts and report.html.\n",
    OPT_ROWS(rows),
};

/* 1 when the files at A and B have the same bytes, 0 if not, -1 on a read error. */
static int same_contents(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int rc = -1;
    if (fa && fb) {
        int ca, cb;
        do {
            ca = getc(fa);
            cb = getc(fb);
        } while (ca == cb && ca != EOF);
        rc = ca == cb && !ferror(fa) && !ferror(fb);
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return rc;
}

static int copy_file(const char *from, const char *to, char *err, size_t err_len)
{
    struct atomic_file af;
    char buf[65536];
    size_t n;
    FILE *in = fopen(from, "rb");
    if (!in) {
        snprintf(err, err_len, "%.900s: cannot open: %s", from, strerror(errno));
        return -1;
    }
    if (atomic_file_open(&af, to, err, err_len)) {
        fclose(in);
        return -1;
    }
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, af.f);
    if (ferror(in)) {
        snprintf(err, err_len, "%.900s: read error", from);
        fclose(in);
        atomic_file_abort(&af);
        return -1;
    }
    fclose(in);
    return atomic_file_commit(&af, err, err_len);
}

/* Copies the cell files of SHARD/cells into OUT/cells; counts them in *copied. A cell present
 * in two shards is an error unless both copies are identical (merging twice is harmless). */
static int merge_cells(const char *shard, const char *out, size_t *copied, char *err,
                       size_t err_len)
{
    char from_dir[4096], from[4400], to[4400];
    struct dirent *e;
    DIR *d;
    snprintf(from_dir, sizeof from_dir, "%s/cells", shard);
    if (!(d = opendir(from_dir))) {
        snprintf(err, err_len, "%s: not a results directory (no cells/: %s)", shard, strerror(errno));
        return -1;
    }
    *copied = 0;
    while ((e = readdir(d))) {
        struct stat st;
        if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp."))
            continue; /* a temporary file of an interrupted run is not a result */
        snprintf(from, sizeof from, "%s/%s", from_dir, e->d_name);
        snprintf(to, sizeof to, "%s/cells/%s", out, e->d_name);
        if (stat(from, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (access(to, F_OK) == 0) {
            int same = same_contents(from, to);
            if (same == 1)
                continue;
            snprintf(err, err_len, "%s: cell file %s is also in another shard, with other contents",
                     shard, e->d_name);
            closedir(d);
            return -1;
        }
        if (copy_file(from, to, err, err_len)) {
            closedir(d);
            return -1;
        }
        ++*copied;
    }
    closedir(d);
    return 0;
}

/* meta.yaml: the first shard's (machine, build, campaign), without its `shard:` line, followed
 * by a `merged:` entry naming every shard. */
static int write_meta(const char *out, char **shards, const size_t *copied, int n, char *err,
                      size_t err_len)
{
    struct atomic_file af;
    char path[4200], stamp[64];
    time_t now = time(NULL);
    struct tm tm;
    snprintf(path, sizeof path, "%s/meta.yaml", out);
    if (atomic_file_open(&af, path, err, err_len))
        return -1;
    for (int i = 0; i < n; i++) {
        char src[4200], line[4096];
        snprintf(src, sizeof src, "%s/meta.yaml", shards[i]);
        FILE *f = fopen(src, "r");
        if (!f)
            continue;
        /* The shard's own `shard: K/N` would misdescribe the whole: `merged:` replaces it. */
        int last = '\n';
        while (fgets(line, sizeof line, f)) {
            if (last == '\n' && !strncmp(line, "shard:", 6)) {
                last = line[strlen(line) - 1];
                continue;
            }
            fputs(line, af.f);
            last = line[strlen(line) - 1];
        }
        fclose(f);
        if (last != '\n')
            fputc('\n', af.f);
        break;
    }
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(af.f, "merged:\n  at: %s\n  shards:\n", stamp);
    for (int i = 0; i < n; i++) {
        fputs("    - {dir: \"", af.f);
        for (const char *c = shards[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                fputc('\\', af.f);
            fputc(*c, af.f);
        }
        fprintf(af.f, "\", cell_files: %zu}\n", copied[i]);
    }
    return atomic_file_commit(&af, err, err_len);
}

int cmd_merge(int argc, char **argv)
{
    struct args a = {0};
    struct opt_parsed p;
    int rc = cli_parse(&merge_command, argc, argv, &a, &p);
    if (rc >= 0)
        return rc;
    const char *out = a.out;
    char **shards = p.pos;
    int n = p.n_pos;
    size_t *copied = calloc((size_t)n, sizeof *copied);
    char err[1024], path[4200];
    unsigned charts = a.no_charts ? 0 : CHART_ALL;

    rc = 2;
    if (!copied) {
        fprintf(stderr, "allocreplay merge: out of memory\n");
        goto out;
    }
    snprintf(path, sizeof path, "%s/cells", out);
    if ((mkdir(out, 0777) != 0 && errno != EEXIST) || (mkdir(path, 0777) != 0 && errno != EEXIST)) {
        fprintf(stderr, "allocreplay merge: %s: cannot create: %s\n", path, strerror(errno));
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (merge_cells(shards[i], out, &copied[i], err, sizeof err)) {
            fprintf(stderr, "allocreplay merge: %s\n", err);
            goto out;
        }
    if (results_assemble(out)) {
        fprintf(stderr, "allocreplay merge: %s: cannot rebuild the CSV files from cells/\n", out);
        goto out;
    }
    if (write_meta(out, shards, copied, n, err, sizeof err) ||
        results_postprocess(out, charts, err, sizeof err)) {
        fprintf(stderr, "allocreplay merge: %s\n", err);
        goto out;
    }
    printf("merged %d director%s into %s%s\n", n, n == 1 ? "y" : "ies", out,
           charts ? " (summary.csv, aggregate.csv, plots/, report.html)" : "");
    rc = 0;
out:
    free(copied);
    return rc;
}
