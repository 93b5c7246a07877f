/* Writes a large valid binary trace without holding it in memory, for the resource tests:
 * N events, alloc and free alternating over a window of 1000 live objects, ids reused modulo
 * 65536 (the trace's memory cost grows with its id count, and this test is about the event
 * count), sizes 1..4096. The records are checksummed as they are written; the header is written
 * last. Layout: docs/trace-format.md. Usage: big_trace N OUT.alrt */
#include "trace_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 1000
#define IDS 65536
#define CHUNK 4096 /* events per write: 64 KiB, a multiple of the checksum's 32-byte blocks */

static void put(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int main(int argc, char **argv)
{
    if (argc != 3 || (atoll(argv[1]) & 1) || atoll(argv[1]) < 2 * WINDOW) {
        fprintf(stderr, "usage: big_trace N OUT.alrt (N even, at least %d)\n", 2 * WINDOW);
        return 2;
    }
    uint64_t n = (uint64_t)atoll(argv[1]);
    FILE *f = fopen(argv[2], "wb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    unsigned char hdr[80] = {0x89, 'A', 'L', 'R', 'T', '\r', '\n', 0x1a};
    fwrite(hdr, 1, sizeof hdr, f); /* a placeholder until the checksum is known */
    static struct trace_event chunk[CHUNK];
    struct trace_checksum c;
    trace__checksum_init(&c);
    /* Allocations j = 0..n/2-1; each alloc after the first WINDOW is followed by the free of
     * allocation j - WINDOW, and the last WINDOW frees close the trace. */
    uint64_t allocs = n / 2, j = 0, freed = 0, k = 0;
    for (uint64_t i = 0; i < n; i++) {
        struct trace_event *ev = &chunk[k++];
        memset(ev, 0, sizeof *ev);
        int do_free = j == allocs || (j >= WINDOW && freed < j - WINDOW + 1 && (i & 1));
        if (do_free) {
            ev->op = TRACE_FREE;
            ev->id = (uint32_t)(freed++ % IDS);
        } else {
            ev->op = TRACE_ALLOC;
            ev->id = (uint32_t)(j % IDS);
            ev->size = j % 4096 + 1;
            j++;
        }
        if (k == CHUNK || i == n - 1) {
            trace__checksum_update(&c, chunk, k * sizeof *chunk);
            fwrite(chunk, sizeof *chunk, k, f);
            k = 0;
        }
    }
    put(hdr + 8, 1, 2);
    put(hdr + 10, 64, 2);
    put(hdr + 16, n, 8);
    put(hdr + 24, IDS, 4);
    put(hdr + 28, 1, 4);
    put(hdr + 32, 3, 4);
    put(hdr + 40, 80, 8);
    put(hdr + 48, trace__checksum_final(&c), 8);
    memcpy(hdr + 64, "big", 3);
    unsigned char tmp[64];
    memcpy(tmp, hdr, 56);
    memset(tmp + 56, 0, 8);
    trace__checksum_init(&c);
    trace__checksum_update(&c, tmp, 64);
    trace__checksum_update(&c, "big", 3);
    put(hdr + 56, trace__checksum_final(&c), 8);
    if (fseek(f, 0, SEEK_SET) != 0 || fwrite(hdr, 1, sizeof hdr, f) != sizeof hdr ||
        fclose(f) != 0) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
