/*
 * types/types_internal.h: what the generated types/_libxl_types.c needs
 * from types/json_yajl.c (writing into a yajl generator), types/json.c
 * (parsing documents with json-c), types/json_values.c (reading their
 * values) and types/builtin_types.c. Internal to the library: nothing
 * here is exported.
 */
#ifndef LIGHTCORE_TYPES_TYPES_INTERNAL_H
#define LIGHTCORE_TYPES_TYPES_INTERNAL_H

#include <stddef.h>
#include <json-c/json.h>

#include <libxl.h>
#include <libxl_json.h>

/*
 * Deepest nesting of arrays/objects from_json accepts. libxl's own types
 * nest a few levels; unknown members may hold more, up to this limit.
 * Deeper documents fail with ERROR_FAIL as soon as the limit is crossed.
 */
#define LC_JSON_MAX_DEPTH 64

/* The "no guest frame" initial value of libxl_iomem_range.gfn (libxl
   keeps this constant private). */
#define LIBXL_INVALID_GFN (~(uint64_t)0)

/* ---- output into the caller's yajl generator (json_yajl.c; to_json's
   own writer is types/json_write.h) */

/* s as a JSON string, or null when s is NULL. */
yajl_gen_status lc_yajl_gen_asciiz(yajl_gen hand, const char *s);
/* An unsigned 64-bit number, all of its digits. */
yajl_gen_status lc_yajl_gen_uint64(yajl_gen hand, uint64_t v);

/* In generated gen_json functions: s = call, and on failure goto out. */
#define LC_GEN(call) do {                                               \
        s = (call);                                                     \
        if (s != yajl_gen_status_ok)                                    \
            goto out;                                                   \
    } while (0)

/* ---- input */

/* Parses a whole document (trailing whitespace only). 0 or ERROR_FAIL.
   *out may be NULL for the document "null"; free with json_object_put. */
int lc_json_parse_document(const char *s, json_object **out);
/*
 * The same for the generated parsers of structs, with less heap: when the
 * document is an object, its members' objects and arrays may be parsed
 * only when lc_json_expand is called on them (see json.c). Every
 * json_object_is_type test still holds before expanding.
 */
int lc_json_open_document(const char *s, json_object **out);
/* Replaces *v by its parsed value if it is such a member; 0, or -1 if
   json-c rejects that part of the text. The previous one is freed. */
int lc_json_expand(json_object **v);
/* Frees o. With rc 0, first checks every part never expanded and returns
   ERROR_FAIL if json-c rejects one; otherwise returns rc. */
int lc_json_close_document(json_object *o, int rc);
/* The index of key in keys (n names in strcmp order), or -1. */
int lc_json_key_index(const char *key, const char *const *keys, int n);
/*
 * Finds the member whose key starts with prefix ("type.") and whose value
 * is not null: 0 if there is none, 1 with *member = the rest of the key
 * and *value, -1 if there are several.
 */
int lc_json_union_member(json_object *o, const char *prefix,
                         const char **member, json_object **value);

/* Each returns 0, or -1 if v has the wrong JSON type or is out of range. */
int lc_json_get_sint(json_object *v, long long min, long long max,
                     long long *out);
int lc_json_get_uint(json_object *v, unsigned long long max,
                     unsigned long long *out);
int lc_json_get_bool(json_object *v, bool *out);
/* Numbers parsed by the generated code pass through one of these. */
typedef union {
    long long s;
    unsigned long long u;
    int i;
} lc_json_number;

/* Replaces *out (freed) by a malloc'ed copy; strings holding NUL fail. */
int lc_json_get_string(json_object *v, char **out);
/* *out points into v. */
int lc_json_get_enum_string(json_object *v, const char **out);
/* A string naming a value of the enumeration whose table is t. */
int lc_json_get_enum(json_object *v, const libxl_enum_string_table *t,
                     int *out);
/*
 * An array member: *elems = a zeroed array of json_object_array_length(v)
 * elements of size elem_size (NULL when empty; aborts if memory runs
 * out), *count = its length. -1 if v is not an array or is too long
 * for an int count.
 */
int lc_json_array_start(json_object *v, void **elems, size_t elem_size,
                        int *count);
/* "True", "False" or "<default>". */
int lc_json_get_defbool(json_object *v, libxl_defbool *out);
int lc_json_get_uuid(json_object *v, libxl_uuid *out);

/* ---- builtin_types.c */

/* Case-insensitive lookup of s in a string table: 0 and *v, or -1. */
int lc_enum_from_string(const libxl_enum_string_table *t, const char *s,
                        int *v);
/* strdup that aborts on allocation failure (libxl's contract); NULL -> NULL. */
char *lc_strdup(const char *s);
/* Zeroed array of n elements of size bytes (NULL when n <= 0); aborts on
   allocation failure. */
void *lc_calloc_array(int n, size_t size);

#endif
