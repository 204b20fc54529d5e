/*
 * types/json.c: the JSON input of the generated type functions: text is
 * parsed with json-c under a depth limit and strict checking. (Output is
 * types/json_write.c's for to_json and types/json_yajl.c's helpers for
 * the yajl generators.)
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "types/types_internal.h"

/* ------------------------------------------------------------ input */

/*
 * One linear pass over the text before json-c sees it, for four things.
 *
 * What json-c gets wrong even in strict mode: it saturates integers
 * outside [INT64_MIN, UINT64_MAX] instead of failing, and it accepts
 * single-quoted strings, NaN/Infinity, "1." and raw control characters
 * inside strings. Such text fails here; anything else malformed is left
 * for json-c to report.
 *
 * UTF-8: strings are checked here as json-c would check them (see
 * utf8_sequence_end), and json-c is spared the check.
 *
 * Duplicate members: libxl reads the first of several members with the
 * same name, json-c keeps the last. So every later duplicate
 * (", "key": value") is cut out of a copy of the text, made only when
 * there is one. Keys are compared as written (a key spelled with other
 * escapes is not recognised as the same). This part only follows the
 * structure and stops at the first thing it cannot follow (json-c rejects
 * that text anyway).
 *
 * The text json-c reads: a copy without the whitespace between tokens
 * (json-c's tokener costs per character, and indented text is ~40%
 * whitespace), but for one space in a run between two numbers or
 * literals, so that json-c accepts and rejects exactly what it would.
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

/* Characters ending the quick part of the string loop: '"', '\\', the
   control characters and the bytes of multi-byte UTF-8 sequences. */
#define SIXTEEN_ONES 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1
static const bool ends_string_run[256] = {
    [0x00] = SIXTEEN_ONES,
    [0x10] = SIXTEEN_ONES,
    ['"'] = 1, ['\\'] = 1,
    [0x80] = SIXTEEN_ONES, SIXTEEN_ONES, SIXTEEN_ONES, SIXTEEN_ONES,
    SIXTEEN_ONES, SIXTEEN_ONES, SIXTEEN_ONES, SIXTEEN_ONES,
};

/*
 * UTF-8 inside strings, checked as json-c's JSON_TOKENER_VALIDATE_UTF8
 * checks it (so that the pieces need not be checked again by json-c, which
 * costs it ~15% more): a byte 0xC0-0xDF, 0xE0-0xEF or 0xF0-0xF7 must be
 * followed by one, two or three bytes 0x80-0xBF; any other byte from 0x80
 * on is wrong where a character starts. (json-c's check is no stricter:
 * overlong forms and surrogates pass.) s[i] >= 0x80; returns where the
 * scan goes on, with *bad set if the sequence is wrong.
 */
static size_t utf8_sequence_end(const char *s, size_t i, size_t len,
                                bool *bad)
{
    unsigned char lead = (unsigned char)s[i];
    size_t more;

    if ((lead & 0xe0) == 0xc0)
        more = 1;
    else if ((lead & 0xf0) == 0xe0)
        more = 2;
    else if ((lead & 0xf8) == 0xf0)
        more = 3;
    else {
        *bad = true;
        return i + 1;
    }
    for (i++; more; more--, i++) {
        if (i >= len || ((unsigned char)s[i] & 0xc0) != 0x80) {
            *bad = true;
            return i;       /* that byte is looked at as itself */
        }
    }
    return i;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/*
 * Word-at-a-time skips for the two long runs of indented text: a
 * string's plain ASCII characters and indentation. They only move i past
 * eight-byte words that surely belong to the run (the byte loops after
 * them decide where it ends). ONES has a 1 in each byte; (x - ONES) & ~x
 * & HIGHS is non-zero when some byte of x is zero, and (x - n * ONES) &
 * ~x & HIGHS when some byte is below n (n <= 128).
 */
#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static size_t skip_plain_words(const char *s, size_t i, size_t len)
{
    while (i + 8 <= len) {
        uint64_t v, q, b;

        memcpy(&v, s + i, 8);
        q = v ^ ('"' * ONES);
        b = v ^ ('\\' * ONES);
        if ((((q - ONES) & ~q) | ((b - ONES) & ~b) |
             ((v - 0x20 * ONES) & ~v) | v) & HIGHS)
            break;
        i += 8;
    }
    return i;
}

static size_t skip_space_words(const char *s, size_t i, size_t len)
{
    while (i + 8 <= len && !memcmp(s + i, "        ", 8))
        i += 8;
    return i;
}

/* Part of a number or a literal (the pre-pass lets no other through). */
static bool is_word(char c)
{
    switch (c) {
    case ' ': case '\n': case '\t': case '\r':
    case '{': case '}': case '[': case ']': case ',': case ':': case '"':
        return false;
    default:
        return true;
    }
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

/* The most container members of a top-level object parsed piece by piece
   (see lc_json_open_document); with more, the text is parsed whole. */
#define MAX_PIECES 32

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
    /* the text without the whitespace json-c does not need (a run
       between two tokens that are numbers or literals becomes a space) */
    char *out;
    size_t olen;
    /* the values of the top-level object's members that are objects or
       arrays, [start, end) in out; too_many when they do not fit */
    cut_range pieces[MAX_PIECES];
    size_t npieces;
    bool too_many;
    /* a string is not UTF-8 as json-c's check wants it (decided after the
       pass: see prepass_text) */
    bool bad_utf8;
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
        scan_frame *top = p->depth && !p->lost ? &p->stack[p->depth - 1]
                                               : NULL;
        size_t tok = i, end;

        switch (c) {
        case '"': {
            size_t start = ++i;

            for (;;) {
                i = skip_plain_words(s, i, len);
                while (i < len && !ends_string_run[(unsigned char)s[i]])
                    i++;
                if (i >= len || s[i] == '"')
                    break;
                if ((unsigned char)s[i] >= 0x80) {
                    i = utf8_sequence_end(s, i, len, &p->bad_utf8);
                    continue;
                }
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
                    if (p->depth == 1 && top->object && top->in_value) {
                        if (p->npieces == MAX_PIECES)
                            p->too_many = true;
                        else
                            p->pieces[p->npieces++] =
                                (cut_range){ p->olen, 0 };
                    }
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
                if (p->depth == 2 && p->npieces &&
                    !p->pieces[p->npieces - 1].end)
                    p->pieces[p->npieces - 1].end = p->olen + 1;
                p->depth--;
            }
            i++;
            break;
        case ' ': case '\t': case '\n': case '\r':
            /* (indented text has long runs) */
            i = skip_space_words(s, i + 1, len);
            while (i < len && is_space(s[i]))
                i++;
            if (p->olen && i < len && is_word(p->out[p->olen - 1]) &&
                is_word(s[i]))
                p->out[p->olen++] = ' ';
            continue;
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
        end = i < len ? i : len;
        if (end - tok == 1) {
            p->out[p->olen++] = c;
        } else {
            memcpy(p->out + p->olen, s + tok, end - tok);
            p->olen += end - tok;
        }
    }
    p->out[p->olen] = '\0';
    return 1;
}

/*
 * Runs the pre-pass over s into *p. 0 with either *copy, a malloc'ed copy
 * of s without the later duplicate members, or (nothing to cut) *copy
 * NULL and p->out, the malloc'ed text without the needless whitespace;
 * ERROR_FAIL if the text fails the pre-pass or memory ran out.
 */
static int prepass_text(prepass *p, const char *s, size_t len, char **copy)
{
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
    p->npieces = 0;
    p->too_many = false;
    p->bad_utf8 = false;
    p->olen = 0;
    p->out = malloc(len + 1);
    if (!p->out)
        return ERROR_FAIL;

    ok = prepass_run(p);
    /* Bad UTF-8 fails the text, unless members are cut out: it may be in
       one of them, and json-c checks the copy (see parse_whole). */
    if (ok == 1 && p->bad_utf8 && !p->ncuts)
        ok = 0;
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
    if (ok != 1 || *copy) {
        free(p->out);
        p->out = NULL;
    }
    return ok == 1 ? 0 : ERROR_FAIL;
}

/* check_utf8: json-c checks the strings' UTF-8 too (for a text the
   pre-pass has not checked). */
static json_tokener *new_tokener(int depth, bool check_utf8)
{
    json_tokener *tok = json_tokener_new_ex(depth);
    int flags = JSON_TOKENER_STRICT;

#ifdef JSON_TOKENER_VALIDATE_UTF8
    if (check_utf8)
        flags |= JSON_TOKENER_VALIDATE_UTF8;
#else
    (void)check_utf8;
#endif
    if (tok)
        json_tokener_set_flags(tok, flags);
    return tok;
}

/*
 * The tokener of the piecewise documents (the most frequent kind) is kept
 * from one document to the next, one per thread: creating it costs an
 * allocation of its nesting stack, about 2.5 KiB. A thread's spare is
 * freed when the thread exits (the key's destructor; the variable keeps
 * the main thread's reachable).
 */
static __thread json_tokener *spare_tokener;
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static bool spare_key_ok;

static void free_spare(void *tok)
{
    json_tokener_free(tok);
    spare_tokener = NULL;
}

static void make_spare_key(void)
{
    spare_key_ok = pthread_key_create(&spare_key, free_spare) == 0;
}

static json_tokener *take_piece_tokener(void)
{
    json_tokener *tok = spare_tokener;

    if (!tok)
        return new_tokener(LC_JSON_MAX_DEPTH - 1, false);
    spare_tokener = NULL;
    json_tokener_reset(tok);
    return tok;
}

static void give_back_piece_tokener(json_tokener *tok)
{
    pthread_once(&spare_once, make_spare_key);
    if (spare_tokener || !spare_key_ok ||
        pthread_setspecific(spare_key, tok)) {
        json_tokener_free(tok);
        return;
    }
    spare_tokener = tok;
}

/* json-c over the whole text s (len bytes, NUL-terminated); check_utf8
   as for new_tokener. */
static int parse_whole(const char *s, size_t len, bool check_utf8,
                       json_object **out)
{
    json_tokener *tok = new_tokener(LC_JSON_MAX_DEPTH, check_utf8);
    json_object *o;

    if (!tok)
        return ERROR_FAIL;
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

int lc_json_parse_document(const char *s, json_object **out)
{
    prepass pp;
    char *dedup;
    size_t len;
    int rc;

    *out = NULL;
    if (!s)
        return ERROR_FAIL;
    len = strlen(s);
    if (len >= (size_t)INT32_MAX || prepass_text(&pp, s, len, &dedup))
        return ERROR_FAIL;
    if (dedup)
        rc = parse_whole(dedup, strlen(dedup), true, out);
    else
        rc = parse_whole(pp.out, pp.olen, false, out);
    free(dedup);
    free(pp.out);
    return rc;
}

/*
 * A document parsed piece by piece. json-c's tree costs several times the
 * text (a 16-entry hash table per object), and the tree of a whole
 * domain_config next to the value read from it is more heap than libxl
 * needs. So, when the text is a top-level object, json-c first parses a
 * skeleton of it in which each member's object or array value is empty
 * ({} or []), and then each such value (a piece) on its own, when the
 * generated code reaches it (lc_json_expand); only the tree of the latest
 * piece is kept. The pieces never reached are parsed when the document is
 * closed, so the text is accepted exactly when json-c accepts it whole:
 * the pre-pass found the pieces' bounds while following strings and
 * brackets, each piece must be one complete value ending at its bound,
 * and its nesting limit is one less (it sits inside the top-level object).
 *
 * The skeleton's root carries the document (json-c userdata; freed with
 * it), each empty placeholder its piece (no free function).
 */
typedef struct json_doc json_doc;

typedef struct {
    json_doc *doc;              /* NULL in the document's own record */
    size_t start, end;          /* the piece in the text */
    bool parsed;                /* checked by json-c at least once */
    json_object *tree;          /* while it is the latest piece */
} json_piece;

struct json_doc {
    json_piece self;            /* first: the root's userdata */
    json_tokener *tok;
    char *text;                 /* the pre-pass's output */
    json_piece *latest;
    size_t n;
    json_piece pieces[];
};

static void free_doc(json_object *root, void *userdata)
{
    json_doc *d = userdata;

    (void)root;
    if (d->latest)
        json_object_put(d->latest->tree);
    give_back_piece_tokener(d->tok);
    free(d->text);
    free(d);
}

/* json-c over piece pc alone; 0 or -1. */
static int parse_piece(json_doc *d, json_piece *pc, json_object **tree)
{
    size_t n = pc->end - pc->start;
    json_object *t;

    json_tokener_reset(d->tok);
    t = json_tokener_parse_ex(d->tok, d->text + pc->start, (int)n);
    pc->parsed = true;
    if (json_tokener_get_error(d->tok) != json_tokener_success || !t ||
        json_tokener_get_parse_end(d->tok) != n) {
        json_object_put(t);
        return -1;
    }
    *tree = t;
    return 0;
}

/* The pieces' placeholders are the root's object and array members, in
   the text's order (the text has no duplicate members). */
static bool attach_pieces(json_object *root, json_doc *d)
{
    size_t k = 0;

    if (!json_object_is_type(root, json_type_object))
        return false;
    json_object_object_foreach(root, key, val) {
        (void)key;
        if (!json_object_is_type(val, json_type_object) &&
            !json_object_is_type(val, json_type_array))
            continue;
        if (k == d->n)
            return false;
        json_object_set_userdata(val, &d->pieces[k++], NULL);
    }
    return k == d->n;
}

/* The skeleton path; 1 if it does not apply (parse the text whole). */
static int open_pieces(const prepass *pp, json_object **out)
{
    const char *s = pp->out;
    size_t len = pp->olen;
    json_doc *d;
    json_object *root;
    char *skel;
    size_t at = 0, n = 0, skel_len = len + 1;

    if (pp->lost || pp->too_many || !pp->npieces)
        return 1;
    for (size_t k = 0; k < pp->npieces; k++)
        if (!pp->pieces[k].end)
            return 1;           /* unclosed: malformed */
    for (size_t k = 0; k < pp->npieces; k++)
        skel_len -= pp->pieces[k].end - pp->pieces[k].start - 2;
    d = malloc(sizeof(*d) + pp->npieces * sizeof(d->pieces[0]));
    skel = malloc(skel_len);
    if (!d || !skel) {
        free(d);
        free(skel);
        return ERROR_FAIL;
    }
    for (size_t k = 0; k < pp->npieces; k++) {
        const cut_range *r = &pp->pieces[k];

        memcpy(skel + n, s + at, r->start - at);
        n += r->start - at;
        skel[n++] = s[r->start];
        skel[n++] = s[r->start] == '{' ? '}' : ']';
        at = r->end;
        d->pieces[k] = (json_piece){ d, r->start, r->end, false, NULL };
    }
    memcpy(skel + n, s + at, len - at);
    n += len - at;
    skel[n] = '\0';
    d->self = (json_piece){ NULL, 0, 0, false, NULL };
    d->text = pp->out;
    d->latest = NULL;
    d->n = pp->npieces;
    /* the skeleton is two deep, the pieces one less than the limit */
    d->tok = take_piece_tokener();
    if (!d->tok) {
        free(d);
        free(skel);
        return ERROR_FAIL;
    }
    root = json_tokener_parse_ex(d->tok, skel, (int)n + 1);
    free(skel);
    if (json_tokener_get_error(d->tok) != json_tokener_success) {
        json_object_put(root);
        give_back_piece_tokener(d->tok);
        free(d);
        return ERROR_FAIL;
    }
    if (!attach_pieces(root, d)) {
        /* not expected after the pre-pass; json-c decides on the whole */
        json_object_put(root);
        give_back_piece_tokener(d->tok);
        free(d);
        return 1;
    }
    json_object_set_userdata(root, &d->self, free_doc);
    *out = root;
    return 0;
}

int lc_json_open_document(const char *s, json_object **out)
{
    prepass pp;
    char *dedup;
    size_t len;
    int rc;

    *out = NULL;
    if (!s)
        return ERROR_FAIL;
    len = strlen(s);
    if (len >= (size_t)INT32_MAX || prepass_text(&pp, s, len, &dedup))
        return ERROR_FAIL;
    if (dedup) {
        rc = parse_whole(dedup, strlen(dedup), true, out);
        free(dedup);
        return rc;
    }
    /* on success, the document keeps pp.out */
    rc = open_pieces(&pp, out);
    if (rc == 1) {
        rc = parse_whole(pp.out, pp.olen, false, out);
        free(pp.out);
    } else if (rc) {
        free(pp.out);
    }
    return rc;
}

static json_doc *doc_of(json_object *root)
{
    json_piece *self;

    if (!json_object_is_type(root, json_type_object))
        return NULL;
    self = json_object_get_userdata(root);
    return self && !self->doc ? (json_doc *)self : NULL;
}

int lc_json_expand(json_object **v)
{
    json_piece *pc;
    json_doc *d;
    json_object *tree;

    if (!json_object_is_type(*v, json_type_object) &&
        !json_object_is_type(*v, json_type_array))
        return 0;
    pc = json_object_get_userdata(*v);
    if (!pc || !pc->doc)
        return 0;               /* an ordinary object or array */
    d = pc->doc;
    if (d->latest != pc) {
        if (d->latest) {
            json_object_put(d->latest->tree);
            d->latest->tree = NULL;
            d->latest = NULL;
        }
        if (parse_piece(d, pc, &tree))
            return -1;
        pc->tree = tree;
        d->latest = pc;
    }
    *v = pc->tree;
    return 0;
}

int lc_json_close_document(json_object *o, int rc)
{
    json_doc *d = o ? doc_of(o) : NULL;

    if (d && !rc) {
        if (d->latest) {
            json_object_put(d->latest->tree);
            d->latest->tree = NULL;
            d->latest = NULL;
        }
        for (size_t k = 0; k < d->n && !rc; k++) {
            json_object *tree;

            if (d->pieces[k].parsed)
                continue;
            if (parse_piece(d, &d->pieces[k], &tree))
                rc = ERROR_FAIL;
            else
                json_object_put(tree);
        }
    }
    json_object_put(o);
    return rc;
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
