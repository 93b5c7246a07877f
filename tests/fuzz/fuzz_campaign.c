/* Fuzz target: the campaign file parser (harness/campaign.c). Refused files must get one line
 * naming the file; accepted ones must hold what the contract requires (DESIGN.md 6.1). */
#include "fuzz_common.h"
#include "campaign.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_path(data, size);
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
