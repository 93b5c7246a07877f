/* Internal interface between trace_load.c (format dispatch) and the format files
 * (trace_yaml.c, trace_binary.c, trace_mtrace.c, trace_android.c), plus the validator they all
 * share (trace_validate.c). Not for use outside the trace library: other code goes through
 * trace.h and trace_summary.h.
 */
#ifndef ALLOCREPLAY_TRACE_IO_H
#define ALLOCREPLAY_TRACE_IO_H

#include "trace/trace.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

/* Fills err with one line (printf-style). Returns -1 so callers can `return trace__fail(...)`. */
int trace__fail(struct trace_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The defaults of the loaders' arguments: NULL options mean strict, a NULL report goes to
 * scratch; the report is cleared. */
void trace__load_defaults(const struct trace_load_options **opt,
                          struct trace_load_report **report, struct trace_load_report *scratch);

/* ---- validation (trace_validate.c) ----
 * One byte of state per id; memory grows with the id count, never with the event count. The
 * state array is anonymous mmap'd memory, so a header claiming many ids costs nothing until
 * those ids are used. */
struct trace_validator {
    uint8_t *state; /* per id: never allocated, live or freed */
    size_t state_len;
    uint32_t n_ids; /* ids must be < n_ids; the array grows on demand when growable is set */
    int growable;   /* readers that do not know the id count up front (YAML, importers) */
};

int trace__validator_init(struct trace_validator *v, uint32_t n_ids, int growable);
void trace__validator_free(struct trace_validator *v);

/* Makes room for id in a growable validator. Returns 0, or -1 (not growable, or ENOMEM). */
int trace__validator_grow(struct trace_validator *v, uint32_t id);

enum { TRACE__ID_NEVER = 0, TRACE__ID_LIVE = 1, TRACE__ID_FREED = 2 };

/* Checks ev against the state of its id and, when it is valid, applies it. Returns -1 if ev is
 * valid, or the problem (the state is then left unchanged, so a lenient reader can drop ev).
 * Returns TRACE_PROBLEM_COUNT when the state cannot grow (out of memory). Readers check the op
 * (< TRACE_OP_COUNT) first. A too-large alignment is checked here; "not a power of two" cannot
 * be expressed in an event (align is a log2), so readers of textual alignments check that.
 * Inline: it runs once per event in the binary loader's single pass. */
static inline int trace__validate_event(struct trace_validator *v, const struct trace_event *ev)
{
    if (ev->id >= v->state_len && trace__validator_grow(v, ev->id) != 0)
        return TRACE_PROBLEM_COUNT;
    uint8_t *st = &v->state[ev->id];
    if (ev->op <= TRACE_ALIGNED) { /* alloc, calloc, aligned */
        if (ev->size == 0 || ev->size > TRACE_MAX_SIZE)
            return TRACE_PROBLEM_BAD_SIZE;
        if (ev->align_log2 > (ev->op == TRACE_ALIGNED ? TRACE_MAX_ALIGN_LOG2 : 0))
            return TRACE_PROBLEM_BAD_ALIGN;
        if (*st == TRACE__ID_LIVE)
            return TRACE_PROBLEM_LIVE_REALLOC_ID;
        *st = TRACE__ID_LIVE;
    } else {
        /* realloc: a size; free: none (the record's size is 0) */
        if (ev->op == TRACE_REALLOC ? ev->size == 0 || ev->size > TRACE_MAX_SIZE : ev->size != 0)
            return TRACE_PROBLEM_BAD_SIZE;
        if (ev->align_log2)
            return TRACE_PROBLEM_BAD_ALIGN;
        if (*st != TRACE__ID_LIVE)
            return *st == TRACE__ID_NEVER ? TRACE_PROBLEM_USE_BEFORE_ALLOC
                                          : TRACE_PROBLEM_DOUBLE_FREE;
        if (ev->op == TRACE_FREE)
            *st = TRACE__ID_FREED;
    }
    if (ev->id >= v->n_ids)
        v->n_ids = ev->id + 1;
    return -1;
}

/* Writes the message for problem p found on ev, without location, e.g.
 * "double free: free of id 3, already freed". */
void trace__problem_message(char *buf, size_t len, int p, const struct trace_event *ev);

/* The checksum of the binary format's records and header (docs/trace-format.md): four
 * independent 64-bit multiply-rotate lanes over 8-byte little-endian words, so it runs at
 * memory speed without CPU-specific instructions. Feed data in pieces whose sizes are
 * multiples of 32 bytes, except the last. */
struct trace_checksum {
    uint64_t lane[4];
    uint64_t length;
};
void trace__checksum_init(struct trace_checksum *c);
void trace__checksum_update(struct trace_checksum *c, const void *data, size_t len);
uint64_t trace__checksum_final(const struct trace_checksum *c);

/* ---- time (trace_time.c): the rules on times shared by every reader ----
 * A clock holds each thread's last event time; step checks one event's time (at most
 * TRACE_MAX_TIME, not before its thread's previous event) and its duration, and advances it;
 * exits checks thread exit times against it. Messages: "WHAT: event I: ...". */
struct trace__clock {
    uint64_t *last;
    uint32_t n;
};
int trace__clock_init(struct trace__clock *c, uint32_t n_threads); /* -1 on ENOMEM */
void trace__clock_free(struct trace__clock *c);
int trace__clock_step(struct trace__clock *c, const char *what, uint64_t i, uint16_t thread,
                      uint64_t time, uint64_t duration, struct trace_error *err);
int trace__clock_exits(const struct trace__clock *c, const char *what, const uint64_t *exits,
                       uint32_t n, struct trace_error *err);

/* Little-endian fields of the binary formats (.alrt, its compressed form, zip), at any
 * alignment: one load or store on a little-endian host. */
static inline uint64_t trace__get64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}
static inline uint32_t trace__get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint16_t trace__get16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline void trace__put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static inline void trace__put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static inline void trace__put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
}

/* Asks for the whole pages inside [p, p + len) to be huge pages when len is at least 4 MiB, for
 * memory about to be written front to back or read at random: on a virtual machine every
 * fresh 4 KiB page is a fault costing microseconds, and a random access in a table of many
 * megabytes a TLB miss. Advice only: nothing happens where the kernel has no such pages. */
void trace__prefer_huge_pages(void *p, size_t len);
/* A decompressed .alrt.zst image of at least this many bytes goes into an unlinked temporary
 * file (util/tmp_map.h); 0 (the default) means a quarter of the machine's memory, and at
 * least TMP_MAP_MIN_BYTES. Set by white-box tests. */
extern size_t trace__image_file_bytes;

/* Zeroed memory for a large array written whole or read at random: from 2 MiB on, mapped on
 * a 2 MiB boundary and in huge pages (a calloc'd block starts 16 bytes into a page and, below
 * glibc's mmap threshold, comes from the heap: few whole huge pages, thousands of 4 KiB
 * faults), else calloc'd. NULL when out of memory. Freed with trace__huge_free(p, len). */
void *trace__huge_alloc(size_t len);
void trace__huge_free(void *p, size_t len);
/* Grows p (len bytes, from trace__huge_alloc or NULL) to new_len, keeping its contents;
 * NULL when out of memory (p is then unchanged). Large blocks move by remapping, never by
 * copying. */
void *trace__huge_grow(void *p, size_t len, size_t new_len);

/* LEB128 varints of the time section: put needs 10 bytes of room, writes at most that many
 * and returns how many; get returns 0, or -1 when the bytes run out before the end or the
 * value needs more than 64 bits. put is inline: the streamed record import puts one per event,
 * mostly of one or two bytes, taken without a branch between them (it would often go wrong). */
static inline size_t trace__varint_put(unsigned char *p, uint64_t v)
{
    if (__builtin_expect(v < (1u << 14), 1)) {
        unsigned two = v >= 0x80;
        p[0] = (unsigned char)(v | two << 7);
        p[1] = (unsigned char)(v >> 7);
        return 1 + two;
    }
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

int trace__varint_get(const unsigned char **p, const unsigned char *end, uint64_t *out);

/* ---- the formats ---- */
int trace__yaml_read(const char *path, const struct trace_load_options *opt, struct trace *out,
                     struct trace_load_report *report, struct trace_error *err);
int trace__yaml_write(const char *path, const struct trace *t, struct trace_error *err);

int trace__binary_load(const char *path, const struct trace_load_options *opt, struct trace *out,
                       struct trace_load_report *report, struct trace_error *err);
int trace__binary_write(const char *path, const struct trace *t, struct trace_error *err);
/* .alrt.zst at a zstd level (trace_save_options). */
int trace__binary_write_compressed(const char *path, const struct trace *t, int level,
                                   struct trace_error *err);

/* ---- compressed binary traces (trace_zst.c) ----
 * The bytes of a .alrt file as zstd frames, its records transformed first (docs/trace-format.md,
 * "Compressed binary"). */
#define TRACE_ZST_LEVEL 3 /* the default: see docs/performance.md */
/* 1 if b starts like a compressed trace (a tagged skippable frame), 2 if like any other zstd
 * data (a .alrt compressed by the zstd tool, also read), else 0. */
int trace__zst_sniff(const unsigned char *b, size_t len);
/* Writes the .alrt file made of prefix (header, strings, padding), the n records and suffix
 * (whatever follows the records), compressed, through a temporary file renamed into place. */
int trace__zst_write(const char *path, const unsigned char *prefix, size_t prefix_len,
                     const struct trace_event *rec, uint64_t n, const unsigned char *suffix,
                     size_t suffix_len, int level, struct trace_error *err);
/* Rebuilds the .alrt bytes of the compressed file src (either kind) into anonymous memory (*image, to be
 * munmap'd; *image_len bytes). Returns 0, or -1 with err naming the damaged frame or block. */
int trace__zst_decode(const char *path, const unsigned char *src, size_t len,
                      unsigned char **image, size_t *image_len, struct trace_error *err);

/* Streams a binary trace through fn (valid events only, in order), reading it in windows that
 * are dropped from memory once scanned: memory stays bounded whatever the file size. The
 * header's counts are returned in hdr_out (events, ids, threads; name and description set; no
 * times: those go to fn with their events). */
typedef void (*trace_event_sink)(void *ctx, const struct trace_event *ev, uint64_t time,
                                 uint64_t duration); /* TRACE_TIME_NONE when untimed */
int trace__binary_scan(const char *path, const struct trace_load_options *opt,
                       trace_event_sink fn, void *ctx, struct trace *hdr_out,
                       struct trace_load_report *report, struct trace_error *err);

/* ---- importers (trace_import.c): foreign traces name objects by address ----
 * Addresses become dense ids through a map from live address to id: an address freed and
 * reused later gets a new id, realloc keeps the id, a free of an address never seen (allocated
 * before tracing began) is dropped and counted as TRACE_PROBLEM_UNKNOWN_FREE (never fatal). */
struct trace__importer {
    const char *path;
    const struct trace_load_options *opt;
    struct trace_load_report *report;
    struct trace_error *err;
    uint64_t line; /* of the input, for messages */
    FILE *in;             /* the text being imported */
    const char *read_why; /* why a read failed, when the stream knows; may be NULL */
    char *buf;            /* TRACE_IMPORT_BLOCK + 16 bytes: the block of lines being parsed */
    size_t pos, fill;     /* the next line starts at buf + pos; buf[fill] is past the data */
    size_t nul;           /* offset of the block's first NUL byte, SIZE_MAX if none */
    int eof;
    /* The time and duration of the events of the current line (ns since the trace's start),
     * TRACE_TIME_NONE when the line has none: any untimed event makes the trace untimed. */
    uint64_t time, duration;
    /* Live address -> id: open addressing, linear probing, key 0 = empty (NULL is never live);
     * key and id side by side, so a lookup costs one cache miss, not two. */
    struct trace__slot {
        uint64_t key;
        uint32_t id;
    } *slots;
    size_t cap, count;
    uint32_t next_id;
    struct trace_builder b;
};

/* The slot where the map's search for addr starts. Allocator addresses share their low bits
 * (alignment) and high bits (arena): mix them. */
static inline size_t trace__import_slot_of(size_t cap, uint64_t addr)
{
    return (size_t)(addr * 0x9E3779B97F4A7C15ull >> 32) & (cap - 1);
}

/* Starts loading addr's slot into the cache: a parser calls it as soon as it has read an
 * address, so that the map's lookup (a cache miss on large traces) overlaps the parsing of the
 * rest of the line. */
static inline void trace__import_prefetch(const struct trace__importer *im, uint64_t addr)
{
    __builtin_prefetch(&im->slots[trace__import_slot_of(im->cap, addr)]);
}

int trace__import_begin(struct trace__importer *im, const char *path,
                        const struct trace_load_options *opt, struct trace_load_report *report,
                        struct trace_error *err);
/* align is the alignment in bytes (0 = plain allocation). All return 0 or -1 with err set. */
int trace__import_alloc(struct trace__importer *im, enum trace_op op, uint64_t addr,
                        uint64_t size, uint64_t align, uint16_t thread);
int trace__import_free(struct trace__importer *im, uint64_t addr, uint16_t thread);
int trace__import_realloc(struct trace__importer *im, uint64_t old_addr, uint64_t new_addr,
                          uint64_t size, uint16_t thread);
/* Moves the events into out (name: the file's base name) and frees the importer. */
int trace__import_finish(struct trace__importer *im, struct trace *out);
void trace__import_abort(struct trace__importer *im);
/* Reads the next line of a text import into *line: NUL-terminated in place of its '\n', valid
 * until the next call, and counts it in im->line. The input is im->in, read in blocks of
 * TRACE_IMPORT_BLOCK bytes split at newlines with memchr (no per-byte stdio call). Returns 1
 * for a line, 0 at the end of the input, -1 with err set: a line that does not fit in
 * TRACE_IMPORT_MAX_LINE - 1 bytes (real logs never have lines that long, and reading on would
 * take unbounded memory: a device or a binary file given as a text trace) or holds a NUL byte
 * (the parsers read C strings), as "FILE:LINE: malformed FORMAT line: ..."; a read error; or an
 * empty file, refused as "FILE: empty file (no LINES lines)" since even a program that
 * allocated nothing leaves lines. */
#define TRACE_IMPORT_MAX_LINE 65536
#define TRACE_IMPORT_BLOCK (1u << 20)
int trace__import_next_line(struct trace__importer *im, char **line, const char *format,
                            const char *lines);

/* Parses one unsigned hex number ("0x1f", "1f", "0"); advances *s past it and any following
 * blanks. Returns 0, or -1 if *s holds no number or it overflows. The line must be readable 8
 * bytes past its end (trace__import_next_line's lines are). Inline and 8 digits at a time
 * (SWAR: the eight bytes of a word checked and converted together), the overflow checked once
 * per number: parsing numbers was most of an import's time. */
extern const unsigned char trace__hex_digit[256]; /* the digit's value, or 16 */
int trace__import_long_number(const char **s, const char *digits, const char *end, int hex,
                              uint64_t *out);

#define TRACE__BYTES(c) (0x0101010101010101ull * (c))

/* 0x80 in each byte of x (all below 0x80) that lies in [lo, hi]. */
static inline uint64_t trace__bytes_in(uint64_t x, unsigned lo, unsigned hi)
{
    return (x + TRACE__BYTES(0x80 - lo)) & ~(x + TRACE__BYTES(0x7f - hi)) & TRACE__BYTES(0x80);
}

static inline uint64_t trace__load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8); /* little-endian: p[0] in the low byte */
    return w;
}

static inline int trace__import_skip_blanks(const char **s, const char *p, uint64_t v,
                                            uint64_t *out)
{
    while (*p == ' ' || *p == '\t')
        p++;
    *s = p;
    *out = v;
    return 0;
}

/* How many of the bytes of valid (0x80 in each byte that is a digit) come before the first
 * non-digit, and the word of digit values w shifted so that those are its high bytes, behind
 * zero bytes (leading zeros: the first character is the low byte, the most significant). */
static inline unsigned trace__digits_first(uint64_t valid, uint64_t *w)
{
    uint64_t stop = ~valid & TRACE__BYTES(0x80);
    unsigned n = stop ? (unsigned)__builtin_ctzll(stop) / 8 : 8;
    *w = n ? *w << (8 - n) * 8 : 0;
    return n;
}

static inline int trace__import_hex(const char **s, uint64_t *out)
{
    const char *p = *s;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    const char *first = p;
    uint64_t v = 0;
    unsigned n;
    do {
        uint64_t w = trace__load8(p) | TRACE__BYTES(0x20); /* A-F as a-f; digits unchanged */
        uint64_t valid = (trace__bytes_in(w & TRACE__BYTES(0x7f), '0', '9') |
                          trace__bytes_in(w & TRACE__BYTES(0x7f), 'a', 'f')) &
                         ~w; /* bytes >= 0x80 are no digits */
        w = (w & TRACE__BYTES(0x0f)) + ((w >> 6) & TRACE__BYTES(1)) * 9; /* nibbles */
        n = trace__digits_first(valid, &w);
        w = ((w << 4) + (w >> 8)) & 0x00ff00ff00ff00ffull; /* pairs of digits */
        w = ((w << 8) + (w >> 16)) & 0x0000ffff0000ffffull;
        w = ((w << 16) + (w >> 32)) & 0xffffffffull;
        v = (v << 4 * n) | w;
        p += n;
    } while (n == 8);
    if (p == first || p - first > 16)
        return trace__import_long_number(s, first, p, 1, out);
    return trace__import_skip_blanks(s, p, v, out);
}

/* The same for a decimal number. */
static inline int trace__import_dec(const char **s, uint64_t *out)
{
    static const uint64_t scale[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                      100000000};
    const char *p = *s, *first = p;
    uint64_t v = 0;
    unsigned n;
    do {
        uint64_t w = trace__load8(p);
        uint64_t valid = trace__bytes_in(w & TRACE__BYTES(0x7f), '0', '9') & ~w;
        w = (w - TRACE__BYTES('0')) & TRACE__BYTES(0x0f); /* digit values where valid */
        n = trace__digits_first(valid, &w);
        w = (w * 10 + (w >> 8)) & 0x00ff00ff00ff00ffull; /* pairs of digits */
        w = ((w & 0x000000ff000000ffull) * (100 + (1000000ull << 32)) +
             ((w >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32))) >> 32;
        v = v * scale[n] + w;
        p += n;
    } while (n == 8);
    if (p == first || p - first > 19) /* 19 digits never overflow */
        return trace__import_long_number(s, first, p, 0, out);
    return trace__import_skip_blanks(s, p, v, out);
}

/* The text importers read f when it is not NULL (the caller keeps it; f_why, if not NULL, says
 * why a read failed), else open path; path names the input in messages either way. */
int trace__mtrace_read(const char *path, FILE *f, const char *f_why,
                       const struct trace_load_options *opt, struct trace *out,
                       struct trace_load_report *report, struct trace_error *err);
int trace__android_read(const char *path, FILE *f, const char *f_why,
                        const struct trace_load_options *opt, struct trace *out,
                        struct trace_load_report *report, struct trace_error *err);

/* ---- zip archives of one text trace (trace_zip.c) ---- */
/* Whether b starts like a zip archive (a local file header). */
int trace__zip_sniff(const unsigned char *b, size_t len);
/* Opens the archive's one entry as a stream, inflated as it is read (rewindable to the start
 * only). *why then holds the reason of any read error, until fclose. NULL with err set for an
 * archive that is not one stored or deflated entry. */
FILE *trace__zip_open(const char *path, const char **why, struct trace_error *err);

#endif
