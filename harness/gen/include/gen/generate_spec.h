/* The generator's spec file (YAML, format: allocreplay-spec/1; docs/generator.md), read with
 * libyaml's event API. Unknown keys, missing keys and out-of-range values are errors that
 * name the file, line and column. */
#ifndef ALLOCREPLAY_GENERATE_SPEC_H
#define ALLOCREPLAY_GENERATE_SPEC_H

#include "gen/generate.h"

#define GEN_SPEC_FORMAT "allocreplay-spec/1"

/* Returns 0, or -1 with err = "path:line:column: reason". On success release with
 * gen_spec_free. A spec without a name takes the file's base name without extension. */
int gen_spec_load(const char *path, struct gen_spec *out, struct trace_error *err);

#endif
