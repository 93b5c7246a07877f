#include "trace_info.h"

#include "util/json.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void member_u64(struct json *j, const char *key, uint64_t v)
{
    json_key(j, key);
    json_u64(j, v);
}

static void put_counts(struct json *j, const struct trace_summary *s,
                       const struct trace_load_report *r)
{
    json_key(j, "ops");
    json_object_begin(j);
    for (int op = 0; op < TRACE_OP_COUNT; op++)
        member_u64(j, trace_op_name((enum trace_op)op), s->count[op]);
    json_object_end(j);
    json_key(j, "size_histogram"); /* power-of-two buckets [from, to), the empty ones left out */
    json_array_begin(j);
    for (int k = 0; k < TRACE_SIZE_BUCKETS; k++) {
        if (!s->size_hist[k])
            continue;
        json_object_begin(j);
        member_u64(j, "from", (uint64_t)1 << k);
        json_key(j, "to");
        json_number(j, k < 63 ? (double)((uint64_t)2 << k) : 18446744073709551616.0);
        member_u64(j, "count", s->size_hist[k]);
        json_object_end(j);
    }
    json_array_end(j);
    json_key(j, "dropped"); /* --lenient, and an importer's unknown frees: by kind */
    json_object_begin(j);
    for (int p = 0; p < TRACE_PROBLEM_COUNT; p++)
        if (r->dropped[p])
            member_u64(j, trace_problem_name((enum trace_problem)p), r->dropped[p]);
    json_object_end(j);
}

int trace_info_json(const char *path, const struct trace *hdr, const struct trace_summary *s,
                    const struct trace_load_report *r)
{
    struct json j;
    json_init(&j, stdout);
    json_object_begin(&j);
    json_key(&j, "file");
    json_string(&j, path);
    json_key(&j, "name");
    json_string(&j, hdr->name ? hdr->name : "");
    json_key(&j, "description");
    json_string(&j, hdr->description);
    member_u64(&j, "events", s->n_events);
    member_u64(&j, "objects", s->objects);
    member_u64(&j, "distinct_ids", s->distinct_ids);
    member_u64(&j, "id_space", hdr->n_ids);
    member_u64(&j, "threads", s->threads);
    member_u64(&j, "max_thread", s->max_thread);
    member_u64(&j, "peak_live_bytes", s->peak_live_bytes);
    member_u64(&j, "peak_live_objects", s->peak_live_objects);
    member_u64(&j, "final_live_bytes", s->final_live_bytes);
    member_u64(&j, "final_live_objects", s->final_live_objects);
    member_u64(&j, "min_size", s->min_size);
    member_u64(&j, "max_size", s->max_size);
    json_key(&j, "timed");
    json_bool(&j, s->timed);
    if (s->timed) {
        member_u64(&j, "duration_ns", s->duration_ns);
        member_u64(&j, "idle_gaps", s->idle_gaps);
        member_u64(&j, "idle_ns", s->idle_ns);
        member_u64(&j, "longest_gap_ns", s->longest_gap_ns);
    }
    put_counts(&j, s, r);
    json_object_end(&j);
    return json_finish(&j);
}

int trace_info_refuse_results(const char *path)
{
    struct stat st;
    char meta[4200], summary[4200];
    snprintf(meta, sizeof meta, "%s/meta.yaml", path);
    snprintf(summary, sizeof summary, "%s/summary.csv", path);
    if (stat(path, &st) || !S_ISDIR(st.st_mode) || (access(meta, F_OK) && access(summary, F_OK)))
        return 0;
    fprintf(stderr, "allocreplay: %s: a results directory, not a trace (its figures are in "
                    "summary.csv; allocreplay compare DIR_A DIR_B compares two)\n", path);
    return 1;
}
