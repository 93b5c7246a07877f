/* Fuzz target: the generator's spec parser (harness/gen/generate_spec.c) and, for specs small
 * enough to run quickly, the generator itself (harness/gen/generate.c): a generated trace must be
 * valid (written as binary and read back strictly) and the same for the same seed. */
#include "fuzz_common.h"
#include "gen/generate_spec.h"

#include <string.h>

#define MAX_EVENTS 50000 /* generate only specs whose phases are surely smaller than this */

static uint64_t bound(const struct gen_spec *s)
{
    uint64_t total = 0;
    for (size_t i = 0; i < s->n_phases; i++) {
        const struct gen_phase *p = &s->phases[i];
        uint64_t steps = 0;
        for (size_t c = 0; c < p->n_classes; c++)
            if (p->classes[c].growth.steps > steps)
                steps = p->classes[c].growth.steps;
        uint64_t n = p->events;
        if (!n && (p->objects > MAX_EVENTS || __builtin_mul_overflow(p->objects, 2 + steps, &n)))
            return UINT64_MAX;
        if (n > MAX_EVENTS || (total += n) > MAX_EVENTS)
            return UINT64_MAX;
    }
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_path(data, size);
    struct gen_spec spec;
    struct trace_error err;
    memset(&spec, 0, sizeof spec);
    if (gen_spec_load(path, &spec, &err) != 0) {
        fuzz_check_message(&err, path);
        return 0;
    }
    if (bound(&spec) <= MAX_EVENTS) {
        struct trace a, b;
        int ra = generate(&spec, spec.seed, &a, &err);
        int rb = generate(&spec, spec.seed, &b, &err);
        if (ra != rb)
            fuzz_fail("the same spec and seed generated once and failed once");
        if (ra == 0) {
            fuzz_same_events("a second generation with the same seed", &a, &b, 1);
            fuzz_check_valid(&a);
            trace_release(&a);
            trace_release(&b);
        }
    }
    gen_spec_free(&spec);
    return 0;
}
