/* A minimal TAP producer for the unit tests (meson test, protocol: 'tap'). */
#ifndef ALLOCREPLAY_TAP_H
#define ALLOCREPLAY_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count, tap_failed;

/* Records one check; prints "ok N - what" or "not ok N - what". Returns cond. */
static inline int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    printf("%s %d - ", cond ? "ok" : "not ok", ++tap_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (!cond)
        tap_failed++;
    fflush(stdout);
    return cond;
}

#define TAP_OK(cond, ...) tap_ok((cond), __VA_ARGS__)
#define TAP_EQ_U64(got, want, what)                                                           \
    tap_ok((unsigned long long)(got) == (unsigned long long)(want), "%s (got %llu, want %llu)", \
           (what), (unsigned long long)(got), (unsigned long long)(want))
/* meson 1.0 reads a TAP plan of "1..0 # SKIP" as a skip; exit 77 would be an error there. */
#define TAP_SKIP_ALL(reason)                                                                  \
    do {                                                                                      \
        printf("1..0 # SKIP %s\n", (reason));                                                 \
        exit(0);                                                                              \
    } while (0)

/* Prints the plan and returns the exit status: 0 if every check passed. */
static inline int tap_done(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed ? 1 : 0;
}

#endif
