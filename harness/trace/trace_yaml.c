/* YAML traces (docs/trace-format.md), read with libyaml's event parser and written with its
 * emitter.
 *
 * The reader walks parser events directly (no document tree), parses integers by hand and
 * validates each trace event as soon as it is complete, so an error can name the line and
 * column of the event and a 10-million-event file costs little more than libyaml's own scan. */
#include "trace_io.h"
#include "util/input.h"
#include "util/atomic_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define FORMAT_ID "allocreplay-trace/1"
#define MAX_ID 0xFFFFFFFEu /* n_ids = max id + 1 must fit in 32 bits */
#define MAX_THREAD 0xFFFFu

struct reader {
    const char *path;
    const struct trace_load_options *opt;
    struct trace_load_report *report;
    struct trace_error *err;
    FILE *f;
    yaml_parser_t parser;
    yaml_event_t ev;
    int have_event;
    struct trace_builder b;
    struct trace_validator v;
    char *name, *description;
    int timed; /* -1 before the first event; then whether events carry a time */
};

/* libyaml marks count from 0; people count lines and columns from 1. */
static int fail_at(struct reader *r, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(struct reader *r, yaml_mark_t mark, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return trace__fail(r->err, "%s:%zu:%zu: %s", r->path, mark.line + 1, mark.column + 1, why);
}

static int next(struct reader *r)
{
    if (r->have_event)
        yaml_event_delete(&r->ev);
    r->have_event = 0;
    if (!yaml_parser_parse(&r->parser, &r->ev)) {
        return input_yaml_error(&r->parser, r->f, r->path, r->err->msg, sizeof r->err->msg);
    }
    r->have_event = 1;
    if (r->ev.type == YAML_ALIAS_EVENT)
        return fail_at(r, r->ev.start_mark, "aliases (*name) are not supported in traces");
    /* A "\0" escape puts a NUL inside a scalar: C string compares would see only the part
     * before it, so "alloc\0junk" would pass for alloc. No field of a trace can hold one. */
    if (r->ev.type == YAML_SCALAR_EVENT &&
        memchr(r->ev.data.scalar.value, '\0', r->ev.data.scalar.length))
        return fail_at(r, r->ev.start_mark, "NUL character (\\0) in a scalar");
    return 0;
}

static const char *scalar(const struct reader *r)
{
    return (const char *)r->ev.data.scalar.value;
}

/* The current scalar, fit for a one-line message (at most 40 bytes, no control characters). */
#define SHOWN(r) input_printable((char[48]){0}, 48, scalar(r), 40)

static const char *event_kind(yaml_event_type_t t)
{
    switch (t) {
    case YAML_MAPPING_START_EVENT:
        return "a mapping";
    case YAML_SEQUENCE_START_EVENT:
        return "a sequence";
    case YAML_SCALAR_EVENT:
        return "a scalar";
    default:
        return "end of input";
    }
}

/* Unsigned decimal or 0x hexadecimal, as a plain scalar, at most max. */
static int parse_uint(struct reader *r, const char *what, uint64_t max, uint64_t *out)
{
    if (r->ev.type != YAML_SCALAR_EVENT)
        return fail_at(r, r->ev.start_mark, "%s: expected an unsigned integer, got %s", what,
                       event_kind(r->ev.type));
    const char *s = scalar(r);
    size_t len = r->ev.data.scalar.length;
    uint64_t v = 0;
    int ok = len > 0 && r->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (ok && len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (size_t i = 2; i < len && ok; i++) {
            unsigned c = (unsigned char)s[i], d;
            if (c - '0' < 10)
                d = c - '0';
            else if ((c | 0x20) - 'a' < 6)
                d = (c | 0x20) - 'a' + 10;
            else {
                ok = 0;
                break;
            }
            if (v >> 60)
                return fail_at(r, r->ev.start_mark, "%s: %s is out of range", what, SHOWN(r));
            v = v << 4 | d;
        }
    } else {
        for (size_t i = 0; i < len && ok; i++) {
            unsigned d = (unsigned char)s[i] - '0';
            if (d >= 10) {
                ok = 0;
                break;
            }
            if (v > (UINT64_MAX - d) / 10)
                return fail_at(r, r->ev.start_mark, "%s: %s is out of range", what, SHOWN(r));
            v = v * 10 + d;
        }
    }
    if (!ok)
        return fail_at(r, r->ev.start_mark, "%s: expected an unsigned integer, got %s'%s'", what,
                       r->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "" : "the quoted string ",
                       SHOWN(r));
    if (v > max)
        return fail_at(r, r->ev.start_mark, "%s: %s is out of range (at most %llu)", what,
                       SHOWN(r), (unsigned long long)max);
    *out = v;
    return 0;
}

static int parse_op(struct reader *r, enum trace_op *op)
{
    if (r->ev.type != YAML_SCALAR_EVENT || trace_op_parse(scalar(r), op) != 0)
        return fail_at(r, r->ev.start_mark,
                       "op: expected alloc, calloc, aligned, realloc or free, got %s%s%s",
                       r->ev.type == YAML_SCALAR_EVENT ? "'" : "",
                       r->ev.type == YAML_SCALAR_EVENT ? SHOWN(r) : event_kind(r->ev.type),
                       r->ev.type == YAML_SCALAR_EVENT ? "'" : "");
    return 0;
}

/* The fields of one event as written, before they become a struct trace_event. */
enum { F_OP = 1, F_ID = 2, F_SIZE = 4, F_ALIGN = 8, F_THREAD = 16, F_TIME = 32, F_DURATION = 64 };
struct fields {
    unsigned have;
    enum trace_op op;
    uint64_t id, size, align, thread, time, duration;
    yaml_mark_t align_mark;
};

static int read_field(struct reader *r, struct fields *f, unsigned which)
{
    switch (which) {
    case F_OP:
        return parse_op(r, &f->op);
    case F_ID:
        return parse_uint(r, "id", MAX_ID, &f->id);
    case F_SIZE:
        return parse_uint(r, "size", UINT64_MAX, &f->size);
    case F_ALIGN:
        f->align_mark = r->ev.start_mark;
        return parse_uint(r, "align", UINT64_MAX, &f->align);
    case F_TIME:
        return parse_uint(r, "time", TRACE_MAX_TIME, &f->time);
    case F_DURATION:
        return parse_uint(r, "duration", TRACE_MAX_TIME, &f->duration);
    default:
        return parse_uint(r, "thread", MAX_THREAD, &f->thread);
    }
}

static int read_mapping_event(struct reader *r, struct fields *f)
{
    static const char *const keys[] = {"op", "id", "size", "align", "thread", "time", "duration"};
    for (;;) {
        if (next(r) != 0)
            return -1;
        if (r->ev.type == YAML_MAPPING_END_EVENT)
            return 0;
        if (r->ev.type != YAML_SCALAR_EVENT)
            return fail_at(r, r->ev.start_mark, "expected an event key, got %s",
                           event_kind(r->ev.type));
        unsigned which = 0;
        for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (!strcmp(scalar(r), keys[i]))
                which = 1u << i;
        if (!which)
            return fail_at(r, r->ev.start_mark, "unknown event key '%s' (known: op, id, size, "
                                                "align, thread, time, duration)", SHOWN(r));
        if (f->have & which)
            return fail_at(r, r->ev.start_mark, "duplicate event key '%s'", scalar(r));
        f->have |= which;
        if (next(r) != 0 || read_field(r, f, which) != 0)
            return -1;
    }
}

static unsigned compact_arity(enum trace_op op)
{
    return op == TRACE_FREE ? 2 : op == TRACE_ALIGNED ? 4 : 3;
}

/* "[free, id]", "[aligned, id, size, align]", "[alloc, id, size]"... for messages. */
static const char *compact_shape(enum trace_op op, char *buf, size_t len)
{
    snprintf(buf, len, "[%s, id%s]", trace_op_name(op),
             op == TRACE_FREE ? "" : op == TRACE_ALIGNED ? ", size, align" : ", size");
    return buf;
}

/* Whether the current item is a plain scalar "<digits>ns" (a time in the compact form). */
static int ns_suffix(const struct reader *r)
{
    size_t len = r->ev.data.scalar.length;
    const char *s = scalar(r);
    return r->ev.type == YAML_SCALAR_EVENT && r->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
           len > 2 && s[len - 2] == 'n' && s[len - 1] == 's' && s[0] >= '0' && s[0] <= '9';
}

static int read_sequence_event(struct reader *r, struct fields *f, yaml_mark_t start)
{
    static const unsigned order[] = {F_OP, F_ID, F_SIZE, F_ALIGN};
    unsigned n = 0;
    char shape[40];
    for (;;) {
        if (next(r) != 0)
            return -1;
        if (r->ev.type == YAML_SEQUENCE_END_EVENT)
            break;
        /* After the op's own items, the time and then the duration, each written with an "ns"
         * suffix, so that a stray number is still "too many items", never a time. */
        unsigned arity = n >= 1 ? compact_arity(f->op) : 4;
        if (n >= arity && n < arity + 2 && ns_suffix(r)) {
            unsigned which = n == arity ? F_TIME : F_DURATION;
            r->ev.data.scalar.length -= 2;
            r->ev.data.scalar.value[r->ev.data.scalar.length] = '\0';
            if (read_field(r, f, which) != 0)
                return -1;
            f->have |= which;
            n++;
            continue;
        }
        if (n >= arity)
            return fail_at(r, r->ev.start_mark, "too many items: a compact %s event is %s",
                           trace_op_name(f->op), compact_shape(f->op, shape, sizeof shape));
        if (read_field(r, f, order[n]) != 0)
            return -1;
        f->have |= order[n++];
    }
    if (n == 0)
        return fail_at(r, start, "empty event: expected [op, id, ...]");
    if (n < compact_arity(f->op))
        return fail_at(r, start, "too few items: a compact %s event is %s", trace_op_name(f->op),
                       compact_shape(f->op, shape, sizeof shape));
    return 0;
}

/* Checks the fields, validates the event and keeps or drops it. */
static int finish_event(struct reader *r, const struct fields *f, yaml_mark_t start)
{
    if (!(f->have & F_OP))
        return fail_at(r, start, "event without op");
    if (!(f->have & F_ID))
        return fail_at(r, start, "%s event without id", trace_op_name(f->op));
    if (f->op == TRACE_FREE && (f->have & F_SIZE))
        return fail_at(r, start, "free takes no size");
    if (f->op != TRACE_FREE && !(f->have & F_SIZE))
        return fail_at(r, start, "%s event without size", trace_op_name(f->op));
    if (f->op == TRACE_ALIGNED && !(f->have & F_ALIGN))
        return fail_at(r, start, "aligned event without align");
    if (f->op != TRACE_ALIGNED && (f->have & F_ALIGN))
        return fail_at(r, start, "align is only for aligned events");
    if ((f->have & F_DURATION) && !(f->have & F_TIME))
        return fail_at(r, start, "duration without time");
    int timed = (f->have & F_TIME) != 0;
    if (r->timed < 0)
        r->timed = timed;
    else if (r->timed != timed)
        return fail_at(r, start, "%s: a trace has a time on every event or on none",
                       timed ? "event with a time after events without" : "event without a time");

    struct trace_event ev = {.id = (uint32_t)f->id, .op = (uint8_t)f->op,
                             .thread = (uint16_t)f->thread, .size = f->size};
    int problem = -1;
    char why[256];
    if (f->op == TRACE_ALIGNED) {
        if (f->align == 0 || (f->align & (f->align - 1))) {
            problem = TRACE_PROBLEM_BAD_ALIGN;
            snprintf(why, sizeof why,
                     "bad alignment: aligned of id %u with alignment %llu (not a power of two)",
                     ev.id, (unsigned long long)f->align);
        } else {
            ev.align_log2 = (uint8_t)__builtin_ctzll(f->align); /* a power of two: its log2 */
        }
    }
    int representable = problem < 0;
    if (problem < 0) {
        problem = trace__validate_event(&r->v, &ev);
        if (problem >= 0)
            trace__problem_message(why, sizeof why, problem, &ev);
    }
    if (problem < 0 || (r->opt->keep_invalid && representable && problem < TRACE_PROBLEM_COUNT)) {
        int rc = timed ? trace_builder_push_timed(&r->b, &ev, f->time,
                                                  f->have & F_DURATION ? f->duration
                                                                       : TRACE_TIME_NONE)
                       : trace_builder_push(&r->b, &ev);
        return rc == 0 ? 0 : trace__fail(r->err, "%s: out of memory", r->path);
    }
    if ((r->opt->lenient || r->opt->keep_invalid) && problem < TRACE_PROBLEM_COUNT) {
        r->report->dropped[problem]++;
        return 0;
    }
    return fail_at(r, problem == TRACE_PROBLEM_BAD_ALIGN && (f->have & F_ALIGN) ? f->align_mark
                                                                                 : start,
                   "%s", why);
}

static int read_events(struct reader *r)
{
    if (r->ev.type != YAML_SEQUENCE_START_EVENT)
        return fail_at(r, r->ev.start_mark, "events: expected a sequence, got %s",
                       event_kind(r->ev.type));
    for (;;) {
        if (next(r) != 0)
            return -1;
        yaml_mark_t start = r->ev.start_mark;
        struct fields f = {0};
        if (r->ev.type == YAML_SEQUENCE_END_EVENT)
            return 0;
        if (r->ev.type == YAML_MAPPING_START_EVENT) {
            if (read_mapping_event(r, &f) != 0)
                return -1;
        } else if (r->ev.type == YAML_SEQUENCE_START_EVENT) {
            if (read_sequence_event(r, &f, start) != 0)
                return -1;
        } else {
            return fail_at(r, start, "event: expected a mapping {op: ...} or a sequence [op, id, "
                                     "...], got %s", event_kind(r->ev.type));
        }
        if (finish_event(r, &f, start) != 0)
            return -1;
    }
}

static int read_string(struct reader *r, const char *key, char **out)
{
    if (r->ev.type != YAML_SCALAR_EVENT)
        return fail_at(r, r->ev.start_mark, "%s: expected a string, got %s", key,
                       event_kind(r->ev.type));
    *out = strdup(scalar(r));
    return *out ? 0 : trace__fail(r->err, "%s: out of memory", r->path);
}

/* thread_exits: {THREAD: NS, ...} */
static int read_thread_exits(struct reader *r)
{
    if (r->ev.type != YAML_MAPPING_START_EVENT)
        return fail_at(r, r->ev.start_mark, "thread_exits: expected a mapping {thread: ns}, got %s",
                       event_kind(r->ev.type));
    for (;;) {
        if (next(r) != 0)
            return -1;
        if (r->ev.type == YAML_MAPPING_END_EVENT)
            return 0;
        uint64_t thread, time;
        if (parse_uint(r, "thread_exits: thread", MAX_THREAD, &thread) != 0)
            return -1;
        if (thread < r->b.n_thread_exits && r->b.thread_exits[thread] != TRACE_TIME_NONE)
            return fail_at(r, r->ev.start_mark, "thread_exits: duplicate thread %llu",
                           (unsigned long long)thread);
        if (next(r) != 0 || parse_uint(r, "thread_exits: time", TRACE_MAX_TIME, &time) != 0)
            return -1;
        if (trace_builder_thread_exit(&r->b, (uint16_t)thread, time) != 0)
            return trace__fail(r->err, "%s: out of memory", r->path);
    }
}

static int read_document(struct reader *r)
{
    if (next(r) != 0 || next(r) != 0) /* stream start, then document start */
        return -1;
    if (r->ev.type == YAML_STREAM_END_EVENT)
        return fail_at(r, r->ev.start_mark, "empty file: expected format, name, events");
    if (next(r) != 0)
        return -1;
    if (r->ev.type != YAML_MAPPING_START_EVENT)
        return fail_at(r, r->ev.start_mark, "expected a mapping with format, name, description, "
                                            "events; got %s", event_kind(r->ev.type));
    yaml_mark_t top = r->ev.start_mark;
    int have_format = 0, have_events = 0, have_exits = 0;
    for (;;) {
        if (next(r) != 0)
            return -1;
        if (r->ev.type == YAML_MAPPING_END_EVENT)
            break;
        if (r->ev.type != YAML_SCALAR_EVENT)
            return fail_at(r, r->ev.start_mark, "expected a key, got %s", event_kind(r->ev.type));
        yaml_mark_t key_mark = r->ev.start_mark;
        const char *key = scalar(r);
        int dup;
        if (!strcmp(key, "format"))
            dup = have_format++;
        else if (!strcmp(key, "name"))
            dup = r->name != NULL;
        else if (!strcmp(key, "description"))
            dup = r->description != NULL;
        else if (!strcmp(key, "events"))
            dup = have_events++;
        else if (!strcmp(key, "thread_exits"))
            dup = have_exits++;
        else
            return fail_at(r, key_mark, "unknown key '%s' (known: format, name, description, "
                                        "events, thread_exits)", SHOWN(r));
        if (dup)
            return fail_at(r, key_mark, "duplicate key '%s'", key);
        char first = key[0]; /* the key's event is gone after next() */
        if (next(r) != 0)
            return -1;
        int rc = 0;
        if (first == 'f') {
            if (r->ev.type != YAML_SCALAR_EVENT || strcmp(scalar(r), FORMAT_ID) != 0)
                return fail_at(r, r->ev.start_mark, "format: expected %s", FORMAT_ID);
        } else if (first == 'n') {
            rc = read_string(r, "name", &r->name);
        } else if (first == 'd') {
            rc = read_string(r, "description", &r->description);
        } else if (first == 't') {
            rc = read_thread_exits(r);
        } else {
            rc = read_events(r);
        }
        if (rc != 0)
            return -1;
    }
    if (!have_format)
        return fail_at(r, top, "missing key 'format' (expected format: " FORMAT_ID ")");
    if (!have_events)
        return fail_at(r, top, "missing key 'events'");
    if (next(r) != 0 || next(r) != 0) /* document end, then stream end */
        return -1;
    if (r->ev.type != YAML_STREAM_END_EVENT)
        return fail_at(r, r->ev.start_mark, "a trace file holds one YAML document");
    return 0;
}

int trace__yaml_read(const char *path, const struct trace_load_options *opt, struct trace *out,
                     struct trace_load_report *report, struct trace_error *err)
{
    struct reader r = {.path = path, .opt = opt, .report = report, .err = err, .timed = -1};
    FILE *f = fopen(path, "rb");
    if (!f)
        return trace__fail(err, "%s: cannot open: %s", path, strerror(errno));
    if (!yaml_parser_initialize(&r.parser)) {
        fclose(f);
        return trace__fail(err, "%s: out of memory", path);
    }
    r.f = f;
    yaml_parser_set_input_file(&r.parser, f);
    trace_builder_init(&r.b);
    int rc = trace__validator_init(&r.v, 0, 1);
    if (rc != 0)
        trace__fail(err, "%s: out of memory", path);
    else
        rc = read_document(&r);
    if (rc == 0 && ferror(f))
        rc = trace__fail(err, "%s: read error", path);
    if (r.have_event)
        yaml_event_delete(&r.ev);
    yaml_parser_delete(&r.parser);
    fclose(f);
    trace__validator_free(&r.v);
    if (rc == 0 && !r.name && !(r.name = trace_name_from_path(path)))
        rc = trace__fail(err, "%s: out of memory", path);
    if (rc == 0 && trace_builder_finish(&r.b, r.name, r.description, out) != 0)
        rc = trace__fail(err, "%s: out of memory", path);
    if (rc == 0 && !r.opt->keep_invalid && trace_validate_times(out, path, err) != 0) {
        trace_release(out);
        rc = -1;
    }
    if (rc != 0)
        trace_builder_discard(&r.b);
    free(r.name);
    free(r.description);
    return rc;
}

/* ---- writing ---- */

struct writer {
    yaml_emitter_t e;
    int ok;
};

static void emit(struct writer *w, yaml_event_t *ev, int initialized)
{
    if (!initialized)
        w->ok = 0;
    if (w->ok && !yaml_emitter_emit(&w->e, ev))
        w->ok = 0;
    else if (!w->ok && initialized)
        yaml_event_delete(ev); /* the emitter owns only the events it was given */
}

static void emit_scalar(struct writer *w, const char *s, size_t len, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    emit(w, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1,
                                              style));
}

/* v in decimal, then suffix ("" or the compact form's "ns"). */
static void emit_uint(struct writer *w, uint64_t v, const char *suffix)
{
    char buf[24], *p = buf + sizeof buf - 2;
    memcpy(p, suffix, strlen(suffix));
    char *end = p + strlen(suffix);
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    emit_scalar(w, p, (size_t)(end - p), YAML_PLAIN_SCALAR_STYLE);
}

static void emit_word(struct writer *w, const char *s)
{
    emit_scalar(w, s, strlen(s), YAML_PLAIN_SCALAR_STYLE);
}

/* Compact form [op, id, size, align] for thread 0, followed by the time and the duration when
 * the event has them; a flow mapping when a thread is recorded, since the compact form has no
 * place for it. */
static void emit_event(struct writer *w, const struct trace_event *ev, uint64_t time,
                       uint64_t duration)
{
    yaml_event_t y;
    const char *op = trace_op_name((enum trace_op)ev->op);
    int mapping = ev->thread != 0;
    if (mapping)
        emit(w, &y, yaml_mapping_start_event_initialize(&y, NULL, NULL, 1, YAML_FLOW_MAPPING_STYLE));
    else
        emit(w, &y, yaml_sequence_start_event_initialize(&y, NULL, NULL, 1,
                                                          YAML_FLOW_SEQUENCE_STYLE));
    if (mapping)
        emit_word(w, "op");
    emit_word(w, op);
    if (mapping)
        emit_word(w, "id");
    emit_uint(w, ev->id, "");
    if (ev->op != TRACE_FREE) {
        if (mapping)
            emit_word(w, "size");
        emit_uint(w, ev->size, "");
    }
    if (ev->op == TRACE_ALIGNED) {
        if (mapping)
            emit_word(w, "align");
        emit_uint(w, (uint64_t)1 << ev->align_log2, "");
    }
    if (mapping) {
        emit_word(w, "thread");
        emit_uint(w, ev->thread, "");
    }
    if (time != TRACE_TIME_NONE) {
        if (mapping)
            emit_word(w, "time");
        emit_uint(w, time, mapping ? "" : "ns");
    }
    if (duration != TRACE_TIME_NONE) {
        if (mapping)
            emit_word(w, "duration");
        emit_uint(w, duration, mapping ? "" : "ns");
    }
    if (mapping) {
        emit(w, &y, yaml_mapping_end_event_initialize(&y));
    } else {
        emit(w, &y, yaml_sequence_end_event_initialize(&y));
    }
}

int trace__yaml_write(const char *path, const struct trace *t, struct trace_error *err)
{
    struct atomic_file af;
    if (atomic_file_open(&af, path, err->msg, sizeof err->msg) != 0)
        return -1;
    struct writer w = {.ok = 1};
    if (!yaml_emitter_initialize(&w.e)) {
        atomic_file_abort(&af);
        return trace__fail(err, "%s: out of memory", path);
    }
    yaml_emitter_set_output_file(&w.e, af.f);
    yaml_emitter_set_unicode(&w.e, 1);
    yaml_emitter_set_width(&w.e, -1); /* never fold a long description */
    yaml_event_t y;
    emit(&w, &y, yaml_stream_start_event_initialize(&y, YAML_UTF8_ENCODING));
    emit(&w, &y, yaml_document_start_event_initialize(&y, NULL, NULL, NULL, 1));
    emit(&w, &y, yaml_mapping_start_event_initialize(&y, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE));
    emit_word(&w, "format");
    emit_word(&w, FORMAT_ID);
    if (t->name) {
        emit_word(&w, "name");
        emit_scalar(&w, t->name, strlen(t->name), YAML_ANY_SCALAR_STYLE);
    }
    if (t->description) {
        emit_word(&w, "description");
        emit_scalar(&w, t->description, strlen(t->description), YAML_ANY_SCALAR_STYLE);
    }
    emit_word(&w, "events");
    emit(&w, &y, yaml_sequence_start_event_initialize(&y, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE));
    for (uint64_t i = 0; i < t->n_events && w.ok; i++)
        emit_event(&w, &t->events[i], t->times ? t->times[i] : TRACE_TIME_NONE,
                   t->times && t->durations ? t->durations[i] : TRACE_TIME_NONE);
    emit(&w, &y, yaml_sequence_end_event_initialize(&y));
    int any_exit = 0;
    for (uint32_t k = 0; t->thread_exits && k < t->n_threads; k++)
        any_exit |= t->thread_exits[k] != TRACE_TIME_NONE;
    if (any_exit) {
        emit_word(&w, "thread_exits");
        emit(&w, &y, yaml_mapping_start_event_initialize(&y, NULL, NULL, 1,
                                                          YAML_FLOW_MAPPING_STYLE));
        for (uint32_t k = 0; k < t->n_threads; k++)
            if (t->thread_exits[k] != TRACE_TIME_NONE) {
                emit_uint(&w, k, "");
                emit_uint(&w, t->thread_exits[k], "");
            }
        emit(&w, &y, yaml_mapping_end_event_initialize(&y));
    }
    emit(&w, &y, yaml_mapping_end_event_initialize(&y));
    emit(&w, &y, yaml_document_end_event_initialize(&y, 1));
    emit(&w, &y, yaml_stream_end_event_initialize(&y));
    if (!w.ok) {
        trace__fail(err, "%s: cannot write YAML: %s", path,
                    w.e.problem ? w.e.problem : "out of memory");
        yaml_emitter_delete(&w.e);
        atomic_file_abort(&af);
        return -1;
    }
    yaml_emitter_delete(&w.e);
    return atomic_file_commit(&af, err->msg, sizeof err->msg);
}
