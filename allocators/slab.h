/* Internal to allocators/ and its unit test: the slab backend's geometry. */
#ifndef ALLOCREPLAY_SLAB_H
#define ALLOCREPLAY_SLAB_H

/* A slab is SLAB_SIZE bytes aligned to SLAB_SIZE, so masking a block's address finds its
 * header. 64 KiB: 16 pages, large enough that the header and the tail a class size does not
 * divide waste under 1.2% even for 128-byte blocks, small enough that a mostly free class can
 * give whole slabs back. */
#define SLAB_SIZE ((size_t)64 << 10)
/* Blocks start this far into the slab: room for the header, and a multiple of 128 so a block of
 * a class whose size is a multiple of A is A-aligned (aligned_alloc relies on it). */
#define SLAB_HEADER_BYTES 128
#define SLAB_CLASSES 16 /* 8..128 bytes in steps of 8, as sgi */
#define SLAB_MAX_BYTES 128
#define SLAB_EMPTY_KEEP_DEFAULT 1

#endif
