/* Per-cell result files and their assembly into summary.csv, latency.csv and timeline.csv. */
#include "run/results.h"

#include "util/atomic_file.h"
#include "util/csv.h"
#include "util/csv_reader.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const summary_column_names[SUMMARY_N_COLUMNS] = {
#define X(name, type) #name,
    SUMMARY_COLUMNS(X)
#undef X
};
const char *const latency_column_names[LATENCY_N_COLUMNS] = {
#define X(name, type) #name,
    LATENCY_COLUMNS(X)
#undef X
};
const char *const timeline_column_names[TIMELINE_N_COLUMNS] = {
#define X(name, type) #name,
    TIMELINE_COLUMNS(X)
#undef X
};

int summary_column_index(const char *name)
{
    for (int i = 0; i < SUMMARY_N_COLUMNS; i++)
        if (!strcmp(summary_column_names[i], name))
            return i;
    return -1;
}

static uint32_t fnv1a32(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Appends a file-name-safe form of s; when characters had to be replaced (paths of plugins)
 * a hash of the original keeps two different specs from sharing a name. */
static size_t put_safe(char *out, size_t len, size_t o, const char *s)
{
    int changed = 0;
    size_t n = 0;
    for (const char *p = s; *p && n < 60; p++, n++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || (c == '-' && p[1] != '-' && (p == s || p[-1] != '-'));
        if (!ok)
            changed = 1;
        if (o + 1 < len)
            out[o++] = ok ? c : '_';
    }
    if (strlen(s) > n)
        changed = 1;
    if (changed && o + 10 < len)
        o += (size_t)snprintf(out + o, len - o, "_%08x", fnv1a32(s));
    out[o < len ? o : len - 1] = 0;
    return o;
}

void results_cell_key(char *out, size_t len, const char *trace, const char *backend, unsigned rep)
{
    size_t o = put_safe(out, len, 0, trace);
    o += (size_t)snprintf(out + o, len > o ? len - o : 0, "--");
    o = put_safe(out, len, o, backend);
    snprintf(out + o, len > o ? len - o : 0, "--r%04u", rep);
}

static void cell_path(char *out, size_t len, const char *dir, const char *key, const char *kind)
{
    snprintf(out, len, "%s/cells/%s.%s.csv", dir, key, kind);
}

int results_cell_done(const char *dir, const char *key)
{
    char path[4096];
    cell_path(path, sizeof path, dir, key, "summary");
    return access(path, F_OK) == 0;
}

int results_has_cells(const char *dir)
{
    char path[4096];
    int found = 0;
    snprintf(path, sizeof path, "%s/cells", dir);
    DIR *d = opendir(path);
    for (struct dirent *e; d && !found && (e = readdir(d));)
        found = strstr(e->d_name, ".summary.csv") != NULL;
    if (d)
        closedir(d);
    return found;
}

static int ensure_dir(const char *path)
{
    return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

/* Rows of a worker report with the given tag ('l' or 't'), as CSV rows prefixed by the cell's
 * trace, backend and rep. "-" in a report means an unknown value: an empty field. */
static void write_report_rows(FILE *f, const struct cell_record *c, const char *report, char tag)
{
    char rep[16];
    snprintf(rep, sizeof rep, "%u", c->rep);
    for (const char *line = report; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n > 2 && line[0] == tag && line[1] == ' ') {
            char buf[512];
            if (n - 2 < sizeof buf) {
                memcpy(buf, line + 2, n - 2);
                buf[n - 2] = 0;
                csv_write_field(f, c->trace, 1);
                csv_write_field(f, c->backend, 0);
                csv_write_field(f, rep, 0);
                char *save = NULL;
                for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
                    csv_write_field(f, strcmp(tok, "-") ? tok : NULL, 0);
                csv_end_row(f);
            }
        }
        line = nl ? nl + 1 : NULL;
    }
}

static int write_report_file(const char *dir, const char *key, const char *kind,
                             const char *const *header, size_t n_header,
                             const struct cell_record *c, const char *report, char tag,
                             char *err, size_t err_len)
{
    char path[4096];
    struct atomic_file af;
    cell_path(path, sizeof path, dir, key, kind);
    if (atomic_file_open(&af, path, err, err_len))
        return -1;
    csv_write_row(af.f, header, n_header);
    write_report_rows(af.f, c, report, tag);
    return atomic_file_commit(&af, err, err_len);
}

int results_write_cell(const char *dir, const char *key, const struct cell_record *c, char *err,
                       size_t err_len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/cells", dir);
    if (ensure_dir(dir) || ensure_dir(path)) {
        snprintf(err, err_len, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    if (c->latency_report && write_report_file(dir, key, "latency", latency_column_names,
                                               LATENCY_N_COLUMNS, c, c->latency_report, 'l', err,
                                               err_len))
        return -1;
    if (c->memory_report && write_report_file(dir, key, "timeline", timeline_column_names,
                                              TIMELINE_N_COLUMNS, c, c->memory_report, 't', err,
                                              err_len))
        return -1;
    /* A cell's files say what its record says: no stale rows from an earlier attempt. */
    if (!c->latency_report) {
        cell_path(path, sizeof path, dir, key, "latency");
        unlink(path);
    }
    if (!c->memory_report) {
        cell_path(path, sizeof path, dir, key, "timeline");
        unlink(path);
    }

    struct atomic_file af;
    cell_path(path, sizeof path, dir, key, "summary");
    if (atomic_file_open(&af, path, err, err_len))
        return -1;
    csv_write_row(af.f, summary_column_names, SUMMARY_N_COLUMNS);
    const char *row[SUMMARY_N_COLUMNS];
    for (int i = 0; i < SUMMARY_N_COLUMNS; i++)
        row[i] = c->value[i];
    csv_write_row(af.f, row, SUMMARY_N_COLUMNS);
    return atomic_file_commit(&af, err, err_len);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir/cells ending in ".KIND.csv", sorted. Returns the count, or -1. */
static ssize_t list_cell_files(const char *cells, const char *kind, char ***out)
{
    char suffix[64];
    snprintf(suffix, sizeof suffix, ".%s.csv", kind);
    size_t slen = strlen(suffix), n = 0, cap = 0;
    char **names = NULL;
    DIR *d = opendir(cells);
    if (!d) {
        *out = NULL;
        return errno == ENOENT ? 0 : -1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= slen || strcmp(e->d_name + len - slen, suffix))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *grown);
            if (!grown)
                goto fail;
            names = grown;
        }
        if (!(names[n] = strdup(e->d_name)))
            goto fail;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, compare_names);
    *out = names;
    return (ssize_t)n;
fail:
    closedir(d);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return -1;
}

/* Appends the rows of one cell file to af under the schema's columns, matched by name so that
 * cell files written by an older or newer version still line up. An empty file (no header) adds
 * nothing. 0 or -1. */
static int append_cell_file(struct atomic_file *af, const char *file, const char *const *columns,
                            size_t n_columns, int *map, const char **row)
{
    char err[512];
    struct stat st;
    if (stat(file, &st) == 0 && st.st_size == 0)
        return 0;
    struct csv_reader r;
    if (csv_reader_open(&r, file, err, sizeof err))
        return -1;
    for (size_t c = 0; c < n_columns; c++)
        map[c] = csv_reader_column(&r, columns[c]);
    int got;
    while ((got = csv_reader_next(&r, err, sizeof err)) == 1) {
        for (size_t c = 0; c < n_columns; c++)
            row[c] = csv_reader_field(&r, map[c]);
        csv_write_row(af->f, row, n_columns);
    }
    csv_reader_close(&r);
    return got;
}

/* Concatenates the cell files of one kind under the schema's header. */
static int assemble_kind(const char *dir, const char *kind, const char *const *columns,
                         size_t n_columns)
{
    char cells[4096], path[4096], err[512];
    snprintf(cells, sizeof cells, "%s/cells", dir);
    char **names;
    ssize_t n = list_cell_files(cells, kind, &names);
    if (n < 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s.csv", dir, kind);
    struct atomic_file af;
    int rc = -1;
    int *map = malloc(n_columns * sizeof *map);
    const char **row = malloc(n_columns * sizeof *row);
    if (!map || !row || atomic_file_open(&af, path, err, sizeof err))
        goto out;
    csv_write_row(af.f, columns, n_columns);
    for (ssize_t i = 0; i < n; i++) {
        char file[4096 + 256];
        snprintf(file, sizeof file, "%s/%s", cells, names[i]);
        if (append_cell_file(&af, file, columns, n_columns, map, row)) {
            atomic_file_abort(&af);
            goto out;
        }
    }
    rc = atomic_file_commit(&af, err, sizeof err);
out:
    free(map);
    free(row);
    for (ssize_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int results_assemble(const char *dir)
{
    if (assemble_kind(dir, "summary", summary_column_names, SUMMARY_N_COLUMNS) ||
        assemble_kind(dir, "latency", latency_column_names, LATENCY_N_COLUMNS) ||
        assemble_kind(dir, "timeline", timeline_column_names, TIMELINE_N_COLUMNS))
        return -1;
    return 0;
}
