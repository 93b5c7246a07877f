/* A small RFC 4180 CSV reader (quoted fields, embedded commas, quotes and line breaks, CRLF or
 * LF) with a header row, read record by record from a stream (timeline.csv can be large).
 * Used by aggregate, plot and report to read the results files (docs/architecture.md); the
 * writer is csv.h's.
 */
#ifndef ALLOCREPLAY_CSV_READER_H
#define ALLOCREPLAY_CSV_READER_H

#include <stddef.h>
#include <stdio.h>

struct csv_reader {
    FILE *f;
    char *path;
    unsigned long line;      /* line where the current record starts (1-based) */
    unsigned long next_line; /* line the next record starts on */
    char *buf;               /* the current record's fields, NUL-separated */
    size_t buf_len, buf_cap;
    size_t *start;           /* offset of each field in buf */
    size_t n_fields, cap_fields;
    char **header;           /* copies of the header fields */
    size_t n_header;
};

/* Opens PATH and reads its header row. Returns 0, or -1 with a one-line reason in err
 * ("PATH: cannot open: ...", "PATH: empty file"). */
int csv_reader_open(struct csv_reader *r, const char *path, char *err, size_t err_len);

/* Reads the next record. Returns 1 for a record, 0 at end of file, -1 with err on a malformed
 * record ("PATH:LINE: unterminated quoted field") or a read error. A record with a different
 * number of fields than the header is accepted: missing fields read as "". */
int csv_reader_next(struct csv_reader *r, char *err, size_t err_len);

/* The index of the header column NAME, or -1. */
int csv_reader_column(const struct csv_reader *r, const char *name);

/* Field COL of the current record; "" when col < 0 or the record is shorter. */
const char *csv_reader_field(const struct csv_reader *r, int col);

void csv_reader_close(struct csv_reader *r);

#endif
