/* Fuzz target: the campaign file parser (harness/campaign/campaign.c). Refused files must get one line
 * naming the file; accepted ones must hold what the contract requires (docs/campaigns.md).
 *
 * Campaign paths are relative to the campaign file, so the input is written as
 * campaigns/fuzz.yaml in the scratch directory, next to a traces/ directory holding two small
 * traces: the shipped campaigns' glob of ../traces/ then matches, as it does in the tree. */
#include "fuzz_common.h"
#include "campaign/campaign.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char trace_text[] = "format: allocreplay-trace/1\nevents:\n  - [alloc, 0, 8]\n";

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        fuzz_fail("cannot write %s", path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        mkdir(fuzz_scratch_path("traces"), 0755);
        mkdir(fuzz_scratch_path("campaigns"), 0755);
        write_file(fuzz_scratch_path("traces/a.yaml"), trace_text, sizeof trace_text - 1);
        write_file(fuzz_scratch_path("traces/b.yaml"), trace_text, sizeof trace_text - 1);
        ready = 1;
    }
    char path[512];
    snprintf(path, sizeof path, "%s", fuzz_scratch_path("campaigns/fuzz.yaml"));
    write_file(path, data, size);
    struct campaign c;
    struct trace_error err;
    memset(&c, 0, sizeof c);
    if (campaign_load(&c, path, err.msg, sizeof err.msg) != 0) {
        fuzz_check_message(&err, path);
        return 0;
    }
    if (!c.name || !c.name[0])
        fuzz_fail("a campaign without a name");
    if (!c.n_backends && !c.n_optional_backends)
        fuzz_fail("a campaign without backends was accepted");
    for (size_t i = 0; i < c.n_traces; i++)
        if (!c.traces[i])
            fuzz_fail("trace %zu is NULL", i);
    campaign_free(&c);
    return 0;
}
