/* The RFC 4180 reader: quoting, embedded separators and line breaks, CRLF, header lookup,
 * malformed input; and csv.h's writer round-trips through the reader. */
#include "util/csv.h"
#include "util/csv_reader.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static void write_file(const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    struct csv_reader r;
    char err[256];
    snprintf(path, sizeof path, "/tmp/csv_reader_test.%ld.csv", (long)getpid());

    write_file("trace,backend,note\r\n"
               "a,sgi,plain\r\n"
               "\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
               "short\n"
               "\n"
               "last,x,\"\"");
    TAP_OK(csv_reader_open(&r, path, err, sizeof err) == 0, "opens and reads the header");
    TAP_OK(csv_reader_column(&r, "backend") == 1 && csv_reader_column(&r, "note") == 2, "header lookup");
    TAP_OK(csv_reader_column(&r, "nope") == -1, "unknown column is -1");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 1 && !strcmp(csv_reader_field(&r, 2), "plain") && r.line == 2,
           "plain record on line 2");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 1, "quoted record");
    TAP_OK(!strcmp(csv_reader_field(&r, 0), "b,c"), "embedded comma");
    TAP_OK(!strcmp(csv_reader_field(&r, 1), "say \"hi\""), "doubled quotes");
    TAP_OK(!strcmp(csv_reader_field(&r, 2), "two\nlines"), "embedded line break");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 1 && !strcmp(csv_reader_field(&r, 0), "short") &&
               !strcmp(csv_reader_field(&r, 2), "") && r.line == 5,
           "short record on line 5 (after a two-line record); missing fields are empty");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 1 && !strcmp(csv_reader_field(&r, 0), "last") &&
               !strcmp(csv_reader_field(&r, 2), ""),
           "blank line skipped; last record without a final newline");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 0, "end of file");
    csv_reader_close(&r);

    write_file("a,b\n1,\"open\n");
    csv_reader_open(&r, path, err, sizeof err);
    TAP_OK(csv_reader_next(&r, err, sizeof err) == -1 && strstr(err, ":2: unterminated quoted field"),
           "unterminated quote names its line (%s)", err);
    csv_reader_close(&r);

    write_file("");
    TAP_OK(csv_reader_open(&r, path, err, sizeof err) == -1 && strstr(err, "empty file"),
           "empty file refused");

    /* csv.h's writer quotes only when needed, and the reader gets the same text back. */
    static const char *const values[] = {"plain", "com,ma", "qu\"ote", "line\nbreak", ""};
    FILE *f = fopen(path, "wb");
    fputs("v,w\r\n", f);
    for (size_t i = 0; i < 5; i++) {
        csv_write_field(f, values[i], 1);
        csv_write_field(f, "x", 0); /* keeps the empty value's row from being a blank line */
        csv_end_row(f);
    }
    fclose(f);
    csv_reader_open(&r, path, err, sizeof err);
    int same = 1;
    for (size_t i = 0; i < 5; i++)
        same &= csv_reader_next(&r, err, sizeof err) == 1 &&
                !strcmp(csv_reader_field(&r, 0), values[i]) && !strcmp(csv_reader_field(&r, 1), "x");
    TAP_OK(same, "csv_write_field round-trips through the reader");
    csv_reader_close(&r);
    unlink(path);
    return tap_done();
}
