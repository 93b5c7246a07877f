/* The --verify fill pattern (verify.h). */
#include "verify.h"

#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the pattern words are stored little-endian");

/* splitmix64's finalizer: neighbouring ids get unrelated seeds. */
static uint64_t seed(uint32_t id)
{
    uint64_t z = (uint64_t)id + 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static inline uint8_t pattern_byte(uint64_t s, uint64_t i)
{
    return (uint8_t)((s + (i >> 3)) >> (8 * (i & 7)));
}

void verify_fill(void *p, uint32_t id, uint64_t from, uint64_t to)
{
    unsigned char *b = p;
    uint64_t s = seed(id), i = from;
    for (; i < to && (i & 7); i++)
        b[i] = pattern_byte(s, i);
    for (; i + 8 <= to; i += 8) {
        uint64_t w = s + (i >> 3);
        memcpy(b + i, &w, 8);
    }
    for (; i < to; i++)
        b[i] = pattern_byte(s, i);
}

int64_t verify_check(const void *p, uint32_t id, uint64_t from, uint64_t to)
{
    const unsigned char *b = p;
    uint64_t s = seed(id), i = from;
    for (; i < to && (i & 7); i++)
        if (b[i] != pattern_byte(s, i))
            return (int64_t)i;
    for (; i + 8 <= to; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        if (w != s + (i >> 3))
            break; /* the byte loop below finds the exact offset */
    }
    for (; i < to; i++)
        if (b[i] != pattern_byte(s, i))
            return (int64_t)i;
    return -1;
}

int64_t verify_check_zero(const void *p, uint64_t n)
{
    const unsigned char *b = p;
    for (uint64_t i = 0; i < n; i++)
        if (b[i])
            return (int64_t)i;
    return -1;
}
