/* What the importers share: live address -> dense id, and events validated as they come. */
#include "trace_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int trace__import_begin(struct trace__importer *im, const char *path,
                        const struct trace_load_options *opt, struct trace_load_report *report,
                        struct trace_error *err)
{
    memset(im, 0, sizeof *im);
    im->path = path;
    im->opt = opt;
    im->report = report;
    im->err = err;
    im->time = im->duration = TRACE_TIME_NONE;
    im->cap = 1024;
    im->slots = calloc(im->cap, sizeof *im->slots);
    im->buf = calloc(1, TRACE_IMPORT_BLOCK + 16); /* the NUL, and 8 bytes readable past it */
    trace_builder_init(&im->b);
    if (!im->slots || !im->buf) {
        free(im->slots);
        free(im->buf);
        return trace__fail(err, "%s: out of memory", path);
    }
    return 0;
}

void trace__import_abort(struct trace__importer *im)
{
    free(im->slots);
    free(im->buf);
    trace_builder_discard(&im->b);
    im->slots = NULL;
    im->buf = NULL;
}

int trace__import_finish(struct trace__importer *im, struct trace *out)
{
    char *name = trace_name_from_path(im->path);
    int rc = name ? trace_builder_finish(&im->b, name, NULL, out) : -1;
    free(name);
    trace__import_abort(im);
    return rc ? trace__fail(im->err, "%s: out of memory", im->path) : 0;
}

static size_t slot_of(const struct trace__importer *im, uint64_t addr)
{
    return trace__import_slot_of(im->cap, addr);
}

static size_t find(const struct trace__importer *im, uint64_t addr)
{
    size_t i = slot_of(im, addr);
    while (im->slots[i].key && im->slots[i].key != addr)
        i = (i + 1) & (im->cap - 1);
    return i;
}

static int grow(struct trace__importer *im)
{
    struct trace__importer old = *im;
    im->cap *= 2;
    im->slots = calloc(im->cap, sizeof *im->slots);
    if (!im->slots) {
        *im = old;
        return -1;
    }
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key)
            im->slots[find(im, old.slots[i].key)] = old.slots[i];
    free(old.slots);
    return 0;
}

/* Linear-probing deletion by backward shift: no tombstones, so lookups stay short however many
 * addresses come and go. */
static void remove_slot(struct trace__importer *im, size_t i)
{
    size_t mask = im->cap - 1;
    for (size_t j = (i + 1) & mask; im->slots[j].key; j = (j + 1) & mask) {
        size_t home = slot_of(im, im->slots[j].key);
        /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            im->slots[i] = im->slots[j];
            i = j;
        }
    }
    im->slots[i].key = 0;
    im->count--;
}

/* The validation rules an imported event can break. The id rules hold by construction: an
 * allocation takes a fresh id, a free or realloc the id of a live address, so the per-id state
 * of trace__validate_event (a cache miss per event on large traces) is not needed. */
static int check_size(const struct trace_event *ev)
{
    if (ev->op != TRACE_FREE && (ev->size == 0 || ev->size > TRACE_MAX_SIZE))
        return TRACE_PROBLEM_BAD_SIZE;
    if (ev->align_log2 > TRACE_MAX_ALIGN_LOG2)
        return TRACE_PROBLEM_BAD_ALIGN;
    return -1;
}

static int emit(struct trace__importer *im, const struct trace_event *ev, const char *why_align)
{
    char why[256];
    int p;
    if (why_align) {
        p = TRACE_PROBLEM_BAD_ALIGN;
        snprintf(why, sizeof why, "%s", why_align);
    } else {
        p = check_size(ev);
        if (p < 0 || (im->opt->keep_invalid && p < TRACE_PROBLEM_COUNT))
            return (im->time == TRACE_TIME_NONE
                        ? trace_builder_push(&im->b, ev)
                        : trace_builder_push_timed(&im->b, ev, im->time, im->duration)) == 0
                       ? 0
                       : trace__fail(im->err, "%s: out of memory", im->path);
        trace__problem_message(why, sizeof why, p, ev);
    }
    if ((im->opt->lenient || im->opt->keep_invalid) && p < TRACE_PROBLEM_COUNT) {
        im->report->dropped[p]++;
        return 0;
    }
    return trace__fail(im->err, "%s:%llu: %s", im->path, (unsigned long long)im->line, why);
}

int trace__import_alloc(struct trace__importer *im, enum trace_op op, uint64_t addr,
                        uint64_t size, uint64_t align, uint16_t thread)
{
    if (!addr)
        return 0; /* a failed allocation: nothing to replay */
    if (im->next_id == UINT32_MAX)
        return trace__fail(im->err, "%s:%llu: more than 2^32-1 objects", im->path,
                           (unsigned long long)im->line);
    if (im->count * 2 >= im->cap && grow(im) != 0)
        return trace__fail(im->err, "%s: out of memory", im->path);
    /* malloc(0) returns a unique minimum-size block; replay it as the smallest request. */
    struct trace_event ev = {.id = im->next_id, .op = (uint8_t)op, .thread = thread,
                             .size = size ? size : 1};
    char why[160];
    const char *bad_align = NULL;
    if (op == TRACE_ALIGNED) {
        if (align == 0 || (align & (align - 1))) {
            snprintf(why, sizeof why, "bad alignment: aligned of id %u with alignment %llu (not a "
                                      "power of two)", ev.id, (unsigned long long)align);
            bad_align = why;
        } else {
            ev.align_log2 = (uint8_t)__builtin_ctzll(align);
        }
    }
    /* An address allocated again without a free in between: its free was not traced. The old
     * object stays live (a leak in the replay) and the address now names the new one. */
    size_t i = find(im, addr);
    uint64_t before = im->b.n_events;
    if (emit(im, &ev, bad_align) != 0)
        return -1;
    if (im->b.n_events == before)
        return 0; /* dropped (lenient): the address stays unknown */
    im->next_id++;
    if (!im->slots[i].key) {
        im->slots[i].key = addr;
        im->count++;
    }
    im->slots[i].id = ev.id;
    return 0;
}

int trace__import_free(struct trace__importer *im, uint64_t addr, uint16_t thread)
{
    if (!addr)
        return 0; /* free(NULL) does nothing */
    size_t i = find(im, addr);
    if (!im->slots[i].key) {
        im->report->dropped[TRACE_PROBLEM_UNKNOWN_FREE]++;
        return 0;
    }
    struct trace_event ev = {.id = im->slots[i].id, .op = TRACE_FREE, .thread = thread};
    remove_slot(im, i);
    return emit(im, &ev, NULL);
}

int trace__import_realloc(struct trace__importer *im, uint64_t old_addr, uint64_t new_addr,
                          uint64_t size, uint16_t thread)
{
    if (!old_addr)
        return trace__import_alloc(im, TRACE_ALLOC, new_addr, size, 0, thread);
    if (size == 0)
        return trace__import_free(im, old_addr, thread); /* realloc(p, 0) frees p */
    if (!new_addr)
        return 0; /* failed: the old block is untouched */
    size_t i = find(im, old_addr);
    if (!im->slots[i].key) {
        /* Grown from a block allocated before tracing began: the block itself is new to us. */
        im->report->dropped[TRACE_PROBLEM_UNKNOWN_FREE]++;
        return trace__import_alloc(im, TRACE_ALLOC, new_addr, size, 0, thread);
    }
    struct trace_event ev = {.id = im->slots[i].id, .op = TRACE_REALLOC, .thread = thread, .size = size};
    uint64_t before = im->b.n_events;
    if (emit(im, &ev, NULL) != 0)
        return -1;
    if (im->b.n_events == before || new_addr == old_addr)
        return 0; /* dropped (lenient), or grown in place */
    remove_slot(im, i);
    if (im->count * 2 >= im->cap && grow(im) != 0)
        return trace__fail(im->err, "%s: out of memory", im->path);
    i = find(im, new_addr);
    if (!im->slots[i].key) {
        im->slots[i].key = new_addr;
        im->count++;
    }
    im->slots[i].id = ev.id;
    return 0;
}

/* Keeps the unread part of the block and reads more after it. 0, or -1 on a read error. */
static int refill(struct trace__importer *im)
{
    size_t left = im->fill - im->pos;
    memmove(im->buf, im->buf + im->pos, left);
    im->pos = 0;
    im->fill = left;
    size_t got = fread(im->buf + left, 1, TRACE_IMPORT_BLOCK - left, im->in);
    im->fill += got;
    /* The first NUL byte of the block, found once here rather than on every line. */
    const char *nul = memchr(im->buf, '\0', im->fill);
    im->nul = nul ? (size_t)(nul - im->buf) : SIZE_MAX;
    if (got == 0) {
        if (ferror(im->in))
            return -1;
        im->eof = 1;
    }
    return 0;
}

static int too_long(struct trace__importer *im, const char *format)
{
    return trace__fail(im->err, "%s:%llu: malformed %s line: line longer than %d bytes", im->path,
                       (unsigned long long)im->line + 1, format, TRACE_IMPORT_MAX_LINE - 1);
}

int trace__import_next_line(struct trace__importer *im, char **line, const char *format,
                            const char *lines)
{
    char *p, *nl;
    size_t len;
    for (;;) {
        p = im->buf + im->pos;
        len = im->fill - im->pos;
        nl = memchr(p, '\n', len);
        if (nl) {
            len = (size_t)(nl - p);
            im->pos += len + 1;
            break;
        }
        if (len >= TRACE_IMPORT_MAX_LINE - 1)
            return too_long(im, format);
        if (im->eof) {
            if (len == 0)
                return im->line ? 0
                                : trace__fail(im->err, "%s: empty file (no %s lines)", im->path,
                                              lines);
            nl = p + len; /* the last line, without its newline: buf has a byte to spare */
            im->pos = im->fill;
            break;
        }
        if (refill(im) != 0)
            return im->read_why && im->read_why[0]
                       ? trace__fail(im->err, "%s: %s", im->path, im->read_why)
                       : trace__fail(im->err, "%s: read error", im->path);
    }
    if (len >= TRACE_IMPORT_MAX_LINE - 1)
        return too_long(im, format);
    im->line++;
    if ((size_t)(nl - im->buf) > im->nul)
        return trace__fail(im->err, "%s:%llu: malformed %s line: NUL byte in the line", im->path,
                           (unsigned long long)im->line, format);
    *nl = '\0';
    *line = p;
    return 1;
}

/* Every byte listed: 16 means "not a hex digit". */
const unsigned char trace__hex_digit[256] = {
#define X16 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16
    X16, X16, X16,                                                  /* 0x00-0x2f */
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 16, 16, 16, 16, 16,           /* 0x30: 0-9 */
    16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16, /* 0x40: A-F */
    X16,                                                            /* 0x50 */
    16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16, /* 0x60: a-f */
    X16, X16, X16, X16, X16, X16, X16, X16, X16,                    /* 0x70-0xff */
#undef X16
};

/* The slow path of trace__import_hex/dec: no digits, or more than fit without a check. */
int trace__import_long_number(const char **s, const char *digits, const char *end, int hex,
                              uint64_t *out)
{
    if (digits == end)
        return -1;
    while (*digits == '0' && end - digits > 1)
        digits++; /* leading zeros cannot overflow */
    uint64_t v = 0;
    for (const char *p = digits; p < end; p++) {
        unsigned d = trace__hex_digit[(unsigned char)*p];
        if (hex ? v >> 60 != 0 : v > (UINT64_MAX - d) / 10)
            return -1;
        v = hex ? v << 4 | d : v * 10 + d;
    }
    return trace__import_skip_blanks(s, end, v, out);
}
