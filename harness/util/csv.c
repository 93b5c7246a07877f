/* RFC 4180 writer and reader (csv.h). */
#include "util/csv.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void csv_write_field(FILE *f, const char *s, int first)
{
    if (!first)
        fputc(',', f);
    if (!s)
        return;
    if (!s[strcspn(s, ",\"\r\n")]) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void csv_end_row(FILE *f)
{
    fputs("\r\n", f);
}

void csv_write_row(FILE *f, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        csv_write_field(f, fields[i], i == 0);
    csv_end_row(f);
}

static int row_push(struct csv_row *row, size_t offset)
{
    if (row->n == row->cap) {
        size_t cap = row->cap ? row->cap * 2 : 32;
        char **grown = realloc(row->field, cap * sizeof *grown);
        if (!grown)
            return -1;
        row->field = grown;
        row->cap = cap;
    }
    /* Offsets for now: storage may still move; fixed up when the row is complete. */
    row->field[row->n++] = (char *)(uintptr_t)offset;
    return 0;
}

/* Appends c to the row's storage, growing it. Returns 0 or -1. */
static int put(struct csv_row *row, size_t *o, char c)
{
    if (*o + 1 >= row->storage_cap) {
        size_t cap = row->storage_cap ? row->storage_cap * 2 : 1024;
        char *grown = realloc(row->storage, cap);
        if (!grown)
            return -1;
        row->storage = grown;
        row->storage_cap = cap;
    }
    row->storage[(*o)++] = c;
    return 0;
}

int csv_parse_row(const char **cursor, struct csv_row *row)
{
    const char *p = *cursor;
    if (!*p)
        return 0;
    row->n = 0;
    size_t o = 0;
    for (;;) {
        if (row_push(row, o))
            return -1;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p)
                    return -1;
                if (*p == '"') {
                    if (p[1] != '"') {
                        p++;
                        break;
                    }
                    p++;
                }
                if (put(row, &o, *p++))
                    return -1;
            }
        }
        while (*p && *p != ',' && *p != '\r' && *p != '\n')
            if (put(row, &o, *p++))
                return -1;
        if (put(row, &o, 0))
            return -1;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\r')
            p++;
        if (*p == '\n')
            p++;
        break;
    }
    for (size_t i = 0; i < row->n; i++)
        row->field[i] = row->storage + (uintptr_t)row->field[i];
    *cursor = p;
    return 1;
}

void csv_row_free(struct csv_row *row)
{
    free(row->field);
    free(row->storage);
    memset(row, 0, sizeof *row);
}

int csv_column(const struct csv_row *header, const char *name)
{
    for (size_t i = 0; i < header->n; i++)
        if (!strcmp(header->field[i], name))
            return (int)i;
    return -1;
}

char *csv_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n + 1 < cap)
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return NULL;
    if (bad) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}
