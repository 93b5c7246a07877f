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
 * Newer traces append the start and end timestamps (ns) to every line; they are ignored.
 * free 0x0 and a realloc from 0x0 are legal. Thread ids become dense thread numbers 0, 1, ...
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

/* Reads n numbers (hex for pointers, decimal otherwise, per the mask of hex positions). */
static int numbers(const char **p, int n, unsigned hex_mask, uint64_t *v)
{
    for (int i = 0; i < n; i++)
        if (trace__import_number(p, (hex_mask >> i) & 1, &v[i]) != 0)
            return -1;
    return 0;
}

/* After the operands: nothing, or the two timestamps of newer traces. */
static int rest_ok(const char *p)
{
    uint64_t ts[2];
    if (*p == '\0' || *p == '\n' || *p == '\r')
        return 1;
    if (numbers(&p, 2, 0, ts) != 0)
        return 0;
    return *p == '\0' || *p == '\n' || *p == '\r';
}

static int parse_line(struct trace__importer *im, struct tid_map *tids, const char *p)
{
    uint64_t tid, v[3];
    if (trace__import_number(&p, 0, &tid) != 0 || *p != ':')
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
        if (numbers(&p, 2, 1, v) != 0 || !rest_ok(p))
            return malformed(im, "expected 'malloc PTR SIZE'");
        return trace__import_alloc(im, TRACE_ALLOC, v[0], v[1], 0, thread);
    }
    if (IS("calloc")) {
        if (numbers(&p, 3, 1, v) != 0 || !rest_ok(p))
            return malformed(im, "expected 'calloc PTR NMEMB SIZE'");
        uint64_t size;
        if (__builtin_mul_overflow(v[1], v[2], &size))
            size = UINT64_MAX; /* reported as a bad size by validation */
        return trace__import_alloc(im, TRACE_CALLOC, v[0], size, 0, thread);
    }
    if (IS("memalign")) {
        if (numbers(&p, 3, 1, v) != 0 || !rest_ok(p))
            return malformed(im, "expected 'memalign PTR ALIGN SIZE'");
        return trace__import_alloc(im, TRACE_ALIGNED, v[0], v[2], v[1], thread);
    }
    if (IS("realloc")) {
        if (numbers(&p, 3, 3, v) != 0 || !rest_ok(p))
            return malformed(im, "expected 'realloc NEWPTR OLDPTR SIZE'");
        return trace__import_realloc(im, v[1], v[0], v[2], thread);
    }
    if (IS("free")) {
        if (numbers(&p, 1, 1, v) != 0 || !rest_ok(p))
            return malformed(im, "expected 'free PTR'");
        return trace__import_free(im, v[0], thread);
    }
    if (IS("thread_done")) {
        if (numbers(&p, 1, 1, v) != 0 || !rest_ok(p))
            return malformed(im, "expected 'thread_done 0x0'");
        return 0;
    }
#undef IS
    char what[128], shown[32];
    snprintf(what, sizeof what, "unknown operation '%s' (known: malloc, calloc, memalign, "
                                "realloc, free, thread_done)",
             input_printable(shown, sizeof shown, op, len < 24 ? len : 24));
    return malformed(im, what);
}

int trace__android_read(const char *path, const struct trace_load_options *opt, struct trace *out,
                        struct trace_load_report *report, struct trace_error *err)
{
    struct trace__importer im;
    struct tid_map *tids = calloc(1, sizeof *tids);
    FILE *f = tids ? fopen(path, "r") : NULL;
    if (!f) {
        int e = errno;
        free(tids);
        return tids ? trace__fail(err, "%s: cannot open: %s", path, strerror(e))
                    : trace__fail(err, "%s: out of memory", path);
    }
    if (trace__import_begin(&im, path, opt, report, err) != 0) {
        fclose(f);
        free(tids);
        return -1;
    }
    char *line = malloc(TRACE_IMPORT_MAX_LINE);
    int rc = 0;
    while (rc == 0 &&
           (rc = trace__import_next_line(&im, f, line, "memory_replay", "memory_replay trace")) == 1) {
        rc = 0;
        if (line[0] == '\n' || line[0] == '#')
            continue;
        rc = parse_line(&im, tids, line);
    }
    free(line);
    fclose(f);
    free(tids);
    if (rc != 0) {
        trace__import_abort(&im);
        return -1;
    }
    return trace__import_finish(&im, out);
}
