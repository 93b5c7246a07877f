#include "util/csv_reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int push_char(struct csv_reader *r, char c)
{
    if (r->buf_len == r->buf_cap) {
        size_t cap = r->buf_cap ? 2 * r->buf_cap : 256;
        char *b = realloc(r->buf, cap);
        if (!b)
            return -1;
        r->buf = b;
        r->buf_cap = cap;
    }
    r->buf[r->buf_len++] = c;
    return 0;
}

static int start_field(struct csv_reader *r)
{
    if (r->n_fields == r->cap_fields) {
        size_t cap = r->cap_fields ? 2 * r->cap_fields : 32;
        size_t *s = realloc(r->start, cap * sizeof *s);
        if (!s)
            return -1;
        r->start = s;
        r->cap_fields = cap;
    }
    r->start[r->n_fields++] = r->buf_len;
    return 0;
}

/* Parses one record into buf/start. A state machine over characters: a field is either
 * unquoted (ends at a comma or line break) or quoted (a doubled quote is one quote; line
 * breaks inside belong to the field). */
static int read_record(struct csv_reader *r, char *err, size_t err_len)
{
    int c, quoted = 0, in_quotes = 0, after_quote = 0;
    r->buf_len = 0;
    r->n_fields = 0;
    r->line = r->next_line;
    c = getc(r->f);
    if (c == EOF)
        goto eof;
    if (start_field(r))
        goto oom;
    for (;; c = getc(r->f)) {
        if (c == EOF) {
            if (in_quotes) {
                snprintf(err, err_len, "%s:%lu: unterminated quoted field", r->path, r->line);
                return -1;
            }
            break;
        }
        if (in_quotes) {
            if (c == '"') {
                int d = getc(r->f);
                if (d == '"') {
                    if (push_char(r, '"'))
                        goto oom;
                    continue;
                }
                ungetc(d, r->f);
                in_quotes = 0;
                after_quote = 1;
                continue;
            }
            if (c == '\n')
                r->next_line++;
            if (push_char(r, (char)c))
                goto oom;
            continue;
        }
        if (c == ',') {
            if (push_char(r, '\0') || start_field(r))
                goto oom;
            quoted = after_quote = 0;
            continue;
        }
        if (c == '\r') {
            int d = getc(r->f);
            if (d != '\n')
                ungetc(d, r->f);
            c = '\n';
        }
        if (c == '\n') {
            r->next_line++;
            break;
        }
        if (c == '"' && !quoted && r->buf_len == r->start[r->n_fields - 1]) {
            quoted = in_quotes = 1;
            continue;
        }
        if (after_quote) {
            snprintf(err, err_len, "%s:%lu: text after a closing quote", r->path, r->line);
            return -1;
        }
        if (push_char(r, (char)c))
            goto oom;
    }
    if (push_char(r, '\0'))
        goto oom;
    return 1;
eof:
    if (ferror(r->f)) {
        snprintf(err, err_len, "%s: read error: %s", r->path, strerror(errno));
        return -1;
    }
    return 0;
oom:
    snprintf(err, err_len, "%s: out of memory", r->path);
    return -1;
}

int csv_reader_open(struct csv_reader *r, const char *path, char *err, size_t err_len)
{
    memset(r, 0, sizeof *r);
    r->next_line = 1;
    r->path = strdup(path);
    r->f = fopen(path, "r");
    if (!r->path || !r->f) {
        snprintf(err, err_len, "%s: cannot open: %s", path, r->path ? strerror(errno) : "out of memory");
        csv_reader_close(r);
        return -1;
    }
    int rc = read_record(r, err, err_len);
    if (rc <= 0) {
        if (rc == 0)
            snprintf(err, err_len, "%s: empty file (no header row)", path);
        csv_reader_close(r);
        return -1;
    }
    r->header = calloc(r->n_fields, sizeof *r->header);
    if (!r->header)
        goto oom;
    r->n_header = r->n_fields;
    for (size_t i = 0; i < r->n_fields; i++)
        if (!(r->header[i] = strdup(r->buf + r->start[i])))
            goto oom;
    return 0;
oom:
    snprintf(err, err_len, "%s: out of memory", path);
    csv_reader_close(r);
    return -1;
}

int csv_reader_next(struct csv_reader *r, char *err, size_t err_len)
{
    int rc;
    /* Blank lines (a trailing newline, a hand-edited file) are not records. */
    while ((rc = read_record(r, err, err_len)) == 1 && r->n_fields == 1 && r->buf[0] == '\0')
        ;
    return rc;
}

int csv_reader_column(const struct csv_reader *r, const char *name)
{
    for (size_t i = 0; i < r->n_header; i++)
        if (!strcmp(r->header[i], name))
            return (int)i;
    return -1;
}

const char *csv_reader_field(const struct csv_reader *r, int col)
{
    if (col < 0 || (size_t)col >= r->n_fields)
        return "";
    return r->buf + r->start[col];
}

void csv_reader_close(struct csv_reader *r)
{
    if (r->f)
        fclose(r->f);
    for (size_t i = 0; i < r->n_header; i++)
        free(r->header[i]);
    free(r->header);
    free(r->buf);
    free(r->start);
    free(r->path);
    memset(r, 0, sizeof *r);
}
