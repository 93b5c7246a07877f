/* Files written under a temporary name and renamed into place, so that an interrupted or
 * failed run never leaves a half-written output (docs/architecture.md). */
#ifndef ALLOCREPLAY_ATOMIC_FILE_H
#define ALLOCREPLAY_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

struct atomic_file {
    FILE *f;     /* write through this */
    char *path;  /* final name */
    char *tmp;   /* PATH.tmp.PID, in the same directory so rename() is atomic */
};

/* Opens PATH.tmp.PID for writing. Returns 0, or -1 with a one-line reason in err. */
int atomic_file_open(struct atomic_file *af, const char *path, char *err, size_t err_len);

/* Flushes, fsyncs and closes the temporary file and renames it to the final name. Any write
 * error seen on the stream (a full disk, a file size limit) fails the commit: the temporary
 * file is removed and the final name is left as it was. Returns 0 or -1 with err. */
int atomic_file_commit(struct atomic_file *af, char *err, size_t err_len);

/* Makes what was written so far durable (fdatasync): a long file streamed in pieces then
 * leaves only its last piece to the commit's fsync, which a caller may be waiting for (on
 * this project's virtual disks an fsync takes about 0.7 ms a megabyte not yet made durable,
 * whether or not the kernel has written it out). Errors show again at the commit. */
void atomic_file_writeback(struct atomic_file *af);

/* Closes and removes the temporary file. Safe after a failed open or commit. */
void atomic_file_abort(struct atomic_file *af);

#endif
