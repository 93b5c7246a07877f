/* The in-memory trace model shared by every reader, writer, importer and the replay.
 *
 * A trace is a sequence of events on objects named by dense ids 0..n_ids-1. One event is
 * exactly one 16-byte little-endian record of the binary format (docs/trace-format.md), so a
 * binary trace is used in place through mmap and every other format is converted into the
 * same array.
 */
#ifndef ALLOCREPLAY_TRACE_H
#define ALLOCREPLAY_TRACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum trace_op {
    TRACE_ALLOC = 0,   /* alloc(id, size) */
    TRACE_CALLOC = 1,  /* calloc(id, size): zeroed memory of size bytes */
    TRACE_ALIGNED = 2, /* aligned(id, size, align) */
    TRACE_REALLOC = 3, /* realloc(id, size): the object keeps its id */
    TRACE_FREE = 4,    /* free(id): size is 0 in the record */
    TRACE_OP_COUNT
};

/* One event; also the on-disk record. align is stored as log2 (0 = no alignment request). */
struct trace_event {
    uint32_t id;
    uint8_t op;         /* enum trace_op */
    uint8_t align_log2; /* TRACE_ALIGNED only; 0 otherwise */
    uint16_t thread;    /* recording thread number, 0 when unknown */
    uint64_t size;      /* requested bytes; 0 for free */
};

#ifdef __cplusplus
static_assert(sizeof(struct trace_event) == 16, "trace_event is the 16-byte binary record");
#else
_Static_assert(sizeof(struct trace_event) == 16, "trace_event is the 16-byte binary record");
#endif

struct trace {
    char *name;                /* from the file or its base name; owned */
    char *description;         /* may be NULL; owned */
    const struct trace_event *events;
    uint64_t n_events;
    uint32_t n_ids;            /* ids are < n_ids */
    uint32_t n_threads;        /* highest thread number + 1 */
    /* Backing store: either an mmap'd binary file or a heap array. Private to the trace library
     * (trace.c, trace_binary.c); release with trace_release. */
    void *map;
    size_t map_len;
    struct trace_event *owned_events;
    /* Optional timing (docs/trace-format.md, "Time"), kept apart from the 16-byte events so
     * the event path is unchanged; all three are heap arrays owned by the trace, NULL when the
     * source has none. times[i]: start of event i, ns since the trace's start (never
     * decreasing on one thread). durations[i]: ns spent in the call, TRACE_TIME_NONE where
     * unknown. thread_exits[k] (n_threads entries): when thread k ended, or TRACE_TIME_NONE. */
    uint64_t *times;
    uint64_t *durations;
    uint64_t *thread_exits;
    /* Private (trace_binary.c, trace.c): the checksum state over the events, when a loader has
     * just computed it, so that trace_checksum() does not hash a big trace a second time. */
    uint64_t events_sum[5];
    int has_events_sum;
};

#define TRACE_TIME_NONE UINT64_MAX
#define TRACE_MAX_TIME ((uint64_t)1 << 62) /* ns: 146 years; anything later is corrupt */

/* Errors: one line, "file:line:column: reason" (or "file: record N: reason" for binary). */
struct trace_error {
    char msg[512];
};

const char *trace_op_name(enum trace_op op); /* "alloc", "calloc", ... */
int trace_op_parse(const char *name, enum trace_op *op); /* 0 on success, -1 if unknown */

/* Formats. Readers recognise them by content (trace_format_detect); writers by extension. */
enum trace_format {
    TRACE_FORMAT_UNKNOWN = 0,
    TRACE_FORMAT_YAML,        /* .yaml .yml */
    TRACE_FORMAT_BINARY,      /* .alrt */
    TRACE_FORMAT_MTRACE,      /* .mtrace (import only) */
    TRACE_FORMAT_ANDROID,     /* .android.txt (import only) */
    TRACE_FORMAT_BINARY_ZSTD, /* .alrt.zst: compressed binary */
    TRACE_FORMAT_ZIP,         /* .zip: an archive of one mtrace or Android text trace (import only) */
};
enum trace_format trace_format_from_path(const char *path);
/* The format of the file at path, from its first bytes; a file whose content fits no format is
 * taken by its extension (so the reader of that format names what is wrong), and with neither
 * it is refused naming the formats tried. A zip archive is reported as TRACE_FORMAT_ZIP whatever
 * it holds. Returns 0, or -1 with err filled. */
int trace_format_detect(const char *path, enum trace_format *out, struct trace_error *err);

/* The one rule that names a trace after its file (the default of a trace without a name, of
 * `record -o`, of a generated trace, of a campaign): the base name without its directory and
 * without one trace extension of the list above, compound ones included ("my.prog.alrt" and
 * "my.prog.android.txt" are "my.prog"; "a.b" stays "a.b"; ".alrt" stays ".alrt"). Returns a
 * malloc'd string, or NULL when out of memory. */
char *trace_name_from_path(const char *path);

/* What validation found wrong; in lenient mode these events are dropped and counted. */
enum trace_problem {
    TRACE_PROBLEM_USE_BEFORE_ALLOC = 0, /* realloc or free of an id never allocated */
    TRACE_PROBLEM_DOUBLE_FREE,          /* free or realloc of an id already freed */
    TRACE_PROBLEM_LIVE_REALLOC_ID,      /* alloc of an id that is live */
    TRACE_PROBLEM_BAD_SIZE,             /* zero or absurd (> TRACE_MAX_SIZE) size */
    TRACE_PROBLEM_BAD_ALIGN,            /* alignment not a power of two, or too large */
    TRACE_PROBLEM_UNKNOWN_FREE,         /* importers: free of an address never seen */
    TRACE_PROBLEM_COUNT
};
#define TRACE_MAX_SIZE ((uint64_t)1 << 40) /* 1 TiB: anything larger is a corrupt size */
#define TRACE_MAX_ALIGN_LOG2 20            /* 1 MiB */
const char *trace_problem_name(enum trace_problem p);

struct trace_load_options {
    int lenient; /* drop bad events and count them instead of refusing the trace */
    /* Progress of a long load, or NULL: called every few million events of a binary trace's
     * checking pass with the events checked so far and the total. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
    /* Keep events that break the validation rules as they are (for trace_repair, which makes
     * a valid trace of them); events that cannot be represented (an alignment that is not a
     * power of two) are dropped and counted as with lenient. Syntax errors and corrupt files
     * are still refused. The trace returned is then not valid. */
    int keep_invalid;
};

struct trace_load_report {
    uint64_t dropped[TRACE_PROBLEM_COUNT];
};

/* Loads and validates any supported format (recognised by content). Returns 0, or -1 with err filled. A binary trace
 * is mmap'd; its events are used in place (validation is one pass, no copy unless lenient
 * drops events). report may be NULL. */
int trace_load(const char *path, const struct trace_load_options *opt, struct trace *out,
               struct trace_load_report *report, struct trace_error *err);

/* Writes t to path in the format its extension names (.yaml/.yml, .alrt or .alrt.zst), through a
 * temporary file renamed into place. Returns 0, or -1 with err filled. */
int trace_save(const char *path, const struct trace *t, struct trace_error *err);

/* trace_save with choices: the zstd level of a .alrt.zst (1 .. 22, higher is smaller and
 * slower: docs/performance.md, "Compressed traces"; 0 = the default, 3). Other formats ignore
 * it. opt may be NULL. */
#define TRACE_ZSTD_MAX_LEVEL 22
struct trace_save_options {
    int zstd_level;
};
int trace_save_with(const char *path, const struct trace *t, const struct trace_save_options *opt,
                    struct trace_error *err);

/* A streaming writer of binary traces (.alrt), for producers that do not hold the whole trace
 * in memory (the recorder): open with the name and description, append events in any number of
 * calls, commit. The file appears under path only at a successful commit (temporary file and
 * rename); the header's id and thread counts come from the events. Events are not validated
 * here (trace_load validates); an unknown op is refused. All return 0 / non-NULL, or -1 / NULL
 * with err filled. Commit and abort free the writer. */
struct trace_writer;
struct trace_writer *trace_writer_open(const char *path, const char *name,
                                       const char *description, struct trace_error *err);
int trace_writer_append(struct trace_writer *w, const struct trace_event *ev, size_t n,
                        struct trace_error *err);
/* A timed trace streamed: each event with its time (ns since the trace's start, never
 * decreasing on one thread: trace_load checks). Every event of the trace must come this way.
 * The times are kept coded (a few bytes each) until commit writes them after the records. */
int trace_writer_append_timed(struct trace_writer *w, const struct trace_event *ev,
                              const uint64_t *times, size_t n, struct trace_error *err);
/* Thread k's exit time for k < n (TRACE_TIME_NONE: none; threads from n on have none). */
int trace_writer_thread_exits(struct trace_writer *w, const uint64_t *exits, uint32_t n,
                              struct trace_error *err);
int trace_writer_commit(struct trace_writer *w, struct trace_error *err);
void trace_writer_abort(struct trace_writer *w);

/* Compresses the binary trace file alrt_path into path (.alrt.zst), streaming through its
 * map: what trace_save does for a .alrt.zst after writing the .alrt. Returns 0, or -1 with err
 * filled. */
int trace_compress_file(const char *alrt_path, const char *path, struct trace_error *err);
/* The same at opt's zstd level (trace_save_options; NULL: the default). */
int trace_compress_file_with(const char *alrt_path, const char *path,
                             const struct trace_save_options *opt, struct trace_error *err);

/* Validates t's events as trace_load does (docs/trace-format.md), e.g. a generated or
 * recorded trace before it is saved. Returns 0, or -1 with err naming the first bad event:
 * "NAME: event N: double free: free of id 3, already freed" (N counted from 0). */
int trace_validate(const struct trace *t, struct trace_error *err);

/* Checks t's times as every reader does: each at most TRACE_MAX_TIME, never decreasing on one
 * thread, thread exits not before the thread's last event. what names the trace in messages
 * ("FILE: event N: time 5 on thread 1 is before the thread's previous event at 9"). Returns 0, or
 * -1 with err filled. A trace without times passes. */
int trace_validate_times(const struct trace *t, const char *what, struct trace_error *err);

/* What t replays, as one number: the binary format's record checksum (docs/trace-format.md)
 * of its events, continued over its times, durations and thread exits when it has them. The
 * same trace in any format has the same checksum; results directories record it so that a
 * resume or a merge can tell whether a trace changed. */
uint64_t trace_checksum(const struct trace *t);

/* Frees or unmaps whatever backs t and zeroes it. */
void trace_release(struct trace *t);
/* Frees t's optional timing (times, durations, thread_exits) and leaves t untimed; the
 * replay worker does this after copying what it needs, so the heap is clean when it measures. */
void trace_drop_times(struct trace *t);

/* Growable event array used by readers, importers, the generator and the recorder. */
struct trace_builder {
    struct trace_event *events;
    uint64_t n_events, capacity;
    uint32_t max_id_plus_one;
    uint32_t max_thread_plus_one;
    uint64_t *times, *durations, *thread_exits; /* as in struct trace; NULL until used */
    uint32_t n_thread_exits;
    int untimed; /* an event was pushed without a time: the trace has no times */
};
void trace_builder_init(struct trace_builder *b);
int trace_builder_push(struct trace_builder *b, const struct trace_event *ev); /* -1 on ENOMEM */
/* Pushes a timed event: time in ns since the trace's start, duration TRACE_TIME_NONE when
 * unknown. A trace is timed only if every event is: once an event came without a time the
 * times are dropped (trace_builder_finish gives times = NULL). -1 on ENOMEM. */
int trace_builder_push_timed(struct trace_builder *b, const struct trace_event *ev, uint64_t time,
                             uint64_t duration);
/* Records that thread ended at time (ns). -1 on ENOMEM. */
int trace_builder_thread_exit(struct trace_builder *b, uint16_t thread, uint64_t time);
/* Moves the events into out (name and description are duplicated; either may be NULL). */
int trace_builder_finish(struct trace_builder *b, const char *name, const char *description,
                         struct trace *out);
void trace_builder_discard(struct trace_builder *b);

#ifdef __cplusplus
}
#endif

#endif
