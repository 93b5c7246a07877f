/* Fuzz target: the YAML trace reader (harness/trace/trace_yaml.c). */
#include "fuzz_common.h"
#include "trace_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check_reader(trace__yaml_read, data, size);
    return 0;
}
