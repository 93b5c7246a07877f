/* meta.yaml: what ran, where, built how (docs/campaigns.md), so that two results directories can be
 * compared knowing whether the machine or the build changed. */
#include "run/results.h"

#include "util/atomic_file.h"
#include "config.h"
#include "git_revision.h"
#include "replay/pace.h"
#include "replay/replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

void results_put_yaml_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s < 0x20)
            fprintf(f, "\\x%02x", (unsigned char)*s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void put_time(FILE *f, time_t t)
{
    if (!t) {
        fputs("null", f);
        return;
    }
    char buf[32];
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "\"%s\"", buf);
}

/* First line of a small file, or NULL. */
static char *first_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *got = fgets(buf, (int)len, f);
    fclose(f);
    if (got)
        buf[strcspn(buf, "\n")] = 0;
    return got;
}

static char *cpu_model(char *buf, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return NULL;
    char line[512];
    char *found = NULL;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            const char *colon = strchr(line, ':');
            if (colon) {
                snprintf(buf, len, "%s", colon + 2);
                buf[strcspn(buf, "\n")] = 0;
                found = buf;
            }
            break;
        }
    fclose(f);
    return found;
}

/* The machine: recorded, never part of the identity (shards run on different machines). */
static void put_machine(FILE *f)
{
    char buf[512];
    struct utsname un;
    int have_uname = uname(&un) == 0;
    fprintf(f, "\nmachine:\n  cpu_model: ");
    results_put_yaml_str(f, cpu_model(buf, sizeof buf));
    fprintf(f, "\n  cores: %ld\n  kernel: ", sysconf(_SC_NPROCESSORS_ONLN));
    if (have_uname) {
        char k[sizeof un.sysname + sizeof un.release + sizeof un.machine + 4];
        snprintf(k, sizeof k, "%s %s %s", un.sysname, un.release, un.machine);
        results_put_yaml_str(f, k);
    } else {
        results_put_yaml_str(f, NULL);
    }
    fprintf(f, "\n  hostname: ");
    results_put_yaml_str(f, have_uname ? un.nodename : NULL);
    fprintf(f, "\n  governor: ");
    results_put_yaml_str(f, first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", buf, sizeof buf));
}

/* The traces (path, name, checksum) and the backends (label, spec, settings read back). */
static void put_inputs(FILE *f, const struct run_plan *plan, const struct meta_info *mi)
{
    fprintf(f, "traces:\n");
    for (size_t i = 0; i < plan->n_traces; i++) {
        fprintf(f, "  - {path: ");
        results_put_yaml_str(f, plan->traces[i]);
        if (mi->trace_names) {
            fprintf(f, ", name: ");
            results_put_yaml_str(f, mi->trace_names[i]);
            fprintf(f, ", checksum: \"%016llx\"", (unsigned long long)mi->trace_checksums[i]);
        }
        fprintf(f, "}\n");
    }
    fprintf(f, "backends:\n");
    for (size_t i = 0; i < plan->n_backends; i++) {
        fprintf(f, "  - ");
        results_put_yaml_str(f, mi->labels ? mi->labels[i] : plan->backends[i]);
        fputc('\n', f);
    }
    /* What each backend ran with, as its allocator reported it after start-up. */
    if (mi->configs) {
        fprintf(f, "backend_configs:\n");
        for (size_t i = 0; i < plan->n_backends; i++) {
            fprintf(f, "  - backend: ");
            results_put_yaml_str(f, mi->labels[i]);
            fprintf(f, "\n    spec: ");
            results_put_yaml_str(f, plan->backends[i]);
            fprintf(f, "\n    config: ");
            results_put_yaml_str(f, mi->configs[i]);
            fputc('\n', f);
        }
    }
}

void results_print_meta(FILE *f, const struct run_plan *plan, const struct meta_info *mi)
{
    fprintf(f, "format: allocreplay-results/1\nkind: %s\nallocreplay: ",
            plan->campaign_file ? "campaign" : "run");
    results_put_yaml_str(f, ALLOCREPLAY_VERSION);
    fprintf(f, "\nname: ");
    results_put_yaml_str(f, plan->name);
    fprintf(f, "\nstarted: ");
    put_time(f, mi->started);
    fprintf(f, "\nfinished: ");
    put_time(f, mi->finished);
    fprintf(f, "\ncampaign_file: ");
    results_put_yaml_str(f, plan->campaign_file);
    if (plan->campaign_file)
        fprintf(f, "\ncampaign_hash: \"%016llx\"", (unsigned long long)plan->campaign_hash);
    put_machine(f);
    fprintf(f, "\nbuild:\n  compiler: ");
    results_put_yaml_str(f, ALLOCREPLAY_CC);
    fprintf(f, "\n  buildtype: ");
    results_put_yaml_str(f, ALLOCREPLAY_BUILDTYPE);
    fprintf(f, "\n  optimization: ");
    results_put_yaml_str(f, ALLOCREPLAY_OPTIMIZATION);
    fprintf(f, "\n  c_args: ");
    results_put_yaml_str(f, ALLOCREPLAY_C_ARGS);
    fprintf(f, "\n  sanitize: ");
    results_put_yaml_str(f, ALLOCREPLAY_SANITIZE);
    fprintf(f, "\n  git_revision: ");
    results_put_yaml_str(f, ALLOCREPLAY_GIT_REVISION);
    fprintf(f, "\ntimer:\n  kind: ");
    results_put_yaml_str(f, mi->timer);
    if (mi->tsc_hz > 0)
        fprintf(f, "\n  tsc_hz: %.0f", mi->tsc_hz);
    if (mi->resolution_ns > 0)
        fprintf(f, "\n  resolution_ns: %.3f", mi->resolution_ns);
    const struct run_options *o = &plan->opt;
    fprintf(f, "\noptions:\n  repetitions: %u\n  warmup: %u\n  latency: %s\n  memory: %s\n"
               "  verify: %s\n  touch: %s\n  rss_every: %llu\n  timeout: %u\n  memory_limit: %llu\n"
               "  lenient: %s\n  min_time_ms: %llu\n  threads: %s\n",
            plan->repetitions, plan->warmup, o->latency ? "true" : "false",
            o->memory ? "true" : "false", o->verify ? "true" : "false", o->touch ? "true" : "false",
            (unsigned long long)(o->rss_every ? o->rss_every : REPLAY_DEFAULT_RSS_EVERY), o->timeout_s, (unsigned long long)o->memory_limit,
            o->lenient ? "true" : "false", (unsigned long long)o->min_time_ms,
            o->threads ? "true" : "false");
    char window[16];
    if (o->threads && o->window_set)
        fprintf(f, "  window: %s\n", replay_window_name(o->window, window, sizeof window));
    if (o->pace > 0) {
        char pace[32];
        pace_format(o->pace, pace, sizeof pace);
        fprintf(f, "  pace: %s\n", pace);
        if (o->rss_every_ms)
            fprintf(f, "  rss_every_ms: %llu\n", (unsigned long long)o->rss_every_ms);
    }
    if (plan->shard_n)
        fprintf(f, "shard: \"%u/%u\"\n", plan->shard_k, plan->shard_n);
    put_inputs(f, plan, mi);
}

int results_write_meta(const char *dir, const struct run_plan *plan, const struct meta_info *mi,
                       char *err, size_t err_len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/meta.yaml", dir);
    struct atomic_file af;
    if (atomic_file_open(&af, path, err, err_len))
        return -1;
    results_print_meta(af.f, plan, mi);
    return atomic_file_commit(&af, err, err_len);
}
