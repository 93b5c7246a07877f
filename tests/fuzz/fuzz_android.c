/* Fuzz target: the Android memory_replay importer (harness/trace/trace_android.c, trace_import.c). */
#include "fuzz_common.h"
#include "trace_io.h"

/* The importer reading the file at path itself (it also reads a given stream: the zip target). */
static int load(const char *path, const struct trace_load_options *opt, struct trace *out,
                struct trace_load_report *report, struct trace_error *err)
{
    return trace__android_read(path, NULL, NULL, opt, out, report, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check_reader(load, data, size);
    return 0;
}
