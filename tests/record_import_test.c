/* record_import on hand-written raw logs: the address -> id rules, realloc in all its forms,
 * ordering by sequence number across interleaved thread chunks, and the counted anomalies. */
#include "trace/record_import.h"
#include "recorder/recorder_log.h"
#include "record_map.h" /* white box: the address map's two hashes */
#include "tap.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

/* The clock of the logs write_log writes: CLOCK_MONOTONIC ns, or TSC ticks at TSC_NS_PER_TICK
 * with the header's pair at (start ns * 2 ticks, start ns) and each chunk's 1000 ns later. */
static uint32_t log_clock = RECORDER_CLOCK_NS;

/* The log of pid's image, as the recorder names it. */
static void log_path(uint32_t pid, uint32_t image, char *out, size_t len)
{
    snprintf(out, len, "%s/%u-%u%s", dir, pid, image, RECORDER_LOG_SUFFIX);
}

/* Creates the log of pid's image with its header (write_log's clock), open for appending. */
static FILE *open_log(uint32_t pid, uint32_t image, uint64_t start_ns)
{
    char path[128];
    log_path(pid, image, path, sizeof path);
    FILE *f = fopen(path, "wb");
    struct recorder_log_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, RECORDER_LOG_MAGIC, sizeof h.magic);
    h.version = RECORDER_LOG_VERSION;
    h.pid = pid;
    h.image = image;
    h.start_ns = start_ns;
    h.clock = log_clock;
    h.start_ticks = start_ns * (log_clock == RECORDER_CLOCK_TSC ? 2 : 1);
    fwrite(&h, sizeof h, 1, f);
    return f;
}

/* Writes one log file: consecutive records of the same thread form one chunk, as the
 * recorder's per-thread buffers do. Records are given in file order, not seq order.
 * torn_bytes > 0 appends a chunk header promising that many bytes that never came. */
static void write_log(uint32_t pid, uint32_t image, uint64_t start_ns,
                      const struct recorder_log_record *recs, size_t n, uint32_t torn_bytes)
{
    uint64_t per_ns = log_clock == RECORDER_CLOCK_TSC ? 2 : 1;
    FILE *f = open_log(pid, image, start_ns);
    for (size_t i = 0; i < n;) {
        unsigned char bytes[96 * RECORDER_LOG_MAX_BYTES];
        struct recorder_log_delta d = {0, 0, 0};
        uint32_t used = 0;
        size_t j = i;
        for (; j < n && recs[j].thread == recs[i].thread; j++)
            used += recorder_log_encode(bytes + used, &d, recs[j].seq, recs[j].op,
                                        recs[j].align_log2, recs[j].addr, recs[j].ticks,
                                        recs[j].size);
        struct recorder_log_chunk c = {recs[i].thread, used, (start_ns + 1000) * per_ns,
                                       start_ns + 1000};
        fwrite(&c, sizeof c, 1, f);
        fwrite(bytes, 1, used, f);
        i = j;
    }
    if (torn_bytes) {
        struct recorder_log_chunk c = {0, torn_bytes, 0, 0};
        fwrite(&c, sizeof c, 1, f);
        fwrite("\0\0\0\0\0\0\0\0", 8, 1, f);
    }
    fclose(f);
}

static void clear_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    closedir(d);
}

/* A record whose call began at 100 + 10 * seq clock ticks. */
#define R(seq, op, addr, size, thread)                                                        \
    {(seq), (addr), (size), (thread), RECORDER_OP_##op, 0, 0, 100 + 10 * (seq)}

struct want {
    enum trace_op op;
    uint32_t id;
    uint64_t size;
    uint16_t thread;
};

static int matches(const struct trace *t, const struct want *w, size_t n)
{
    if (t->n_events != n) {
        printf("# %llu events, want %zu\n", (unsigned long long)t->n_events, n);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const struct trace_event *e = &t->events[i];
        if (e->op != w[i].op || e->id != w[i].id || e->size != w[i].size ||
            e->thread != w[i].thread) {
            printf("# event %zu: %s %u %llu t%u\n", i, trace_op_name(e->op), e->id,
                   (unsigned long long)e->size, e->thread);
            return 0;
        }
    }
    return 1;
}

static int import(int follow, uint32_t top, struct trace *t, struct record_import_report *rep)
{
    struct record_import_options opt = {follow, top, "t", NULL};
    struct trace_error err;
    int rc = record_import_dir(dir, &opt, t, rep, &err);
    if (rc)
        printf("# %s\n", err.msg);
    return rc;
}

static void test_rules(void)
{
    /* Two threads' chunks, thread 1's written first: the import must follow seq. */
    static const struct recorder_log_record recs[] = {
        R(3, FREE, 0x1000, 0, 1),          /* thread 1 frees thread 0's block */
        R(4, MALLOC, 0x1000, 24, 1),       /* same address again: a new object */
        R(9, FREE, 0x9990, 0, 1),          /* never seen: dropped */
        R(0, MALLOC, 0x1000, 16, 0),
        R(1, REALLOC_BEGIN, 0x2000, 0, 0), /* realloc of memory from before recording */
        R(2, REALLOC_END, 0x2100, 64, 0),
        R(5, REALLOC_BEGIN, 0x1000, 0, 0),
        R(6, REALLOC_END, 0x3000, 100, 0), /* moved */
        R(7, REALLOC_BEGIN, 0x3000, 0, 0),
        R(8, REALLOC_END, 0, 200, 0),      /* failed: the object stays at 0x3000 */
        R(10, FREE, 0x3000, 0, 0),
        R(11, MALLOC, 0x4000, 0, 0),       /* malloc(0): a 1-byte object */
        R(12, CALLOC, 0x4000, 8, 0),       /* reused with no free logged: free inserted */
        R(13, REALLOC_BEGIN, 0x4000, 0, 0),
        R(14, REALLOC_END, 0x5000, 0, 0),  /* realloc(p, 0) that returned a block: a free */
        R(15, THREAD_EXIT, 0, 0, 1),
    };
    static const struct want want[] = {
        {TRACE_ALLOC, 0, 16, 0},  {TRACE_ALLOC, 1, 64, 0},   {TRACE_FREE, 0, 0, 1},
        {TRACE_ALLOC, 2, 24, 1},  {TRACE_REALLOC, 2, 100, 0}, {TRACE_FREE, 2, 0, 0},
        {TRACE_ALLOC, 3, 1, 0},   {TRACE_FREE, 3, 0, 0},     {TRACE_CALLOC, 4, 8, 0},
        {TRACE_FREE, 4, 0, 0},
    };
    write_log(100, 0, 5, recs, sizeof recs / sizeof recs[0], 0);
    struct trace t;
    struct record_import_report rep;
    if (!TAP_OK(import(0, 100, &t, &rep) == 0, "rules: imported"))
        return;
    TAP_OK(matches(&t, want, sizeof want / sizeof want[0]), "rules: events in seq order, ids by rule");
    TAP_EQ_U64(rep.dropped_frees, 2, "rules: free and realloc of unknown addresses dropped");
    TAP_EQ_U64(rep.zero_sizes, 1, "rules: zero-size request counted");
    TAP_EQ_U64(rep.implicit_frees, 1, "rules: reused live address counted");
    TAP_EQ_U64(rep.lost_records, 0, "rules: nothing lost");
    TAP_EQ_U64(rep.threads, 2, "rules: two threads");
    /* Times: ns since the image started (start_ns 5): the first event (seq 0) at 95, the free
     * inserted before seq 12 at that record's time, thread 1's exit at its record's. */
    TAP_OK(t.times && t.times[0] == 95 && t.times[7] == 215 && t.times[8] == 215 &&
               t.times[9] == 235,
           "rules: times from the records' clock");
    TAP_OK(t.thread_exits && t.thread_exits[0] == TRACE_TIME_NONE && t.thread_exits[1] == 245,
           "rules: thread 1's exit recorded, thread 0 still running");
    struct trace_error terr;
    TAP_OK(trace_validate_times(&t, "rules", &terr) == 0, "rules: times valid");
    /* Streamed into a binary file: the same trace, times and exits included. */
    char path[128];
    snprintf(path, sizeof path, "%s/streamed.alrt", dir);
    struct record_import_options opt = {0, 100, "t", NULL};
    struct record_import_report srep;
    struct trace s;
    int same = record_import_dir_to_file(dir, &opt, path, &srep, &terr) == 0 &&
               trace_load(path, NULL, &s, NULL, &terr) == 0;
    if (same) {
        same = s.n_events == t.n_events && s.n_threads == t.n_threads && s.times &&
               s.thread_exits && srep.events == t.n_events &&
               !memcmp(s.events, t.events, t.n_events * sizeof *t.events) &&
               !memcmp(s.times, t.times, t.n_events * sizeof *t.times) &&
               !memcmp(s.thread_exits, t.thread_exits, t.n_threads * sizeof *t.thread_exits);
        trace_release(&s);
    }
    TAP_OK(same, "rules: streamed to a file, the same trace (%s)", same ? "ok" : terr.msg);
    unlink(path);
    /* Thread numbers are dense in order of first appearance: recorder thread 1 shows up
     * after thread 0 in seq order, so the numbering is kept. */
    trace_release(&t);
    clear_dir();
}

static void test_images(void)
{
    static const struct recorder_log_record parent[] = {
        R(0, MALLOC, 0x1000, 10, 0), R(1, MALLOC, 0x2000, 20, 0), R(3, FREE, 0x1000, 0, 0),
    };
    static const struct recorder_log_record child[] = {
        R(0, MALLOC, 0x1000, 30, 0), R(1, FREE, 0x2000, 0, 0), /* parent's block: dropped */
    };
    write_log(200, 0, 10, parent, 3, 64); /* its last write was torn */
    write_log(201, 0, 20, child, 2, 0);
    struct trace t;
    struct record_import_report rep;
    if (TAP_OK(import(0, 200, &t, &rep) == 0, "images: top process only")) {
        static const struct want want[] = {
            {TRACE_ALLOC, 0, 10, 0}, {TRACE_ALLOC, 1, 20, 0}, {TRACE_FREE, 0, 0, 0}};
        TAP_OK(matches(&t, want, 3), "images: child ignored; a lost seq (2) is counted");
        TAP_EQ_U64(rep.lost_records, 2, "images: the gap in the parent's seqs and the torn chunk");
        trace_release(&t);
    }
    if (TAP_OK(import(1, 200, &t, &rep) == 0, "images: follow forks")) {
        /* Parent first (it started first), its live object released at its end; the child's
         * objects get new ids and a new thread number. */
        static const struct want want[] = {
            {TRACE_ALLOC, 0, 10, 0}, {TRACE_ALLOC, 1, 20, 0}, {TRACE_FREE, 0, 0, 0},
            {TRACE_FREE, 1, 0, 0},   {TRACE_ALLOC, 2, 30, 1}, {TRACE_FREE, 2, 0, 1}};
        TAP_OK(matches(&t, want, 6), "images: appended in start order, leftovers released");
        TAP_EQ_U64(rep.released_at_exit, 2, "images: released at exit");
        TAP_EQ_U64(rep.dropped_frees, 1, "images: child's free of the parent's block dropped");
        TAP_EQ_U64(rep.images, 2, "images: two logs");
        trace_release(&t);
    }
    clear_dir();
}

/* TSC ticks become ns by the line through the header's pair and the latest chunk's. */
static void test_tsc(void)
{
    static const struct recorder_log_record recs[] = {
        {0, 0x1000, 8, 0, RECORDER_OP_MALLOC, 0, 0, 1000}, /* the start: 500 ns */
        {1, 0x1000, 0, 0, RECORDER_OP_FREE, 0, 0, 1600},   /* 300 ns later */
        {2, 0x2000, 8, 0, RECORDER_OP_MALLOC, 0, 0, 1500}, /* clock behind: kept at 300 */
    };
    log_clock = RECORDER_CLOCK_TSC;
    write_log(400, 0, 500, recs, 3, 0);
    log_clock = RECORDER_CLOCK_NS;
    struct trace t;
    struct record_import_report rep;
    if (TAP_OK(import(0, 400, &t, &rep) == 0, "tsc: imported")) {
        TAP_OK(t.times && t.times[0] == 0 && t.times[1] == 300 && t.times[2] == 300,
               "tsc: 2 ticks a ns, from the image's start; never back on a thread");
        trace_release(&t);
    }
    clear_dir();
}

/* Sizes the trace cannot hold: above TRACE_MAX_SIZE they are clamped and counted, for an
 * allocation and a realloc alike (zero becomes 1, checked elsewhere). */
static void test_huge_sizes(void)
{
    static const struct recorder_log_record recs[] = {
        R(0, MALLOC, 0x1000, (UINT64_C(1) << 41), 0),
        R(1, REALLOC_BEGIN, 0x1000, 0, 0),
        R(2, REALLOC_END, 0x2000, UINT64_MAX, 0),
        R(3, FREE, 0x2000, 0, 0),
    };
    write_log(310, 0, 1, recs, 4, 0);
    struct trace t;
    struct record_import_report rep;
    if (TAP_OK(import(0, 310, &t, &rep) == 0, "huge sizes: imported")) {
        TAP_OK(t.n_events == 3 && t.events[0].size == TRACE_MAX_SIZE &&
                   t.events[1].op == TRACE_REALLOC && t.events[1].size == TRACE_MAX_SIZE,
               "huge sizes: clamped to TRACE_MAX_SIZE");
        TAP_EQ_U64(rep.clamped_sizes, 2, "huge sizes: counted");
        struct trace_error err;
        TAP_OK(trace_validate(&t, &err) == 0, "huge sizes: the trace is valid");
        trace_release(&t);
    }
    clear_dir();
}

static void test_corrupt(void)
{
    static const struct recorder_log_record dup[] = {R(0, MALLOC, 0x1000, 10, 0),
                                                     R(0, FREE, 0x1000, 0, 0)};
    write_log(300, 0, 1, dup, 2, 0);
    struct trace t;
    struct record_import_report rep;
    struct record_import_options opt = {0, 300, "t", NULL};
    struct trace_error err;
    TAP_OK(record_import_dir(dir, &opt, &t, &rep, &err) != 0 && strstr(err.msg, "sequence number 0 twice"),
           "corrupt: duplicate seq refused (%s)", err.msg);
    clear_dir();
    static const struct recorder_log_record orphan[] = {R(0, REALLOC_END, 0x1000, 10, 0)};
    write_log(300, 0, 1, orphan, 1, 0);
    TAP_OK(record_import_dir(dir, &opt, &t, &rep, &err) != 0 && strstr(err.msg, "corrupt log"),
           "corrupt: realloc end without its begin refused (%s)", err.msg);
    clear_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/1-0%s", dir, RECORDER_LOG_SUFFIX);
    FILE *f = fopen(path, "wb");
    fputs("not a log at all, but long enough for a header......", f);
    fclose(f);
    TAP_OK(record_import_dir(dir, &opt, &t, &rep, &err) != 0 && strstr(err.msg, "not a recorder log"),
           "corrupt: bad magic refused (%s)", err.msg);
    clear_dir();
    TAP_OK(record_import_dir(dir, &opt, &t, &rep, &err) == 0 && t.n_events == 0,
           "empty directory: an empty trace");
    trace_release(&t);
    snprintf(path, sizeof path, "%s/empty.alrt", dir);
    TAP_OK(record_import_dir_to_file(dir, &opt, path, &rep, &err) == 0 && rep.events == 0 &&
               access(path, F_OK) != 0,
           "empty directory streamed: no file written");
}

/* The delta coding of recorder_log.h: extreme steps either way round-trip, a free codes in a few
 * bytes, and a cut-short or malformed record is refused, also near a chunk's end. */
static struct recorder_log_layout layouts[RECORDER_LOG_TAGS];

static void test_codec(void)
{
    recorder_log_layouts(layouts);
    static const struct recorder_log_record recs[] = {
        {0, 0x7fffffffff00, 1, 0, RECORDER_OP_MALLOC, 0, 0, 5},
        {1, 0x10, 0, 0, RECORDER_OP_FREE, 0, 0, 4},                /* address and clock back */
        {(UINT64_C(1) << 48) - 1, UINT64_MAX - 15, UINT64_MAX, 0, RECORDER_OP_ALIGNED, 63, 0,
         UINT64_MAX},                                              /* every field at its widest */
        {(UINT64_C(1) << 48) - 1, 0x20, 24, 0, RECORDER_OP_CALLOC, 0, 0, 0}, /* seq not +1 */
        {7, 0x20, 0, 0, RECORDER_OP_THREAD_EXIT, 0, 0, 9},
    };
    unsigned char buf[8 * RECORDER_LOG_MAX_BYTES];
    size_t len = 0, n = sizeof recs / sizeof recs[0];
    struct recorder_log_delta d = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        len += recorder_log_encode(buf + len, &d, recs[i].seq, recs[i].op, recs[i].align_log2,
                                   recs[i].addr, recs[i].ticks, recs[i].size);
    memset(&d, 0, sizeof d);
    size_t off = 0, ok = 0;
    for (size_t i = 0; i < n; i++) {
        struct recorder_log_record r;
        unsigned used = recorder_log_decode(layouts, buf + off, len - off, 3, &d, &r);
        ok += used && r.seq == recs[i].seq && r.addr == recs[i].addr && r.ticks == recs[i].ticks &&
              r.size == recs[i].size && r.op == recs[i].op && r.align_log2 == recs[i].align_log2 &&
              r.thread == 3;
        off += used ? used : len;
    }
    TAP_EQ_U64(ok, n, "codec: extreme records round-trip");
    TAP_EQ_U64(off, len, "codec: every byte used");
    unsigned char one[RECORDER_LOG_MAX_BYTES];
    memset(&d, 0, sizeof d);
    d.seq = 41;
    d.addr = 0x1000;
    d.ticks = 100;
    unsigned k = recorder_log_encode(one, &d, 41, RECORDER_OP_FREE, 0, 0x1040, 300, 0);
    TAP_OK(k == 5, "codec: a free after its neighbour is 5 bytes (%u)", k);
    struct recorder_log_record r;
    memset(&d, 0, sizeof d);
    TAP_OK(recorder_log_decode(layouts, buf, 3, 0, &d, &r) == 0,
           "codec: a record cut short refused");
    unsigned char bad[8] = {RECORDER_OP_FREE, 1 << 4}; /* a free with a 1-byte size */
    TAP_OK(recorder_log_decode(layouts, bad, sizeof bad, 0, &d, &r) == 0,
           "codec: a free with a size refused");
    bad[0] = RECORDER_OP_MALLOC;
    TAP_OK(recorder_log_decode(layouts, bad, sizeof bad, 0, &d, &r) == 3,
           "codec: a malloc with it is fine");
    bad[0] = 0;
    TAP_OK(recorder_log_decode(layouts, bad, sizeof bad, 0, &d, &r) == 0, "codec: op 0 refused");
    bad[0] = RECORDER_OP_MALLOC, bad[1] = 0x80;
    TAP_OK(recorder_log_decode(layouts, bad, sizeof bad, 0, &d, &r) == 0,
           "codec: tag bit 15 refused");
    /* Every tag, against the rules of recorder_log.h spelled out: its length, or refused. */
    size_t wrong = 0;
    for (unsigned tag = 0; tag < 65536; tag++) {
        unsigned op = tag & 7, size_code = tag >> 12 & 7, want = 2;
        for (unsigned f = 0; f < 4; f++)
            want += (unsigned[]){0, 1, 2, 3, 4, 5, 6, 8}[tag >> (3 + 3 * f) & 7];
        want += op == RECORDER_OP_ALIGNED;
        if (op == 0 || tag >> 15 ||
            (size_code && (op == RECORDER_OP_FREE || op == RECORDER_OP_REALLOC_BEGIN ||
                           op == RECORDER_OP_THREAD_EXIT)))
            want = 0;
        unsigned char rec[RECORDER_LOG_MAX_BYTES] = {(unsigned char)tag, (unsigned char)(tag >> 8)};
        memset(&d, 0, sizeof d);
        wrong += recorder_log_decode(layouts, rec, sizeof rec, 0, &d, &r) != want;
    }
    TAP_EQ_U64(wrong, 0, "codec: all 65536 tags decode to their length or are refused");
}

/* Binds n blocks stride bytes apart from base, checks and removes them all; returns the number
 * of wrong answers. */
static size_t map_churn(struct record_map *m, uint64_t base, uint64_t stride, uint32_t n)
{
    size_t wrong = 0, before = m->count;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t old;
        wrong += record_map_bind(m, base + i * stride, i, &old) != 0 || old != RECORD_MAP_NONE;
    }
    for (uint32_t i = 0; i < n; i += 2) /* every other one, then the rest backwards */
        wrong += record_map_take(m, base + i * stride) != i;
    for (uint32_t i = n; i-- > 0;)
        if (i % 2)
            wrong += record_map_take(m, base + i * stride) != i;
    return wrong + (m->count != before);
}

/* The address map: blocks spread thinly stay in address order; a heap dense with 16-byte
 * blocks and twice the table's span (it lands on itself) makes it switch to the scattering
 * hash; every answer right either way. */
/* --- importing while the log is written --- */

/* A log's header, as the recorder writes it when the image starts. */
static void live_start(uint32_t pid, uint32_t image, uint64_t start_ns)
{
    fclose(open_log(pid, image, start_ns));
}

/* The chunk of n records of one thread being appended: its bytes from..to (of header and
 * records) are written, so a chunk can be written in two goes. */
static void live_chunk(uint32_t pid, uint32_t image, const struct recorder_log_record *recs,
                       size_t n, size_t from, size_t to)
{
    unsigned char bytes[sizeof(struct recorder_log_chunk) + 8 * RECORDER_LOG_MAX_BYTES];
    struct recorder_log_delta d = {0, 0, 0};
    uint32_t used = 0;
    for (size_t j = 0; j < n; j++)
        used += recorder_log_encode(bytes + sizeof(struct recorder_log_chunk) + used, &d,
                                    recs[j].seq, recs[j].op, recs[j].align_log2, recs[j].addr,
                                    recs[j].ticks, recs[j].size);
    struct recorder_log_chunk c = {recs[0].thread, used, 1000, 1000};
    memcpy(bytes, &c, sizeof c);
    size_t total = sizeof c + used;
    char path[128];
    log_path(pid, image, path, sizeof path);
    FILE *f = fopen(path, "ab");
    fwrite(bytes + from, 1, (to < total ? to : total) - from, f);
    fclose(f);
}

#define ALL SIZE_MAX

static int same_trace(const struct trace *a, const struct trace *b)
{
    return a->n_events == b->n_events && a->n_threads == b->n_threads &&
           a->n_ids == b->n_ids && !memcmp(a->events, b->events, a->n_events * sizeof *a->events) &&
           (!a->times) == (!b->times) &&
           (!a->times || !memcmp(a->times, b->times, a->n_events * sizeof *a->times)) &&
           (!a->thread_exits) == (!b->thread_exits) &&
           (!a->thread_exits ||
            !memcmp(a->thread_exits, b->thread_exits, a->n_threads * sizeof *a->thread_exits));
}

/* Polls see a record only once every number before it is there; the end gives the trace a
 * one-shot import of the same logs gives. */
static void test_live(void)
{
    static const struct recorder_log_record t0a[] = {R(0, MALLOC, 0x1000, 10, 0),
                                                     R(1, MALLOC, 0x2000, 20, 0)};
    static const struct recorder_log_record t1a[] = {R(2, MALLOC, 0x3000, 30, 1),
                                                     R(3, FREE, 0x2000, 0, 1)};
    static const struct recorder_log_record t0b[] = {R(4, FREE, 0x1000, 0, 0)};
    static const struct recorder_log_record t1b[] = {R(5, FREE, 0x3000, 0, 1),
                                                     R(6, THREAD_EXIT, 0, 0, 1)};
    struct record_import_options opt = {0, 0, "t", NULL}; /* the pid is set once known */
    struct trace_error err;
    char path[128];
    snprintf(path, sizeof path, "%s/live.alrt", dir);
    for (int streamed = 0; streamed < 2; streamed++) {
        struct record_import *ri = record_import_begin(dir, &opt, streamed ? path : NULL, &err);
        if (!TAP_OK(ri != NULL, "live: begun (%s)", streamed ? "streamed" : "in memory"))
            return;
        record_import_set_top_pid(ri, 500);
        int polls[6];
        polls[0] = record_import_poll(ri); /* no log yet */
        live_start(500, 0, 10);
        polls[1] = record_import_poll(ri); /* a header only */
        live_chunk(500, 0, t1a, 2, 0, ALL);
        polls[2] = record_import_poll(ri); /* seq 0 and 1 still in thread 0's buffer */
        live_chunk(500, 0, t0a, 2, 0, 30);
        polls[3] = record_import_poll(ri); /* their chunk half written */
        live_chunk(500, 0, t0a, 2, 30, ALL);
        polls[4] = record_import_poll(ri); /* 0..3 */
        live_chunk(500, 0, t0b, 1, 0, ALL);
        live_chunk(500, 0, t1b, 2, 0, ALL);
        polls[5] = record_import_poll(ri);
        TAP_OK(!polls[0] && !polls[1] && !polls[2] && !polls[3] && polls[4] == 1 && polls[5] == 1,
               "live: a poll imports only numbers without a gap, whole chunks (%d %d %d %d %d %d)",
               polls[0], polls[1], polls[2], polls[3], polls[4], polls[5]);
        struct trace live = {0}, once;
        struct record_import_report rep, once_rep;
        int rc = record_import_end(ri, &live, &rep, &err);
        if (rc == 0 && streamed)
            rc = trace_load(path, NULL, &live, NULL, &err);
        if (TAP_OK(rc == 0 && import(0, 500, &once, &once_rep) == 0, "live: ended (%s)",
                   rc ? err.msg : "ok")) {
            TAP_OK(same_trace(&live, &once) && rep.events == 6 && rep.lost_records == 0,
                   "live: the trace of a one-shot import (%llu events)",
                   (unsigned long long)rep.events);
            trace_release(&once);
        }
        trace_release(&live);
        unlink(path);
        clear_dir();
    }
}

/* The process exec's: the next image takes over once it has records, the one before is
 * finished (what it left live released); a header-only image in between is skipped. */
static void test_live_images(void)
{
    static const struct recorder_log_record first[] = {R(0, MALLOC, 0x1000, 10, 0),
                                                       R(1, MALLOC, 0x2000, 20, 0),
                                                       R(2, FREE, 0x1000, 0, 0)};
    static const struct recorder_log_record third[] = {R(0, MALLOC, 0x1000, 30, 0),
                                                       R(1, FREE, 0x1000, 0, 0)};
    struct record_import_options opt = {0, 600, "t", NULL};
    struct trace_error err;
    struct record_import *ri = record_import_begin(dir, &opt, NULL, &err);
    if (!TAP_OK(ri != NULL, "live images: begun"))
        return;
    live_start(600, 0, 10);
    live_chunk(600, 0, first, 3, 0, ALL);
    int a = record_import_poll(ri);
    live_start(600, 1, 20); /* exec'd, and exec'd again before allocating */
    live_start(600, 2, 30);
    int b = record_import_poll(ri); /* image 2 has no records yet: image 0 stays */
    live_chunk(600, 2, third, 2, 0, ALL);
    int c = record_import_poll(ri);
    TAP_OK(a == 1 && b == 0 && c == 1, "live images: polls %d %d %d", a, b, c);
    struct trace live = {0}, once;
    struct record_import_report rep, once_rep;
    if (TAP_OK(record_import_end(ri, &live, &rep, &err) == 0 &&
                   import(0, 600, &once, &once_rep) == 0,
               "live images: ended")) {
        static const struct want want[] = {{TRACE_ALLOC, 0, 10, 0}, {TRACE_ALLOC, 1, 20, 0},
                                           {TRACE_FREE, 0, 0, 0},   {TRACE_FREE, 1, 0, 0},
                                           {TRACE_ALLOC, 2, 30, 1}, {TRACE_FREE, 2, 0, 1}};
        TAP_OK(matches(&live, want, 6) && same_trace(&live, &once),
               "live images: image 0's leftover released, then image 2: a one-shot import's trace");
        TAP_EQ_U64(rep.images, 2, "live images: two images with records");
        TAP_EQ_U64(rep.released_at_exit, 1, "live images: one object released at exec");
        trace_release(&once);
    }
    trace_release(&live);
    clear_dir();
}

/* A log that is not one stops the import: end reports it, and a streamed file never appears. */
static void test_live_bad(void)
{
    char path[128], log[128];
    snprintf(path, sizeof path, "%s/bad.alrt", dir);
    log_path(700, 0, log, sizeof log);
    FILE *f = fopen(log, "wb");
    fwrite("not a recorder log at all, but long enough for a header..", 1, 58, f);
    fclose(f);
    struct record_import_options opt = {0, 700, "t", NULL};
    struct trace_error err;
    struct record_import *ri = record_import_begin(dir, &opt, path, &err);
    if (!TAP_OK(ri != NULL, "live bad: begun"))
        return;
    int a = record_import_poll(ri);
    struct record_import_report rep;
    int rc = record_import_end(ri, NULL, &rep, &err);
    TAP_OK(a == -1 && rc == -1 && strstr(err.msg, "not a recorder log") && access(path, F_OK) != 0,
           "live bad: poll fails, end says why (%s), no file", rc ? err.msg : "");
    clear_dir();
}

static void test_map(void)
{
    struct record_map m;
    TAP_OK(record_map_init(&m) == 0, "map: made");
    TAP_EQ_U64(map_churn(&m, 0x7f0000000000, 112, 300000), 0, "map: sparse blocks, all found");
    TAP_OK(!m.scatter, "map: sparse blocks keep the address-order hash");
    record_map_free(&m);
    TAP_OK(record_map_init(&m) == 0, "map: made again");
    uint32_t n = 1u << 20, wrong = 0;
    for (uint32_t i = 0; i < n; i++) { /* 1 Mi live: 2 Mi slots, a span of 32 MiB */
        uint32_t old;
        wrong += record_map_bind(&m, 0x10000000 + (uint64_t)i * 16, i, &old) != 0;
    }
    TAP_EQ_U64(map_churn(&m, 0x10000000 + (uint64_t)n * 16, 16, n), 0,
               "map: dense blocks over twice the span, all found");
    TAP_OK(m.scatter, "map: which made it switch to the scattering hash");
    for (uint32_t i = 0; i < n; i++)
        wrong += record_map_take(&m, 0x10000000 + (uint64_t)i * 16) != i;
    TAP_EQ_U64(wrong + m.count, 0, "map: the first blocks found after the switch");
    record_map_free(&m);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/allocreplay-import-test.XXXXXX");
    if (!mkdtemp(dir))
        return 99;
    test_rules();
    test_images();
    test_tsc();
    test_huge_sizes();
    test_corrupt();
    test_codec();
    test_live();
    test_live_images();
    test_live_bad();
    test_map();
    rmdir(dir);
    return tap_done();
}
