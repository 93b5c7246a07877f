/* Fuzz target: the Android memory_replay importer (harness/trace/trace_android.c, trace_import.c). */
#include "fuzz_common.h"
#include "trace_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check_reader(trace__android_read, data, size);
    return 0;
}
