/* trace_load / trace_save: the format is chosen by the file's extension. */
#include "trace_io.h"
#include "util/input.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KNOWN_EXTENSIONS ".yaml, .yml, .alrt, .mtrace, .android.txt"

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

static const char *const extensions[] = {".android.txt", ".yaml", ".yml", ".alrt", ".mtrace"};
static const enum trace_format ext_formats[] = {TRACE_FORMAT_ANDROID, TRACE_FORMAT_YAML,
                                                TRACE_FORMAT_YAML, TRACE_FORMAT_BINARY,
                                                TRACE_FORMAT_MTRACE};

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
    enum trace_format format = trace_format_from_path(path);
    if (format != TRACE_FORMAT_UNKNOWN && input_check(path, "a trace", err->msg, sizeof err->msg) != 0)
        return -1;
    switch (format) {
    case TRACE_FORMAT_YAML:
        return trace__yaml_read(path, opt, out, report, err);
    case TRACE_FORMAT_BINARY:
        return trace__binary_load(path, opt, out, report, err);
    case TRACE_FORMAT_MTRACE:
        return trace__mtrace_read(path, opt, out, report, err);
    case TRACE_FORMAT_ANDROID:
        return trace__android_read(path, opt, out, report, err);
    default:
        return trace__fail(err, "%s: unknown trace format (known: " KNOWN_EXTENSIONS ")", path);
    }
}

int trace_save(const char *path, const struct trace *t, struct trace_error *err)
{
    switch (trace_format_from_path(path)) {
    case TRACE_FORMAT_YAML:
        return trace__yaml_write(path, t, err);
    case TRACE_FORMAT_BINARY:
        return trace__binary_write(path, t, err);
    case TRACE_FORMAT_MTRACE:
    case TRACE_FORMAT_ANDROID:
        return trace__fail(err, "%s: cannot write this format, it is import-only "
                                "(writable: .yaml, .yml, .alrt)", path);
    default:
        return trace__fail(err, "%s: unknown trace format (known: " KNOWN_EXTENSIONS ")", path);
    }
}
