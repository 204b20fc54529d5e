/*
 * types/lists.c: libxl_string_list and libxl_key_value_list, the
 * NULL-terminated arrays of malloc'ed strings (a key-value list reads them
 * in pairs, and a value may be NULL): libxl 4.17's public helpers, their
 * JSON form and the builtin interface of types/builtins.h.
 */
#include <stdlib.h>
#include <string.h>

#include "types/builtin_impl.h"
#include "types/builtins.h"
#include "types/types_internal.h"

/* ------------------------------------------------------------ string list */

void libxl_string_list_dispose(libxl_string_list *psl)
{
    char **sl = *psl;

    if (!sl)
        return;
    for (size_t i = 0; sl[i]; i++)
        free(sl[i]);
    free(sl);
    *psl = NULL;
}

int libxl_string_list_length(const libxl_string_list *psl)
{
    int n = 0;

    if (*psl)
        while ((*psl)[n])
            n++;
    return n;
}

void libxl_string_list_copy(libxl_ctx *ctx, libxl_string_list *dst,
                            const libxl_string_list *src)
{
    int n = libxl_string_list_length(src);

    (void)ctx;
    if (!*src) {
        *dst = NULL;
        return;
    }
    *dst = lc_calloc((size_t)n + 1, sizeof(char *));
    for (int i = 0; i < n; i++)
        (*dst)[i] = lc_strdup((*src)[i]);
}

yajl_gen_status libxl_string_list_gen_json(yajl_gen hand,
                                           libxl_string_list *p)
{
    yajl_gen_status s;

    LC_YAJL(s, yajl_gen_array_open(hand));
    for (size_t i = 0; *p && (*p)[i]; i++)
        LC_YAJL(s, lc_yajl_gen_cstring(hand, (*p)[i]));
    return yajl_gen_array_close(hand);
}

void lc_string_list_write_json(lc_jw *w, const libxl_string_list *p)
{
    lc_jw_array_open(w);
    for (size_t i = 0; *p && (*p)[i]; i++)
        lc_jw_string(w, (*p)[i]);
    lc_jw_array_close(w);
}

void lc_string_list_init(libxl_string_list *p)
{
    *p = NULL;
}

void lc_string_list_dispose(libxl_string_list *p)
{
    libxl_string_list_dispose(p);
}

void lc_string_list_copy(libxl_ctx *ctx, libxl_string_list *dst,
                         const libxl_string_list *src)
{
    libxl_string_list_copy(ctx, dst, src);
}

bool lc_string_list_is_default(const libxl_string_list *p)
{
    return libxl_string_list_length(p) == 0;
}

/* A JSON string as a C string, or NULL if v is no string or holds a NUL
   (which a C string cannot carry). Points into v. */
static const char *json_cstring(json_object *v)
{
    const char *s;

    if (!json_object_is_type(v, json_type_string))
        return NULL;
    s = json_object_get_string(v);
    if (strlen(s) != (size_t)json_object_get_string_len(v))
        return NULL;
    return s;
}

/* An array of strings; [] is the empty (NULL) list. */
int lc_string_list_parse_json(json_object *v, libxl_string_list *p)
{
    size_t n;
    char **sl;

    if (!json_object_is_type(v, json_type_array))
        return ERROR_FAIL;
    n = json_object_array_length(v);
    for (size_t i = 0; i < n; i++)
        if (!json_cstring(json_object_array_get_idx(v, i)))
            return ERROR_FAIL;
    if (!n) {
        *p = NULL;
        return 0;
    }
    sl = lc_calloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        sl[i] = lc_strdup(json_cstring(json_object_array_get_idx(v, i)));
    *p = sl;
    return 0;
}

/* ------------------------------------------------------------ key-value list */

void libxl_key_value_list_dispose(libxl_key_value_list *pkvl)
{
    char **kvl = *pkvl;

    if (!kvl)
        return;
    for (size_t i = 0; kvl[i]; i += 2) {
        free(kvl[i]);
        free(kvl[i + 1]);
    }
    free(kvl);
    *pkvl = NULL;
}

/* The number of pairs. */
int libxl_key_value_list_length(const libxl_key_value_list *pkvl)
{
    int n = 0;

    if (*pkvl)
        while ((*pkvl)[2 * n])
            n++;
    return n;
}

void libxl_key_value_list_copy(libxl_ctx *ctx, libxl_key_value_list *dst,
                               const libxl_key_value_list *src)
{
    int n = libxl_key_value_list_length(src);

    (void)ctx;
    if (!*src) {
        *dst = NULL;
        return;
    }
    *dst = lc_calloc(2 * (size_t)n + 1, sizeof(char *));
    for (int i = 0; i < 2 * n; i += 2) {
        (*dst)[i] = lc_strdup((*src)[i]);
        (*dst)[i + 1] = lc_strdup((*src)[i + 1]);
    }
}

/* A map from key to value (null for a NULL value), in list order. */
yajl_gen_status libxl_key_value_list_gen_json(yajl_gen hand,
                                              libxl_key_value_list *p)
{
    yajl_gen_status s;

    LC_YAJL(s, yajl_gen_map_open(hand));
    for (size_t i = 0; *p && (*p)[i]; i += 2) {
        LC_YAJL(s, lc_yajl_gen_cstring(hand, (*p)[i]));
        LC_YAJL(s, lc_yajl_gen_cstring(hand, (*p)[i + 1]));
    }
    return yajl_gen_map_close(hand);
}

void lc_key_value_list_write_json(lc_jw *w, const libxl_key_value_list *p)
{
    lc_jw_map_open(w);
    for (size_t i = 0; *p && (*p)[i]; i += 2) {
        lc_jw_string(w, (*p)[i]);
        lc_jw_string(w, (*p)[i + 1]);
    }
    lc_jw_map_close(w);
}

void lc_key_value_list_init(libxl_key_value_list *p)
{
    *p = NULL;
}

void lc_key_value_list_dispose(libxl_key_value_list *p)
{
    libxl_key_value_list_dispose(p);
}

void lc_key_value_list_copy(libxl_ctx *ctx, libxl_key_value_list *dst,
                            const libxl_key_value_list *src)
{
    libxl_key_value_list_copy(ctx, dst, src);
}

bool lc_key_value_list_is_default(const libxl_key_value_list *p)
{
    return libxl_key_value_list_length(p) == 0;
}

/*
 * A map whose values are strings or null. As in libxl, {} gives an
 * allocated empty list, not NULL. Keys come in the order of the text; a
 * key given twice is kept once, with its last value (json-c merges them
 * while parsing; libxl would keep both pairs).
 */
int lc_key_value_list_parse_json(json_object *v, libxl_key_value_list *p)
{
    size_t n = 0, i = 0;
    char **kvl;

    if (!json_object_is_type(v, json_type_object))
        return ERROR_FAIL;
    json_object_object_foreach(v, key, val) {
        (void)key;
        if (val && !json_cstring(val))
            return ERROR_FAIL;
        n++;
    }
    kvl = lc_calloc(2 * n + 1, sizeof(char *));
    json_object_object_foreach(v, key2, val2) {
        kvl[i++] = lc_strdup(key2);
        kvl[i++] = val2 ? lc_strdup(json_cstring(val2)) : NULL;
    }
    *p = kvl;
    return 0;
}
