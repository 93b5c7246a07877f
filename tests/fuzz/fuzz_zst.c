/* Fuzz target: compressed binary traces (harness/trace/trace_zst.c). Two properties:
 *  - any input read as a file: the reader (through trace_load, which recognises it by content)
 *    loads a valid trace or refuses it in one line, as every reader must;
 *  - any input taken as 16-byte records, whatever their bytes: compressing and decompressing
 *    gives back exactly those bytes (the transform is lossless even for records no valid trace
 *    holds). */
#include "fuzz_common.h"
#include "trace_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static int load(const char *path, const struct trace_load_options *opt, struct trace *out,
                struct trace_load_report *report, struct trace_error *err)
{
    return trace_load(path, opt, out, report, err);
}

static void check_lossless(const uint8_t *data, size_t size)
{
    size_t n = size / sizeof(struct trace_event);
    struct trace_event *rec = malloc(n ? n * sizeof *rec : 1);
    if (!rec)
        fuzz_fail("out of memory");
    memcpy(rec, data, n * sizeof *rec);
    const unsigned char prefix[5] = {1, 2, 3, 4, 5};
    const unsigned char *suffix = data + n * sizeof *rec;
    size_t suffix_len = size - n * sizeof *rec;
    const char *path = fuzz_scratch_path("r.alrt.zst");
    struct trace_error err;
    if (trace__zst_write(path, prefix, sizeof prefix, rec, n, suffix, suffix_len, 1, &err) != 0)
        fuzz_fail("compressing %zu records failed: %s", n, err.msg);
    struct trace f;
    memset(&f, 0, sizeof f);
    FILE *in = fopen(path, "rb");
    if (!in)
        fuzz_fail("cannot reopen %s", path);
    static unsigned char buf[1 << 22];
    size_t len = fread(buf, 1, sizeof buf, in);
    fclose(in);
    unsigned char *image;
    size_t image_len;
    if (trace__zst_decode(path, buf, len, &image, &image_len, &err) != 0)
        fuzz_fail("decompressing what was just compressed failed: %s", err.msg);
    if (image_len != sizeof prefix + size || memcmp(image, prefix, sizeof prefix) != 0 ||
        memcmp(image + sizeof prefix, rec, n * sizeof *rec) != 0 ||
        memcmp(image + sizeof prefix + n * sizeof *rec, suffix, suffix_len) != 0)
        fuzz_fail("the round trip through compression changed the bytes");
    munmap(image, image_len);
    free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check_reader(load, data, size);
    check_lossless(data, size);
    return 0;
}
