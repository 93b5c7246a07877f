/* The binary format: loading in place, and every way a damaged file is refused (exact messages). */
#include "tap.h"
#include "trace/trace.h"
#include "trace_io.h"
#include "util/tmp_map.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/trace_binary_test.XXXXXX";
static char good[256], bad[256];
static unsigned char *bytes;
static size_t n_bytes;

static void make_trace(struct trace *t, const struct trace_event *ev, size_t n)
{
    struct trace_builder b;
    trace_builder_init(&b);
    for (size_t i = 0; i < n; i++)
        trace_builder_push(&b, &ev[i]);
    trace_builder_finish(&b, "sample", "two objects and a realloc", t);
}

static const struct trace_event sample[] = {
    {.id = 0, .op = TRACE_ALLOC, .size = 24},
    {.id = 1, .op = TRACE_ALIGNED, .align_log2 = 6, .thread = 2, .size = 64},
    {.id = 0, .op = TRACE_REALLOC, .size = 48},
    {.id = 2, .op = TRACE_CALLOC, .thread = 1, .size = 100},
    {.id = 1, .op = TRACE_FREE, .thread = 1},
    {.id = 3, .op = TRACE_ALLOC, .size = 1},
};
#define N_SAMPLE (sizeof sample / sizeof sample[0])

static void write_bad(const unsigned char *b, size_t n)
{
    FILE *f = fopen(bad, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

static uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}
static void wr64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* Recomputes both checksums after a deliberate edit, so that the check under test is the one
 * that fires. */
static void reseal(unsigned char *b, size_t n)
{
    uint32_t name_len, desc_len;
    memcpy(&name_len, b + 32, 4);
    memcpy(&desc_len, b + 36, 4);
    uint64_t off = rd64(b + 40);
    struct trace_checksum c;
    trace__checksum_init(&c);
    trace__checksum_update(&c, b + off, n - off);
    wr64(b + 48, trace__checksum_final(&c));
    unsigned char first[64];
    memcpy(first, b, 56);
    memset(first + 56, 0, 8);
    trace__checksum_init(&c);
    trace__checksum_update(&c, first, 64);
    trace__checksum_update(&c, b + 64, name_len + desc_len);
    wr64(b + 56, trace__checksum_final(&c));
}

/* Loads bad and checks the exact message (after "<path>: "). */
static void expect_refused(const char *what, const char *want)
{
    struct trace t;
    struct trace_error err;
    char full[600];
    snprintf(full, sizeof full, "%s: %s", bad, want);
    int rc = trace_load(bad, NULL, &t, NULL, &err);
    TAP_OK(rc == -1 && !strcmp(err.msg, full), "%s: refused with \"%s\"", what, want);
    if (rc == 0)
        trace_release(&t);
    else if (strcmp(err.msg, full))
        printf("# got: %s\n", err.msg);
}

static unsigned char *copy(void)
{
    unsigned char *b = malloc(n_bytes + 64);
    memcpy(b, bytes, n_bytes);
    return b;
}

/* The good file: mapped, used in place, everything kept; its bytes read into `bytes`, which the
 * damaged copies start from. */
static void check_good_file(void)
{
    struct trace back;
    struct trace_error err;
    TAP_OK(trace_load(good, NULL, &back, NULL, &err) == 0, "load it back");
    TAP_OK(back.map != NULL && back.owned_events == NULL, "events used in place from the map");
    TAP_OK(((uintptr_t)back.events & 15) == 0, "records are 16-byte aligned in the map");
    TAP_OK(back.n_events == N_SAMPLE && !memcmp(back.events, sample, sizeof sample),
           "records identical");
    TAP_OK(!strcmp(back.name, "sample") && !strcmp(back.description, "two objects and a realloc"),
           "name and description kept");
    TAP_EQ_U64(back.n_ids, 4, "id count");
    TAP_EQ_U64(back.n_threads, 3, "thread count");
    trace_release(&back);

    FILE *f = fopen(good, "rb");
    fseek(f, 0, SEEK_END);
    n_bytes = (size_t)ftell(f);
    rewind(f);
    bytes = malloc(n_bytes);
    if (fread(bytes, 1, n_bytes, f) != n_bytes)
        exit(99);
    fclose(f);
    TAP_EQ_U64(n_bytes, 64 + 32 + N_SAMPLE * 16, "file size: header, padded strings, records");
    static const unsigned char magic[8] = {0x89, 'A', 'L', 'R', 'T', '\r', '\n', 0x1a};
    TAP_OK(!memcmp(bytes, magic, 8), "magic bytes");
}

/* Damaged copies of the good file, each refused with its reason: truncations, the magic, header
 * fields, strings, padding, records. */
static void check_damaged_file(unsigned char *b)
{
    write_bad(bytes, 0);
    expect_refused("empty file", "not an allocreplay binary trace (file too short for the magic)");
    b[1] = 'B';
    write_bad(b, n_bytes);
    expect_refused("wrong magic", "not an allocreplay binary trace (bad magic)");
    write_bad(bytes, 40);
    expect_refused("truncated header", "truncated header (40 bytes, need 64)");
    memcpy(b, bytes, n_bytes);
    b[8] = 2;
    write_bad(b, n_bytes);
    expect_refused("version 2", "unsupported binary trace version 2 (this build reads version 1)");
    memcpy(b, bytes, n_bytes);
    b[10] = 80;
    write_bad(b, n_bytes);
    expect_refused("header size", "bad header size 80 (version 1 has 64)");
    memcpy(b, bytes, n_bytes);
    b[12] = 2;
    write_bad(b, n_bytes);
    expect_refused("unknown flags", "unsupported header flags 0x2");
    memcpy(b, bytes, n_bytes);
    b[64] ^= 0x20; /* the name's first letter */
    write_bad(b, n_bytes);
    expect_refused("corrupt name", "header checksum mismatch (corrupt header)");
    memcpy(b, bytes, n_bytes);
    b[16] = 7; /* event count, header checksum not updated */
    write_bad(b, n_bytes);
    expect_refused("edited count", "header checksum mismatch (corrupt header)");
    memcpy(b, bytes, n_bytes);
    b[32] = 200; /* name longer than the file */
    write_bad(b, n_bytes);
    expect_refused("string lengths", "truncated header strings (225 bytes named, 128 present)");
    memcpy(b, bytes, n_bytes);
    b[95] = 1; /* the last padding byte */
    write_bad(b, n_bytes);
    expect_refused("padding", "nonzero padding before the records (corrupt file)");
    write_bad(bytes, n_bytes - 8);
    expect_refused("truncated records", "truncated: header says 6 events, file holds 5");
    write_bad(bytes, 100);
    expect_refused("records cut off", "truncated: header says 6 events, file holds 0");
    memcpy(b, bytes, n_bytes);
    memset(b + n_bytes, 0, 16);
    write_bad(b, n_bytes + 16);
    expect_refused("trailing bytes", "16 stray bytes after the last record");
    memcpy(b, bytes, n_bytes);
    b[96 + 2 * 16 + 8] ^= 1; /* realloc size 48 -> 49 */
    write_bad(b, n_bytes);
    expect_refused("flipped bit in a record", "records checksum mismatch (file corrupt)");
    memcpy(b, bytes, n_bytes);
    b[96 + 4 * 16] = 0; /* free of id 0 instead of 1: valid, but the checksum says no */
    write_bad(b, n_bytes);
    expect_refused("plausible edit of a record", "records checksum mismatch (file corrupt)");
    memcpy(b, bytes, n_bytes);
    b[96 + 5 * 16 + 4] = TRACE_FREE; /* free of id 3, never allocated, unsealed */
    write_bad(b, n_bytes);
    expect_refused("corruption outranks validation", "records checksum mismatch (file corrupt)");
}

/* Huge counts in a well-sealed header. */
static void check_huge_counts(unsigned char *b)
{
    struct trace back;
    struct trace_error err;
    memcpy(b, bytes, n_bytes);
    wr64(b + 16, (uint64_t)1 << 60);
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("huge event count", "truncated: header says 1152921504606846976 events, file "
                                       "holds 6");
    memcpy(b, bytes, n_bytes);
    wr64(b + 16, UINT64_MAX);
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("event count 2^64-1", "truncated: header says 18446744073709551615 events, "
                                         "file holds 6");
    memcpy(b, bytes, n_bytes);
    b[28] = 0x70, b[29] = 0x11, b[30] = 0x01; /* 70000 threads */
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("huge thread count", "thread count 70000 in header exceeds 65536");
    memcpy(b, bytes, n_bytes);
    wr64(b + 40, 112);
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("records offset", "bad records offset 112 (expected 96)");
    memcpy(b, bytes, n_bytes);
    memset(b + 24, 0xff, 4); /* 2^32-1 ids: costs address space only, never memory */
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    TAP_OK(trace_load(bad, NULL, &back, NULL, &err) == 0 && back.n_ids == UINT32_MAX,
           "huge id count loads without allocating per id");
    trace_release(&back);
}

/* Records that break the header's promises: corruption, refused even when lenient. */
static void check_broken_records(unsigned char *b)
{
    struct trace back;
    struct trace_error err;
    struct trace_load_options lenient = {.lenient = 1};
    memcpy(b, bytes, n_bytes);
    b[96 + 2 * 16 + 4] = 9;
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("unknown op", "record 2: unknown op 9");
    TAP_OK(trace_load(bad, &lenient, &back, NULL, &err) == -1, "unknown op refused when lenient");
    memcpy(b, bytes, n_bytes);
    b[96 + 1 * 16] = 9;
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("id outside the id count", "record 1: id 9 outside the header's id count 4");
    memcpy(b, bytes, n_bytes);
    b[96 + 3 * 16 + 6] = 3;
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("thread outside the thread count",
                   "record 3: thread 3 outside the header's thread count 3");
}

/* Validation problems in a well-formed file: refused, or dropped and counted. */
static void check_invalid_events(unsigned char *b)
{
    struct trace back;
    struct trace_error err;
    struct trace_load_options lenient = {.lenient = 1};
    memcpy(b, bytes, n_bytes);
    b[96 + 4 * 16] = 0;                 /* free 0 (was free 1) ... */
    b[96 + 5 * 16 + 4] = TRACE_REALLOC; /* ... then realloc 3, never allocated */
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("use before alloc", "record 5: use before alloc: realloc of id 3, never allocated");
    struct trace_load_report rep;
    TAP_OK(trace_load(bad, &lenient, &back, &rep, &err) == 0, "lenient load of the same file");
    TAP_EQ_U64(rep.dropped[TRACE_PROBLEM_USE_BEFORE_ALLOC], 1, "one use before alloc dropped");
    TAP_OK(back.n_events == 5 && back.owned_events && back.map == NULL,
           "kept events copied out of the read-only map");
    trace_release(&back);
    memcpy(b, bytes, n_bytes);
    b[96 + 5 * 16 + 4] = TRACE_FREE;
    b[96 + 5 * 16] = 1; /* free 1 again */
    wr64(b + 96 + 5 * 16 + 8, 0);
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("double free", "record 5: double free: free of id 1, already freed");
    memcpy(b, bytes, n_bytes);
    wr64(b + 96 + 5 * 16 + 8, 0);
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("zero size", "record 5: bad size: alloc of id 3 with size 0 (must be 1..2^40)");
    memcpy(b, bytes, n_bytes);
    b[96 + 1 * 16 + 5] = 21;
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("alignment too large",
                   "record 1: bad alignment: aligned of id 1 with alignment 2^21 (at most 2^20)");
    memcpy(b, bytes, n_bytes);
    b[96 + 0 * 16 + 5] = 3;
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("alignment on alloc",
                   "record 0: bad alignment: alloc of id 0 carries an alignment (only aligned may)");
    memcpy(b, bytes, n_bytes);
    b[96 + 3 * 16] = 0; /* calloc of id 0 while it is live */
    reseal(b, n_bytes);
    write_bad(b, n_bytes);
    expect_refused("alloc of a live id",
                   "record 3: alloc of a live id: calloc of id 0, not freed since its last alloc");
}

/* trace_validate: the same rules on a trace in memory (a generator's or recorder's output). */
static void check_trace_validate(const struct trace *t)
{
    struct trace_error err;
    TAP_OK(trace_validate(t, &err) == 0, "trace_validate accepts the sample");
    struct trace dbl;
    static const struct trace_event twice[] = {
        {.id = 0, .op = TRACE_ALLOC, .size = 8}, {.id = 0, .op = TRACE_FREE}, {.id = 0, .op = TRACE_FREE}};
    make_trace(&dbl, twice, 3);
    TAP_OK(trace_validate(&dbl, &err) == -1 &&
               !strcmp(err.msg, "sample: event 2: double free: free of id 0, already freed"),
           "trace_validate names the first bad event");
    trace_release(&dbl);
}

/* The streaming writer: pieces of any size give the same file as trace_save. */
static void check_streaming_writer(void)
{
    struct trace back;
    struct trace_error err;
    enum { N = 20000 };
    struct trace_builder bb;
    struct trace whole;
    trace_builder_init(&bb);
    for (uint32_t i = 0; i < N / 2; i++) {
        struct trace_event a = {
            .id = i, .op = TRACE_ALLOC, .thread = (uint16_t)(i % 5), .size = 1 + i % 999};
        struct trace_event fr = {.id = i, .op = TRACE_FREE};
        trace_builder_push(&bb, &a);
        trace_builder_push(&bb, &fr);
    }
    trace_builder_finish(&bb, "streamed", "written in pieces", &whole);
    char a_path[300], b_path[300];
    snprintf(a_path, sizeof a_path, "%s/whole.alrt", dir);
    snprintf(b_path, sizeof b_path, "%s/pieces.alrt", dir);
    TAP_OK(trace_save(a_path, &whole, &err) == 0, "trace_save of %d events", N);
    struct trace_writer *w = trace_writer_open(b_path, "streamed", "written in pieces", &err);
    static const size_t pieces[] = {1, 3, 0, 4095, 1, 5000, 2, 7};
    size_t done = 0;
    int ok = w != NULL;
    for (size_t i = 0; ok && done < N; i++) {
        size_t k = i < sizeof pieces / sizeof pieces[0] ? pieces[i] : 1999;
        if (k > N - done)
            k = N - done;
        ok = trace_writer_append(w, whole.events + done, k, &err) == 0;
        done += k;
    }
    TAP_OK(ok && access(b_path, F_OK) != 0, "appending in odd pieces; nothing visible yet");
    TAP_OK(ok && trace_writer_commit(w, &err) == 0, "commit");
    FILE *fa = fopen(a_path, "rb"), *fb = fopen(b_path, "rb");
    int same = fa && fb;
    for (int ca = 0, cb = 0; same && ca != EOF;) {
        ca = fgetc(fa), cb = fgetc(fb);
        same = ca == cb;
    }
    TAP_OK(same, "byte-identical to trace_save's file");
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    w = trace_writer_open(b_path, "x", NULL, &err);
    trace_writer_append(w, whole.events, 3, &err);
    trace_writer_abort(w);
    TAP_OK(trace_load(b_path, NULL, &back, NULL, &err) == 0 && back.n_events == N,
           "an aborted writer leaves the previous file untouched");
    trace_release(&back);
    struct trace_event junk = {.op = 7};
    w = trace_writer_open(b_path, "x", NULL, &err);
    TAP_OK(trace_writer_append(w, &junk, 1, &err) == -1 && strstr(err.msg, "event 0: unknown op 7"),
           "an unknown op is refused");
    trace_writer_abort(w);
    char yaml_path[300];
    snprintf(yaml_path, sizeof yaml_path, "%s/x.yaml", dir);
    TAP_OK(trace_writer_open(yaml_path, "x", NULL, &err) == NULL &&
               strstr(err.msg, "needs the .alrt extension"),
           "the writer writes .alrt only");
    unlink(a_path);
    unlink(b_path);
    trace_release(&whole);
}

/* trace_checksum() of a loaded .alrt (which reuses the loader's verified state) is the one of
 * the same events hashed afresh, timed or not, plain or compressed. */
static void check_checksum_reuse(struct trace *t)
{
    char zst[300];
    snprintf(zst, sizeof zst, "%s/sum.alrt.zst", dir);
    uint64_t times[N_SAMPLE];
    for (size_t i = 0; i < N_SAMPLE; i++)
        times[i] = 7 * i;
    for (int timed = 0; timed < 2; timed++) {
        t->times = timed ? times : NULL;
        uint64_t fresh = trace_checksum(t);
        for (int z = 0; z < 2; z++) {
            struct trace l;
            struct trace_error err;
            const char *path = z ? zst : good;
            if (!TAP_OK(trace_save(path, t, &err) == 0 && trace_load(path, NULL, &l, NULL, &err) == 0,
                        "checksum reuse: %s saved and loaded", path))
                continue;
            TAP_OK(l.has_events_sum && trace_checksum(&l) == fresh,
                   "checksum reuse (%s, %s): the loader's state gives the fresh value",
                   timed ? "timed" : "untimed", z ? "zstd" : "plain");
            trace_release(&l);
        }
    }
    t->times = NULL;
    unlink(zst);
}

/* The mapping of /proc/self/maps that holds p: its line, or "" when none. */
static void mapping_of(const void *p, char *line, size_t len)
{
    FILE *f = fopen("/proc/self/maps", "r");
    line[0] = '\0';
    unsigned long lo, hi;
    while (f && fgets(line, (int)len, f))
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && (unsigned long)p >= lo &&
            (unsigned long)p < hi)
            break;
        else
            line[0] = '\0';
    if (f)
        fclose(f);
}

/* A decompressed image of trace__image_file_bytes or more lives in an unlinked file in $TMPDIR
 * (evictable page cache), a smaller one in anonymous memory; where no file can be made, in
 * anonymous memory too. The events are the same every way. */
static void check_image_in_file(struct trace *t)
{
    char zst[300], line[512];
    snprintf(zst, sizeof zst, "%s/img.alrt.zst", dir);
    struct trace_error err;
    if (!TAP_OK(trace_save(zst, t, &err) == 0, "image: saved"))
        return;
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", dir, 1);
    static const struct {
        size_t threshold;
        const char *tmpdir, *want, *what;
    } cases[] = {{1, NULL, "(deleted)", "past the threshold: an unlinked file"},
                 {(size_t)1 << 40, NULL, NULL, "below it: anonymous memory"},
                 {1, "/no/such/dir", NULL, "no file can be made: anonymous memory"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        trace__image_file_bytes = cases[c].threshold;
        if (cases[c].tmpdir)
            setenv("TMPDIR", cases[c].tmpdir, 1);
        struct trace l;
        if (!TAP_OK(trace_load(zst, NULL, &l, NULL, &err) == 0, "image: loaded (%s)",
                    cases[c].what))
            continue;
        mapping_of(l.events, line, sizeof line);
        int file = strstr(line, dir) && strstr(line, "(deleted)");
        TAP_OK((cases[c].want ? file : !file) && l.n_events == t->n_events &&
                   !memcmp(l.events, t->events, t->n_events * sizeof *t->events),
               "image: %s, the same events (%.*s)", cases[c].what, (int)strcspn(line, "\n"), line);
        trace_release(&l);
    }
    trace__image_file_bytes = 0;
    if (saved)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
    free(saved);
    unlink(zst);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 99;
    snprintf(good, sizeof good, "%s/good.alrt", dir);
    snprintf(bad, sizeof bad, "%s/bad.alrt", dir);
    struct trace t;
    struct trace_error err;
    make_trace(&t, sample, N_SAMPLE);
    TAP_OK(trace_save(good, &t, &err) == 0, "save a binary trace");
    check_good_file();
    unsigned char *b = copy();
    check_damaged_file(b);
    check_huge_counts(b);
    check_broken_records(b);
    check_invalid_events(b);
    check_trace_validate(&t);
    check_streaming_writer();
    check_checksum_reuse(&t);
    check_image_in_file(&t);

    /* A failed save leaves nothing behind. */
    char nodir[300];
    snprintf(nodir, sizeof nodir, "%s/no/such/dir/x.alrt", dir);
    TAP_OK(trace_save(nodir, &t, &err) == -1 && strstr(err.msg, "cannot create"),
           "save into a missing directory fails cleanly");

    free(b);
    free(bytes);
    trace_release(&t);
    unlink(good);
    unlink(bad);
    rmdir(dir);
    return tap_done();
}
