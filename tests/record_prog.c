/* A program with a known allocation sequence, run under the recorder by record_recorder_test.
 * Built with -fno-builtin so the compiler keeps every malloc/free pair.
 *
 *   record_prog exact     the sequence of exact(), between two marker allocations
 *   record_prog threads   4 threads with their own sizes, plus blocks freed by another thread
 *   record_prog fork      allocations before, in and after a forked child
 *   record_prog dlopen    dlopen of several libraries before and between allocations
 *   record_prog fail      a few allocations, then exit status 3
 *   record_prog sleep     an allocation, PROG_SLEEP_MS of sleep, another allocation
 *   record_prog phases    PROG_PHASES times: PROG_PHASE_OBJECTS allocations of which one in
 *                         ten is kept, the others freed, then PROG_PHASE_MS of sleep (the log
 *                         fills several buffers a phase: an import beside it has work)
 *   record_prog handover  main allocates, starts a thread that allocates nothing and watches
 *                         the log file, allocates again and joins it: main's records must be in
 *                         the file once the thread runs, and again once main waits in the join
 *                         (exit status 4 or 5 when they were not, within PROG_HANDOVER_MS)
 *   record_prog none      no heap call at all
 */
#include "record_prog.h"

#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Keeps pointers observable so nothing is optimised out even by a clever compiler. */
static void *volatile sink;

static void marker(size_t size)
{
    void *m = malloc(size);
    sink = m;
    free(m);
}

static int exact(void)
{
    marker(PROG_MARK_BEGIN);
    void *a = malloc(100);
    void *b = calloc(10, 20);
    a = realloc(a, 1000);
    void *c;
    if (posix_memalign(&c, 64, 256) != 0)
        return 1;
    void *d = aligned_alloc(4096, 8192);
    void *e = memalign(128, 50);
    void *f = valloc(100);
    free(b);
    void *g = realloc(NULL, 30);
    sink = g;
    sink = realloc(g, 0); /* glibc frees g and returns NULL */
    void *h = malloc(0);
    sink = (void *)malloc_usable_size(a); /* passes through, unrecorded */
    free(a);
    free(c);
    free(d);
    free(e);
    free(f);
    free(h);
    void *i = reallocarray(NULL, 4, 8);
    i = reallocarray(i, 8, 8);
    free(i);
    void *x = malloc(48);
    free(x);
    void *y = malloc(48); /* most likely the same address as x: must be a new object */
    free(y);
    marker(PROG_MARK_END);
    return 0;
}

struct worker {
    pthread_t tid;
    int index;
    int fds[2]; /* blocks handed to the next thread, which frees them */
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (int k = 0; k < PROG_THREAD_ITERS; k++) {
        void *p = malloc(PROG_THREAD_SIZE(w->index));
        if (k % 2)
            p = realloc(p, PROG_THREAD_SIZE(w->index) + 1000);
        sink = p;
        free(p);
    }
    /* Cross-thread frees: the consumer frees what the producer allocated. */
    if (w->index == 0) {
        for (int k = 0; k < PROG_HANDOFFS; k++) {
            void *p = malloc(PROG_HANDOFF_SIZE);
            if (write(w->fds[1], &p, sizeof p) != sizeof p)
                abort();
        }
        close(w->fds[1]);
    } else if (w->index == 1) {
        void *p;
        while (read(w->fds[0], &p, sizeof p) == sizeof p)
            free(p);
    }
    return NULL;
}

static int threads(void)
{
    struct worker w[PROG_THREADS];
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    for (int i = 0; i < PROG_THREADS; i++) {
        w[i].index = i;
        memcpy(w[i].fds, fds, sizeof fds);
        if (pthread_create(&w[i].tid, NULL, work, &w[i]) != 0)
            return 1;
    }
    for (int i = 0; i < PROG_THREADS; i++)
        pthread_join(w[i].tid, NULL);
    return 0;
}

static int forked(void)
{
    void *a = malloc(PROG_FORK_PARENT_BEFORE);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        void *b = malloc(PROG_FORK_CHILD);
        sink = b;
        free(b);
        free(a); /* allocated before this process's recording began: dropped */
        exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 1;
    void *c = malloc(PROG_FORK_PARENT_AFTER);
    sink = c;
    free(c);
    free(a);
    return 0;
}

static int dlopen_heavy(void)
{
    static const char *const libs[] = {"libm.so.6", "libyaml-0.so.2", "libz.so.1",
                                       "libdl.so.2", "libpthread.so.0"};
    void *handles[sizeof libs / sizeof libs[0]];
    void *keep[sizeof libs / sizeof libs[0]];
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        handles[i] = dlopen(libs[i], RTLD_NOW | RTLD_LOCAL);
        keep[i] = malloc(PROG_DLOPEN_SIZE + i);
        if (handles[i]) {
            void *sym = dlsym(handles[i], "no_such_symbol_here"); /* dlerror allocates */
            sink = sym;
            sink = dlerror();
        }
    }
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        free(keep[i]);
        if (handles[i])
            dlclose(handles[i]);
    }
    return 0;
}

static int sleeper(void)
{
    marker(PROG_SLEEP_BEFORE);
    struct timespec ts = {0, PROG_SLEEP_MS * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    marker(PROG_SLEEP_AFTER);
    return 0;
}

static char handover_log[4096];
static int handover_pipe[2];

static off_t log_size(void)
{
    struct stat st;
    return stat(handover_log, &st) == 0 ? st.st_size : -1;
}

/* Waits up to PROG_HANDOVER_MS for the log to grow past size; stat and nanosleep allocate
 * nothing, so the file grows only by what main hands over. */
static int log_grows_past(off_t size)
{
    for (int ms = 0; ms < PROG_HANDOVER_MS; ms++) {
        if (log_size() > size)
            return 1;
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void *handover_watch(void *arg)
{
    (void)arg;
    /* main's first records (the loader's, marker's) came with the start of this thread */
    int first = log_grows_past(48); /* sizeof(struct recorder_log_header) */
    off_t size = log_size();
    char go = 1;
    if (write(handover_pipe[1], &go, 1) != 1)
        return (void *)4;
    int second = log_grows_past(size); /* main's allocation, handed over at the join */
    return (void *)(intptr_t)(!first ? 4 : !second ? 5 : 0);
}

static int handover(void)
{
    const char *dir = getenv("ALLOCREPLAY_RECORD_DIR");
    if (!dir || pipe(handover_pipe) != 0)
        return 2;
    snprintf(handover_log, sizeof handover_log, "%s/%d-0.arraw", dir, (int)getpid());
    marker(PROG_HANDOVER_SIZE - 1);
    pthread_t t;
    if (pthread_create(&t, NULL, handover_watch, NULL) != 0)
        return 2;
    char go;
    if (read(handover_pipe[0], &go, 1) != 1)
        return 2;
    marker(PROG_HANDOVER_SIZE);
    void *ret;
    if (pthread_join(t, &ret) != 0)
        return 2;
    return (int)(intptr_t)ret;
}

static int phases(void)
{
    static void *kept[PROG_PHASES * PROG_PHASE_OBJECTS / 10];
    size_t n_kept = 0;
    for (int p = 0; p < PROG_PHASES; p++) {
        for (unsigned i = 0; i < PROG_PHASE_OBJECTS; i++) {
            void *b = malloc(16 + (i * 7 + (unsigned)p) % 200);
            if (i % 10 == 0)
                kept[n_kept++] = b;
            else
                free(b);
        }
        struct timespec ts = {0, PROG_PHASE_MS * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
            ;
    }
    for (size_t i = 0; i < n_kept; i++)
        free(kept[i]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    if (!strcmp(argv[1], "exact"))
        return exact();
    if (!strcmp(argv[1], "threads"))
        return threads();
    if (!strcmp(argv[1], "fork"))
        return forked();
    if (!strcmp(argv[1], "dlopen"))
        return dlopen_heavy();
    if (!strcmp(argv[1], "sleep"))
        return sleeper();
    if (!strcmp(argv[1], "phases"))
        return phases();
    if (!strcmp(argv[1], "handover"))
        return handover();
    if (!strcmp(argv[1], "none"))
        return 0; /* no heap call at all */
    if (!strcmp(argv[1], "fail")) {
        exact();
        return 3;
    }
    return 2;
}
