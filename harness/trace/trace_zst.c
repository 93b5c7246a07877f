/* Compressed binary traces (.alrt.zst), documented byte by byte in docs/trace-format.md
 * ("Compressed binary").
 *
 * The file holds the bytes of an ordinary .alrt file: its header and strings, its records and
 * whatever follows them, each part as zstd frames. The records are transformed before zstd, one
 * block at a time, into streams that zstd compresses far better than 16-byte records: the ops,
 * the thread numbers as two byte planes, the ids as the distance from a predicted id and the
 * sizes, both as varints. Reading rebuilds the exact .alrt bytes in anonymous memory, which the
 * binary reader then checks and validates as if it had mapped an uncompressed file: the replay
 * sees the same table either way.
 */
#include "trace_io.h"
#include "util/atomic_file.h"
#include "util/tmp_map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#define SKIP_MAGIC 0x184D2A5Au /* a zstd skippable frame: zstd tools step over it */
#define TAG "ALRT-ZST"
#define CONTAINER_VERSION 1
#define TRANSFORM 1
#define INFO_LEN 56 /* the skippable frame's payload */
#define BLOCK_EVENTS 65536u
#define ESCAPE 0xFF /* an op byte no ordinary event has (op 7): a raw 16-byte record follows */
#define BLOCK_HEADER 12 /* ids bytes, sizes bytes, escaped records: three u32 */
/* A block's transformed bytes at most: op, thread, id (5), size (10) and, escaped, 16 bytes
 * plus the block header; decoding reads varints up to 10 bytes past a stream's end, so the
 * decode buffer has that much slack. */
#define WORST_PER_EVENT (1 + 2 + 5 + 10 + 16)
#define SLACK 16

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get64(const unsigned char *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

int trace__zst_sniff(const unsigned char *b, size_t len)
{
    if (len >= 16 && get32(b) == SKIP_MAGIC && !memcmp(b + 8, TAG, 8))
        return 1;
    return len >= 4 && get32(b) == ZSTD_MAGICNUMBER ? 2 : 0;
}

size_t trace__image_file_bytes;

/* Room for a decompressed .alrt image of total bytes (freed by munmap): anonymous memory in
 * huge pages, the fastest to fill; but an image too large to sit comfortably in memory (a
 * quarter of it) goes into an unlinked file in $TMPDIR, so that a trace larger than memory
 * can be replayed (the kernel writes back and evicts its pages, as it does a plain .alrt's)
 * at the cost of a slower fill (567 against 817 MB/s on a 40 M-event trace); anonymous memory
 * again where no such file can be made. NULL when out of memory. */
static unsigned char *image_alloc(unsigned long long total)
{
    size_t file_bytes = trace__image_file_bytes;
    if (!file_bytes) {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        file_bytes = pages > 0 && page > 0 ? (size_t)pages / 4 * (size_t)page : 0;
        if (file_bytes < TMP_MAP_MIN_BYTES)
            file_bytes = TMP_MAP_MIN_BYTES;
    }
    if (total >= file_bytes && total <= SIZE_MAX) {
        unsigned char *p = tmp_map((size_t)total);
        if (p)
            return p;
    }
    unsigned char *p = mmap(NULL, total ? total : 1, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    trace__prefer_huge_pages(p, total);
    return p;
}

/* A .alrt file compressed by the zstd tool as it is: one allocation of the size its frames
 * declare, then one call. */
static int decode_plain(const char *path, const unsigned char *src, size_t len,
                        unsigned char **image, size_t *image_len, struct trace_error *err)
{
    unsigned long long total = 0;
    for (size_t pos = 0; pos < len;) {
        size_t c = ZSTD_findFrameCompressedSize(src + pos, len - pos);
        if (ZSTD_isError(c))
            return trace__fail(err, "%s: zstd frame at byte %zu: %s", path, pos,
                               ZSTD_getErrorName(c));
        unsigned long long size = ZSTD_getFrameContentSize(src + pos, c);
        if (size == ZSTD_CONTENTSIZE_ERROR)
            return trace__fail(err, "%s: corrupt zstd frame at byte %zu", path, pos);
        if (size == ZSTD_CONTENTSIZE_UNKNOWN)
            return trace__fail(err, "%s: a zstd frame without its content size (compress the "
                                    "file with the zstd tool, or convert it to .alrt.zst)", path);
        total += size;
        pos += c;
    }
    if (total > (unsigned long long)len << 16)
        return trace__fail(err, "%s: corrupt zstd frame header (content size %llu)", path, total);
    unsigned char *map = image_alloc(total);
    if (!map)
        return trace__fail(err, "%s: out of memory for %llu bytes of trace", path, total);
    size_t d = ZSTD_decompress(map, total, src, len);
    if (ZSTD_isError(d) || d != total) {
        munmap(map, total ? total : 1);
        return trace__fail(err, "%s: zstd: %s", path,
                           ZSTD_isError(d) ? ZSTD_getErrorName(d) : "short data");
    }
    *image = map;
    *image_len = total;
    return 0;
}

/* ---- the record transform ---- */

static unsigned char *put_varint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

/* Reads at most 10 bytes; the caller checks the stream's end afterwards (the buffer has slack). */
static inline uint64_t get_varint(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint64_t v = *p++;
    if (v >= 0x80) {
        v &= 0x7F;
        for (int shift = 7; shift < 70; shift += 7) {
            uint64_t c = *p++;
            v |= (c & 0x7F) << shift;
            if (c < 0x80)
                break;
        }
    }
    *pp = p;
    return v;
}

static uint64_t zigzag(int64_t d)
{
    return ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
}
static int64_t unzigzag(uint64_t z)
{
    return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

/* Ids are predicted from next_id, one past the largest id seen: an allocation usually takes
 * exactly next_id (importers and the generator number objects in order) and a free or realloc
 * usually names a recent object, just below it. */
struct predictor {
    uint64_t next_id;
};

static int ordinary(const struct trace_event *ev)
{
    return ev->op < TRACE_OP_COUNT && ev->align_log2 < 32 && !(ev->op == TRACE_FREE && ev->size);
}

/* Transforms n records into out (WORST_PER_EVENT * n + BLOCK_HEADER bytes); returns its length. */
static size_t encode_block(struct predictor *pr, const struct trace_event *ev, size_t n,
                           unsigned char *out, unsigned char *scratch_ids,
                           unsigned char *scratch_sizes, unsigned char *scratch_esc)
{
    unsigned char *ops = out + BLOCK_HEADER, *lo = ops + n, *hi = lo + n;
    unsigned char *ip = scratch_ids, *sp = scratch_sizes, *ep = scratch_esc;
    uint64_t next = pr->next_id;
    for (size_t i = 0; i < n; i++) {
        const struct trace_event *e = &ev[i];
        lo[i] = (unsigned char)e->thread;
        hi[i] = (unsigned char)(e->thread >> 8);
        if (!ordinary(e)) {
            ops[i] = ESCAPE;
            memcpy(ep, e, sizeof *e);
            ep += sizeof *e;
            continue;
        }
        ops[i] = (unsigned char)(e->op | e->align_log2 << 3);
        int64_t d = e->op <= TRACE_ALIGNED ? (int64_t)e->id - (int64_t)next
                                           : (int64_t)next - 1 - (int64_t)e->id;
        ip = put_varint(ip, zigzag(d));
        if (e->id >= next)
            next = (uint64_t)e->id + 1;
        if (e->op != TRACE_FREE)
            sp = put_varint(sp, e->size);
    }
    pr->next_id = next;
    size_t ids = (size_t)(ip - scratch_ids), sizes = (size_t)(sp - scratch_sizes);
    size_t esc = (size_t)(ep - scratch_esc);
    put32(out, (uint32_t)ids);
    put32(out + 4, (uint32_t)sizes);
    put32(out + 8, (uint32_t)(esc / sizeof(struct trace_event)));
    unsigned char *p = hi + n;
    memcpy(p, scratch_ids, ids);
    memcpy(p + ids, scratch_sizes, sizes);
    memcpy(p + ids + sizes, scratch_esc, esc);
    return (size_t)(p + ids + sizes + esc - out);
}

/* Inverse of encode_block: in holds len bytes (plus SLACK readable bytes). Returns 0, or -1 if
 * the block is inconsistent. */
static int decode_block(struct predictor *pr, const unsigned char *in, size_t len, size_t n,
                        struct trace_event *ev)
{
    if (len < BLOCK_HEADER + 3 * n)
        return -1;
    uint64_t ids = get32(in), sizes = get32(in + 4), esc = get32(in + 8);
    const unsigned char *ops = in + BLOCK_HEADER, *lo = ops + n, *hi = lo + n;
    const unsigned char *ip = hi + n;
    if (ids + sizes + esc * sizeof *ev != len - BLOCK_HEADER - 3 * n)
        return -1;
    const unsigned char *ids_end = ip + ids, *sp = ids_end, *sizes_end = sp + sizes;
    const unsigned char *ep = sizes_end, *esc_end = ep + esc * sizeof *ev;
    uint64_t next = pr->next_id;
    for (size_t i = 0; i < n; i++) {
        unsigned b = ops[i];
        if (b == ESCAPE) {
            if (ep == esc_end)
                return -1;
            memcpy(&ev[i], ep, sizeof *ev);
            ep += sizeof *ev;
            continue;
        }
        /* Bounds: a corrupt varint stream may run into the next stream or the slack, never
         * further; the ends are checked once the block is done. */
        if (ip > ids_end || sp > sizes_end)
            return -1;
        unsigned op = b & 7;
        int64_t d = unzigzag(get_varint(&ip));
        uint64_t id = op <= TRACE_ALIGNED ? next + (uint64_t)d : next - 1 - (uint64_t)d;
        if (id > UINT32_MAX)
            return -1;
        if (id >= next)
            next = id + 1;
        struct trace_event e = {.id = (uint32_t)id, .op = (uint8_t)op, .align_log2 = (uint8_t)(b >> 3),
                                .thread = (uint16_t)(lo[i] | hi[i] << 8), .size = 0};
        if (op != TRACE_FREE)
            e.size = get_varint(&sp);
        ev[i] = e;
    }
    pr->next_id = next;
    return ip == ids_end && sp == sizes_end && ep == esc_end ? 0 : -1;
}

/* ---- writing ---- */

struct zst_out {
    struct atomic_file af;
    ZSTD_CCtx *cctx;
    unsigned char *dst;
    size_t dst_cap;
};

static int put_frame(struct zst_out *o, const void *src, size_t len, const char *path,
                     struct trace_error *err)
{
    size_t need = ZSTD_compressBound(len);
    if (need > o->dst_cap) {
        unsigned char *d = realloc(o->dst, need);
        if (!d)
            return trace__fail(err, "%s: out of memory", path);
        o->dst = d, o->dst_cap = need;
    }
    size_t c = ZSTD_compress2(o->cctx, o->dst, o->dst_cap, src, len);
    if (ZSTD_isError(c))
        return trace__fail(err, "%s: zstd: %s", path, ZSTD_getErrorName(c));
    fwrite(o->dst, 1, c, o->af.f);
    return 0;
}

int trace__zst_write(const char *path, const unsigned char *prefix, size_t prefix_len,
                     const struct trace_event *rec, uint64_t n, const unsigned char *suffix,
                     size_t suffix_len, int level, struct trace_error *err)
{
    struct zst_out o = {.cctx = ZSTD_createCCtx()};
    size_t cap = (size_t)BLOCK_EVENTS * WORST_PER_EVENT + BLOCK_HEADER;
    unsigned char *block = malloc(cap);
    unsigned char *s_ids = malloc((size_t)BLOCK_EVENTS * 5);
    unsigned char *s_sizes = malloc((size_t)BLOCK_EVENTS * 10);
    unsigned char *s_esc = malloc((size_t)BLOCK_EVENTS * sizeof *rec);
    int rc = -1;
    if (!o.cctx || !block || !s_ids || !s_sizes || !s_esc) {
        trace__fail(err, "%s: out of memory", path);
        goto out;
    }
    ZSTD_CCtx_setParameter(o.cctx, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(o.cctx, ZSTD_c_contentSizeFlag, 1);
    if (atomic_file_open(&o.af, path, err->msg, sizeof err->msg) != 0)
        goto out;
    unsigned char info[8 + INFO_LEN] = {0};
    uint64_t n_blocks = (n + BLOCK_EVENTS - 1) / BLOCK_EVENTS;
    put32(info, SKIP_MAGIC);
    put32(info + 4, INFO_LEN);
    memcpy(info + 8, TAG, 8);
    info[16] = CONTAINER_VERSION;
    info[18] = TRANSFORM;
    put32(info + 20, BLOCK_EVENTS);
    put64(info + 24, prefix_len);
    put64(info + 32, n);
    put64(info + 40, suffix_len);
    put64(info + 48, n_blocks);
    fwrite(info, 1, sizeof info, o.af.f);
    if (put_frame(&o, prefix, prefix_len, path, err) != 0)
        goto abort;
    struct predictor pr = {0};
    for (uint64_t i = 0; i < n; i += BLOCK_EVENTS) {
        size_t k = n - i < BLOCK_EVENTS ? (size_t)(n - i) : BLOCK_EVENTS;
        size_t len = encode_block(&pr, rec + i, k, block, s_ids, s_sizes, s_esc);
        if (put_frame(&o, block, len, path, err) != 0)
            goto abort;
    }
    if (suffix_len && put_frame(&o, suffix, suffix_len, path, err) != 0)
        goto abort;
    rc = atomic_file_commit(&o.af, err->msg, sizeof err->msg);
    goto out;
abort:
    atomic_file_abort(&o.af);
out:
    ZSTD_freeCCtx(o.cctx);
    free(o.dst);
    free(block);
    free(s_ids);
    free(s_sizes);
    free(s_esc);
    return rc;
}

/* ---- reading ---- */

struct zst_in {
    const char *path;
    const unsigned char *src;
    size_t len, pos;
    uint64_t frame; /* counted from 0, for messages */
    ZSTD_DCtx *dctx;
};

/* Decompresses the next frame, which must hold exactly want bytes, into dst. */
static int get_frame(struct zst_in *in, void *dst, size_t want, struct trace_error *err)
{
    if (in->pos == in->len)
        return trace__fail(err, "%s: truncated compressed trace (frame %llu missing)", in->path,
                           (unsigned long long)in->frame);
    size_t c = ZSTD_findFrameCompressedSize(in->src + in->pos, in->len - in->pos);
    if (ZSTD_isError(c))
        return trace__fail(err, "%s: compressed frame %llu at byte %zu: %s", in->path,
                           (unsigned long long)in->frame, in->pos, ZSTD_getErrorName(c));
    unsigned long long size = ZSTD_getFrameContentSize(in->src + in->pos, c);
    if (size != want)
        return trace__fail(err, "%s: compressed frame %llu at byte %zu holds %llu bytes, expected "
                                "%zu (corrupt file)", in->path, (unsigned long long)in->frame,
                           in->pos, size, want);
    size_t d = ZSTD_decompressDCtx(in->dctx, dst, want, in->src + in->pos, c);
    if (ZSTD_isError(d) || d != want)
        return trace__fail(err, "%s: compressed frame %llu at byte %zu: %s", in->path,
                           (unsigned long long)in->frame, in->pos,
                           ZSTD_isError(d) ? ZSTD_getErrorName(d) : "short frame");
    in->pos += c;
    in->frame++;
    return 0;
}

int trace__zst_decode(const char *path, const unsigned char *src, size_t len,
                      unsigned char **image, size_t *image_len, struct trace_error *err)
{
    *image = NULL;
    if (trace__zst_sniff(src, len) == 2)
        return decode_plain(path, src, len, image, image_len, err);
    if (len < 8 + INFO_LEN || get32(src + 4) != INFO_LEN)
        return trace__fail(err, "%s: truncated compressed trace header", path);
    const unsigned char *info = src + 8;
    if (info[8] != CONTAINER_VERSION || info[10] != TRANSFORM)
        return trace__fail(err, "%s: unsupported compressed trace version %u, transform %u (this "
                                "build reads %d, %d)", path, info[8], info[10], CONTAINER_VERSION,
                           TRANSFORM);
    uint32_t block_events = get32(info + 12);
    uint64_t prefix = get64(info + 16), n = get64(info + 24), suffix = get64(info + 32);
    uint64_t n_blocks = get64(info + 40);
    /* Every count is bounded by what the compressed bytes can hold before anything is
     * allocated (zstd expands at most about 32000x; a record costs at least one bit). */
    uint64_t limit = (uint64_t)len << 16;
    /* The prefix ends at the .alrt records offset, a multiple of 16: the records are aligned. */
    if (block_events == 0 || block_events > (1u << 24) || prefix > limit || prefix % 16 ||
        suffix > limit ||
        n > limit || n_blocks != (n + block_events - 1) / block_events)
        return trace__fail(err, "%s: corrupt compressed trace header", path);
    uint64_t total = prefix + n * sizeof(struct trace_event) + suffix;
    struct zst_in in = {.path = path, .src = src, .len = len, .pos = 8 + INFO_LEN,
                        .dctx = ZSTD_createDCtx()};
    size_t cap = (size_t)block_events * WORST_PER_EVENT + BLOCK_HEADER;
    unsigned char *block = malloc(cap + SLACK);
    unsigned char *map = image_alloc(total);
    int rc = -1;
    if (!in.dctx || !block || !map) {
        trace__fail(err, "%s: out of memory for %llu bytes of trace", path,
                    (unsigned long long)total);
        goto out;
    }
    memset(block + cap, 0, SLACK);
    if (get_frame(&in, map, prefix, err) != 0)
        goto out;
    struct trace_event *rec = (struct trace_event *)(map + prefix);
    struct predictor pr = {0};
    for (uint64_t i = 0; i < n; i += block_events) {
        size_t k = n - i < block_events ? (size_t)(n - i) : block_events;
        size_t c = ZSTD_findFrameCompressedSize(src + in.pos, len - in.pos);
        unsigned long long size = in.pos < len && !ZSTD_isError(c)
                                      ? ZSTD_getFrameContentSize(src + in.pos, c) : 0;
        if (size > cap) /* a frame that cannot be a block: get_frame names the problem */
            size = 0;
        if (get_frame(&in, block, (size_t)size, err) != 0)
            goto out;
        memset(block + size, 0, SLACK);
        if (decode_block(&pr, block, (size_t)size, k, rec + i) != 0) {
            trace__fail(err, "%s: compressed block of records %llu..%llu is corrupt", path,
                        (unsigned long long)i, (unsigned long long)(i + k - 1));
            goto out;
        }
    }
    if (suffix && get_frame(&in, map + prefix + n * sizeof *rec, suffix, err) != 0)
        goto out;
    if (in.pos != len) {
        trace__fail(err, "%s: %zu stray bytes after the last compressed frame", path,
                    len - in.pos);
        goto out;
    }
    *image = map;
    *image_len = total;
    map = NULL;
    rc = 0;
out:
    if (map)
        munmap(map, total ? total : 1);
    free(block);
    ZSTD_freeDCtx(in.dctx);
    return rc;
}
