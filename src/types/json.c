/*
 * types/json.c: the JSON glue of the generated type functions. Output goes
 * through yajl configured as libxl 4.17 configures it (beautified), so the
 * text is byte for byte libxl's; input is parsed with json-c under a depth
 * limit and strict checking. Nothing here writes JSON text by hand.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "types/types_internal.h"

/* ------------------------------------------------------------ output */

yajl_gen lc_yajl_gen_alloc(void)
{
    return libxl_yajl_gen_alloc(NULL);
}

char *lc_yajl_gen_finish(libxl_ctx *ctx, const char *type, yajl_gen hand,
                         yajl_gen_status status)
{
    const unsigned char *buf;
    size_t len;
    char *text = NULL;

    if (status == yajl_gen_status_ok)
        status = yajl_gen_get_buf(hand, &buf, &len);
    if (status == yajl_gen_status_ok) {
        text = strdup((const char *)buf);
        if (!text && ctx)
            LOGE(ctx, ERROR, "no memory for the JSON text of %s", type);
    } else if (ctx) {
        LOG(ctx, ERROR, "cannot write %s as JSON (yajl status %d)",
            type, (int)status);
    }
    yajl_gen_free(hand);
    return text;
}

yajl_gen_status lc_yajl_gen_asciiz(yajl_gen hand, const char *s)
{
    if (!s)
        return yajl_gen_null(hand);
    return yajl_gen_string(hand, (const unsigned char *)s, strlen(s));
}

yajl_gen_status lc_yajl_gen_uint64(yajl_gen hand, uint64_t v)
{
    char digits[24];
    int len = snprintf(digits, sizeof(digits), "%" PRIu64, v);

    return yajl_gen_number(hand, digits, (size_t)len);
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

/*
 * Duplicate members. libxl reads the first of several members with the
 * same name; json-c keeps the last. So before json-c sees the text, every
 * later duplicate ("..., "key": value") is cut out of a copy of it. Keys
 * are compared as written (a key spelled with other escapes is not
 * recognised as the same). The scan only follows the structure: anything
 * malformed is left for json-c to reject.
 */
typedef struct {
    size_t key, key_len;        /* the key's text, quotes excluded */
    size_t cut, cut_end;        /* ", "key": value" of this member */
} member_span;

typedef struct {
    bool object;
    member_span *m;
    size_t n, cap;
    bool in_value;              /* after the current member's ':' */
    size_t cut;                 /* where the current member's cut starts */
} scan_frame;

typedef struct {
    size_t start, end;
} cut_range;

static int by_key_then_position(const void *a, const void *b, void *text)
{
    const member_span *x = a, *y = b;
    const char *t = text;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(t + x->key, t + y->key, n);

    if (c)
        return c;
    if (x->key_len != y->key_len)
        return x->key_len < y->key_len ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key;
}

static int by_start(const void *a, const void *b)
{
    const cut_range *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

static bool same_key(const char *s, const member_span *x,
                     const member_span *y)
{
    return x->key_len == y->key_len && !memcmp(s + x->key, s + y->key,
                                                x->key_len);
}

/* Appends to *cuts every later duplicate of frame f. -1 if out of memory. */
static int collect_duplicates(const char *s, scan_frame *f, cut_range **cuts,
                              size_t *ncuts, size_t *cap)
{
    /* sorted by key, then position: the first of each run is kept */
    qsort_r(f->m, f->n, sizeof(*f->m), by_key_then_position, (void *)s);
    for (size_t i = 1; i < f->n; i++) {
        if (!same_key(s, &f->m[i - 1], &f->m[i]))
            continue;
        if (*ncuts == *cap) {
            size_t ncap = *cap ? *cap * 2 : 16;
            cut_range *nc = realloc(*cuts, ncap * sizeof(*nc));

            if (!nc)
                return -1;
            *cuts = nc;
            *cap = ncap;
        }
        (*cuts)[(*ncuts)++] = (cut_range){ f->m[i].cut, f->m[i].cut_end };
    }
    return 0;
}

/* Ends frame f's current member at position end. */
static void end_member(scan_frame *f, size_t end)
{
    if (f->object && f->in_value && f->n) {
        f->m[f->n - 1].cut_end = end;
        f->in_value = false;
    }
}

/*
 * 0 with *copy NULL (nothing to cut) or a malloc'ed copy without the
 * later duplicates; -1 if memory ran out.
 */
static int drop_duplicate_members(const char *s, size_t len, char **copy)
{
    scan_frame stack[LC_JSON_MAX_DEPTH + 1];
    int depth = 0, rc = 0;
    cut_range *cuts = NULL;
    size_t ncuts = 0, cuts_cap = 0, i = 0;
    size_t pending_key = 0, pending_len = 0;
    bool have_key = false;

    *copy = NULL;
    while (i < len) {
        char c = s[i];
        scan_frame *top = depth ? &stack[depth - 1] : NULL;

        if (c == '"') {
            size_t start = ++i;

            while (i < len && s[i] != '"')
                i += s[i] == '\\' ? 2 : 1;
            if (top && top->object && !top->in_value) {
                pending_key = start;
                pending_len = (i < len ? i : len) - start;
                have_key = true;
            }
            i++;
        } else if (c == ':' && top && top->object && have_key) {
            if (top->n == top->cap) {
                size_t ncap = top->cap ? top->cap * 2 : 8;
                member_span *nm = realloc(top->m, ncap * sizeof(*nm));

                if (!nm) {
                    rc = -1;
                    break;
                }
                top->m = nm;
                top->cap = ncap;
            }
            top->m[top->n++] = (member_span){ pending_key, pending_len,
                                              top->cut, len };
            top->in_value = true;
            have_key = false;
            i++;
        } else if (c == ',' && top) {
            end_member(top, i);
            top->cut = i;
            i++;
        } else if (c == '{' || c == '[') {
            if (depth == LC_JSON_MAX_DEPTH + 1)
                break;          /* json-c rejects it anyway */
            stack[depth++] = (scan_frame){ .object = c == '{', .cut = i + 1 };
            have_key = false;
            i++;
        } else if (c == '}' || c == ']') {
            if (!top)
                break;          /* malformed: json-c's to report */
            end_member(top, i);
            if (top->object && top->n > 1 &&
                collect_duplicates(s, top, &cuts, &ncuts, &cuts_cap)) {
                rc = -1;
                break;
            }
            free(top->m);
            depth--;
            i++;
        } else {
            i++;
        }
    }
    while (depth > 0)
        free(stack[--depth].m);
    if (rc || !ncuts) {
        free(cuts);
        return rc;
    }

    /* Cut the ranges out; one inside another is already gone with it. */
    qsort(cuts, ncuts, sizeof(*cuts), by_start);
    *copy = malloc(len + 1);
    if (*copy) {
        size_t at = 0, n = 0;

        for (size_t k = 0; k < ncuts; k++) {
            if (cuts[k].start < at)
                continue;
            memcpy(*copy + n, s + at, cuts[k].start - at);
            n += cuts[k].start - at;
            at = cuts[k].end;
        }
        memcpy(*copy + n, s + at, len - at);
        (*copy)[n + len - at] = '\0';
    } else {
        rc = -1;
    }
    free(cuts);
    return rc;
}

int lc_json_parse_document(const char *s, json_object **out)
{
    json_tokener *tok;
    json_object *o;
    char *dedup;
    size_t len;
    int flags = JSON_TOKENER_STRICT;

    *out = NULL;
    if (!s)
        return ERROR_FAIL;
    len = strlen(s);
    if (len >= (size_t)INT32_MAX || !prescan_ok(s, len))
        return ERROR_FAIL;
    if (drop_duplicate_members(s, len, &dedup))
        return ERROR_FAIL;
    if (dedup) {
        s = dedup;
        len = strlen(s);
    }
#ifdef JSON_TOKENER_VALIDATE_UTF8
    flags |= JSON_TOKENER_VALIDATE_UTF8;
#endif
    tok = json_tokener_new_ex(LC_JSON_MAX_DEPTH);
    if (!tok) {
        free(dedup);
        return ERROR_FAIL;
    }
    json_tokener_set_flags(tok, flags);
    /* The terminating NUL is passed too: it ends a top-level number. */
    o = json_tokener_parse_ex(tok, s, (int)len + 1);
    free(dedup);
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

bool lc_json_member_present(json_object *o, const char *key,
                            json_object **value)
{
    *value = NULL;
    return json_object_object_get_ex(o, key, value);
}

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
