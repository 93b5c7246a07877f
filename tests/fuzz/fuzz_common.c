/* Shared fuzz target code: the memfd input, the scratch directory and the reader properties. */
#include "fuzz_common.h"
#include "trace_io.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int input_fd = -1;
static char input_path[64];
static char scratch_dir[256];

_Noreturn void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz check failed: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

const char *fuzz_input_path(const uint8_t *data, size_t size)
{
    if (input_fd < 0) {
        input_fd = memfd_create("fuzz-input", MFD_CLOEXEC);
        if (input_fd < 0)
            fuzz_fail("memfd_create failed");
        snprintf(input_path, sizeof input_path, "/proc/self/fd/%d", input_fd);
    }
    if (ftruncate(input_fd, 0) != 0 || (size && pwrite(input_fd, data, size, 0) != (ssize_t)size))
        fuzz_fail("cannot write the input to the memfd");
    return input_path;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    remove(path);
    return 0;
}

static void remove_scratch(void)
{
    nftw(scratch_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_scratch_path(const char *name)
{
    static char path[512];
    if (!scratch_dir[0]) {
        const char *base = getenv("TMPDIR");
        if (!base && access("/dev/shm", W_OK) == 0)
            base = "/dev/shm";
        snprintf(scratch_dir, sizeof scratch_dir, "%s/allocreplay-fuzz.XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(scratch_dir))
            fuzz_fail("cannot create a scratch directory");
        atexit(remove_scratch);
    }
    snprintf(path, sizeof path, "%s/%s", scratch_dir, name);
    return path;
}

void fuzz_same_events(const char *what, const struct trace *a, const struct trace *b,
                      int same_counts)
{
    if (a->n_events != b->n_events)
        fuzz_fail("%s: %llu events became %llu", what, (unsigned long long)a->n_events,
                  (unsigned long long)b->n_events);
    if (a->n_events && memcmp(a->events, b->events, (size_t)a->n_events * sizeof *a->events))
        fuzz_fail("%s: the events changed", what);
    if (same_counts && (a->n_ids > b->n_ids || a->n_threads > b->n_threads))
        fuzz_fail("%s: id or thread count shrank (%u/%u ids, %u/%u threads)", what, a->n_ids,
                  b->n_ids, a->n_threads, b->n_threads);
}

void fuzz_check_message(const struct trace_error *err, const char *path)
{
    size_t n = strnlen(err->msg, sizeof err->msg);
    if (n == 0 || n == sizeof err->msg)
        fuzz_fail("error message empty or unterminated");
    if (strchr(err->msg, '\n'))
        fuzz_fail("error message spans lines: %s", err->msg);
    if (strncmp(err->msg, path, strlen(path)) != 0)
        fuzz_fail("error message does not start with the input path: %s", err->msg);
}

void fuzz_check_valid(const struct trace *t)
{
    static const char *const names[] = {"t.alrt", "t.alrt.zst", "t.yaml"};
    for (int i = 0; i < 3; i++) {
        struct trace_error err;
        struct trace back;
        const char *p = fuzz_scratch_path(names[i]);
        if (trace_save(p, t, &err) != 0) {
            /* Only YAML may refuse, and only for a name or description libyaml cannot emit. */
            if (i < 2)
                fuzz_fail("binary write failed: %s", err.msg);
            continue;
        }
        if (trace_load(p, NULL, &back, NULL, &err) != 0)
            fuzz_fail("%s written from a valid trace does not load: %s", names[i], err.msg);
        /* YAML has no place for the id and thread counts: it keeps only what the events use. */
        fuzz_same_events(names[i], t, &back, i < 2);
        trace_release(&back);
    }
}

void fuzz_check_reader(fuzz_loader load, const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_path(data, size);
    struct trace_load_options strict = {.lenient = 0}, lenient = {.lenient = 1};
    struct trace_load_report report;
    struct trace_error err;
    struct trace t, l;
    memset(&t, 0, sizeof t);
    memset(&l, 0, sizeof l);
    /* The format readers count into the report without clearing it (trace_load does that). */
    memset(&report, 0, sizeof report);
    int strict_rc = load(path, &strict, &t, &report, &err);
    if (strict_rc != 0)
        fuzz_check_message(&err, path);
    memset(&report, 0, sizeof report);
    int lenient_rc = load(path, &lenient, &l, &report, &err);
    if (lenient_rc != 0)
        fuzz_check_message(&err, path);
    if (strict_rc == 0) {
        if (lenient_rc != 0)
            fuzz_fail("lenient load failed where strict succeeded: %s", err.msg);
        fuzz_same_events("lenient load of a valid trace", &t, &l, 1);
        fuzz_check_valid(&t);
    } else if (lenient_rc == 0) {
        fuzz_check_valid(&l);
    }
    trace_release(&t);
    trace_release(&l);
}
