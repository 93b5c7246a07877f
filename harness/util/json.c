#include "util/json.h"

#include "util/number.h"

#include <inttypes.h>
#include <string.h>

void json_init(struct json *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
}

static void indent(struct json *j)
{
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->f);
}

/* Before any value or key: the comma after a previous member, a new line at the nesting depth.
 * A value right after its key stays on the key's line. */
static void before(struct json *j)
{
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth == 0)
        return;
    int d = j->depth <= JSON_MAX_DEPTH ? j->depth : JSON_MAX_DEPTH;
    if (j->count[d - 1])
        fputc(',', j->f);
    j->count[d - 1] = 1;
    indent(j);
}

/* Deeper than JSON_MAX_DEPTH the commas cannot be tracked: json_finish() reports it. */
static void container_open(struct json *j, char c)
{
    before(j);
    fputc(c, j->f);
    if (j->depth < JSON_MAX_DEPTH)
        j->count[j->depth] = 0;
    else
        j->too_deep = 1;
    j->depth++;
}

static void container_close(struct json *j, char c)
{
    int had = j->depth > 0 && j->depth <= JSON_MAX_DEPTH && j->count[j->depth - 1];
    j->depth--;
    if (had)
        indent(j);
    fputc(c, j->f);
}

void json_object_begin(struct json *j)
{
    container_open(j, '{');
}
void json_object_end(struct json *j)
{
    container_close(j, '}');
}
void json_array_begin(struct json *j)
{
    container_open(j, '[');
}
void json_array_end(struct json *j)
{
    container_close(j, ']');
}

/* The length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one (overlong forms,
 * surrogates and code points above U+10FFFF included). */
static int utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (c > 0xf4 || n == 0)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return n;
}

static void put_string(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', f);
    while (*s) {
        unsigned c = *s;
        const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                        : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
        if (esc) {
            fputs(esc, f);
            s++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            s++;
        } else if (c < 0x80) {
            fputc((int)c, f);
            s++;
        } else {
            int n = utf8_len(s);
            if (n)
                fwrite(s, 1, (size_t)n, f);
            else
                fputs("\\ufffd", f);
            s += n ? n : 1;
        }
    }
    fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
    before(j);
    put_string(j->f, key);
    fputs(": ", j->f);
    j->after_key = 1;
}

void json_string(struct json *j, const char *s)
{
    before(j);
    if (s)
        put_string(j->f, s);
    else
        fputs("null", j->f);
}

void json_number(struct json *j, double v)
{
    char buf[NUMBER_BUF];
    before(j);
    fputs(number_format(buf, sizeof buf, v) ? "null" : buf, j->f);
}

void json_u64(struct json *j, uint64_t v)
{
    before(j);
    fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json *j, int64_t v)
{
    before(j);
    fprintf(j->f, "%" PRId64, v);
}

void json_bool(struct json *j, int v)
{
    before(j);
    fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
    before(j);
    fputs("null", j->f);
}

int json_finish(struct json *j)
{
    fputc('\n', j->f);
    fflush(j->f);
    return ferror(j->f) || j->depth != 0 || j->too_deep ? -1 : 0;
}
