/* What `allocreplay merge` may merge (docs/scaling.md, "What merge checks"): results directories
 * of one campaign and one build (run/identity.h), each a shard K/N of one N (an unsharded run
 * is 1/1) or an earlier merge of some of them, none a `run` directory. Finds the shards no
 * input holds and those whose cells are not all there, and writes the merged meta.yaml. */
#ifndef ALLOCREPLAY_CLI_MERGE_PLAN_H
#define ALLOCREPLAY_CLI_MERGE_PLAN_H

#include "run/identity.h"

#include <stddef.h>
#include <stdio.h>

/* One shard as some input holds it: a shard directory itself, or an entry an earlier merge
 * recorded. */
struct merge_shard {
    char *dir;
    unsigned k;
    size_t cells;    /* complete cells (summary files) */
    size_t expected; /* the cells shard K of N holds in the whole matrix */
};

struct merge_plan {
    char **dirs;                 /* the inputs, in order (OUT last when it holds a merge) */
    struct results_identity *id; /* each input's meta.yaml */
    size_t n_in;
    unsigned n;                  /* the shard count N of every input */
    struct merge_shard *shard;
    size_t n_shard;
};

/* Reads DIRS[0..n) and, when OUT holds an earlier merge, OUT too (its cells are kept). Returns
 * 0, or -1 with one line in err: a directory that is not a results directory, a `run`
 * directory, one of another campaign or build (naming the field that differs), one of
 * another shard count. */
int merge_plan_load(struct merge_plan *p, char **dirs, int n, const char *out, char *err,
                    size_t err_len);

/* The shards no input holds and those with missing cells, as one phrase ("shard 3/3 is
 * missing; shard 2/3 has 5 of 6 cells"), or "" when the set is complete. */
void merge_plan_gaps(const struct merge_plan *p, char *out, size_t len);

/* The merged meta.yaml: the first input's, without its shard and merge records, then a
 * `merged:` record of every shard and, when gaps is not empty (--partial), of the gaps. */
int merge_plan_write_meta(const struct merge_plan *p, FILE *f, const char *gaps, char *err,
                          size_t err_len);

void merge_plan_free(struct merge_plan *p);

#endif
