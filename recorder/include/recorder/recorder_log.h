/* The raw log the recorder (recorder/recorder.c, an LD_PRELOAD library) writes, and
 * record_import.c reads back. Not a user format: it lives in a temporary directory between
 * `allocreplay record` starting the command and turning the logs into a trace.
 *
 * One file per process image, named "<pid>-<image>.arraw" in the directory named by
 * $ALLOCREPLAY_RECORD_DIR (image counts exec()s that kept the pid: 0, 1, ...). The file is
 * one struct recorder_log_header followed by chunks: each thread fills a private buffer and
 * appends it with one write(2) on an O_APPEND descriptor, so a chunk is contiguous and holds
 * one thread's records in order, while chunks of different threads interleave. A chunk is a
 * struct recorder_log_chunk and then `bytes` bytes of records. The global order is the seq
 * of each record: one atomic counter per process image.
 *
 * Records are 64-bit words, compact because writing them is most of the recorder's cost:
 *   word 0: seq << 16 | align_log2 << 8 | op
 *   word 1: the address
 *   word 2: the clock when the call began, in the header's clock units (ticks)
 *   word 3: the size -- only for the ops that carry one (recorder_log_has_size)
 * so a free is 24 bytes and an allocation 32.
 *
 * Clock: ticks of the x86 time-stamp counter where the CPU says it is invariant (a read costs
 * a few ns, against tens for clock_gettime), else CLOCK_MONOTONIC nanoseconds. The header and
 * every chunk carry a (ticks, CLOCK_MONOTONIC ns) pair taken together, so the importer turns
 * ticks into nanoseconds by the line through the first and the last pair.
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

#include <stddef.h>
#include <stdint.h>

#define RECORDER_LOG_MAGIC "ARRAWLG1" /* 8 bytes, no terminator stored */
#define RECORDER_LOG_VERSION 3
#define RECORDER_LOG_SUFFIX ".arraw"

/* Environment the recorder reads at start-up. */
#define RECORDER_ENV_DIR "ALLOCREPLAY_RECORD_DIR"   /* directory for the logs; unset = off */
#define RECORDER_ENV_PID "ALLOCREPLAY_RECORD_PID"   /* only this pid records (unless follow) */
#define RECORDER_ENV_FOLLOW "ALLOCREPLAY_RECORD_FOLLOW_FORKS" /* "1": every process records */
/* "monotonic": clock_gettime even where the TSC would do (tests and measurements) */
#define RECORDER_ENV_CLOCK "ALLOCREPLAY_RECORD_CLOCK"

enum recorder_log_op {
    RECORDER_OP_MALLOC = 1,        /* addr = result, size */
    RECORDER_OP_CALLOC = 2,        /* addr = result, size = nmemb * size */
    RECORDER_OP_ALIGNED = 3,       /* addr = result, size, align_log2 */
    RECORDER_OP_FREE = 4,          /* addr = block freed (never NULL) */
    RECORDER_OP_REALLOC_BEGIN = 5, /* addr = old block (never NULL) */
    RECORDER_OP_REALLOC_END = 6,   /* addr = new block, or 0 if realloc failed; size */
    RECORDER_OP_THREAD_EXIT = 7,   /* the thread ended (its last record but for late ones) */
};

enum recorder_log_clock {
    RECORDER_CLOCK_NS = 0,  /* ticks are CLOCK_MONOTONIC nanoseconds */
    RECORDER_CLOCK_TSC = 1, /* ticks are x86 time-stamp counter ticks */
};

struct recorder_log_header {
    char magic[8];
    uint32_t version;
    uint32_t reserved0;
    uint32_t pid;
    uint32_t ppid;
    uint32_t image;       /* the <image> of the file name */
    uint32_t clock;       /* enum recorder_log_clock */
    uint64_t start_ns;    /* CLOCK_MONOTONIC when the file was opened: orders processes */
    uint64_t start_ticks; /* the clock at the same moment */
};

struct recorder_log_chunk {
    uint32_t thread;      /* recorder's thread number, in order of each thread's first event */
    uint32_t bytes;       /* of records following */
    uint64_t ticks, ns;   /* the clock and CLOCK_MONOTONIC, read together when it was written */
};

/* One record, decoded. */
struct recorder_log_record {
    uint64_t seq;         /* global order within the process image; < 2^48 */
    uint64_t addr;
    uint64_t size;        /* requested bytes; 0 for FREE and REALLOC_BEGIN */
    uint32_t thread;
    uint8_t op;           /* enum recorder_log_op */
    uint8_t align_log2;
    uint16_t reserved;
    uint64_t ticks;       /* the clock when the call began */
};

_Static_assert(sizeof(struct recorder_log_header) == 48, "raw log header layout");
_Static_assert(sizeof(struct recorder_log_chunk) == 24, "raw log chunk header layout");

#define RECORDER_LOG_MAX_WORDS 4

static inline int recorder_log_has_size(unsigned op)
{
    return op != RECORDER_OP_FREE && op != RECORDER_OP_REALLOC_BEGIN &&
           op != RECORDER_OP_THREAD_EXIT;
}

/* Encodes a record into w; returns the number of words (3 or 4). */
static inline unsigned recorder_log_encode(uint64_t *w, uint64_t seq, unsigned op,
                                           unsigned align_log2, uint64_t addr, uint64_t ticks,
                                           uint64_t size)
{
    w[0] = seq << 16 | (uint64_t)align_log2 << 8 | op;
    w[1] = addr;
    w[2] = ticks;
    if (!recorder_log_has_size(op))
        return 3;
    w[3] = size;
    return 4;
}

/* Decodes the record at w (n words available) into r; returns the words used, or 0 if the
 * record is cut short or its op is unknown. */
static inline unsigned recorder_log_decode(const uint64_t *w, size_t n, uint32_t thread,
                                           struct recorder_log_record *r)
{
    if (n < 3)
        return 0;
    r->op = (uint8_t)(w[0] & 0xff);
    if (r->op < RECORDER_OP_MALLOC || r->op > RECORDER_OP_THREAD_EXIT)
        return 0;
    r->seq = w[0] >> 16;
    r->align_log2 = (uint8_t)(w[0] >> 8);
    r->addr = w[1];
    r->ticks = w[2];
    r->thread = thread;
    r->reserved = 0;
    r->size = 0;
    if (!recorder_log_has_size(r->op))
        return 3;
    if (n < 4)
        return 0;
    r->size = w[3];
    return 4;
}

#endif
