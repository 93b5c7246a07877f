/* What a results directory is: the fields of its meta.yaml that must agree before the cells of
 * two runs may share one directory (`campaign --resume`) or be merged (`allocreplay merge`).
 * They are the kind of run (campaign or run), the campaign's name and hash (campaign_hash in
 * campaign/campaign.h), the allocreplay version and build, every option, each trace's name and
 * checksum, each backend's label and effective settings. docs/campaigns.md, "What a results
 * directory is", lists them for users. The shard (K/N) is read with results_identity_get and
 * compared by the caller: a resume wants the same one, a merge wants all of them. */
#ifndef ALLOCREPLAY_RUN_IDENTITY_H
#define ALLOCREPLAY_RUN_IDENTITY_H

#include <stddef.h>
#include <stdio.h>

/* meta.yaml flattened: every scalar under its dotted path ("options.latency", "traces.0.name",
 * "merged.shards.1.shard"), in document order. */
struct results_identity {
    char **key, **value;
    size_t n, cap;
};

/* Reads a meta.yaml from f (path names it in messages). 0, or -1 with one line in err. */
int results_identity_read(struct results_identity *id, FILE *f, const char *path, char *err,
                          size_t err_len);
/* Reads DIR/meta.yaml; without one, -1 with "DIR: not a results directory (...)". */
int results_identity_load(struct results_identity *id, const char *dir, char *err,
                          size_t err_len);

/* The value at a dotted path, or NULL. */
const char *results_identity_get(const struct results_identity *id, const char *key);

/* The first identity field that differs: its name as users read it ("repetitions", "trace 2
 * checksum", "build git_revision") and both values ("(none)" on the side that lacks it). */
struct results_identity_difference {
    char what[96];
    char a[160], b[160];
};
/* 0 when a and b are the same experiment, 1 with d filled when not. */
int results_identity_diff(const struct results_identity *a, const struct results_identity *b,
                          struct results_identity_difference *d);

void results_identity_free(struct results_identity *id);

#endif
