/*
 * types/json_write.c: the JSON writer of types/json_write.h (yajl's
 * beautified layout, written straight into one growing buffer).
 *
 * Each level of nesting is in one of the states below; a token first
 * writes what its level's state asks for in front of it (",\n" between
 * members and elements, ": " after a key, then the indentation unless it
 * is a member's value), and then moves the state on.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "types/json_write.h"

enum jw_state {
    JW_START,       /* depth 0, nothing written yet */
    JW_MAP_START,   /* an object just opened: a key comes next */
    JW_MAP_KEY,     /* after a member: ",", then a key */
    JW_MAP_VAL,     /* after a key: its value */
    JW_ARRAY_START, /* an array just opened */
    JW_IN_ARRAY,    /* after an element: ",", then the next one */
    JW_COMPLETE,    /* depth 0, the whole value written */
};

/* The first buffer; it doubles when full (a domain_config takes ~4 KiB). */
#define JW_FIRST_CAP 2048
/* The text handed back is trimmed when this much of its buffer is spare. */
#define JW_TRIM_SPARE 64

void lc_jw_init(lc_jw *w)
{
    w->buf = NULL;
    w->len = 0;
    w->cap = 0;
    w->depth = 0;
    w->error = NULL;
    w->state[0] = JW_START;
}

static void fail(lc_jw *w, const char *why)
{
    if (!w->error)
        w->error = why;
}

/* Makes room for n more bytes and the terminating NUL; false on failure. */
static bool grow(lc_jw *w, size_t n)
{
    size_t cap = w->cap ? w->cap : JW_FIRST_CAP;
    char *buf;

    if (n > SIZE_MAX / 2 - w->len) {
        fail(w, "the text would be too long");
        return false;
    }
    while (cap < w->len + n + 1)
        cap *= 2;
    buf = realloc(w->buf, cap);
    if (!buf) {
        fail(w, "out of memory");
        return false;
    }
    w->buf = buf;
    w->cap = cap;
    return true;
}

static inline bool reserve(lc_jw *w, size_t n)
{
    return w->cap - w->len > n || grow(w, n);
}

static inline void put(lc_jw *w, const void *s, size_t n)
{
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static inline void put_char(lc_jw *w, char c)
{
    w->buf[w->len++] = c;
}

/* Room reserved beyond what is written, for put_indent's whole words. */
#define JW_SLACK 8

/* n spaces, written eight at a time (up to JW_SLACK - 1 bytes past them
   are overwritten too, and then by whatever comes next). */
static inline void put_indent(lc_jw *w, size_t n)
{
    char *at = w->buf + w->len;

    for (size_t i = 0; i < n; i += 8)
        memcpy(at + i, "        ", 8);
    w->len += n;
}

/*
 * Before a token whose own text is n bytes (plus a possible final
 * newline): checks that it may come here, makes room, and writes the
 * separator and indentation. is_string: it may be a key.
 */
static inline __attribute__((always_inline)) bool
begin_token(lc_jw *w, bool is_string, size_t n)
{
    unsigned char st = w->state[w->depth];
    size_t indent;

    if (w->error)
        return false;
    if (st == JW_COMPLETE) {
        fail(w, "a value after the end of the document");
        return false;
    }
    if (!is_string && (st == JW_MAP_START || st == JW_MAP_KEY)) {
        fail(w, "an object's key that is not a string");
        return false;
    }
    indent = st == JW_MAP_VAL ? 0 : 4 * (size_t)w->depth;
    if (!reserve(w, 2 + indent + n + 1 + JW_SLACK))
        return false;
    if (st == JW_MAP_KEY || st == JW_IN_ARRAY) {
        put(w, ",\n", 2);
    } else if (st == JW_MAP_VAL) {
        put(w, ": ", 2);
    }
    put_indent(w, indent);
    return true;
}

/* After a token: the state of its level moves on; a complete document
   ends with a newline (room for it was reserved). */
static inline __attribute__((always_inline)) void end_token(lc_jw *w)
{
    unsigned char *st = &w->state[w->depth];

    switch (*st) {
    case JW_START:
        *st = JW_COMPLETE;
        put_char(w, '\n');
        break;
    case JW_MAP_START:
    case JW_MAP_KEY:
        *st = JW_MAP_VAL;
        break;
    case JW_MAP_VAL:
        *st = JW_MAP_KEY;
        break;
    case JW_ARRAY_START:
        *st = JW_IN_ARRAY;
        break;
    default:
        break;
    }
    w->buf[w->len] = '\0';
}

static void atom(lc_jw *w, const char *text, size_t n)
{
    if (!begin_token(w, false, n))
        return;
    put(w, text, n);
    end_token(w);
}

/* ------------------------------------------------------------ containers */

static void open_container(lc_jw *w, char bracket, enum jw_state st)
{
    if (!begin_token(w, false, 2))
        return;
    if (w->depth + 1 >= LC_JW_MAX_DEPTH) {
        fail(w, "nesting too deep");
        return;
    }
    put_char(w, bracket);
    put_char(w, '\n');
    w->buf[w->len] = '\0';
    w->state[++w->depth] = (unsigned char)st;
}

static void close_container(lc_jw *w, char bracket)
{
    size_t indent;

    if (w->error)
        return;
    if (w->depth == 0) {
        fail(w, "a container closed that is not open");
        return;
    }
    w->depth--;
    indent = 4 * (size_t)w->depth;
    if (!reserve(w, 1 + indent + 2 + JW_SLACK))
        return;
    put_char(w, '\n');
    put_indent(w, indent);
    put_char(w, bracket);
    end_token(w);
}

void lc_jw_map_open(lc_jw *w)
{
    open_container(w, '{', JW_MAP_START);
}

void lc_jw_map_close(lc_jw *w)
{
    close_container(w, '}');
}

void lc_jw_array_open(lc_jw *w)
{
    open_container(w, '[', JW_ARRAY_START);
}

void lc_jw_array_close(lc_jw *w)
{
    close_container(w, ']');
}

/* ------------------------------------------------------------ strings */

/* How yajl writes each byte inside a string: 0 as it is, 'u' as \u00XX,
   any other character c as a backslash and c. */
static const char escape_of[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',     /* 0x00 */
    'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',     /* 0x08 */
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',     /* 0x10 */
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',     /* 0x18 */
    ['"'] = '"',
    ['\\'] = '\\',
};

void lc_jw_string_n(lc_jw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)s;
    size_t run = 0;

    if (!begin_token(w, true, n + 2))
        return;
    put_char(w, '"');
    for (size_t i = 0; i < n; i++) {
        char e = escape_of[u[i]];

        if (!e)
            continue;
        /* room for this escape and the rest as it is */
        if (!reserve(w, (i - run) + 6 + (n - i) + 2))
            return;
        put(w, s + run, i - run);
        put_char(w, '\\');
        if (e == 'u') {
            put(w, "u00", 3);
            put_char(w, hex[u[i] >> 4]);
            put_char(w, hex[u[i] & 15]);
        } else {
            put_char(w, e);
        }
        run = i + 1;
    }
    put(w, s + run, n - run);
    put_char(w, '"');
    end_token(w);
}

void lc_jw_string(lc_jw *w, const char *s)
{
    if (!s)
        lc_jw_null(w);
    else
        lc_jw_string_n(w, s, strlen(s));
}

void lc_jw_quoted(lc_jw *w, const char *text, size_t n)
{
    if (!begin_token(w, true, n))
        return;
    put(w, text, n);
    end_token(w);
}

/* ------------------------------------------------------------ atoms */

/* The decimal digits of v, ending at end; returns where they start. */
static char *digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

void lc_jw_int(lc_jw *w, long long v)
{
    char text[24];
    char *end = text + sizeof(text);
    char *p;

    if (v < 0) {
        p = digits(end, -(uint64_t)v);
        *--p = '-';
    } else {
        p = digits(end, (uint64_t)v);
    }
    atom(w, p, (size_t)(end - p));
}

void lc_jw_uint64(lc_jw *w, uint64_t v)
{
    char text[24];
    char *end = text + sizeof(text);
    char *p = digits(end, v);

    atom(w, p, (size_t)(end - p));
}

void lc_jw_bool(lc_jw *w, bool b)
{
    if (b)
        atom(w, "true", 4);
    else
        atom(w, "false", 5);
}

void lc_jw_null(lc_jw *w)
{
    atom(w, "null", 4);
}

/* ------------------------------------------------------------ the end */

char *lc_jw_finish(lc_jw *w, libxl_ctx *ctx, const char *type)
{
    char *text = w->buf;

    if (!w->error && w->state[0] != JW_COMPLETE)
        fail(w, "the value is incomplete");
    if (w->error) {
        if (ctx)
            LOG(ctx, ERROR, "cannot write %s as JSON: %s", type, w->error);
        free(text);
        text = NULL;
    } else if (w->cap - w->len > JW_TRIM_SPARE) {
        char *trimmed = realloc(text, w->len + 1);

        if (trimmed)
            text = trimmed;
    }
    lc_jw_init(w);
    return text;
}
