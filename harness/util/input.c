#include "util/input.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

const char *input_printable(char *buf, size_t len, const char *s, size_t n)
{
    size_t i = 0;
    for (; i < n && s[i] && i + 4 < len; i++)
        buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
    if (i < n && s[i])
        memcpy(buf + i, "...", 4); /* the loop left room: i + 4 <= len */
    else
        buf[i] = '\0';
    return buf;
}

int input_check(const char *path, const char *what, char *msg, size_t len)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(msg, len, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(msg, len, "%s: is a directory, not %s", path, what);
        return -1;
    }
    return 0;
}

/* libyaml marks count from 0; people count lines and columns from 1. */
static int offset_mark(FILE *f, size_t offset, yaml_mark_t *mark)
{
    if (fseek(f, 0, SEEK_SET) != 0)
        return -1;
    for (size_t i = 0; i < offset; i++) {
        int c = getc(f);
        if (c == EOF)
            break;
        if (c == '\n') {
            mark->line++;
            mark->column = 0;
        } else if ((c & 0xc0) != 0x80) { /* columns count characters, not UTF-8 bytes */
            mark->column++;
        }
    }
    return 0;
}

int input_yaml_error(const yaml_parser_t *p, FILE *f, const char *path, char *msg, size_t len)
{
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->error == YAML_MEMORY_ERROR) {
        snprintf(msg, len, "%s: out of memory", path);
        return -1;
    }
    if (p->error == YAML_READER_ERROR) {
        char why[200];
        yaml_mark_t mark = {0};
        if (p->problem_value >= 0)
            snprintf(why, sizeof why, "%s (byte 0x%02x)", problem, (unsigned)p->problem_value);
        else
            snprintf(why, sizeof why, "%s", p->problem ? p->problem : "read error");
        if (offset_mark(f, p->problem_offset, &mark) != 0)
            snprintf(msg, len, "%s: byte %zu: %s", path, p->problem_offset, why);
        else
            snprintf(msg, len, "%s:%zu:%zu: %s", path, mark.line + 1, mark.column + 1, why);
        return -1;
    }
    snprintf(msg, len, "%s:%zu:%zu: %s%s%s", path, p->problem_mark.line + 1,
             p->problem_mark.column + 1, problem, p->context ? " " : "",
             p->context ? p->context : "");
    return -1;
}
