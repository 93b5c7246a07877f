/* The --verify pattern: byte i of object id's block is byte (i mod 8) of the little-endian word
 * seed(id) + i/8. The seed differs for every id and the word changes every 8 bytes, so a block
 * overlapping another, a realloc that loses or shifts content, and a stray write all show up
 * as a mismatch at a precise offset. Used only by the verify pass, never by timed passes. */
#ifndef ALLOCREPLAY_VERIFY_H
#define ALLOCREPLAY_VERIFY_H

#include <stdint.h>

/* Writes the pattern of id into bytes [from, to) of block p. */
void verify_fill(void *p, uint32_t id, uint64_t from, uint64_t to);

/* Checks bytes [from, to) of block p against the pattern of id. Returns -1 if they all match,
 * else the offset of the first byte that does not. */
int64_t verify_check(const void *p, uint32_t id, uint64_t from, uint64_t to);

/* Checks that n bytes at p are zero (calloc). Returns -1, or the first non-zero offset. */
int64_t verify_check_zero(const void *p, uint64_t n);

#endif
