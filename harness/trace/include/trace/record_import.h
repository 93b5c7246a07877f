/* Turns the recorder's raw logs (recorder_log.h) into a trace: addresses become dense ids,
 * per-thread chunks are merged by sequence number, recorder thread numbers become dense trace
 * thread numbers.
 *
 * Rules (docs/recording.md):
 * - An address freed and handed out again is a new object with a new id; realloc keeps the
 *   id; realloc(NULL, n) was already logged as an allocation; realloc(p, 0) is a free.
 * - A free or realloc of an address never seen (allocated before recording started, or by a
 *   process image whose log was not imported) is dropped and counted; such a realloc
 *   becomes an allocation of a new object.
 * - A zero-byte request becomes a 1-byte object (traces have no zero sizes), counted; a size
 *   above TRACE_MAX_SIZE (an overcommitted mapping of more than 1 TiB, or a torn log) becomes
 *   TRACE_MAX_SIZE, counted.
 * - An address handed out while the log still holds it live (its free was not logged, e.g.
 *   it happened inside the C library without passing through free) gets a free inserted
 *   just before, counted.
 * - Images (processes, exec'd programs) are appended one after the other in the order they
 *   started; when more than one is imported, the objects still live at the end of an image
 *   are freed there (the kernel reclaims them at exit), counted. An image that recorded
 *   nothing (a log holding only its header) is not one of them.
 * - Times: every event gets its call's start in ns since the earliest image started (the
 *   recorder's clock converted through its calibration pairs), kept from decreasing on a
 *   thread (a clock read on another core may be a few ns behind); a thread's recorded exit
 *   becomes its exit time (not before its last event).
 * - Imported while the program runs (record_import_poll), the top process's images come first
 *   (they started first) and each record's time uses the calibration known when it was
 *   imported; otherwise the trace is the one a single import after the program gives.
 */
#ifndef ALLOCREPLAY_RECORD_IMPORT_H
#define ALLOCREPLAY_RECORD_IMPORT_H

#include "trace/trace.h"

#include <stdint.h>

struct record_import; /* an import under way */

struct record_import_options {
    int follow_forks;   /* import every process's logs, not only top_pid's */
    uint32_t top_pid;   /* the process `record` started; 0 = every file (as follow_forks) */
    const char *name;   /* trace name; may be NULL */
    const char *description;
};

struct record_import_report {
    uint64_t events;           /* trace events written */
    uint32_t objects;          /* ids */
    uint32_t threads;
    uint32_t logs;             /* log files found: process images the recorder was loaded in */
    uint32_t images;           /* of them, those that recorded anything (imported) */
    uint64_t dropped_frees;    /* frees/reallocs of addresses never seen */
    uint64_t zero_sizes;       /* zero-byte requests recorded as 1 byte */
    uint64_t implicit_frees;   /* frees inserted for addresses reused with no free logged */
    uint64_t released_at_exit; /* frees inserted at the end of an image (several images) */
    uint64_t clamped_aligns;   /* alignments above TRACE_MAX_ALIGN_LOG2, clamped */
    uint64_t clamped_sizes;    /* sizes above TRACE_MAX_SIZE, clamped */
    uint64_t lost_records;     /* sequence numbers missing from the logs */
};

/* Imports every "*.arraw" file of dir. Returns 0, or -1 with err filled ("DIR/FILE: reason").
 * A directory with no matching log gives a trace with no events (not an error). */
int record_import_dir(const char *dir, const struct record_import_options *opt,
                      struct trace *out, struct record_import_report *rep,
                      struct trace_error *err);

/* The same, streaming the trace into the binary trace (.alrt) at path rather than returning
 * it: memory holds the live addresses and a batch of events, not the trace. The file appears
 * only when complete, and not at all when no event was recorded (rep->events 0). */
int record_import_dir_to_file(const char *dir, const struct record_import_options *opt,
                              const char *path, struct record_import_report *rep,
                              struct trace_error *err);

/* The same in three steps, so that the import can run while the recorded program does
 * (record_import_dir is begin then end). begin: streamed into path, or (path NULL) into the
 * trace end returns; opt and its strings must outlive the import. NULL with err. */
struct record_import *record_import_begin(const char *dir, const struct record_import_options *opt,
                                          const char *path, struct trace_error *err);

/* Sets the process whose logs the polls read (opt->top_pid), once it is known: before the
 * first poll. */
void record_import_set_top_pid(struct record_import *ri, uint32_t pid);

/* While the program runs: imports what the log of opt->top_pid's current image holds so far,
 * as far as its records' numbers run without a gap (the next one may still sit in another
 * thread's buffer). Never waits. 1 when events were imported, 0 when none could be, -1 when
 * the import failed (end then returns the error). One thread at a time per import. */
int record_import_poll(struct record_import *ri);

/* After the program ended: the rest of every log, then the trace into out (or the file
 * committed). Frees ri. 0, or -1 with err. */
int record_import_end(struct record_import *ri, struct trace *out, struct record_import_report *rep,
                      struct trace_error *err);

/* Gives up an import (the file, if streamed, is not written). NULL is allowed. */
void record_import_abort(struct record_import *ri);

#endif
