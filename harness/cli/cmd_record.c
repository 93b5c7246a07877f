/* allocreplay record -o OUT [--follow-forks] [--keep-raw] [--raw-dir DIR] [--import-after]
 *                    -- CMD ARGS...
 *
 * Runs CMD with the recorder preloaded (recorder/recorder.c) and imports the raw logs
 * (record_import.c): while CMD runs, a thread of ours at the lowest priority (nice 19: it gets
 * little CPU time where CMD wants it) imports what the logs hold so far; once CMD has ended,
 * the rest. Then OUT (.alrt streamed as it is imported; .alrt.zst or .yaml through
 * trace_save).
 *
 * Exit status: 0 when CMD succeeded and the trace was written; 1 when CMD failed (non-zero
 * exit or a signal) -- the trace is still written if anything was recorded, since a crash
 * is often what one wants to study -- or when nothing could be recorded; 2 for bad usage,
 * a CMD that cannot be started, or an output that cannot be written.
 */
#include "cli.h"
#include "trace/record_import.h"
#include "recorder/recorder_log.h"
#include "trace/trace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RECORDER_SO "liballocreplay-record.so"

struct args {
    const char *out, *raw_parent;
    int follow, keep_raw, import_after;
    int zstd_level;
};

static const struct opt_row rows[] = {
    {"output", 'o', OPT_STRING, OPT_AT(struct args, out), .metavar = "OUT.alrt", .required = 1,
     .help = "the trace to write (.alrt binary, .alrt.zst compressed, .yaml text)"},
    {"follow-forks", 0, OPT_FLAG, OPT_AT(struct args, follow),
     .help = "also record forked children and the programs they exec"},
    {"keep-raw", 0, OPT_FLAG, OPT_AT(struct args, keep_raw),
     .help = "keep the raw per-process logs (their directory is printed)"},
    {"raw-dir", 0, OPT_STRING, OPT_AT(struct args, raw_parent), .metavar = "DIR",
     .help = "where the raw logs go (default: /dev/shm, else $TMPDIR)"},
    {"import-after", 0, OPT_FLAG, OPT_AT(struct args, import_after),
     .help = "import the logs only once CMD has ended (default: also while it runs, at the "
             "lowest priority)"},
    CLI_ZSTD_LEVEL_ROW(struct args, zstd_level),
};

const struct opt_command record_command = {
    .prog = "allocreplay record",
    .positional = "-- CMD [ARGS...]",
    .min_pos = 1,
    .max_pos = -1,
    .stop_at_positional = 1,
    .summary = "Runs CMD with the allocation recorder preloaded and writes its trace.",
    .epilog = "Exit status: 0 CMD succeeded and the trace was written; 1 CMD failed (the trace is\n"
              "still written) or nothing was recorded; 2 bad usage or an unwritable output.\n",
    OPT_ROWS(rows),
};

/* The recorder: $ALLOCREPLAY_RECORDER, else ../recorder/ relative to this executable (the
 * build tree: build/harness/allocreplay, build/recorder/), else ../libexec/allocreplay/
 * (installed). */
static int find_recorder(char *out, size_t len)
{
    const char *env = getenv("ALLOCREPLAY_RECORDER");
    if (env && *env) {
        snprintf(out, len, "%s", env);
        return access(out, R_OK);
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    const char *dir = dirname(exe);
    snprintf(out, len, "%s/../recorder/" RECORDER_SO, dir);
    if (access(out, R_OK) == 0)
        return 0;
    snprintf(out, len, "%s/../libexec/allocreplay/" RECORDER_SO, dir);
    return access(out, R_OK);
}

static int make_raw_dir(const char *parent, char *out, size_t len)
{
    if (!parent) {
        const char *tmp = getenv("TMPDIR");
        parent = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmp && *tmp ? tmp : "/tmp";
    }
    snprintf(out, len, "%s/allocreplay-record.XXXXXX", parent);
    return mkdtemp(out) ? 0 : -1;
}

static void remove_raw_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[PATH_MAX];
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, RECORDER_LOG_SUFFIX) &&
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
            unlink(path);
    closedir(d);
    rmdir(dir);
}

/* In the child: the environment the recorder reads, then exec. Reports exec's errno on the
 * close-on-exec pipe, so the parent can tell "cannot run" from "ran and failed". */
static void exec_recorded(char **cmd, const char *so, const char *raw, int follow, int err_fd)
{
    char pid[32], preload[PATH_MAX * 2];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    const char *old = getenv("LD_PRELOAD");
    if (old && *old)
        snprintf(preload, sizeof preload, "%s:%s", so, old);
    else
        snprintf(preload, sizeof preload, "%s", so);
    setenv(RECORDER_ENV_DIR, raw, 1);
    setenv(RECORDER_ENV_PID, pid, 1);
    setenv(RECORDER_ENV_FOLLOW, follow ? "1" : "0", 1);
    setenv("LD_PRELOAD", preload, 1);
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    execvp(cmd[0], cmd);
    int e = errno;
    ssize_t w = write(err_fd, &e, sizeof e);
    (void)w;
    _exit(127);
}

/* The trace's description: "recorded from: CMD ARGS..." on one line (a `python -c` program
 * has newlines), shortened if long. */
static void describe(char **cmd, char *out, size_t len)
{
    size_t used = (size_t)snprintf(out, len, "recorded from:");
    for (char **a = cmd; *a && used < len; a++)
        used += (size_t)snprintf(out + used, len - used, " %s", *a);
    if (used >= len && len > 4)
        memcpy(out + len - 4, "...", 4);
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < ' ')
            *c = ' ';
}

/* Refuses, before a long recording, an output of the wrong kind or in an unwritable place.
 * 0 or 2 (after one line on stderr). */
static int check_output(const char *out)
{
    enum trace_format out_format = trace_format_from_path(out);
    if (out_format != TRACE_FORMAT_BINARY && out_format != TRACE_FORMAT_BINARY_ZSTD &&
        out_format != TRACE_FORMAT_YAML) {
        fprintf(stderr, "allocreplay record: %s: the output must end in .alrt, .alrt.zst or "
                        ".yaml\n", out);
        return 2;
    }
    char out_dir[PATH_MAX];
    snprintf(out_dir, sizeof out_dir, "%s", out);
    if (access(dirname(out_dir), W_OK) != 0) {
        fprintf(stderr, "allocreplay record: %s: cannot write there: %s\n", out, strerror(errno));
        return 2;
    }
    return 0;
}

/* The import beside CMD: a thread polling the logs, every millisecond when nothing is new, at
 * the lowest priority. Not SCHED_IDLE: that would give way to any other job, the machine's
 * nice 19 background work too, and leave everything to import after CMD. */
#define LIVE_NICE 19

struct live_import {
    struct record_import *ri;
    pthread_t thread;
    atomic_int stop;
    int started;
};

static void *live_main(void *arg)
{
    struct live_import *l = arg;
    /* On Linux a thread has its own nice value. Best effort. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), LIVE_NICE);
    const struct timespec ms = {0, 1000000};
    while (!atomic_load_explicit(&l->stop, memory_order_acquire)) {
        int rc = record_import_poll(l->ri);
        if (rc < 0)
            break; /* record_import_end reports it */
        if (rc == 0)
            nanosleep(&ms, NULL);
    }
    return NULL;
}

/* Runs CMD recorded into raw and waits for it, like system(): Ctrl-C goes to CMD while we
 * stay to write what it recorded; live (if not NULL) imports meanwhile. Returns 0 with *pid
 * and *status, or 2 when CMD cannot run (after one line on stderr). */
static int run_recorded(char **cmd, const char *so, const char *raw, int follow,
                        struct live_import *live, pid_t *pid, int *status)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        fprintf(stderr, "allocreplay record: pipe: %s\n", strerror(errno));
        return 2;
    }
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    fflush(NULL);
    *pid = fork();
    if (*pid == 0) {
        close(pipefd[0]);
        exec_recorded(cmd, so, raw, follow, pipefd[1]);
    }
    int fork_errno = errno;
    close(pipefd[1]);
    int exec_errno = 0;
    *status = 0;
    if (*pid > 0 && read(pipefd[0], &exec_errno, sizeof exec_errno) != sizeof exec_errno)
        exec_errno = 0;
    close(pipefd[0]);
    if (*pid > 0 && !exec_errno && live) {
        record_import_set_top_pid(live->ri, (uint32_t)*pid);
        live->started = pthread_create(&live->thread, NULL, live_main, live) == 0;
    }
    if (*pid > 0)
        while (waitpid(*pid, status, 0) < 0 && errno == EINTR)
            ;
    if (live && live->started) {
        atomic_store_explicit(&live->stop, 1, memory_order_release);
        pthread_join(live->thread, NULL);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    if (*pid < 0 || exec_errno) {
        fprintf(stderr, "allocreplay record: cannot run '%s': %s\n", cmd[0],
                strerror(*pid < 0 ? fork_errno : exec_errno));
        return 2;
    }
    return 0;
}

static void report_command_failure(const char *cmd, int status)
{
    if (WIFSIGNALED(status))
        fprintf(stderr, "allocreplay record: %s was killed by signal %d\n", cmd, WTERMSIG(status));
    else
        fprintf(stderr, "allocreplay record: %s exited with status %d\n", cmd, WEXITSTATUS(status));
}

/* Ends the import ri of the run of cmd and writes out (already written, when streamed).
 * Returns 0 when it was written, 1 when nothing could be recorded, 2 when out cannot be
 * written. */
static int import_and_write(const struct args *a, char **cmd, struct record_import *ri,
                            int streamed)
{
    struct record_import_report rep;
    struct trace t = {0};
    struct trace_error err;
    int rc = record_import_end(ri, &t, &rep, &err);
    if (rc != 0) {
        fprintf(stderr, "allocreplay record: %s\n", err.msg);
        return 1;
    }
    if (rep.logs == 0) {
        fprintf(stderr, "allocreplay record: the recorder was never loaded into %s (a statically "
                        "linked or setuid program ignores LD_PRELOAD): no trace written\n", cmd[0]);
        rc = 1;
    } else if (rep.events == 0) {
        fprintf(stderr, "allocreplay record: %s made no heap allocation (the recorder was loaded): "
                        "no trace written\n", cmd[0]);
        rc = 1;
    } else if (!streamed &&
               trace_save_with(a->out, &t, &(struct trace_save_options){a->zstd_level}, &err) != 0) {
        fprintf(stderr, "allocreplay record: %s\n", err.msg);
        rc = 2;
    } else {
        /* On stderr: CMD's own output may be what stdout carries. */
        fprintf(stderr, "%s: %llu events, %u objects, %u threads, %llu frees of earlier memory "
                        "dropped", a->out, (unsigned long long)rep.events, rep.objects, rep.threads,
               (unsigned long long)rep.dropped_frees);
        if (rep.images > 1)
            fprintf(stderr, ", %u processes/images", rep.images);
        if (rep.lost_records)
            fprintf(stderr, ", %llu records lost", (unsigned long long)rep.lost_records);
        if (rep.clamped_sizes)
            fprintf(stderr, ", %llu sizes over 1 TiB clamped",
                    (unsigned long long)rep.clamped_sizes);
        fprintf(stderr, "\n");
    }
    trace_release(&t);
    return rc;
}

int cmd_record(int argc, char **argv)
{
    struct args a = {0};
    struct opt_parsed p;
    char so[PATH_MAX], raw[PATH_MAX];
    pid_t pid;
    int status, rc = cli_parse(&record_command, argc, argv, &a, &p);
    if (rc >= 0 || (rc = check_output(a.out)))
        return rc;
    char **cmd = p.pos;
    cmd[p.n_pos] = NULL; /* argv[argc] is NULL; the positional arguments now end earlier */
    if (find_recorder(so, sizeof so) != 0) {
        fprintf(stderr, "allocreplay record: cannot find %s (set ALLOCREPLAY_RECORDER)\n",
                RECORDER_SO);
        return 2;
    }
    if (make_raw_dir(a.raw_parent, raw, sizeof raw) != 0) {
        fprintf(stderr, "allocreplay record: cannot create a directory for the raw logs in %s: %s\n",
                a.raw_parent ? a.raw_parent : "/dev/shm or $TMPDIR", strerror(errno));
        return 2;
    }
    /* The import is begun before CMD starts: the pid it is to follow is set once known. A
     * binary trace is streamed to its file; the other formats are written from memory. */
    char description[1024];
    describe(cmd, description, sizeof description);
    char *name = trace_name_from_path(a.out);
    struct record_import_options opt = {a.follow, 0, name, description};
    struct trace_error err;
    int streamed = trace_format_from_path(a.out) == TRACE_FORMAT_BINARY;
    struct live_import live = {0};
    live.ri = record_import_begin(raw, &opt, streamed ? a.out : NULL, &err);
    if (!live.ri) {
        fprintf(stderr, "allocreplay record: %s\n", err.msg);
        free(name);
        remove_raw_dir(raw);
        return 2;
    }
    if (run_recorded(cmd, so, raw, a.follow, a.import_after ? NULL : &live, &pid, &status)) {
        record_import_abort(live.ri);
        free(name);
        remove_raw_dir(raw);
        return 2;
    }
    int cmd_failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    if (cmd_failed)
        report_command_failure(cmd[0], status);
    record_import_set_top_pid(live.ri, (uint32_t)pid);
    rc = import_and_write(&a, cmd, live.ri, streamed);
    free(name);
    if (rc == 0 && cmd_failed)
        rc = 1;
    if (a.keep_raw)
        fprintf(stderr, "allocreplay record: raw logs kept in %s\n", raw);
    else
        remove_raw_dir(raw);
    return rc;
}
