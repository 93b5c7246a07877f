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
    if (!strncmp(*p, "(nil)", 5)) {
        *p += 5;
        while (**p == ' ')
            (*p)++;
        *out = 0;
        return 0;
    }
    return trace__import_number(p, 1, out);
}

static int at_end(const char *p)
{
    return *p == '\0' || *p == '\n' || *p == '\r';
}

int trace__mtrace_read(const char *path, const struct trace_load_options *opt, struct trace *out,
                       struct trace_load_report *report, struct trace_error *err)
{
    struct trace__importer im;
    FILE *f = fopen(path, "r");
    if (!f)
        return trace__fail(err, "%s: cannot open: %s", path, strerror(errno));
    if (trace__import_begin(&im, path, opt, report, err) != 0) {
        fclose(f);
        return -1;
    }
    char *line = malloc(TRACE_IMPORT_MAX_LINE);
    int rc = 0;
    uint64_t pending_old = 0; /* the "<" half of a realloc, waiting for its ">" */
    uint64_t pending_line = 0;
    while (rc == 0 && (rc = trace__import_next_line(&im, f, line, "mtrace", "mtrace log")) == 1) {
        rc = 0;
        const char *p = line;
        if (at_end(p) || *p == '=')
            continue; /* "= Start", "= End" and blank lines */
        if (p[0] == '@' && p[1] == ' ') {
            /* Skip the caller: "./prog:[0x11c0]" or "/lib/libc.so.6:(fn+0x1f)[0x7f...]". */
            p = strchr(p + 2, ' ');
            if (!p) {
                rc = malformed(&im, "caller without an operation");
                break;
            }
            p++;
        }
        char op = *p;
        if (!op || !strchr("+-<>!", op) || p[1] != ' ') {
            rc = malformed(&im, "expected '+', '-', '<', '>' or '!' followed by an address");
            break;
        }
        p += 2;
        uint64_t addr, size = 0;
        if (address(&p, &addr) != 0) {
            rc = malformed(&im, "bad address");
            break;
        }
        if ((op == '+' || op == '>' || op == '!') && trace__import_number(&p, 1, &size) != 0) {
            rc = malformed(&im, "bad or missing size");
            break;
        }
        if (!at_end(p)) {
            rc = malformed(&im, "unexpected text after the operation");
            break;
        }
        if (pending_line && op != '>') {
            im.line = pending_line;
            rc = malformed(&im, "realloc '<' line not followed by its '>' line");
            break;
        }
        switch (op) {
        case '+':
            rc = trace__import_alloc(&im, TRACE_ALLOC, addr, size, 0, 0);
            break;
        case '-':
            rc = trace__import_free(&im, addr, 0);
            break;
        case '<':
            pending_old = addr;
            pending_line = im.line;
            break;
        case '>':
            if (!pending_line) {
                rc = malformed(&im, "realloc '>' line without its '<' line");
                break;
            }
            rc = trace__import_realloc(&im, pending_old, addr, size, 0);
            pending_line = 0;
            break;
        default: /* '!': a realloc that failed changed nothing */
            break;
        }
    }
    if (rc == 0 && pending_line) {
        im.line = pending_line;
        rc = malformed(&im, "realloc '<' line not followed by its '>' line");
    }
    free(line);
    fclose(f);
    if (rc != 0) {
        trace__import_abort(&im);
        return -1;
    }
    return trace__import_finish(&im, out);
}
