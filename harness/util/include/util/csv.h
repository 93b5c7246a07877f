/* RFC 4180 CSV: a writer that quotes only the fields that need it. The one reader is
 * csv_reader.h (record by record, with a header row). */
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

/* Reads a whole file into a NUL-terminated malloc'd buffer. Returns NULL with errno set. */
char *csv_slurp(const char *path, size_t *len);

#endif
