/* RFC 4180: fields with commas, quotes and line breaks survive a write and a read. */
#include "util/csv.h"
#include "tap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *row1[] = {"plain", "a,b", "say \"hi\"", "two\nlines", NULL, ""};
    const char *row2[] = {"x", "y"};
    csv_write_row(f, row1, 6);
    csv_write_row(f, row2, 2);
    fclose(f);
    TAP_OK(!strncmp(buf, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\r\n", 39),
           "quoting follows RFC 4180");

    struct csv_row r = {0};
    const char *cur = buf;
    TAP_OK(csv_parse_row(&cur, &r) == 1, "first row parsed");
    TAP_EQ_U64(r.n, 6, "six fields");
    int same = r.n == 6;
    for (size_t i = 0; same && i < 6; i++)
        same = !strcmp(r.field[i], row1[i] ? row1[i] : "");
    TAP_OK(same, "fields read back as written");
    TAP_OK(csv_parse_row(&cur, &r) == 1 && r.n == 2 && !strcmp(r.field[1], "y"), "second row");
    TAP_OK(csv_parse_row(&cur, &r) == 0, "end of text");
    TAP_EQ_U64((uint64_t)csv_column(&r, "y"), 1, "column lookup");

    const char *bad = "\"open";
    cur = bad;
    TAP_OK(csv_parse_row(&cur, &r) == -1, "unterminated quote is an error");
    csv_row_free(&r);
    free(buf);
    return tap_done();
}
