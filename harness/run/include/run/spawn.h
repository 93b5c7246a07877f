/* Driver side of the process model (docs/architecture.md): start a worker executable with
 * fork+exec, collect its report from a pipe, enforce the time and memory limits, and say in a
 * few words what happened to it ("ok", "signal SIGSEGV", "aborted", "killed (timeout 10s)",
 * "exit 3", or the worker's own failure line such as "verify: event 1234 id 17: content
 * mismatch ..."). */
#ifndef ALLOCREPLAY_SPAWN_H
#define ALLOCREPLAY_SPAWN_H

#include <stddef.h>
#include <stdint.h>

/* The worker executable next to the running driver (/proc/self/exe): "allocreplay-worker",
 * or "allocreplay-worker-NAME" when name is not NULL. Returns a malloc'd path (which may not
 * exist; check with access()), or NULL. */
char *spawn_worker_path(const char *name);

struct spawn_request {
    const char *path;    /* executable */
    char *const *argv;   /* argv[0] first, NULL-terminated */
    const char *preload; /* LD_PRELOAD for the child, or NULL to keep the environment's */
    int report_fd;       /* the child's fd that carries the report: 1 (stdout) or 3 */
    unsigned timeout_s;  /* SIGKILL after this many seconds; 0 = none */
    uint64_t memory_limit; /* RLIMIT_AS of the child in bytes; 0 = none */
    /* Called about once a second while the child runs, with its report so far (NUL-terminated);
     * may be NULL. */
    void (*tick)(void *ctx, const char *report, size_t len);
    void *tick_ctx;
};

struct spawn_result {
    int ok;             /* exit 0, complete report, no failure line */
    char status[512];   /* "ok" or the reason */
    char *report;       /* everything the child wrote on report_fd, NUL-terminated; malloc'd */
    size_t report_len;
    char *errors;       /* everything it wrote on stderr, NUL-terminated; malloc'd */
    int exit_code;      /* when it exited normally, else -1 */
    int signal;         /* the signal that ended it, else 0 */
    int timed_out;
};

/* Runs the child to completion. Returns 0 (result filled, whatever became of the child), or
 * -1 with err set when the child could not be started at all (pipe, fork, exec). */
int spawn_run(const struct spawn_request *req, struct spawn_result *res, char *err, size_t err_len);

void spawn_result_free(struct spawn_result *res);

/* Runs `WORKER ARG` (--list: "name<TAB>description" lines; --options: the keys of each
 * backend) and returns its output (malloc'd), or NULL with err set. */
char *spawn_worker_output(const char *worker, const char *arg, char *err, size_t err_len);

#endif
