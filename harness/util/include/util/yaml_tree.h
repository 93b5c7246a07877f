/* A small YAML document read into a tree of nodes that keep their positions, for the files
 * people write by hand (campaign files, generator specs): their readers validate by walking
 * the tree and can point at any node ("PATH:LINE:COLUMN: reason"). Traces, which can be
 * huge, are read from libyaml's events directly instead (harness/trace/trace_yaml.c).
 */
#ifndef ALLOCREPLAY_YAML_TREE_H
#define ALLOCREPLAY_YAML_TREE_H

#include <stddef.h>
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

#endif
