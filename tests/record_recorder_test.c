/* The recorder end to end, below the CLI: runs tests/record_prog.c under the LD_PRELOAD
 * library, imports the raw logs and checks the trace event for event.
 *
 *   record_recorder_test RECORDER_SO RECORD_PROG
 */
#include "trace/record_import.h"
#include "record_prog.h"
#include "tap.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *so_path, *prog_path;
static uint64_t wall_ns; /* of the last record(): from before the fork to after the wait */
static const char *clock_name; /* ALLOCREPLAY_RECORD_CLOCK for the recorded program, if set */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* Runs record_prog MODE under the recorder and imports what it logged. */
static int record(const char *mode, int follow, struct trace *t, struct record_import_report *rep)
{
    char dir[] = "/tmp/allocreplay-rec-test.XXXXXX";
    if (!mkdtemp(dir))
        return -1;
    uint64_t start = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        char pidbuf[32];
        snprintf(pidbuf, sizeof pidbuf, "%d", (int)getpid());
        setenv("ALLOCREPLAY_RECORD_DIR", dir, 1);
        setenv("ALLOCREPLAY_RECORD_PID", pidbuf, 1);
        setenv("ALLOCREPLAY_RECORD_FOLLOW_FORKS", follow ? "1" : "0", 1);
        setenv("LD_PRELOAD", so_path, 1);
        if (clock_name)
            setenv("ALLOCREPLAY_RECORD_CLOCK", clock_name, 1);
        execl(prog_path, prog_path, mode, (char *)NULL);
        _exit(127);
    }
    int status;
    pid_t waited = pid < 0 ? pid : waitpid(pid, &status, 0);
    wall_ns = now_ns() - start;
    if (pid < 0 || waited != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        remove_dir(dir);
        return -1;
    }
    struct record_import_options opt = {follow, (uint32_t)pid, mode, NULL};
    struct trace_error err;
    int rc = record_import_dir(dir, &opt, t, rep, &err);
    if (rc != 0)
        printf("# %s\n", err.msg);
    remove_dir(dir);
    return rc;
}

/* Number of events that break the trace rules (use before alloc, double free, live alloc). */
static uint64_t invalid_events(const struct trace *t)
{
    uint8_t *live = calloc(t->n_ids ? t->n_ids : 1, 1);
    uint64_t bad = 0;
    for (uint64_t i = 0; i < t->n_events; i++) {
        const struct trace_event *e = &t->events[i];
        switch (e->op) {
        case TRACE_ALLOC:
        case TRACE_CALLOC:
        case TRACE_ALIGNED:
            bad += live[e->id] || e->size == 0;
            live[e->id] = 1;
            break;
        case TRACE_REALLOC:
            bad += !live[e->id] || e->size == 0;
            break;
        case TRACE_FREE:
            bad += !live[e->id];
            live[e->id] = 0;
            break;
        default:
            bad++;
        }
    }
    free(live);
    return bad;
}

static int64_t find_size(const struct trace *t, uint64_t from, uint64_t size)
{
    for (uint64_t i = from; i < t->n_events; i++)
        if (t->events[i].op != TRACE_FREE && t->events[i].size == size)
            return (int64_t)i;
    return -1;
}

static uint64_t count_size(const struct trace *t, uint64_t size, enum trace_op op)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < t->n_events; i++)
        n += t->events[i].op == op && t->events[i].size == size;
    return n;
}

struct expect {
    enum trace_op op;
    uint32_t id; /* in order of first appearance within the window */
    uint64_t size;
    uint8_t align_log2;
};

static void test_exact(void)
{
    static const struct expect want[] = {
        {TRACE_ALLOC, 0, 100, 0},    {TRACE_CALLOC, 1, 200, 0},   {TRACE_REALLOC, 0, 1000, 0},
        {TRACE_ALIGNED, 2, 256, 6},  {TRACE_ALIGNED, 3, 8192, 12}, {TRACE_ALIGNED, 4, 50, 7},
        {TRACE_ALIGNED, 5, 100, 12}, {TRACE_FREE, 1, 0, 0},       {TRACE_ALLOC, 6, 30, 0},
        {TRACE_FREE, 6, 0, 0},       {TRACE_ALLOC, 7, 1, 0},      {TRACE_FREE, 0, 0, 0},
        {TRACE_FREE, 2, 0, 0},       {TRACE_FREE, 3, 0, 0},       {TRACE_FREE, 4, 0, 0},
        {TRACE_FREE, 5, 0, 0},       {TRACE_FREE, 7, 0, 0},       {TRACE_ALLOC, 8, 32, 0},
        {TRACE_REALLOC, 8, 64, 0},   {TRACE_FREE, 8, 0, 0},       {TRACE_ALLOC, 9, 48, 0},
        {TRACE_FREE, 9, 0, 0},       {TRACE_ALLOC, 10, 48, 0},    {TRACE_FREE, 10, 0, 0},
    };
    const size_t n_want = sizeof want / sizeof want[0];
    struct trace t;
    struct record_import_report rep;
    if (!TAP_OK(record("exact", 0, &t, &rep) == 0, "exact: recorded and imported"))
        return;
    int64_t begin = find_size(&t, 0, PROG_MARK_BEGIN), end = find_size(&t, 0, PROG_MARK_END);
    TAP_OK(begin >= 0 && end > begin, "exact: both markers are in the trace");
    if (begin < 0 || end <= begin) {
        trace_release(&t);
        return;
    }
    /* The window is what lies between the begin marker's free and the end marker. */
    uint64_t first = (uint64_t)begin + 2, n = (uint64_t)end - first;
    TAP_EQ_U64(n, n_want, "exact: event count between the markers");
    uint32_t base = t.events[first].id;
    int same = n == n_want;
    for (uint64_t i = 0; same && i < n; i++) {
        const struct trace_event *e = &t.events[first + i];
        const struct expect *w = &want[i];
        if (e->op != w->op || e->id - base != w->id || e->size != w->size ||
            e->align_log2 != w->align_log2) {
            printf("# event %llu: got %s id+%u size %llu align 2^%u\n", (unsigned long long)i,
                   trace_op_name(e->op), e->id - base, (unsigned long long)e->size,
                   e->align_log2);
            same = 0;
        }
    }
    TAP_OK(same, "exact: ops, ids, sizes and alignments match the program event for event");
    TAP_EQ_U64(invalid_events(&t), 0, "exact: the whole trace is valid");
    TAP_OK(rep.zero_sizes >= 1, "exact: malloc(0) counted as a zero-size request");
    TAP_EQ_U64(rep.images, 1, "exact: one process image");
    trace_release(&t);
}

static void test_threads(void)
{
    struct trace t;
    struct record_import_report rep;
    if (!TAP_OK(record("threads", 0, &t, &rep) == 0, "threads: recorded and imported"))
        return;
    TAP_EQ_U64(invalid_events(&t), 0, "threads: global order valid (no use before alloc)");
    TAP_EQ_U64(rep.implicit_frees, 0, "threads: no address handed out twice while live");
    TAP_EQ_U64(rep.lost_records, 0, "threads: no sequence number missing");
    TAP_OK(t.n_threads >= PROG_THREADS + 1, "threads: %u thread numbers (main + %d workers)",
           t.n_threads, PROG_THREADS);
    int per_thread_ok = 1, distinct = 1;
    int thread_of[PROG_THREADS];
    for (int w = 0; w < PROG_THREADS; w++) {
        uint64_t size = PROG_THREAD_SIZE(w);
        int64_t at = find_size(&t, 0, size);
        thread_of[w] = at >= 0 ? t.events[at].thread : -1;
        per_thread_ok &= count_size(&t, size, TRACE_ALLOC) == PROG_THREAD_ITERS;
        per_thread_ok &= count_size(&t, size + 1000, TRACE_REALLOC) == PROG_THREAD_ITERS / 2;
        for (uint64_t i = 0; i < t.n_events; i++)
            if (t.events[i].op != TRACE_FREE &&
                (t.events[i].size == size || t.events[i].size == size + 1000))
                per_thread_ok &= t.events[i].thread == thread_of[w];
        for (int v = 0; v < w; v++)
            distinct &= thread_of[v] != thread_of[w];
    }
    TAP_OK(per_thread_ok, "threads: each worker's events all carry its thread number");
    TAP_OK(distinct, "threads: workers have distinct thread numbers");
    /* The consumer (worker 1) frees every block the producer (worker 0) allocated. */
    uint64_t handoff_allocs = 0, handoff_frees = 0;
    uint8_t *is_handoff = calloc(t.n_ids, 1);
    for (uint64_t i = 0; i < t.n_events; i++) {
        const struct trace_event *e = &t.events[i];
        if (e->op == TRACE_ALLOC && e->size == PROG_HANDOFF_SIZE && e->thread == thread_of[0]) {
            is_handoff[e->id] = 1;
            handoff_allocs++;
        }
        if (e->op == TRACE_FREE && is_handoff[e->id])
            handoff_frees += e->thread == thread_of[1];
    }
    free(is_handoff);
    TAP_EQ_U64(handoff_allocs, PROG_HANDOFFS, "threads: producer allocations");
    TAP_EQ_U64(handoff_frees, PROG_HANDOFFS, "threads: freed by the consumer thread");
    struct trace_error err;
    TAP_OK(t.times && trace_validate_times(&t, "threads", &err) == 0,
           "threads: timed, times never decrease on a thread, exits after last events");
    int exits = t.thread_exits != NULL;
    for (int w = 0; exits && w < PROG_THREADS; w++)
        exits &= thread_of[w] >= 0 && t.thread_exits[thread_of[w]] != TRACE_TIME_NONE;
    TAP_OK(exits, "threads: every worker's exit recorded");
    TAP_OK(t.thread_exits && t.thread_exits[t.events[0].thread] == TRACE_TIME_NONE,
           "threads: the main thread (still running at exit) has none");
    TAP_OK(t.times && t.times[t.n_events - 1] <= wall_ns,
           "threads: the trace lasts less than the run (%llu <= %llu ns)",
           t.times ? (unsigned long long)t.times[t.n_events - 1] : 0ull,
           (unsigned long long)wall_ns);
    trace_release(&t);
}

/* Times follow the clock: a sleep of PROG_SLEEP_MS between two allocations shows, with the
 * recorder's default clock (the TSC on x86) and with clock_gettime. */
static void test_sleep(const char *clock)
{
    struct trace t;
    struct record_import_report rep;
    const char *what = clock ? clock : "default clock";
    clock_name = clock;
    int rc = record("sleep", 0, &t, &rep);
    clock_name = NULL;
    if (!TAP_OK(rc == 0, "sleep, %s: recorded and imported", what))
        return;
    int64_t a = find_size(&t, 0, PROG_SLEEP_BEFORE), b = find_size(&t, 0, PROG_SLEEP_AFTER);
    if (TAP_OK(a >= 0 && b > a && t.times, "sleep, %s: both allocations, timed", what)) {
        uint64_t gap = t.times[b] - t.times[a], sleep_ns = PROG_SLEEP_MS * 1000000ull;
        /* At least the sleep (less 0.1% for the clock's calibration), at most the whole run. */
        TAP_OK(gap >= sleep_ns - sleep_ns / 1000 && gap <= wall_ns,
               "sleep, %s: %llu ns between them: at least the sleep, at most the run (%llu ns)",
               what, (unsigned long long)gap, (unsigned long long)wall_ns);
    }
    trace_release(&t);
}

static void test_fork(void)
{
    struct trace t;
    struct record_import_report rep;
    if (TAP_OK(record("fork", 0, &t, &rep) == 0, "fork: recorded (top process only)")) {
        TAP_EQ_U64(count_size(&t, PROG_FORK_PARENT_BEFORE, TRACE_ALLOC), 1, "fork: parent before");
        TAP_EQ_U64(count_size(&t, PROG_FORK_PARENT_AFTER, TRACE_ALLOC), 1, "fork: parent after");
        TAP_EQ_U64(count_size(&t, PROG_FORK_CHILD, TRACE_ALLOC), 0, "fork: child not recorded");
        TAP_EQ_U64(rep.images, 1, "fork: one log imported");
        TAP_EQ_U64(invalid_events(&t), 0, "fork: trace valid");
        trace_release(&t);
    }
    if (TAP_OK(record("fork", 1, &t, &rep) == 0, "fork: recorded with follow-forks")) {
        TAP_EQ_U64(count_size(&t, PROG_FORK_CHILD, TRACE_ALLOC), 1, "fork: child recorded");
        TAP_EQ_U64(count_size(&t, PROG_FORK_PARENT_AFTER, TRACE_ALLOC), 1, "fork: parent after");
        TAP_EQ_U64(rep.images, 2, "fork: parent and child logs");
        TAP_OK(rep.dropped_frees >= 1, "fork: child's free of the parent's block dropped (%llu)",
               (unsigned long long)rep.dropped_frees);
        TAP_EQ_U64(invalid_events(&t), 0, "fork: merged trace valid");
        trace_release(&t);
    }
}

static void test_dlopen(void)
{
    struct trace t;
    struct record_import_report rep;
    if (!TAP_OK(record("dlopen", 0, &t, &rep) == 0, "dlopen: recorded and imported"))
        return;
    int all = 1;
    for (unsigned i = 0; i < 5; i++)
        all &= count_size(&t, PROG_DLOPEN_SIZE + i, TRACE_ALLOC) == 1;
    TAP_OK(all, "dlopen: the program's allocations between dlopen calls are all there");
    TAP_OK(t.n_events > 10, "dlopen: the loader's own allocations recorded too (%llu events)",
           (unsigned long long)t.n_events);
    TAP_EQ_U64(invalid_events(&t), 0, "dlopen: trace valid");
    trace_release(&t);
}

/* The recorder writes a thread's records when it starts a thread or joins one: record_prog
 * checks the log itself while it runs; here, that both of main's allocations are in order. */
static void test_handover(void)
{
    struct trace t;
    struct record_import_report rep;
    if (!TAP_OK(record("handover", 0, &t, &rep) == 0,
                "handover: main's records reached the log when it started a thread and when it "
                "joined it"))
        return;
    int64_t a = find_size(&t, 0, PROG_HANDOVER_SIZE - 1), b = find_size(&t, 0, PROG_HANDOVER_SIZE);
    TAP_OK(a >= 0 && b > a, "handover: both allocations recorded, in order (%lld, %lld)",
           (long long)a, (long long)b);
    TAP_EQ_U64(invalid_events(&t), 0, "handover: trace valid");
    trace_release(&t);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s RECORDER_SO RECORD_PROG\n", argv[0]);
        return 99;
    }
    so_path = argv[1];
    prog_path = argv[2];
    test_exact();
    test_threads();
    test_sleep(NULL);
    test_sleep("monotonic");
    test_fork();
    test_dlopen();
    test_handover();
    return tap_done();
}
