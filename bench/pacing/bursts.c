/* The program traces/specs/bursts-idle.yaml models, written in C, to check a paced replay
 * against the real thing (bench/pacing_real.sh runs it under LD_PRELOAD of each allocator and
 * samples its RssAnon from outside):
 *
 *   burst    8,000 blocks of 1-8 KiB (uniform), allocated then all freed in allocation order,
 *            16,000 calls at 200,000 per second (80 ms)
 *   trickle  4 s at 2,500 calls per second: each 0.8 ms one 16-256 B object is allocated
 *            into one of 8 slots chosen at random, freeing the object the slot held (a
 *            lifetime of about 8 allocations, as the spec's exponential mean 8)
 *   burst    again, then 4 s without a call (sleep)
 *   trickle  1 s, then the last objects freed
 *
 * Every new block is written once per 4 KiB page and at its last byte, as the replay's memory
 * pass does. Calls follow an absolute schedule, waited for as the paced replay waits (sleep,
 * then spin the last 50 us; a late call goes at once), so the program takes the spec's 9.2 s
 * whatever the allocator costs.
 * The program starts 200 ms after launch (so a sampler started with it sees the baseline) and
 * prints nothing. Usage: bursts [SEED]. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define BURST_BLOCKS 8000
#define BURST_RATE 200000.0 /* calls per second */
#define TRICKLE_RATE 2500.0
#define SLOTS 8

static uint64_t rng_state;
static uint64_t rng(void) /* xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits until t as the paced replay does: a call that is late goes at once (no system call,
 * which on a busy machine may give the CPU away), a gap under 50 us is spun, a longer one
 * slept until 50 us before t. */
static void sleep_until(double t)
{
    const double spin = 50e-6;
    double now = now_s();
    if (now >= t)
        return;
    if (t - now > spin) {
        double w = t - spin;
        struct timespec ts = {(time_t)w, (long)((w - (double)(time_t)w) * 1e9)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
    while (now_s() < t)
        ;
}

static void *alloc_touched(size_t size)
{
    volatile unsigned char *p = malloc(size);
    if (!p)
        abort();
    for (size_t off = 0; off < size; off += 4096)
        p[off] = 1;
    p[size - 1] = 1;
    return (void *)p;
}

/* One burst starting at t0; returns when its last call is due. */
static double burst(double t0)
{
    static void *block[BURST_BLOCKS];
    double t = t0;
    for (int i = 0; i < BURST_BLOCKS; i++, t += 1 / BURST_RATE) {
        sleep_until(t);
        block[i] = alloc_touched(1024 + (size_t)(rng() % (8192 - 1024 + 1)));
    }
    for (int i = 0; i < BURST_BLOCKS; i++, t += 1 / BURST_RATE) {
        sleep_until(t);
        free(block[i]);
    }
    return t;
}

/* A trickle of `seconds` from t0; the objects stay in slot[] for the next one. */
static double trickle(double t0, double seconds, void **slot)
{
    double t = t0;
    for (; t < t0 + seconds; t += 2 / TRICKLE_RATE) {
        sleep_until(t);
        size_t k = (size_t)(rng() % SLOTS);
        free(slot[k]);
        slot[k] = alloc_touched(16 + (size_t)(rng() % (256 - 16 + 1)));
    }
    return t;
}

int main(int argc, char **argv)
{
    rng_state = argc > 1 ? strtoull(argv[1], NULL, 10) | 1 : 14;
    void *slot[SLOTS] = {0};
    double t = now_s() + 0.2;
    t = burst(t);
    t = trickle(t, 4, slot);
    t = burst(t);
    t = trickle(t + 4, 1, slot);
    for (int k = 0; k < SLOTS; k++)
        free(slot[k]);
    return 0;
}
