/* Text traces for bench/trace_import.sh, as the foreign tools write them:
 *
 *   text_trace_gen android|mtrace N OUT [SEED]
 *
 * N operations on a working set of up to 65536 live blocks (about as many allocations as frees
 * once it is filled), addresses handed out again after their free as a real allocator does.
 * android: bionic's record_allocs lines from 8 threads with start and end timestamps
 * (malloc, calloc, memalign, realloc, free; thread_done at the end). mtrace: glibc's lines
 * with a caller (`@ ./prog:[0x...] + 0xADDR 0xSIZE`, `-`, and `<`/`>` pairs for realloc).
 * Deterministic for given arguments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 65536
#define THREADS 8

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Mostly small requests, a few large ones. */
static uint64_t pick_size(void)
{
    uint64_t r = next();
    if (r % 100 < 90)
        return 8 + (r >> 8) % 248;
    if (r % 100 < 99)
        return 256 + (r >> 8) % 8192;
    return 65536 + (r >> 8) % 1048576;
}

struct state {
    uint64_t live[WINDOW]; /* addresses of live blocks */
    uint32_t n_live;
    uint64_t free_slots[WINDOW]; /* addresses freed, handed out again first */
    uint32_t n_free;
    uint64_t next_addr;
    uint64_t clock;
};

static uint64_t new_addr(struct state *s)
{
    if (s->n_free && next() % 4)
        return s->free_slots[--s->n_free];
    s->next_addr += 16 * (1 + next() % 64);
    return s->next_addr;
}

static void retire(struct state *s, uint64_t addr)
{
    if (s->n_free < WINDOW)
        s->free_slots[s->n_free++] = addr;
}

static void android_line(FILE *f, struct state *s, int tid, const char *fmt, uint64_t a,
                         uint64_t b, uint64_t c)
{
    uint64_t start = s->clock += 50 + next() % 2000;
    fprintf(f, "%d: ", tid);
    fprintf(f, fmt, (unsigned long long)a, (unsigned long long)b, (unsigned long long)c);
    fprintf(f, " %llu %llu\n", (unsigned long long)start,
            (unsigned long long)(start + 20 + next() % 400));
}

static void mtrace_line(FILE *f, char op, uint64_t addr, uint64_t size, int with_size)
{
    fprintf(f, "@ ./prog:[0x%llx] %c 0x%llx", (unsigned long long)(0x11c0 + next() % 4096), op,
            (unsigned long long)addr);
    if (with_size)
        fprintf(f, " 0x%llx", (unsigned long long)size);
    fputc('\n', f);
}

static void step(FILE *f, struct state *s, int android)
{
    uint64_t r = next() % 100;
    int tid = 1412 + (int)(next() % THREADS);
    int full = s->n_live == WINDOW;
    if (s->n_live && (full || r < 45)) { /* free or realloc */
        uint32_t k = (uint32_t)(next() % s->n_live);
        uint64_t old = s->live[k];
        if (r < 8 && !full) {
            uint64_t addr = next() % 2 ? old : new_addr(s), size = pick_size();
            if (addr != old)
                retire(s, old);
            s->live[k] = addr;
            if (android)
                android_line(f, s, tid, "realloc 0x%llx 0x%llx %llu", addr, old, size);
            else {
                mtrace_line(f, '<', old, 0, 0);
                mtrace_line(f, '>', addr, size, 1);
            }
            return;
        }
        s->live[k] = s->live[--s->n_live];
        retire(s, old);
        if (android)
            android_line(f, s, tid, "free 0x%llx", old, 0, 0);
        else
            mtrace_line(f, '-', old, 0, 0);
        return;
    }
    uint64_t addr = new_addr(s), size = pick_size();
    s->live[s->n_live++] = addr;
    if (!android)
        mtrace_line(f, '+', addr, size, 1);
    else if (r < 50)
        android_line(f, s, tid, "calloc 0x%llx %llu %llu", addr, 1 + next() % 4, size / 4 + 1);
    else if (r < 52)
        android_line(f, s, tid, "memalign 0x%llx %llu %llu", addr, 16ull << next() % 4, size);
    else
        android_line(f, s, tid, "malloc 0x%llx %llu%.0llu", addr, size, 0);
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5 || (strcmp(argv[1], "android") && strcmp(argv[1], "mtrace"))) {
        fprintf(stderr, "usage: text_trace_gen android|mtrace N OUT [SEED]\n");
        return 2;
    }
    int android = !strcmp(argv[1], "android");
    unsigned long long n = strtoull(argv[2], NULL, 10);
    if (argc == 5)
        rng ^= strtoull(argv[4], NULL, 10) * 0x9E3779B97F4A7C15ull;
    FILE *f = fopen(argv[3], "w");
    static struct state s = {.next_addr = 0x7f3a5c000000ull, .clock = 1000000};
    if (!f) {
        perror(argv[3]);
        return 1;
    }
    if (!android)
        fputs("= Start\n", f);
    for (unsigned long long i = 0; i < n; i++)
        step(f, &s, android);
    if (android)
        for (int t = 0; t < THREADS; t++)
            android_line(f, &s, 1412 + t, "thread_done 0x%llx%.0llu%.0llu", 0, 0, 0);
    else
        fputs("= End\n", f);
    if (fclose(f) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
