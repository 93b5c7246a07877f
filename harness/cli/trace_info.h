/* The parts of `allocreplay info` beyond its text (cmd_trace.c): the JSON form of a trace's
 * figures (docs/json.md), and the refusal of a results directory given as a trace. */
#ifndef ALLOCREPLAY_TRACE_INFO_H
#define ALLOCREPLAY_TRACE_INFO_H

#include "trace/trace.h"
#include "trace/trace_summary.h"

/* Prints the figures of the trace at PATH as one JSON document on stdout. Returns 0, or -1
 * when stdout could not be written. */
int trace_info_json(const char *path, const struct trace *hdr, const struct trace_summary *s,
                    const struct trace_load_report *r);

/* When PATH is a results directory (it holds meta.yaml or summary.csv), prints one line saying
 * so and what reads it, and returns 1; else returns 0. */
int trace_info_refuse_results(const char *path);

#endif
