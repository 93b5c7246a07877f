#include "campaign/report.h"

#include "campaign/aggregate.h"
#include "campaign/verdict.h"
#include "util/atomic_file.h"
#include "util/csv_reader.h"

#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_html(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: putc(*s, f);
        }
    }
}

/* Copies PATH into F as base64. Returns 0 or -1 (errno set). */
static int put_base64_file(FILE *f, const char *path)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char in[3 * 1024];
    size_t n;
    FILE *src = fopen(path, "rb");
    if (!src)
        return -1;
    /* Whole 3-byte groups per read, so only the file's last group needs padding. */
    while ((n = fread(in, 1, sizeof in, src)) > 0) {
        for (size_t i = 0; i < n; i += 3) {
            unsigned v = (unsigned)in[i] << 16;
            size_t left = n - i;
            if (left > 1)
                v |= (unsigned)in[i + 1] << 8;
            if (left > 2)
                v |= in[i + 2];
            putc(tbl[v >> 18 & 63], f);
            putc(tbl[v >> 12 & 63], f);
            putc(left > 1 ? tbl[v >> 6 & 63] : '=', f);
            putc(left > 2 ? tbl[v & 63] : '=', f);
        }
        if (n < sizeof in)
            break;
    }
    int bad = ferror(src);
    fclose(src);
    return bad ? -1 : 0;
}

static const char style[] =
    "body{font-family:system-ui,'DejaVu Sans',sans-serif;margin:2em auto;max-width:1200px;"
    "color:#222;padding:0 1em}"
    "h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}"
    "figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}"
    "figcaption{color:#555;font-size:.9em}"
    "table{border-collapse:collapse;font-size:.85em}"
    "th,td{border:1px solid #ddd;padding:.3em .6em;text-align:right}"
    "td{white-space:nowrap}"
    "th{background:#f4f4f4}td.l,th.l{text-align:left}"
    "pre{background:#f7f7f7;padding:1em;overflow-x:auto;font-size:.85em}"
    ".bad{color:#b00020}"
    "tr.significant td:last-child{font-weight:bold}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:0 1.5em}";

static void put_charts(FILE *out, const char *dir)
{
    /* Fixed order, so the page reads the same way for every campaign. */
    /* {pattern, caption, "grid" when the charts are narrow enough to sit side by side} */
    static const char *const groups[][3] = {
        {"throughput.png", "Throughput: median over repetitions, whiskers from the slowest to "
                           "the fastest run.", ""},
        {"latency-*.png", "Latency percentiles of each backend (log scale).", "grid"},
        {"memory-*.png", "Live bytes, backend footprint and resident set over the replay.", ""},
        {"breakdown-*.png", "Where the memory went: the allocator's own view at peak RSS (live, "
                            "free in caches and lists, metadata, mapped but unused) beside the "
                            "peak RSS.", ""},
        {"fragmentation.png", "Fragmentation: internal and Johnstone & Wilson #3 and #4.", ""},
    };
    int any = 0;
    fputs("<h2 id=\"charts\">Charts</h2>\n", out);
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        char pattern[4200];
        glob_t gl;
        snprintf(pattern, sizeof pattern, "%s/plots/%s", dir, groups[g][0]);
        if (glob(pattern, 0, NULL, &gl) != 0)
            continue;
        if (*groups[g][2])
            fputs("<div class=\"grid\">\n", out);
        for (size_t i = 0; i < gl.gl_pathc; i++) {
            const char *base = strrchr(gl.gl_pathv[i], '/') + 1;
            fputs("<figure><img class=\"chart\" alt=\"", out);
            put_html(out, base);
            fputs("\" src=\"data:image/png;base64,", out);
            if (put_base64_file(out, gl.gl_pathv[i]) == 0)
                any = 1;
            fputs("\"><figcaption>", out);
            put_html(out, groups[g][1]);
            fputs(" (plots/", out);
            put_html(out, base);
            fputs(", also as SVG)</figcaption></figure>\n", out);
        }
        if (*groups[g][2])
            fputs("</div>\n", out);
        globfree(&gl);
    }
    if (!any)
        fputs("<p>No charts: run <code>allocreplay plot</code> on this directory (it needs "
              "gnuplot).</p>\n", out);
}

/* The dispersion after a median, when there is one to show. */
static void put_spread(FILE *out, const struct agg_stat *s)
{
    if (!isnan(s->mad_pct) && s->mad_pct > 0)
        fprintf(out, " <small>&plusmn;%.1f%%</small>", s->mad_pct);
}

/* A median scaled and formatted, or a dash when the metric was not measured. */
static void put_cell(FILE *out, const struct agg_stat *s, double scale, const char *fmt)
{
    fputs("<td>", out);
    if (s->present) {
        fprintf(out, fmt, s->median * scale);
        put_spread(out, s);
    } else {
        fputs("&ndash;", out);
    }
    fputs("</td>", out);
}

/* A Johnstone & Wilson measure shown as the ratio it is built on, footprint / live = measure
 * + 1: "1.00x" is no overhead; large ratios without a fraction. */
static void put_ratio(FILE *out, const struct agg_stat *s)
{
    fputs("<td>", out);
    if (s->present) {
        double r = s->median + 1;
        fprintf(out, r < 100 ? "%.2fx" : "%.0fx", r);
        put_spread(out, s);
    } else {
        fputs("&ndash;", out);
    }
    fputs("</td>", out);
}

/* A byte count in the unit that keeps it readable (small traces live in KiB, big in MiB). */
static void put_bytes(FILE *out, const struct agg_stat *s)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    fputs("<td>", out);
    if (s->present) {
        double v = s->median;
        size_t u = 0;
        while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
            v /= 1024;
            u++;
        }
        fprintf(out, u ? "%.1f&nbsp;%s" : "%.0f&nbsp;%s", v, units[u]);
        put_spread(out, s);
    } else {
        fputs("&ndash;", out);
    }
    fputs("</td>", out);
}

/* The verdict first: per trace, the fastest, the best p99 and the least memory, each with its
 * margin over the runner-up and whether the margin is called (campaign/verdict.h). */
static int put_verdict(FILE *out, const struct aggregate *a)
{
    struct verdict v;
    if (verdict_compute(&v, a, STATS_DEFAULT_THRESHOLD))
        return -1;
    fprintf(out, "<h2 id=\"verdict\">Verdict</h2>\n<p>Per trace, the backend with the lowest "
                 "median; the runner-up's margin is the Hodges&ndash;Lehmann shift as a percentage "
                 "of the best's median, with its 95%% confidence interval. A lead is called when "
                 "the Mann&ndash;Whitney p &lt; %.2g and it is at least %g%% (docs/campaigns.md)."
                 "</p>\n<table><tr><th class=\"l\">trace</th><th class=\"l\">aspect</th>"
                 "<th class=\"l\">verdict</th></tr>\n", STATS_ALPHA, 100 * v.threshold);
    for (size_t i = 0; i < v.n; i++) {
        char text[512];
        const struct verdict_line *l = &v.line[i];
        verdict_describe(&v, l, text, sizeof text);
        fprintf(out, "<tr class=\"%s\"><td class=\"l\">", verdict_state_name(l->state));
        put_html(out, l->trace);
        fprintf(out, "</td><td class=\"l\">%s</td><td class=\"l\">",
                verdict_aspect_label(l->aspect));
        put_html(out, text);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
    verdict_free(&v);
    return 0;
}

static void put_table(FILE *out, const struct aggregate *a)
{
    fputs("<h2 id=\"aggregate\">Aggregate</h2>\n"
          "<p>Median over the successful repetitions; &plusmn; is the median absolute deviation "
          "as a percentage of the median (left out when it is 0). Every figure per (trace, "
          "backend) is in <code>aggregate.csv</code>.</p>\n"
          "<table><tr><th class=\"l\">trace</th><th class=\"l\">backend</th><th>ok</th>"
          "<th>failed</th><th>ns/event</th><th>M events/s</th><th>p99 ns</th>"
          "<th>peak live</th><th>peak footprint</th><th>peak RSS</th>"
          "<th>internal frag</th><th>peak footprint / peak live</th></tr>\n",
          out);
    for (size_t i = 0; i < a->n_groups; i++) {
        const struct agg_group *g = &a->group[i];
        fputs("<tr><td class=\"l\">", out);
        put_html(out, g->trace);
        fputs("</td><td class=\"l\">", out);
        put_html(out, g->backend);
        fprintf(out, "</td><td>%zu</td><td%s>%zu</td>", g->n_ok,
                g->n_failed ? " class=\"bad\"" : "", g->n_failed);
        put_cell(out, &g->stat[AGG_COL_ns_per_event], 1, "%.2f");
        put_cell(out, &g->stat[AGG_COL_events_per_sec], 1e-6, "%.2f");
        put_cell(out, &g->stat[AGG_COL_p99_ns], 1, "%.0f");
        put_bytes(out, &g->stat[AGG_COL_peak_live_bytes]);
        put_bytes(out, &g->stat[AGG_COL_peak_footprint_bytes]);
        put_bytes(out, &g->stat[AGG_COL_peak_rss_bytes]);
        put_cell(out, &g->stat[AGG_COL_frag_internal], 100, "%.1f%%");
        put_ratio(out, &g->stat[AGG_COL_frag_jw4]);
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
}

/* The failed cells, straight from summary.csv. */
static int put_failures(FILE *out, const char *dir, char *err, size_t err_len)
{
    char path[4200];
    struct csv_reader r;
    int rc, n = 0;
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if (csv_reader_open(&r, path, err, err_len))
        return -1;
    int ct = csv_reader_column(&r, "trace"), cb = csv_reader_column(&r, "backend");
    int cr = csv_reader_column(&r, "rep"), cs = csv_reader_column(&r, "status");
    fputs("<h2 id=\"failures\">Failed cells</h2>\n", out);
    while ((rc = csv_reader_next(&r, err, err_len)) == 1) {
        if (!strcmp(csv_reader_field(&r, cs), "ok"))
            continue;
        if (!n++)
            fputs("<table><tr><th class=\"l\">trace</th><th class=\"l\">backend</th><th>rep</th>"
                  "<th class=\"l\">status</th></tr>\n",
                  out);
        fputs("<tr><td class=\"l\">", out);
        put_html(out, csv_reader_field(&r, ct));
        fputs("</td><td class=\"l\">", out);
        put_html(out, csv_reader_field(&r, cb));
        fputs("</td><td>", out);
        put_html(out, csv_reader_field(&r, cr));
        fputs("</td><td class=\"l bad\">", out);
        put_html(out, csv_reader_field(&r, cs));
        fputs("</td></tr>\n", out);
    }
    csv_reader_close(&r);
    fputs(n ? "</table>\n" : "<p>None: every cell succeeded.</p>\n", out);
    return rc < 0 ? -1 : 0;
}

/* The campaign name from meta.yaml's top-level `name:` line (quotes removed), into out; empty
 * when there is none. A line scan, not a YAML parse: the page only needs a heading. */
static void campaign_name(const char *dir, char *out, size_t len)
{
    char path[4200], line[512];
    snprintf(path, sizeof path, "%s/meta.yaml", dir);
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "name: ", 6)) {
            char *v = line + 6;
            v[strcspn(v, "\r\n")] = '\0';
            size_t n = strlen(v);
            if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
                v[n - 1] = '\0';
                v++;
            }
            /* A longer name is cut: it is only a heading. */
            if (snprintf(out, len, "%s", v) >= (int)len)
                out[len - 1] = '\0';
            break;
        }
    fclose(f);
}

/* The last component of DIR, trailing slashes ignored ("results/demo/20261125-104500/"). */
static void run_name(const char *dir, char *out, size_t len)
{
    size_t end = strlen(dir), start;
    while (end > 1 && dir[end - 1] == '/')
        end--;
    for (start = end; start > 0 && dir[start - 1] != '/'; start--)
        ;
    snprintf(out, len, "%.*s", (int)(end - start), dir + start);
}

static void put_meta(FILE *out, const char *dir)
{
    char path[4200], buf[4096];
    size_t n;
    snprintf(path, sizeof path, "%s/meta.yaml", dir);
    FILE *f = fopen(path, "r");
    fputs("<h2 id=\"meta\">Machine and build (meta.yaml)</h2>\n", out);
    if (!f) {
        fputs("<p>No meta.yaml in this directory.</p>\n", out);
        return;
    }
    fputs("<pre>", out);
    while ((n = fread(buf, 1, sizeof buf - 1, f)) > 0) {
        buf[n] = '\0';
        put_html(out, buf);
    }
    fclose(f);
    fputs("</pre>\n", out);
}

int report_write(const char *dir, char *err, size_t err_len)
{
    struct aggregate a;
    struct atomic_file af;
    char path[4200];
    char name[256], run[256];

    if (aggregate_load(&a, dir, err, err_len))
        return -1;
    snprintf(path, sizeof path, "%s/report.html", dir);
    if (atomic_file_open(&af, path, err, err_len)) {
        aggregate_free(&a);
        return -1;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>allocreplay: ",
          af.f);
    put_html(af.f, dir);
    fprintf(af.f, "</title>\n<style>%s</style></head>\n<body>\n<h1>allocreplay results: ", style);
    campaign_name(dir, name, sizeof name);
    run_name(dir, run, sizeof run);
    if (*name && strcmp(name, run)) {
        put_html(af.f, name);
        fputs(" <small>(", af.f);
        put_html(af.f, run);
        fputs(")</small>", af.f);
    } else {
        put_html(af.f, run);
    }
    fputs("</h1>\n<p>Directory <code>", af.f);
    put_html(af.f, dir);
    fputs("</code>. Per-cell figures in <code>summary.csv</code>, latency histograms in "
          "<code>latency.csv</code>, memory over time in <code>timeline.csv</code>; metric "
          "definitions in <code>docs/metrics.md</code>.</p>\n",
          af.f);
    if (put_verdict(af.f, &a)) {
        snprintf(err, err_len, "%s: out of memory", path);
        aggregate_free(&a);
        atomic_file_abort(&af);
        return -1;
    }
    put_table(af.f, &a);
    put_charts(af.f, dir);
    aggregate_free(&a);
    if (put_failures(af.f, dir, err, err_len)) {
        atomic_file_abort(&af);
        return -1;
    }
    put_meta(af.f, dir);
    fputs("</body></html>\n", af.f);
    return atomic_file_commit(&af, err, err_len);
}
