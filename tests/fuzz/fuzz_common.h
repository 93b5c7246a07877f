/* What the fuzz targets share (tests/fuzz/, docs/testing.md).
 *
 * The trace readers take paths, and the binary reader maps its file, so each input is handed to
 * the real path-based code through a memfd named /proc/self/fd/N: the readers run exactly as in
 * production (open, fstat, mmap, getline), for the price of two syscalls per input. Round trips
 * write real files into a private directory under $TMPDIR (or /dev/shm), removed at a normal
 * exit; scripts/fuzz.sh points TMPDIR into build-fuzz/ and empties it, since libFuzzer ends
 * without running atexit handlers.
 *
 * Every check that fails calls fuzz_fail(), which aborts: libFuzzer (and the standalone runner
 * used by the regression tests) report an abort as a crash with the input that caused it. */
#ifndef ALLOCREPLAY_FUZZ_COMMON_H
#define ALLOCREPLAY_FUZZ_COMMON_H

#include "trace/trace.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Puts data into the process's memfd and returns a path that opens it. */
const char *fuzz_input_path(const uint8_t *data, size_t size);

/* A path NAME (e.g. "t.alrt") inside the private scratch directory. */
const char *fuzz_scratch_path(const char *name);

/* Prints "fuzz check failed: WHY" and aborts. */
_Noreturn void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Aborts unless a and b hold the same events (and, if same_counts, b's id and thread counts
 * are at least a's). */
void fuzz_same_events(const char *what, const struct trace *a, const struct trace *b,
                      int same_counts);

/* Aborts unless err holds one line starting with path. */
void fuzz_check_message(const struct trace_error *err, const char *path);

/* Writes t as binary, compressed binary and YAML, reads each back strictly, and aborts unless both load and
 * hold the same events: t is a valid trace that survives both formats. */
void fuzz_check_valid(const struct trace *t);

/* The properties every loaded trace has, whatever the format and input:
 *  - the error message is one line naming the input path, when loading failed;
 *  - a loaded trace validates strictly when written as binary and read back, and the events
 *    survive binary and YAML round trips unchanged;
 *  - a lenient load succeeds whenever a strict one does, with the same events; otherwise it
 *    fails with a message too, or yields a valid trace.
 * load is the reader under test (strict or lenient per opt). */
typedef int (*fuzz_loader)(const char *path, const struct trace_load_options *opt,
                           struct trace *out, struct trace_load_report *report,
                           struct trace_error *err);
void fuzz_check_reader(fuzz_loader load, const uint8_t *data, size_t size);

#endif
