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
 * Records are delta-coded against the previous record of the same chunk, because writing
 * them is most of the recorder's cost (and reading them a good part of the import's): about
 * 6 bytes an event where fixed 8-byte fields took 24 or 32. A record is
 *   a 2-byte tag (little-endian): op in bits 0-2, then four 3-bit length codes, one per field:
 *     bits 3-5 seq, 6-8 address, 9-11 ticks, 12-14 size; bit 15 is 0. Code c means c bytes,
 *     except 7, which means 8.
 *   the four fields, each in as many bytes as its code says, little-endian, in that order:
 *     seq - the expected seq (the previous + 1)   (0 bytes for the usual next number)
 *     zigzag(address - the previous address)      (nearby blocks: 1-3 bytes)
 *     zigzag(ticks - the previous ticks)          (the clock when the call began)
 *     size                                        (0 bytes for a free)
 *   then, for RECORDER_OP_ALIGNED only, one byte: log2 of the alignment.
 * zigzag(d) = d << 1 ^ (d >> 63, arithmetic): small steps either way stay small. At the start
 * of a chunk the expected seq, the previous address and the previous ticks are 0, so every
 * chunk decodes on its own. Records never span chunks.
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
 * The headers are in host byte order (the log never leaves the machine that wrote it); a
 * record's tag and fields are little-endian.
 */
#ifndef ALLOCREPLAY_RECORDER_LOG_H
#define ALLOCREPLAY_RECORDER_LOG_H

#include <stddef.h>
#include <stdint.h>

#define RECORDER_LOG_MAGIC "ARRAWLG1" /* 8 bytes, no terminator stored */
#define RECORDER_LOG_VERSION 4
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

/* The longest record: tag, four 8-byte fields, the alignment byte. The encoder stores whole
 * 8-byte words, but never past this. */
#define RECORDER_LOG_MAX_BYTES 35

/* What the next record of a chunk being written or read is coded against: the seq expected
 * (the previous + 1), the previous address and ticks. All zero at the start of a chunk. */
struct recorder_log_delta {
    uint64_t seq, addr, ticks;
};

static inline uint64_t recorder_log_zigzag(uint64_t d)
{
    return d << 1 ^ (uint64_t)((int64_t)d >> 63);
}

static inline uint64_t recorder_log_unzigzag(uint64_t z)
{
    return z >> 1 ^ (uint64_t)-(int64_t)(z & 1);
}

/* The length code of v: its significant bytes (0 for 0), 7 rounded up to 8, 8 as 7. */
static inline unsigned recorder_log_code(uint64_t v)
{
    unsigned n = v ? (unsigned)(71 - __builtin_clzll(v)) >> 3 : 0;
    return n > 6 ? 7 : n;
}

/* Little-endian 8-byte store and load at any alignment. */
static inline void recorder_log_put64(unsigned char *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    __builtin_memcpy(p, &v, 8);
}

static inline uint64_t recorder_log_get64(const unsigned char *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline int recorder_log_has_size(unsigned op)
{
    return op != RECORDER_OP_FREE && op != RECORDER_OP_REALLOC_BEGIN &&
           op != RECORDER_OP_THREAD_EXIT;
}

/* Encodes a record at p, which must have RECORDER_LOG_MAX_BYTES of room, and updates d; returns the record's length. size is ignored (stored as 0
 * bytes) for the ops without one. */
static inline unsigned recorder_log_encode(unsigned char *p, struct recorder_log_delta *d,
                                           uint64_t seq, unsigned op, unsigned align_log2,
                                           uint64_t addr, uint64_t ticks, uint64_t size)
{
    uint64_t f0 = seq - d->seq, f1 = recorder_log_zigzag(addr - d->addr),
             f2 = recorder_log_zigzag(ticks - d->ticks), f3 = recorder_log_has_size(op) ? size : 0;
    unsigned c0 = recorder_log_code(f0), c1 = recorder_log_code(f1), c2 = recorder_log_code(f2),
             c3 = recorder_log_code(f3);
    d->seq = seq + 1;
    d->addr = addr;
    d->ticks = ticks;
    unsigned tag = op | c0 << 3 | c1 << 6 | c2 << 9 | c3 << 12, n = 2;
    p[0] = (unsigned char)tag;
    p[1] = (unsigned char)(tag >> 8);
    recorder_log_put64(p + n, f0);
    n += c0 + (c0 == 7);
    recorder_log_put64(p + n, f1);
    n += c1 + (c1 == 7);
    recorder_log_put64(p + n, f2);
    n += c2 + (c2 == 7);
    recorder_log_put64(p + n, f3);
    n += c3 + (c3 == 7);
    p[n] = (unsigned char)align_log2;
    return n + (op == RECORDER_OP_ALIGNED);
}

/* What a tag says of its record, for decoding with one table lookup: the fields' places and
 * length codes, the record's length and whether the tag can be valid at all. */
struct recorder_log_layout {
    uint8_t len;     /* the record's bytes; 0: no valid record has this tag */
    uint8_t at[3];   /* where the address, ticks and size fields start (the seq's at 2) */
    uint8_t code[4]; /* the four fields' length codes */
};

#define RECORDER_LOG_TAGS 32768 /* the tags with bit 15 clear: the others are never valid */

/* Fills layouts[tag] for every tag below RECORDER_LOG_TAGS. */
static inline void recorder_log_layouts(struct recorder_log_layout *layouts)
{
    for (unsigned tag = 0; tag < RECORDER_LOG_TAGS; tag++) {
        struct recorder_log_layout l = {0};
        unsigned op = tag & 7, n = 2;
        for (unsigned k = 0; k < 4; k++) {
            unsigned c = tag >> (3 + 3 * k) & 7;
            if (k)
                l.at[k - 1] = (uint8_t)n;
            l.code[k] = (uint8_t)c;
            n += c + (c == 7);
        }
        /* op 0 is no op; a free, a realloc's begin and a thread exit carry no size */
        int sized = l.code[3] != 0, valid = op != 0 && !(sized && !recorder_log_has_size(op));
        l.len = (uint8_t)(valid ? n + (op == RECORDER_OP_ALIGNED) : 0);
        layouts[tag] = l;
    }
}

/* The fast path of recorder_log_decode: RECORDER_LOG_MAX_BYTES are readable at p. Returns the
 * record's length (which may exceed what the caller has: its check), or 0 if malformed. */
__attribute__((always_inline)) static inline unsigned
recorder_log_decode_at(const struct recorder_log_layout *layouts, const unsigned char *p,
                       uint32_t thread, struct recorder_log_delta *d, struct recorder_log_record *r)
{
    static const uint64_t mask[8] = {0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff,
                                     0xffffffffffff, UINT64_MAX};
    unsigned tag = p[0] | (unsigned)p[1] << 8, op = tag & 7;
    const struct recorder_log_layout *l = &layouts[tag & (RECORDER_LOG_TAGS - 1)];
    unsigned len = l->len;
    if (!len || tag >> 15)
        return 0;
    uint64_t f0 = recorder_log_get64(p + 2) & mask[l->code[0]];
    uint64_t f1 = recorder_log_get64(p + l->at[0]) & mask[l->code[1]];
    uint64_t f2 = recorder_log_get64(p + l->at[1]) & mask[l->code[2]];
    r->size = recorder_log_get64(p + l->at[2]) & mask[l->code[3]];
    r->seq = d->seq + f0;
    d->seq = r->seq + 1;
    r->addr = d->addr += recorder_log_unzigzag(f1);
    r->ticks = d->ticks += recorder_log_unzigzag(f2);
    r->op = (uint8_t)op;
    r->align_log2 = op == RECORDER_OP_ALIGNED ? p[len - 1] : 0;
    r->thread = thread;
    r->reserved = 0;
    return len;
}

/* recorder_log_decode near a chunk's end: from a padded copy. */
__attribute__((noinline, unused)) static unsigned
recorder_log_decode_short(const struct recorder_log_layout *layouts, const unsigned char *p,
                          size_t n, uint32_t thread, struct recorder_log_delta *d,
                          struct recorder_log_record *r)
{
    unsigned char pad[RECORDER_LOG_MAX_BYTES] = {0};
    __builtin_memcpy(pad, p, n < sizeof pad ? n : sizeof pad);
    unsigned len = recorder_log_decode_at(layouts, pad, thread, d, r);
    return len <= n ? len : 0;
}

/* Decodes the record at p (n bytes available) into r and updates d; returns the bytes used,
 * or 0 if the record is cut short or malformed (d is then undefined). layouts: as filled by
 * recorder_log_layouts. */
__attribute__((always_inline)) static inline unsigned
recorder_log_decode(const struct recorder_log_layout *layouts, const unsigned char *p, size_t n,
                    uint32_t thread, struct recorder_log_delta *d, struct recorder_log_record *r)
{
    if (n >= RECORDER_LOG_MAX_BYTES)
        return recorder_log_decode_at(layouts, p, thread, d, r);
    return recorder_log_decode_short(layouts, p, n, thread, d, r);
}

#endif
