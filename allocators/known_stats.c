/* The statistics of jemalloc, tcmalloc and mimalloc (known_stats.h). */
#include "known_stats.h"

#include <dlfcn.h>
#include <stdint.h>
#include <unistd.h>

static size_t je_get(known_mallctl_fn mallctl, const char *name)
{
    size_t v, len = sizeof v;
    return mallctl(name, &v, &len, NULL, 0) ? ALLOCATOR_UNKNOWN : v;
}

static size_t diff(size_t a, size_t b)
{
    return a == ALLOCATOR_UNKNOWN || b == ALLOCATOR_UNKNOWN || a < b ? ALLOCATOR_UNKNOWN : a - b;
}

/* jemalloc's statistics are a snapshot refreshed by writing "epoch". footprint: stats.mapped
 * (extents mapped by the allocator, metadata included); in use: stats.allocated (blocks in
 * thread caches count as allocated); free: stats.active - stats.allocated (free regions in
 * active pages); unused: dirty and muzzy pages of all arenas, kept for reuse until decay
 * purges them; retained: stats.retained (address space given back with madvise, not
 * unmapped). */
void known_stats_jemalloc(known_mallctl_fn mallctl, struct allocator_stats *out)
{
    uint64_t epoch = 1;
    size_t len = sizeof epoch;
    mallctl("epoch", &epoch, &len, &epoch, len);
    size_t allocated = je_get(mallctl, "stats.allocated");
    out->footprint_bytes = je_get(mallctl, "stats.mapped");
    out->in_use_bytes = allocated;
    out->free_bytes = diff(je_get(mallctl, "stats.active"), allocated);
    out->metadata_bytes = je_get(mallctl, "stats.metadata");
    out->retained_bytes = je_get(mallctl, "stats.retained");
    /* 4096 = MALLCTL_ARENAS_ALL: the sum over arenas. */
    size_t dirty = je_get(mallctl, "stats.arenas.4096.pdirty");
    size_t muzzy = je_get(mallctl, "stats.arenas.4096.pmuzzy");
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    out->unused_bytes = dirty == ALLOCATOR_UNKNOWN || muzzy == ALLOCATOR_UNKNOWN
                            ? ALLOCATOR_UNKNOWN
                            : (dirty + muzzy) * page;
    out->n_extra = 1;
    out->extra[0].name = "resident";
    out->extra[0].value = je_get(mallctl, "stats.resident");
}

static size_t tc_get(known_tc_property_fn get, const char *name)
{
    size_t v;
    return get(name, &v) ? v : ALLOCATOR_UNKNOWN;
}

/* generic.heap_size counts the page heap, including pages tcmalloc has unmapped (released to
 * the OS) but keeps as address space; footprint is the rest. free: the central, transfer and
 * thread caches; unused: free pages of the page heap; metadata: what generic.total_physical_bytes
 * holds beyond the mapped heap. */
void known_stats_tcmalloc(known_tc_property_fn get, struct allocator_stats *out)
{
    size_t heap = tc_get(get, "generic.heap_size");
    size_t unmapped = tc_get(get, "tcmalloc.pageheap_unmapped_bytes");
    size_t physical = tc_get(get, "generic.total_physical_bytes");
    size_t central = tc_get(get, "tcmalloc.central_cache_free_bytes");
    size_t transfer = tc_get(get, "tcmalloc.transfer_cache_free_bytes");
    size_t thread = tc_get(get, "tcmalloc.thread_cache_free_bytes");
    out->footprint_bytes = diff(heap, unmapped);
    out->in_use_bytes = tc_get(get, "generic.current_allocated_bytes");
    out->free_bytes = central == ALLOCATOR_UNKNOWN || transfer == ALLOCATOR_UNKNOWN ||
                              thread == ALLOCATOR_UNKNOWN
                          ? ALLOCATOR_UNKNOWN
                          : central + transfer + thread;
    out->unused_bytes = tc_get(get, "tcmalloc.pageheap_free_bytes");
    out->metadata_bytes =
        unmapped == ALLOCATOR_UNKNOWN ? ALLOCATOR_UNKNOWN : diff(physical + unmapped, heap);
    out->retained_bytes = unmapped;
}

/* The release build of mimalloc keeps no byte counts (mi_stats needs MI_STAT); what it always
 * knows is the memory it has committed from the OS, which is its footprint. */
void known_stats_mimalloc(known_mi_process_info_fn info, struct allocator_stats *out)
{
    size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
    info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
    out->footprint_bytes = commit;
    out->heap_bytes = 0; /* mimalloc obtains all its memory with mmap */
    out->mmap_bytes = commit;
    out->n_extra = 1;
    out->extra[0].name = "peak_commit";
    out->extra[0].value = peak_commit;
}

/* dlsym returns an object pointer; POSIX's way to make it a function pointer is to write the
 * pointer's bytes into one (ISO C has no conversion between the two). */
const char *known_stats_preloaded(struct allocator_stats *out)
{
    known_mallctl_fn mallctl;
    known_tc_property_fn property;
    known_mi_process_info_fn info;
    if ((*(void **)&mallctl = dlsym(RTLD_DEFAULT, "mallctl"))) {
        known_stats_jemalloc(mallctl, out);
        return "jemalloc";
    }
    if ((*(void **)&property = dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty"))) {
        known_stats_tcmalloc(property, out);
        return "tcmalloc";
    }
    if ((*(void **)&info = dlsym(RTLD_DEFAULT, "mi_process_info"))) {
        known_stats_mimalloc(info, out);
        return "mimalloc";
    }
    return NULL;
}
