/* tcmalloc (gperftools), through its tc_* entry points and MallocExtension's numeric
 * properties. Linked only into allocreplay-worker-tcmalloc (it replaces malloc when linked). */
#include "backends.h"

#include <gperftools/malloc_extension_c.h>
#include <gperftools/nallocx.h>
#include <gperftools/tcmalloc.h>
#include <string.h>

/* The context is never dereferenced: tcmalloc's state is process-wide. */
static char tc_ctx;

static void *tcm_create(const struct allocator_options *opt, char *err, size_t err_len)
{
    return &tc_ctx;
}

static void tcm_destroy(void *ctx)
{
}

static void *tcm_alloc(void *ctx, size_t size)
{
    return tc_malloc(size);
}

/* tc_calloc: the same size class as tc_malloc(size), so tc_free_sized still applies. */
static void *tcm_calloc(void *ctx, size_t size)
{
    return tc_calloc(1, size);
}

/* tc_free_sized needs the size class of the block, which a memaligned block may not have been
 * allocated from: give those to plain tc_free. */
static void tcm_free(void *ctx, void *p, size_t size, size_t align)
{
    if (align > 1)
        tc_free(p);
    else
        tc_free_sized(p, size);
}

static void *tcm_aligned_alloc(void *ctx, size_t size, size_t align)
{
    return tc_memalign(align, size);
}

/* tc_free_sized trusts the size class of the size it is given, but tc_realloc may leave a
 * block in a class other than its new size's: it shrinks in place unless the new size is under
 * about half the old, and grows to 1.25 times the old size when the new one is not much larger.
 * Freed later with its new size, such a block would go to the wrong free list and come back out
 * to a request of that class, misaligned or overlapping (the conformance churn catches it). So
 * when the class disagrees, the block is moved here to one of its own class: tcmalloc's realloc
 * decision, plus one copy in those cases, keeps sized free valid on the far hotter free path. */
static void *tcm_realloc(void *ctx, void *p, size_t old_size, size_t new_size)
{
    void *q = tc_realloc(p, new_size);
    if (!q || tc_malloc_size(q) == tc_nallocx(new_size, 0))
        return q;
    void *r = tc_malloc(new_size);
    if (!r)
        return q; /* out of memory: the harness ends the cell; q at least stays valid */
    memcpy(r, q, new_size);
    tc_free(q);
    return r;
}

static size_t tcm_usable_size(void *ctx, void *p, size_t size)
{
    return tc_malloc_size(p);
}

static size_t tcm_property(const char *name)
{
    size_t v;
    return MallocExtension_GetNumericProperty(name, &v) ? v : ALLOCATOR_UNKNOWN;
}

/* generic.heap_size counts pages tcmalloc has unmapped (released to the OS) but keeps as
 * address space; footprint is the rest. in use: generic.current_allocated_bytes. */
static void tcm_stats(void *ctx, struct allocator_stats *out)
{
    size_t heap = tcm_property("generic.heap_size");
    size_t unmapped = tcm_property("tcmalloc.pageheap_unmapped_bytes");
    size_t allocated = tcm_property("generic.current_allocated_bytes");
    int known = heap != ALLOCATOR_UNKNOWN && unmapped != ALLOCATOR_UNKNOWN;
    out->footprint_bytes = known ? heap - unmapped : ALLOCATOR_UNKNOWN;
    out->in_use_bytes = allocated;
    out->free_bytes = known && allocated != ALLOCATOR_UNKNOWN ? heap - unmapped - allocated
                                                              : ALLOCATOR_UNKNOWN;
    out->heap_bytes = ALLOCATOR_UNKNOWN; /* sbrk first, mmap when it fails: not reported */
    out->mmap_bytes = ALLOCATOR_UNKNOWN;
    out->n_extra = 2;
    out->extra[0].name = "pageheap_free";
    out->extra[0].value = tcm_property("tcmalloc.pageheap_free_bytes");
    out->extra[1].name = "pageheap_unmapped";
    out->extra[1].value = unmapped;
}

const struct allocator_ops allocator_tcmalloc_ops = {
    .version = ALLOCATOR_OPS_VERSION,
    .name = "tcmalloc",
    .description = "tcmalloc from gperftools (tc_malloc/tc_free_sized), numeric properties; "
                   "its own worker",
    .min_align = 8,
    .create = tcm_create,
    .destroy = tcm_destroy,
    .alloc = tcm_alloc,
    .free = tcm_free,
    .aligned_alloc = tcm_aligned_alloc,
    .realloc = tcm_realloc,
    .usable_size = tcm_usable_size,
    .stats = tcm_stats,
    .flags = ALLOCATOR_THREAD_SAFE | ALLOCATOR_ALIGN_NATURAL,
    .calloc = tcm_calloc,
};
