/* liballocreplay-record.so: an LD_PRELOAD library that logs every heap call of a program.
 *
 * It defines malloc, free, calloc, realloc, reallocarray, posix_memalign, aligned_alloc,
 * memalign, valloc and pvalloc, forwards each to the next definition (the C library's, found
 * with dlsym(RTLD_NEXT)) and appends one raw record per call to a per-thread buffer, which is
 * written with write(2) to a per-process file when full, when the thread starts or joins another,
 * at thread exit and at process exit.
 * The record format and the ordering rule are in recorder_log.h; `allocreplay record` turns
 * the files into a trace (record_import.c). malloc_usable_size is not defined here, so it goes
 * to the C library untouched. pthread_create and pthread_join are, only to write the calling
 * thread's buffer before passing the call on (hand_over: the import beside the program).
 *
 * The hot path takes no lock: a thread-local state (initial-exec TLS, so reading it never
 * allocates), one relaxed atomic increment for the sequence number and a delta-coded record
 * of about 6 bytes (a few 8-byte stores).
 *
 * Hazards handled:
 * - dlsym itself calls calloc/malloc while we resolve the real functions: those calls are
 *   served from a static bootstrap buffer, whose blocks are recognised (and ignored) at free.
 * - The recorder's own allocations (pthread_atfork, pthread_setspecific, stdio in the C
 *   library) must not be recorded: a thread-local reentrancy guard passes them through.
 * - fork: the child handler drops the parent's buffered events (the parent writes them), and
 *   either stops recording (default) or, with ALLOCREPLAY_RECORD_FOLLOW_FORKS=1, opens a new
 *   file for the child's pid. exec starts a fresh image which opens "<pid>-<image+1>".
 * - Events after the last flush of a thread (other TLS destructors, later library
 *   destructors) are written one record per write(2) rather than lost.
 */
#include "recorder/recorder_log.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HAVE_TSC 1
#endif

#define EXPORT __attribute__((visibility("default")))
#define TLS_IE __thread __attribute__((tls_model("initial-exec")))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* 256 KiB: one write(2) per ~40000 events keeps the syscall cost negligible. */
#define BUFFER_BYTES (256 * 1024)
/* The chunk header's room at the start of a buffer. */
#define HEAD_BYTES sizeof(struct recorder_log_chunk)
#define BOOT_SIZE (64 * 1024)

enum state { ST_UNINIT, ST_INITIALIZING, ST_READY, ST_OFF };
enum mode { MODE_NEW, MODE_BUFFERED, MODE_DIRECT };

struct tstate {
    unsigned char *buf;   /* the chunk header's room (HEAD_BYTES), then records */
    uint32_t n, cap;      /* record bytes used and available */
    struct recorder_log_delta delta; /* what the chunk's next record is coded against */
    uint32_t thread;
    uint8_t busy;         /* inside a hook: nested calls pass through unrecorded */
    uint8_t initializing; /* this thread runs init(): nested calls use the bootstrap buffer */
    uint8_t mode;         /* enum mode */
    struct tstate *next;  /* registry of threads with a buffer, for the flush at exit */
};

static TLS_IE struct tstate tls;

static _Atomic int g_state = ST_UNINIT;
static _Atomic uint64_t g_seq;
static bool g_tsc; /* the clock is the time-stamp counter (RECORDER_CLOCK_TSC), else ns */
static _Atomic uint32_t g_threads;
static int g_fd = -1;
static bool g_follow;
static size_t g_page;
static pthread_key_t g_key;
static pthread_mutex_t g_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tstate *g_registry;
static char g_dir[4096];

static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);
static int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static int (*real_pthread_join)(pthread_t, void **);

/* --- bootstrap allocator for the calls dlsym makes before the real functions are known --- */

static _Alignas(64) unsigned char boot_buf[BOOT_SIZE];
static _Atomic size_t boot_used;

static bool is_boot(const void *p)
{
    return (uintptr_t)p - (uintptr_t)boot_buf < BOOT_SIZE;
}

/* Blocks carry their size in the 16 bytes before them (realloc needs it); memory is never
 * reused, and static storage is already zero, which serves calloc. */
static void *boot_alloc(size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    size_t need = (size + 15) & ~(size_t)15;
    size_t off = atomic_load(&boot_used), start;
    do {
        start = (off + 16 + align - 1) & ~(align - 1);
        if (start + need > BOOT_SIZE || start + need < start)
            return NULL;
    } while (!atomic_compare_exchange_weak(&boot_used, &off, start + need));
    ((size_t *)(void *)(boot_buf + start))[-1] = size;
    return boot_buf + start;
}

static size_t boot_size(const void *p)
{
    return ((const size_t *)p)[-1];
}

/* --- the clock (recorder_log.h: ticks, calibrated by pairs with CLOCK_MONOTONIC) --- */

static uint64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The TSC only where the CPU says it is invariant (constant rate, running in every C-state):
 * then a read costs a few ns and needs no system call, whatever the kernel's clock source. */
static bool tsc_usable(void)
{
#ifdef HAVE_TSC
    unsigned a, b, c, d;
    return __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8));
#else
    return false;
#endif
}

static inline uint64_t read_ticks(void)
{
#ifdef HAVE_TSC
    if (LIKELY(g_tsc))
        return __builtin_ia32_rdtsc();
#endif
    return monotonic_ns();
}

/* Reads the clock and CLOCK_MONOTONIC together: of three tries, the one whose clock_gettime
 * was least stretched (by preemption), the ticks taken as the midpoint of that call. */
static void clock_pair(uint64_t *ticks, uint64_t *ns)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 3 && g_tsc; i++) {
        uint64_t a = read_ticks(), n = monotonic_ns(), b = read_ticks();
        if (b - a < best) {
            best = b - a;
            *ticks = a + (b - a) / 2;
            *ns = n;
        }
    }
    if (!g_tsc)
        *ticks = *ns = monotonic_ns();
}

/* --- the log file --- */

static void die(const char *msg)
{
    static const char prefix[] = "allocreplay recorder: ";
    ssize_t r = write(2, prefix, sizeof prefix - 1);
    r = write(2, msg, strlen(msg));
    r = write(2, "\n", 1);
    (void)r;
    abort();
}

static void write_all(const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(g_fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            /* A full file system, or a program that closed our descriptor: stop recording
             * (the program goes on) rather than leave holes in a thread's history. */
            static const char msg[] = "allocreplay recorder: cannot write the log: "
                                      "recording stops here\n";
            if (atomic_exchange(&g_state, ST_OFF) == ST_READY) {
                ssize_t r = write(2, msg, sizeof msg - 1);
                (void)r;
            }
            return;
        }
        p += w;
        len -= (size_t)w;
    }
}

static char *append_uint(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

/* Opens "<dir>/<pid>-<image>.arraw" for the first free image number and writes the header.
 * snprintf is avoided: it may allocate in some locales. */
static int open_log(void)
{
    size_t dlen = strlen(g_dir);
    char path[sizeof g_dir + 64];
    if (dlen + 64 > sizeof path)
        return -1;
    uint32_t pid = (uint32_t)getpid();
    for (uint32_t image = 0; image < 1000; image++) {
        char *p = path;
        memcpy(p, g_dir, dlen);
        p += dlen;
        *p++ = '/';
        p = append_uint(p, pid);
        *p++ = '-';
        p = append_uint(p, image);
        memcpy(p, RECORDER_LOG_SUFFIX, sizeof RECORDER_LOG_SUFFIX);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return -1;
        /* Out of the way of the program's own descriptors: a program that closes and reopens
         * low numbers must not end up sharing ours. */
        int high = fcntl(fd, F_DUPFD_CLOEXEC, 900);
        if (high >= 0) {
            close(fd);
            fd = high;
        }
        struct recorder_log_header h;
        memset(&h, 0, sizeof h);
        memcpy(h.magic, RECORDER_LOG_MAGIC, sizeof h.magic);
        h.version = RECORDER_LOG_VERSION;
        h.pid = pid;
        h.ppid = (uint32_t)getppid();
        h.image = image;
        h.clock = g_tsc ? RECORDER_CLOCK_TSC : RECORDER_CLOCK_NS;
        clock_pair(&h.start_ticks, &h.start_ns);
        g_fd = fd;
        write_all(&h, sizeof h);
        return 0;
    }
    return -1;
}

/* --- per-thread buffers --- */

/* Writes header + records as one chunk; buf[0..HEAD_BYTES) is the header's room. */
static void write_chunk(unsigned char *buf, uint32_t bytes, uint32_t thread)
{
    struct recorder_log_chunk c = {thread, bytes, 0, 0};
    clock_pair(&c.ticks, &c.ns);
    memcpy(buf, &c, sizeof c);
    write_all(buf, sizeof c + c.bytes);
}

static void flush(struct tstate *t)
{
    if (t->n > 0 && atomic_load_explicit(&g_state, memory_order_relaxed) == ST_READY)
        write_chunk(t->buf, t->n, t->thread);
    t->n = 0;
    memset(&t->delta, 0, sizeof t->delta); /* a chunk decodes on its own */
}

static void unregister(struct tstate *t)
{
    pthread_mutex_lock(&g_registry_lock);
    for (struct tstate **pp = &g_registry; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    pthread_mutex_unlock(&g_registry_lock);
}

/* Last flush of a thread; later events of this thread are written one by one. */
static void retire(struct tstate *t)
{
    flush(t);
    if (t->buf)
        munmap(t->buf, BUFFER_BYTES);
    t->buf = NULL;
    t->cap = 0;
    t->mode = MODE_DIRECT;
}

/* Slow path of emit(): the first event of a thread, a full buffer, or a retired thread.
 * Returns true if the record is to go into the buffer, false if it was written here. */
static bool make_room(struct tstate *t, uint64_t seq, unsigned op, unsigned align_log2,
                      const void *addr, uint64_t ticks, uint64_t size)
{
    if (t->mode == MODE_BUFFERED) {
        flush(t);
        return true;
    }
    if (t->mode == MODE_DIRECT) {
        unsigned char one[HEAD_BYTES + RECORDER_LOG_MAX_BYTES];
        struct recorder_log_delta fresh = {0, 0, 0};
        uint32_t n = recorder_log_encode(one + HEAD_BYTES, &fresh, seq, op, align_log2,
                                         (uintptr_t)addr, ticks, size);
        if (atomic_load_explicit(&g_state, memory_order_relaxed) == ST_READY)
            write_chunk(one, n, t->thread);
        return false;
    }
    void *m = mmap(NULL, BUFFER_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                   0);
    if (m == MAP_FAILED) {
        t->mode = MODE_DIRECT;
        return make_room(t, seq, op, align_log2, addr, ticks, size);
    }
    t->buf = m;
    t->cap = BUFFER_BYTES - HEAD_BYTES;
    t->n = 0;
    memset(&t->delta, 0, sizeof t->delta);
    t->mode = MODE_BUFFERED;
    pthread_setspecific(g_key, t);
    pthread_mutex_lock(&g_registry_lock);
    t->next = g_registry;
    g_registry = t;
    pthread_mutex_unlock(&g_registry_lock);
    return true;
}

static inline uint64_t next_seq(void)
{
    /* Relaxed is enough: the allocator's own synchronisation orders a free in one thread
     * before the allocation that reuses the block in another, and both seq updates sit on
     * the same side of it (recorder_log.h), so modification order follows. */
    return atomic_fetch_add_explicit(&g_seq, 1, memory_order_relaxed);
}

__attribute__((always_inline)) static inline void emit(struct tstate *t, uint8_t op, uint64_t seq, const void *addr,
                        uint64_t ticks, uint64_t size, uint8_t align_log2)
{
    if (UNLIKELY(t->mode == MODE_NEW))
        t->thread = atomic_fetch_add_explicit(&g_threads, 1, memory_order_relaxed);
    if (UNLIKELY(t->cap - t->n < RECORDER_LOG_MAX_BYTES) &&
        !make_room(t, seq, op, align_log2, addr, ticks, size))
        return;
    t->n += recorder_log_encode(t->buf + HEAD_BYTES + t->n, &t->delta, seq, op, align_log2,
                                (uintptr_t)addr, ticks, size);
}

/* A pthread key destructor: runs when a thread that recorded ends, and allocates nothing. */
static void on_thread_exit(void *arg)
{
    struct tstate *t = arg;
    uint8_t was_busy = t->busy;
    t->busy = 1;
    unregister(t);
    emit(t, RECORDER_OP_THREAD_EXIT, next_seq(), NULL, read_ticks(), 0, 0);
    retire(t);
    t->busy = was_busy;
}

/* --- initialisation --- */

static void *resolve(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (!f)
        die("cannot find the C library's allocation functions");
    return f;
}

/* ISO C has no conversion from void * to a function pointer; POSIX guarantees the bytes. */
#define RESOLVE(var, name)                                                                    \
    do {                                                                                      \
        void *f_ = resolve(name);                                                             \
        memcpy(&(var), &f_, sizeof f_);                                                       \
    } while (0)

/* The obsolete aligned allocators are missing from some C libraries (musl has no pvalloc):
 * they are then served through posix_memalign, as the C library would. */
static void *memalign_fallback(size_t align, size_t size)
{
    void *p;
    size_t a = sizeof(void *);
    while (a < align && a != 0)
        a <<= 1; /* memalign rounds an alignment up to a power of two */
    return a && real_posix_memalign(&p, a, size) == 0 ? p : NULL;
}

static void *valloc_fallback(size_t size)
{
    return memalign_fallback(g_page, size);
}

static void *pvalloc_fallback(size_t size)
{
    return memalign_fallback(g_page, size ? (size + g_page - 1) & ~(g_page - 1) : g_page);
}

#define RESOLVE_OR(var, name, fallback)                                                       \
    do {                                                                                      \
        void *f_ = dlsym(RTLD_NEXT, name);                                                    \
        if (f_)                                                                               \
            memcpy(&(var), &f_, sizeof f_);                                                   \
        else                                                                                  \
            (var) = (fallback);                                                               \
    } while (0)

/* A C library whose threads live in a library loaded later (glibc before 2.34 with a dlopen'ed
 * libpthread): the function is looked up at each call, which writes nothing shared. */
static int pthread_create_late(pthread_t *thread, const pthread_attr_t *attr,
                               void *(*start)(void *), void *arg)
{
    int (*f)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    void *p = dlsym(RTLD_NEXT, "pthread_create");
    if (!p)
        return EAGAIN;
    memcpy(&f, &p, sizeof p);
    return f(thread, attr, start, arg);
}

static int pthread_join_late(pthread_t thread, void **ret)
{
    int (*f)(pthread_t, void **);
    void *p = dlsym(RTLD_NEXT, "pthread_join");
    if (!p)
        return ESRCH;
    memcpy(&f, &p, sizeof p);
    return f(thread, ret);
}

static void atfork_prepare(void)
{
    pthread_mutex_lock(&g_registry_lock);
}

static void atfork_parent(void)
{
    pthread_mutex_unlock(&g_registry_lock);
}

/* Only the forking thread exists in the child. Its buffer holds events the parent will
 * write, so they are dropped here; the other threads' states are gone with their stacks. */
static void atfork_child(void)
{
    struct tstate *t = &tls;
    pthread_mutex_init(&g_registry_lock, NULL);
    g_registry = NULL;
    if (t->buf)
        munmap(t->buf, BUFFER_BYTES);
    t->buf = NULL;
    t->n = t->cap = 0;
    memset(&t->delta, 0, sizeof t->delta);
    t->mode = MODE_NEW;
    if (g_fd >= 0)
        close(g_fd);
    g_fd = -1;
    if (!g_follow || atomic_load(&g_state) != ST_READY) {
        atomic_store(&g_state, ST_OFF);
        return;
    }
    atomic_store(&g_seq, 0);
    atomic_store(&g_threads, 0);
    if (open_log() != 0)
        atomic_store(&g_state, ST_OFF);
}

static int decide_state(void)
{
    const char *dir = getenv(RECORDER_ENV_DIR);
    if (!dir || !*dir || strlen(dir) >= sizeof g_dir)
        return ST_OFF;
    const char *follow = getenv(RECORDER_ENV_FOLLOW);
    g_follow = follow && !strcmp(follow, "1");
    const char *only = getenv(RECORDER_ENV_PID);
    if (!g_follow && only && strtoul(only, NULL, 10) != (unsigned long)getpid())
        return ST_OFF; /* a child the user did not ask for (after fork+exec) */
    strcpy(g_dir, dir);
    if (open_log() != 0) {
        /* The program still runs, unrecorded; `allocreplay record` reports the empty log. */
        static const char msg[] = "allocreplay recorder: cannot create a log file in $"
                                  RECORDER_ENV_DIR ": not recording\n";
        ssize_t r = write(2, msg, sizeof msg - 1);
        (void)r;
        return ST_OFF;
    }
    if (pthread_key_create(&g_key, on_thread_exit) != 0 ||
        pthread_atfork(atfork_prepare, atfork_parent, atfork_child) != 0)
        die("cannot register the thread-exit and fork handlers");
    return ST_READY;
}

static void init(struct tstate *t)
{
    int expected = ST_UNINIT;
    if (!atomic_compare_exchange_strong(&g_state, &expected, ST_INITIALIZING)) {
        while (atomic_load(&g_state) == ST_INITIALIZING)
            sched_yield(); /* another thread is resolving the real functions */
        return;
    }
    t->initializing = 1;
    RESOLVE(real_malloc, "malloc");
    RESOLVE(real_free, "free");
    RESOLVE(real_calloc, "calloc");
    RESOLVE(real_realloc, "realloc");
    RESOLVE(real_posix_memalign, "posix_memalign");
    g_page = (size_t)sysconf(_SC_PAGESIZE);
    const char *clock = getenv(RECORDER_ENV_CLOCK);
    g_tsc = tsc_usable() && !(clock && !strcmp(clock, "monotonic"));
    RESOLVE_OR(real_aligned_alloc, "aligned_alloc", memalign_fallback);
    RESOLVE_OR(real_memalign, "memalign", memalign_fallback);
    RESOLVE_OR(real_valloc, "valloc", valloc_fallback);
    RESOLVE_OR(real_pvalloc, "pvalloc", pvalloc_fallback);
    RESOLVE_OR(real_pthread_create, "pthread_create", pthread_create_late);
    RESOLVE_OR(real_pthread_join, "pthread_join", pthread_join_late);
    t->initializing = 0;
    t->busy = 1; /* the handlers registered next may allocate */
    int s = decide_state();
    t->busy = 0;
    atomic_store(&g_state, s);
}

static bool enter_slow(struct tstate *t)
{
    if (t->busy || t->initializing)
        return false;
    if (atomic_load(&g_state) != ST_READY && atomic_load(&g_state) != ST_OFF)
        init(t);
    if (atomic_load(&g_state) != ST_READY)
        return false;
    t->busy = 1;
    return true;
}

/* True if this call is to be recorded; then the caller must clear t->busy when done. */
static inline bool enter(struct tstate *t)
{
    if (LIKELY(atomic_load_explicit(&g_state, memory_order_acquire) == ST_READY && !t->busy)) {
        t->busy = 1;
        return true;
    }
    return enter_slow(t);
}

/* Initialises at load time, so the log and its header exist even for a program that never
 * allocates: `allocreplay record` tells "loaded, no allocation" from "never loaded" (a static
 * or setuid program ignores LD_PRELOAD) by the file. */
__attribute__((constructor)) static void at_load(void)
{
    if (atomic_load(&g_state) == ST_UNINIT)
        init(&tls);
}

__attribute__((destructor)) static void at_process_exit(void)
{
    struct tstate *t = &tls;
    t->busy = 1;
    if (atomic_load(&g_state) == ST_READY) {
        /* Other threads still running at exit() are flushed too: best effort, since they
         * may be appending while we write (documented in docs/recording.md). */
        pthread_mutex_lock(&g_registry_lock);
        for (struct tstate *o = g_registry; o; o = o->next)
            if (o != t)
                flush(o);
        pthread_mutex_unlock(&g_registry_lock);
        if (t->mode == MODE_BUFFERED)
            retire(t);
        else
            t->mode = MODE_DIRECT;
    }
    t->busy = 0;
}

/* --- the interposed functions --- */

static uint8_t log2_ceil(size_t align)
{
    if (align <= 1)
        return 0;
    return (uint8_t)(64 - __builtin_clzll((unsigned long long)align - 1));
}

EXPORT void *malloc(size_t size)
{
    struct tstate *t = &tls;
    if (UNLIKELY(!enter(t)))
        return real_malloc ? real_malloc(size) : boot_alloc(size, 16);
    uint64_t now = read_ticks();
    void *p = real_malloc(size);
    if (p)
        emit(t, RECORDER_OP_MALLOC, next_seq(), p, now, size, 0);
    t->busy = 0;
    return p;
}

EXPORT void *calloc(size_t nmemb, size_t size)
{
    struct tstate *t = &tls;
    if (UNLIKELY(!enter(t))) {
        size_t total;
        if (real_calloc)
            return real_calloc(nmemb, size);
        return __builtin_mul_overflow(nmemb, size, &total) ? NULL : boot_alloc(total, 16);
    }
    uint64_t now = read_ticks();
    void *p = real_calloc(nmemb, size);
    if (p)
        emit(t, RECORDER_OP_CALLOC, next_seq(), p, now, (uint64_t)nmemb * size, 0);
    t->busy = 0;
    return p;
}

EXPORT void free(void *p)
{
    if (!p || UNLIKELY(is_boot(p)))
        return;
    struct tstate *t = &tls;
    if (UNLIKELY(!enter(t))) {
        real_free(p);
        return;
    }
    /* seq before the block is released */
    emit(t, RECORDER_OP_FREE, next_seq(), p, read_ticks(), 0, 0);
    real_free(p);
    t->busy = 0;
}

static void *realloc_boot(void *p, size_t size)
{
    void *q = malloc(size);
    if (q) {
        size_t old = boot_size(p);
        memcpy(q, p, old < size ? old : size);
    }
    return q;
}

EXPORT void *realloc(void *p, size_t size)
{
    if (!p)
        return malloc(size);
    if (UNLIKELY(is_boot(p)))
        return realloc_boot(p, size);
    struct tstate *t = &tls;
    if (UNLIKELY(!enter(t)))
        return real_realloc(p, size);
    uint64_t now = read_ticks(), before = next_seq();
    void *q = real_realloc(p, size);
    if (!q && size == 0) {
        emit(t, RECORDER_OP_FREE, before, p, now, 0, 0); /* glibc's realloc(p, 0) frees p */
    } else {
        emit(t, RECORDER_OP_REALLOC_BEGIN, before, p, now, 0, 0);
        emit(t, RECORDER_OP_REALLOC_END, next_seq(), q, now, size, 0);
    }
    t->busy = 0;
    return q;
}

EXPORT void *reallocarray(void *p, size_t nmemb, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(nmemb, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

/* The aligned family: one recorded shape, ALIGNED(size, log2 of the alignment honoured). */
static void *record_aligned(struct tstate *t, uint64_t now, void *p, size_t size, size_t align)
{
    if (p)
        emit(t, RECORDER_OP_ALIGNED, next_seq(), p, now, size, log2_ceil(align));
    t->busy = 0;
    return p;
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    struct tstate *t = &tls;
    if (UNLIKELY(!enter(t))) {
        if (real_posix_memalign)
            return real_posix_memalign(out, align, size);
        *out = boot_alloc(size, align);
        return *out ? 0 : ENOMEM;
    }
    uint64_t now = read_ticks();
    int rc = real_posix_memalign(out, align, size);
    record_aligned(t, now, rc == 0 ? *out : NULL, size, align);
    return rc;
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
    struct tstate *t = &tls;
    if (UNLIKELY(!enter(t)))
        return real_aligned_alloc ? real_aligned_alloc(align, size) : boot_alloc(size, align);
    uint64_t now = read_ticks();
    return record_aligned(t, now, real_aligned_alloc(align, size), size, align);
}

EXPORT void *memalign(size_t align, size_t size)
{
    struct tstate *t = &tls;
    if (UNLIKELY(!enter(t)))
        return real_memalign ? real_memalign(align, size) : boot_alloc(size, align);
    uint64_t now = read_ticks();
    return record_aligned(t, now, real_memalign(align, size), size, align);
}

EXPORT void *valloc(size_t size)
{
    struct tstate *t = &tls;
    if (UNLIKELY(!enter(t)))
        return real_valloc ? real_valloc(size) : boot_alloc(size, 4096);
    uint64_t now = read_ticks();
    return record_aligned(t, now, real_valloc(size), size, g_page);
}

EXPORT void *pvalloc(size_t size)
{
    struct tstate *t = &tls;
    if (UNLIKELY(!enter(t)))
        return real_pvalloc ? real_pvalloc(size) : boot_alloc(size, 4096);
    size_t rounded = size ? (size + g_page - 1) & ~(g_page - 1) : g_page;
    uint64_t now = read_ticks();
    return record_aligned(t, now, real_pvalloc(size), rounded, g_page);
}

/* --- threads: a thread that starts another or waits for one hands its records over --- */

/* `record` imports while the program runs, in sequence order, so a record held in a buffer holds
 * back all later ones; a thread about to block in a join, or to start threads that will run
 * while it waits, writes what it holds first (the main thread of a fork-join program otherwise
 * holds its first records until it ends). */
static void hand_over(void)
{
    struct tstate *t = &tls;
    if (t->mode == MODE_BUFFERED && t->n > 0 && !t->busy) {
        t->busy = 1;
        flush(t);
        t->busy = 0;
    }
}

EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *),
                          void *arg)
{
    hand_over();
    return (real_pthread_create ? real_pthread_create : pthread_create_late)(thread, attr, start,
                                                                             arg);
}

EXPORT int pthread_join(pthread_t thread, void **ret)
{
    hand_over();
    return (real_pthread_join ? real_pthread_join : pthread_join_late)(thread, ret);
}
