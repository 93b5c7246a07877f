/* Fuzz target: the glibc mtrace() log importer (harness/trace/trace_mtrace.c, trace_import.c). */
#include "fuzz_common.h"
#include "trace_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check_reader(trace__mtrace_read, data, size);
    return 0;
}
