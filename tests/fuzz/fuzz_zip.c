/* Fuzz target: zip archives of one text trace (harness/trace/trace_zip.c), read in place through
 * trace_load, which recognises them by content and hands the inflated entry to the importer of
 * the format it holds. */
#include "fuzz_common.h"

static int load(const char *path, const struct trace_load_options *opt, struct trace *out,
                struct trace_load_report *report, struct trace_error *err)
{
    return trace_load(path, opt, out, report, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check_reader(load, data, size);
    return 0;
}
