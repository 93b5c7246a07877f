/* The binary trace format (.alrt), documented byte by byte in docs/trace-format.md.
 *
 * The records are struct trace_event itself, so loading is mmap + one pass that verifies the
 * checksum and validates the events together; the events are then used in place. */
#include "trace_io.h"
#include "util/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_SIZE 64
#define VERSION 1
#define RECORD_SIZE 16
#define MAX_THREADS 65536u /* thread numbers are 16-bit */
static const unsigned char magic[8] = {0x89, 'A', 'L', 'R', 'T', '\r', '\n', 0x1a};

/* Header flag 1: a time section follows the records (docs/trace-format.md, "Time section"). */
#define FLAG_TIME 1u
#define TIME_HEADER_SIZE 48
static const unsigned char time_tag[8] = {'A', 'L', 'R', 'T', 'T', 'I', 'M', 'E'};

/* Events are checksummed and validated in chunks that stay in L2, and the streaming scan gives
 * back a window of the map once it is behind us. */
#define CHUNK_EVENTS 4096u
#define WINDOW_BYTES ((size_t)32 << 20)
#define PROGRESS_EVENTS ((uint64_t)CHUNK_EVENTS << 10) /* between two progress calls */

/* ---- checksum: see docs/trace-format.md, "Checksum" ---- */
#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t round64(uint64_t lane, uint64_t word)
{
    return rotl64(lane + word * P2, 31) * P1;
}

void trace__checksum_init(struct trace_checksum *c)
{
    c->lane[0] = P1 + P2;
    c->lane[1] = P2;
    c->lane[2] = 0;
    c->lane[3] = 0 - P1;
    c->length = 0;
}

void trace__checksum_update(struct trace_checksum *c, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t a = c->lane[0], b = c->lane[1], d = c->lane[2], e = c->lane[3];
    c->length += len;
    for (; len >= 32; p += 32, len -= 32) {
        a = round64(a, trace__get64(p));
        b = round64(b, trace__get64(p + 8));
        d = round64(d, trace__get64(p + 16));
        e = round64(e, trace__get64(p + 24));
    }
    if (len) { /* the final piece: zero-padded to a whole block */
        unsigned char block[32] = {0};
        memcpy(block, p, len);
        a = round64(a, trace__get64(block));
        b = round64(b, trace__get64(block + 8));
        d = round64(d, trace__get64(block + 16));
        e = round64(e, trace__get64(block + 24));
    }
    c->lane[0] = a, c->lane[1] = b, c->lane[2] = d, c->lane[3] = e;
}

uint64_t trace__checksum_final(const struct trace_checksum *c)
{
    uint64_t h = rotl64(c->lane[0], 1) + rotl64(c->lane[1], 7) + rotl64(c->lane[2], 12) +
                 rotl64(c->lane[3], 18) + c->length;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

/* ---- header ---- */
struct header {
    uint16_t version, header_size;
    uint32_t flags;
    uint64_t n_events;
    uint32_t n_ids, n_threads;
    uint32_t name_len, description_len;
    uint64_t records_offset;
    uint64_t records_checksum, header_checksum;
};

static void header_encode(unsigned char *b, const struct header *h)
{
    memcpy(b, magic, 8);
    trace__put16(b + 8, h->version);
    trace__put16(b + 10, h->header_size);
    trace__put32(b + 12, h->flags);
    trace__put64(b + 16, h->n_events);
    trace__put32(b + 24, h->n_ids);
    trace__put32(b + 28, h->n_threads);
    trace__put32(b + 32, h->name_len);
    trace__put32(b + 36, h->description_len);
    trace__put64(b + 40, h->records_offset);
    trace__put64(b + 48, h->records_checksum);
    trace__put64(b + 56, h->header_checksum);
}

static void header_decode(const unsigned char *b, struct header *h)
{
    h->version = trace__get16(b + 8);
    h->header_size = trace__get16(b + 10);
    h->flags = trace__get32(b + 12);
    h->n_events = trace__get64(b + 16);
    h->n_ids = trace__get32(b + 24);
    h->n_threads = trace__get32(b + 28);
    h->name_len = trace__get32(b + 32);
    h->description_len = trace__get32(b + 36);
    h->records_offset = trace__get64(b + 40);
    h->records_checksum = trace__get64(b + 48);
    h->header_checksum = trace__get64(b + 56);
}

/* The header checksum covers bytes 0..55 of the header, then the name and description. */
static uint64_t header_checksum(const unsigned char *hdr, const char *name, size_t name_len,
                                const char *desc, size_t desc_len)
{
    struct trace_checksum c;
    unsigned char first[HEADER_SIZE];
    memcpy(first, hdr, 56);
    memset(first + 56, 0, 8);
    /* Name and description are hashed as one piece following the 64-byte first block, so
     * every update but the last is a multiple of 32 bytes. */
    size_t n = name_len + desc_len;
    char *strings = malloc(n ? n : 1);
    if (!strings)
        return 0; /* cannot match a real checksum except by chance; caller reports mismatch */
    memcpy(strings, name, name_len);
    memcpy(strings + name_len, desc, desc_len);
    trace__checksum_init(&c);
    trace__checksum_update(&c, first, HEADER_SIZE);
    trace__checksum_update(&c, strings, n);
    free(strings);
    return trace__checksum_final(&c);
}

static uint64_t records_offset_for(uint64_t strings_len)
{
    return (HEADER_SIZE + strings_len + RECORD_SIZE - 1) & ~(uint64_t)(RECORD_SIZE - 1);
}

static int big_endian_host(void)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return 1;
#else
    return 0;
#endif
}

void trace__prefer_huge_pages(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
    uintptr_t hi = ((uintptr_t)p + len) & ~(uintptr_t)4095;
    if (p && len >= ((size_t)4 << 20) && hi > lo)
        madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p, (void)len;
#endif
}

#define HUGE_PAGE ((size_t)2 << 20)

void *trace__huge_alloc(size_t len)
{
    if (len < HUGE_PAGE)
        return calloc(1, len ? len : 1);
    unsigned char *p = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    size_t lead = (HUGE_PAGE - (uintptr_t)p % HUGE_PAGE) % HUGE_PAGE;
    if (lead)
        munmap(p, lead);
    munmap(p + lead + len, HUGE_PAGE - lead);
    trace__prefer_huge_pages(p + lead, len);
    return p + lead;
}

void trace__huge_free(void *p, size_t len)
{
    if (len < HUGE_PAGE)
        free(p);
    else if (p)
        munmap(p, len);
}

void *trace__huge_grow(void *p, size_t len, size_t new_len)
{
    if (!p || len < HUGE_PAGE) {
        unsigned char *q = trace__huge_alloc(new_len);
        if (q && p)
            memcpy(q, p, len < new_len ? len : new_len);
        if (q)
            trace__huge_free(p, len);
        return q;
    }
    unsigned char *q = mremap(p, len, new_len, MREMAP_MAYMOVE);
    if (q == MAP_FAILED)
        return NULL;
    /* the whole block, so that it stays one mapping (mremap moves only one) */
    trace__prefer_huge_pages(q, new_len);
    return q;
}

/* ---- writing ---- */

/* Events go to the file through a buffer of an even number of records, so that every checksum
 * update but the last covers whole 32-byte blocks. */
#define WRITER_EVENTS 4096u

struct trace_writer {
    struct atomic_file af;
    const char *path; /* af.path */
    struct header h;
    char *strings; /* name then description, as in the file */
    struct trace_checksum c;
    uint32_t ids, threads; /* highest id and thread seen, + 1 */
    const struct trace *timed; /* trace__binary_write of a trace with times or thread exits */
    /* trace_writer_append_timed: the time section's times so far (varints), their count and
     * the last one; trace_writer_thread_exits: the exits. */
    unsigned char *tbuf;
    size_t tlen, tcap;
    uint64_t n_timed, tprev;
    uint64_t *exits;
    uint32_t n_exits;
    uint64_t unsynced; /* record bytes written since the last atomic_file_writeback */
    size_t n_buf;
    struct trace_event buf[WRITER_EVENTS];
};

struct trace_writer *trace_writer_open(const char *path, const char *name,
                                       const char *description, struct trace_error *err)
{
    if (big_endian_host()) {
        trace__fail(err, "%s: binary traces are little-endian; this big-endian host cannot write "
                         "them", path);
        return NULL;
    }
    if (trace_format_from_path(path) != TRACE_FORMAT_BINARY) {
        trace__fail(err, "%s: a binary trace needs the .alrt extension", path);
        return NULL;
    }
    size_t name_len = name ? strlen(name) : 0, desc_len = description ? strlen(description) : 0;
    if (name_len > UINT32_MAX || desc_len > UINT32_MAX) {
        trace__fail(err, "%s: name or description too long", path);
        return NULL;
    }
    struct trace_writer *w = calloc(1, sizeof *w);
    char *strings = malloc(name_len + desc_len + 1);
    if (!w || !strings) {
        free(w);
        free(strings);
        trace__fail(err, "%s: out of memory", path);
        return NULL;
    }
    memcpy(strings, name ? name : "", name_len);
    memcpy(strings + name_len, description ? description : "", desc_len);
    w->strings = strings;
    w->h.version = VERSION;
    w->h.header_size = HEADER_SIZE;
    w->h.name_len = (uint32_t)name_len;
    w->h.description_len = (uint32_t)desc_len;
    w->h.records_offset = records_offset_for(name_len + desc_len);
    trace__checksum_init(&w->c);
    if (atomic_file_open(&w->af, path, err->msg, sizeof err->msg) != 0) {
        free(strings);
        free(w);
        return NULL;
    }
    w->path = w->af.path;
    /* The header is written last, once the counts and checksums are known: zeros stand in. */
    static const unsigned char zeros[HEADER_SIZE];
    fwrite(zeros, 1, HEADER_SIZE, w->af.f);
    fwrite(strings, 1, name_len + desc_len, w->af.f);
    fwrite(zeros, 1, (size_t)(w->h.records_offset - HEADER_SIZE - name_len - desc_len), w->af.f);
    return w;
}

/* Record bytes after which a streamed file's pages are made durable (atomic_file_writeback). */
#define WRITEBACK_BYTES (32u << 20)

static void put_records(struct trace_writer *w, const struct trace_event *ev, size_t n)
{
    trace__checksum_update(&w->c, ev, n * RECORD_SIZE);
    fwrite(ev, RECORD_SIZE, n, w->af.f);
    if ((w->unsynced += n * RECORD_SIZE) >= WRITEBACK_BYTES) {
        atomic_file_writeback(&w->af);
        w->unsynced = 0;
    }
}

/* The check of one event an append makes, without branches (it runs per event): the highest
 * id and thread + 1 so far, and whether an op is unknown. */
struct event_check {
    uint32_t ids, threads, bad_op;
};

static inline void check_event(struct event_check *k, const struct trace_event *e)
{
    k->bad_op |= e->op >= TRACE_OP_COUNT;
    k->ids = e->id >= k->ids ? e->id + 1 : k->ids;
    k->threads = e->thread >= k->threads ? (uint32_t)e->thread + 1 : k->threads;
}

/* The error for the first of ev[0..n) with an unknown op. */
static int unknown_op(const struct trace_writer *w, const struct trace_event *ev, size_t n,
                      struct trace_error *err)
{
    size_t i = 0;
    while (i + 1 < n && ev[i].op < TRACE_OP_COUNT)
        i++;
    return trace__fail(err, "%s: event %llu: unknown op %u", w->path,
                       (unsigned long long)(w->h.n_events + i), ev[i].op);
}

/* Appends n events that passed check_event (k: its result). */
static void append_checked(struct trace_writer *w, const struct event_check *k,
                           const struct trace_event *ev, size_t n)
{
    w->ids = k->ids, w->threads = k->threads;
    w->h.n_events += n;
    while (n) {
        if (w->n_buf == 0 && n >= 2) { /* straight from the caller's array, an even count */
            size_t m = n & ~(size_t)1;
            put_records(w, ev, m);
            ev += m, n -= m;
            continue;
        }
        size_t m = WRITER_EVENTS - w->n_buf < n ? WRITER_EVENTS - w->n_buf : n;
        memcpy(w->buf + w->n_buf, ev, m * sizeof *ev);
        w->n_buf += m, ev += m, n -= m;
        if (w->n_buf == WRITER_EVENTS) {
            put_records(w, w->buf, w->n_buf);
            w->n_buf = 0;
        }
    }
}

int trace_writer_append(struct trace_writer *w, const struct trace_event *ev, size_t n,
                        struct trace_error *err)
{
    struct event_check k = {w->ids, w->threads, 0}; /* a local: in registers */
    for (size_t i = 0; i < n; i++)
        check_event(&k, &ev[i]);
    if (k.bad_op)
        return unknown_op(w, ev, n, err);
    append_checked(w, &k, ev, n);
    return 0;
}

static void writer_free(struct trace_writer *w)
{
    trace__huge_free(w->tbuf, w->tcap);
    free(w->exits);
    free(w->strings);
    free(w);
}

void trace_writer_abort(struct trace_writer *w)
{
    if (!w)
        return;
    atomic_file_abort(&w->af);
    writer_free(w);
}

/* The time section's payload goes out through a buffer flushed in multiples of 32 bytes, so
 * that every checksum update but the last covers whole blocks. */
struct time_out {
    FILE *f;
    struct trace_checksum c;
    uint64_t written;
    size_t n;
    unsigned char buf[1 << 16];
};

static void time_flush(struct time_out *o, int last)
{
    size_t k = last ? o->n : o->n & ~(size_t)31;
    trace__checksum_update(&o->c, o->buf, k);
    fwrite(o->buf, 1, k, o->f);
    memmove(o->buf, o->buf + k, o->n - k);
    o->n -= k;
}

static void time_put(struct time_out *o, uint64_t v)
{
    if (o->n > sizeof o->buf - 16)
        time_flush(o, 0);
    size_t k = trace__varint_put(o->buf + o->n, v);
    o->n += k;
    o->written += k;
}

static void time_put_bytes(struct time_out *o, const unsigned char *p, size_t n)
{
    while (n) {
        if (o->n == sizeof o->buf)
            time_flush(o, 0);
        size_t k = sizeof o->buf - o->n < n ? sizeof o->buf - o->n : n;
        memcpy(o->buf + o->n, p, k);
        o->n += k, o->written += k, p += k, n -= k;
    }
}

/* zigzag: times may step back across threads, never on one thread */
static uint64_t time_delta(uint64_t time, uint64_t prev)
{
    uint64_t d = time - prev;
    return (d << 1) ^ (uint64_t)-(int64_t)(d >> 63);
}

int trace_writer_append_timed(struct trace_writer *w, const struct trace_event *ev,
                              const uint64_t *times, size_t n, struct trace_error *err)
{
    if (w->tcap - w->tlen < n * 10) {
        size_t cap = w->tcap ? w->tcap : 1 << 16;
        while (cap - w->tlen < n * 10)
            cap *= 2;
        unsigned char *grown = trace__huge_grow(w->tbuf, w->tcap, cap);
        if (!grown)
            return trace__fail(err, "%s: out of memory", w->path);
        w->tbuf = grown, w->tcap = cap;
    }
    /* The times and the events' check in one pass; locals: the stores through t could alias w. */
    unsigned char *t = w->tbuf + w->tlen;
    uint64_t prev = w->tprev;
    struct event_check k = {w->ids, w->threads, 0};
    for (size_t i = 0; i < n; i++) {
        t += trace__varint_put(t, time_delta(times[i], prev));
        prev = times[i];
        check_event(&k, &ev[i]);
    }
    if (k.bad_op)
        return unknown_op(w, ev, n, err);
    w->tlen = (size_t)(t - w->tbuf), w->tprev = prev;
    w->n_timed += n;
    append_checked(w, &k, ev, n);
    return 0;
}

int trace_writer_thread_exits(struct trace_writer *w, const uint64_t *exits, uint32_t n,
                              struct trace_error *err)
{
    uint64_t *copy = malloc((n ? n : 1) * sizeof *copy);
    if (!copy)
        return trace__fail(err, "%s: out of memory", w->path);
    memcpy(copy, exits, n * sizeof *copy);
    free(w->exits);
    w->exits = copy, w->n_exits = n;
    if (n > w->threads)
        w->threads = n;
    return 0;
}

/* Appends the time section after the records: a placeholder header, the payload, then the real
 * header once the lengths and the checksum are known. The times, durations and exits are t's,
 * or (t NULL) those streamed into w. Returns 0 or -1 (seek failed). */
static int write_time_section(struct trace_writer *w, const struct trace *t)
{
    const uint64_t *exits = t ? t->thread_exits : w->exits;
    uint32_t n_threads = t ? t->n_threads : w->h.n_threads;
    FILE *f = w->af.f;
    long start = ftell(f);
    static const unsigned char zeros[TIME_HEADER_SIZE];
    fwrite(zeros, 1, TIME_HEADER_SIZE, f);
    struct time_out *o = malloc(sizeof *o);
    if (!o || start < 0) {
        free(o);
        return -1;
    }
    o->f = f, o->written = 0, o->n = 0;
    trace__checksum_init(&o->c);
    uint64_t len[3];
    uint64_t prev = 0;
    for (uint64_t i = 0; t && t->times && i < t->n_events; i++) {
        time_put(o, time_delta(t->times[i], prev));
        prev = t->times[i];
    }
    if (!t)
        time_put_bytes(o, w->tbuf, w->tlen);
    len[0] = o->written;
    for (uint64_t i = 0; t && t->durations && i < t->n_events; i++)
        time_put(o, t->durations[i] + 1); /* 0 = unknown (TRACE_TIME_NONE + 1) */
    len[1] = o->written - len[0];
    for (uint32_t k = 0; exits && k < n_threads; k++)
        time_put(o, (!t && k >= w->n_exits ? TRACE_TIME_NONE : exits[k]) + 1);
    len[2] = o->written - len[0] - len[1];
    time_flush(o, 1);
    unsigned char hdr[TIME_HEADER_SIZE] = {0};
    memcpy(hdr, time_tag, 8);
    trace__put64(hdr + 8, len[0]);
    trace__put64(hdr + 16, len[1]);
    trace__put64(hdr + 24, len[2]);
    trace__put32(hdr + 32, exits ? n_threads : 0);
    trace__put64(hdr + 40, trace__checksum_final(&o->c));
    free(o);
    if (fseek(f, start, SEEK_SET) != 0)
        return -1;
    fwrite(hdr, 1, TIME_HEADER_SIZE, f);
    return 0;
}

int trace_writer_commit(struct trace_writer *w, struct trace_error *err)
{
    if (w->n_buf)
        put_records(w, w->buf, w->n_buf);
    struct header *h = &w->h;
    if (w->ids > h->n_ids)
        h->n_ids = w->ids;
    if (w->threads > h->n_threads)
        h->n_threads = w->threads;
    if (h->n_threads == 0)
        h->n_threads = 1;
    if (w->n_timed && w->n_timed != h->n_events) {
        trace__fail(err, "%s: times for %llu of %llu events", w->path,
                    (unsigned long long)w->n_timed, (unsigned long long)h->n_events);
        trace_writer_abort(w);
        return -1;
    }
    if (w->timed || w->n_timed || w->exits) {
        h->flags |= FLAG_TIME;
        if (write_time_section(w, w->timed) != 0) {
            trace__fail(err, "%s: cannot write the time section", w->path);
            trace_writer_abort(w);
            return -1;
        }
    }
    h->records_checksum = trace__checksum_final(&w->c);
    unsigned char hdr[HEADER_SIZE];
    header_encode(hdr, h);
    h->header_checksum = header_checksum(hdr, w->strings, h->name_len, w->strings + h->name_len,
                                         h->description_len);
    header_encode(hdr, h);
    if (fseek(w->af.f, 0, SEEK_SET) != 0) {
        trace__fail(err, "%s: cannot seek to write the header", w->path);
        trace_writer_abort(w);
        return -1;
    }
    fwrite(hdr, 1, HEADER_SIZE, w->af.f);
    int rc = atomic_file_commit(&w->af, err->msg, sizeof err->msg);
    writer_free(w);
    return rc;
}

int trace__binary_write(const char *path, const struct trace *t, struct trace_error *err)
{
    if (big_endian_host())
        return trace__fail(err, "%s: binary traces are little-endian; this big-endian host cannot "
                                "write them", path);
    if (trace_format_from_path(path) == TRACE_FORMAT_BINARY_ZSTD)
        return trace__binary_write_compressed(path, t, TRACE_ZST_LEVEL, err);
    struct trace_writer *w = trace_writer_open(path, t->name, t->description, err);
    if (!w)
        return -1;
    /* The header's counts are at least the trace's own (ids may be declared but unused). */
    w->h.n_ids = t->n_ids;
    w->h.n_threads = t->n_threads;
    if ((t->times && t->n_events) || t->thread_exits)
        w->timed = t;
    if (trace_writer_append(w, t->events, (size_t)t->n_events, err) != 0) {
        trace_writer_abort(w);
        return -1;
    }
    return trace_writer_commit(w, err);
}

/* ---- reading ---- */
struct mapped {
    const char *path;
    unsigned char *map;
    size_t len;
    struct header h;
    const struct trace_event *records;
    /* The time section's three parts, when the header has FLAG_TIME (else all NULL). */
    const unsigned char *times, *times_end, *durations, *durations_end, *exits, *exits_end;
    uint32_t n_exits;
};

static void unmap(struct mapped *m)
{
    if (m->map)
        munmap(m->map, m->len);
    m->map = NULL;
}

/* Checks the time section at p (len bytes to the end of the file) and points m at its parts. */
static int open_time_section(struct mapped *m, const unsigned char *p, uint64_t len,
                             struct trace_error *err)
{
    if (len < TIME_HEADER_SIZE || memcmp(p, time_tag, 8) != 0)
        return trace__fail(err, "%s: header announces a time section, but none follows the "
                                "records (corrupt file)", m->path);
    uint64_t t = trace__get64(p + 8), d = trace__get64(p + 16), x = trace__get64(p + 24);
    uint32_t n_exits = trace__get32(p + 32);
    uint64_t payload = len - TIME_HEADER_SIZE;
    if (t > payload || d > payload - t || x != payload - t - d || trace__get32(p + 36) != 0)
        return trace__fail(err, "%s: time section lengths %llu + %llu + %llu do not match its "
                                "%llu bytes (corrupt file)", m->path, (unsigned long long)t,
                           (unsigned long long)d, (unsigned long long)x,
                           (unsigned long long)payload);
    if ((n_exits != 0 && n_exits != m->h.n_threads) || (x != 0) != (n_exits != 0))
        return trace__fail(err, "%s: time section has %u thread exits for %u threads (corrupt "
                                "file)", m->path, n_exits, m->h.n_threads);
    if (d && !t)
        return trace__fail(err, "%s: time section has durations without times (corrupt file)",
                           m->path);
    struct trace_checksum c;
    trace__checksum_init(&c);
    trace__checksum_update(&c, p + TIME_HEADER_SIZE, (size_t)payload);
    if (trace__checksum_final(&c) != trace__get64(p + 40))
        return trace__fail(err, "%s: time section checksum mismatch (file corrupt)", m->path);
    const unsigned char *q = p + TIME_HEADER_SIZE;
    if (t)
        m->times = q, m->times_end = q + t;
    if (d)
        m->durations = q + t, m->durations_end = q + t + d;
    if (x)
        m->exits = q + t + d, m->exits_end = q + t + d + x;
    m->n_exits = n_exits;
    return 0;
}

/* Maps PATH into m (a compressed file is decoded into memory instead), at least the magic's
 * length long. */
static int map_file(struct mapped *m, const char *path, struct trace_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return trace__fail(err, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return trace__fail(err, "%s: cannot stat: %s", path, strerror(e));
    }
    size_t size = (size_t)st.st_size;
    if (size < sizeof magic) {
        close(fd);
        return trace__fail(err, "%s: not an allocreplay binary trace (file too short for the magic)",
                           path);
    }
    m->map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (m->map == MAP_FAILED) {
        m->map = NULL;
        return trace__fail(err, "%s: cannot map: %s", path, strerror(e));
    }
    m->len = size;
    if (trace__zst_sniff(m->map, size)) {
        /* Compressed: the .alrt bytes are rebuilt in memory and checked like a mapped file. */
        unsigned char *image;
        size_t image_len;
        if (trace__zst_decode(path, m->map, size, &image, &image_len, err) != 0)
            return -1;
        munmap(m->map, m->len);
        m->map = image;
        m->len = image_len;
        if (image_len < sizeof magic)
            return trace__fail(err, "%s: not an allocreplay binary trace (file too short for the "
                                    "magic)", path);
    }
    return 0;
}

/* Decodes and checks the header of the mapped file: magic, version, size, flags, strings,
 * checksum, records offset and the zero padding before the records. */
static int check_header(struct mapped *m, struct trace_error *err)
{
    const char *path = m->path;
    const unsigned char *b = m->map;
    size_t size = m->len;
    if (memcmp(b, magic, sizeof magic) != 0)
        return trace__fail(err, "%s: not an allocreplay binary trace (bad magic)", path);
    if (size < HEADER_SIZE)
        return trace__fail(err, "%s: truncated header (%zu bytes, need %d)", path, size,
                           HEADER_SIZE);
    struct header *h = &m->h;
    header_decode(b, h);
    if (h->version != VERSION)
        return trace__fail(err, "%s: unsupported binary trace version %u (this build reads "
                                "version %d)", path, h->version, VERSION);
    if (h->header_size != HEADER_SIZE)
        return trace__fail(err, "%s: bad header size %u (version 1 has %d)", path,
                           h->header_size, HEADER_SIZE);
    if (h->flags & ~FLAG_TIME)
        return trace__fail(err, "%s: unsupported header flags 0x%x", path, h->flags);
    uint64_t strings = (uint64_t)h->name_len + h->description_len;
    if (strings > size - HEADER_SIZE)
        return trace__fail(err, "%s: truncated header strings (%llu bytes named, %zu present)",
                           path, (unsigned long long)strings, size - HEADER_SIZE);
    const char *name = (const char *)b + HEADER_SIZE;
    if (header_checksum(b, name, h->name_len, name + h->name_len, h->description_len) !=
        h->header_checksum)
        return trace__fail(err, "%s: header checksum mismatch (corrupt header)", path);
    if (h->records_offset != records_offset_for(strings))
        return trace__fail(err, "%s: bad records offset %llu (expected %llu)", path,
                           (unsigned long long)h->records_offset,
                           (unsigned long long)records_offset_for(strings));
    /* The padding is covered by no checksum, so it must be zero: a file differs from the one
     * written only where a check can see it. */
    for (uint64_t i = HEADER_SIZE + strings; i < h->records_offset && i < size; i++)
        if (b[i])
            return trace__fail(err, "%s: nonzero padding before the records (corrupt file)", path);
    return 0;
}

/* Maps the file and checks everything but the records. */
static int map_open(struct mapped *m, const char *path, struct trace_error *err)
{
    memset(m, 0, sizeof *m);
    m->path = path;
    if (big_endian_host())
        return trace__fail(err, "%s: binary traces are little-endian; this big-endian host cannot "
                                "read them in place", path);
    if (map_file(m, path, err) != 0 || check_header(m, err) != 0)
        return -1;
    const struct header *h = &m->h;
    if (h->n_threads > MAX_THREADS)
        return trace__fail(err, "%s: thread count %u in header exceeds %u", path, h->n_threads,
                           MAX_THREADS);
    uint64_t have = m->len > h->records_offset ? m->len - h->records_offset : 0;
    if (h->n_events > have / RECORD_SIZE)
        return trace__fail(err, "%s: truncated: header says %llu events, file holds %llu", path,
                           (unsigned long long)h->n_events,
                           (unsigned long long)(have / RECORD_SIZE));
    m->records = (const struct trace_event *)(m->map + h->records_offset);
    uint64_t after = have - h->n_events * RECORD_SIZE;
    if (h->flags & FLAG_TIME)
        return open_time_section(m, m->map + h->records_offset + h->n_events * RECORD_SIZE, after,
                                 err);
    if (after)
        return trace__fail(err, "%s: %llu stray bytes after the last record", path,
                           (unsigned long long)after);
    return 0;
}

/* Fills the name and description from the header strings (the name defaults to the file's
 * base name when the header has none). */
static int take_strings(const struct mapped *m, struct trace *out, struct trace_error *err)
{
    const char *s = (const char *)m->map + HEADER_SIZE;
    out->name = m->h.name_len ? strndup(s, m->h.name_len) : trace_name_from_path(m->path);
    out->description = m->h.description_len ? strndup(s + m->h.name_len, m->h.description_len)
                                            : NULL;
    if (!out->name || (m->h.description_len && !out->description)) {
        free(out->name);
        free(out->description);
        out->name = out->description = NULL;
        return trace__fail(err, "%s: out of memory", m->path);
    }
    return 0;
}

struct walk {
    const struct mapped *m;
    int lenient;
    const struct trace_load_options *opt; /* its progress callback, if any */
    int keep_invalid; /* invalid events are kept, not dropped (trace_load_options) */
    int verify_checksum;
    int release_behind; /* drop scanned windows of the map (streaming scan) */
    trace_event_sink fn;
    void *ctx;
    struct trace_load_report *report;
    uint64_t *times_out, *durations_out; /* per record, when the file has times; may be NULL */
    uint64_t *exits_out; /* per thread, when the file has thread exits; may be NULL */
    struct trace_checksum *sum_out; /* the records' checksum state once verified; may be NULL */
};

/* Reads the time section's times and durations in step with the records. */
struct time_in {
    const unsigned char *t, *d;
    uint64_t now;
    struct trace__clock clock;
    int unchecked; /* keep_invalid: the rules on times are left to trace_repair */
};

static int time_next(struct time_in *in, const struct mapped *m, uint64_t i, uint16_t thread,
                     uint64_t *time, uint64_t *duration, struct trace_error *err)
{
    uint64_t z, d = 0;
    if (trace__varint_get(&in->t, m->times_end, &z) != 0 ||
        (m->durations && trace__varint_get(&in->d, m->durations_end, &d) != 0))
        return trace__fail(err, "%s: event %llu: time section ends early or holds a bad number "
                                "(corrupt file)", m->path, (unsigned long long)i);
    uint64_t delta = (z >> 1) ^ (uint64_t)-(int64_t)(z & 1); /* zigzag */
    uint64_t t = in->now + delta;
    /* A step back below zero or past TRACE_MAX_TIME is an overflow (both show as > max). */
    if ((int64_t)delta < 0 ? t > in->now : t < in->now)
        return trace__fail(err, "%s: event %llu: time overflows (corrupt file)", m->path,
                           (unsigned long long)i);
    in->now = t;
    *time = t;
    *duration = d - 1; /* 0 codes unknown: TRACE_TIME_NONE */
    return in->unchecked ? 0 : trace__clock_step(&in->clock, m->path, i, thread, t, *duration, err);
}

/* After the last record: every time byte used, then the thread exits checked into out. */
static int time_finish(struct time_in *in, const struct mapped *m, uint64_t *exits_out,
                       struct trace_error *err)
{
    if (in->t != m->times_end || in->d != m->durations_end)
        return trace__fail(err, "%s: time section holds more times than events (corrupt file)",
                           m->path);
    const unsigned char *p = m->exits;
    for (uint32_t k = 0; k < m->n_exits; k++) {
        uint64_t v;
        if (trace__varint_get(&p, m->exits_end, &v) != 0)
            return trace__fail(err, "%s: thread exits end early or hold a bad number (corrupt "
                                    "file)", m->path);
        exits_out[k] = v - 1;
    }
    if (p != m->exits_end)
        return trace__fail(err, "%s: time section holds more thread exits than threads (corrupt "
                                "file)", m->path);
    return in->unchecked ? 0 : trace__clock_exits(&in->clock, m->path, exits_out, m->n_exits, err);
}

/* Structural checks: a record that breaks them is corruption, never a droppable event. */
static int check_record(const struct mapped *m, uint64_t i, const struct trace_event *ev,
                        struct trace_error *err)
{
    if (ev->op >= TRACE_OP_COUNT)
        return trace__fail(err, "%s: record %llu: unknown op %u", m->path, (unsigned long long)i,
                           ev->op);
    if (ev->id >= m->h.n_ids)
        return trace__fail(err, "%s: record %llu: id %u outside the header's id count %u",
                           m->path, (unsigned long long)i, ev->id, m->h.n_ids);
    if (ev->thread >= m->h.n_threads)
        return trace__fail(err, "%s: record %llu: thread %u outside the header's thread count %u",
                           m->path, (unsigned long long)i, ev->thread, m->h.n_threads);
    return 0;
}

/* The streaming scan gives back the map up to done, a window at a time, once read. */
static void release_behind(uintptr_t *released, uintptr_t done)
{
    if (done - *released >= WINDOW_BYTES) {
        madvise((void *)*released, done - *released, MADV_DONTNEED);
        *released = done;
    }
}

/* One pass: checksum and validation chunk by chunk. After the first fatal problem only the
 * checksum goes on, so that a corrupt file is reported as corrupt rather than by whatever
 * nonsense its damaged records happen to contain. */
static int walk(const struct walk *w, struct trace_error *err)
{
    const struct mapped *m = w->m;
    const struct trace_event *rec = m->records;
    uint64_t n = m->h.n_events;
    struct trace_validator v;
    if (trace__validator_init(&v, m->h.n_ids, 0) != 0)
        return trace__fail(err, "%s: out of memory for %u ids", m->path, m->h.n_ids);
    struct time_in tin = {.t = m->times, .d = m->durations, .unchecked = w->keep_invalid};
    if (m->times && trace__clock_init(&tin.clock, m->h.n_threads) != 0) {
        trace__validator_free(&v);
        return trace__fail(err, "%s: out of memory", m->path);
    }
    struct trace_checksum c;
    trace__checksum_init(&c);
    int failed = 0;
    uintptr_t released = (uintptr_t)m->map;
    uintptr_t page_mask = ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);
    for (uint64_t start = 0; start < n; start += CHUNK_EVENTS) {
        uint64_t end = n - start < CHUNK_EVENTS ? n : start + CHUNK_EVENTS;
        if (w->opt && w->opt->progress && start % PROGRESS_EVENTS == 0)
            w->opt->progress(w->opt->progress_ctx, start, n);
        if (w->verify_checksum)
            trace__checksum_update(&c, rec + start, (size_t)(end - start) * RECORD_SIZE);
        for (uint64_t i = start; i < end && !failed; i++) {
            const struct trace_event *ev = &rec[i];
            if (check_record(m, i, ev, err) != 0) {
                failed = 1;
                break;
            }
            uint64_t time = TRACE_TIME_NONE, duration = TRACE_TIME_NONE;
            if (m->times && time_next(&tin, m, i, ev->thread, &time, &duration, err) != 0) {
                failed = 1;
                break;
            }
            if (w->times_out) {
                w->times_out[i] = time;
                if (w->durations_out)
                    w->durations_out[i] = duration;
            }
            int p = trace__validate_event(&v, ev);
            if (p < 0 || (w->keep_invalid && p < TRACE_PROBLEM_COUNT)) {
                if (w->fn) /* valid, or kept as it is for trace_repair */
                    w->fn(w->ctx, ev, time, duration);
            } else if (w->lenient && p < TRACE_PROBLEM_COUNT) {
                w->report->dropped[p]++;
            } else {
                char why[256];
                trace__problem_message(why, sizeof why, p, ev);
                trace__fail(err, "%s: record %llu: %s", m->path, (unsigned long long)i, why);
                failed = 1;
            }
        }
        if (failed && !w->verify_checksum)
            break;
        if (w->release_behind)
            release_behind(&released, (uintptr_t)(rec + end) & page_mask);
    }
    trace__validator_free(&v);
    if (w->verify_checksum && trace__checksum_final(&c) != m->h.records_checksum) {
        trace__clock_free(&tin.clock);
        return trace__fail(err, "%s: records checksum mismatch (file corrupt)", m->path);
    }
    if (w->verify_checksum && w->sum_out)
        *w->sum_out = c;
    if (!failed && m->n_exits) {
        uint64_t *exits = w->exits_out ? w->exits_out : malloc(m->n_exits * sizeof *exits);
        if (!exits)
            failed = 1, trace__fail(err, "%s: out of memory", m->path);
        else if (time_finish(&tin, m, exits, err) != 0)
            failed = 1;
        if (exits != w->exits_out)
            free(exits);
    } else if (!failed && m->times) {
        failed = time_finish(&tin, m, NULL, err) != 0;
    }
    trace__clock_free(&tin.clock);
    return failed ? -1 : 0;
}

struct copy_sink {
    struct trace_builder b;
    int out_of_memory;
};

static void push_event(void *ctx, const struct trace_event *ev, uint64_t time, uint64_t duration)
{
    struct copy_sink *s = ctx;
    int rc = time == TRACE_TIME_NONE ? trace_builder_push(&s->b, ev)
                                     : trace_builder_push_timed(&s->b, ev, time, duration);
    if (!s->out_of_memory && rc != 0)
        s->out_of_memory = 1;
}

/* The heap arrays for the time section of m, attached to out (freed by trace_release). */
static int alloc_times(const struct mapped *m, struct trace *out)
{
    size_t n = m->h.n_events ? (size_t)m->h.n_events : 1;
    if (m->times && !(out->times = malloc(n * sizeof *out->times)))
        return -1;
    if (m->durations && !(out->durations = malloc(n * sizeof *out->durations)))
        return -1;
    if (m->n_exits && !(out->thread_exits = malloc(m->n_exits * sizeof *out->thread_exits)))
        return -1;
    return 0;
}

int trace__binary_load(const char *path, const struct trace_load_options *opt, struct trace *out,
                       struct trace_load_report *report, struct trace_error *err)
{
    struct mapped m;
    if (map_open(&m, path, err) != 0) {
        unmap(&m);
        return -1;
    }
    madvise(m.map, m.len, MADV_WILLNEED);
    if (alloc_times(&m, out) != 0) {
        unmap(&m);
        trace_release(out);
        return trace__fail(err, "%s: out of memory for the times", path);
    }
    struct trace_checksum sum;
    struct walk w = {.m = &m, .lenient = opt->lenient, .keep_invalid = opt->keep_invalid,
                     .opt = opt, .verify_checksum = 1, .report = report,
                     .times_out = out->times, .durations_out = out->durations,
                     .exits_out = out->thread_exits, .sum_out = &sum};
    if (walk(&w, err) != 0 || take_strings(&m, out, err) != 0) {
        unmap(&m);
        trace_release(out);
        return -1;
    }
    uint64_t dropped = 0;
    for (int p = 0; p < TRACE_PROBLEM_COUNT; p++)
        dropped += report->dropped[p];
    if (dropped) {
        /* Lenient and something was dropped: the map is read-only, so the kept events are
         * copied out by a second walk that makes the same decisions. */
        struct copy_sink s = {.out_of_memory = 0};
        struct trace_load_report again = {{0}};
        trace_builder_init(&s.b);
        struct walk copy = {.m = &m, .lenient = 1, .fn = push_event, .ctx = &s, .report = &again};
        walk(&copy, err);
        unmap(&m);
        struct trace kept;
        if (s.out_of_memory || trace_builder_finish(&s.b, NULL, NULL, &kept) != 0) {
            trace_builder_discard(&s.b);
            trace_release(out);
            return trace__fail(err, "%s: out of memory", path);
        }
        free(out->times);
        free(out->durations);
        out->owned_events = kept.owned_events;
        out->events = kept.events;
        out->times = kept.times;
        out->durations = kept.durations;
        out->n_events = kept.n_events;
        out->n_ids = m.h.n_ids;
        out->n_threads = m.h.n_threads;
        return 0;
    }
    out->map = m.map;
    out->map_len = m.len;
    out->events = m.records;
    out->n_events = m.h.n_events;
    out->n_ids = m.h.n_ids;
    out->n_threads = m.h.n_threads;
    /* Every record kept: trace_checksum() goes on from the state just verified. */
    memcpy(out->events_sum, sum.lane, sizeof sum.lane);
    out->events_sum[4] = sum.length;
    out->has_events_sum = 1;
    return 0;
}

int trace__binary_scan(const char *path, const struct trace_load_options *opt,
                       trace_event_sink fn, void *ctx, struct trace *hdr_out,
                       struct trace_load_report *report, struct trace_error *err)
{
    struct mapped m;
    memset(hdr_out, 0, sizeof *hdr_out);
    if (map_open(&m, path, err) != 0) {
        unmap(&m);
        return -1;
    }
    madvise(m.map, m.len, MADV_SEQUENTIAL);
    struct walk w = {.m = &m, .lenient = opt->lenient, .opt = opt, .verify_checksum = 1,
                     .release_behind = 1,
                     .fn = fn, .ctx = ctx, .report = report};
    int rc = walk(&w, err);
    if (rc == 0)
        rc = take_strings(&m, hdr_out, err);
    hdr_out->n_events = m.h.n_events;
    hdr_out->n_ids = m.h.n_ids;
    hdr_out->n_threads = m.h.n_threads;
    unmap(&m);
    return rc;
}

/* A compressed trace: the .alrt file is written first, next to path, then compressed from
 * its map, so that every part of it (header, records, the time section, any later section)
 * travels unchanged and the result decompresses to exactly that file. */
int trace__binary_write_compressed(const char *path, const struct trace *t, int level,
                                   struct trace_error *err)
{
    char *plain = NULL;
    if (asprintf(&plain, "%s.tmp-%d.alrt", path, (int)getpid()) < 0)
        return trace__fail(err, "%s: out of memory", path);
    int rc = trace__binary_write(plain, t, err);
    if (rc == 0) {
        rc = trace_compress_file_with(plain, path, &(struct trace_save_options){level}, err);
        unlink(plain);
    }
    free(plain);
    return rc;
}

int trace_compress_file(const char *alrt_path, const char *path, struct trace_error *err)
{
    return trace_compress_file_with(alrt_path, path, NULL, err);
}

int trace_compress_file_with(const char *alrt_path, const char *path,
                             const struct trace_save_options *opt, struct trace_error *err)
{
    int level = opt && opt->zstd_level ? opt->zstd_level : TRACE_ZST_LEVEL;
    if (level < 1 || level > TRACE_ZSTD_MAX_LEVEL)
        return trace__fail(err, "%s: zstd level %d (from 1 to %d)", path, level,
                           TRACE_ZSTD_MAX_LEVEL);
    struct mapped m;
    int rc = map_open(&m, alrt_path, err);
    if (rc == 0) {
        madvise(m.map, m.len, MADV_SEQUENTIAL);
        uint64_t end = m.h.records_offset + m.h.n_events * RECORD_SIZE;
        rc = trace__zst_write(path, m.map, (size_t)m.h.records_offset, m.records, m.h.n_events,
                              m.map + end, (size_t)(m.len - end), level, err);
    }
    unmap(&m);
    return rc;
}
