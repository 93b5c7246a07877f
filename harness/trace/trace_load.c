/* trace_load / trace_save: readers recognise the format by the file's first bytes, writers go
 * by the extension. */
#include "trace_io.h"
#include "util/input.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KNOWN_EXTENSIONS ".yaml, .yml, .alrt, .alrt.zst, .mtrace, .android.txt, .zip"
#define TRIED "binary .alrt, compressed .alrt.zst, zip archive, Android memory_replay text, " \
              "glibc mtrace log, YAML"
#define SNIFF_BYTES 4096 /* enough for the first lines of any text format */

int trace__fail(struct trace_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && !memcmp(s + n - k, suffix, k);
}

static const char *const extensions[] = {".android.txt", ".yaml", ".yml", ".alrt.zst", ".alrt",
                                         ".mtrace", ".zip"};
static const enum trace_format ext_formats[] = {TRACE_FORMAT_ANDROID, TRACE_FORMAT_YAML,
                                                TRACE_FORMAT_YAML, TRACE_FORMAT_BINARY_ZSTD,
                                                TRACE_FORMAT_BINARY, TRACE_FORMAT_MTRACE,
                                                TRACE_FORMAT_ZIP};

enum trace_format trace_format_from_path(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++)
        if (ends_with(path, n, extensions[i]))
            return ext_formats[i];
    return TRACE_FORMAT_UNKNOWN;
}

char *trace_name_from_path(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++)
        if (ends_with(base, n, extensions[i]) && n > strlen(extensions[i])) {
            n -= strlen(extensions[i]);
            break;
        }
    return strndup(base, n);
}

/* ---- recognising a format by content ---- */

static int starts(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && !memcmp(p, word, n);
}

/* "1412: malloc 0x...": a thread id, a colon, a blank, a known operation, a blank. */
static int android_line(const char *p, const char *end)
{
    static const char *const ops[] = {"malloc ", "calloc ", "memalign ", "realloc ", "free ",
                                      "thread_done "};
    const char *q = p;
    while (q < end && isdigit((unsigned char)*q))
        q++;
    if (q == p || q + 2 > end || q[0] != ':' || q[1] != ' ')
        return 0;
    for (q += 2; q < end && *q == ' ';)
        q++;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (starts(q, end, ops[i]))
            return 1;
    return 0;
}

/* "= Start", "@ caller ...", or an operation on an address: "+ 0x55... 0x10", "- 0x55...". */
static int mtrace_line(const char *p, const char *end)
{
    if (starts(p, end, "= Start") || starts(p, end, "= End") || starts(p, end, "@ "))
        return 1;
    return end - p >= 4 && strchr("+-<>!", p[0]) && p[0] && p[1] == ' ' &&
           (starts(p + 2, end, "0x") || starts(p + 2, end, "(nil)"));
}

/* A YAML document start or directive, a flow mapping, or "key:" at the top level. */
static int yaml_line(const char *p, const char *end)
{
    if (starts(p, end, "---") || starts(p, end, "%YAML") || starts(p, end, "{"))
        return 1;
    if (p == end || !(isalpha((unsigned char)*p) || *p == '_' || *p == '"' || *p == '\''))
        return 0;
    const char *colon = memchr(p, ':', (size_t)(end - p));
    return colon && (colon + 1 == end || colon[1] == ' ' || colon[1] == '\r');
}

/* The first line that is neither blank nor a comment decides. */
static enum trace_format sniff_text(const unsigned char *b, size_t n)
{
    if (memchr(b, '\0', n))
        return TRACE_FORMAT_UNKNOWN;
    const char *p = (const char *)b, *end = p + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *q = p;
        while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < eol && *q != '#') {
            if (android_line(q, eol))
                return TRACE_FORMAT_ANDROID;
            if (q == p && mtrace_line(q, eol))
                return TRACE_FORMAT_MTRACE;
            if (q == p && yaml_line(q, eol))
                return TRACE_FORMAT_YAML;
            return TRACE_FORMAT_UNKNOWN;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    return TRACE_FORMAT_UNKNOWN;
}

static enum trace_format sniff(const unsigned char *b, size_t n)
{
    static const unsigned char alrt[8] = {0x89, 'A', 'L', 'R', 'T', '\r', '\n', 0x1a};
    if (n >= sizeof alrt && !memcmp(b, alrt, sizeof alrt))
        return TRACE_FORMAT_BINARY;
    if (trace__zst_sniff(b, n))
        return TRACE_FORMAT_BINARY_ZSTD;
    if (trace__zip_sniff(b, n))
        return TRACE_FORMAT_ZIP;
    return sniff_text(b, n);
}

static int refuse_unknown(const char *path, struct trace_error *err)
{
    return trace__fail(err, "%s: not a trace in any known format (tried " TRIED "; known "
                            "extensions: " KNOWN_EXTENSIONS ")", path);
}

int trace_format_detect(const char *path, enum trace_format *out, struct trace_error *err)
{
    *out = TRACE_FORMAT_UNKNOWN;
    if (input_check(path, "a trace", err->msg, sizeof err->msg) != 0)
        return -1;
    FILE *f = fopen(path, "rb");
    if (!f)
        return trace__fail(err, "%s: cannot open: %s", path, strerror(errno));
    unsigned char head[SNIFF_BYTES];
    size_t n = fread(head, 1, sizeof head, f);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return trace__fail(err, "%s: read error", path);
    *out = sniff(head, n);
    if (*out == TRACE_FORMAT_UNKNOWN)
        *out = trace_format_from_path(path);
    return *out == TRACE_FORMAT_UNKNOWN ? refuse_unknown(path, err) : 0;
}

/* The archive's entry goes to the importer of the text format it holds. */
static int load_zip(const char *path, const struct trace_load_options *opt, struct trace *out,
                    struct trace_load_report *report, struct trace_error *err)
{
    const char *why;
    FILE *f = trace__zip_open(path, &why, err);
    if (!f)
        return -1;
    unsigned char head[SNIFF_BYTES];
    size_t n = fread(head, 1, sizeof head, f);
    int rc;
    if (ferror(f)) {
        rc = trace__fail(err, "%s: %s", path, why[0] ? why : "read error");
    } else {
        enum trace_format inner = sniff_text(head, n);
        rewind(f);
        if (inner == TRACE_FORMAT_ANDROID)
            rc = trace__android_read(path, f, why, opt, out, report, err);
        else if (inner == TRACE_FORMAT_MTRACE)
            rc = trace__mtrace_read(path, f, why, opt, out, report, err);
        else
            rc = trace__fail(err, "%s: the zip archive's entry is not an Android memory_replay "
                                  "or glibc mtrace text trace", path);
    }
    fclose(f);
    return rc;
}

void trace__load_defaults(const struct trace_load_options **opt,
                          struct trace_load_report **report, struct trace_load_report *scratch)
{
    static const struct trace_load_options strict;
    if (!*opt)
        *opt = &strict;
    if (!*report)
        *report = scratch;
    memset(*report, 0, sizeof **report);
}

int trace_load(const char *path, const struct trace_load_options *opt, struct trace *out,
               struct trace_load_report *report, struct trace_error *err)
{
    struct trace_load_report scratch;
    trace__load_defaults(&opt, &report, &scratch);
    memset(out, 0, sizeof *out);
    enum trace_format format;
    if (trace_format_detect(path, &format, err) != 0)
        return -1;
    switch (format) {
    case TRACE_FORMAT_YAML:
        return trace__yaml_read(path, opt, out, report, err);
    case TRACE_FORMAT_BINARY:
    case TRACE_FORMAT_BINARY_ZSTD:
        return trace__binary_load(path, opt, out, report, err);
    case TRACE_FORMAT_MTRACE:
        return trace__mtrace_read(path, NULL, NULL, opt, out, report, err);
    case TRACE_FORMAT_ANDROID:
        return trace__android_read(path, NULL, NULL, opt, out, report, err);
    case TRACE_FORMAT_ZIP:
        return load_zip(path, opt, out, report, err);
    default:
        return refuse_unknown(path, err);
    }
}

int trace_save(const char *path, const struct trace *t, struct trace_error *err)
{
    return trace_save_with(path, t, NULL, err);
}

int trace_save_with(const char *path, const struct trace *t, const struct trace_save_options *opt,
                    struct trace_error *err)
{
    int level = opt && opt->zstd_level ? opt->zstd_level : TRACE_ZST_LEVEL;
    if (level < 1 || level > TRACE_ZSTD_MAX_LEVEL)
        return trace__fail(err, "%s: zstd level %d (from 1 to %d)", path, level,
                           TRACE_ZSTD_MAX_LEVEL);
    switch (trace_format_from_path(path)) {
    case TRACE_FORMAT_YAML:
        return trace__yaml_write(path, t, err);
    case TRACE_FORMAT_BINARY:
        return trace__binary_write(path, t, err);
    case TRACE_FORMAT_BINARY_ZSTD:
        return trace__binary_write_compressed(path, t, level, err);
    case TRACE_FORMAT_MTRACE:
    case TRACE_FORMAT_ANDROID:
    case TRACE_FORMAT_ZIP:
        return trace__fail(err, "%s: cannot write this format, it is import-only "
                                "(writable: .yaml, .yml, .alrt, .alrt.zst)", path);
    default:
        return trace__fail(err, "%s: unknown trace format (known: " KNOWN_EXTENSIONS ")", path);
    }
}
