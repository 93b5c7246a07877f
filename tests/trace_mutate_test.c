/* Robustness: randomly damaged YAML, binary, mtrace and Android files (bytes flipped, deleted,
 * duplicated, truncated) must be loaded or refused cleanly, never crash (this runs under
 * ASan/UBSan in CI). A refusal is one line naming the file; a trace that loads is valid (checked
 * again with trace_validate). Seeded: failures reproduce. */
#include "tap.h"
#include "trace/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* MUTATE_ROUNDS and MUTATE_SEED in the environment make a longer soak by hand. */
static int rounds = 200;

/* Thousands of small files are written: in memory (/dev/shm) when there is one, so a busy disk
 * does not slow the test down. */
static char dir[64];
static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(*len + 1);
    if (fread(b, 1, *len, f) != *len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

static const char delims[] = "[]{},:-# \n0x\"'&*!|>%@\t\x89\xff";

/* One random damage of b (len bytes) into out; returns the new length. */
static size_t mutate(const unsigned char *b, size_t len, unsigned char *out)
{
    memcpy(out, b, len);
    size_t at = len ? (size_t)(rnd() % len) : 0;
    switch (rnd() % 5) {
    case 0: /* flip a bit */
        if (len)
            out[at] ^= (unsigned char)(1u << (rnd() % 8));
        return len;
    case 1: /* a random byte, often a YAML or format delimiter */
        if (len)
            out[at] = (unsigned char)delims[rnd() % (sizeof delims - 1)];
        return len;
    case 2: /* delete a run */
    {
        size_t n = 1 + (size_t)(rnd() % 8);
        if (at + n > len)
            n = len - at;
        memmove(out + at, out + at + n, len - at - n);
        return len - n;
    }
    case 3: /* duplicate a run */
    {
        size_t n = 1 + (size_t)(rnd() % 16);
        if (at + n > len)
            n = len - at;
        memmove(out + at + n, out + at, len - at);
        return len + n;
    }
    default: /* truncate */
        return at;
    }
}

static void hammer(const char *source, const char *ext)
{
    size_t len = 0;
    unsigned char *orig = slurp(source, &len);
    if (!TAP_OK(orig != NULL, "read %s", source))
        return;
    unsigned char *buf = malloc(len + 32), *once = malloc(len + 32); /* each damage adds <= 16 */
    char path[300];
    snprintf(path, sizeof path, "%s/m%s", dir, ext);
    int clean = 1, loaded = 0, refused = 0;
    for (int round = 0; round < rounds && clean; round++) {
        size_t n = mutate(orig, len, buf);
        if (rnd() % 4 == 0) { /* sometimes damage twice */
            memcpy(once, buf, n);
            n = mutate(once, n, buf);
        }
        FILE *f = fopen(path, "wb");
        fwrite(buf, 1, n, f);
        fclose(f);
        for (int lenient = 0; lenient < 2 && clean; lenient++) {
            struct trace_load_options opt = {.lenient = lenient};
            struct trace t;
            struct trace_error err;
            if (trace_load(path, &opt, &t, NULL, &err) != 0) {
                refused++;
                if (strncmp(err.msg, path, strlen(path)) != 0 || strchr(err.msg, '\n') ||
                    strlen(err.msg) <= strlen(path) + 2) {
                    printf("# round %d: bad message: %s\n", round, err.msg);
                    clean = 0;
                }
                continue;
            }
            loaded++;
            if (trace_validate(&t, &err) != 0) {
                printf("# round %d: a loaded trace is not valid: %s\n", round, err.msg);
                clean = 0;
            }
            trace_release(&t);
        }
    }
    TAP_OK(clean, "%s: %d damaged copies, each loaded valid (%d) or refused in one line (%d)",
           source, rounds, loaded, refused);
    free(buf);
    free(once);
    free(orig);
    unlink(path);
}

int main(void)
{
    const char *root = getenv("SOURCE_ROOT");
    if (!root)
        TAP_SKIP_ALL("SOURCE_ROOT not set");
    if (getenv("MUTATE_ROUNDS"))
        rounds = atoi(getenv("MUTATE_ROUNDS"));
    if (getenv("MUTATE_SEED"))
        rng = strtoull(getenv("MUTATE_SEED"), NULL, 0) | 1;
    snprintf(dir, sizeof dir, "%s/trace_mutate_test.XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(dir))
        return 99;
    char src[512], bin[300];
    struct trace t;
    struct trace_error err;
    static const char *const yaml[] = {"traces/vector-growth.yaml", "traces/aligned-threads.yaml",
                                       "traces/hash-rehash.yaml"};
    for (size_t i = 0; i < sizeof yaml / sizeof yaml[0]; i++) {
        snprintf(src, sizeof src, "%s/%s", root, yaml[i]);
        hammer(src, ".yaml");
    }
    snprintf(src, sizeof src, "%s/traces/aligned-threads.yaml", root);
    snprintf(bin, sizeof bin, "%s/good.alrt", dir);
    if (trace_load(src, NULL, &t, NULL, &err) == 0 && trace_save(bin, &t, &err) == 0)
        hammer(bin, ".alrt");
    trace_release(&t);
    unlink(bin);
    snprintf(src, sizeof src, "%s/tests/traces/import/reuse.mtrace", root);
    hammer(src, ".mtrace");
    snprintf(src, sizeof src, "%s/tests/traces/import/timestamps.android.txt", root);
    hammer(src, ".android.txt");
    rmdir(dir);
    return tap_done();
}
