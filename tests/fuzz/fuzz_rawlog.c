/* Fuzz target: the recorder's raw logs (recorder/include/recorder/recorder_log.h), read back by
 * `allocreplay record` (harness/trace/record_import.c). A log is a temporary file, but a program
 * that crashes mid-write leaves a torn one, and the importer decodes it with a table and a
 * prefetching ring where a wrong length or index would read out of bounds. The input is a log's
 * body after a valid header (its first byte picks the clock); three properties:
 *  - imported in memory, the log gives a trace that survives the binary, compressed and YAML
 *    round trips, or is refused in one line;
 *  - streamed into an .alrt, it gives the same events, or the same refusal;
 *  - imported "while the program runs" (a poll, then the end), it gives the same again. */
#include "fuzz_common.h"
#include "recorder/recorder_log.h"
#include "trace/record_import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PID 1

/* Writes the log PID-0 into dir: a header, then data[1..size). */
static void write_log(const char *dir, const uint8_t *data, size_t size)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        fuzz_fail("cannot create %s", dir);
    char path[600];
    snprintf(path, sizeof path, "%s/%d-0%s", dir, PID, RECORDER_LOG_SUFFIX);
    struct recorder_log_header h = {.version = RECORDER_LOG_VERSION, .pid = PID};
    memcpy(h.magic, RECORDER_LOG_MAGIC, sizeof h.magic);
    h.clock = size && data[0] & 1 ? RECORDER_CLOCK_TSC : RECORDER_CLOCK_NS;
    h.start_ns = h.start_ticks = 1000;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    size_t body = size ? size - 1 : 0;
    if (fd < 0 || write(fd, &h, sizeof h) != (ssize_t)sizeof h ||
        (body && write(fd, data + 1, body) != (ssize_t)body) || close(fd) != 0)
        fuzz_fail("cannot write %s", path);
}

static void check_message(const struct trace_error *err)
{
    size_t n = strnlen(err->msg, sizeof err->msg);
    if (n == 0 || n == sizeof err->msg || strchr(err->msg, '\n'))
        fuzz_fail("import error message empty, unterminated or over lines: %s", err->msg);
}

/* The log imported while "the program runs": one poll, then the rest. */
static int import_live(const char *dir, const struct record_import_options *opt,
                       struct trace *out, struct trace_error *err)
{
    struct record_import_report rep;
    struct record_import *ri = record_import_begin(dir, opt, NULL, err);
    if (!ri)
        fuzz_fail("record_import_begin failed: %s", err->msg);
    record_import_set_top_pid(ri, PID);
    record_import_poll(ri);
    return record_import_end(ri, out, &rep, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[512], alrt[512];
    snprintf(dir, sizeof dir, "%s", fuzz_scratch_path("raw"));
    snprintf(alrt, sizeof alrt, "%s", fuzz_scratch_path("streamed.alrt"));
    write_log(dir, data, size);
    struct record_import_options opt = {0, PID, "fuzz", NULL};
    struct record_import_report rep, rep_file;
    struct trace_error err, err_file, err_live;
    struct trace t, live;
    memset(&t, 0, sizeof t);
    memset(&live, 0, sizeof live);

    int rc = record_import_dir(dir, &opt, &t, &rep, &err);
    unlink(alrt);
    int rc_file = record_import_dir_to_file(dir, &opt, alrt, &rep_file, &err_file);
    int rc_live = import_live(dir, &opt, &live, &err_live);
    if (rc != 0) {
        check_message(&err);
        if (rc_file == 0 || rc_live == 0)
            fuzz_fail("refused in memory (%s) but not %s", err.msg, rc_file ? "live" : "streamed");
        return 0;
    }
    if (rc_file != 0 || rc_live != 0)
        fuzz_fail("imported in memory but refused %s: %s", rc_file ? "streamed" : "live",
                  rc_file ? err_file.msg : err_live.msg);
    fuzz_same_events("the live import", &t, &live, 1);
    if (rep_file.events != t.n_events)
        fuzz_fail("streamed %llu events, in memory %llu", (unsigned long long)rep_file.events,
                  (unsigned long long)t.n_events);
    if (t.n_events) {
        struct trace back;
        if (trace_load(alrt, NULL, &back, NULL, &err_file) != 0)
            fuzz_fail("the streamed trace does not load: %s", err_file.msg);
        fuzz_same_events("the streamed import", &t, &back, 1);
        trace_release(&back);
        fuzz_check_valid(&t);
    }
    trace_release(&t);
    trace_release(&live);
    return 0;
}
