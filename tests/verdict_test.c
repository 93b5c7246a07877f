/* The verdict (campaign/verdict.h) on a made-up summary.csv with hand-computed answers: the
 * best and the runner-up by median, the margin and its interval (as in stats_test.c), each
 * state, and the words. */
#include "campaign/verdict.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* t1: ns/event a 10..14, b 15..19, c 30..34 (b - a: shift 5 in [2, 8], of a's median 12);
 *     peak RSS 1000 for all; no p99.  t2: one backend.  t3: 3 repetitions each.
 *     t4: RSS 0 for x, 4096 for y, 5 repetitions (no percentage of 0).
 *     t5: RSS 1000 + i for p and 1010 + i for q (0.9%: significant, below 3%). */
static int write_summary(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "trace,backend,rep,status,ns_per_event,p99_ns,peak_rss_bytes\n");
    for (int i = 0; i < 5; i++) {
        fprintf(f, "t1,a,%d,ok,%d,,1000\nt1,b,%d,ok,%d,,1000\nt1,c,%d,ok,%d,,1000\n", i + 1,
                10 + i, i + 1, 15 + i, i + 1, 30 + i);
        fprintf(f, "t2,only,%d,ok,5,7,9\n", i + 1);
        fprintf(f, "t4,x,%d,ok,1,1,0\nt4,y,%d,ok,1,1,4096\n", i + 1, i + 1);
        fprintf(f, "t5,p,%d,ok,1,1,%d\nt5,q,%d,ok,1,1,%d\n", i + 1, 1000 + i, i + 1, 1010 + i);
    }
    for (int i = 0; i < 3; i++)
        fprintf(f, "t3,a,%d,ok,%d,,\nt3,b,%d,ok,%d,,\n", i + 1, 10 + i, i + 1, 20 + i);
    fprintf(f, "t1,c,6,signal 9 (SIGKILL),,,\n");
    return fclose(f);
}

static const struct verdict_line *find(const struct verdict *v, const char *trace,
                                       enum verdict_aspect a)
{
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->line[i].trace, trace) && v->line[i].aspect == a)
            return &v->line[i];
    return NULL;
}

static void check_words(const struct verdict *v, const char *trace, enum verdict_aspect a,
                        const char *want)
{
    char text[512] = "";
    const struct verdict_line *l = find(v, trace, a);
    if (l)
        verdict_describe(v, l, text, sizeof text);
    TAP_OK(!strcmp(text, want), "%s %s: '%s' (got '%s')", trace, verdict_aspect_label(a), want,
           text);
}

int main(void)
{
    char dir[] = "/tmp/verdict_test.XXXXXX", err[512], path[300];
    struct aggregate agg;
    struct verdict v;
    if (!mkdtemp(dir) || write_summary(dir) || aggregate_load(&agg, dir, err, sizeof err))
        return 99;
    int rc = verdict_compute(&v, &agg, 0.03);
    TAP_OK(rc == 0 && v.n == 5 * VERDICT_N_ASPECTS,
           "three aspects for each of 5 traces (%zu lines)", v.n);
    const struct verdict_line *l = find(&v, "t1", VERDICT_FASTEST);
    TAP_OK(l && !strcmp(l->best->backend, "a") && !strcmp(l->runner_up->backend, "b") &&
               l->e.shift == 5 && l->e.lo == 2 && l->e.hi == 8 && l->state == VERDICT_SIGNIFICANT,
           "t1 fastest: a, then b by a shift of 5 in [2, 8], significant");
    check_words(&v, "t1", VERDICT_FASTEST, "a, 12.00 ns/event; runner-up b, 17.00 ns/event, "
                                           "+41.7% [+16.7%, +66.7%]: significant (p=0.0079)");
    check_words(&v, "t1", VERDICT_TAIL, "not measured (no latency pass: --latency)");
    check_words(&v, "t1", VERDICT_MEMORY,
                "a, 1000 B; the same median as b: not significant (p=1)");
    check_words(&v, "t2", VERDICT_FASTEST, "only, 5.00 ns/event: the only backend measured");
    TAP_OK(find(&v, "t2", VERDICT_TAIL)->state == VERDICT_ONE_BACKEND, "t2: one backend");
    check_words(&v, "t3", VERDICT_FASTEST,
                "a, 11.00 ns/event; runner-up b, 21.00 ns/event, +90.9%: too few repetitions "
                "for a verdict (4 or more per backend)");
    check_words(&v, "t4", VERDICT_MEMORY,
                "x, 0 B; runner-up y, 4.0 KiB, +4.0 KiB: significant (p=0.0079)");
    check_words(&v, "t5", VERDICT_MEMORY,
                "p, 1002 B; runner-up q, 1012 B, +1.0% [+0.7%, +1.3%]: significant (p=0.0079) "
                "but below the 3% threshold");
    verdict_free(&v);
    rc = verdict_compute(&v, &agg, 0.005);
    TAP_OK(rc == 0 && find(&v, "t5", VERDICT_MEMORY)->state == VERDICT_SIGNIFICANT,
           "t5 at a 0.5%% threshold: significant");
    verdict_free(&v);
    aggregate_free(&agg);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    unlink(path);
    rmdir(dir);
    return tap_done();
}
