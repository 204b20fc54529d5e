/*
 * types/json_values.c: what the generated parsers read JSON values with
 * (json-c objects, after types/json.c has parsed the text): integers in
 * range, booleans, strings, enumeration names, arrays, keyed-union
 * members, member names (types/types_internal.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/types_internal.h"

int lc_json_union_member(json_object *o, const char *prefix,
                         const char **member, json_object **value)
{
    size_t plen = strlen(prefix);
    int found = 0;

    json_object_object_foreach(o, key, val) {
        /* libxl looks for union members that are objects: a member
           whose value is null is not there */
        if (strncmp(key, prefix, plen) != 0 || !val)
            continue;
        if (found++)
            return -1;
        *member = key + plen;
        *value = val;
    }
    return found;
}

int lc_json_get_sint(json_object *v, long long min, long long max,
                     long long *out)
{
    int64_t n;

    if (!json_object_is_type(v, json_type_int))
        return -1;
    n = json_object_get_int64(v);
    /* values above INT64_MAX read back as INT64_MAX: check the unsigned */
    if (n == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX)
        return -1;
    if (n < min || n > max)
        return -1;
    *out = n;
    return 0;
}

int lc_json_get_uint(json_object *v, unsigned long long max,
                     unsigned long long *out)
{
    uint64_t n;

    if (!json_object_is_type(v, json_type_int))
        return -1;
    if (json_object_get_int64(v) < 0)
        return -1;
    n = json_object_get_uint64(v);
    if (n > max)
        return -1;
    *out = n;
    return 0;
}

int lc_json_get_bool(json_object *v, bool *out)
{
    if (!json_object_is_type(v, json_type_boolean))
        return -1;
    *out = json_object_get_boolean(v);
    return 0;
}

int lc_json_get_string(json_object *v, char **out)
{
    const char *s;
    char *copy;
    size_t n;

    if (!json_object_is_type(v, json_type_string))
        return -1;
    s = json_object_get_string(v);
    n = (size_t)json_object_get_string_len(v);
    if (memchr(s, '\0', n))
        return -1; /* holds a NUL: not representable as a C string */
    copy = malloc(n + 1);
    if (!copy) {
        fprintf(stderr, "lightcore: out of memory copying a string\n");
        abort();
    }
    memcpy(copy, s, n + 1);
    free(*out);
    *out = copy;
    return 0;
}

int lc_json_get_enum_string(json_object *v, const char **out)
{
    if (!json_object_is_type(v, json_type_string))
        return -1;
    *out = json_object_get_string(v);
    return 0;
}

int lc_json_get_defbool(json_object *v, libxl_defbool *out)
{
    const char *s;

    if (!json_object_is_type(v, json_type_string))
        return -1;
    s = json_object_get_string(v);
    if (!strcmp(s, "True"))
        libxl_defbool_set(out, true);
    else if (!strcmp(s, "False"))
        libxl_defbool_set(out, false);
    else if (!strcmp(s, "<default>"))
        libxl_defbool_unset(out);
    else
        return -1;
    return 0;
}

int lc_json_get_uuid(json_object *v, libxl_uuid *out)
{
    if (!json_object_is_type(v, json_type_string))
        return -1;
    return libxl_uuid_from_string(out, json_object_get_string(v)) ? -1 : 0;
}

int lc_json_get_enum(json_object *v, const libxl_enum_string_table *t,
                     int *out)
{
    if (!json_object_is_type(v, json_type_string))
        return -1;
    return lc_enum_from_string(t, json_object_get_string(v), out) ? -1 : 0;
}

int lc_json_array_start(json_object *v, void **elems, size_t elem_size,
                        int *count)
{
    size_t n;

    if (!json_object_is_type(v, json_type_array))
        return -1;
    n = json_object_array_length(v);
    if (n > (size_t)INT32_MAX)
        return -1;
    *elems = lc_calloc_array((int)n, elem_size);
    *count = (int)n;
    return 0;
}

int lc_json_key_index(const char *key, const char *const *keys, int n)
{
    unsigned char k0 = (unsigned char)key[0];
    int lo = 0, hi = n;

    /* a binary search; names mostly differ in their first byte */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int c = (int)k0 - (unsigned char)keys[mid][0];

        if (!c && k0)
            c = strcmp(key + 1, keys[mid] + 1);
        if (!c)
            return mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}
