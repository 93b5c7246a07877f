/* A small YAML document read into a tree of nodes that keep their positions, for the files
 * people write by hand (campaign files, generator specs): their readers validate by walking
 * the tree and can point at any node ("PATH:LINE:COLUMN: reason"). Traces, which can be
 * huge, are read from libyaml's events directly instead (harness/trace/trace_yaml.c).
 */
#ifndef ALLOCREPLAY_YAML_TREE_H
#define ALLOCREPLAY_YAML_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum yaml_tree_kind { YAML_TREE_SCALAR, YAML_TREE_SEQUENCE, YAML_TREE_MAPPING };

struct yaml_tree_node {
    enum yaml_tree_kind kind;
    unsigned long line, column;    /* 1-based */
    char *value;                   /* scalars (never holding a NUL) */
    int quoted;                    /* scalar written in quotes: never a number or a boolean */
    struct yaml_tree_node **child; /* sequences: items; mappings: key, value, key, value, ... */
    size_t n_child;
};

/* What differs between the kinds of file read this way: the wording of their messages, and
 * two checks. */
struct yaml_tree_rules {
    const char *aliases; /* refuses an alias (*name) */
    const char *empty;   /* at 1:1, for a stream without a document */
    /* for a second document; NULL: the first document is read and the rest of the stream
     * is left unread */
    const char *one_document;
    /* for a mapping key that is not a scalar, checked once the mapping is read; NULL: the
     * caller checks keys */
    const char *keys;
};

/* Reads the YAML document of f (opened by the caller; path names it in messages), nested at
 * most INPUT_YAML_MAX_DEPTH deep. Returns the root, or NULL with one line in err:
 * "PATH:LINE:COLUMN: reason", libyaml's errors placed as input_yaml_error does. */
struct yaml_tree_node *yaml_tree_read(FILE *f, const char *path, const struct yaml_tree_rules *r,
                                      char *err, size_t err_len);

void yaml_tree_free(struct yaml_tree_node *n);

/* ---- typed values (yaml_value.c), one wording for every file read this way ----
 * Each returns 0 with *out set, or -1 with the reason in why, which the caller puts after the
 * node's position: "'NAME' must be a whole number, not 'five'". A quoted scalar is a string,
 * never a number or a boolean; values quoted in reasons are made printable and cut short. */

/* The value of key in a mapping, or NULL. */
const struct yaml_tree_node *yaml_tree_get(const struct yaml_tree_node *map, const char *key);
/* An unsigned integer in [lo, hi]; suffixes: K, M, G, T (powers of 1024) allowed. */
int yaml_tree_uint(const struct yaml_tree_node *n, const char *name, uint64_t lo, uint64_t hi,
                   int suffixes, uint64_t *out, char *why, size_t why_len);
/* A finite number in [lo, hi]. */
int yaml_tree_double(const struct yaml_tree_node *n, const char *name, double lo, double hi,
                     double *out, char *why, size_t why_len);
/* true or false. */
int yaml_tree_bool(const struct yaml_tree_node *n, const char *name, int *out, char *why,
                   size_t why_len);
/* A scalar, copied into *out (the old value freed); empty refused unless allow_empty. */
int yaml_tree_string(const struct yaml_tree_node *n, const char *name, int allow_empty, char **out,
                     char *why, size_t why_len);

#endif
