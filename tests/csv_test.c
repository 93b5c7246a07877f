/* RFC 4180: fields with commas, quotes and line breaks survive a write and a read. */
#include "util/csv.h"
#include "util/csv_reader.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    char path[] = "/tmp/csv_test.XXXXXX", err[512];
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w+") : NULL;
    if (!f)
        return 99;
    const char *row1[] = {"plain", "a,b", "say \"hi\"", "two\nlines", NULL, ""};
    const char *row2[] = {"x", "y"};
    csv_write_row(f, row1, 6);
    csv_write_row(f, row2, 2);
    static const char want[] = "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\r\nx,y\r\n";
    char buf[sizeof want] = {0};
    rewind(f);
    size_t got = fread(buf, 1, sizeof want - 1, f);
    fclose(f);
    TAP_OK(got == sizeof want - 1 && !strcmp(buf, want), "quoting follows RFC 4180, rows end CRLF");

    /* Read back with the one reader (util/csv_reader.h): the first row is its header. */
    struct csv_reader r;
    TAP_OK(csv_reader_open(&r, path, err, sizeof err) == 0, "first row read as the header");
    TAP_EQ_U64(r.n_header, 6, "six fields");
    int same = r.n_header == 6;
    for (size_t i = 0; same && i < 6; i++)
        same = !strcmp(r.header[i], row1[i] ? row1[i] : "");
    TAP_OK(same, "fields read back as written");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 1 && r.n_fields == 2 &&
               !strcmp(csv_reader_field(&r, 1), "y"),
           "second row");
    TAP_OK(csv_reader_next(&r, err, sizeof err) == 0, "end of file");
    TAP_EQ_U64((uint64_t)csv_reader_column(&r, "say \"hi\""), 2, "column lookup");
    csv_reader_close(&r);
    unlink(path);
    return tap_done();
}
