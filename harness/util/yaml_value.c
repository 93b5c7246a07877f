/* Typed values of a YAML tree (yaml_tree.h): the checks every hand-written file shares, so that
 * a campaign file and a generator spec say the same thing about the same mistake. */
#include "util/input.h"
#include "util/yaml_tree.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Values quoted in reasons may hold newlines or control characters: the reason stays one line. */
#define SHOWN(s) input_printable((char[64]){0}, 64, (s), 56)

static int reason(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -1;
}

static int want_scalar(const struct yaml_tree_node *n, const char *name, const char *what,
                       char *why, size_t len)
{
    if (n->kind == YAML_TREE_SCALAR)
        return 0;
    return reason(why, len, "'%s' must be %s, not a %s", name, what,
                  n->kind == YAML_TREE_SEQUENCE ? "list" : "mapping");
}

const struct yaml_tree_node *yaml_tree_get(const struct yaml_tree_node *map, const char *key)
{
    for (size_t i = 0; map->kind == YAML_TREE_MAPPING && i + 1 < map->n_child; i += 2)
        if (map->child[i]->kind == YAML_TREE_SCALAR && !strcmp(map->child[i]->value, key))
            return map->child[i + 1];
    return NULL;
}

int yaml_tree_uint(const struct yaml_tree_node *n, const char *name, uint64_t lo, uint64_t hi,
                   int suffixes, uint64_t *out, char *why, size_t why_len)
{
    const char *what = suffixes ? "a byte count (e.g. 512M)" : "a whole number";
    if (want_scalar(n, name, what, why, why_len))
        return -1;
    const char *s = n->value;
    char *end;
    if (n->quoted || *s < '0' || *s > '9')
        return reason(why, why_len, "'%s' must be %s, not '%s'", name, what, SHOWN(s));
    errno = 0;
    uintmax_t v = strtoumax(s, &end, 10);
    int shift = 0;
    if (suffixes && *end && !end[1]) {
        const char *units = "KMGT", *u = strchr(units, *end);
        if (u) {
            shift = 10 * (int)(u - units + 1);
            end++;
        }
    }
    if (*end)
        return reason(why, why_len, "'%s' must be %s, not '%s'", name, what, SHOWN(s));
    if (errno == ERANGE || (shift && v > (UINTMAX_MAX >> shift)))
        v = UINTMAX_MAX;
    else
        v <<= shift;
    if (v < lo || v > hi)
        return reason(why, why_len, "'%s' must be between %" PRIu64 " and %" PRIu64 ", not %s",
                      name, lo, hi, SHOWN(s));
    *out = (uint64_t)v;
    return 0;
}

int yaml_tree_double(const struct yaml_tree_node *n, const char *name, double lo, double hi,
                     double *out, char *why, size_t why_len)
{
    if (want_scalar(n, name, "a number", why, why_len))
        return -1;
    char *end;
    errno = 0;
    double v = n->quoted ? NAN : strtod(n->value, &end);
    if (n->quoted || errno || end == n->value || *end || !isfinite(v))
        return reason(why, why_len, "'%s' must be a number, not '%s'", name, SHOWN(n->value));
    if (!(v >= lo && v <= hi))
        return reason(why, why_len, "'%s' must be between %g and %g, not %s", name, lo, hi,
                      SHOWN(n->value));
    *out = v;
    return 0;
}

int yaml_tree_bool(const struct yaml_tree_node *n, const char *name, int *out, char *why,
                   size_t why_len)
{
    if (want_scalar(n, name, "true or false", why, why_len))
        return -1;
    if (!n->quoted && !strcmp(n->value, "true"))
        *out = 1;
    else if (!n->quoted && !strcmp(n->value, "false"))
        *out = 0;
    else
        return reason(why, why_len, "'%s' must be true or false, not '%s'", name, SHOWN(n->value));
    return 0;
}

int yaml_tree_string(const struct yaml_tree_node *n, const char *name, int allow_empty, char **out,
                     char *why, size_t why_len)
{
    if (want_scalar(n, name, "a string", why, why_len))
        return -1;
    if (!allow_empty && !*n->value)
        return reason(why, why_len, "'%s' must not be empty", name);
    char *copy = strdup(n->value);
    if (!copy)
        return reason(why, why_len, "out of memory");
    free(*out);
    *out = copy;
    return 0;
}
