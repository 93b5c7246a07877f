/* The table-driven option parser (harness/util/options.h): every kind, bounds, bad values,
 * unknown options, "--", positional arguments, required options, defaults and --help. */
#include "tap.h"
#include "util/options.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

struct args {
    int flag, on;
    unsigned count;
    uint64_t bytes, big;
    uint8_t small;
    double ratio;
    const char *out, *maybe;
    int color;
    struct opt_list list;
    unsigned pair[2];
};

static int parse_pair(const char *v, void *dest, char *why, size_t why_len)
{
    unsigned *p = dest;
    if (sscanf(v, "%u/%u", &p[0], &p[1]) != 2) {
        snprintf(why, why_len, "A/B");
        return -1;
    }
    return 0;
}

static int takes_maybe(const char *next)
{
    return !strcmp(next, "yes-dir");
}

static const char *const colors[] = {"red", "green", "blue", NULL};

static const struct opt_row rows[] = {
    {"flag", 'f', OPT_FLAG, OPT_AT(struct args, flag), .help = "a flag"},
    {"no-on", 0, OPT_CLEAR, OPT_AT(struct args, on), .def = "1", .help = "clears on"},
    {"count", 'n', OPT_U64, OPT_AT(struct args, count), .min = 1, .max = 100, .def = "5",
     .metavar = "N", .what = "count", .help = "how many"},
    {"bytes", 0, OPT_BYTES, OPT_AT(struct args, bytes), .min = 1, .metavar = "BYTES",
     .help = "a size"},
    {"big", 0, OPT_U64, OPT_AT(struct args, big), .metavar = "N", .help = "no bounds"},
    {"small", 0, OPT_U64, OPT_AT(struct args, small), .metavar = "N", .help = "one byte"},
    {"ratio", 0, OPT_DOUBLE, OPT_AT(struct args, ratio), .dmin = 0.5, .dmax = 2, .metavar = "R",
     .help = "a real\non two lines"},
    {"output", 'o', OPT_STRING, OPT_AT(struct args, out), .metavar = "DIR", .required = 1,
     .help = "where"},
    {"maybe", 0, OPT_STRING, OPT_AT(struct args, maybe), .takes = takes_maybe, .metavar = "D",
     .help = "optional value"},
    {"color", 0, OPT_ENUM, OPT_AT(struct args, color), .choices = colors, .def = "green",
     .metavar = "C", .help = "a color"},
    {"list", 'l', OPT_LIST, OPT_AT(struct args, list), .metavar = "A,B", .help = "items"},
    {"pair", 0, OPT_CUSTOM, OPT_AT(struct args, pair), .parse = parse_pair, .metavar = "A/B",
     .help = "custom"},
};

static const struct opt_command cmd = {
    .prog = "prog sub",
    .positional = "FILE...",
    .min_pos = 1,
    .max_pos = 2,
    .summary = "A test command.",
    .epilog = "The end.\n",
    .rows = rows,
    .n_rows = sizeof rows / sizeof rows[0],
};

/* Parses a space-separated command line (argv[0] = "sub"). Returns opt_parse's result. */
static int parse(const char *line, struct args *a, struct opt_parsed *p, char *err, size_t len)
{
    static char buf[1024];
    static char *argv[64];
    int argc = 0;
    snprintf(buf, sizeof buf, "sub %s", line);
    for (char *t = strtok(buf, " "); t && argc < 63; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    opt_list_free(&a->list);
    memset(a, 0, sizeof *a);
    err[0] = 0;
    return opt_parse(&cmd, argc, argv, a, p, err, len);
}

/* Parses line and expects the error reason want. */
static void bad(const char *line, const char *want)
{
    struct args a = {0};
    struct opt_parsed p;
    char err[256];
    int rc = parse(line, &a, &p, err, sizeof err);
    tap_ok(rc == -1 && !strcmp(err, want), "'%s': %s (got '%s')", line, want, err);
    opt_list_free(&a.list);
}

static void test_values(void)
{
    struct args a = {0};
    struct opt_parsed p;
    char err[256];
    int rc = parse("-o d x", &a, &p, err, sizeof err);
    tap_ok(rc == 0 && a.count == 5 && a.on == 1 && a.color == 1 && !a.flag && !a.maybe,
           "defaults: count 5, on 1, color green (%s)", err);
    rc = parse("--flag --no-on -n 7 --bytes=2G --big 0x10 --small 255 --ratio 1.5 --output=d "
               "--color blue -l a,,b -l c --pair 3/4 x y",
               &a, &p, err, sizeof err);
    tap_ok(rc == 0, "every kind parses (%s)", err);
    tap_ok(a.flag == 1 && a.on == 0, "flag set, clear flag cleared");
    TAP_EQ_U64(a.count, 7, "-n 7 into an unsigned");
    TAP_EQ_U64(a.bytes, 2ull << 30, "--bytes=2G");
    TAP_EQ_U64(a.big, 16, "--big 0x10 (hex)");
    TAP_EQ_U64(a.small, 255, "--small 255 into a uint8_t");
    tap_ok(fabs(a.ratio - 1.5) < 1e-12, "--ratio 1.5");
    tap_ok(a.out && !strcmp(a.out, "d"), "--output=d");
    TAP_EQ_U64(a.color, 2, "--color blue is index 2");
    tap_ok(a.list.n == 3 && !strcmp(a.list.v[0], "a") && !strcmp(a.list.v[1], "b") &&
               !strcmp(a.list.v[2], "c"),
           "-l a,,b -l c: three items, empty ones skipped");
    tap_ok(a.pair[0] == 3 && a.pair[1] == 4, "custom --pair 3/4");
    tap_ok(p.n_pos == 2 && !strcmp(p.pos[0], "x") && !strcmp(p.pos[1], "y"), "positional x y");
    tap_ok(opt_given(&cmd, &p, "pair") && !opt_given(&cmd, &p, "maybe"), "opt_given");

    rc = parse("-n9 -oout --bytes 512KiB --bytes 3kB x", &a, &p, err, sizeof err);
    tap_ok(rc == 0 && a.count == 9 && !strcmp(a.out, "out") && a.bytes == 3072,
           "-n9, -oout, the last --bytes wins (3kB = 3072)");
    rc = parse("x -o d -- --weird", &a, &p, err, sizeof err);
    tap_ok(rc == 0 && p.n_pos == 2 && !strcmp(p.pos[1], "--weird") &&
               a.count == 5,
           "options after positionals; after -- everything is positional (%s)", err);
    tap_ok(parse("- -o d", &a, &p, err, sizeof err) == 0 && p.n_pos == 1 && !strcmp(p.pos[0], "-"),
           "a lone - is positional");
    rc = parse("-o d --maybe yes-dir x", &a, &p, err, sizeof err);
    tap_ok(rc == 0 && !strcmp(a.maybe, "yes-dir") && p.n_pos == 1, "optional value taken");
    rc = parse("-o d --maybe x", &a, &p, err, sizeof err);
    tap_ok(rc == 0 && a.maybe && !*a.maybe && p.n_pos == 1, "optional value left: \"\"");
    rc = parse("--help --bytes 0", &a, &p, err, sizeof err);
    tap_ok(rc == -1, "a bad value is refused even with --help");
    rc = parse("-h", &a, &p, err, sizeof err);
    tap_ok(rc == 0 && p.help, "-h: help, no other check (no -o, no FILE)");
    opt_list_free(&a.list);
}

static void test_errors(void)
{
    bad("-o d x --frob", "unknown option '--frob'");
    bad("-o d x -z", "unknown option '-z'");
    bad("-o d x -fx", "unknown option '-fx'");
    bad("-o d x --flag=1", "--flag takes no value");
    bad("x -o", "-o needs DIR");
    bad("x -o d -n", "-n needs N");
    bad("x -o d -n 0", "bad count '0' (a whole number from 1 to 100)");
    bad("x -o d --count 101", "bad count '101' (a whole number from 1 to 100)");
    bad("x -o d -n -3", "bad count '-3' (a whole number from 1 to 100)");
    bad("x -o d -n 5ms", "bad count '5ms' (a whole number from 1 to 100)");
    bad("x -o d -n 010x", "bad count '010x' (a whole number from 1 to 100)");
    bad("x -o d --big 99999999999999999999", "bad --big '99999999999999999999' (a whole number 0 or more)");
    bad("x -o d --small 256", "bad --small '256' (a whole number 0 or more)");
    bad("x -o d --bytes 0", "bad --bytes '0' (bytes, e.g. 512M or 2G, at least 1)");
    bad("x -o d --bytes 2X", "bad --bytes '2X' (bytes, e.g. 512M or 2G, at least 1)");
    bad("x -o d --bytes 2Gx", "bad --bytes '2Gx' (bytes, e.g. 512M or 2G, at least 1)");
    bad("x -o d --bytes 99999999999T", "bad --bytes '99999999999T' (bytes, e.g. 512M or 2G, at least 1)");
    bad("x -o d --ratio 3", "bad --ratio '3' (a number from 0.5 to 2)");
    bad("x -o d --ratio nan", "bad --ratio 'nan' (a number from 0.5 to 2)");
    bad("x -o d --color pink", "bad --color 'pink' (red, green or blue)");
    bad("x -o d -l ,", "bad -l ',' (a comma-separated list)");
    bad("x -o d --pair 3", "bad --pair '3' (A/B)");
    bad("x", "-o DIR is required");
    bad("-o d", "missing argument");
    bad("-o d x y z", "too many arguments");
}

static void test_help(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    opt_print_help(&cmd, f);
    fclose(f);
    tap_ok(!strncmp(text, "usage: prog sub FILE... [-f] [--no-on] [-n N] [--bytes BYTES]", 61),
           "usage line: positional then every option, in table order");
    tap_ok(strstr(text, " -o DIR ") && !strstr(text, "[-o DIR]"), "a required option unbracketed");
    tap_ok(strstr(text, "[--maybe [D]]") != NULL, "an optional value in brackets");
    tap_ok(strstr(text, "\nA test command.\n") != NULL, "the summary");
    tap_ok(strstr(text, "\n  -n, --count N      how many (default 5)\n") != NULL,
           "aligned row with its default");
    tap_ok(strstr(text, "\n      --ratio R      a real\n                     on two lines\n") != NULL,
           "long-only row indented; a second help line aligned");
    tap_ok(strstr(text, "\n      --no-on        clears on\n") != NULL, "a flag shows no default");
    tap_ok(len > 9 && !strcmp(text + len - 9, "The end.\n"), "the epilog last");
    free(text);

    text = NULL;
    f = open_memstream(&text, &len);
    opt_print_error(&cmd, f, "missing argument");
    fclose(f);
    tap_ok(!strcmp(text, "prog sub: missing argument (prog sub --help)\n"), "error line: %s", text);
    free(text);
}

static void test_bad_default(void)
{
    static const struct opt_row broken[] = {
        {"n", 0, OPT_U64, OPT_AT(struct args, count), .max = 3, .def = "4", .help = ""},
    };
    static const struct opt_command c = {.prog = "p", .positional = "", .rows = broken, .n_rows = 1};
    struct args a = {0};
    struct opt_parsed p;
    char err[256], *argv[] = {"p", NULL};
    tap_ok(opt_parse(&c, 1, argv, &a, &p, err, sizeof err) == -1 && strstr(err, "default"),
           "a default outside the row's bounds is an error (%s)", err);
}

int main(void)
{
    test_values();
    test_errors();
    test_help();
    test_bad_default();
    return tap_done();
}
