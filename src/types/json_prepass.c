/*
 * types/json_prepass.c: the pre-pass of from_json (types/json_prepass.h).
 *
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
 *
 * The pieces: the values of a top-level object's members that are objects
 * or arrays, found on the way (types/json.c parses them one by one).
 */
#include <stdlib.h>
#include <string.h>

#include "types/json_prepass.h"

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

static int add_cut(lc_prepass *p, const member_span *m)
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
static int collect_duplicates(lc_prepass *p, member_span *m, size_t n)
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
static void end_member(lc_prepass *p, scan_frame *f, size_t end)
{
    if (f->object && f->in_value && p->nspans > f->first) {
        p->spans[p->nspans - 1].cut_end = end;
        f->in_value = false;
    }
}

static int push_member(lc_prepass *p, scan_frame *f, size_t key,
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
static int prepass_run(lc_prepass *p)
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
                        if (p->npieces == LC_PREPASS_MAX_PIECES)
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

int lc_json_prepass(lc_prepass *p, const char *s, size_t len, char **copy)
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
       one of them, and json-c checks the copy (types/json.c). */
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
