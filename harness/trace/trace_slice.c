/* trace_slice (trace_slice.h): one pass over the events up to the range's end, deciding each
 * object's fate when it enters the slice; the allocations of objects alive at the cut are
 * collected apart and put in front of the kept events. */
#include "trace/trace_slice.h"
#include "trace_io.h"

#include <stdlib.h>
#include <string.h>

enum {
    F_LIVE = 1,     /* the id names a live object */
    F_AT_CUT = 2,   /* it was live at the range's start and has not entered yet */
    F_KEPT = 4,     /* it entered and is kept under new_id */
    F_DROPPED = 8,  /* it entered and is dropped */
    F_CUT_DROP = 16 /* dropped by the cut policy: its events are counted */
};

struct object { /* the current lifetime of one id */
    uint64_t size;
    uint32_t new_id;
    uint16_t thread; /* of its allocation */
    uint8_t op, align_log2, flags;
};

struct slicer {
    const struct trace *in;
    const struct trace_slice_spec *spec;
    struct trace_slice_report *rep;
    struct object *obj;
    struct trace_builder prefix, body; /* the cut objects' allocations; the kept events */
    uint32_t next_id;
    /* Images (only when spec->images): each thread's last event, the threads seen. */
    uint64_t *last_event;
    uint8_t *seen;
    uint32_t open;   /* threads between their first and last event */
    uint64_t live;   /* objects live, over every event so far */
    int64_t image;   /* of the current event; -1 before the first */
    int64_t cut_image;
    int timed;
};

static int image_selected(const struct slicer *s, int64_t image)
{
    return !s->spec->images ||
           (image >= 0 && (uint64_t)image < s->spec->n_images && s->spec->images[image]);
}

static int size_ok(const struct trace_slice_spec *spec, uint64_t size)
{
    return size >= spec->min_size && (!spec->max_size || size <= spec->max_size);
}

static int push(struct slicer *s, struct trace_builder *b, const struct trace_event *ev,
                uint64_t time, uint64_t duration)
{
    return s->timed ? trace_builder_push_timed(b, ev, time, duration) : trace_builder_push(b, ev);
}

/* Puts the allocation of a cut object, as it is now, in front of the slice. */
static int allocate_at_start(struct slicer *s, struct object *o, uint16_t thread)
{
    o->flags |= F_KEPT;
    o->new_id = s->next_id++;
    s->rep->cut_allocated++;
    struct trace_event ev = {.id = o->new_id, .op = o->op, .align_log2 = o->align_log2,
                             .thread = thread, .size = o->size};
    return push(s, &s->prefix, &ev, 0, TRACE_TIME_NONE) ? -1 : 0;
}

/* An object alive at the cut enters: on a selected realloc or free (thread), or, when none of
 * its events was selected, at its free or at the end (thread of its allocation). */
static int enter_at_cut(struct slicer *s, struct object *o, uint16_t thread)
{
    if (!size_ok(s->spec, o->size)) {
        o->flags |= F_DROPPED;
        s->rep->size_dropped++;
        return 0;
    }
    if (s->spec->cut == TRACE_CUT_DROP) {
        o->flags |= F_DROPPED | F_CUT_DROP;
        s->rep->cut_dropped++;
        return 0;
    }
    return allocate_at_start(s, o, thread);
}

/* A cut object none of whose events was selected: it belongs to the slice if its allocating
 * thread and the image at the cut are selected. */
static int enter_unseen(struct slicer *s, struct object *o)
{
    const struct trace_slice_spec *spec = s->spec;
    if ((spec->threads && !spec->threads[o->thread]) || !image_selected(s, s->cut_image)) {
        o->flags |= F_DROPPED;
        return 0;
    }
    return enter_at_cut(s, o, o->thread);
}

/* The first selected event of an object decides its fate. */
static int enter(struct slicer *s, struct object *o, const struct trace_event *ev)
{
    if (ev->op == TRACE_REALLOC || ev->op == TRACE_FREE)
        return enter_at_cut(s, o, ev->thread);
    if (!size_ok(s->spec, ev->size)) {
        o->flags |= F_DROPPED;
        s->rep->size_dropped++;
        return 0;
    }
    o->flags |= F_KEPT;
    o->new_id = s->next_id++;
    return 0;
}

/* Image bookkeeping before event i (the rule of the threaded replay's schedule). */
static void image_before(struct slicer *s, const struct trace_event *ev)
{
    if (!s->seen[ev->thread]) {
        if (s->open == 0 && s->live == 0)
            s->image++;
        s->seen[ev->thread] = 1;
        s->open++;
    }
}

static void image_after(struct slicer *s, uint64_t i, const struct trace_event *ev)
{
    s->live += ev->op <= TRACE_ALIGNED;
    s->live -= ev->op == TRACE_FREE;
    if (s->last_event[ev->thread] == i)
        s->open--;
}

/* Marks every live object as alive at the cut (before event first, in the current image). */
static void cut(struct slicer *s)
{
    for (uint32_t id = 0; id < s->in->n_ids; id++)
        if (s->obj[id].flags & F_LIVE)
            s->obj[id].flags |= F_AT_CUT;
    s->cut_image = s->image;
}

/* Applies event i to its object, keeping it if selected and its object is kept. */
static int step(struct slicer *s, uint64_t i)
{
    const struct trace *in = s->in;
    const struct trace_event *ev = &in->events[i];
    struct object *o = &s->obj[ev->id];
    if (ev->op <= TRACE_ALIGNED)
        *o = (struct object){.size = ev->size, .thread = ev->thread, .op = ev->op,
                             .align_log2 = ev->align_log2, .flags = F_LIVE};
    int selected = i >= s->spec->first && (!s->spec->threads || s->spec->threads[ev->thread]) &&
                   image_selected(s, s->image);
    if (selected && !(o->flags & (F_KEPT | F_DROPPED)) && enter(s, o, ev) != 0)
        return -1;
    if (selected && (o->flags & F_KEPT)) {
        struct trace_event out = *ev;
        out.id = o->new_id;
        if (push(s, &s->body, &out, in->times ? in->times[i] : 0,
                 in->durations ? in->durations[i] : TRACE_TIME_NONE) != 0)
            return -1;
        s->rep->events_kept++;
    } else if (selected && (o->flags & F_CUT_DROP)) {
        s->rep->cut_dropped_events++;
    }
    if (ev->op == TRACE_REALLOC)
        o->size = ev->size;
    if (ev->op == TRACE_FREE) {
        if ((o->flags & F_AT_CUT) && !(o->flags & (F_KEPT | F_DROPPED)) && enter_unseen(s, o))
            return -1;
        o->flags = 0;
    }
    return 0;
}

/* Each thread's last event, for the image rule. */
static int find_last_events(struct slicer *s)
{
    s->last_event = malloc(65536 * sizeof *s->last_event);
    s->seen = calloc(65536, 1);
    if (!s->last_event || !s->seen)
        return -1;
    for (uint64_t i = 0; i < s->in->n_events; i++)
        s->last_event[s->in->events[i].thread] = i;
    return 0;
}

static int run(struct slicer *s, uint64_t stop)
{
    for (uint64_t i = 0; i < stop; i++) {
        const struct trace_event *ev = &s->in->events[i];
        if (s->spec->images)
            image_before(s, ev);
        if (i == s->spec->first)
            cut(s);
        if (step(s, i) != 0)
            return -1;
        if (s->spec->images)
            image_after(s, i, ev);
    }
    if (s->spec->first == stop)
        cut(s);
    /* Cut objects still live and undecided at the end enter now. */
    for (uint32_t id = 0; id < s->in->n_ids; id++) {
        struct object *o = &s->obj[id];
        if ((o->flags & (F_LIVE | F_AT_CUT | F_KEPT | F_DROPPED)) == (F_LIVE | F_AT_CUT) &&
            enter_unseen(s, o) != 0)
            return -1;
    }
    if (s->spec->images)
        s->rep->images = (uint32_t)(s->image + 1);
    return 0;
}

/* The thread exits within the slice: not before its first time, and, when the range ends
 * before the trace does, not after the range's last event. */
static int copy_exits(struct slicer *s, struct trace_builder *b, uint64_t t0, uint64_t stop)
{
    const struct trace *in = s->in;
    if (!in->thread_exits)
        return 0;
    uint64_t t_end = UINT64_MAX;
    if (stop < in->n_events) {
        t_end = 0;
        for (uint64_t i = s->spec->first; i < stop; i++)
            if (in->times[i] > t_end)
                t_end = in->times[i];
    }
    for (uint32_t k = 0; k < in->n_threads; k++) {
        uint64_t x = in->thread_exits[k];
        if (x == TRACE_TIME_NONE || x < t0 || x > t_end || (s->spec->threads && !s->spec->threads[k]))
            continue;
        if (trace_builder_thread_exit(b, (uint16_t)k, x - t0) != 0)
            return -1;
    }
    return 0;
}

/* The cut objects' allocations, then the kept events, times counted from the first kept one. */
static int assemble(struct slicer *s, struct trace_builder *out, uint64_t stop)
{
    uint64_t t0 = 0;
    if (s->timed && s->body.n_events) {
        t0 = UINT64_MAX;
        for (uint64_t i = 0; i < s->body.n_events; i++)
            if (s->body.times[i] < t0)
                t0 = s->body.times[i];
    }
    for (uint64_t i = 0; i < s->prefix.n_events; i++)
        if (push(s, out, &s->prefix.events[i], 0, TRACE_TIME_NONE) != 0)
            return -1;
    for (uint64_t i = 0; i < s->body.n_events; i++)
        if (push(s, out, &s->body.events[i], s->timed ? s->body.times[i] - t0 : 0,
                 s->timed ? s->body.durations[i] : TRACE_TIME_NONE) != 0)
            return -1;
    return s->timed ? copy_exits(s, out, t0, stop) : 0;
}

static void slicer_free(struct slicer *s)
{
    free(s->obj);
    free(s->last_event);
    free(s->seen);
    trace_builder_discard(&s->prefix);
    trace_builder_discard(&s->body);
}

int trace_slice(const struct trace *in, const struct trace_slice_spec *spec, struct trace *out,
                struct trace_slice_report *rep, struct trace_error *err)
{
    memset(rep, 0, sizeof *rep);
    memset(out, 0, sizeof *out);
    if (spec->first > in->n_events)
        return trace__fail(err, "%s: the range starts at event %llu, past the trace's %llu "
                                "events", in->name ? in->name : "trace",
                           (unsigned long long)spec->first, (unsigned long long)in->n_events);
    uint64_t stop = spec->end < in->n_events ? spec->end : in->n_events;
    if (stop < spec->first)
        stop = spec->first;
    struct slicer s = {.in = in, .spec = spec, .rep = rep, .image = -1, .cut_image = -1,
                       .timed = in->times != NULL};
    trace_builder_init(&s.prefix);
    trace_builder_init(&s.body);
    struct trace_builder b;
    trace_builder_init(&b);
    s.obj = calloc(in->n_ids ? in->n_ids : 1, sizeof *s.obj);
    int rc = !s.obj || (spec->images && find_last_events(&s) != 0) || run(&s, stop) != 0 ||
                     assemble(&s, &b, stop) != 0 ||
                     trace_builder_finish(&b, in->name, in->description, out) != 0
                 ? -1
                 : 0;
    slicer_free(&s);
    trace_builder_discard(&b);
    if (rc != 0)
        return trace__fail(err, "%s: out of memory while slicing", in->name ? in->name : "trace");
    rep->objects_kept = s.next_id;
    return 0;
}
