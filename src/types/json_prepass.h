/*
 * types/json_prepass.h: the pre-pass of from_json (types/json_prepass.c),
 * one linear pass over the text before json-c parses it: it rejects what
 * json-c would wrongly accept, finds the duplicate members json-c would
 * keep instead of the first, checks the strings' UTF-8, strips the
 * whitespace json-c need not read, and finds the pieces a struct's
 * document is parsed in (types/json.c). Internal to types/.
 */
#ifndef LIGHTCORE_TYPES_JSON_PREPASS_H
#define LIGHTCORE_TYPES_JSON_PREPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "types/types_internal.h"

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
   (lc_json_open_document, types/json.c); with more, the text is parsed
   whole. */
#define LC_PREPASS_MAX_PIECES 32

/* The state of the pass (the members of all open objects share spans),
   and its results: out, olen, lost, pieces, npieces, too_many. */
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
    cut_range pieces[LC_PREPASS_MAX_PIECES];
    size_t npieces;
    bool too_many;
    /* a string is not UTF-8 as json-c's check wants it (decided after the
       pass: see lc_json_prepass) */
    bool bad_utf8;
} lc_prepass;

/*
 * Runs the pre-pass over s (len bytes, NUL-terminated) into *p. 0 with
 * either *copy, a malloc'ed copy of s without the later duplicate members
 * (json-c must then check its UTF-8), or (nothing to cut) *copy NULL and
 * p->out, the malloc'ed text without the needless whitespace, whose
 * strings' UTF-8 has been checked; ERROR_FAIL if the text fails the
 * pre-pass or memory ran out (nothing is left to free).
 */
int lc_json_prepass(lc_prepass *p, const char *s, size_t len, char **copy);

#endif /* LIGHTCORE_TYPES_JSON_PREPASS_H */
