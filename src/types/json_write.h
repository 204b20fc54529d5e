/*
 * types/json_write.h: the JSON writer behind libxl_<type>_to_json.
 *
 * to_json owns its generator, so it need not go through yajl: this
 * writer appends to a growing buffer of its own and produces, byte for
 * byte, the text of yajl 2.1's generator as libxl configures it
 * (libxl_yajl_gen_alloc: beautified, four spaces a level, no UTF-8
 * validation, '/' not escaped). The public libxl_<type>_gen_json
 * functions, which write into the caller's yajl_gen, stay on yajl; the
 * test tests/unit/types/test_json_write.c and jsondiff's "writer" check
 * hold both paths to the same bytes.
 *
 * The layout rules it reproduces, for a container at depth d (the
 * document itself is depth 0):
 *   - "{" or "[" is followed by a newline; each member or element starts
 *     on its own line indented 4*(d+1) spaces; they are separated by
 *     ",\n"; a key is followed by ": " and its value on the same line;
 *   - the closing "}" or "]" comes after a newline, indented 4*d spaces
 *     (so an empty container is "{\n\n" + indent + "}");
 *   - a complete top-level value is followed by a newline.
 * Strings are written as yajl writes them: '"', '\\' and the control
 * characters escaped (\b \f \n \r \t by name, the others as \u00XX with
 * upper-case hex), every other byte, non-ASCII or not valid UTF-8, as it
 * is.
 *
 * Usage: lc_jw_init, then the calls for one value, then lc_jw_finish.
 * Writing functions return nothing: the first failure (out of memory,
 * nesting of LC_JW_MAX_DEPTH levels, a non-string where a key belongs,
 * a value after the end of the document) is kept, and everything after
 * it is ignored; lc_jw_finish reports it. yajl fails in the same cases.
 */
#ifndef LIGHTCORE_TYPES_JSON_WRITE_H
#define LIGHTCORE_TYPES_JSON_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxl.h>

/* yajl's limit: a document may open at most 127 nested containers. */
#define LC_JW_MAX_DEPTH 128

typedef struct lc_jw {
    char *buf;          /* malloc'ed text so far, NUL-terminated (or NULL) */
    size_t len, cap;    /* bytes of text; bytes allocated */
    unsigned depth;     /* containers open */
    const char *error;  /* the first failure, or NULL */
    /* where each open level stands: json_write.c's enum jw_state */
    unsigned char state[LC_JW_MAX_DEPTH];
} lc_jw;

void lc_jw_init(lc_jw *w);
/*
 * Ends the text: returns it (malloc'ed; the caller frees it) if it is a
 * complete value and nothing failed, else frees it, logs why through ctx
 * (when not NULL; "type" names what was written) and returns NULL.
 */
char *lc_jw_finish(lc_jw *w, libxl_ctx *ctx, const char *type);

void lc_jw_map_open(lc_jw *w);
void lc_jw_map_close(lc_jw *w);
void lc_jw_array_open(lc_jw *w);
void lc_jw_array_close(lc_jw *w);

/* A string (a key or a value) of n bytes, escaped as yajl escapes it. */
void lc_jw_string_n(lc_jw *w, const char *s, size_t n);
/* A C string; NULL is written as null. */
void lc_jw_string(lc_jw *w, const char *s);
/* A string (key or value) given already quoted and escaped: text is n
   bytes, quotes included. */
void lc_jw_quoted(lc_jw *w, const char *text, size_t n);
/* A key known when the program is built, made only of characters that
   need no escaping: LC_JW_KEY(w, "name"). */
#define LC_JW_KEY(w, name) lc_jw_quoted((w), "\"" name "\"", sizeof(name) + 1)

void lc_jw_int(lc_jw *w, long long v);      /* as yajl_gen_integer */
void lc_jw_uint64(lc_jw *w, uint64_t v);    /* all digits, unsigned */
void lc_jw_bool(lc_jw *w, bool b);
void lc_jw_null(lc_jw *w);

#endif /* LIGHTCORE_TYPES_JSON_WRITE_H */
