/* Backend lookup by name and by spec (plugin:PATH, preload:PATH), and the check every table
 * passes before use. Shared by all executables; the registry decides what a name can find. */
#include "backends.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct allocator_ops *allocator_find(const char *name)
{
    size_t n;
    const struct allocator_ops *const *all = allocator_registry(&n);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(all[i]->name, name))
            return all[i];
    return NULL;
}

const char *allocator_ops_check(const struct allocator_ops *ops)
{
    if (ops->version < ALLOCATOR_OPS_VERSION_MIN || ops->version > ALLOCATOR_OPS_VERSION)
        return "unsupported ops version";
    if (!ops->name || !ops->create || !ops->destroy || !ops->alloc || !ops->free)
        return "a required method (create, destroy, alloc, free) is missing";
    if (ops->min_align == 0 || (ops->min_align & (ops->min_align - 1)))
        return "min_align is not a power of two";
    if (ops->version >= 3 && ops->n_options > ALLOCATOR_MAX_OPTIONS)
        return "more options than ALLOCATOR_MAX_OPTIONS";
    if (ops->version >= 3 && ops->n_options && !ops->options)
        return "n_options is set but options is NULL";
    return NULL;
}

static const char *prefixed(const char *spec, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(spec, prefix, n) ? NULL : spec + n;
}

/* Word number index of a '|'-separated list, copied to buf. */
static void choice_word(const char *choices, long long index, char *buf, size_t len)
{
    const char *w = choices;
    for (long long i = 0; i < index && w; i++)
        w = (w = strchr(w, '|')) ? w + 1 : NULL;
    size_t n = w ? strcspn(w, "|") : 0;
    snprintf(buf, len, "%.*s", (int)n, w ? w : "");
}

void allocator_option_format(const struct allocator_option *o, long long v, char *buf,
                             size_t len)
{
    switch (o->type) {
    case ALLOCATOR_OPTION_BOOL:
        snprintf(buf, len, "%s", v ? "true" : "false");
        break;
    case ALLOCATOR_OPTION_CHOICE:
        choice_word(o->choices, v, buf, len);
        break;
    default:
        snprintf(buf, len, "%lld", v);
    }
}

/* What a value of o must look like, for the error line. */
static void describe(const struct allocator_option *o, char *buf, size_t len)
{
    switch (o->type) {
    case ALLOCATOR_OPTION_BOOL:
        snprintf(buf, len, "true or false");
        break;
    case ALLOCATOR_OPTION_CHOICE:
        snprintf(buf, len, "one of %s", o->choices);
        break;
    default:
        snprintf(buf, len, "%s%s in %lld..%lld", o->pow2 ? "a power of two" : "an integer",
                 o->type == ALLOCATOR_OPTION_BYTES ? " of bytes (k, m, g suffixes)" : "", o->min,
                 o->max);
    }
}

/* Parses text (n bytes, not NUL-terminated) as a value of o. Returns 0 or -1. */
static int parse_value(const struct allocator_option *o, const char *text, size_t n, long long *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, text, n);
    buf[n] = 0;
    if (o->type == ALLOCATOR_OPTION_BOOL) {
        if (!strcmp(buf, "true") || !strcmp(buf, "1"))
            return *out = 1, 0;
        if (!strcmp(buf, "false") || !strcmp(buf, "0"))
            return *out = 0, 0;
        return -1;
    }
    if (o->type == ALLOCATOR_OPTION_CHOICE) {
        long long i = 0;
        for (const char *w = o->choices; w; w = strchr(w, '|') ? strchr(w, '|') + 1 : NULL, i++)
            if (strcspn(w, "|") == n && !strncmp(w, buf, n))
                return *out = i, 0;
        return -1;
    }
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno || end == buf)
        return -1;
    if (o->type == ALLOCATOR_OPTION_BYTES && *end) {
        int shift = !strcasecmp(end, "k") ? 10 : !strcasecmp(end, "m") ? 20
                                               : !strcasecmp(end, "g") ? 30 : -1;
        if (shift < 0 || v < 0 || v > (LLONG_MAX >> shift))
            return -1;
        v <<= shift;
    } else if (*end)
        return -1;
    if (v < o->min || v > o->max || (o->pow2 && (v <= 0 || (v & (v - 1)))))
        return -1;
    *out = v;
    return 0;
}

/* "(keys: a, b, c)" or "(it takes no options)". */
static void list_keys(const struct allocator_ops *ops, char *buf, size_t len)
{
    size_t n = ops->version >= 3 ? ops->n_options : 0, used;
    if (!n) {
        snprintf(buf, len, "(it takes no options)");
        return;
    }
    used = (size_t)snprintf(buf, len, "(keys:");
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s %s", i ? "," : "",
                                 ops->options[i].key);
    if (used < len)
        snprintf(buf + used, len - used, "; `allocreplay backends --options` explains them)");
}

/* Parses the "key=value,..." part of a spec into opt. Returns 0, or -1 with one line in err. */
static int parse_settings(const struct allocator_ops *ops, const char *name, size_t name_len,
                          const char *settings, struct allocator_options *opt, char *err,
                          size_t err_len)
{
    size_t n_opt = ops->version >= 3 ? ops->n_options : 0;
    char keys[512], want[128];
    list_keys(ops, keys, sizeof keys);
    for (const char *item = settings;;) {
        size_t item_len = strcspn(item, ","), key_len = strcspn(item, "=,");
        const char *value = item + key_len + 1;
        size_t i = 0;
        while (i < n_opt && (strlen(ops->options[i].key) != key_len ||
                             strncmp(ops->options[i].key, item, key_len)))
            i++;
        if (item_len == 0) {
            snprintf(err, err_len, "backend %.*s: empty setting in '%s' %s", (int)name_len, name,
                     settings, keys);
            return -1;
        }
        if (i == n_opt) {
            snprintf(err, err_len, "backend %.*s: unknown key '%.*s' %s", (int)name_len, name,
                     (int)key_len, item, keys);
            return -1;
        }
        const struct allocator_option *o = &ops->options[i];
        if (opt->set[i]) {
            snprintf(err, err_len, "backend %.*s: key '%s' given twice %s", (int)name_len, name,
                     o->key, keys);
            return -1;
        }
        if (key_len == item_len || parse_value(o, value, item_len - key_len - 1, &opt->value[i])) {
            describe(o, want, sizeof want);
            snprintf(err, err_len, "backend %.*s: bad value '%.*s' for %s: want %s %s",
                     (int)name_len, name, key_len == item_len ? 0 : (int)(item_len - key_len - 1),
                     value, o->key, want, keys);
            return -1;
        }
        opt->set[i] = 1;
        if (!item[item_len])
            return 0;
        item += item_len + 1;
    }
}

const struct allocator_ops *allocator_resolve(const char *spec, struct allocator_options *opt,
                                              char *err, size_t err_len)
{
    const char *arg;
    memset(opt, 0, sizeof *opt);
    if ((arg = prefixed(spec, "plugin:"))) {
        if (!*arg) {
            snprintf(err, err_len, "%s: no PATH given (plugin:PATH)", spec);
            return NULL;
        }
        opt->arg = arg;
        return allocator_plugin_load(arg, err, err_len);
    }
    if ((arg = prefixed(spec, "preload:"))) {
        const struct allocator_ops *ops = allocator_find("malloc");
        if (!*arg) {
            snprintf(err, err_len, "%s: no PATH given (preload:PATH)", spec);
            return NULL;
        }
        if (!ops) {
            snprintf(err, err_len, "%s: this executable has no malloc backend to preload under",
                     spec);
            return NULL;
        }
        opt->arg = arg;
        return ops;
    }
    size_t name_len = strcspn(spec, ":");
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)name_len, spec);
    const struct allocator_ops *ops = name_len < sizeof name ? allocator_find(name) : NULL;
    if (!ops) {
        size_t n, used;
        const struct allocator_ops *const *all = allocator_registry(&n);
        used = (size_t)snprintf(err, err_len, "unknown backend '%s' (this executable has:", name);
        for (size_t i = 0; i < n && used < err_len; i++)
            used += (size_t)snprintf(err + used, err_len - used, " %s", all[i]->name);
        if (used < err_len)
            snprintf(err + used, err_len - used, "; or plugin:PATH, preload:PATH)");
        return NULL;
    }
    if (spec[name_len] && parse_settings(ops, spec, name_len, spec + name_len + 1, opt, err,
                                         err_len))
        return NULL;
    return ops;
}

int allocator_spec_canonical(const char *spec, const struct allocator_ops *ops,
                             const struct allocator_options *opt, char *buf, size_t len)
{
    if (opt->arg) /* plugin:PATH, preload:PATH */
        return snprintf(buf, len, "%s", spec) < (int)len ? 0 : -1;
    size_t used = (size_t)snprintf(buf, len, "%s", ops->name);
    char sep = ':';
    for (size_t i = 0; ops->version >= 3 && i < ops->n_options && used < len; i++) {
        if (!opt->set[i])
            continue;
        char v[64];
        allocator_option_format(&ops->options[i], opt->value[i], v, sizeof v);
        used += (size_t)snprintf(buf + used, len - used, "%c%s=%s", sep, ops->options[i].key, v);
        sep = ',';
    }
    return used < len ? 0 : -1;
}
