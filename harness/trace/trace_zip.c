/* Zip archives of one text trace, read in place: Android ships its memory_replay traces zipped
 * (docs/trace-format.md, "Zip archives"). The archive is mapped and its entry inflated through
 * zlib as the importer reads it, so nothing is extracted to disk and memory stays bounded.
 *
 * Only what a trace archive needs: the end-of-central-directory record, the one central
 * directory entry and its local header; methods stored (0) and deflate (8); no ZIP64, no
 * encryption, no multi-disk archives.
 */
#include "trace_io.h" /* fopencookie: the build defines _GNU_SOURCE */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define EOCD_SIG 0x06054b50u
#define CENTRAL_SIG 0x02014b50u
#define LOCAL_SIG 0x04034b50u
#define EOCD_LEN 22
#define CENTRAL_LEN 46
#define LOCAL_LEN 30

struct zip_stream {
    unsigned char *map;
    size_t map_len;
    const unsigned char *data; /* the entry's compressed bytes */
    size_t data_len, pos;
    int deflated;
    int inflating; /* z is initialised */
    int done;
    uint64_t out_len, expect_len;
    uint32_t crc, expect_crc;
    z_stream z;
    char error[160]; /* why reading failed, for trace__zip_error */
};

int trace__zip_sniff(const unsigned char *b, size_t len)
{
    return len >= 4 && trace__get32(b) == LOCAL_SIG;
}

static void restart(struct zip_stream *s)
{
    if (s->inflating)
        inflateEnd(&s->z);
    s->inflating = 0;
    s->pos = 0;
    s->done = 0;
    s->out_len = 0;
    s->crc = (uint32_t)crc32(0, NULL, 0);
}

static ssize_t zip_read(void *cookie, char *buf, size_t size)
{
    struct zip_stream *s = cookie;
    if (s->done || size == 0)
        return 0;
    size_t n;
    if (!s->deflated) {
        n = s->data_len - s->pos < size ? s->data_len - s->pos : size;
        memcpy(buf, s->data + s->pos, n);
        s->pos += n;
        if (s->pos == s->data_len)
            s->done = 1;
    } else {
        if (!s->inflating) {
            memset(&s->z, 0, sizeof s->z);
            if (inflateInit2(&s->z, -MAX_WBITS) != Z_OK) { /* raw deflate, no zlib header */
                snprintf(s->error, sizeof s->error, "out of memory");
                errno = ENOMEM;
                return -1;
            }
            s->inflating = 1;
        }
        s->z.next_out = (Bytef *)buf;
        s->z.avail_out = size > UINT32_MAX ? UINT32_MAX : (uInt)size;
        int zr = Z_OK;
        while (s->z.avail_out == (uInt)(size > UINT32_MAX ? UINT32_MAX : size) && zr == Z_OK) {
            size_t in = s->data_len - s->pos < (1u << 30) ? s->data_len - s->pos : (1u << 30);
            s->z.next_in = (Bytef *)(s->data + s->pos);
            s->z.avail_in = (uInt)in;
            zr = inflate(&s->z, Z_NO_FLUSH);
            s->pos += in - s->z.avail_in;
            if (zr == Z_BUF_ERROR && s->pos == s->data_len)
                break; /* the entry's data ended inside the stream */
        }
        n = size - s->z.avail_out;
        if (zr == Z_STREAM_END) {
            s->done = 1;
        } else if (zr != Z_OK && !(zr == Z_BUF_ERROR && n)) {
            snprintf(s->error, sizeof s->error, "corrupt deflate data in the archive entry (%s)",
                     zr == Z_BUF_ERROR ? "truncated" : s->z.msg ? s->z.msg : "zlib error");
            errno = EIO;
            return -1;
        }
    }
    s->crc = (uint32_t)crc32(s->crc, (const Bytef *)buf, (uInt)n);
    s->out_len += n;
    if (s->done && (s->out_len != s->expect_len || s->crc != s->expect_crc)) {
        snprintf(s->error, sizeof s->error, "archive entry damaged (%s mismatch)",
                 s->out_len != s->expect_len ? "size" : "CRC-32");
        errno = EIO;
        return -1;
    }
    return (ssize_t)n;
}

/* Only a rewind to the start is possible (the format sniffer reads the head first). */
static int zip_seek(void *cookie, off64_t *offset, int whence)
{
    struct zip_stream *s = cookie;
    if (whence != SEEK_SET || *offset != 0) {
        errno = EINVAL;
        return -1;
    }
    restart(s);
    return 0;
}

static int zip_close(void *cookie)
{
    struct zip_stream *s = cookie;
    restart(s);
    munmap(s->map, s->map_len);
    free(s);
    return 0;
}

/* Finds the entry and checks everything but its data. */
static int locate(struct zip_stream *s, const char *path, struct trace_error *err)
{
    const unsigned char *b = s->map;
    size_t len = s->map_len;
    /* The end record is the last 22 bytes unless an archive comment (up to 65535 bytes)
     * follows it: search backwards. */
    size_t eocd = (size_t)-1;
    for (size_t i = len >= EOCD_LEN ? len - EOCD_LEN + 1 : 0; i-- > 0 && len - i <= EOCD_LEN + 65535;)
        if (trace__get32(b + i) == EOCD_SIG && i + EOCD_LEN + trace__get16(b + i + 20) == len) {
            eocd = i;
            break;
        }
    if (eocd == (size_t)-1)
        return trace__fail(err, "%s: zip archive without its end record (truncated?)", path);
    const unsigned char *e = b + eocd;
    uint32_t entries = trace__get16(e + 10), cd_size = trace__get32(e + 12),
             cd_off = trace__get32(e + 16);
    if (trace__get16(e + 4) != 0 || trace__get16(e + 6) != 0 || trace__get16(e + 8) != entries)
        return trace__fail(err, "%s: multi-volume zip archives are not read", path);
    if (entries != 1)
        return trace__fail(err, "%s: zip archive with %u entries (a trace archive holds exactly "
                                "one)", path, entries);
    if (cd_off == 0xFFFFFFFFu || cd_size == 0xFFFFFFFFu)
        return trace__fail(err, "%s: ZIP64 archives are not read", path);
    if ((uint64_t)cd_off + cd_size > eocd || cd_size < CENTRAL_LEN ||
        trace__get32(b + cd_off) != CENTRAL_SIG)
        return trace__fail(err, "%s: corrupt zip central directory", path);
    const unsigned char *c = b + cd_off;
    uint32_t flags = trace__get16(c + 8), method = trace__get16(c + 10);
    s->expect_crc = trace__get32(c + 16);
    uint32_t csize = trace__get32(c + 20), usize = trace__get32(c + 24);
    uint32_t local = trace__get32(c + 42);
    if (flags & 1)
        return trace__fail(err, "%s: the zip entry is encrypted", path);
    if (csize == 0xFFFFFFFFu || usize == 0xFFFFFFFFu || local == 0xFFFFFFFFu)
        return trace__fail(err, "%s: ZIP64 archives are not read", path);
    if (method != 0 && method != 8)
        return trace__fail(err, "%s: zip compression method %u (only stored and deflate are "
                                "read)", path, method);
    if ((uint64_t)local + LOCAL_LEN > cd_off || trace__get32(b + local) != LOCAL_SIG)
        return trace__fail(err, "%s: corrupt zip local header", path);
    uint64_t data =
        (uint64_t)local + LOCAL_LEN + trace__get16(b + local + 26) + trace__get16(b + local + 28);
    if (data + csize > cd_off)
        return trace__fail(err, "%s: truncated zip entry (%u bytes named, %llu present)", path,
                           csize, (unsigned long long)(cd_off > data ? cd_off - data : 0));
    if (method == 0 && csize != usize)
        return trace__fail(err, "%s: corrupt zip entry (stored, but sizes differ)", path);
    s->data = b + data;
    s->data_len = csize;
    s->deflated = method == 8;
    s->expect_len = usize;
    return 0;
}

FILE *trace__zip_open(const char *path, const char **why, struct trace_error *err)
{
    struct zip_stream *s = calloc(1, sizeof *s);
    if (!s) {
        trace__fail(err, "%s: out of memory", path);
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        trace__fail(err, "%s: cannot open: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(s);
        return NULL;
    }
    s->map_len = (size_t)st.st_size;
    s->map = s->map_len ? mmap(NULL, s->map_len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (s->map == MAP_FAILED) {
        trace__fail(err, "%s: cannot map: %s", path, strerror(errno));
        free(s);
        return NULL;
    }
    madvise(s->map, s->map_len, MADV_SEQUENTIAL);
    restart(s);
    *why = s->error;
    FILE *f = NULL;
    if (locate(s, path, err) == 0) {
        cookie_io_functions_t io = {.read = zip_read, .seek = zip_seek, .close = zip_close};
        f = fopencookie(s, "r", io);
        if (!f)
            trace__fail(err, "%s: out of memory", path);
    }
    if (!f) {
        munmap(s->map, s->map_len);
        free(s);
    }
    return f;
}
