/* Raw recorder logs -> trace. The rules are in record_import.h. */
#include "trace/record_import.h"

#include "recorder/recorder_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define NO_ID UINT32_MAX

static void set_err(struct trace_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/* --- address -> id: open addressing, linear probing, deletion by backward shift --- */

struct addr_map {
    uint64_t *keys; /* 0 = empty (no block lives at address 0) */
    uint32_t *ids;
    size_t mask, count;
};

static size_t slot_of(const struct addr_map *m, uint64_t addr)
{
    /* Blocks are at least 16-byte aligned: drop the always-zero bits before mixing. */
    return (size_t)(((addr >> 4) * 0x9E3779B97F4A7C15ull) >> 17) & m->mask;
}

static int map_init(struct addr_map *m, size_t cap)
{
    m->keys = calloc(cap, sizeof *m->keys);
    m->ids = malloc(cap * sizeof *m->ids);
    m->mask = cap - 1;
    m->count = 0;
    return m->keys && m->ids ? 0 : -1;
}

static void map_free(struct addr_map *m)
{
    free(m->keys);
    free(m->ids);
    memset(m, 0, sizeof *m);
}

static size_t map_find(const struct addr_map *m, uint64_t addr)
{
    size_t i = slot_of(m, addr);
    while (m->keys[i] && m->keys[i] != addr)
        i = (i + 1) & m->mask;
    return i;
}

static int map_put(struct addr_map *m, uint64_t addr, uint32_t id);

static int map_grow(struct addr_map *m)
{
    struct addr_map bigger;
    if (map_init(&bigger, (m->mask + 1) * 2) != 0) {
        map_free(&bigger);
        return -1;
    }
    for (size_t i = 0; i <= m->mask; i++)
        if (m->keys[i])
            map_put(&bigger, m->keys[i], m->ids[i]);
    map_free(m);
    *m = bigger;
    return 0;
}

static int map_put(struct addr_map *m, uint64_t addr, uint32_t id)
{
    if ((m->count + 1) * 2 > m->mask + 1 && map_grow(m) != 0)
        return -1;
    size_t i = map_find(m, addr);
    if (!m->keys[i])
        m->count++;
    m->keys[i] = addr;
    m->ids[i] = id;
    return 0;
}

/* Removes addr and returns its id (NO_ID if absent). */
static uint32_t map_take(struct addr_map *m, uint64_t addr)
{
    size_t i = map_find(m, addr);
    if (!m->keys[i])
        return NO_ID;
    uint32_t id = m->ids[i];
    /* Backward shift: move later members of the probe run into the hole when their home
     * slot does not lie strictly between the hole and them (cyclically). */
    size_t hole = i;
    for (size_t j = (i + 1) & m->mask; m->keys[j]; j = (j + 1) & m->mask) {
        size_t home = slot_of(m, m->keys[j]);
        if (((j - home) & m->mask) >= ((j - hole) & m->mask)) {
            m->keys[hole] = m->keys[j];
            m->ids[hole] = m->ids[j];
            hole = j;
        }
    }
    m->keys[hole] = 0;
    m->count--;
    return id;
}

/* --- the log files --- */

struct log_file {
    char *path;
    struct recorder_log_header h;
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

static int read_header(const char *path, struct recorder_log_header *h, struct trace_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(err, "%s: %s", path, strerror(errno));
        return -1;
    }
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
        if (read_header(files[n].path, &files[n].h, err) != 0) {
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

/* --- the conversion --- */

struct pending_realloc {
    uint64_t old_addr;
    uint32_t id; /* NO_ID: the old block was never seen */
    int active;
};

struct importer {
    struct trace_builder b;
    struct addr_map live;
    uint32_t next_id;
    uint32_t next_thread;          /* trace thread numbers, across images */
    uint32_t *thread_of;           /* recorder thread -> trace thread + 1 (0 = unseen) */
    struct pending_realloc *pending;
    size_t n_thread_slots;
    struct record_import_report *rep;
};

static int push(struct importer *im, enum trace_op op, uint32_t id, uint64_t size,
                uint8_t align_log2, uint16_t thread)
{
    struct trace_event ev = {id, (uint8_t)op, align_log2, thread, size};
    return trace_builder_push(&im->b, &ev);
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
        if (im->next_thread > UINT16_MAX)
            return -1;
        im->thread_of[th] = ++im->next_thread;
    }
    return (int32_t)(im->thread_of[th] - 1);
}

/* Binds addr to a new or kept id, inserting a free for an object the address still names. */
static int bind(struct importer *im, uint64_t addr, uint32_t id, uint16_t thread)
{
    uint32_t stale = map_take(&im->live, addr);
    if (stale != NO_ID) {
        im->rep->implicit_frees++;
        if (push(im, TRACE_FREE, stale, 0, 0, thread) != 0)
            return -1;
    }
    return map_put(&im->live, addr, id);
}

static int import_record(struct importer *im, const struct recorder_log_record *r)
{
    int32_t th32 = trace_thread(im, r->thread);
    if (th32 < 0)
        return -1;
    uint16_t th = (uint16_t)th32;
    uint64_t size = r->size;
    struct pending_realloc *pend = &im->pending[r->thread];
    switch (r->op) {
    case RECORDER_OP_MALLOC:
    case RECORDER_OP_CALLOC:
    case RECORDER_OP_ALIGNED: {
        enum trace_op op = r->op == RECORDER_OP_MALLOC   ? TRACE_ALLOC
                           : r->op == RECORDER_OP_CALLOC ? TRACE_CALLOC
                                                         : TRACE_ALIGNED;
        uint8_t al = op == TRACE_ALIGNED ? r->align_log2 : 0;
        if (al > TRACE_MAX_ALIGN_LOG2) {
            al = TRACE_MAX_ALIGN_LOG2;
            im->rep->clamped_aligns++;
        }
        if (size == 0) {
            size = 1;
            im->rep->zero_sizes++;
        }
        uint32_t id = im->next_id++;
        if (bind(im, r->addr, id, th) != 0)
            return -1;
        return push(im, op, id, size, al, th);
    }
    case RECORDER_OP_FREE: {
        uint32_t id = map_take(&im->live, r->addr);
        if (id == NO_ID) {
            im->rep->dropped_frees++;
            return 0;
        }
        return push(im, TRACE_FREE, id, 0, 0, th);
    }
    case RECORDER_OP_REALLOC_BEGIN:
        pend->old_addr = r->addr;
        pend->id = map_take(&im->live, r->addr);
        pend->active = 1;
        return 0;
    case RECORDER_OP_REALLOC_END: {
        if (!pend->active)
            return 1; /* corrupt: reported by the caller */
        pend->active = 0;
        if (r->addr == 0) /* realloc failed: the old block is still there */
            return pend->id == NO_ID ? 0 : map_put(&im->live, pend->old_addr, pend->id);
        if (pend->id == NO_ID) {
            /* Memory from before recording: the program's view is a new object. */
            im->rep->dropped_frees++;
            if (size == 0)
                return 0;
            uint32_t id = im->next_id++;
            if (bind(im, r->addr, id, th) != 0)
                return -1;
            return push(im, TRACE_ALLOC, id, size, 0, th);
        }
        if (size == 0) /* an allocator whose realloc(p, 0) returns a block: still a free */
            return push(im, TRACE_FREE, pend->id, 0, 0, th);
        if (bind(im, r->addr, pend->id, th) != 0)
            return -1;
        return push(im, TRACE_REALLOC, pend->id, size, 0, th);
    }
    default:
        return 1;
    }
}

/* Frees what an image left live, in id order so the output does not depend on hashing. */
static int release_live(struct importer *im, uint16_t thread)
{
    if (im->live.count == 0)
        return 0;
    uint32_t *ids = malloc(im->live.count * sizeof *ids);
    if (!ids)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i <= im->live.mask; i++)
        if (im->live.keys[i])
            ids[n++] = im->live.ids[i];
    /* Ids of one image are consecutive and increasing: a counting pass sorts them. */
    uint32_t lo = ids[0];
    for (size_t i = 1; i < n; i++)
        if (ids[i] < lo)
            lo = ids[i];
    size_t span = im->next_id - lo;
    uint8_t *is_live = calloc(span, 1);
    if (!is_live) {
        free(ids);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        is_live[ids[i] - lo] = 1;
    int rc = 0;
    for (size_t i = 0; i < span && rc == 0; i++)
        if (is_live[i]) {
            rc = push(im, TRACE_FREE, (uint32_t)(lo + i), 0, 0, thread);
            im->rep->released_at_exit++;
        }
    free(is_live);
    free(ids);
    return rc;
}

/* Decodes the chunks of a mapped log (after its header) into an array of records. A chunk
 * cut short by a failed last write ends the log: its records are counted as lost. */
static int decode_log(struct importer *im, const char *path, const unsigned char *p, size_t len,
                      struct recorder_log_record **out, size_t *n_out, struct trace_error *err)
{
    struct recorder_log_record *recs = NULL;
    size_t n = 0, cap = 0, off = 0;
    while (off + sizeof(struct recorder_log_chunk) <= len) {
        struct recorder_log_chunk c;
        memcpy(&c, p + off, sizeof c);
        off += sizeof c;
        if (c.bytes % 8 || c.bytes > len - off) {
            im->rep->lost_records++;
            break;
        }
        const uint64_t *w = (const uint64_t *)(const void *)(p + off);
        size_t words = c.bytes / 8;
        off += c.bytes;
        for (size_t i = 0; i < words;) {
            if (n == cap) {
                cap = cap ? cap * 2 : 4096;
                struct recorder_log_record *grown = realloc(recs, cap * sizeof *grown);
                if (!grown) {
                    free(recs);
                    set_err(err, "%s: out of memory", path);
                    return -1;
                }
                recs = grown;
            }
            unsigned used = recorder_log_decode(w + i, words - i, c.thread, &recs[n]);
            if (!used) {
                free(recs);
                set_err(err, "%s: corrupt log (bad record at byte %zu)", path,
                        sizeof(struct recorder_log_header) + off - c.bytes + i * 8);
                return -1;
            }
            i += used;
            n++;
        }
    }
    if (off < len && off + sizeof(struct recorder_log_chunk) > len)
        im->rep->lost_records++; /* a torn chunk header */
    *out = recs;
    *n_out = n;
    return 0;
}

/* Maps the log at path and decodes its records into *recs (malloc'd, *n of them; none for a
 * file holding only a header). 0 or -1 with err. */
static int read_log(struct importer *im, const char *path, struct recorder_log_record **recs,
                    size_t *n, struct trace_error *err)
{
    *recs = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        set_err(err, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t len = (size_t)st.st_size, hdr = sizeof(struct recorder_log_header);
    if (len <= hdr) {
        close(fd);
        return 0;
    }
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        set_err(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = decode_log(im, path, (const unsigned char *)map + hdr, len - hdr, recs, n, err);
    munmap(map, len);
    return rc;
}

/* Orders the records by seq through a direct-placement index (seq numbers of an image are
 * dense, so this is a linear-time sort): *order (calloc'd, *span entries) holds record index
 * + 1 per seq number from the lowest, 0 where a record is missing. 0 or -1 with err. */
static int order_by_seq(const char *path, const struct recorder_log_record *recs, size_t n,
                        uint32_t **order, uint64_t *span, struct trace_error *err)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        if (recs[i].seq < lo)
            lo = recs[i].seq;
        if (recs[i].seq > hi)
            hi = recs[i].seq;
    }
    *span = hi - lo + 1;
    *order = NULL;
    if (*span > (uint64_t)n * 4 + 1024 || n >= UINT32_MAX) {
        set_err(err, "%s: corrupt log (sequence numbers span %llu for %zu records)", path,
                (unsigned long long)*span, n);
        return -1;
    }
    uint32_t *o = calloc(*span, sizeof *o);
    if (!o) {
        set_err(err, "%s: out of memory", path);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t *slot = &o[recs[i].seq - lo];
        if (*slot) {
            set_err(err, "%s: corrupt log (sequence number %llu twice)", path,
                    (unsigned long long)recs[i].seq);
            free(o);
            return -1;
        }
        *slot = (uint32_t)i + 1;
    }
    *order = o;
    return 0;
}

/* Imports one image: its records in seq order, a gap counted as a lost record. */
static int import_file(struct importer *im, const char *path, int release_at_end,
                       struct trace_error *err)
{
    struct recorder_log_record *recs;
    size_t n;
    if (read_log(im, path, &recs, &n, err) != 0)
        return -1;
    if (n == 0) {
        free(recs);
        return 0;
    }
    int rc = -1;
    uint64_t span;
    uint32_t *order;
    if (order_by_seq(path, recs, n, &order, &span, err) != 0)
        goto out;
    uint16_t last_thread = 0;
    for (uint64_t s = 0; s < span; s++) {
        if (!order[s]) {
            im->rep->lost_records++;
            continue;
        }
        const struct recorder_log_record *r = &recs[order[s] - 1];
        int st = import_record(im, r);
        if (st < 0) {
            set_err(err, "%s: out of memory or more than 65536 threads", path);
            goto out;
        }
        if (st > 0) {
            set_err(err, "%s: record %u: corrupt log (op %u)", path, order[s] - 1, r->op);
            goto out;
        }
        last_thread = (uint16_t)(im->thread_of[r->thread] - 1);
    }
    if (release_at_end && release_live(im, last_thread) != 0) {
        set_err(err, "%s: out of memory", path);
        goto out;
    }
    rc = 0;
out:
    free(order);
    free(recs);
    return rc;
}

int record_import_dir(const char *dir, const struct record_import_options *opt,
                      struct trace *out, struct record_import_report *rep,
                      struct trace_error *err)
{
    struct log_file *files;
    size_t n_files;
    memset(rep, 0, sizeof *rep);
    if (list_logs(dir, opt, &files, &n_files, err) != 0)
        return -1;
    struct importer im;
    memset(&im, 0, sizeof im);
    im.rep = rep;
    trace_builder_init(&im.b);
    int rc = map_init(&im.live, 1024);
    if (rc != 0)
        set_err(err, "%s: out of memory", dir);
    for (size_t i = 0; i < n_files && rc == 0; i++) {
        /* Thread numbers and addresses are per image. */
        if (im.thread_of)
            memset(im.thread_of, 0, im.n_thread_slots * sizeof *im.thread_of);
        if (im.pending)
            memset(im.pending, 0, im.n_thread_slots * sizeof *im.pending);
        rc = import_file(&im, files[i].path, n_files > 1, err);
        if (rc == 0 && n_files > 1) {
            map_free(&im.live);
            rc = map_init(&im.live, 1024);
            if (rc != 0)
                set_err(err, "%s: out of memory", dir);
        }
        rep->images++;
    }
    if (rc == 0 && trace_builder_finish(&im.b, opt->name, opt->description, out) != 0) {
        set_err(err, "%s: out of memory", dir);
        rc = -1;
    }
    if (rc == 0) {
        rep->events = out->n_events;
        rep->objects = out->n_ids;
        rep->threads = im.next_thread;
    } else {
        trace_builder_discard(&im.b);
    }
    map_free(&im.live);
    free(im.thread_of);
    free(im.pending);
    free_files(files, n_files);
    return rc;
}
