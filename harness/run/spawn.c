/* fork+exec of workers and classification of their ends (spawn.h). */
#include "run/spawn.h"

#include "replay/os.h"
#include "replay/worker_report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

char *spawn_worker_path(const char *name)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return NULL;
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (!slash)
        return NULL;
    *slash = 0;
    size_t len = strlen(self) + sizeof "/allocreplay-worker-" + (name ? strlen(name) : 0);
    char *path = malloc(len);
    if (path)
        snprintf(path, len, "%s/allocreplay-worker%s%s", self, name ? "-" : "", name ? name : "");
    return path;
}

/* The environment of the child: ours, with LD_PRELOAD replaced when preload is set. Built
 * before fork, since the child must not allocate between fork and exec. */
static char **child_environ(const char *preload, char **storage)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!preload || strncmp(environ[i], "LD_PRELOAD=", 11))
            env[k++] = environ[i];
    *storage = NULL;
    if (preload) {
        size_t len = strlen(preload) + sizeof "LD_PRELOAD=";
        *storage = malloc(len);
        if (!*storage) {
            free(env);
            return NULL;
        }
        snprintf(*storage, len, "LD_PRELOAD=%s", preload);
        env[k++] = *storage;
    }
    env[k] = NULL;
    return env;
}

struct buffer {
    char *data;
    size_t len, cap;
};

static int buffer_read(struct buffer *b, int fd)
{
    if (b->cap - b->len < 4097) {
        size_t cap = b->cap ? b->cap * 2 : 16384;
        char *grown = realloc(b->data, cap);
        if (!grown)
            return -1;
        b->data = grown;
        b->cap = cap;
    }
    ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
    if (n < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : -1;
    b->len += (size_t)n;
    b->data[b->len] = 0;
    return n > 0; /* 0 = end of file */
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGTRAP: return "SIGTRAP";
    case SIGSYS: return "SIGSYS";
    case SIGPIPE: return "SIGPIPE";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    default: return NULL;
    }
}

/* The last non-empty line of text, without its newline, in out (truncated). */
static void last_line(const char *text, char *out, size_t len)
{
    out[0] = 0;
    if (!text)
        return;
    const char *end = text + strlen(text);
    while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    size_t n = (size_t)(end - start);
    if (n >= len)
        n = len - 1;
    memcpy(out, start, n);
    out[n] = 0;
}

/* Finds "fail REASON" in a report; copies REASON. Returns 1 if found. */
static int report_failure(const char *report, char *out, size_t len)
{
    for (const char *line = report; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n > 5 && !strncmp(line, "fail ", 5)) {
            n -= 5;
            if (n >= len)
                n = len - 1;
            memcpy(out, line + 5, n);
            out[n] = 0;
            return 1;
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

static int report_complete(const char *report, size_t len)
{
    return len >= 4 && !strcmp(report + len - 4, "end\n") &&
           !strncmp(report, WORKER_REPORT_MAGIC "\n", sizeof WORKER_REPORT_MAGIC);
}

static void classify(const struct spawn_request *req, struct spawn_result *res)
{
    char tail[200];
    last_line(res->errors, tail, sizeof tail);
    res->ok = 0;
    if (res->report && report_failure(res->report, res->status, sizeof res->status))
        return;
    if (res->timed_out) {
        snprintf(res->status, sizeof res->status, "killed (timeout %us)", req->timeout_s);
    } else if (res->signal == SIGABRT) {
        snprintf(res->status, sizeof res->status, tail[0] ? "aborted (%s)" : "aborted", tail);
    } else if (res->signal) {
        const char *name = signal_name(res->signal);
        if (name)
            snprintf(res->status, sizeof res->status, "signal %s", name);
        else
            snprintf(res->status, sizeof res->status, "signal %d", res->signal);
    } else if (res->exit_code != 0) {
        snprintf(res->status, sizeof res->status, tail[0] ? "exit %d (%s)" : "exit %d",
                 res->exit_code, tail);
    } else if (req->report_fd != 1 && !report_complete(res->report, res->report_len)) {
        snprintf(res->status, sizeof res->status, "incomplete report");
    } else {
        res->ok = 1;
        snprintf(res->status, sizeof res->status, "ok");
    }
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* The child between fork and exec: only async-signal-safe calls. Never returns. */
static _Noreturn void exec_child(const struct spawn_request *req, char **env, int report_w, int errors_w)
{
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, 0);
        if (req->report_fd != 1)
            dup2(devnull, 1);
    }
    /* stderr first: the report pipe may be about to take the number errors_w has. A pipe end
     * already at its target number keeps O_CLOEXEC through dup2, so clear it. */
    dup2(errors_w, 2);
    if (report_w == req->report_fd)
        fcntl(report_w, F_SETFD, 0);
    else
        dup2(report_w, req->report_fd);
    if (req->memory_limit)
        os_limit_address_space(req->memory_limit); /* one setrlimit: safe after fork */
    execve(req->path, req->argv, env);
    static const char msg[] = "cannot execute the worker\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
}

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Reads the child's report and stderr pipes into out and errs until both are closed; past
 * the request's timeout, kills the child (which closes its pipes) and sets res->timed_out.
 * Closes both fds. */
static void collect(const struct spawn_request *req, pid_t pid, int fds[2], struct buffer *out,
                    struct buffer *errs, struct spawn_result *res)
{
    const int64_t deadline_ms =
        req->timeout_s ? monotonic_ms() + (int64_t)req->timeout_s * 1000 : -1;
    while (fds[0] >= 0 || fds[1] >= 0) {
        struct pollfd pfd[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
        int wait_ms = -1;
        if (deadline_ms >= 0 && !res->timed_out) {
            int64_t left = deadline_ms - monotonic_ms();
            if (left <= 0) {
                /* Killing closes its pipes, which ends this loop. */
                kill(pid, SIGKILL);
                res->timed_out = 1;
                continue;
            }
            wait_ms = left > 1000000 ? 1000000 : (int)left;
        }
        if (req->tick) {
            req->tick(req->tick_ctx, out->data ? out->data : "", out->len);
            if (wait_ms < 0 || wait_ms > 1000)
                wait_ms = 1000;
        }
        int n = poll(pfd, 2, wait_ms);
        if (n < 0 && errno != EINTR)
            break;
        if (n <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i] < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            if (buffer_read(i == 0 ? out : errs, fds[i]) <= 0)
                close_fd(&fds[i]);
        }
    }
    close_fd(&fds[0]);
    close_fd(&fds[1]);
}

/* Waits for the child and records how it ended. */
static void reap(pid_t pid, struct spawn_result *res)
{
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st))
        res->exit_code = WEXITSTATUS(st);
    else if (WIFSIGNALED(st))
        res->signal = WTERMSIG(st);
}

int spawn_run(const struct spawn_request *req, struct spawn_result *res, char *err, size_t err_len)
{
    memset(res, 0, sizeof *res);
    res->exit_code = -1;
    int rep[2] = {-1, -1}, errp[2] = {-1, -1};
    char *preload_storage = NULL;
    char **env = child_environ(req->preload, &preload_storage);
    if (!env || pipe2(rep, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
        snprintf(err, err_len, "cannot start a worker: %s", strerror(errno));
        goto fail;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, err_len, "cannot start a worker: fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0)
        exec_child(req, env, rep[1], errp[1]);
    close_fd(&rep[1]);
    close_fd(&errp[1]);

    struct buffer out = {0}, errs = {0};
    int fds[2] = {rep[0], errp[0]};
    collect(req, pid, fds, &out, &errs, res);
    reap(pid, res);
    res->report = out.data ? out.data : calloc(1, 1);
    res->report_len = out.len;
    res->errors = errs.data ? errs.data : calloc(1, 1);
    classify(req, res);
    free(env);
    free(preload_storage);
    return 0;

fail:
    close_fd(&rep[0]);
    close_fd(&rep[1]);
    close_fd(&errp[0]);
    close_fd(&errp[1]);
    free(env);
    free(preload_storage);
    return -1;
}

void spawn_result_free(struct spawn_result *res)
{
    free(res->report);
    free(res->errors);
    res->report = res->errors = NULL;
}

char *spawn_worker_output(const char *worker, const char *arg, char *err, size_t err_len)
{
    char *argv[] = {(char *)worker, (char *)arg, NULL};
    struct spawn_request req = {.path = worker, .argv = argv, .report_fd = 1, .timeout_s = 30};
    struct spawn_result res;
    if (spawn_run(&req, &res, err, err_len))
        return NULL;
    if (!res.ok) {
        snprintf(err, err_len, "%s %s: %s", worker, arg, res.status);
        spawn_result_free(&res);
        return NULL;
    }
    char *out = res.report;
    res.report = NULL;
    spawn_result_free(&res);
    return out;
}
