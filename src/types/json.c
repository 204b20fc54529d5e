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
 * One linear pass over the text before json-c sees it, for two things.
 *
 * What json-c gets wrong even in strict mode: it saturates integers
 * outside [INT64_MIN, UINT64_MAX] instead of failing, and it accepts
 * single-quoted strings, NaN/Infinity, "1." and raw control characters
 * inside strings. Such text fails here; anything else malformed is left
 * for json-c to report.
 *
 * Duplicate members: libxl reads the first of several members with the
 * same name, json-c keeps the last. So every later duplicate
 * (", "key": value") is cut out of a copy of the text, made only when
 * there is one. Keys are compared as written (a key spelled with other
 * escapes is not recognised as the same). This part only follows the
 * structure and stops at the first thing it cannot follow (json-c rejects
 * that text anyway).
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

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* What may follow the integer part of a number that has a fraction or an
   exponent, up to the next token. */
static bool is_number_tail(char c)
{
    return is_digit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' ||
           c == '-';
}

/* Characters ending the quick part of the string loop. */
static bool ends_string_run(unsigned char c)
{
    return c == '"' || c == '\\' || c < 0x20;
}

typedef struct {
    size_t key, key_len;        /* the key's text, quotes excluded */
    uint64_t tag;               /* length and two bytes: a quick "differ" */
    size_t cut, cut_end;        /* ", "key": value" of this member */
} member_span;

typedef struct {
    bool object;
    bool in_value;              /* after the current member's ':' */
    size_t first;               /* this frame's first member in spans */
    size_t cut;                 /* where the current member's cut starts */
} scan_frame;

typedef struct {
    size_t start, end;
} cut_range;

/* The state of the pass; the members of all open objects share spans. */
typedef struct {
    const char *s;
    size_t len;
    scan_frame stack[LC_JSON_MAX_DEPTH + 1];
    int depth;
    bool lost;                  /* the structure is no longer followed */
    member_span local[64];
    member_span *spans;         /* local, or malloc'ed when it overflowed */
    size_t nspans, spans_cap;
    cut_range *cuts;
    size_t ncuts, cuts_cap;
} prepass;

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
    return x->tag == y->tag && x->key_len == y->key_len &&
           !memcmp(s + x->key, s + y->key, x->key_len);
}

static int add_cut(prepass *p, const member_span *m)
{
    if (p->ncuts == p->cuts_cap) {
        size_t ncap = p->cuts_cap ? p->cuts_cap * 2 : 16;
        cut_range *nc = realloc(p->cuts, ncap * sizeof(*nc));

        if (!nc)
            return -1;
        p->cuts = nc;
        p->cuts_cap = ncap;
    }
    p->cuts[p->ncuts++] = (cut_range){ m->cut, m->cut_end };
    return 0;
}

/*
 * Records a cut for every later duplicate among the n members m of a
 * closed object. Small objects are compared pairwise, large ones sorted
 * (by key, then position: the first of each run is kept). -1 if out of
 * memory.
 */
static int collect_duplicates(prepass *p, member_span *m, size_t n)
{
    if (n <= 32) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (same_key(p->s, &m[j], &m[i])) {
                    if (add_cut(p, &m[i]))
                        return -1;
                    break;
                }
        return 0;
    }
    qsort_r(m, n, sizeof(*m), by_key_then_position, (void *)p->s);
    for (size_t i = 1; i < n; i++)
        if (same_key(p->s, &m[i - 1], &m[i]) && add_cut(p, &m[i]))
            return -1;
    return 0;
}

/* Ends frame f's current member at position end. */
static void end_member(prepass *p, scan_frame *f, size_t end)
{
    if (f->object && f->in_value && p->nspans > f->first) {
        p->spans[p->nspans - 1].cut_end = end;
        f->in_value = false;
    }
}

static int push_member(prepass *p, scan_frame *f, size_t key,
                       size_t key_len)
{
    const unsigned char *k = (const unsigned char *)p->s + key;

    if (p->nspans == p->spans_cap) {
        size_t ncap = p->spans_cap * 2;
        member_span *ns;

        if (p->spans == p->local) {
            ns = malloc(ncap * sizeof(*ns));
            if (ns)
                memcpy(ns, p->local, sizeof(p->local));
        } else {
            ns = realloc(p->spans, ncap * sizeof(*ns));
        }
        if (!ns)
            return -1;
        p->spans = ns;
        p->spans_cap = ncap;
    }
    p->spans[p->nspans++] = (member_span){
        .key = key, .key_len = key_len,
        .tag = (uint64_t)key_len << 16 |
               (key_len ? (unsigned)k[0] << 8 | k[key_len - 1] : 0),
        .cut = f->cut, .cut_end = p->len,
    };
    f->in_value = true;
    return 0;
}

/* 1: the text passes; 0: it fails; -1: out of memory. */
static int prepass_run(prepass *p)
{
    const char *s = p->s;
    size_t len = p->len, i = 0;
    size_t pending_key = 0, pending_len = 0;
    bool have_key = false;

    while (i < len) {
        char c = s[i];
        scan_frame *top = p->depth ? &p->stack[p->depth - 1] : NULL;

        if (p->lost)
            top = NULL;
        switch (c) {
        case '"': {
            size_t start = ++i;

            for (;;) {
                while (i < len && !ends_string_run((unsigned char)s[i]))
                    i++;
                if (i >= len || s[i] == '"')
                    break;
                if (s[i] != '\\')
                    return 0;           /* a raw control character */
                i += 2;
            }
            if (top && top->object && !top->in_value) {
                pending_key = start;
                pending_len = (i < len ? i : len) - start;
                have_key = true;
            }
            i++;
            break;
        }
        case ':':
            if (top && top->object && have_key) {
                if (push_member(p, top, pending_key, pending_len))
                    return -1;
                have_key = false;
            }
            i++;
            break;
        case ',':
            if (top) {
                end_member(p, top, i);
                top->cut = i;
            }
            i++;
            break;
        case '{':
        case '[':
            if (!p->lost) {
                if (p->depth == LC_JSON_MAX_DEPTH + 1) {
                    p->lost = true;     /* json-c rejects it anyway */
                } else {
                    p->stack[p->depth++] = (scan_frame){
                        .object = c == '{', .first = p->nspans,
                        .cut = i + 1 };
                    have_key = false;
                }
            }
            i++;
            break;
        case '}':
        case ']':
            if (!p->lost && !top) {
                p->lost = true;         /* malformed: json-c's to report */
            } else if (top) {
                end_member(p, top, i);
                if (top->object && p->nspans - top->first > 1 &&
                    collect_duplicates(p, p->spans + top->first,
                                       p->nspans - top->first))
                    return -1;
                p->nspans = top->first;
                p->depth--;
            }
            i++;
            break;
        case ' ': case '\t': case '\n': case '\r':
        case 't': case 'r': case 'u': case 'e':
        case 'f': case 'a': case 'l': case 's': case 'n':
            i++;
            break;
        case '-':
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9': {
            bool neg = c == '-';
            size_t start = i + neg, end = start;

            while (end < len && is_digit(s[end]))
                end++;
            i = end;
            if (i < len && s[i] == '.' &&
                (i + 1 >= len || !is_digit(s[i + 1])))
                return 0;
            if (i < len && (s[i] == '.' || s[i] == 'e' || s[i] == 'E')) {
                /* a fraction or exponent: not an integer */
                while (i < len && is_number_tail(s[i]))
                    i++;
                break;
            }
            if (end > start &&
                !digits_le(s + start, end - start,
                           neg ? "9223372036854775808"
                               : "18446744073709551615"))
                return 0;
            break;
        }
        default:
            return 0;
        }
    }
    return 1;
}

/*
 * 0 with *copy NULL (nothing to cut) or a malloc'ed copy of s without the
 * later duplicate members; ERROR_FAIL if the text fails the pre-pass or
 * memory ran out.
 */
static int prepass_text(const char *s, size_t len, char **copy)
{
    prepass state, *p = &state;
    int ok;

    *copy = NULL;
    p->s = s;
    p->len = len;
    p->depth = 0;
    p->lost = false;
    p->spans = p->local;
    p->nspans = 0;
    p->spans_cap = sizeof(p->local) / sizeof(p->local[0]);
    p->cuts = NULL;
    p->ncuts = p->cuts_cap = 0;

    ok = prepass_run(p);
    if (ok == 1 && p->ncuts) {
        /* Cut the ranges out; one inside another is already gone with it. */
        size_t at = 0, n = 0;

        qsort(p->cuts, p->ncuts, sizeof(*p->cuts), by_start);
        *copy = malloc(len + 1);
        if (*copy) {
            for (size_t k = 0; k < p->ncuts; k++) {
                if (p->cuts[k].start < at)
                    continue;
                memcpy(*copy + n, s + at, p->cuts[k].start - at);
                n += p->cuts[k].start - at;
                at = p->cuts[k].end;
            }
            memcpy(*copy + n, s + at, len - at);
            (*copy)[n + len - at] = '\0';
        } else {
            ok = -1;
        }
    }
    if (p->spans != p->local)
        free(p->spans);
    free(p->cuts);
    return ok == 1 ? 0 : ERROR_FAIL;
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
    if (len >= (size_t)INT32_MAX || prepass_text(s, len, &dedup))
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

static int by_name(const void *key, const void *entry)
{
    return strcmp(key, *(const char *const *)entry);
}

int lc_json_key_index(const char *key, const char *const *keys, int n)
{
    const char *const *k = bsearch(key, keys, (size_t)n, sizeof(*keys),
                                   by_name);

    return k ? (int)(k - keys) : -1;
}
