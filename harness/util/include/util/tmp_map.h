/* Large tables that need not stay resident: a shared mapping of an unlinked temporary file,
 * so that its pages are page cache the kernel may write back and evict under memory pressure
 * (like a trace file's own mapping), where anonymous memory would have to stay in RAM. For
 * what grows with a trace's events: the threaded replay's schedule, a decompressed trace. */
#ifndef ALLOCREPLAY_TMP_MAP_H
#define ALLOCREPLAY_TMP_MAP_H

#include <stddef.h>

/* Below this, anonymous memory is the better choice: a file costs a system call per page
 * written and disk writes, and what small tables hold fits in memory anyway. */
#define TMP_MAP_MIN_BYTES ((size_t)256 << 20)

/* bytes (> 0) of zeroed, read-write memory backed by an unlinked file in $TMPDIR (default
 * /var/tmp) whose blocks are reserved, so that a full disk fails here rather than as SIGBUS on
 * a later write. NULL when no such file can be made (errno set). Freed with munmap(p, bytes). */
void *tmp_map(size_t bytes);

#endif
