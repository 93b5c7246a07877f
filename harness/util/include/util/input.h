/* Helpers shared by the readers of files people write or hand over (traces, campaign files,
 * generator specs), so that every one of them reports bad input the same way: one line, the
 * real line and column, control characters never reaching the terminal. Part of the trace
 * library, which the campaign and generator libraries already link.
 */
#ifndef ALLOCREPLAY_INPUT_H
#define ALLOCREPLAY_INPUT_H

#include <stddef.h>
#include <stdio.h>
#include <yaml.h>

/* Copies at most n bytes of s into buf for quoting in a one-line message: control characters
 * (a newline in a YAML scalar, a CR) become '?', and a longer text ends with "...". Returns buf. */
const char *input_printable(char *buf, size_t len, const char *s, size_t n);

/* Refuses a missing path or a directory (which fopen accepts and libyaml then reports as an
 * unhelpful "input error"): writes "PATH: cannot open: REASON" or "PATH: is a directory, not
 * WHAT" into msg. Returns 0 or -1. */
int input_check(const char *path, const char *what, char *msg, size_t len);

/* The readers that build a tree recurse once per nesting level; real files nest a few levels,
 * and a hostile one must get an error rather than a stack overflow. */
#define INPUT_YAML_MAX_DEPTH 64

/* Writes p's error as "PATH:LINE:COLUMN: problem [context]" into msg (1-based). libyaml's
 * reader errors (bad UTF-8, control characters, a read error) carry a byte offset instead of
 * a mark: f, the parser's input, is then read again from the start to find the line and
 * column. A memory error gives "PATH: out of memory". Returns -1. */
int input_yaml_error(const yaml_parser_t *p, FILE *f, const char *path, char *msg, size_t len);

#endif
