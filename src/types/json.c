/*
 * types/json.c: the documents of from_json: the text, checked by the
 * pre-pass (types/json_prepass.c), parsed by json-c under a depth limit
 * and strict checking, whole or, for a struct, piece by piece; json-c's
 * tokener kept from one document to the next. (The values are read by
 * types/json_values.c; output is types/json_write.c's for to_json and
 * types/json_yajl.c's helpers for the yajl generators.)
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "types/json_prepass.h"
#include "types/types_internal.h"

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
    lc_prepass pp;
    char *dedup;
    size_t len;
    int rc;

    *out = NULL;
    if (!s)
        return ERROR_FAIL;
    len = strlen(s);
    if (len >= (size_t)INT32_MAX || lc_json_prepass(&pp, s, len, &dedup))
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
static int open_pieces(const lc_prepass *pp, json_object **out)
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
    lc_prepass pp;
    char *dedup;
    size_t len;
    int rc;

    *out = NULL;
    if (!s)
        return ERROR_FAIL;
    len = strlen(s);
    if (len >= (size_t)INT32_MAX || lc_json_prepass(&pp, s, len, &dedup))
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
