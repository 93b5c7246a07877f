/* Fuzz target: the binary trace reader (harness/trace/trace_binary.c), both ways it is read: loaded
 * in place (trace_load, run) and streamed (info, validate). The two must agree on every input:
 * same verdict, and the streamed figures equal those of the loaded events. */
#include "fuzz_common.h"
#include "trace_io.h"
#include "trace/trace_summary.h"

#include <string.h>

static void sink(void *ctx, const struct trace_event *ev, uint64_t time, uint64_t duration)
{
    trace_summarizer_add(ctx, ev);
    if (time != TRACE_TIME_NONE)
        trace_summarizer_time(ctx, time, duration);
}

static void check_scan_agrees(const char *path, const struct trace_load_options *opt)
{
    struct trace t, hdr;
    struct trace_load_report r1, r2;
    struct trace_error e1, e2;
    memset(&t, 0, sizeof t);
    memset(&r1, 0, sizeof r1);
    int load_rc = trace__binary_load(path, opt, &t, &r1, &e1);
    struct trace_summarizer z;
    if (trace_summarizer_begin(&z, 0) != 0)
        fuzz_fail("summarizer: out of memory");
    memset(&r2, 0, sizeof r2);
    int scan_rc = trace__binary_scan(path, opt, sink, &z, &hdr, &r2, &e2);
    struct trace_summary streamed, loaded;
    trace_summarizer_end(&z, &streamed);
    if ((load_rc == 0) != (scan_rc == 0))
        fuzz_fail("load says %s, scan says %s", load_rc ? e1.msg : "ok", scan_rc ? e2.msg : "ok");
    if (load_rc != 0 && strcmp(e1.msg, e2.msg) != 0)
        fuzz_fail("load and scan disagree on the reason: '%s' vs '%s'", e1.msg, e2.msg);
    if (load_rc == 0) {
        if (memcmp(&r1, &r2, sizeof r1) != 0)
            fuzz_fail("load and scan dropped different events");
        if (trace_summarize(&t, &loaded) != 0)
            fuzz_fail("summarize: out of memory");
        if (memcmp(&loaded, &streamed, sizeof loaded) != 0)
            fuzz_fail("streamed figures differ from those of the loaded events");
        trace_release(&t);
    }
    trace_release(&hdr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check_reader(trace__binary_load, data, size);
    const char *path = fuzz_input_path(data, size);
    struct trace_load_options strict = {.lenient = 0}, lenient = {.lenient = 1};
    check_scan_agrees(path, &strict);
    check_scan_agrees(path, &lenient);
    return 0;
}
