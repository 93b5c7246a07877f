/* Round trips: YAML -> binary -> YAML is lossless (byte-identical second YAML) and binary ->
 * YAML -> binary keeps the records identical, on seeded random traces that use every op,
 * alignments, threads and awkward names. Plus the two YAML event forms mixed in one file. */
#include "tap.h"
#include "trace/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/trace_roundtrip_test.XXXXXX";

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return rng_state >> 33;
}

/* A valid random trace: objects are allocated, reallocated and freed in random order. */
static void random_trace(struct trace *t, uint64_t seed, uint64_t n, const char *name,
                         const char *desc)
{
    struct trace_builder b;
    uint32_t *live = malloc(n * sizeof *live), n_live = 0, next_id = 0;
    rng_state = seed;
    trace_builder_init(&b);
    for (uint64_t i = 0; i < n; i++) {
        struct trace_event ev = {.thread = (uint16_t)(rnd() % 4 == 0 ? rnd() % 70 : 0)};
        unsigned pick = (unsigned)(rnd() % 10);
        if (n_live == 0 || pick < 4) {
            ev.id = next_id++;
            ev.op = (uint8_t)(rnd() % 3); /* alloc, calloc, aligned */
            ev.size = 1 + rnd() % (rnd() % 8 == 0 ? 1u << 30 : 512);
            if (ev.op == TRACE_ALIGNED)
                ev.align_log2 = (uint8_t)(rnd() % (TRACE_MAX_ALIGN_LOG2 + 1));
            live[n_live++] = ev.id;
        } else {
            uint32_t k = (uint32_t)(rnd() % n_live);
            ev.id = live[k];
            if (pick < 6) {
                ev.op = TRACE_REALLOC;
                ev.size = 1 + rnd() % 100000;
            } else {
                ev.op = TRACE_FREE;
                live[k] = live[--n_live];
            }
        }
        trace_builder_push(&b, &ev);
    }
    trace_builder_finish(&b, name, desc, t);
    free(live);
}

static int slurp(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    *out = malloc(*len + 1);
    size_t got = fread(*out, 1, *len, f);
    fclose(f);
    return got == *len ? 0 : -1;
}

static int same_events(const struct trace *a, const struct trace *b)
{
    /* An empty trace may have no event array at all: memcmp must not see NULL. */
    return a->n_events == b->n_events &&
           (a->n_events == 0 ||
            !memcmp(a->events, b->events, (size_t)a->n_events * sizeof *a->events));
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void round_trip(uint64_t seed, uint64_t n, const char *name, const char *desc)
{
    char y1[300], y2[300], b1[300], b2[300];
    snprintf(y1, sizeof y1, "%s/t1.yaml", dir);
    snprintf(y2, sizeof y2, "%s/t2.yml", dir);
    snprintf(b1, sizeof b1, "%s/t1.alrt", dir);
    snprintf(b2, sizeof b2, "%s/t2.alrt", dir);
    struct trace t, ty, tb, ty2, tb2;
    struct trace_error err;
    random_trace(&t, seed, n, name, desc);
    int ok = trace_save(y1, &t, &err) == 0 && trace_load(y1, NULL, &ty, NULL, &err) == 0;
    TAP_OK(ok, "seed %llu: %llu events to YAML and back", (unsigned long long)seed,
           (unsigned long long)n);
    if (!ok) {
        printf("# %s\n", err.msg);
        trace_release(&t);
        return;
    }
    TAP_OK(same_events(&t, &ty) && same_text(t.name, ty.name) &&
               same_text(t.description, ty.description),
           "seed %llu: YAML keeps events, threads, alignments, name, description",
           (unsigned long long)seed);
    ok = trace_save(b1, &ty, &err) == 0 && trace_load(b1, NULL, &tb, NULL, &err) == 0 &&
         trace_save(y2, &tb, &err) == 0 && trace_load(y2, NULL, &ty2, NULL, &err) == 0 &&
         trace_save(b2, &ty2, &err) == 0 && trace_load(b2, NULL, &tb2, NULL, &err) == 0;
    TAP_OK(ok, "seed %llu: YAML -> binary -> YAML -> binary", (unsigned long long)seed);
    if (ok) {
        char *s1 = NULL, *s2 = NULL;
        size_t l1, l2;
        TAP_OK(same_events(&t, &tb) && same_events(&tb, &tb2) && tb.n_ids == t.n_ids &&
                   tb.n_threads == t.n_threads && same_text(tb2.name, t.name) &&
                   same_text(tb2.description, t.description),
               "seed %llu: binary records, counts and strings identical", (unsigned long long)seed);
        TAP_OK(slurp(y1, &s1, &l1) == 0 && slurp(y2, &s2, &l2) == 0 && l1 == l2 &&
                   !memcmp(s1, s2, l1),
               "seed %llu: second YAML byte-identical to the first", (unsigned long long)seed);
        free(s1);
        free(s2);
        s1 = s2 = NULL;
        TAP_OK(slurp(b1, &s1, &l1) == 0 && slurp(b2, &s2, &l2) == 0 && l1 == l2 &&
                   !memcmp(s1, s2, l1),
               "seed %llu: second binary byte-identical to the first", (unsigned long long)seed);
        free(s1);
        free(s2);
        trace_release(&tb);
        trace_release(&ty2);
        trace_release(&tb2);
    } else {
        printf("# %s\n", err.msg);
    }
    trace_release(&t);
    trace_release(&ty);
    unlink(y1), unlink(y2), unlink(b1), unlink(b2);
}

static void mixed_forms(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/mixed.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("# both forms in one file, keys in any order\n"
          "events:\n"
          "  - {op: alloc, id: 0, size: 4}\n"
          "  - [realloc, 0, 8]\n"
          "  - [alloc, 1, 0x18]\n"
          "  - {size: 64, align: 64, thread: 1, id: 2, op: aligned}\n"
          "  - op: calloc\n"
          "    id: 3\n"
          "    size: 10\n"
          "  - [aligned, 4, 100, 1]\n"
          "  - - free\n"
          "    - 1\n"
          "format: allocreplay-trace/1\n",
          f);
    fclose(f);
    static const struct trace_event want[] = {
        {.id = 0, .op = TRACE_ALLOC, .size = 4},
        {.id = 0, .op = TRACE_REALLOC, .size = 8},
        {.id = 1, .op = TRACE_ALLOC, .size = 24},
        {.id = 2, .op = TRACE_ALIGNED, .align_log2 = 6, .thread = 1, .size = 64},
        {.id = 3, .op = TRACE_CALLOC, .size = 10},
        {.id = 4, .op = TRACE_ALIGNED, .align_log2 = 0, .size = 100},
        {.id = 1, .op = TRACE_FREE},
    };
    struct trace t;
    struct trace_error err;
    int ok = trace_load(path, NULL, &t, NULL, &err) == 0;
    TAP_OK(ok && t.n_events == 7 && !memcmp(t.events, want, sizeof want),
           "mapping, compact and block forms mixed in one file");
    if (!ok)
        printf("# %s\n", err.msg);
    TAP_OK(ok && !strcmp(t.name, "mixed") && t.description == NULL,
           "name defaults to the file's base name");
    TAP_OK(ok && t.n_ids == 5 && t.n_threads == 2, "id and thread counts");
    if (ok)
        trace_release(&t);
    unlink(path);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 99;
    mixed_forms();
    round_trip(1, 0, "empty", NULL);
    round_trip(2, 1, "one", "a single event");
    round_trip(3, 1000, "123", "a name that looks like a number");
    round_trip(4, 5000, "true", "multi: line\nwith \"quotes\", a # hash, 'apostrophes'\tand ü");
    round_trip(5, 20001, "- dash: colon", "  leading and trailing blanks  ");
    rmdir(dir);
    return tap_done();
}
