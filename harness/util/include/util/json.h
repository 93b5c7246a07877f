/* A small streaming JSON writer (RFC 8259) for the --format json outputs (docs/json.md).
 * Commas, indentation and the nesting are kept by the writer; strings are escaped (control
 * characters as \uXXXX, bytes that are not UTF-8 as U+FFFD, so the output is always valid
 * JSON); numbers go through number_format(): whole numbers exactly as integers, NaN and
 * infinities as null.
 *
 *   struct json j;
 *   json_init(&j, stdout);
 *   json_object_begin(&j);
 *   json_key(&j, "events"); json_u64(&j, 12);
 *   json_object_end(&j);
 *   json_finish(&j);          // a final newline; 0, or -1 when a write failed
 */
#ifndef ALLOCREPLAY_JSON_H
#define ALLOCREPLAY_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
    FILE *f;
    int depth;
    int after_key;                        /* a key was written: the value follows on its line */
    int too_deep;                         /* nested deeper than JSON_MAX_DEPTH */
    unsigned char count[JSON_MAX_DEPTH];  /* per open container: 0 empty, 1 has members */
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
/* The key of the next member of the current object. */
void json_key(struct json *j, const char *key);
/* A string value; NULL writes null. */
void json_string(struct json *j, const char *s);
void json_number(struct json *j, double v);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* Ends the document with a newline and flushes. Returns 0, or -1 when a write failed, the
 * containers were not all closed or were nested deeper than JSON_MAX_DEPTH. */
int json_finish(struct json *j);

#endif
