/* Linux implementation of os.h. /proc files are read with open/read into stack buffers:
 * stdio would allocate its buffer with the malloc under measurement. */
#include "replay/os.h"

#include "util/tmp_map.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#if OS_HAVE_TSC
#include <cpuid.h>
#endif

int os_tsc_usable(void)
{
#if OS_HAVE_TSC
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
        return 0;
    __cpuid(0x80000001u, a, b, c, d);
    int rdtscp = (d >> 27) & 1;
    __cpuid(0x80000007u, a, b, c, d);
    int invariant = (d >> 8) & 1;
    return rdtscp && invariant;
#else
    return 0;
#endif
}

/* Reads the clock between two counter reads, keeping the tightest of a few tries: a
 * preemption between the reads would otherwise shift the pair by a whole time slice. */
static void bracket(uint64_t *tsc, uint64_t *ns)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 8; i++) {
        uint64_t a = os_tsc_begin(), n = os_clock_ns(), b = os_tsc_end();
        if (b - a < best) {
            best = b - a;
            *tsc = a + (b - a) / 2;
            *ns = n;
        }
    }
}

double os_tsc_calibrate(unsigned ms)
{
    /* Spinning, not sleeping: the pair of brackets spans ms milliseconds of wall time. */
    uint64_t t0, n0, t1, n1;
    bracket(&t0, &n0);
    uint64_t end = n0 + (uint64_t)ms * 1000000u;
    do
        bracket(&t1, &n1);
    while (n1 < end);
    if (t1 <= t0 || n1 == n0)
        return 0;
    return (double)(t1 - t0) * 1e9 / (double)(n1 - n0);
}

uint64_t os_timer_resolution(int use_tsc)
{
    uint64_t best = UINT64_MAX, prev = use_tsc ? os_tsc_begin() : os_clock_ns();
    for (int i = 0; i < 10000; i++) {
        uint64_t now = use_tsc ? os_tsc_begin() : os_clock_ns();
        if (now != prev && now - prev < best)
            best = now - prev;
        prev = now;
    }
    return best == UINT64_MAX ? 0 : best;
}

int os_pin_to_current_cpu(void)
{
    int cpu = sched_getcpu();
    if (cpu < 0)
        return -1;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set))
        return -1;
    return cpu;
}

/* Reads a small /proc file into buf (NUL-terminated). Returns its length or -1. */
static ssize_t read_small_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t n = read(fd, buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = 0;
    return (ssize_t)got;
}

/* The value in kB of the line "key:   N kB" in text, in bytes; -1 if absent. */
static int64_t kb_field(const char *text, const char *key)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
        if (strncmp(line, key, klen) || line[klen] != ':')
            continue;
        const char *p = line + klen + 1;
        while (*p == ' ' || *p == '\t')
            p++;
        int64_t v = 0;
        while (*p >= '0' && *p <= '9')
            v = v * 10 + (*p++ - '0');
        return v * 1024;
    }
    return -1;
}

int64_t os_rss_anon(void)
{
    char buf[4096];
    if (read_small_file("/proc/self/status", buf, sizeof buf) < 0)
        return -1;
    return kb_field(buf, "RssAnon");
}

int os_smaps_rollup(struct os_smaps *out)
{
    char buf[4096];
    if (read_small_file("/proc/self/smaps_rollup", buf, sizeof buf) <= 0)
        return -1;
    int64_t v[6] = {kb_field(buf, "Rss"),       kb_field(buf, "Pss"),
                    kb_field(buf, "Pss_Anon"),  kb_field(buf, "Anonymous"),
                    kb_field(buf, "Private_Dirty"), kb_field(buf, "Swap")};
    if (v[0] < 0)
        return -1;
    out->rss = (uint64_t)v[0];
    out->pss = v[1] < 0 ? 0 : (uint64_t)v[1];
    out->pss_anon = v[2] < 0 ? 0 : (uint64_t)v[2];
    out->anonymous = v[3] < 0 ? 0 : (uint64_t)v[3];
    out->private_dirty = v[4] < 0 ? 0 : (uint64_t)v[4];
    out->swap = v[5] < 0 ? 0 : (uint64_t)v[5];
    return 0;
}

void *os_table_alloc(size_t bytes)
{
    if (bytes == 0)
        bytes = 1;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /* MAP_POPULATE maps the zero page on some kernels for reads; a write per page makes each
     * page private now, outside any measured region. */
    long page = sysconf(_SC_PAGESIZE);
    for (size_t off = 0; off < bytes; off += (size_t)page)
        ((volatile char *)p)[off] = 0;
    return p;
}

void *os_table_alloc_big(size_t bytes)
{
    void *p = bytes >= TMP_MAP_MIN_BYTES ? tmp_map(bytes) : NULL;
    return p ? p : os_table_alloc(bytes);
}

void os_table_free(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes ? bytes : 1);
}

int os_limit_address_space(uint64_t bytes)
{
    struct rlimit rl = {.rlim_cur = (rlim_t)bytes, .rlim_max = (rlim_t)bytes};
    return setrlimit(RLIMIT_AS, &rl);
}

void os_disable_core_dumps(void)
{
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
}

int os_futex_wait(const void *addr, uint32_t expected, uint64_t timeout_ns)
{
    struct timespec ts = {(time_t)(timeout_ns / 1000000000u), (long)(timeout_ns % 1000000000u)};
    return syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, &ts, NULL, 0) == -1 &&
           errno == ETIMEDOUT;
}

void os_futex_wake_all(const void *addr)
{
    syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

unsigned os_cpu_count(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set))
        return 1;
    const int n = CPU_COUNT(&set);
    return n > 0 ? (unsigned)n : 1u;
}

void os_sleep_until(uint64_t t_ns)
{
    struct timespec ts = {(time_t)(t_ns / 1000000000u), (long)(t_ns % 1000000000u)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

int os_timer_slack_min(void)
{
    return prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
}
