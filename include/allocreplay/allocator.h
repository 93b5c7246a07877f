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

/* Version 2 appended calloc; version 3 appended options, environ and config. New methods are only ever appended at the end of the table, and
 * tables are written with designated initialisers, so source written for an older version
 * still compiles (the new members are NULL). A compiled plugin of version 1 has a shorter table:
 * the plugin loader copies its version-1 part into a full table with the new members NULL
 * rather than read past the end of the plugin's object. */
#define ALLOCATOR_OPS_VERSION 3
#define ALLOCATOR_OPS_VERSION_MIN 1

/* One key a backend accepts in its spec, NAME:key=value,... (version 3). The backend's table
 * of them drives parsing, validation, `allocreplay backends --options` and docs/backends.md. */
enum allocator_option_type {
    ALLOCATOR_OPTION_INT,    /* a decimal integer in [min, max] */
    ALLOCATOR_OPTION_BYTES,  /* an integer in [min, max], optionally with a k, m or g suffix */
    ALLOCATOR_OPTION_BOOL,   /* true/false (also 1/0); value 1 or 0 */
    ALLOCATOR_OPTION_CHOICE, /* one of the words in choices ("a|b|c"); value = its index */
};

struct allocator_option {
    const char *key;
    enum allocator_option_type type;
    long long min, max;  /* INT, BYTES: inclusive bounds */
    const char *choices; /* CHOICE: the words, separated by '|' */
    int pow2;            /* INT, BYTES: the value must be a power of two */
    const char *def;     /* the value a bare name means: the allocator's own default */
    const char *meaning; /* one line */
};

#define ALLOCATOR_MAX_OPTIONS 16

struct allocator_options {
    size_t reserved; /* version 1-2: slab_empty_keep; kept so arg stays where old plugins read it */
    const char *arg; /* text after "name:" for plugin:/preload: backends, else NULL */
    /* Since version 3: the spec's settings, one per entry of ops->options, in table order.
     * A key the spec does not give has set[i] == 0 and leaves the allocator's default alone. */
    long long value[ALLOCATOR_MAX_OPTIONS];
    unsigned char set[ALLOCATOR_MAX_OPTIONS];
};

/* Byte counts a backend reports; ALLOCATOR_UNKNOWN where it cannot say. */
#define ALLOCATOR_UNKNOWN SIZE_MAX
/* The harness fills every field with ALLOCATOR_UNKNOWN (n_extra 0) before calling stats, so a
 * backend written for an older version leaves the newer fields unknown. */
struct allocator_stats {
    size_t footprint_bytes; /* taken from the system and not given back (required) */
    size_t in_use_bytes;    /* handed out to the program: bytes in live blocks */
    size_t free_bytes;      /* free for reuse in the backend's caches and free lists */
    size_t heap_bytes;      /* part of the footprint obtained with brk/sbrk */
    size_t mmap_bytes;      /* part of the footprint obtained with mmap */
    /* Backend-specific figures (sgi: heap_size; slab: slabs in use and held). */
    struct {
        const char *name;
        size_t value;
    } extra[4];
    unsigned n_extra;
    /* Since version 3, the rest of "where the memory went" (with in_use and free):
     * the backend's own bookkeeping; pages mapped and held but in no block, cache or free
     * list (dirty pages awaiting purge, the free top of a heap, a pool's uncarved leftover);
     * and address space retained but given back to the system (not resident). */
    size_t metadata_bytes;
    size_t unused_bytes;
    size_t retained_bytes;
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

    /* Optional since version 3. The keys a spec may give (n_options <= ALLOCATOR_MAX_OPTIONS). */
    const struct allocator_option *options;
    size_t n_options;
    /* The environment the process must start with for opt's settings, for an allocator that
     * reads its settings before main (MALLOC_CONF, MIMALLOC_*, GLIBC_TUNABLES): writes lines
     * "NAME=VALUE\n" to buf (empty: none); the worker re-executes itself with them set. Returns
     * 0, or -1 if buf is too small. */
    int (*environ)(const struct allocator_options *opt, char *buf, size_t len);
    /* The effective settings read back from the allocator after create, every key of options
     * as "key=value,key=value" (a key it cannot read back is left out). */
    void (*config)(void *ctx, char *buf, size_t len);
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
