/* Writes the hostile binary traces of tests/bad/ (bin-*.alrt) into a directory.
 *
 * The committed files are this program's output: bad_inputs.sh regenerates them and fails if
 * they differ, so every byte of the corpus is explained here. Most cases carry correct
 * checksums on purpose, so that the reader gets past them to the check under test (an id beyond
 * the header's count is only reported when the records checksum matches; otherwise the file is
 * refused as corrupt first). Layout: docs/trace-format.md. Usage: gen_binary DIR */
#include "trace_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER 64

struct file {
    unsigned char b[4096];
    size_t len;
};

static void put(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Field offsets in the 64-byte header. */
enum { VERSION = 8, HEADER_SIZE = 10, FLAGS = 12, N_EVENTS = 16, N_IDS = 24, N_THREADS = 28,
       NAME_LEN = 32, DESC_LEN = 36, RECORDS_OFFSET = 40, RECORDS_SUM = 48, HEADER_SUM = 56 };

static uint64_t sum(const void *p, size_t n)
{
    struct trace_checksum c;
    trace__checksum_init(&c);
    trace__checksum_update(&c, p, n);
    return trace__checksum_final(&c);
}

/* The header checksum: bytes 0..55, 8 zero bytes, then the name and description. */
static void seal_header(struct file *f, size_t strings)
{
    unsigned char tmp[HEADER + 256];
    memcpy(tmp, f->b, 56);
    memset(tmp + 56, 0, 8);
    memcpy(tmp + HEADER, f->b + HEADER, strings);
    struct trace_checksum c;
    trace__checksum_init(&c);
    trace__checksum_update(&c, tmp, HEADER);
    trace__checksum_update(&c, tmp + HEADER, strings);
    put(f->b + HEADER_SUM, trace__checksum_final(&c), 8);
}

/* A well-formed file named "bad" holding events, with the header counts given (n_ids and
 * n_threads 0 mean: derive them from the events). Checksums are correct. */
static void make(struct file *f, const struct trace_event *ev, size_t n, uint32_t n_ids,
                 uint32_t n_threads)
{
    static const char name[] = "bad";
    memset(f, 0, sizeof *f);
    static const unsigned char magic[8] = {0x89, 'A', 'L', 'R', 'T', '\r', '\n', 0x1a};
    memcpy(f->b, magic, 8);
    uint32_t ids = 0, threads = 1;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].id >= ids)
            ids = ev[i].id + 1;
        if (ev[i].thread >= threads)
            threads = ev[i].thread + 1u;
    }
    put(f->b + VERSION, 1, 2);
    put(f->b + HEADER_SIZE, HEADER, 2);
    put(f->b + N_EVENTS, n, 8);
    put(f->b + N_IDS, n_ids ? n_ids : ids, 4);
    put(f->b + N_THREADS, n_threads ? n_threads : threads, 4);
    put(f->b + NAME_LEN, 3, 4);
    memcpy(f->b + HEADER, name, 3);
    put(f->b + RECORDS_OFFSET, 80, 8); /* 64 + 3 rounded up to 16 */
    memcpy(f->b + 80, ev, n * sizeof *ev);
    put(f->b + RECORDS_SUM, sum(f->b + 80, n * sizeof *ev), 8);
    seal_header(f, 3);
    f->len = 80 + n * sizeof *ev;
}

/* Changes a header field and recomputes the header checksum, so the field itself is checked. */
static void set_field(struct file *f, int off, uint64_t v, int bytes)
{
    put(f->b + off, v, bytes);
    seal_header(f, 3);
}

static int write_file(const char *dir, const char *name, const struct file *f)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *out = fopen(path, "wb");
    if (!out || fwrite(f->b, 1, f->len, out) != f->len || fclose(out) != 0) {
        fprintf(stderr, "gen_binary: cannot write %s\n", path);
        return -1;
    }
    return 0;
}

#define EV(op_, id_, size_) {.id = (id_), .op = TRACE_##op_, .size = (size_)}

/* The valid trace the damaged files start from. */
static const struct trace_event good[] = {EV(ALLOC, 0, 16), EV(ALLOC, 1, 100), EV(REALLOC, 0, 64),
                                          EV(FREE, 1, 0), EV(FREE, 0, 0)};
static const size_t n_good = sizeof good / sizeof good[0];

/* Files cut short or with bytes to spare. Returns 0, or -1 when a file could not be written. */
static int write_truncations(const char *dir)
{
    struct file f;
    int rc = 0;

    /* Truncations: nothing, the magic alone, half a header, a record cut short. */
    memset(&f, 0, sizeof f);
    rc |= write_file(dir, "bin-empty.alrt", &f);
    make(&f, good, n_good, 0, 0);
    f.len = 8;
    rc |= write_file(dir, "bin-magic-only.alrt", &f);
    make(&f, good, n_good, 0, 0);
    f.len = 40;
    rc |= write_file(dir, "bin-truncated-header.alrt", &f);
    make(&f, good, n_good, 0, 0);
    f.len -= 5;
    rc |= write_file(dir, "bin-truncated-record.alrt", &f);
    make(&f, good, n_good, 0, 0);
    f.len -= 16;
    rc |= write_file(dir, "bin-missing-record.alrt", &f);
    make(&f, good, n_good, 0, 0);
    f.len += 3;
    rc |= write_file(dir, "bin-stray-bytes.alrt", &f);
    return rc ? -1 : 0;
}

/* Single bit flips, each caught by a checksum or the magic. Returns 0, or -1 when a file could not
 * be written. */
static int write_bit_flips(const char *dir)
{
    struct file f;
    int rc = 0;

    /* Bit flips: in a record (size of event 2), in the header (id count), in the magic. */
    make(&f, good, n_good, 0, 0);
    f.b[80 + 2 * 16 + 8] ^= 0x10;
    rc |= write_file(dir, "bin-bitflip-record.alrt", &f);
    make(&f, good, n_good, 0, 0);
    f.b[N_IDS] ^= 0x01;
    rc |= write_file(dir, "bin-bitflip-header.alrt", &f);
    make(&f, good, n_good, 0, 0);
    f.b[1] ^= 0x20;
    rc |= write_file(dir, "bin-bitflip-magic.alrt", &f);
    make(&f, good, n_good, 0, 0);
    f.b[HEADER + 1] ^= 0x01; /* the name: covered by the header checksum */
    rc |= write_file(dir, "bin-bitflip-name.alrt", &f);
    return rc ? -1 : 0;
}

/* Header fields out of range. Returns 0, or -1 when a file could not be written. */
static int write_header_fields(const char *dir)
{
    struct file f;
    int rc = 0;

    /* Header fields out of range, with a correct header checksum. */
    make(&f, good, n_good, 0, 0);
    set_field(&f, N_EVENTS, (uint64_t)1 << 62, 8);
    rc |= write_file(dir, "bin-huge-event-count.alrt", &f);
    make(&f, good, n_good, 0, 0);
    set_field(&f, N_EVENTS, UINT64_MAX, 8);
    rc |= write_file(dir, "bin-event-count-max.alrt", &f);
    make(&f, good, n_good, 0, 0);
    put(f.b + NAME_LEN, UINT32_MAX, 4);
    put(f.b + DESC_LEN, UINT32_MAX, 4);
    rc |= write_file(dir, "bin-huge-string-lengths.alrt", &f);
    make(&f, good, n_good, 0, 70000);
    rc |= write_file(dir, "bin-huge-thread-count.alrt", &f);
    make(&f, good, n_good, 0, 0);
    set_field(&f, VERSION, 2, 2);
    rc |= write_file(dir, "bin-version-2.alrt", &f);
    make(&f, good, n_good, 0, 0);
    set_field(&f, HEADER_SIZE, 128, 2);
    rc |= write_file(dir, "bin-header-size.alrt", &f);
    make(&f, good, n_good, 0, 0);
    set_field(&f, FLAGS, 0x80000000u, 4);
    rc |= write_file(dir, "bin-flags.alrt", &f);
    make(&f, good, n_good, 0, 0);
    set_field(&f, RECORDS_OFFSET, UINT64_MAX - 15, 8);
    rc |= write_file(dir, "bin-records-offset.alrt", &f);
    return rc ? -1 : 0;
}

/* Records beyond the header's counts, an unknown op, a huge id space. Returns 0, or -1 when a file
 * could not be written. */
static int write_bad_structure(const char *dir)
{
    struct file f;
    int rc = 0;

    /* Records that break the structure: ids and threads beyond the header's counts, an unknown
     * op. Checksums correct. */
    static const struct trace_event beyond[] = {EV(ALLOC, 0, 8), EV(ALLOC, 5, 8)};
    make(&f, beyond, 2, 2, 0);
    rc |= write_file(dir, "bin-id-beyond-count.alrt", &f);
    static const struct trace_event id_max[] = {EV(ALLOC, UINT32_MAX, 8)};
    make(&f, id_max, 1, UINT32_MAX, 0);
    rc |= write_file(dir, "bin-id-uint32-max.alrt", &f);
    static const struct trace_event thread[] = {{.id = 0, .op = TRACE_ALLOC, .thread = 3, .size = 8}};
    make(&f, thread, 1, 0, 2);
    rc |= write_file(dir, "bin-thread-beyond-count.alrt", &f);
    static const struct trace_event op[] = {EV(ALLOC, 0, 8), {.id = 0, .op = 200, .size = 8}};
    make(&f, op, 2, 0, 0);
    rc |= write_file(dir, "bin-unknown-op.alrt", &f);

    /* A 4-billion-id space: the validator's state must be reserved lazily, not allocated. */
    static const struct trace_event far[] = {EV(ALLOC, UINT32_MAX - 1, 8), EV(FREE, UINT32_MAX - 1, 0),
                                             EV(FREE, UINT32_MAX - 1, 0)};
    make(&f, far, 3, UINT32_MAX, 0);
    rc |= write_file(dir, "bin-huge-id-space-double-free.alrt", &f);
    return rc ? -1 : 0;
}

/* Well-formed records that make an invalid trace. Returns 0, or -1 when a file could not be
 * written. */
static int write_invalid_events(const char *dir)
{
    struct file f;
    int rc = 0;

    /* Events that are well-formed records but invalid traces. */
    static const struct trace_event size_max[] = {EV(ALLOC, 0, UINT64_MAX)};
    make(&f, size_max, 1, 0, 0);
    rc |= write_file(dir, "bin-size-uint64-max.alrt", &f);
    static const struct trace_event size_big[] = {EV(ALLOC, 0, 8), EV(REALLOC, 0, ((uint64_t)1 << 40) + 1)};
    make(&f, size_big, 2, 0, 0);
    rc |= write_file(dir, "bin-realloc-size-2-40-plus-1.alrt", &f);
    static const struct trace_event zero[] = {EV(CALLOC, 0, 0)};
    make(&f, zero, 1, 0, 0);
    rc |= write_file(dir, "bin-calloc-size-zero.alrt", &f);
    static const struct trace_event align[] = {{.id = 0, .op = TRACE_ALIGNED, .align_log2 = 63, .size = 8}};
    make(&f, align, 1, 0, 0);
    rc |= write_file(dir, "bin-align-2-63.alrt", &f);
    static const struct trace_event free_size[] = {EV(ALLOC, 0, 8), EV(FREE, 0, 8)};
    make(&f, free_size, 2, 0, 0);
    rc |= write_file(dir, "bin-free-with-size.alrt", &f);
    static const struct trace_event dfree[] = {EV(ALLOC, 0, 8), EV(FREE, 0, 0), EV(FREE, 0, 0)};
    make(&f, dfree, 3, 0, 0);
    rc |= write_file(dir, "bin-double-free.alrt", &f);
    static const struct trace_event before[] = {EV(ALLOC, 0, 8), EV(REALLOC, 1, 16)};
    make(&f, before, 2, 0, 0);
    rc |= write_file(dir, "bin-realloc-before-alloc.alrt", &f);
    static const struct trace_event live[] = {EV(ALLOC, 0, 8), EV(ALLOC, 0, 8)};
    make(&f, live, 2, 0, 0);
    rc |= write_file(dir, "bin-alloc-live-id.alrt", &f);
    return rc ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_binary DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    int rc = write_truncations(dir);
    rc |= write_bit_flips(dir);
    rc |= write_header_fields(dir);
    rc |= write_bad_structure(dir);
    rc |= write_invalid_events(dir);
    return rc ? 1 : 0;
}
