/* Import of Android memory_replay text traces (bionic malloc_debug record_allocs;
 * docs/trace-format.md):
 *
 *   1234: malloc 0xb6038060 20
 *   1234: calloc 0xb6038060 4 20            nmemb, size
 *   1234: memalign 0xb6038080 16 32         alignment, size
 *   1234: realloc 0xb6038100 0xb6038060 80  new pointer, old pointer, size
 *   1234: free 0xb6038100
 *   1234: thread_done 0x0
 *
 * Newer traces append the start and end timestamps (ns, CLOCK_MONOTONIC) to every line: they
 * become the events' times (since the earliest start in the file) and durations, and
 * thread_done's time the thread's exit. free 0x0 and a realloc from 0x0 are legal. Thread ids become dense thread numbers 0, 1, ...
 * in order of first appearance. */
#include "trace_io.h"
#include "util/input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 65536

/* Kernel thread id -> dense thread number. */
struct tid_map {
    uint64_t keys[2 * MAX_THREADS]; /* tid + 1; 0 = empty; never more than half full */
    uint16_t nums[2 * MAX_THREADS];
    uint32_t count;
};

static int thread_number(struct tid_map *m, uint64_t tid, uint16_t *out)
{
    size_t mask = 2 * MAX_THREADS - 1;
    size_t i = (size_t)((tid + 1) * 0x9E3779B97F4A7C15ull >> 40) & mask;
    while (m->keys[i] && m->keys[i] != tid + 1)
        i = (i + 1) & mask;
    if (!m->keys[i]) {
        if (m->count == MAX_THREADS)
            return -1;
        m->keys[i] = tid + 1;
        m->nums[i] = (uint16_t)m->count++;
    }
    *out = m->nums[i];
    return 0;
}

static int malformed(struct trace__importer *im, const char *what)
{
    return trace__fail(im->err, "%s:%llu: malformed memory_replay line: %s", im->path,
                       (unsigned long long)im->line, what);
}

/* Reads n numbers (hex for pointers, decimal otherwise, per the mask of hex positions); the
 * map slots of the pointers are prefetched when im is given. */
static int numbers(const struct trace__importer *im, const char **p, int n, unsigned hex_mask,
                   uint64_t *v)
{
    for (int i = 0; i < n; i++) {
        if (!((hex_mask >> i) & 1)) {
            if (trace__import_dec(p, &v[i]) != 0)
                return -1;
        } else if (trace__import_hex(p, &v[i]) != 0) {
            return -1;
        } else if (im) {
            trace__import_prefetch(im, v[i]);
        }
    }
    return 0;
}

struct clock_base {
    const char *why; /* set by rest_ok for an end timestamp before its start */
};

/* After the operands: nothing, or the start and end timestamps of newer traces, which set the
 * line's time and duration in im. Returns 1 if the rest is well formed, 0 if not; a timestamp
 * out of order sets base->why, reported instead of the line's expected shape. */
static int rest_ok(struct trace__importer *im, struct clock_base *base, const char *p)
{
    uint64_t ts[2];
    im->time = im->duration = TRACE_TIME_NONE;
    if (*p == '\0' || *p == '\n' || *p == '\r')
        return 1;
    if (numbers(NULL, &p, 2, 0, ts) != 0 || !(*p == '\0' || *p == '\n' || *p == '\r'))
        return 0;
    if (ts[1] < ts[0]) {
        base->why = "end timestamp before the start timestamp";
        return 0;
    }
    im->time = ts[0]; /* absolute for now: see shift_to_start */
    im->duration = ts[1] - ts[0];
    return 1;
}

static int parse_line(struct trace__importer *im, struct tid_map *tids, struct clock_base *base,
                      const char *p)
{
    uint64_t tid, v[3];
    if (trace__import_dec(&p, &tid) != 0 || *p != ':')
        return malformed(im, "expected 'TID: op ...'");
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *op = p;
    while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
        p++;
    size_t len = (size_t)(p - op);
    while (*p == ' ' || *p == '\t')
        p++;
    uint16_t thread;
    if (thread_number(tids, tid, &thread) != 0)
        return malformed(im, "more than 65536 threads");
#define IS(word) (len == sizeof word - 1 && !memcmp(op, word, len))
    if (IS("malloc")) {
        if (numbers(im, &p, 2, 1, v) != 0 || !rest_ok(im, base, p))
            return malformed(im, base->why ? base->why : "expected 'malloc PTR SIZE'");
        return trace__import_alloc(im, TRACE_ALLOC, v[0], v[1], 0, thread);
    }
    if (IS("calloc")) {
        if (numbers(im, &p, 3, 1, v) != 0 || !rest_ok(im, base, p))
            return malformed(im, base->why ? base->why : "expected 'calloc PTR NMEMB SIZE'");
        uint64_t size;
        if (__builtin_mul_overflow(v[1], v[2], &size))
            size = UINT64_MAX; /* reported as a bad size by validation */
        return trace__import_alloc(im, TRACE_CALLOC, v[0], size, 0, thread);
    }
    if (IS("memalign")) {
        if (numbers(im, &p, 3, 1, v) != 0 || !rest_ok(im, base, p))
            return malformed(im, base->why ? base->why : "expected 'memalign PTR ALIGN SIZE'");
        return trace__import_alloc(im, TRACE_ALIGNED, v[0], v[2], v[1], thread);
    }
    if (IS("realloc")) {
        if (numbers(im, &p, 3, 3, v) != 0 || !rest_ok(im, base, p))
            return malformed(im, base->why ? base->why : "expected 'realloc NEWPTR OLDPTR SIZE'");
        return trace__import_realloc(im, v[1], v[0], v[2], thread);
    }
    if (IS("free")) {
        if (numbers(im, &p, 1, 1, v) != 0 || !rest_ok(im, base, p))
            return malformed(im, base->why ? base->why : "expected 'free PTR'");
        return trace__import_free(im, v[0], thread);
    }
    if (IS("thread_done")) {
        if (numbers(im, &p, 1, 1, v) != 0 || !rest_ok(im, base, p))
            return malformed(im, base->why ? base->why : "expected 'thread_done 0x0'");
        if (im->time != TRACE_TIME_NONE && trace_builder_thread_exit(&im->b, thread, im->time) != 0)
            return trace__fail(im->err, "%s: out of memory", im->path);
        return 0;
    }
#undef IS
    char what[128], shown[32];
    snprintf(what, sizeof what, "unknown operation '%s' (known: malloc, calloc, memalign, "
                                "realloc, free, thread_done)",
             input_printable(shown, sizeof shown, op, len < 24 ? len : 24));
    return malformed(im, what);
}

/* Lines are written as calls end, so the earliest start need not be on the first line: times
 * count from the earliest start of the file. */
static void shift_to_start(struct trace *t)
{
    if (!t->times)
        return;
    uint64_t first = UINT64_MAX;
    for (uint64_t i = 0; i < t->n_events; i++)
        if (t->times[i] < first)
            first = t->times[i];
    for (uint64_t i = 0; i < t->n_events; i++)
        t->times[i] -= first;
    for (uint32_t k = 0; t->thread_exits && k < t->n_threads; k++)
        if (t->thread_exits[k] != TRACE_TIME_NONE)
            t->thread_exits[k] = t->thread_exits[k] >= first ? t->thread_exits[k] - first : 0;
}

int trace__android_read(const char *path, FILE *f, const char *f_why,
                        const struct trace_load_options *opt, struct trace *out,
                        struct trace_load_report *report, struct trace_error *err)
{
    struct trace__importer im;
    struct tid_map *tids = calloc(1, sizeof *tids);
    FILE *given = f;
    if (!f && tids)
        f = fopen(path, "r");
    if (!f) {
        int e = errno;
        free(tids);
        return tids ? trace__fail(err, "%s: cannot open: %s", path, strerror(e))
                    : trace__fail(err, "%s: out of memory", path);
    }
    if (trace__import_begin(&im, path, opt, report, err) != 0) {
        if (!given)
            fclose(f);
        free(tids);
        return -1;
    }
    im.in = f;
    im.read_why = f_why;
    char *line;
    struct clock_base base = {NULL};
    int rc = 0;
    while (rc == 0 &&
           (rc = trace__import_next_line(&im, &line, "memory_replay", "memory_replay trace")) == 1) {
        rc = 0;
        if (line[0] == '\0' || line[0] == '#')
            continue;
        rc = parse_line(&im, tids, &base, line);
    }
    if (!given)
        fclose(f);
    free(tids);
    if (rc != 0) {
        trace__import_abort(&im);
        return -1;
    }
    if (trace__import_finish(&im, out) != 0)
        return -1;
    shift_to_start(out);
    if (!opt->keep_invalid && trace_validate_times(out, path, err) != 0) {
        trace_release(out);
        return -1;
    }
    return 0;
}
