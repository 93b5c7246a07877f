/* Internal to allocators/: the statistics of the third-party allocators, read through their own
 * query functions. Shared by their backends (which pass the function they link) and by the
 * malloc backend under preload:PATH (which looks the functions up in the preloaded library), so
 * each allocator's figures are computed in one place. */
#ifndef ALLOCREPLAY_KNOWN_STATS_H
#define ALLOCREPLAY_KNOWN_STATS_H

#include "allocreplay/allocator.h"

typedef int (*known_mallctl_fn)(const char *name, void *oldp, size_t *oldlenp, void *newp,
                                size_t newlen);
typedef int (*known_tc_property_fn)(const char *property, size_t *value);
typedef void (*known_mi_process_info_fn)(size_t *elapsed_msecs, size_t *user_msecs,
                                         size_t *system_msecs, size_t *current_rss,
                                         size_t *peak_rss, size_t *current_commit,
                                         size_t *peak_commit, size_t *page_faults);

void known_stats_jemalloc(known_mallctl_fn mallctl, struct allocator_stats *out);
void known_stats_tcmalloc(known_tc_property_fn get, struct allocator_stats *out);
void known_stats_mimalloc(known_mi_process_info_fn info, struct allocator_stats *out);

/* Which known allocator serves malloc in this process (the one whose query function the
 * process's symbol lookup finds first), filled into out; returns its name, or NULL when none
 * is (out untouched). */
const char *known_stats_preloaded(struct allocator_stats *out);

#endif
