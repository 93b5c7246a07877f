/* Shared by the fidelity programs (bench/fidelity.sh): a small seeded PRNG and the report of
 * the process's peak resident set (VmHWM), read with plain system calls so that reporting it
 * allocates nothing on the allocator being measured. */
#ifndef FIDELITY_H
#define FIDELITY_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* xorshift64*: a per-thread stream, so a run's allocation sizes do not depend on scheduling. */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* A size from lo to hi bytes, skewed towards small ones as real small-object heaps are. */
static inline size_t rng_size(uint64_t *s, size_t lo, size_t hi)
{
    uint64_t a = rng_next(s) % (hi - lo + 1), b = rng_next(s) % (hi - lo + 1);
    return lo + (size_t)(a < b ? a : b);
}

static inline void die(const char *what)
{
    static const char msg[] = "fidelity program: out of memory or thread error: ";
    if (write(2, msg, sizeof msg - 1) < 0 || write(2, what, strlen(what)) < 0 || write(2, "\n", 1) < 0)
        _exit(1);
    _exit(1);
}

/* A growable array of pointers, grown by doubling with realloc as a program's vector is (so
 * every byte of it is written, as the replay's memory pass writes every block it replays). */
struct vec {
    void **v;
    size_t n, cap;
};

static inline void vec_push(struct vec *a, void *p)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 1024;
        if (!(a->v = realloc(a->v, a->cap * sizeof *a->v)))
            die("vector");
    }
    a->v[a->n++] = p;
}

/* Writes "VmHWM <kB>" on fd 1 (the line of /proc/self/status, without the allocator). */
static inline void report_hwm(void)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0)
        die("/proc/self/status");
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        die("/proc/self/status");
    buf[n] = 0;
    const char *p = strstr(buf, "VmHWM:");
    if (!p)
        die("no VmHWM line");
    p += 6;
    while (*p == ' ' || *p == '\t')
        p++;
    char out[64] = "VmHWM ";
    size_t o = 6;
    while (*p >= '0' && *p <= '9' && o < sizeof out - 2)
        out[o++] = *p++;
    out[o++] = '\n';
    if (write(1, out, o) != (ssize_t)o)
        _exit(1);
}

#endif
