/* Tells AddressSanitizer which bytes a custom pool holds: blocks on free lists and the unused
 * rest of a pool are poisoned, blocks handed out are unpoisoned, so the sanitizer build reports
 * a use after free inside sgi and slab as it would for malloc. No-ops in a normal build.
 * Regions must start 8-byte aligned (ASan's shadow granularity); all pool blocks do. */
#ifndef ALLOCREPLAY_ASAN_H
#define ALLOCREPLAY_ASAN_H

#include "config.h"

#if defined(__SANITIZE_ADDRESS__) || defined(HAVE_ASAN)
#include <sanitizer/asan_interface.h>
#define pool_poison(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define pool_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define pool_poison(p, n) ((void)(p), (void)(n))
#define pool_unpoison(p, n) ((void)(p), (void)(n))
#endif

#endif
