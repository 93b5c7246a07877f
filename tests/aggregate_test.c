/* aggregate.csv from a small summary.csv with hand-computed medians, extremes and MAD. */
#include "campaign/aggregate.h"
#include "util/csv_reader.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char dir[] = "/tmp/aggregate_test.XXXXXX", path[128], out[128], err[512];
    struct aggregate a;
    struct csv_reader r;
    if (!mkdtemp(dir))
        return 99;
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    snprintf(out, sizeof out, "%s/aggregate.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("trace,backend,rep,status,events,ns_per_event,p99_ns,peak_rss_bytes\n"
          "t,sgi,1,ok,100,10,,4096\n"
          "t,sgi,2,ok,100,11,,4096\n"
          "t,sgi,3,signal 11 (SIGSEGV),,,,\n"
          "t,sgi,4,ok,100,12,,4096\n"
          "t,sgi,5,ok,100,13,,4096\n"
          "t,sgi,6,ok,100,50,,4096\n"
          "\"a,b\",malloc,1,ok,100,0,7,0\n",
          f);
    fclose(f);

    TAP_OK(aggregate_load(&a, dir, err, sizeof err) == 0, "loads summary.csv");
    TAP_EQ_U64(a.n_groups, 2, "two (trace, backend) groups");
    const struct agg_group *g = aggregate_find(&a, "t", "sgi");
    TAP_OK(g && g->n_ok == 5 && g->n_failed == 1, "n_ok 5, n_failed 1");
    /* ns 10 11 12 13 50: median 12; |x - 12| = 2 1 0 1 38 -> median 1 -> 1/12 = 8.333 % */
    const struct agg_stat *s = &g->stat[AGG_COL_ns_per_event];
    TAP_OK(s->present && s->median == 12 && s->min == 10 && s->max == 50,
           "ns_per_event median 12, min 10, max 50");
    TAP_OK(s->mad_pct > 8.3333 && s->mad_pct < 8.3334, "MAD 1 = 8.333 %% of the median (%g)",
           s->mad_pct);
    TAP_OK(!g->stat[AGG_COL_p99_ns].present, "p99 not measured: absent");
    TAP_OK(g->samples[AGG_COL_ns_per_event].n == 5 && g->samples[AGG_COL_ns_per_event].v[4] == 50,
           "samples kept in file order");
    TAP_OK(aggregate_write(&a, out, err, sizeof err) == 0, "writes aggregate.csv");
    aggregate_free(&a);

    TAP_OK(csv_reader_open(&r, out, err, sizeof err) == 0, "aggregate.csv reads back");
    int c_med = csv_reader_column(&r, "ns_per_event_median");
    int c_mad = csv_reader_column(&r, "ns_per_event_mad_pct");
    int c_p99 = csv_reader_column(&r, "p99_ns_median");
    int c_rss = csv_reader_column(&r, "peak_rss_bytes_max");
    TAP_OK(c_med > 0 && c_mad > 0 && c_p99 > 0 && c_rss > 0, "columns named METRIC_STAT");
    TAP_OK(csv_reader_column(&r, "rep_median") < 0 && csv_reader_column(&r, "events_median") < 0,
           "rep and events are not aggregated");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 1 && !strcmp(csv_reader_field(&r, 0), "t") &&
               !strcmp(csv_reader_field(&r, 2), "5") && !strcmp(csv_reader_field(&r, 3), "1") &&
               !strcmp(csv_reader_field(&r, c_med), "12") &&
               !strcmp(csv_reader_field(&r, c_mad), "8.33333") &&
               !strcmp(csv_reader_field(&r, c_p99), "") &&
               !strcmp(csv_reader_field(&r, c_rss), "4096"),
           "row t/sgi: 5 ok, 1 failed, median 12, MAD 8.33333 %%, p99 empty, RSS 4096");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 1 && !strcmp(csv_reader_field(&r, 0), "a,b") &&
               !strcmp(csv_reader_field(&r, c_mad), ""),
           "row with a quoted trace name; MAD of a zero median is empty");
    csv_reader_close(&r);
    unlink(path);
    unlink(out);
    rmdir(dir);
    return tap_done();
}
