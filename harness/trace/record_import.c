/* Raw recorder logs -> trace. The rules are in record_import.h. */
#include "trace/record_import.h"

#include "recorder/recorder_log.h"
#include "record_map.h"
#include "trace_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define NO_ID RECORD_MAP_NONE

static void set_err(struct trace_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/* --- the log files --- */

struct log_file {
    char *path;
    struct recorder_log_header h;
    int has_records; /* more than the header: the image allocated */
};

static int by_start(const void *a, const void *b)
{
    const struct log_file *x = a, *y = b;
    if (x->h.start_ns != y->h.start_ns)
        return x->h.start_ns < y->h.start_ns ? -1 : 1;
    if (x->h.pid != y->h.pid)
        return x->h.pid < y->h.pid ? -1 : 1;
    return x->h.image < y->h.image ? -1 : x->h.image > y->h.image;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static int read_header(const char *path, struct log_file *f, struct trace_error *err)
{
    struct recorder_log_header *h = &f->h;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        set_err(err, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    f->has_records = (size_t)st.st_size > sizeof *h;
    ssize_t n = read(fd, h, sizeof *h);
    close(fd);
    if (n != (ssize_t)sizeof *h || memcmp(h->magic, RECORDER_LOG_MAGIC, sizeof h->magic) != 0 ||
        h->version != RECORDER_LOG_VERSION) {
        set_err(err, "%s: not a recorder log of this version", path);
        return -1;
    }
    return 0;
}

static void free_files(struct log_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(files[i].path);
    free(files);
}

/* Lists the logs to import, in the order they started. */
static int list_logs(const char *dir, const struct record_import_options *opt,
                     struct log_file **out, size_t *n_out, struct trace_error *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        set_err(err, "%s: %s", dir, strerror(errno));
        return -1;
    }
    struct log_file *files = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (!has_suffix(e->d_name, RECORDER_LOG_SUFFIX))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            struct log_file *grown = realloc(files, cap * sizeof *grown);
            if (!grown) {
                rc = -1;
                set_err(err, "%s: out of memory", dir);
                break;
            }
            files = grown;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        files[n].path = malloc(len);
        if (!files[n].path) {
            rc = -1;
            set_err(err, "%s: out of memory", dir);
            break;
        }
        snprintf(files[n].path, len, "%s/%s", dir, e->d_name);
        if (read_header(files[n].path, &files[n], err) != 0) {
            free(files[n].path);
            rc = -1;
            break;
        }
        int wanted = opt->follow_forks || opt->top_pid == 0 || files[n].h.pid == opt->top_pid;
        if (wanted)
            n++;
        else
            free(files[n].path);
    }
    closedir(d);
    if (rc != 0) {
        free_files(files, n);
        return -1;
    }
    if (n > 1)
        qsort(files, n, sizeof *files, by_start);
    *out = files;
    *n_out = n;
    return 0;
}

/* --- the output: events and their times, grown in place --- */

struct out {
    struct trace_event *events;
    uint64_t *times;
    uint64_t n, cap;
    /* Streaming (record_import_dir_to_file): the arrays are a batch of cap events, passed to w
     * when full; a failed write leaves its message in werr. */
    struct trace_writer *w;
    uint64_t written;
    int write_failed;
    struct trace_error werr;
};

#define OUT_BATCH 65536 /* events per trace_writer_append_timed when streaming */

/* Large arrays are asked for in huge pages: tens of thousands of page faults (most of the
 * import's system time on a 10 M-event log) become a few hundred. */
static void *grow_array(void *p, size_t bytes)
{
    void *q = realloc(p, bytes);
    trace__prefer_huge_pages(q, bytes);
    return q;
}

static int out_reserve(struct out *o, uint64_t cap)
{
    if (cap <= o->cap)
        return 0;
    struct trace_event *e = grow_array(o->events, cap * sizeof *e);
    if (!e)
        return -1;
    o->events = e;
    uint64_t *t = grow_array(o->times, cap * sizeof *t);
    if (!t)
        return -1;
    o->times = t;
    o->cap = cap;
    return 0;
}

/* --- the conversion --- */

#define MAX_THREADS 65536 /* trace thread numbers are 16-bit */

struct pending_realloc {
    uint64_t old_addr;
    uint32_t id; /* NO_ID: the old block was never seen */
    int active;
};

struct importer {
    struct out o;
    struct record_map live;
    uint32_t next_id;
    uint32_t next_thread;          /* trace thread numbers, across images */
    uint32_t *thread_of;           /* recorder thread -> trace thread + 1 (0 = unseen) */
    struct pending_realloc *pending;
    size_t n_thread_slots;
    uint64_t *last_time;           /* per trace thread: its last event's time */
    uint64_t *exit_plus1;          /* per trace thread: its recorded exit + 1, 0 = none */
    uint64_t base_ns;              /* CLOCK_MONOTONIC at the trace's time 0 */
    /* The image's clock: ns = at_ns + (ticks - at_ticks) * rate, since base_ns; rate also in
     * fixed point, rate_int + rate_frac / 2^64, for steps under fast_steps ticks. */
    uint64_t at_ticks;
    int64_t at_ns;
    double rate;
    uint64_t rate_int, rate_frac, fast_steps;
    uint64_t image_end;            /* the image's latest time so far */
    uint16_t image_last_thread;    /* the thread of the image's latest record */
    struct record_import_report *rep;
    struct recorder_log_layout *layouts; /* RECORDER_LOG_TAGS of them */
};

/* Passes a streamed batch to the writer, or grows the arrays. 0, or -1. Out of line: the
 * import's loop keeps its registers for the usual case. */
__attribute__((noinline, cold)) static int out_full(struct out *o)
{
    if (!o->w)
        return out_reserve(o, o->cap ? o->cap * 2 : 4096);
    if (trace_writer_append_timed(o->w, o->events, o->times, (size_t)o->n, &o->werr) != 0) {
        o->write_failed = 1;
        return -1;
    }
    o->written += o->n;
    o->n = 0;
    return 0;
}

/* A run of one thread's records, imported one after the other (import_run): where its
 * events go and the thread's latest time, kept in locals rather than in the importer (each
 * store of an event could alias a field of it). */
struct run {
    struct trace_event *ev;
    uint64_t *times;
    uint64_t room; /* events the arrays take before out_full */
    uint64_t last; /* the thread's latest time: a thread's times never go back */
    uint16_t th;
};

static inline void run_begin(struct importer *im, struct run *u, uint16_t th)
{
    struct out *o = &im->o;
    u->ev = o->events + o->n;
    u->times = o->times + o->n;
    u->room = o->cap - o->n;
    u->th = th;
    u->last = im->last_time[th];
}

static inline void run_end(struct importer *im, const struct run *u)
{
    im->o.n = im->o.cap - u->room;
    im->last_time[u->th] = u->last;
}

static inline int push(struct importer *im, struct run *u, enum trace_op op, uint32_t id,
                       uint64_t size, uint8_t align_log2, uint64_t time)
{
    if (u->room == 0) {
        struct out *o = &im->o;
        o->n = o->cap;
        if (out_full(o) != 0)
            return -1;
        u->ev = o->events + o->n;
        u->times = o->times + o->n;
        u->room = o->cap - o->n;
    }
    *u->ev++ = (struct trace_event){id, (uint8_t)op, align_log2, u->th, size};
    if (time < u->last)
        time = u->last;
    u->last = time;
    *u->times++ = time;
    u->room--;
    return 0;
}

__extension__ typedef unsigned __int128 u128; /* GCC and Clang on 64-bit targets */

/* ticks -> ns since the trace's start. The usual case, a step forward of under fast_steps
 * ticks, is an integer multiply; the rest (steps back, absurd rates) a double one. */
static inline uint64_t to_ns(const struct importer *im, uint64_t ticks)
{
    uint64_t d = ticks - im->at_ticks;
    if (d < im->fast_steps)
        return (uint64_t)im->at_ns + d * im->rate_int + (uint64_t)(((u128)d * im->rate_frac) >> 64);
    double ns = (double)im->at_ns + (double)(int64_t)d * im->rate;
    return ns <= 0 ? 0 : ns >= (double)TRACE_MAX_TIME ? TRACE_MAX_TIME : (uint64_t)ns;
}

/* Sets the image's clock: ns = at_ns + (ticks - at_ticks) * rate, as a double and in fixed
 * point for the usual case. */
static void set_clock(struct importer *im, uint64_t at_ticks, int64_t at_ns, double rate)
{
    im->at_ticks = at_ticks;
    im->at_ns = at_ns;
    im->rate = rate;
    im->fast_steps = 0;
    if (!(rate >= 0 && rate < 32768) || at_ns < 0 || (uint64_t)at_ns >= TRACE_MAX_TIME)
        return; /* absurd: the double path does it */
    im->rate_int = (uint64_t)rate;
    double frac = (rate - (double)im->rate_int) * 0x1p64;
    im->rate_frac = frac >= 0x1p64 ? UINT64_MAX : (uint64_t)frac;
    /* Steps below fast_steps keep at_ns + step * rate under TRACE_MAX_TIME (so under 2^64):
     * the fast path needs no clamp. */
    uint64_t room = (TRACE_MAX_TIME - (uint64_t)at_ns) / (im->rate_int + 1);
    im->fast_steps = room < ((uint64_t)1 << 48) ? room : (uint64_t)1 << 48;
}

/* Makes room for recorder thread number th; returns the trace thread number or -1. */
static int32_t trace_thread(struct importer *im, uint32_t th)
{
    if (th >= im->n_thread_slots) {
        size_t n = im->n_thread_slots ? im->n_thread_slots : 16;
        while (n <= th)
            n *= 2;
        uint32_t *t = realloc(im->thread_of, n * sizeof *t);
        if (!t)
            return -1;
        im->thread_of = t;
        struct pending_realloc *p = realloc(im->pending, n * sizeof *p);
        if (!p)
            return -1;
        im->pending = p;
        memset(t + im->n_thread_slots, 0, (n - im->n_thread_slots) * sizeof *t);
        memset(p + im->n_thread_slots, 0, (n - im->n_thread_slots) * sizeof *p);
        im->n_thread_slots = n;
    }
    if (!im->thread_of[th]) {
        if (im->next_thread >= MAX_THREADS)
            return -1;
        im->thread_of[th] = ++im->next_thread;
    }
    return (int32_t)(im->thread_of[th] - 1);
}

/* One recorder thread's records are decoded a few ahead of the one being imported, so that
 * the map slots they will touch are already on their way into the cache (a random slot of a
 * large table is a cache miss, and often a TLB miss). */
#define LOOKAHEAD 16 /* a power of two */

/* The decoded records waiting in a thread's stream, in a ring, field by field (an index then
 * reaches a field in one instruction), with the home slot of each address in the map (found
 * when it was decoded, for the prefetch; it holds while the map's gen is the stream's). */
struct waiting {
    uint64_t seq[LOOKAHEAD], addr[LOOKAHEAD], size[LOOKAHEAD], ticks[LOOKAHEAD];
    size_t home[LOOKAHEAD];
    uint8_t op[LOOKAHEAD], align_log2[LOOKAHEAD];
};

/* A recorded size as the trace can hold it: 0 becomes 1, above TRACE_MAX_SIZE the maximum;
 * one test for both in the usual case. */
static inline uint64_t usable_size(struct importer *im, uint64_t size)
{
    if (__builtin_expect(size - 1 < TRACE_MAX_SIZE, 1))
        return size;
    if (size == 0) {
        im->rep->zero_sizes++;
        return 1;
    }
    im->rep->clamped_sizes++;
    return TRACE_MAX_SIZE;
}

/* Binds addr (home as for record_map_start) to a new or kept id, inserting a free for an
 * object the address still names. */
static inline int bind(struct importer *im, struct run *u, uint64_t addr, size_t home,
                       uint64_t gen, uint32_t id, uint64_t time)
{
    uint32_t stale;
    if (record_map_bind_at(&im->live, addr, home, gen, id, &stale) != 0)
        return -1;
    if (stale != NO_ID) {
        /* The stale object's free goes before the event that binds addr anew. */
        im->rep->implicit_frees++;
        return push(im, u, TRACE_FREE, stale, 0, 0, time);
    }
    return 0;
}

static inline int import_alloc(struct importer *im, struct run *u, const struct waiting *w,
                               unsigned h, uint64_t gen, uint64_t time)
{
    _Static_assert(TRACE_ALLOC == RECORDER_OP_MALLOC - 1 &&
                       TRACE_CALLOC == RECORDER_OP_CALLOC - 1 &&
                       TRACE_ALIGNED == RECORDER_OP_ALIGNED - 1,
                   "allocation ops one apart");
    enum trace_op op = (enum trace_op)(w->op[h] - 1);
    uint8_t al = w->align_log2[h]; /* 0 but for RECORDER_OP_ALIGNED */
    if (al > TRACE_MAX_ALIGN_LOG2) {
        al = TRACE_MAX_ALIGN_LOG2;
        im->rep->clamped_aligns++;
    }
    uint64_t size = usable_size(im, w->size[h]);
    uint32_t id = im->next_id++;
    if (bind(im, u, w->addr[h], w->home[h], gen, id, time) != 0)
        return -1;
    return push(im, u, op, id, size, al, time);
}

static int realloc_end(struct importer *im, struct run *u, struct pending_realloc *pend,
                       const struct waiting *w, unsigned h, uint64_t gen, uint64_t time)
{
    if (!pend->active)
        return 1; /* corrupt: reported by the caller */
    pend->active = 0;
    uint64_t addr = w->addr[h], size = w->size[h];
    if (size > TRACE_MAX_SIZE) /* clamped and counted; 0 stays: realloc(p, 0) frees */
        size = usable_size(im, size);
    if (addr == 0) /* realloc failed: the old block is still there */
        return pend->id == NO_ID ? 0 : record_map_put(&im->live, pend->old_addr, pend->id);
    if (pend->id == NO_ID) {
        /* Memory from before recording: the program's view is a new object. */
        im->rep->dropped_frees++;
        if (size == 0)
            return 0;
        uint32_t id = im->next_id++;
        if (bind(im, u, addr, w->home[h], gen, id, time) != 0)
            return -1;
        return push(im, u, TRACE_ALLOC, id, size, 0, time);
    }
    if (size == 0) /* an allocator whose realloc(p, 0) returns a block: still a free */
        return push(im, u, TRACE_FREE, pend->id, 0, 0, time);
    if (bind(im, u, addr, w->home[h], gen, pend->id, time) != 0)
        return -1;
    return push(im, u, TRACE_REALLOC, pend->id, size, 0, time);
}

/* Out of line, like out_full: reallocs are few. The caller's run is in the importer (run_end)
 * and taken up again after: a run whose address is never taken stays in registers. */
__attribute__((noinline)) static int import_realloc_end(struct importer *im, uint16_t th,
                                                        struct pending_realloc *pend,
                                                        const struct waiting *w, unsigned h,
                                                        uint64_t gen, uint64_t time)
{
    struct run u;
    run_begin(im, &u, th);
    int rc = realloc_end(im, &u, pend, w, h, gen, time);
    run_end(im, &u);
    return rc;
}

/* Imports record h of w, of the run's thread (pend: its realloc in progress; gen: the map's
 * gen when the homes in w were found). 0, -1 out of memory, 1 corrupt record. */
static inline int import_record(struct importer *im, struct run *u, struct pending_realloc *pend,
                                const struct waiting *w, unsigned h, uint64_t gen)
{
    uint64_t time = to_ns(im, w->ticks[h]);
    if (time > im->image_end)
        im->image_end = time;
    unsigned op = w->op[h];
    /* Allocations and frees first: a jump table costs more than these two tests. */
    if (op - RECORDER_OP_MALLOC <= RECORDER_OP_ALIGNED - RECORDER_OP_MALLOC)
        return import_alloc(im, u, w, h, gen, time);
    if (op == RECORDER_OP_FREE) {
        uint32_t id = record_map_take_at(&im->live, w->addr[h], w->home[h], gen);
        if (id == NO_ID) {
            im->rep->dropped_frees++;
            return 0;
        }
        return push(im, u, TRACE_FREE, id, 0, 0, time);
    }
    switch (op) {
    case RECORDER_OP_REALLOC_BEGIN:
        pend->old_addr = w->addr[h];
        pend->id = record_map_take_at(&im->live, w->addr[h], w->home[h], gen);
        pend->active = 1;
        return 0;
    case RECORDER_OP_REALLOC_END: {
        run_end(im, u);
        int rc = import_realloc_end(im, u->th, pend, w, h, gen, time);
        run_begin(im, u, u->th);
        return rc;
    }
    case RECORDER_OP_THREAD_EXIT:
        im->exit_plus1[u->th] = (time > u->last ? time : u->last) + 1;
        return 0;
    default:
        return 1;
    }
}

/* Frees what an image left live, in id order so the output does not depend on hashing. */
static int release_live(struct importer *im, uint16_t thread)
{
    struct record_map *m = &im->live;
    if (m->count == 0)
        return 0;
    /* Ids of one image are consecutive and increasing: a flag per id sorts them. */
    uint32_t lo = UINT32_MAX;
    for (size_t i = 0; i <= m->mask; i++)
        if (m->slots[i].addr && m->slots[i].id < lo)
            lo = m->slots[i].id;
    size_t span = im->next_id - lo;
    uint8_t *is_live = calloc(span, 1);
    if (!is_live)
        return -1;
    for (size_t i = 0; i <= m->mask; i++)
        if (m->slots[i].addr)
            is_live[m->slots[i].id - lo] = 1;
    int rc = 0;
    struct run u;
    run_begin(im, &u, thread);
    for (size_t i = 0; i < span && rc == 0; i++)
        if (is_live[i]) {
            rc = push(im, &u, TRACE_FREE, (uint32_t)(lo + i), 0, 0, im->image_end);
            im->rep->released_at_exit++;
        }
    run_end(im, &u);
    free(is_live);
    return rc;
}

/* --- one image's log, read as it grows: its chunks, its clock, its threads' records merged
 * by seq --- */

#define NO_CHUNK UINT32_MAX

struct chunk {
    uint64_t off;  /* of the chunk's first record, from the start of the file */
    uint32_t bytes;
    uint32_t next; /* the same thread's next chunk, NO_CHUNK: none (yet) */
};

/* One recorder thread's records: its chunks one after the other, decoded LOOKAHEAD ahead.
 * Positions are file offsets: the mapping moves when a growing log is mapped anew. */
struct stream {
    size_t pos, end;              /* next record to decode, end of its chunk */
    uint32_t first, cur, tail;    /* the thread's first chunk, the one decoded, the last scanned */
    uint32_t thread;
    struct recorder_log_delta d;
    unsigned head, n;             /* decoded records waiting: q[head], q[head + 1], ... */
    int in_heap, woken;
    size_t bad;                   /* a record that would not decode (the log is corrupt); 0 none */
    uint64_t seq;                 /* of q[head]; UINT64_MAX when there is none */
    uint64_t gen;                 /* the map's gen when the homes in q were found */
    struct waiting q;
};

struct log_reader {
    char *path;
    int fd;
    struct recorder_log_header h;
    const unsigned char *map;
    size_t mapped, len, scanned;  /* mapping's length; file's; end of the last whole chunk */
    uint64_t hi_ticks, hi_ns;     /* the latest chunk's clock pair */
    struct chunk *chunks;         /* in file order */
    uint32_t n_chunks, cap_chunks;
    struct stream **streams;      /* by recorder thread, NULL until its first chunk */
    uint32_t n_streams;
    struct stream **heap, **woken; /* streams with records, a min-heap by seq; streams given a
                                      chunk while out of the heap (room for n_streams each) */
    size_t n_heap, n_woken;
    uint64_t next_seq;            /* the seq imported next */
    int started;
};

static void reader_close(struct log_reader *r)
{
    if (!r)
        return;
    if (r->map)
        munmap((void *)r->map, r->mapped);
    if (r->fd >= 0)
        close(r->fd);
    for (uint32_t t = 0; t < r->n_streams; t++)
        free(r->streams[t]);
    free(r->streams);
    free(r->heap);
    free(r->woken);
    free(r->chunks);
    free(r->path);
    free(r);
}

/* Opens the log at path (its header read into h). NULL with err when it cannot be read. */
static struct log_reader *reader_open(const char *path, const struct recorder_log_header *h,
                                      struct trace_error *err)
{
    struct log_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        set_err(err, "%s: out of memory", path);
        return NULL;
    }
    r->h = *h;
    r->scanned = sizeof *h;
    r->hi_ticks = h->start_ticks;
    r->hi_ns = h->start_ns;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        set_err(err, "%s: %s", path, strerror(errno));
        reader_close(r);
        return NULL;
    }
    return r;
}

/* Maps the first len bytes. A log still being written is mapped with room to grow (its pages
 * are read as they come, never past the end); a finished one exactly, populated at once: one
 * system call rather than a fault per few pages. */
static int reader_map(struct log_reader *r, size_t len, int growing)
{
    if (len <= r->mapped)
        return 0;
    size_t want = growing ? (len + len / 2 + (64u << 20)) & ~(size_t)((1u << 20) - 1) : len;
    void *m = r->map ? mremap((void *)r->map, r->mapped, want, MREMAP_MAYMOVE)
                     : mmap(NULL, want, PROT_READ, MAP_SHARED | (growing ? 0 : MAP_POPULATE),
                            r->fd, 0);
    if (m == MAP_FAILED)
        return -1;
    r->map = m;
    r->mapped = want;
    return 0;
}

/* Room for recorder thread number th: its stream, and heap and wake-list slots. */
static struct stream *reader_stream(struct log_reader *r, uint32_t th)
{
    if (th >= r->n_streams) {
        uint32_t n = r->n_streams ? r->n_streams : 16;
        while (n <= th)
            n *= 2;
        struct stream **s = realloc(r->streams, n * sizeof *s);
        if (!s)
            return NULL;
        r->streams = s;
        memset(s + r->n_streams, 0, (n - r->n_streams) * sizeof *s);
        struct stream **h = realloc(r->heap, n * sizeof *h);
        if (!h)
            return NULL;
        r->heap = h;
        struct stream **w = realloc(r->woken, n * sizeof *w);
        if (!w)
            return NULL;
        r->woken = w;
        r->n_streams = n;
    }
    struct stream *s = r->streams[th];
    if (!s && (s = r->streams[th] = calloc(1, sizeof *s)) != NULL) {
        s->first = s->cur = s->tail = NO_CHUNK;
        s->thread = th;
        s->seq = UINT64_MAX;
        s->gen = RECORD_MAP_NO_GEN;
    }
    return s;
}

/* Appends a whole chunk to its thread's chain; its stream, out of the heap, is woken. */
static int reader_add_chunk(struct log_reader *r, uint64_t off, uint32_t bytes, uint32_t th,
                            struct trace_error *err)
{
    if (th >= (uint64_t)r->n_chunks + MAX_THREADS) { /* thread numbers are dense */
        set_err(err, "%s: corrupt log (thread number %u)", r->path, th);
        return -1;
    }
    if (r->n_chunks == r->cap_chunks) {
        uint32_t cap = r->cap_chunks ? r->cap_chunks * 2 : 256;
        struct chunk *grown = cap > r->cap_chunks ? realloc(r->chunks, cap * sizeof *grown) : NULL;
        if (!grown) {
            set_err(err, "%s: out of memory", r->path);
            return -1;
        }
        r->chunks = grown;
        r->cap_chunks = cap;
    }
    struct stream *s = reader_stream(r, th);
    if (!s) {
        set_err(err, "%s: out of memory", r->path);
        return -1;
    }
    uint32_t k = r->n_chunks++;
    r->chunks[k] = (struct chunk){off, bytes, NO_CHUNK};
    if (s->tail == NO_CHUNK)
        s->first = k;
    else
        r->chunks[s->tail].next = k;
    s->tail = k;
    if (!s->in_heap && !s->woken) {
        s->woken = 1;
        r->woken[r->n_woken++] = s;
    }
    return 0;
}

/* Reads the chunk headers written since the last scan; a chunk is taken when all its bytes are
 * there. With final (the writer is gone), a chunk cut short by a failed last write ends the
 * log, counted as lost. Sets the image's clock from the header's pair and the latest chunk's. */
static int reader_scan(struct importer *im, struct log_reader *r, int final,
                       struct trace_error *err)
{
    struct stat st;
    if (fstat(r->fd, &st) != 0) {
        set_err(err, "%s: %s", r->path, strerror(errno));
        return -1;
    }
    size_t len = (size_t)st.st_size;
    if (len > r->len) {
        if (reader_map(r, len, !final) != 0) {
            set_err(err, "%s: %s", r->path, strerror(errno));
            return -1;
        }
        r->len = len;
    }
    size_t off = r->scanned;
    while (off + sizeof(struct recorder_log_chunk) <= r->len) {
        struct recorder_log_chunk c;
        memcpy(&c, r->map + off, sizeof c);
        if (c.bytes > r->len - off - sizeof c)
            break;
        if (reader_add_chunk(r, off + sizeof c, c.bytes, c.thread, err) != 0)
            return -1;
        if (c.ticks > r->hi_ticks)
            r->hi_ticks = c.ticks, r->hi_ns = c.ns;
        off += sizeof c + c.bytes;
    }
    r->scanned = off;
    if (final && off < r->len)
        im->rep->lost_records++; /* a torn chunk or chunk header */
    const struct recorder_log_header *h = &r->h;
    double rate = 1.0;
    if (h->clock == RECORDER_CLOCK_TSC && r->hi_ticks > h->start_ticks && r->hi_ns > h->start_ns)
        rate = (double)(r->hi_ns - h->start_ns) / (double)(r->hi_ticks - h->start_ticks);
    set_clock(im, h->start_ticks, (int64_t)(h->start_ns - im->base_ns), rate);
    return 0;
}

/* Puts rec in the ring at h, with its address's home slot, whose cache line is fetched
 * meanwhile. */
static inline void wait_put(struct waiting *w, unsigned h, const struct recorder_log_record *rec,
                            const struct record_map *m)
{
    size_t home = record_map_home(m, rec->addr);
    record_map_prefetch(m, home);
    w->seq[h] = rec->seq;
    w->addr[h] = rec->addr;
    w->size[h] = rec->size;
    w->ticks[h] = rec->ticks;
    w->home[h] = home;
    w->op[h] = rec->op;
    w->align_log2[h] = rec->align_log2;
}

/* stream_fill for the map's hash (scatter, a constant here: the branch on it leaves the loop). */
__attribute__((always_inline)) static inline void
stream_fill_as(struct stream *s, const struct log_reader *r, const struct importer *im,
               int scatter)
{
    const struct recorder_log_layout *layouts = im->layouts;
    const unsigned char *map = r->map, *p = map + s->pos, *end = map + s->end;
    struct recorder_log_delta d = s->d;
    /* Locals: the stores into s->q could alias the map's and the stream's fields. */
    struct record_map m = im->live;
    m.scatter = scatter;
    const unsigned head = s->head;
    unsigned n = s->n;
    struct waiting *w = &s->q;
    if (s->gen != m.gen) /* the map was rebuilt: the waiting records' homes are stale */
        for (unsigned k = 0; k < n; k++) {
            unsigned h = (head + k) & (LOOKAHEAD - 1);
            w->home[h] = record_map_home(&m, w->addr[h]);
        }
    s->gen = m.gen;
    while (n < LOOKAHEAD) {
        struct recorder_log_record rec;
        unsigned used;
        uint32_t next;
        if (end - p >= RECORDER_LOG_MAX_BYTES) { /* the usual case */
            used = recorder_log_decode_at(layouts, p, 0, &d, &rec);
        } else if (p < end) {
            used = recorder_log_decode(layouts, p, (size_t)(end - p), 0, &d, &rec);
        } else if ((next = s->cur == NO_CHUNK ? s->first : r->chunks[s->cur].next) != NO_CHUNK) {
            s->cur = next; /* the thread's next chunk */
            p = map + r->chunks[next].off;
            end = p + r->chunks[next].bytes;
            memset(&d, 0, sizeof d);
            continue;
        } else {
            break;
        }
        if (!used) {
            s->bad = (size_t)(p - map);
            break;
        }
        wait_put(w, (head + n) & (LOOKAHEAD - 1), &rec, &m);
        p += used;
        n++;
    }
    s->pos = (size_t)(p - map);
    s->end = (size_t)(end - map);
    s->d = d;
    s->n = n;
    s->seq = n ? s->q.seq[head] : UINT64_MAX;
}

/* Decodes records until LOOKAHEAD wait (or the thread's chunks end, or one is corrupt). */
static void stream_fill(struct stream *s, const struct log_reader *r, const struct importer *im)
{
    if (im->live.scatter)
        stream_fill_as(s, r, im, 1);
    else
        stream_fill_as(s, r, im, 0);
}

static void heap_push(struct log_reader *r, struct stream *s)
{
    size_t i = r->n_heap++;
    while (i > 0 && r->heap[(i - 1) / 2]->seq > s->seq) {
        r->heap[i] = r->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    r->heap[i] = s;
    s->in_heap = 1;
}

static struct stream *heap_pop(struct log_reader *r)
{
    struct stream *top = r->heap[0], *last = r->heap[--r->n_heap];
    size_t i = 0, n = r->n_heap;
    for (size_t c = 1; c < n; i = c, c = 2 * i + 1) {
        if (c + 1 < n && r->heap[c + 1]->seq < r->heap[c]->seq)
            c++;
        if (last->seq <= r->heap[c]->seq)
            break;
        r->heap[i] = r->heap[c];
    }
    r->heap[i] = last;
    top->in_heap = 0;
    return top;
}

/* Imports s's records while they hold the numbers *next, *next + 1, ... below stop_at (one
 * thread's records mostly come in runs). 0, or -1 with err. */
static int import_run(struct importer *im, struct stream *s, const struct log_reader *r,
                      uint64_t *next, uint64_t stop_at, struct trace_error *err)
{
    uint64_t want = *next;
    int32_t th = trace_thread(im, s->thread);
    if (th < 0) {
        set_err(err, "%s: out of memory or more than 65536 threads", r->path);
        return -1;
    }
    struct pending_realloc *pend = &im->pending[s->thread];
    struct run u;
    run_begin(im, &u, (uint16_t)th);
    unsigned head = s->head, n = s->n;
    int st = 0;
    while (n && s->q.seq[head] == want && want < stop_at) {
        if ((st = import_record(im, &u, pend, &s->q, head, s->gen)) != 0) {
            set_err(err, st < 0 ? "%s: out of memory" : "%s: seq %llu: corrupt log (op %u)",
                    r->path, (unsigned long long)s->q.seq[head], s->q.op[head]);
            break;
        }
        want++;
        head = (head + 1) & (LOOKAHEAD - 1);
        if (--n <= LOOKAHEAD / 2) { /* decoding half the ring at a time */
            s->head = head, s->n = n;
            stream_fill(s, r, im);
            n = s->n;
        }
    }
    run_end(im, &u);
    im->image_last_thread = (uint16_t)th;
    s->head = head, s->n = n;
    s->seq = n ? s->q.seq[head] : UINT64_MAX;
    *next = want;
    if (st != 0)
        return -1;
    if (s->bad && !s->n) {
        set_err(err, "%s: corrupt log (bad record at byte %zu)", r->path, s->bad);
        return -1;
    }
    return 0;
}

/* Events a poll imports at most: the thread polling may run at the lowest priority, and the
 * caller waits for its last poll once the program has ended. */
#define LIVE_BATCH (1u << 20)

/* Feeds the scanned records to import_record in seq order. While the log is still written
 * (final 0), only as far as the numbers run without a gap (the missing one is in a buffer
 * not yet flushed), and LIVE_BATCH of them. At the end (final 1) all of them, a missing
 * number being a lost record. */
static int reader_merge(struct importer *im, struct log_reader *r, int final,
                        struct trace_error *err)
{
    uint64_t stop_at = final ? UINT64_MAX : r->next_seq + LIVE_BATCH;
    for (size_t i = 0; i < r->n_woken; i++) {
        struct stream *s = r->woken[i];
        s->woken = 0;
        stream_fill(s, r, im);
        if (s->seq != UINT64_MAX)
            heap_push(r, s);
    }
    r->n_woken = 0;
    while (r->n_heap > 0 && r->next_seq < stop_at) {
        uint64_t seq = r->heap[0]->seq;
        if (r->started && seq < r->next_seq) {
            set_err(err, "%s: corrupt log (sequence number %llu twice)", r->path,
                    (unsigned long long)seq);
            return -1;
        }
        if (seq != r->next_seq) {
            if (!final)
                return 0;
            if (r->started)
                im->rep->lost_records += seq - r->next_seq;
            r->next_seq = seq;
        }
        r->started = 1;
        struct stream *s = heap_pop(r);
        if (import_run(im, s, r, &r->next_seq, stop_at, err) != 0)
            return -1;
        if (s->seq != UINT64_MAX)
            heap_push(r, s);
    }
    return 0;
}

/* An image starts: thread numbers and addresses are per image. */
static void image_begin(struct importer *im)
{
    if (im->thread_of)
        memset(im->thread_of, 0, im->n_thread_slots * sizeof *im->thread_of);
    if (im->pending)
        memset(im->pending, 0, im->n_thread_slots * sizeof *im->pending);
    im->image_end = 0;
}

/* The rest of an image's log, after its writer is gone; with several images, what it left
 * live is released and the address map starts afresh. */
static int image_finish(struct importer *im, struct log_reader *r, int several,
                        struct trace_error *err)
{
    if (reader_scan(im, r, 1, err) != 0 || reader_merge(im, r, 1, err) != 0)
        return -1;
    im->rep->images++;
    if (several && (release_live(im, im->image_last_thread) != 0 ||
                    (record_map_free(&im->live), record_map_init(&im->live)) != 0)) {
        set_err(err, "%s: out of memory", r->path);
        return -1;
    }
    return 0;
}

/* The threads' exit times (n_threads of them), or NULL when none was recorded (or out of
 * memory: *oom set). */
static uint64_t *thread_exits(const struct importer *im, uint32_t n_threads, int *oom)
{
    int any_exit = 0;
    for (uint32_t k = 0; k < im->next_thread; k++)
        any_exit |= im->exit_plus1[k] != 0;
    uint64_t *exits = any_exit ? malloc(n_threads * sizeof *exits) : NULL;
    *oom = any_exit && !exits;
    for (uint32_t k = 0; exits && k < n_threads; k++) {
        uint64_t e = im->exit_plus1[k];
        exits[k] = !e ? TRACE_TIME_NONE : e - 1 < im->last_time[k] ? im->last_time[k] : e - 1;
    }
    return exits;
}

/* Moves the events and times into out, with the threads' exits. */
static int finish(struct importer *im, const struct record_import_options *opt, struct trace *out)
{
    memset(out, 0, sizeof *out);
    out->n_threads = im->next_thread ? im->next_thread : 1;
    int oom;
    out->thread_exits = thread_exits(im, out->n_threads, &oom);
    out->name = opt->name ? strdup(opt->name) : NULL;
    out->description = opt->description ? strdup(opt->description) : NULL;
    if ((opt->name && !out->name) || (opt->description && !out->description) || oom) {
        trace_release(out);
        return -1;
    }
    out->events = out->owned_events = im->o.events;
    out->n_events = im->o.n;
    out->n_ids = im->next_id;
    if (im->o.n)
        out->times = im->o.times;
    else
        free(im->o.times);
    memset(&im->o, 0, sizeof im->o);
    return 0;
}

/* Streaming: the last batch and the exits, then the file is committed (or, with no event at
 * all, not written). */
static int finish_file(struct importer *im, struct trace_error *err)
{
    struct out *o = &im->o;
    if (o->n && out_full(o) != 0) {
        *err = o->werr;
        trace_writer_abort(o->w);
        return -1;
    }
    if (o->written == 0) {
        trace_writer_abort(o->w);
        return 0;
    }
    int oom;
    uint64_t *exits = thread_exits(im, im->next_thread, &oom);
    int rc = oom ? -1 : 0;
    if (oom)
        set_err(err, "out of memory");
    if (rc == 0 && exits)
        rc = trace_writer_thread_exits(o->w, exits, im->next_thread, err);
    free(exits);
    if (rc == 0)
        return trace_writer_commit(o->w, err);
    trace_writer_abort(o->w);
    return -1;
}

static void importer_free(struct importer *im)
{
    record_map_free(&im->live);
    free(im->thread_of);
    free(im->pending);
    free(im->last_time);
    free(im->exit_plus1);
    free(im->layouts);
    free(im->o.events);
    free(im->o.times);
}

/* Room for the records of the imported logs, so the output arrays are allocated once as a
 * rule: records take about 6 bytes (recorder_log.h), so a quarter of the bytes is room to
 * spare (pages are touched only as events are written); a log of smaller records makes the
 * arrays grow, by remapping. */
static int reserve_for(struct importer *im, const struct log_file *files, size_t n)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (files[i].has_records && stat(files[i].path, &st) == 0)
            bytes += (uint64_t)st.st_size;
    }
    return out_reserve(&im->o, bytes / 4 + 1024);
}

/* --- an import, begun while the program runs --- */

struct record_import {
    struct importer im;
    struct record_import_report rep;
    struct record_import_options opt;
    char *dir;
    /* The top process's image being imported while it runs (NULL: none yet); the images of
     * lower numbers are done (imported, or found empty). */
    struct log_reader *live;
    uint32_t live_image;  /* the image live reads */
    uint32_t next_image;  /* the image to look at next */
    int failed;           /* a poll failed: err says why, and the import is over */
    struct trace_error err;
};

static void live_path(const struct record_import *ri, uint32_t image, char *out, size_t len)
{
    snprintf(out, len, "%s/%u-%u%s", ri->dir, ri->opt.top_pid, image, RECORDER_LOG_SUFFIX);
}

/* The header of the top process's image `image`: 1 with records after it, 0 with none (yet),
 * -1 no such log (yet), -2 with err (not a log of this version). */
static int live_header(const struct record_import *ri, uint32_t image,
                       struct log_file *f, char *path, size_t len, struct trace_error *err)
{
    live_path(ri, image, path, len);
    struct stat st;
    if (stat(path, &st) != 0 || (size_t)st.st_size < sizeof f->h)
        return -1; /* its header is being written: as good as absent */
    if (read_header(path, f, err) != 0)
        return -2;
    return f->has_records;
}

/* Finds the image to read while the program runs: the top process's lowest image that has
 * records while those before it are over (an image is over once the next one exists: the
 * process exec'd). Without follow_forks a later image takes over once it has records; with
 * it, other processes' images may come between, so only image 0 is read live. 1 when live
 * is (still) set, 0 not yet, -1 with err. */
static int live_select(struct record_import *ri, struct trace_error *err)
{
    char path[PATH_MAX];
    struct log_file f;
    for (;;) {
        if (ri->live && ri->opt.follow_forks)
            return 1;
        uint32_t next = ri->next_image;
        int st = live_header(ri, next, &f, path, sizeof path, err);
        if (st == -2)
            return -1;
        if (st == 0 && !ri->opt.follow_forks &&
            live_header(ri, next + 1, &f, path, sizeof path, err) >= 0) {
            ri->next_image++; /* an empty image, over */
            continue;
        }
        if (st != 1)
            return ri->live != NULL;
        if (ri->live) { /* the process exec'd: its previous image is over */
            if (image_finish(&ri->im, ri->live, 1, err) != 0)
                return -1;
            reader_close(ri->live);
            ri->live = NULL;
        } else {
            ri->im.base_ns = f.h.start_ns; /* the earliest image that recorded */
        }
        if (!(ri->live = reader_open(path, &f.h, err)))
            return -1;
        ri->live_image = next;
        ri->next_image = next + 1;
        image_begin(&ri->im);
    }
}

struct record_import *record_import_begin(const char *dir, const struct record_import_options *opt,
                                          const char *path, struct trace_error *err)
{
    struct record_import *ri = calloc(1, sizeof *ri);
    if (!ri || !(ri->dir = strdup(dir))) {
        free(ri);
        set_err(err, "%s: out of memory", dir);
        return NULL;
    }
    ri->opt = *opt;
    struct importer *im = &ri->im;
    im->rep = &ri->rep;
    im->last_time = calloc(MAX_THREADS, sizeof *im->last_time);
    im->exit_plus1 = calloc(MAX_THREADS, sizeof *im->exit_plus1);
    im->layouts = malloc(RECORDER_LOG_TAGS * sizeof *im->layouts);
    if (!im->last_time || !im->exit_plus1 || !im->layouts || record_map_init(&im->live) != 0) {
        set_err(err, "%s: out of memory", dir);
        record_import_abort(ri);
        return NULL;
    }
    recorder_log_layouts(im->layouts);
    if (path && !(im->o.w = trace_writer_open(path, opt->name, opt->description, err))) {
        record_import_abort(ri);
        return NULL;
    }
    /* The arrays exist from the start (a run's cursors point into them), a batch when
     * streaming; in memory they grow, to the logs' size once the program has ended. */
    if (out_reserve(&im->o, OUT_BATCH) != 0) {
        set_err(err, "%s: out of memory", dir);
        record_import_abort(ri);
        return NULL;
    }
    return ri;
}

void record_import_set_top_pid(struct record_import *ri, uint32_t pid)
{
    ri->opt.top_pid = pid;
}

int record_import_poll(struct record_import *ri)
{
    if (ri->failed)
        return -1;
    if (!ri->opt.top_pid)
        return 0;
    struct trace_error *err = &ri->err;
    int rc = live_select(ri, err);
    if (rc > 0) {
        uint64_t before = ri->im.o.written + ri->im.o.n;
        rc = reader_scan(&ri->im, ri->live, 0, err) == 0 &&
                     reader_merge(&ri->im, ri->live, 0, err) == 0
                 ? ri->im.o.written + ri->im.o.n > before
                 : -1;
    }
    if (rc < 0)
        ri->failed = 1; /* record_import_end reports err, or the writer's own message */
    return rc;
}

/* The rest of the logs of dir, after the program ended: the image read live first (it
 * started first), then the others, in the order they started. 0, or -1 with err. */
static int import_rest(struct record_import *ri, struct trace_error *err)
{
    struct importer *im = &ri->im;
    struct log_file *files;
    size_t n_files, n_images = 0;
    if (list_logs(ri->dir, &ri->opt, &files, &n_files, err) != 0)
        return -1;
    int rc = 0;
    if (!ri->live) {
        im->base_ns = UINT64_MAX;
        for (size_t i = 0; i < n_files; i++)
            if (files[i].has_records && files[i].h.start_ns < im->base_ns)
                im->base_ns = files[i].h.start_ns;
    }
    for (size_t i = 0; i < n_files; i++)
        n_images += files[i].has_records;
    if (!im->o.w && reserve_for(im, files, n_files) != 0) {
        set_err(err, "%s: out of memory", ri->dir);
        rc = -1;
    }
    int several = n_images > 1;
    if (rc == 0 && ri->live)
        rc = image_finish(im, ri->live, several, err);
    for (size_t i = 0; i < n_files && rc == 0; i++) {
        const struct log_file *f = &files[i];
        if (!f->has_records ||
            (ri->live && f->h.pid == ri->opt.top_pid && f->h.image <= ri->live_image))
            continue; /* nothing in it, or imported while the program ran */
        struct log_reader *r = reader_open(f->path, &f->h, err);
        if (!r) {
            rc = -1;
            break;
        }
        image_begin(im);
        rc = image_finish(im, r, several, err);
        reader_close(r);
    }
    ri->rep.logs = (uint32_t)n_files;
    free_files(files, n_files);
    return rc;
}

int record_import_end(struct record_import *ri, struct trace *out, struct record_import_report *rep,
                      struct trace_error *err)
{
    struct importer *im = &ri->im;
    int rc = ri->failed ? (*err = ri->err, -1) : import_rest(ri, err);
    if (rc != 0 && im->o.write_failed)
        *err = im->o.werr;
    ri->rep.objects = im->next_id;
    ri->rep.threads = im->next_thread;
    if (rc == 0 && im->o.w) {
        rc = finish_file(im, err);
        im->o.w = NULL;
        ri->rep.events = im->o.written;
    } else if (rc == 0) {
        if (finish(im, &ri->opt, out) != 0) {
            set_err(err, "%s: out of memory", ri->dir);
            rc = -1;
        }
        ri->rep.events = out->n_events;
    }
    *rep = ri->rep;
    record_import_abort(ri);
    return rc;
}

void record_import_abort(struct record_import *ri)
{
    if (!ri)
        return;
    if (ri->im.o.w)
        trace_writer_abort(ri->im.o.w);
    reader_close(ri->live);
    importer_free(&ri->im);
    free(ri->dir);
    free(ri);
}

int record_import_dir(const char *dir, const struct record_import_options *opt,
                      struct trace *out, struct record_import_report *rep,
                      struct trace_error *err)
{
    memset(rep, 0, sizeof *rep);
    struct record_import *ri = record_import_begin(dir, opt, NULL, err);
    return ri ? record_import_end(ri, out, rep, err) : -1;
}

int record_import_dir_to_file(const char *dir, const struct record_import_options *opt,
                              const char *path, struct record_import_report *rep,
                              struct trace_error *err)
{
    memset(rep, 0, sizeof *rep);
    struct record_import *ri = record_import_begin(dir, opt, path, err);
    return ri ? record_import_end(ri, NULL, rep, err) : -1;
}
