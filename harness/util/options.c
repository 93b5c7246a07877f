/* The table-driven option parser and its --help (options.h). */
#include "util/options.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Writes a one-line reason into err; returns -1 so callers can `return fail(...)`. */
static int fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

static int takes_value(const struct opt_row *r)
{
    return r->kind != OPT_FLAG && r->kind != OPT_CLEAR;
}

/* Stores v in an unsigned integer field of 1, 2, 4 or 8 bytes. -1 when it does not fit. */
static int store_uint(void *field, size_t size, uint64_t v)
{
    switch (size) {
    case 1: if (v > UINT8_MAX) return -1; *(uint8_t *)field = (uint8_t)v; return 0;
    case 2: if (v > UINT16_MAX) return -1; *(uint16_t *)field = (uint16_t)v; return 0;
    case 4: if (v > UINT32_MAX) return -1; *(uint32_t *)field = (uint32_t)v; return 0;
    case 8: *(uint64_t *)field = v; return 0;
    default: return -1;
    }
}

/* A whole number: decimal, or hex after 0x. No sign, no octal ("010" is ten). */
static int parse_uint(const char *s, uint64_t *out, char **end)
{
    int hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const char *digits = s + (hex ? 2 : 0);
    if (!(hex ? (*digits >= '0' && *digits <= '9') || (*digits >= 'a' && *digits <= 'f') ||
                    (*digits >= 'A' && *digits <= 'F')
              : *digits >= '0' && *digits <= '9'))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(digits, end, hex ? 16 : 10);
    if (errno)
        return -1;
    *out = v;
    return 0;
}

/* The suffix of a byte count: K, M, G or T, optionally followed by "iB" or "B". */
static int byte_shift(const char *s, unsigned *shift)
{
    static const char units[] = "KMGT";
    *shift = 0;
    if (!*s)
        return 0;
    const char *u = strchr(units, s[0] & ~0x20);
    if (!u || !*u)
        return -1;
    if (s[1] && strcmp(s + 1, "iB") && strcmp(s + 1, "B"))
        return -1;
    *shift = 10 * (unsigned)(u - units + 1);
    return 0;
}

/* The range of an integer row, for messages: "from 1 to 100000", "at least 1". */
static void describe_range(const struct opt_row *r, char *out, size_t len)
{
    if (r->max)
        snprintf(out, len, "from %llu to %llu", (unsigned long long)r->min,
                 (unsigned long long)r->max);
    else if (r->min)
        snprintf(out, len, "at least %llu", (unsigned long long)r->min);
    else
        snprintf(out, len, "0 or more");
}

static int convert_integer(const struct opt_row *r, const char *v, void *field, char *why,
                           size_t why_len)
{
    char range[64], *end;
    uint64_t n;
    unsigned shift = 0;
    describe_range(r, range, sizeof range);
    int bad = parse_uint(v, &n, &end) != 0;
    if (!bad && r->kind == OPT_BYTES)
        bad = byte_shift(end, &shift) || (shift && n > (UINT64_MAX >> shift));
    else if (!bad)
        bad = *end != 0;
    if (!bad) {
        n <<= shift;
        bad = n < r->min || (r->max && n > r->max) || store_uint(field, r->size, n);
    }
    if (bad)
        snprintf(why, why_len, r->kind == OPT_BYTES ? "bytes, e.g. 512M or 2G, %s"
                                                    : "a whole number %s", range);
    return bad ? -1 : 0;
}

static int convert_double(const struct opt_row *r, const char *v, void *field, char *why,
                          size_t why_len)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    int bounded = r->dmax > r->dmin;
    if (end == v || *end || errno || !isfinite(d) || (bounded && (d < r->dmin || d > r->dmax)) ||
        r->size != sizeof(double)) {
        if (bounded)
            snprintf(why, why_len, "a number from %g to %g", r->dmin, r->dmax);
        else
            snprintf(why, why_len, "a number");
        return -1;
    }
    *(double *)field = d;
    return 0;
}

static int convert_enum(const struct opt_row *r, const char *v, void *field, char *why,
                        size_t why_len)
{
    size_t i, used = 0;
    for (i = 0; r->choices[i]; i++)
        if (!strcmp(v, r->choices[i]))
            return store_uint(field, r->size, i);
    for (i = 0; r->choices[i] && used < why_len; i++)
        used += (size_t)snprintf(why + used, why_len - used, "%s%s",
                                 i == 0 ? "" : r->choices[i + 1] ? ", " : " or ", r->choices[i]);
    return -1;
}

int opt_list_push(struct opt_list *l, const char *item, size_t n)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **grown = realloc(l->v, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->v = grown;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strndup(item, n)))
        return -1;
    l->n++;
    return 0;
}

/* Appends the non-empty items of a comma-separated list. */
static int convert_list(const char *v, struct opt_list *l, char *why, size_t why_len)
{
    size_t before = l->n;
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",");
        if (n && opt_list_push(l, p, n))
            return fail(why, why_len, "out of memory");
        p += n + (p[n] == ',');
    }
    return l->n > before ? 0 : fail(why, why_len, "a comma-separated list");
}

/* Converts v for row r into its field of dest. 0, or -1 with what the value should be in why. */
static int convert(const struct opt_row *r, const char *v, void *dest, char *why, size_t why_len)
{
    void *field = (char *)dest + r->offset;
    why[0] = 0;
    switch (r->kind) {
    case OPT_FLAG: return store_uint(field, r->size, 1);
    case OPT_CLEAR: return store_uint(field, r->size, 0);
    case OPT_U64:
    case OPT_BYTES: return convert_integer(r, v, field, why, why_len);
    case OPT_DOUBLE: return convert_double(r, v, field, why, why_len);
    case OPT_STRING: *(const char **)field = v; return 0;
    case OPT_ENUM: return convert_enum(r, v, field, why, why_len);
    case OPT_LIST: return convert_list(v, field, why, why_len);
    case OPT_CUSTOM: return r->parse(v, field, why, why_len);
    }
    return -1;
}

/* "bad WHAT 'VALUE' (WHY)"; as_given is the option as the user wrote it ("-n", "--warmup"). */
static int bad_value(const struct opt_row *r, const char *as_given, const char *v,
                     const char *why, char *err, size_t len)
{
    return fail(err, len, *why ? "bad %s '%s' (%s)" : "bad %s '%s'", r->what ? r->what : as_given,
                v, why);
}

static int apply_defaults(const struct opt_command *cmd, void *dest, char *err, size_t len)
{
    char why[256];
    for (size_t i = 0; i < cmd->n_rows; i++) {
        const struct opt_row *r = &cmd->rows[i];
        int bad;
        if (!r->def)
            continue;
        if (takes_value(r)) { /* a value as the user would give it */
            bad = convert(r, r->def, dest, why, sizeof why);
        } else { /* a flag's initial value: "1" when the flag clears it */
            uint64_t v;
            char *end;
            bad = parse_uint(r->def, &v, &end) || *end || store_uint((char *)dest + r->offset, r->size, v);
            snprintf(why, sizeof why, "a whole number");
        }
        if (bad)
            return fail(err, len, "internal error: the default of --%s, '%s', is invalid (%s)",
                        r->name ? r->name : "", r->def, why);
    }
    return 0;
}

static const struct opt_row *find_long(const struct opt_command *cmd, const char *name, size_t n)
{
    for (size_t i = 0; i < cmd->n_rows; i++)
        if (cmd->rows[i].name && strlen(cmd->rows[i].name) == n &&
            !strncmp(cmd->rows[i].name, name, n))
            return &cmd->rows[i];
    return NULL;
}

static const struct opt_row *find_short(const struct opt_command *cmd, char c)
{
    for (size_t i = 0; i < cmd->n_rows; i++)
        if (cmd->rows[i].short_name == c)
            return &cmd->rows[i];
    return NULL;
}

/* One option at argv[*i] (it starts with '-' and is not "-" or "--"). Advances *i past a
 * separate value. Sets *seen for the row. */
static int parse_option(const struct opt_command *cmd, int argc, char **argv, int *i, void *dest,
                        unsigned char *seen, char *err, size_t len)
{
    const char *a = argv[*i], *value = NULL;
    char as_given[128], why[256];
    const struct opt_row *r;
    if (a[1] == '-') {
        const char *eq = strchr(a + 2, '=');
        size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        r = find_long(cmd, a + 2, n);
        snprintf(as_given, sizeof as_given, "--%.*s", (int)(n < 100 ? n : 100), a + 2);
        value = eq ? eq + 1 : NULL;
    } else {
        r = find_short(cmd, a[1]);
        snprintf(as_given, sizeof as_given, "-%c", a[1]);
        value = a[2] ? a + 2 : NULL;
        if (value && r && !takes_value(r))
            r = NULL; /* "-hx": short flags are not bundled */
    }
    if (!r)
        return fail(err, len, "unknown option '%s'", a);
    seen[r - cmd->rows] = 1;
    if (!takes_value(r)) {
        if (value)
            return fail(err, len, "%s takes no value", as_given);
    } else if (!value && r->kind == OPT_STRING && r->takes) {
        value = *i + 1 < argc && argv[*i + 1][0] != '-' && r->takes(argv[*i + 1]) ? argv[++*i] : "";
    } else if (!value) {
        if (*i + 1 >= argc)
            return fail(err, len, "%s needs %s", as_given, r->metavar ? r->metavar : "a value");
        value = argv[++*i];
    }
    if (convert(r, value, dest, why, sizeof why))
        return bad_value(r, as_given, value, why, err, len);
    return 0;
}

static int is_option(const char *a)
{
    return a[0] == '-' && a[1];
}

static int check_counts(const struct opt_command *cmd, const unsigned char *seen, int n_pos,
                        char *err, size_t len)
{
    for (size_t i = 0; i < cmd->n_rows; i++)
        if (cmd->rows[i].required && !seen[i]) {
            const struct opt_row *r = &cmd->rows[i];
            if (r->short_name)
                return fail(err, len, "-%c %s is required", r->short_name, r->metavar);
            return fail(err, len, "--%s %s is required", r->name, r->metavar);
        }
    if (n_pos < cmd->min_pos)
        return fail(err, len, "missing argument");
    if (cmd->max_pos >= 0 && n_pos > cmd->max_pos)
        return fail(err, len, "too many arguments");
    return 0;
}

int opt_parse(const struct opt_command *cmd, int argc, char **argv, void *dest,
              struct opt_parsed *out, char *err, size_t len)
{
    unsigned char *seen = out->seen;
    int options = 1;
    memset(seen, 0, sizeof out->seen);
    out->pos = argv + 1;
    out->n_pos = 0;
    out->help = 0;
    if (cmd->n_rows > OPT_MAX_ROWS)
        return fail(err, len, "internal error: more than %d options", OPT_MAX_ROWS);
    if (apply_defaults(cmd, dest, err, len))
        return -1;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (options && !strcmp(a, "--")) {
            options = 0;
        } else if (options && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
            out->help = 1;
        } else if (options && is_option(a)) {
            if (parse_option(cmd, argc, argv, &i, dest, seen, err, len))
                return -1;
        } else {
            out->pos[out->n_pos++] = a; /* never ahead of i: argv[1..i] is already read */
            if (cmd->stop_at_positional)
                options = 0;
        }
    }
    return out->help ? 0 : check_counts(cmd, seen, out->n_pos, err, len);
}

int opt_given(const struct opt_command *cmd, const struct opt_parsed *p, const char *name)
{
    const struct opt_row *r = find_long(cmd, name, strlen(name));
    return r && p->seen[r - cmd->rows];
}

/* ---- --help ---- */

/* "-b, --backend BACKEND,..." or "--latency" or "-o DIR". */
static int left_column(const struct opt_row *r, char *out, size_t len)
{
    int n = 0;
    if (r->short_name && r->name)
        n = snprintf(out, len, "-%c, --%s", r->short_name, r->name);
    else if (r->short_name)
        n = snprintf(out, len, "-%c", r->short_name);
    else
        n = snprintf(out, len, "    --%s", r->name);
    if (takes_value(r) && (size_t)n < len)
        n += snprintf(out + n, len - (size_t)n, r->kind == OPT_STRING && r->takes ? " [%s]" : " %s",
                      r->metavar ? r->metavar : "VALUE");
    return n;
}

/* "[-n REPS]", "-o DIR" (required), "[--latency]" for the usage line. */
static void synopsis_item(const struct opt_row *r, char *out, size_t len)
{
    char name[64];
    if (r->short_name)
        snprintf(name, sizeof name, "-%c", r->short_name);
    else
        snprintf(name, sizeof name, "--%s", r->name);
    const char *mv = r->metavar ? r->metavar : "VALUE";
    const char *open = r->required ? "" : "[", *close = r->required ? "" : "]";
    if (!takes_value(r))
        snprintf(out, len, "%s%s%s", open, name, close);
    else if (r->kind == OPT_STRING && r->takes)
        snprintf(out, len, "%s%s [%s]%s", open, name, mv, close);
    else
        snprintf(out, len, "%s%s %s%s", open, name, mv, close);
}

/* Appends one word to the usage line, wrapping at 100 columns under the first word. */
static void put_word(FILE *f, const char *word, size_t indent, size_t *col)
{
    if (*col + 1 + strlen(word) > 100 && *col > indent) {
        fprintf(f, "\n%*s", (int)indent, "");
        *col = indent;
    }
    fprintf(f, " %s", word);
    *col += 1 + strlen(word);
}

/* "usage: PROG POSITIONAL [-x X] ..."; the positional synopsis comes last when it ends the
 * options (record ... -- CMD ARGS). */
static void print_usage_line(const struct opt_command *cmd, FILE *f)
{
    const size_t indent = strlen("usage: ") + strlen(cmd->prog);
    const char *pos = cmd->positional && *cmd->positional ? cmd->positional : NULL;
    size_t col = indent;
    char item[160];
    fprintf(f, "usage: %s", cmd->prog);
    if (pos && !cmd->stop_at_positional)
        put_word(f, pos, indent, &col);
    for (size_t i = 0; i < cmd->n_rows; i++) {
        synopsis_item(&cmd->rows[i], item, sizeof item);
        put_word(f, item, indent, &col);
    }
    if (pos && cmd->stop_at_positional)
        put_word(f, pos, indent, &col);
    fputc('\n', f);
}

/* The help text, each of its lines at column `at`, then "(default X)". */
static void print_help_text(const struct opt_row *r, int at, FILE *f)
{
    const char *h = r->help ? r->help : "";
    for (;;) {
        size_t n = strcspn(h, "\n");
        fprintf(f, "%.*s", (int)n, h);
        if (!h[n])
            break;
        fprintf(f, "\n%*s", at, "");
        h += n + 1;
    }
    if (r->def && takes_value(r))
        fprintf(f, "%s(default %s)", *r->help ? " " : "", r->def);
    fputc('\n', f);
}

void opt_print_help(const struct opt_command *cmd, FILE *f)
{
    enum { MAX_LEFT = 28 };
    char left[160];
    int width = 0;
    print_usage_line(cmd, f);
    if (cmd->summary)
        fprintf(f, "%s\n", cmd->summary);
    if (cmd->about)
        fprintf(f, "%s", cmd->about);
    for (size_t i = 0; i < cmd->n_rows; i++) {
        int n = left_column(&cmd->rows[i], left, sizeof left);
        if (n <= MAX_LEFT && n > width)
            width = n;
    }
    if (cmd->n_rows)
        fputc('\n', f);
    for (size_t i = 0; i < cmd->n_rows; i++) {
        int n = left_column(&cmd->rows[i], left, sizeof left);
        if (n > width)
            fprintf(f, "  %s\n%*s", left, width + 4, "");
        else
            fprintf(f, "  %-*s  ", width, left);
        print_help_text(&cmd->rows[i], width + 4, f);
    }
    if (cmd->epilog)
        fprintf(f, "%s%s", cmd->n_rows ? "\n" : "", cmd->epilog);
}

void opt_print_error(const struct opt_command *cmd, FILE *f, const char *reason)
{
    fprintf(f, "%s: %s (%s --help)\n", cmd->prog, reason, cmd->prog);
}

void opt_list_free(struct opt_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}
