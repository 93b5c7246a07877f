/* trace_summary: the figures of `info`, computed by hand for a small trace, and the streaming
 * form over a binary file larger than one scan window giving the same figures. */
#include "tap.h"
#include "trace/trace.h"
#include "trace/trace_summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/trace_summary_test.XXXXXX";

static void hand_computed(void)
{
    static const struct trace_event ev[] = {
        {.id = 0, .op = TRACE_ALLOC, .size = 100},
        {.id = 1, .op = TRACE_ALLOC, .thread = 3, .size = 1000},
        {.id = 0, .op = TRACE_REALLOC, .size = 300},
        {.id = 1, .op = TRACE_FREE, .thread = 3},
        {.id = 2, .op = TRACE_CALLOC, .size = 5000},
        {.id = 3, .op = TRACE_ALIGNED, .align_log2 = 6, .size = 64},
        {.id = 0, .op = TRACE_FREE},
        {.id = 1, .op = TRACE_ALLOC, .size = 10}, /* an id used again after its free */
    };
    struct trace_builder b;
    struct trace t;
    struct trace_summary s;
    trace_builder_init(&b);
    for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
        trace_builder_push(&b, &ev[i]);
    trace_builder_finish(&b, "hand", NULL, &t);
    TAP_OK(trace_summarize(&t, &s) == 0, "summarize a small trace");
    TAP_EQ_U64(s.n_events, 8, "events");
    TAP_OK(s.count[TRACE_ALLOC] == 3 && s.count[TRACE_CALLOC] == 1 && s.count[TRACE_ALIGNED] == 1 &&
               s.count[TRACE_REALLOC] == 1 && s.count[TRACE_FREE] == 2,
           "count per op");
    TAP_EQ_U64(s.objects, 5, "objects (allocations)");
    TAP_EQ_U64(s.distinct_ids, 4, "distinct ids");
    TAP_EQ_U64(s.peak_live_bytes, 5364, "peak live bytes: 300 + 5000 + 64");
    TAP_EQ_U64(s.peak_live_objects, 3, "peak live objects");
    TAP_EQ_U64(s.final_live_bytes, 5074, "final live bytes");
    TAP_EQ_U64(s.final_live_objects, 3, "final live objects");
    TAP_EQ_U64(s.threads, 2, "distinct threads (0 and 3)");
    TAP_EQ_U64(s.max_thread, 3, "highest thread");
    TAP_OK(s.min_size == 10 && s.max_size == 5000, "smallest and largest request");
    uint64_t want[TRACE_SIZE_BUCKETS] = {0};
    want[3] = 1;  /* 10 */
    want[6] = 2;  /* 100, 64 */
    want[8] = 1;  /* 300 */
    want[9] = 1;  /* 1000 */
    want[12] = 1; /* 5000 */
    TAP_OK(!memcmp(s.size_hist, want, sizeof want), "power-of-two size histogram");
    trace_release(&t);
}

/* A binary trace bigger than the 32 MiB scan window: streamed figures equal the in-memory ones. */
static void streamed(void)
{
    const uint64_t n = 2500000; /* 40 MB of records */
    struct trace_builder b;
    struct trace t, loaded, hdr;
    struct trace_error err;
    trace_builder_init(&b);
    uint64_t x = 12345;
    for (uint64_t i = 0; i < n; i += 2) {
        x = x * 6364136223846793005ull + 1;
        struct trace_event a = {.id = (uint32_t)(i / 2), .op = TRACE_ALLOC,
                                .thread = (uint16_t)(x >> 60), .size = 1 + (x >> 40) % 4096};
        trace_builder_push(&b, &a);
        /* Free the object allocated 1000 steps ago, so about 1000 stay live. */
        if (i / 2 >= 1000) {
            struct trace_event f = {.id = (uint32_t)(i / 2 - 1000), .op = TRACE_FREE};
            trace_builder_push(&b, &f);
        }
    }
    trace_builder_finish(&b, "big", NULL, &t);
    char path[300];
    snprintf(path, sizeof path, "%s/big.alrt", dir);
    struct trace_summary whole, stream;
    struct trace_load_report rep;
    int ok = trace_save(path, &t, &err) == 0 && trace_load(path, NULL, &loaded, NULL, &err) == 0;
    TAP_OK(ok, "save and load a %llu-event binary trace", (unsigned long long)t.n_events);
    if (!ok) {
        printf("# %s\n", err.msg);
        return;
    }
    trace_summarize(&loaded, &whole);
    ok = trace_summarize_file(path, NULL, &stream, &hdr, &rep, &err) == 0;
    TAP_OK(ok, "streamed summary of the file");
    TAP_OK(ok && !memcmp(&whole, &stream, sizeof whole), "streamed figures equal in-memory ones");
    TAP_OK(ok && !strcmp(hdr.name, "big") && hdr.n_events == t.n_events && hdr.events == NULL,
           "header counts and name, no events held");
    TAP_EQ_U64(stream.peak_live_objects, 1001, "1001 objects live at the peak (alloc before free)");
    trace_release(&hdr);
    trace_release(&loaded);
    trace_release(&t);
    unlink(path);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 99;
    hand_computed();
    streamed();
    rmdir(dir);
    return tap_done();
}
