/* Import of glibc mtrace() logs (docs/trace-format.md), as written by glibc's malloc debugging
 * hooks:
 *
 *   = Start
 *   @ ./prog:[0x11c0] + 0x5607ba93e4a0 0x64      malloc, calloc, memalign: address, size
 *   @ ./prog:[0x11e8] < 0x5607ba93e4a0           realloc: the old block ...
 *   @ ./prog:[0x11e8] > 0x5607ba93e590 0x12c     ... and the new one with its size
 *   @ ./prog:[0x1219] - 0x5607ba93e510           free (realloc(p, 0) is logged as a free)
 *   @ ./prog:[0x1230] ! 0x5607ba93e590 0x1000    realloc that failed: the block is untouched
 *   = End
 *
 * The "@ caller" part is optional. mtrace does not tell calloc or the aligned calls from malloc,
 * so every "+" is an alloc; a failed malloc is logged with address "(nil)" and skipped. */
#include "trace_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int malformed(struct trace__importer *im, const char *what)
{
    return trace__fail(im->err, "%s:%llu: malformed mtrace line: %s", im->path,
                       (unsigned long long)im->line, what);
}

/* An address: hex, or "(nil)" for NULL. */
static int address(const char **p, uint64_t *out)
{
    if (**p == '(' && !strncmp(*p, "(nil)", 5)) {
        *p += 5;
        while (**p == ' ')
            (*p)++;
        *out = 0;
        return 0;
    }
    return trace__import_hex(p, out);
}

static int at_end(const char *p)
{
    return *p == '\0' || *p == '\n' || *p == '\r';
}

/* One line of the log: the operation ('+', '-', '<', '>', '!') with its address and size. */
struct mtrace_op {
    char op;
    uint64_t addr, size;
};

/* Parses line into *o. Returns 1 for an operation, 0 for a line without one ("= Start",
 * "= End", blank), -1 with the error set. */
static int parse_line(struct trace__importer *im, const char *p, struct mtrace_op *o)
{
    if (at_end(p) || *p == '=')
        return 0;
    if (p[0] == '@' && p[1] == ' ') {
        /* Skip the caller: "./prog:[0x11c0]" or "/lib/libc.so.6:(fn+0x1f)[0x7f...]". */
        p = strchr(p + 2, ' ');
        if (!p)
            return malformed(im, "caller without an operation");
        p++;
    }
    o->op = *p;
    o->size = 0;
    if (!(o->op == '+' || o->op == '-' || o->op == '<' || o->op == '>' || o->op == '!') ||
        p[1] != ' ')
        return malformed(im, "expected '+', '-', '<', '>' or '!' followed by an address");
    p += 2;
    if (address(&p, &o->addr) != 0)
        return malformed(im, "bad address");
    trace__import_prefetch(im, o->addr);
    if ((o->op == '+' || o->op == '>' || o->op == '!') &&
        trace__import_hex(&p, &o->size) != 0)
        return malformed(im, "bad or missing size");
    if (!at_end(p))
        return malformed(im, "unexpected text after the operation");
    return 1;
}

/* A realloc is two lines: "<" (the old block) waits here for its ">" (the new one). */
struct pending_realloc {
    uint64_t old;
    uint64_t line; /* of the "<" line; 0 = none waiting */
};

static int unpaired_realloc(struct trace__importer *im, const struct pending_realloc *pr)
{
    im->line = pr->line;
    return malformed(im, "realloc '<' line not followed by its '>' line");
}

/* Turns one operation into trace events. 0 or -1. */
static int apply(struct trace__importer *im, const struct mtrace_op *o, struct pending_realloc *pr)
{
    if (pr->line && o->op != '>')
        return unpaired_realloc(im, pr);
    switch (o->op) {
    case '+':
        return trace__import_alloc(im, TRACE_ALLOC, o->addr, o->size, 0, 0);
    case '-':
        return trace__import_free(im, o->addr, 0);
    case '<':
        pr->old = o->addr;
        pr->line = im->line;
        return 0;
    case '>':
        if (!pr->line)
            return malformed(im, "realloc '>' line without its '<' line");
        pr->line = 0;
        return trace__import_realloc(im, pr->old, o->addr, o->size, 0);
    default: /* '!': a realloc that failed changed nothing */
        return 0;
    }
}

int trace__mtrace_read(const char *path, FILE *f, const char *f_why,
                       const struct trace_load_options *opt, struct trace *out,
                       struct trace_load_report *report, struct trace_error *err)
{
    struct trace__importer im;
    FILE *given = f;
    if (!f && !(f = fopen(path, "r")))
        return trace__fail(err, "%s: cannot open: %s", path, strerror(errno));
    if (trace__import_begin(&im, path, opt, report, err) != 0) {
        if (!given)
            fclose(f);
        return -1;
    }
    im.in = f;
    im.read_why = f_why;
    char *line;
    int rc = 0;
    struct pending_realloc pr = {0};
    while (rc == 0 && (rc = trace__import_next_line(&im, &line, "mtrace", "mtrace log")) == 1) {
        struct mtrace_op o = {0};
        rc = parse_line(&im, line, &o);
        if (rc == 1)
            rc = apply(&im, &o, &pr);
    }
    if (rc == 0 && pr.line)
        rc = unpaired_realloc(&im, &pr);
    if (!given)
        fclose(f);
    if (rc != 0) {
        trace__import_abort(&im);
        return -1;
    }
    return trace__import_finish(&im, out);
}
