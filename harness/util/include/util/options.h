/* Command-line options from one table per command (after Google Benchmark's commandlineflags
 * and mimalloc's options.c): each row names an option, its kind, bounds, default, metavar and
 * help, and the same rows drive both the parser and `--help`, so the two cannot drift apart.
 *
 * A row writes into the caller's struct at an offset (OPT_AT), so tables can be `static const`
 * at file scope. Syntax accepted by opt_parse:
 *   --name=value  --name value  -x value  -xvalue   (options taking a value)
 *   --name  -x                                      (flags; --name=value is refused)
 *   --                                              every later argument is positional
 *   -h, --help                                      sets opt_parsed.help, nothing else checked
 * A lone "-" is a positional argument (standard input by convention). Options and positional
 * arguments may be mixed, unless the command sets stop_at_positional (`record ... CMD ARGS`).
 *
 * Errors are returned, never printed: opt_parse fills a one-line reason ("unknown option
 * '--x'", "bad --timeout 'x' (a whole number from 0 to 2592000)"); opt_print_error prints it
 * as `PROG: REASON (PROG --help)`, the shape every command uses for bad usage (exit 2). */
#ifndef ALLOCREPLAY_UTIL_OPTIONS_H
#define ALLOCREPLAY_UTIL_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_kind {
    OPT_FLAG,   /* no value: stores 1 (an integer field of any size) */
    OPT_CLEAR,  /* no value: stores 0 (--no-memory clears a field whose default is 1) */
    OPT_U64,    /* a whole number, decimal or 0x hex, within [min, max]; any integer field */
    OPT_BYTES,  /* like OPT_U64 with an optional K, M, G or T suffix (powers of 1024; "KiB"
                 * and "KB" are read the same) */
    OPT_DOUBLE, /* a finite real number within [dmin, dmax] (unbounded when dmax <= dmin) */
    OPT_STRING, /* stores the argument itself (const char *, pointing into argv) */
    OPT_ENUM,   /* one of choices[]: stores its index (an integer field) */
    OPT_LIST,   /* comma-separated, repeatable: appends copies to a struct opt_list */
    OPT_CUSTOM, /* parse() converts and checks the value */
};

/* Where a row stores its value: OPT_AT(struct args, field) in a row initializer. Nested
 * fields work (OPT_AT(struct args, plan.opt.latency)). */
#define OPT_AT(type, field) .offset = offsetof(type, field), .size = sizeof(((type *)0)->field)

struct opt_row {
    const char *name;   /* long name without "--"; NULL for a short-only option */
    char short_name;    /* 'o' for -o, or 0 */
    enum opt_kind kind;
    size_t offset, size; /* the destination (OPT_AT) */
    uint64_t min, max;   /* OPT_U64, OPT_BYTES: inclusive bounds; max 0 = none */
    double dmin, dmax;   /* OPT_DOUBLE */
    const char *const *choices; /* OPT_ENUM: NULL-terminated */
    /* OPT_CUSTOM: 0, or -1 with what the value should be in why (e.g. "K/N with 1 <= K <= N"). */
    int (*parse)(const char *value, void *dest, char *why, size_t why_len);
    /* OPT_STRING: when set, the value is optional: `--name=value`, or `--name value` when
     * takes(value) is true; given alone the option stores "" (so "given" is `dest != NULL`). */
    int (*takes)(const char *next);
    const char *def;     /* the default, written before parsing and shown by --help; NULL = none */
    const char *metavar; /* the value's name in --help and messages: "DIR", "MS" */
    const char *what;    /* names the value in "bad WHAT 'x'": default the option as given */
    const char *help;    /* may hold '\n' for more lines */
    int required;        /* an error when the option is missing */
};

struct opt_command {
    const char *prog;       /* "allocreplay run": the prefix of every message */
    const char *positional; /* synopsis of the positional arguments: "TRACE...", "IN OUT" */
    int min_pos, max_pos;   /* how many positional arguments; max_pos -1 = no limit */
    int stop_at_positional; /* the first positional argument ends the options */
    const char *summary;    /* one line without '\n', after the usage line (and in lists) */
    const char *about;      /* more lines after the summary; may be NULL */
    const char *epilog;     /* printed after the options; may be NULL */
    const struct opt_row *rows;
    size_t n_rows;
};

/* OPT_LIST's destination: owned copies of the items, freed by opt_list_free. */
struct opt_list {
    char **v;
    size_t n, cap;
};

#define OPT_MAX_ROWS 64

struct opt_parsed {
    char **pos; /* the positional arguments, in order (moved to the front of argv[1..]) */
    int n_pos;
    int help;   /* -h or --help was given: print opt_print_help and exit 0 */
    unsigned char seen[OPT_MAX_ROWS]; /* per row: given on the command line */
};

/* Whether the option with this long name was given (when its default cannot tell). */
int opt_given(const struct opt_command *cmd, const struct opt_parsed *p, const char *name);

/* Parses argv[1..argc-1] (argv[0] is the command name) into dest: first every row's default,
 * then the arguments. Reorders argv so that the positional arguments come first. Returns 0,
 * or -1 with a one-line reason in err (and dest possibly half filled: the caller still frees
 * its lists with opt_list_free). */
int opt_parse(const struct opt_command *cmd, int argc, char **argv, void *dest,
              struct opt_parsed *out, char *err, size_t err_len);

/* `usage: PROG POSITIONAL [options]`, summary, about, the aligned option list with defaults, epilog. */
void opt_print_help(const struct opt_command *cmd, FILE *f);

/* One line on f: `PROG: REASON (PROG --help)`. */
void opt_print_error(const struct opt_command *cmd, FILE *f, const char *reason);

/* Appends a copy of the n bytes at item. 0, or -1 when out of memory. */
int opt_list_push(struct opt_list *l, const char *item, size_t n);
void opt_list_free(struct opt_list *l);

#endif
