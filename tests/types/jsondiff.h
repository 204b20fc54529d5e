/*
 * jsondiff.h: what the generated half of the JSON differential test
 * (tests/types/gen_jsondiff.py's output, one row per libxl type) and its
 * hand-written runtime (jsondiff_rt.c) share. Built against Debian's
 * libxenlight 4.17 (JD_DEBIAN defined) or against lightcore; only the
 * public libxl API is used, so the same source compiles against both.
 */
#ifndef JSONDIFF_H
#define JSONDIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <libxl.h>
#define HAVE_YAJL_YAJL_VERSION_H 1  /* what Debian's libxl_json.h needs */
#include <libxl_json.h>

/* Largest count of elements given to a counted array or a list. */
#define JD_MAX_ARRAY 3

typedef struct {
    uint64_t s;
} jd_rng;

/* The ctx passed to every libxl call (see jsondiff_rt.c). */
extern libxl_ctx *jd_ctx;
#define JD_CTX jd_ctx

void jd_seed(jd_rng *r, uint64_t a, uint64_t b, uint64_t c);
uint64_t jd_next(jd_rng *r);
/* Uniform in [0, n). */
unsigned jd_below(jd_rng *r, unsigned n);
/* A value of a signed or unsigned integer of bits bits (its two's
   complement pattern): extremes and their neighbours often, otherwise
   random with a random magnitude. */
uint64_t jd_number(jd_rng *r, int is_signed, int bits);
/* NULL, "" or a malloc'ed valid UTF-8 string with quotes, backslashes,
   control characters and multi-byte sequences. */
char *jd_string(jd_rng *r);
/* calloc that exits on failure; NULL for n == 0. */
void *jd_calloc(size_t n, size_t size);
/* fn(g, p)'s text on a fresh generator configured as libxl's
   (malloc'ed; NULL if fn fails). */
char *jd_yajl_text(yajl_gen_status (*fn)(yajl_gen, void *), void *p);
/* Reports one differing member; returns 1. */
int jd_diff(const char *where, const char *path);

/* The hand-written builtin types: a random valid value, and a comparison
   of the values (0 if equal) that ignores how they are stored. */
void jd_fill_defbool(jd_rng *r, libxl_defbool *p);
void jd_fill_uuid(jd_rng *r, libxl_uuid *p);
void jd_fill_bitmap(jd_rng *r, libxl_bitmap *p);
void jd_fill_string_list(jd_rng *r, libxl_string_list *p);
void jd_fill_kvl(jd_rng *r, libxl_key_value_list *p);
void jd_fill_mac(jd_rng *r, libxl_mac *p);
void jd_fill_hwcap(jd_rng *r, libxl_hwcap *p);
void jd_fill_genid(jd_rng *r, libxl_ms_vm_genid *p);
void jd_fill_cpuid(jd_rng *r, libxl_cpuid_policy_list *p);
int jd_cmp_string(char *const *a, char *const *b);
int jd_cmp_defbool(const libxl_defbool *a, const libxl_defbool *b);
int jd_cmp_uuid(const libxl_uuid *a, const libxl_uuid *b);
int jd_cmp_bitmap(const libxl_bitmap *a, const libxl_bitmap *b);
int jd_cmp_string_list(const libxl_string_list *a, const libxl_string_list *b);
int jd_cmp_kvl(const libxl_key_value_list *a, const libxl_key_value_list *b);
int jd_cmp_mac(const libxl_mac *a, const libxl_mac *b);
int jd_cmp_hwcap(const libxl_hwcap *a, const libxl_hwcap *b);
int jd_cmp_genid(const libxl_ms_vm_genid *a, const libxl_ms_vm_genid *b);
int jd_cmp_cpuid(const libxl_cpuid_policy_list *a,
                 const libxl_cpuid_policy_list *b);

/* One enumeration or structure, type-erased. */
typedef struct {
    const char *name;
    int is_enum;
    /* enumerations: values + 1 (the last sample is no value at all);
       structures: members of the first keyed union (0: none) */
    int nsel;
    void *(*alloc)(void);             /* malloc'ed, _init'ed */
    /* sel >= 0 picks the enumeration value / keyed-union member */
    void (*fill)(void *p, jd_rng *r, int sel);
    int (*cmp)(const void *a, const void *b);   /* number of differences */
    char *(*to_json)(void *p);
    /* the text libxl_<type>_gen_json writes into a generator configured
       as libxl's (libxl_yajl_gen_alloc): malloc'ed, NULL on failure */
    char *(*gen_text)(void *p);
    int (*from_json)(void *p, const char *s);
    void (*copy)(void *dst, const void *src);   /* NULL: no _copy */
    void (*release)(void *p);                   /* _dispose and free */
} jd_type;

/* Ends with a row whose name is NULL. */
extern const jd_type jd_types[];

/* Sets jd_ctx up (a fake ctx for Debian's library: see jsondiff_rt.c). */
void jd_setup(void);
/* The value sample i of type t for seed: allocated and filled. */
void *jd_sample(const jd_type *t, int ti, uint64_t seed, int i);

#endif
