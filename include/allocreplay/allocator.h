/* The published backend interface of allocreplay (installed as <allocreplay/allocator.h>, with
 * allocreplay.pc): what a backend implements, nothing of the harness. One ops table per allocator, in the spirit of SQLite's
 * sqlite3_mem_methods, with the gaps fixed: every method gets the backend's context, free is
 * told the size and alignment (the harness always knows both), and optional methods may be
 * NULL. A backend is one file whose functions are all static and which exports one
 * `const struct allocator_ops`.
 */
#ifndef ALLOCREPLAY_ALLOCATOR_H
#define ALLOCREPLAY_ALLOCATOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version 2 appended calloc. New methods are only ever appended at the end of the table, and
 * tables are written with designated initialisers, so source written for an older version
 * still compiles (the new members are NULL). A compiled plugin of version 1 has a shorter table:
 * the plugin loader copies its version-1 part into a full table with the new members NULL
 * rather than read past the end of the plugin's object. */
#define ALLOCATOR_OPS_VERSION 2
#define ALLOCATOR_OPS_VERSION_MIN 1

struct allocator_options {
    size_t slab_empty_keep; /* slab: empty slabs kept per size class (0 = backend default) */
    const char *arg;        /* text after "name:" for plugin:/preload: backends, else NULL */
};

/* Byte counts a backend reports; ALLOCATOR_UNKNOWN where it cannot say. */
#define ALLOCATOR_UNKNOWN SIZE_MAX
struct allocator_stats {
    size_t footprint_bytes; /* taken from the system and not given back (required) */
    size_t in_use_bytes;    /* handed out to the program (usable sizes) */
    size_t free_bytes;      /* held by the backend, free for reuse */
    size_t heap_bytes;      /* part of the footprint obtained with brk/sbrk */
    size_t mmap_bytes;      /* part of the footprint obtained with mmap */
    /* Backend-specific figures (sgi: heap_size; slab: slabs in use and held). */
    struct {
        const char *name;
        size_t value;
    } extra[4];
    unsigned n_extra;
};

struct allocator_ops {
    int version; /* ALLOCATOR_OPS_VERSION */
    const char *name;
    const char *description;
    size_t min_align; /* alignment every alloc result has (sgi: 8, malloc: 16) */

    /* Required. create returns NULL and writes a one-line reason to err on failure. */
    void *(*create)(const struct allocator_options *opt, char *err, size_t err_len);
    void (*destroy)(void *ctx);
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *p, size_t size, size_t align);

    /* Optional (NULL = not supported; the harness emulates or refuses, as documented).
     *
     * Calling conventions every backend relies on:
     * - free's size is the size last requested for the block (alloc, aligned_alloc or realloc);
     *   its align is 0 for a block from alloc or realloc and the requested alignment for a
     *   block from aligned_alloc, so a backend may route aligned blocks elsewhere.
     * - realloc is called only on blocks from alloc or realloc, never on a block from
     *   aligned_alloc (C's realloc would not keep the alignment anyway): the harness replays
     *   the realloc of an aligned object as aligned_alloc + copy + free.
     * - Sizes may be 0; each backend documents what it returns (docs/backends.md). */
    void *(*aligned_alloc)(void *ctx, size_t size, size_t align);
    void *(*realloc)(void *ctx, void *p, size_t old_size, size_t new_size);
    size_t (*usable_size)(void *ctx, void *p, size_t size);
    void (*stats)(void *ctx, struct allocator_stats *out);

    unsigned flags; /* ALLOCATOR_* flags below */

    /* Optional since version 2 (appended, see ALLOCATOR_OPS_VERSION): a block of size bytes,
     * zeroed, aligned as alloc's. NULL: the harness calls alloc and zeroes the block itself,
     * which misrepresents an allocator whose calloc knows fresh memory is already zero. free
     * sees such a block as one from alloc (align 0). */
    void *(*calloc)(void *ctx, size_t size);
};

/* The backend may be called from several threads at once on one context (malloc, sgi-locked,
 * the third-party allocators). Without it the harness must serialize the calls. */
#define ALLOCATOR_THREAD_SAFE 1u
/* Beyond min_align, a block of n bytes is aligned to the largest power of two <= n, up to 16
 * (jemalloc, mimalloc, tcmalloc: 8-byte blocks are 8-aligned, larger ones 16-aligned). */
#define ALLOCATOR_ALIGN_NATURAL 2u

/* The symbol a plugin exports: `const struct allocator_ops allocreplay_backend = {...};` */
#define ALLOCATOR_PLUGIN_SYMBOL "allocreplay_backend"

#ifdef __cplusplus
}
#endif

#endif
