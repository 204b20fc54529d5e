/*
 * types/json.c: the JSON glue of the generated type functions. Output is written
 * by hand in the byte-exact format of libxl 4.17 (yajl, beautified); input
 * is parsed with json-c under a depth limit and strict checking.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types/types_internal.h"

/* ------------------------------------------------------------ output */

void lc_jgen_init(lc_jgen *g)
{
    memset(g, 0, sizeof(*g));
}

static void put(lc_jgen *g, const char *s, size_t n)
{
    if (g->failed)
        return;
    if (g->len + n + 1 > g->cap) {
        size_t cap = g->cap ? g->cap : 256;
        char *nb;

        while (g->len + n + 1 > cap)
            cap *= 2;
        nb = realloc(g->buf, cap);
        if (!nb) {
            g->failed = 1;
            return;
        }
        g->buf = nb;
        g->cap = cap;
    }
    memcpy(g->buf + g->len, s, n);
    g->len += n;
    g->buf[g->len] = '\0';
}

static void puts_(lc_jgen *g, const char *s)
{
    put(g, s, strlen(s));
}

static void indent(lc_jgen *g, int levels)
{
    for (int i = 0; i < levels; i++)
        put(g, "    ", 4);
}

void lc_jgen_map_open(lc_jgen *g)
{
    if (g->depth >= LC_JSON_MAX_DEPTH) {
        g->failed = 1;
        return;
    }
    puts_(g, "{\n");
    g->entries[++g->depth] = 0;
}

void lc_jgen_map_close(lc_jgen *g)
{
    if (g->depth <= 0) {
        g->failed = 1;
        return;
    }
    /* yajl ends even an empty map with a newline before the brace. */
    g->depth--;
    put(g, "\n", 1);
    indent(g, g->depth);
    put(g, "}", 1);
}

static void string_body(lc_jgen *g, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *run = s;

    put(g, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[7];
        const char *rep = NULL;

        switch (c) {
        case '"':  rep = "\\\""; break;
        case '\\': rep = "\\\\"; break;
        case '\b': rep = "\\b"; break;
        case '\f': rep = "\\f"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        case '\t': rep = "\\t"; break;
        default:
            if (c < 0x20) {
                memcpy(esc, "\\u00", 4);
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                esc[6] = '\0';
                rep = esc;
            }
            break;
        }
        if (rep) {
            put(g, run, (size_t)(s - run));
            puts_(g, rep);
            run = s + 1;
        }
    }
    put(g, run, (size_t)(s - run));
    put(g, "\"", 1);
}

void lc_jgen_key(lc_jgen *g, const char *key)
{
    if (g->depth <= 0) {
        g->failed = 1;
        return;
    }
    if (g->entries[g->depth]++)
        put(g, ",\n", 2);
    indent(g, g->depth);
    string_body(g, key);
    put(g, ": ", 2);
}

void lc_jgen_string(lc_jgen *g, const char *s)
{
    if (s)
        string_body(g, s);
    else
        lc_jgen_null(g);
}

void lc_jgen_null(lc_jgen *g)
{
    puts_(g, "null");
}

void lc_jgen_bool(lc_jgen *g, bool b)
{
    puts_(g, b ? "true" : "false");
}

void lc_jgen_int(lc_jgen *g, long long v)
{
    char num[32];

    snprintf(num, sizeof(num), "%lld", v);
    puts_(g, num);
}

void lc_jgen_uint(lc_jgen *g, unsigned long long v)
{
    char num[32];

    snprintf(num, sizeof(num), "%llu", v);
    puts_(g, num);
}

void lc_jgen_uuid(lc_jgen *g, const libxl_uuid *u)
{
    char text[LIBXL_UUID_FMTLEN + 1];

    snprintf(text, sizeof(text), LIBXL_UUID_FMT, LIBXL_UUID_BYTES(*u));
    string_body(g, text);
}

char *lc_jgen_finish(lc_jgen *g)
{
    /* yajl ends a complete top-level value with a newline. */
    if (g->depth != 0)
        g->failed = 1;
    put(g, "\n", 1);
    if (g->failed) {
        free(g->buf);
        g->buf = NULL;
        return NULL;
    }
    return g->buf;
}

/* ------------------------------------------------------------ input */

/*
 * One linear pass over the text before json-c sees it, for what json-c
 * gets wrong even in strict mode: it saturates integers outside
 * [INT64_MIN, UINT64_MAX] instead of failing, and it accepts single-quoted
 * strings, NaN/Infinity, "1." and raw control characters inside strings.
 * Anything else malformed is left for json-c to report.
 */
static int digits_le(const char *d, size_t n, const char *limit)
{
    size_t ln = strlen(limit);

    while (n > 1 && *d == '0') {
        d++;
        n--;
    }
    if (n != ln)
        return n < ln;
    return memcmp(d, limit, n) <= 0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int prescan_ok(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        char c = s[i];

        if (c == '"') {
            for (i++; i < len && s[i] != '"'; i++) {
                if ((unsigned char)s[i] < 0x20)
                    return 0;
                if (s[i] == '\\')
                    i++;
            }
            i++;
        } else if (c == '-' || is_digit(c)) {
            int neg = c == '-';
            size_t start = i + neg, end = start;

            while (end < len && is_digit(s[end]))
                end++;
            i = end;
            if (i < len && s[i] == '.') {
                if (i + 1 >= len || !is_digit(s[i + 1]))
                    return 0;
            }
            if (i < len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) {
                /* a fraction or exponent: not an integer */
                while (i < len && strchr("0123456789.eE+-", s[i]))
                    i++;
                continue;
            }
            if (end > start &&
                !digits_le(s + start, end - start,
                           neg ? "9223372036854775808"
                               : "18446744073709551615"))
                return 0;
        } else if (c && strchr(" \t\n\r{}[],:truefalsn", c)) {
            i++;
        } else {
            return 0;
        }
    }
    return 1;
}

int lc_json_parse_document(const char *s, json_object **out)
{
    json_tokener *tok;
    json_object *o;
    size_t len;
    int flags = JSON_TOKENER_STRICT;

    *out = NULL;
    if (!s)
        return ERROR_FAIL;
    len = strlen(s);
    if (len >= (size_t)INT32_MAX || !prescan_ok(s, len))
        return ERROR_FAIL;
#ifdef JSON_TOKENER_VALIDATE_UTF8
    flags |= JSON_TOKENER_VALIDATE_UTF8;
#endif
    tok = json_tokener_new_ex(LC_JSON_MAX_DEPTH);
    if (!tok)
        return ERROR_FAIL;
    json_tokener_set_flags(tok, flags);
    /* The terminating NUL is passed too: it ends a top-level number. */
    o = json_tokener_parse_ex(tok, s, (int)len + 1);
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(o);
        json_tokener_free(tok);
        return ERROR_FAIL;
    }
    json_tokener_free(tok);
    *out = o;
    return 0;
}

json_object *lc_json_member(json_object *o, const char *key)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

int lc_json_union_member(json_object *o, const char *prefix,
                         const char **member, json_object **value)
{
    size_t plen = strlen(prefix);
    int found = 0;

    json_object_object_foreach(o, key, val) {
        if (strncmp(key, prefix, plen) != 0)
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

int lc_json_get_u64_or_negative(json_object *v, unsigned long long *out)
{
    int64_t n;

    if (!json_object_is_type(v, json_type_int))
        return -1;
    n = json_object_get_int64(v);
    if (n < 0)
        *out = (unsigned long long)n;
    else
        *out = json_object_get_uint64(v);
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

    if (!json_object_is_type(v, json_type_string))
        return -1;
    s = json_object_get_string(v);
    if (strlen(s) != (size_t)json_object_get_string_len(v))
        return -1; /* holds a NUL: not representable as a C string */
    copy = lc_strdup(s);
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
