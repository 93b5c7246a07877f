#include "util/atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void release(struct atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    af->path = af->tmp = NULL;
    af->f = NULL;
}

int atomic_file_open(struct atomic_file *af, const char *path, char *err, size_t err_len)
{
    size_t n = strlen(path) + 32;
    af->f = NULL;
    af->path = strdup(path);
    af->tmp = malloc(n);
    if (!af->path || !af->tmp) {
        snprintf(err, err_len, "%s: out of memory", path);
        release(af);
        return -1;
    }
    snprintf(af->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    af->f = fopen(af->tmp, "we"); /* close-on-exec: record starts a program while it writes */
    if (!af->f) {
        snprintf(err, err_len, "%s: cannot create: %s", path, strerror(errno));
        release(af);
        return -1;
    }
    return 0;
}

int atomic_file_commit(struct atomic_file *af, char *err, size_t err_len)
{
    int failed = ferror(af->f) || fflush(af->f) != 0 || fsync(fileno(af->f)) != 0;
    int saved = errno;
    if (fclose(af->f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    af->f = NULL;
    if (!failed && rename(af->tmp, af->path) != 0) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        snprintf(err, err_len, "%s: write failed: %s", af->path, strerror(saved ? saved : EIO));
        unlink(af->tmp);
        release(af);
        return -1;
    }
    release(af);
    return 0;
}

void atomic_file_writeback(struct atomic_file *af)
{
    if (fflush(af->f) == 0)
        fdatasync(fileno(af->f));
}

void atomic_file_abort(struct atomic_file *af)
{
    if (af->f)
        fclose(af->f);
    if (af->tmp)
        unlink(af->tmp);
    release(af);
}
