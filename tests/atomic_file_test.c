/* harness/atomic_file: a committed file appears whole, an aborted or failed one never. */
#include "util/atomic_file.h"
#include "tap.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int file_equals(const char *path, const char *want)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(want) && !memcmp(buf, want, n);
}

/* Counts directory entries other than . and .. */
static int entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    char dir[] = "/tmp/atomic_file_test.XXXXXX", path[512], err[256];
    struct atomic_file af;
    if (!mkdtemp(dir))
        return 99;
    snprintf(path, sizeof path, "%s/out.csv", dir);

    TAP_OK(atomic_file_open(&af, path, err, sizeof err) == 0, "open");
    fputs("a,b\n1,2\n", af.f);
    TAP_OK(access(path, F_OK) != 0, "the final name does not exist before commit");
    TAP_OK(atomic_file_commit(&af, err, sizeof err) == 0, "commit");
    TAP_OK(file_equals(path, "a,b\n1,2\n"), "committed content is whole");

    TAP_OK(atomic_file_open(&af, path, err, sizeof err) == 0, "reopen");
    fputs("partial", af.f);
    atomic_file_abort(&af);
    TAP_OK(file_equals(path, "a,b\n1,2\n"), "abort leaves the previous file untouched");
    TAP_OK(entries(dir) == 1, "abort leaves no temporary file");

    /* A write error (here a file size limit, as on a full disk) must fail the commit. */
    struct rlimit old, small = {4096, 4096};
    getrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &small);
    TAP_OK(atomic_file_open(&af, path, err, sizeof err) == 0, "open under a 4 KiB file size limit");
    for (int i = 0; i < 1000; i++)
        fputs("0123456789abcdef0123456789abcdef\n", af.f);
    TAP_OK(atomic_file_commit(&af, err, sizeof err) != 0, "commit fails when the data cannot be written");
    TAP_OK(strstr(err, "out.csv: write failed: File too large") != NULL, "error names the file and reason: %s", err);
    setrlimit(RLIMIT_FSIZE, &old);
    TAP_OK(file_equals(path, "a,b\n1,2\n"), "a failed commit leaves the previous file untouched");
    TAP_OK(entries(dir) == 1, "a failed commit leaves no temporary file");

    snprintf(path, sizeof path, "%s/missing/out.csv", dir);
    TAP_OK(atomic_file_open(&af, path, err, sizeof err) != 0 && strstr(err, "cannot create"),
           "open in a missing directory fails with a reason: %s", err);

    snprintf(path, sizeof path, "%s/out.csv", dir);
    unlink(path);
    rmdir(dir);
    return tap_done();
}
