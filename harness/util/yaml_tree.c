#include "util/yaml_tree.h"
#include "util/input.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct reader {
    yaml_parser_t yaml;
    FILE *f; /* the parser's input, read again to place a reader error */
    const char *path;
    const struct yaml_tree_rules *rules;
    char *err;
    size_t err_len;
};

static int fail(struct reader *r, unsigned long line, unsigned long column, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(r->err, r->err_len, "%s:%lu:%lu: ", r->path, line, column);
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < r->err_len)
        vsnprintf(r->err + n, r->err_len - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

void yaml_tree_free(struct yaml_tree_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_child; i++)
        yaml_tree_free(n->child[i]);
    free(n->child);
    free(n->value);
    free(n);
}

static int next_event(struct reader *r, yaml_event_t *ev)
{
    if (yaml_parser_parse(&r->yaml, ev))
        return 0;
    return input_yaml_error(&r->yaml, r->f, r->path, r->err, r->err_len);
}

static int add_child(struct yaml_tree_node *n, struct yaml_tree_node *c)
{
    struct yaml_tree_node **grown = realloc(n->child, (n->n_child + 1) * sizeof *grown);
    if (!grown)
        return -1;
    n->child = grown;
    n->child[n->n_child++] = c;
    return 0;
}

static struct yaml_tree_node *build(struct reader *r, yaml_event_t *ev, unsigned depth);

/* Reads the items of the collection n up to its END event. 0 or -1. */
static int build_items(struct reader *r, struct yaml_tree_node *n, yaml_event_type_t end,
                       unsigned depth)
{
    for (;;) {
        yaml_event_t ev;
        if (next_event(r, &ev))
            return -1;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            return 0;
        }
        struct yaml_tree_node *c = build(r, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (!c)
            return -1;
        if (add_child(n, c)) {
            yaml_tree_free(c);
            return fail(r, n->line, n->column, "out of memory");
        }
    }
}

/* Builds the node that starts with ev (already read; the caller deletes it), depth
 * collections deep; consumes the events of its items. */
static struct yaml_tree_node *build(struct reader *r, yaml_event_t *ev, unsigned depth)
{
    struct yaml_tree_node *n = calloc(1, sizeof *n);
    if (!n) {
        fail(r, ev->start_mark.line + 1, ev->start_mark.column + 1, "out of memory");
        return NULL;
    }
    n->line = ev->start_mark.line + 1;
    n->column = ev->start_mark.column + 1;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        n->kind = YAML_TREE_SCALAR;
        n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        /* A "\0" escape would cut the C string short: "malloc\0junk" would pass for malloc. */
        if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
            fail(r, n->line, n->column, "NUL character (\\0) in a scalar");
            goto fail;
        }
        if (!(n->value = strdup((const char *)ev->data.scalar.value))) {
            fail(r, n->line, n->column, "out of memory");
            goto fail;
        }
        return n;
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        const int seq = ev->type == YAML_SEQUENCE_START_EVENT;
        n->kind = seq ? YAML_TREE_SEQUENCE : YAML_TREE_MAPPING;
        if (depth >= INPUT_YAML_MAX_DEPTH) {
            fail(r, n->line, n->column, "lists and mappings nested more than %d deep",
                 INPUT_YAML_MAX_DEPTH);
            goto fail;
        }
        if (build_items(r, n, seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT, depth))
            goto fail;
        if (!seq && r->rules->keys)
            for (size_t i = 0; i < n->n_child; i += 2)
                if (n->child[i]->kind != YAML_TREE_SCALAR) {
                    fail(r, n->child[i]->line, n->child[i]->column, "%s", r->rules->keys);
                    goto fail;
                }
        return n;
    }
    case YAML_ALIAS_EVENT:
        fail(r, n->line, n->column, "%s", r->rules->aliases);
        goto fail;
    default:
        fail(r, n->line, n->column, "unexpected YAML event");
        goto fail;
    }
fail:
    yaml_tree_free(n);
    return NULL;
}

/* Reads the stream up to the root of its first document and builds it; with one_document,
 * reads the rest of the stream too and refuses a second document. */
static struct yaml_tree_node *read_stream(struct reader *r)
{
    struct yaml_tree_node *root = NULL;
    yaml_event_t ev;
    for (;;) {
        if (next_event(r, &ev))
            goto fail;
        const yaml_event_type_t type = ev.type;
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (type == YAML_DOCUMENT_START_EVENT && root) {
            fail(r, ev.start_mark.line + 1, ev.start_mark.column + 1, "%s", r->rules->one_document);
            yaml_event_delete(&ev);
            goto fail;
        }
        if (type == YAML_STREAM_START_EVENT || type == YAML_DOCUMENT_START_EVENT ||
            type == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        root = build(r, &ev, 0);
        yaml_event_delete(&ev);
        if (!root || !r->rules->one_document)
            return root;
    }
    if (!root)
        fail(r, 1, 1, "%s", r->rules->empty);
    return root;
fail:
    yaml_tree_free(root);
    return NULL;
}

struct yaml_tree_node *yaml_tree_read(FILE *f, const char *path,
                                      const struct yaml_tree_rules *rules, char *err,
                                      size_t err_len)
{
    struct reader r = {.f = f, .path = path, .rules = rules, .err = err, .err_len = err_len};
    if (!yaml_parser_initialize(&r.yaml)) {
        snprintf(err, err_len, "%s: cannot initialise the YAML parser", path);
        return NULL;
    }
    yaml_parser_set_input_file(&r.yaml, f);
    struct yaml_tree_node *root = read_stream(&r);
    yaml_parser_delete(&r.yaml);
    return root;
}
