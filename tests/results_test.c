/* The results directory: cell files written atomically and assembled into the top-level CSVs,
 * columns matched by name (a cell file from an older version with fewer columns still lines
 * up), rows in cell-key order, and file-name-safe cell keys. */
#include "run/results.h"
#include "util/csv_reader.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The whole file dir/name, NUL-terminated (malloc'd), or NULL. */
static char *slurp(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0, got;
    do {
        char *grown = realloc(text, len + 4097);
        if (!grown) {
            free(text);
            fclose(f);
            return NULL;
        }
        text = grown;
        got = fread(text + len, 1, 4096, f);
        len += got;
    } while (got > 0);
    text[len] = '\0';
    fclose(f);
    return text;
}

int main(void)
{
    char dir[] = "/tmp/allocreplay-results-test.XXXXXX";
    if (!mkdtemp(dir))
        TAP_SKIP_ALL("cannot create a temporary directory");
    char key[256], err[512];

    results_cell_key(key, sizeof key, "vector-growth", "plugin:/x/my lib.so", 3);
    TAP_OK(!strchr(key, '/') && !strchr(key, ' ') && strstr(key, "--r0003"), "safe cell key: %s", key);
    char key2[256];
    results_cell_key(key2, sizeof key2, "vector-growth", "plugin:/x/my_lib.so", 3);
    TAP_OK(strcmp(key, key2), "different specs get different keys");

    struct cell_record c = {.trace = "t", .backend = "b", .rep = 2};
    c.value[SUMMARY_COL_trace] = "t";
    c.value[SUMMARY_COL_backend] = "b";
    c.value[SUMMARY_COL_rep] = "2";
    c.value[SUMMARY_COL_status] = "signal SIGSEGV";
    c.latency_report = "allocreplay-report 1\nl alloc 10 11 5\nl free 20 21 7\nend\n";
    c.memory_report = "t 0 0 - 0 -\nt 5 100 4096 8192 0.25\n";
    results_cell_key(key, sizeof key, "t", "b", 2);
    TAP_OK(!results_cell_done(dir, key), "cell not done before it is written");
    TAP_OK(results_write_cell(dir, key, &c, err, sizeof err) == 0, "cell written");
    TAP_OK(results_cell_done(dir, key), "cell done once its summary exists");

    /* A cell file from an "older version": three columns, in another order. */
    char path[4096];
    snprintf(path, sizeof path, "%s/cells/a--b--r0001.summary.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("status,trace,backend\r\nok,a,b\r\n", f);
    fclose(f);

    TAP_OK(results_assemble(dir) == 0, "assembled");
    char *sum = slurp(dir, "summary.csv"), *lat = slurp(dir, "latency.csv"),
         *tl = slurp(dir, "timeline.csv");
    TAP_OK(sum && lat && tl, "three CSVs written");
    struct csv_reader r;
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    TAP_OK(csv_reader_open(&r, path, err, sizeof err) == 0, "summary.csv reads");
    TAP_EQ_U64(r.n_header, SUMMARY_N_COLUMNS, "summary header has every column");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 1 && !strcmp(csv_reader_field(&r, 0), "a") &&
               !strcmp(csv_reader_field(&r, 3), "ok") && !strcmp(csv_reader_field(&r, 2), ""),
           "old cell file: columns matched by name, missing ones empty, sorted first");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 1 &&
               !strcmp(csv_reader_field(&r, 3), "signal SIGSEGV") &&
               !strcmp(csv_reader_field(&r, 2), "2"),
           "second row: the written cell");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 0, "two rows");
    csv_reader_close(&r);
    TAP_OK(strstr(lat, "t,b,2,alloc,10,11,5\r\nt,b,2,free,20,21,7\r\n") != NULL, "latency rows");
    TAP_OK(strstr(tl, "t,b,2,0,0,,0,\r\nt,b,2,5,100,4096,8192,0.25\r\n") != NULL,
           "timeline rows, unknown footprint and time empty");
    free(sum);
    free(lat);
    free(tl);

    char cmd[4200];
    snprintf(cmd, sizeof cmd, "test -z \"$(find %s -name '*.tmp*')\"", dir);
    TAP_OK(system(cmd) == 0, "no temporary files left");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd))
        return 99;
    return tap_done();
}
