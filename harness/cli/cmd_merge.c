/* allocreplay merge [--partial] -o OUT DIR...: combines the results directories of shards
 * (--shard K/N) into one, after merge_plan.h has checked that they are shards of one campaign
 * and one build and that none is missing. The result is built in OUT.tmp.PID next to OUT and
 * renamed into place at the end, so a refused, failed or killed merge leaves OUT as it was:
 * every complete cell file of DIR/cells/ is copied into cells/, the CSV files are rebuilt from
 * them (results_assemble), meta.yaml is the first shard's plus a `merged:` record, and
 * aggregate.csv, the charts and report.html follow as after a campaign. */
#include "util/atomic_file.h"
#include "campaign/campaign.h"
#include "cli.h"
#include "merge_plan.h"
#include "campaign/postprocess.h"
#include "run/runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct args {
    const char *out;
    int no_charts; /* e.g. on a cluster's login node without gnuplot: plot later */
    int partial;   /* merge although shards or cells are missing, recording the gap */
};

static const struct opt_row rows[] = {
    {"partial", 0, OPT_FLAG, OPT_AT(struct args, partial),
     .help = "merge although shards or cells are missing (meta.yaml records the gap)"},
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
             "then writes aggregate.csv and, unless --no-charts, the charts and report.html.\n"
             "The shards must be of one campaign and one build, all of them there; an OUT_DIR\n"
             "holding an earlier merge of the same campaign is merged in. A refused or failed\n"
             "merge leaves OUT_DIR as it was (docs/scaling.md).\n",
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

/* Copies the cell files of SHARD/cells into OUT/cells. A cell present in two shards is an
 * error (1) unless both copies are identical (merging twice is harmless); -1 on an I/O error. */
static int merge_cells(const char *shard, const char *out, char *err, size_t err_len)
{
    char from_dir[4400], from[4700], to[4700];
    struct dirent *e;
    DIR *d;
    snprintf(from_dir, sizeof from_dir, "%s/cells", shard);
    if (!(d = opendir(from_dir))) {
        return errno == ENOENT ? 0 : -1; /* a shard killed before its first cell */
    }
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
            return same < 0 ? -1 : 1;
        }
        if (copy_file(from, to, err, err_len)) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* Removes a temporary tree; what cannot be removed is left for the next merge to try. */
static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Removes the temporaries (BASE.tmp.PID, BASE.old.tmp.PID) of merges into OUT whose process is
 * gone: a merge killed by kill -9 or a power cut. */
static void remove_stale(const char *parent, const char *base)
{
    size_t bl = strlen(base);
    DIR *d = opendir(parent);
    for (struct dirent *e; d && (e = readdir(d));) {
        const char *t = strstr(e->d_name, ".tmp.");
        char *end, path[8400];
        if (strncmp(e->d_name, base, bl) || e->d_name[bl] != '.' || !t)
            continue;
        long pid = strtol(t + 5, &end, 10);
        if (*end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        remove_tree(path);
    }
    if (d)
        closedir(d);
}

/* Fills TMP (created here) with the merge: cells, CSV files, meta.yaml, aggregate.csv.
 * 0; 1 when two shards disagree on a cell (a refusal); -1 on an I/O error. err says why. */
static int build(const struct merge_plan *p, const char *tmp, const char *gaps, char *err,
                 size_t err_len)
{
    char path[4400];
    struct atomic_file af;
    snprintf(path, sizeof path, "%s/cells", tmp);
    if (mkdir(tmp, 0777) || mkdir(path, 0777)) {
        snprintf(err, err_len, "%.900s: cannot create: %s", tmp, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < p->n_in; i++) {
        int rc = merge_cells(p->dirs[i], tmp, err, err_len);
        if (rc)
            return rc;
    }
    if (results_assemble(tmp)) {
        snprintf(err, err_len, "%.900s: cannot rebuild the CSV files from cells/: %s", tmp,
                 strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/meta.yaml", tmp);
    if (atomic_file_open(&af, path, err, err_len))
        return -1;
    if (merge_plan_write_meta(p, af.f, gaps, err, err_len)) {
        atomic_file_abort(&af);
        return -1;
    }
    if (atomic_file_commit(&af, err, err_len) || results_postprocess(tmp, 0, err, err_len))
        return -1;
    return 0;
}

/* Puts TMP in OUT's place: a rename, or an exchange with an OUT that holds an earlier merge
 * (whose cells TMP holds too), after which the old one is removed. */
static int commit(const char *tmp, const char *out, const char *old, char *err, size_t err_len)
{
    if (rename(tmp, out) == 0)
        return 0;
    if (errno == ENOTEMPTY || errno == EEXIST) {
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, out, RENAME_EXCHANGE) == 0) {
            remove_tree(tmp);
            return 0;
        }
        /* No atomic exchange on this file system: two renames, OUT briefly absent. */
        if (errno == EINVAL && rename(out, old) == 0 && rename(tmp, out) == 0) {
            remove_tree(old);
            return 0;
        }
    }
    snprintf(err, err_len, "%s: cannot rename into place: %s", out, strerror(errno));
    return -1;
}

/* OUT as a results directory can take it: missing, empty, or holding an earlier merge (a
 * results directory, which merge_plan_load checks). */
static int check_out(const char *out, char *err, size_t err_len)
{
    char meta[4200];
    struct stat st;
    snprintf(meta, sizeof meta, "%s/meta.yaml", out);
    if (stat(out, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, err_len, "%s: exists and is not a directory", out);
        return -1;
    }
    if (access(meta, F_OK) == 0)
        return 0;
    DIR *d = opendir(out);
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    if (entries) {
        snprintf(err, err_len, "%s: exists and is not a results directory (choose another -o)",
                 out);
        return -1;
    }
    return 0;
}

/* OUT without trailing slashes, its parent directory and its base name. */
static void split_out(const char *out, char *path, char *parent, char *base, size_t len,
                      size_t base_len)
{
    snprintf(path, len, "%s", out);
    for (size_t n = strlen(path); n > 1 && path[n - 1] == '/'; n--)
        path[n - 1] = '\0';
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(parent, len, ".");
    else
        snprintf(parent, len, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    snprintf(base, base_len, "%s", slash ? slash + 1 : path);
}

int cmd_merge(int argc, char **argv)
{
    struct args a = {0};
    struct opt_parsed p;
    struct merge_plan plan = {0};
    char err[1024], gaps[900], out[4000], parent[4000], base[256], tmp[4300], old[4300];
    int rc = cli_parse(&merge_command, argc, argv, &a, &p);
    if (rc >= 0)
        return rc;
    split_out(a.out, out, parent, base, sizeof out, sizeof base);
    snprintf(tmp, sizeof tmp, "%s/%.200s.tmp.%ld", parent, base, (long)getpid());
    snprintf(old, sizeof old, "%s/%.200s.old.tmp.%ld", parent, base, (long)getpid());
    remove_stale(parent, base);
    rc = 2;
    if (check_out(out, err, sizeof err) || merge_plan_load(&plan, p.pos, p.n_pos, out, err,
                                                           sizeof err))
        goto fail;
    merge_plan_gaps(&plan, gaps, sizeof gaps);
    if (*gaps && !a.partial) {
        snprintf(err, sizeof err, "%s (--partial merges without them; campaign --resume finishes a shard)", gaps);
        goto fail;
    }
    int built = build(&plan, tmp, gaps, err, sizeof err);
    if (built) {
        rc = built > 0 ? 2 : 1;
        remove_tree(tmp);
        if (built < 0) /* err names a file of the temporary, now gone */
            fprintf(stderr, "allocreplay merge: %s: nothing written: %s\n", out, err);
        else
            fprintf(stderr, "allocreplay merge: %s\n", err);
        merge_plan_free(&plan);
        return rc;
    }
    if (commit(tmp, out, old, err, sizeof err)) {
        rc = 1;
        remove_tree(tmp);
        goto fail;
    }
    if (*gaps)
        fprintf(stderr, "allocreplay merge: partial: %s\n", gaps);
    rc = 0;
    if (!a.no_charts && results_postprocess(out, CHART_ALL, err, sizeof err)) {
        fprintf(stderr, "allocreplay merge: %s\n", err);
        rc = 2;
    }
    printf("merged %d director%s into %s%s\n", p.n_pos, p.n_pos == 1 ? "y" : "ies", out,
           a.no_charts ? "" : " (summary.csv, aggregate.csv, plots/, report.html)");
    merge_plan_free(&plan);
    return rc;
fail:
    fprintf(stderr, "allocreplay merge: %s\n", err);
    merge_plan_free(&plan);
    return rc;
}
