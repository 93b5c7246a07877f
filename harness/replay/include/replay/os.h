/* Everything OS- and CPU-specific the replay needs, behind one header (like mimalloc's prim.h):
 * the cycle counter, the monotonic clock, CPU pinning, resident-memory figures from /proc,
 * harness tables in mmap'd memory, and resource limits.
 *
 * None of these functions allocates with malloc: the worker calls some of them between
 * replayed events, and the measured allocator may be the process's malloc. Functions that
 * can fail return -1 (or 0 for pointers) and leave errno set; none prints anything.
 */
#ifndef ALLOCREPLAY_OS_H
#define ALLOCREPLAY_OS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- time ---- */

/* CLOCK_MONOTONIC in nanoseconds. Never fails on Linux. */
static inline uint64_t os_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#define OS_HAVE_TSC 1
/* Reads the time-stamp counter at the start of a timed region. The lfence keeps earlier
 * instructions from being counted inside the region (rdtsc is not serializing); cpuid is never
 * used because under a hypervisor it traps and costs microseconds. */
static inline uint64_t os_tsc_begin(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Reads the counter at the end of a timed region: rdtscp waits for the timed instructions to
 * retire, the lfence keeps later instructions from starting before the read. */
static inline uint64_t os_tsc_end(void)
{
    uint32_t lo, hi, aux;
    __asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
    return ((uint64_t)hi << 32) | lo;
}
#else
#define OS_HAVE_TSC 0
static inline uint64_t os_tsc_begin(void) { return os_clock_ns(); }
static inline uint64_t os_tsc_end(void) { return os_clock_ns(); }
#endif

/* 1 when the CPU has an invariant TSC (constant rate in every P/C-state, cpuid leaf
 * 0x80000007 EDX bit 8) and rdtscp; 0 otherwise or off x86. Executes cpuid: call it at start-up
 * only, never in timed code. */
int os_tsc_usable(void);

/* The smallest non-zero step between two consecutive reads of the TSC (use_tsc) or of
 * CLOCK_MONOTONIC, in ticks (ns for the clock): the timer's resolution. On AMD Zen, for one, the
 * TSC advances in steps of the core-to-100 MHz ratio (26 ticks = 10 ns at 2.6 GHz). */
uint64_t os_timer_resolution(int use_tsc);

/* Measures the TSC rate against CLOCK_MONOTONIC over about ms milliseconds of spinning.
 * Returns ticks per second, or 0 if the counter did not advance. */
double os_tsc_calibrate(unsigned ms);

/* ---- CPU placement ---- */

/* Pins the calling thread to the CPU it is running on now, so that the timed pass does not
 * migrate. Returns that CPU number, or -1 with errno set. */
int os_pin_to_current_cpu(void);

/* ---- memory figures ---- */

/* RssAnon of this process from /proc/self/status, in bytes: anonymous resident memory only,
 * so the mmap'd trace file does not count. Returns -1 if /proc is unreadable. */
int64_t os_rss_anon(void);

/* Selected fields of /proc/self/smaps_rollup, in bytes (whole process). */
struct os_smaps {
    uint64_t rss, pss, pss_anon, anonymous, private_dirty, swap;
};
/* Returns 0, or -1 (no smaps_rollup: kernels before 4.14). */
int os_smaps_rollup(struct os_smaps *out);

/* ---- harness tables ---- */

/* Anonymous private memory of at least bytes bytes, every page written once so that no page
 * fault happens later in a measured region. Returns NULL with errno set. bytes may be 0. */
void *os_table_alloc(size_t bytes);
/* A table that grows with the number of events (the threaded replay's schedule): below
 * TMP_MAP_MIN_BYTES, os_table_alloc; from there on, tmp_map (util/tmp_map.h): page cache the
 * kernel may write back and evict, like the trace's own mapping, rather than anonymous memory
 * that must stay resident, so that a billion-event schedule does not have to fit in memory.
 * Not pre-touched (the caller writes it once, in order, before any measurement); where no file
 * can be made, anonymous memory as os_table_alloc. Freed by os_table_free. */
void *os_table_alloc_big(size_t bytes);
/* Releases a table from os_table_alloc or os_table_alloc_big (same bytes). p may be NULL. */
void os_table_free(void *p, size_t bytes);

/* ---- waiting threads ---- */

/* Puts the calling thread to sleep while the 32-bit word at addr still holds expected, for at
 * most timeout_ns (a private futex: threads of this process only). Returns when woken, when
 * the word differs, at the timeout or on a signal; the caller re-checks its condition.
 * Returns 1 when the timeout passed, 0 otherwise. */
int os_futex_wait(const void *addr, uint32_t expected, uint64_t timeout_ns);
/* Wakes every thread sleeping in os_futex_wait on addr. */
void os_futex_wake_all(const void *addr);
/* The CPUs the calling thread may run on (its affinity mask), at least 1. */
unsigned os_cpu_count(void);

/* ---- paced replay ---- */

/* Sleeps until CLOCK_MONOTONIC reads at least t_ns (an absolute time, as os_clock_ns gives),
 * or a signal arrives; the caller re-checks the clock. */
void os_sleep_until(uint64_t t_ns);
/* Sets the calling thread's timer slack to 1 ns (the default, 50 us, is added to every
 * sleep), so that a paced replay wakes when it asked to. Inherited by threads created after
 * it. Returns 0 or -1. */
int os_timer_slack_min(void);

/* ---- limits ---- */

/* Sets RLIMIT_AS (soft and hard) to bytes. Returns 0 or -1. */
int os_limit_address_space(uint64_t bytes);
/* Disables core dumps: a crashing backend then costs milliseconds, not a dump of its heap. */
void os_disable_core_dumps(void);

#endif
