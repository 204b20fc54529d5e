/*
 * types/types_internal.h: what the generated types/_libxl_types.c needs
 * from types/json.c (JSON text in libxl's exact format; parsing with
 * json-c) and types/builtin_types.c. Internal to the library: nothing here is exported.
 */
#ifndef LIGHTCORE_TYPES_TYPES_INTERNAL_H
#define LIGHTCORE_TYPES_TYPES_INTERNAL_H

#include <stddef.h>
#include <json-c/json.h>

#include <libxl.h>

/*
 * Deepest nesting of arrays/objects from_json accepts. libxl's own types
 * nest a few levels; unknown members may hold more, up to this limit.
 * Deeper documents fail with ERROR_FAIL as soon as the limit is crossed.
 */
#define LC_JSON_MAX_DEPTH 64

/* ---- output: a text buffer printed the way libxl (yajl, beautified) does */

typedef struct {
    char *buf;
    size_t len, cap;
    int depth;          /* open maps */
    int entries[LC_JSON_MAX_DEPTH + 1]; /* keys written at each level */
    int failed;         /* allocation failed or nesting too deep */
} lc_jgen;

void lc_jgen_init(lc_jgen *g);
void lc_jgen_map_open(lc_jgen *g);
void lc_jgen_map_close(lc_jgen *g);
void lc_jgen_key(lc_jgen *g, const char *key);
/* s == NULL prints null. */
void lc_jgen_string(lc_jgen *g, const char *s);
void lc_jgen_null(lc_jgen *g);
void lc_jgen_bool(lc_jgen *g, bool b);
void lc_jgen_int(lc_jgen *g, long long v);
void lc_jgen_uint(lc_jgen *g, unsigned long long v);
void lc_jgen_uuid(lc_jgen *g, const libxl_uuid *u);
/* The text (malloc'ed, caller frees) or NULL if anything failed. */
char *lc_jgen_finish(lc_jgen *g);

/* ---- input */

/* Parses a whole document (trailing whitespace only). 0 or ERROR_FAIL.
   *out may be NULL for the document "null"; free with json_object_put. */
int lc_json_parse_document(const char *s, json_object **out);
/* The member called key, or NULL if absent or null. */
json_object *lc_json_member(json_object *o, const char *key);
/*
 * Finds the member whose key starts with prefix ("type."): 0 if there is
 * none, 1 with *member = the rest of the key and *value (NULL for null),
 * -1 if there are several.
 */
int lc_json_union_member(json_object *o, const char *prefix,
                         const char **member, json_object **value);

/* Each returns 0, or -1 if v has the wrong JSON type or is out of range. */
int lc_json_get_sint(json_object *v, long long min, long long max,
                     long long *out);
int lc_json_get_uint(json_object *v, unsigned long long max,
                     unsigned long long *out);
/* Any integer from INT64_MIN to UINT64_MAX, negatives taken modulo 2^64. */
int lc_json_get_u64_or_negative(json_object *v, unsigned long long *out);
int lc_json_get_bool(json_object *v, bool *out);
/* Replaces *out (freed) by a malloc'ed copy; strings holding NUL fail. */
int lc_json_get_string(json_object *v, char **out);
/* *out points into v. */
int lc_json_get_enum_string(json_object *v, const char **out);
/* "True", "False" or "<default>". */
int lc_json_get_defbool(json_object *v, libxl_defbool *out);
int lc_json_get_uuid(json_object *v, libxl_uuid *out);

/* ---- builtin_types.c */

/* Case-insensitive lookup of s in a string table: 0 and *v, or -1. */
int lc_enum_from_string(const libxl_enum_string_table *t, const char *s,
                        int *v);
/* strdup that aborts on allocation failure (libxl's contract); NULL -> NULL. */
char *lc_strdup(const char *s);

#endif
