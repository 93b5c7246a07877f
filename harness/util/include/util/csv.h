/* RFC 4180 CSV: a writer that quotes only the fields that need it, and a reader for the files
 * the harness writes (quoted fields, doubled quotes, CRLF or LF line ends). */
#ifndef ALLOCREPLAY_CSV_H
#define ALLOCREPLAY_CSV_H

#include <stddef.h>
#include <stdio.h>

/* Writes one field, quoted when it holds a comma, a quote, CR or LF; NULL is written as an
 * empty field. first says whether it starts a row (no separator before it). */
void csv_write_field(FILE *f, const char *s, int first);
/* Ends a row with CRLF, as RFC 4180 says. */
void csv_end_row(FILE *f);
/* Writes a whole row. */
void csv_write_row(FILE *f, const char *const *fields, size_t n);

/* One parsed row: n fields pointing into the row's own storage. */
struct csv_row {
    char **field;
    size_t n, cap;
    char *storage;
    size_t storage_cap;
};

/* Parses the row starting at *cursor, advancing it past the row's line end. Returns 1 when a
 * row was read, 0 at the end of the text, -1 on out of memory or an unterminated quote. */
int csv_parse_row(const char **cursor, struct csv_row *row);
void csv_row_free(struct csv_row *row);

/* Index of column name in a header row, or -1. */
int csv_column(const struct csv_row *header, const char *name);

/* Reads a whole file into a NUL-terminated malloc'd buffer. Returns NULL with errno set. */
char *csv_slurp(const char *path, size_t *len);

#endif
