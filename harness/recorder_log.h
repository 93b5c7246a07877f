/* The raw log the recorder (harness/recorder.c, an LD_PRELOAD library) writes, and
 * record_import.c reads back. Not a user format: it lives in a temporary directory between
 * `allocreplay record` starting the command and turning the logs into a trace.
 *
 * One file per process image, named "<pid>-<image>.arraw" in the directory named by
 * $ALLOCREPLAY_RECORD_DIR (image counts exec()s that kept the pid: 0, 1, ...). The file is
 * one struct recorder_log_header followed by whole struct recorder_log_record entries, in
 * chunks: each thread fills a private buffer and appends it with one write(2) on an O_APPEND
 * descriptor, so the records of one thread are in order but threads' chunks interleave. The
 * global order is the seq field: one atomic counter per process image.
 *
 * Ordering rule, so that an address is never bound to two live objects in seq order: an
 * allocation takes its seq after the real call returned, a free takes its seq before the
 * real call releases the block, and realloc takes one of each (a BEGIN record before, naming
 * the old block, and an END record after, naming the new one).
 *
 * Host byte order (the log never leaves the machine that wrote it).
 */
#ifndef ALLOCREPLAY_RECORDER_LOG_H
#define ALLOCREPLAY_RECORDER_LOG_H

#include <stdint.h>

#define RECORDER_LOG_MAGIC "ARRAWLG1" /* 8 bytes, no terminator stored */
#define RECORDER_LOG_VERSION 1
#define RECORDER_LOG_SUFFIX ".arraw"

/* Environment the recorder reads at start-up. */
#define RECORDER_ENV_DIR "ALLOCREPLAY_RECORD_DIR"   /* directory for the logs; unset = off */
#define RECORDER_ENV_PID "ALLOCREPLAY_RECORD_PID"   /* only this pid records (unless follow) */
#define RECORDER_ENV_FOLLOW "ALLOCREPLAY_RECORD_FOLLOW_FORKS" /* "1": every process records */

enum recorder_log_op {
    RECORDER_OP_MALLOC = 1,        /* addr = result, size */
    RECORDER_OP_CALLOC = 2,        /* addr = result, size = nmemb * size */
    RECORDER_OP_ALIGNED = 3,       /* addr = result, size, align_log2 */
    RECORDER_OP_FREE = 4,          /* addr = block freed (never NULL) */
    RECORDER_OP_REALLOC_BEGIN = 5, /* addr = old block (never NULL) */
    RECORDER_OP_REALLOC_END = 6,   /* addr = new block, or 0 if realloc failed; size */
};

struct recorder_log_header {
    char magic[8];
    uint32_t version;
    uint32_t record_size; /* sizeof(struct recorder_log_record) */
    uint32_t pid;
    uint32_t ppid;
    uint32_t image;       /* the <image> of the file name */
    uint32_t reserved;
    uint64_t start_ns;    /* CLOCK_MONOTONIC when the file was opened: orders processes */
};

struct recorder_log_record {
    uint64_t seq;     /* global order within the process image */
    uint64_t addr;
    uint64_t size;    /* requested bytes; 0 for FREE and REALLOC_BEGIN */
    uint32_t thread;  /* recorder's thread number, in order of each thread's first event */
    uint8_t op;       /* enum recorder_log_op */
    uint8_t align_log2;
    uint16_t reserved;
};

_Static_assert(sizeof(struct recorder_log_header) == 40, "raw log header layout");
_Static_assert(sizeof(struct recorder_log_record) == 32, "raw log record layout");

#endif
