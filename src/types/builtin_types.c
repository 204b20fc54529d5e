/*
 * types/builtin_types.c: the hand-written builtin types the IDL refers to
 * that need no file of their own (libxl_defbool, libxl_uuid over libuuid),
 * and small helpers shared with the generated code (enum string lookup,
 * aborting strdup) and with the other builtins (types/builtin_impl.h).
 * The other builtins each have their own file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uuid/uuid.h>

#include "types/builtin_impl.h"
#include "types/builtins.h"
#include "types/types_internal.h"

#include <libxl_utils.h>

/* ------------------------------------------------------------ defbool */

#define DEFBOOL_DEFAULT 0
#define DEFBOOL_TRUE    1
#define DEFBOOL_FALSE   (-1)

void libxl_defbool_set(libxl_defbool *db, bool b)
{
    db->val = b ? DEFBOOL_TRUE : DEFBOOL_FALSE;
}

void libxl_defbool_unset(libxl_defbool *db)
{
    db->val = DEFBOOL_DEFAULT;
}

void libxl_defbool_setdefault(libxl_defbool *db, bool b)
{
    if (libxl_defbool_is_default(*db))
        libxl_defbool_set(db, b);
}

bool libxl_defbool_is_default(libxl_defbool db)
{
    return db.val == DEFBOOL_DEFAULT;
}

bool libxl_defbool_val(libxl_defbool db)
{
    if (libxl_defbool_is_default(db)) {
        fprintf(stderr, "libxl_defbool_val: value is the default\n");
        abort();
    }
    return db.val > 0;
}

const char *libxl_defbool_to_string(libxl_defbool b)
{
    if (b.val > 0)
        return "True";
    if (b.val < 0)
        return "False";
    return "<default>";
}

yajl_gen_status libxl_defbool_gen_json(yajl_gen hand, libxl_defbool *p)
{
    return lc_yajl_gen_cstring(hand, libxl_defbool_to_string(*p));
}

void lc_defbool_write_json(lc_jw *w, const libxl_defbool *p)
{
    lc_jw_string(w, libxl_defbool_to_string(*p));
}

void lc_defbool_init(libxl_defbool *p)
{
    libxl_defbool_unset(p);
}

void lc_defbool_dispose(libxl_defbool *p)
{
    libxl_defbool_unset(p);
}

void lc_defbool_copy(libxl_ctx *ctx, libxl_defbool *dst,
                     const libxl_defbool *src)
{
    (void)ctx;
    *dst = *src;
}

bool lc_defbool_is_default(const libxl_defbool *p)
{
    return libxl_defbool_is_default(*p);
}

/*
 * "True", "False" or "<default>", exactly. libxl compares only the first
 * characters, so it also takes "Truest" as true and "<default>x" as the
 * default; lightcore rejects such text (ERROR_FAIL).
 */
int lc_defbool_parse_json(json_object *v, libxl_defbool *p)
{
    const char *s;

    if (!json_object_is_type(v, json_type_string))
        return ERROR_FAIL;
    s = json_object_get_string(v);
    if (strlen(s) != (size_t)json_object_get_string_len(v))
        return ERROR_FAIL;
    if (!strcmp(s, "True"))
        libxl_defbool_set(p, true);
    else if (!strcmp(s, "False"))
        libxl_defbool_set(p, false);
    else if (!strcmp(s, "<default>"))
        libxl_defbool_unset(p);
    else
        return ERROR_FAIL;
    return 0;
}

/* ------------------------------------------------------------ uuid */

int libxl_uuid_is_nil(const libxl_uuid *uuid)
{
    return uuid_is_null(uuid->uuid);
}

void libxl_uuid_generate(libxl_uuid *uuid)
{
    uuid_generate(uuid->uuid);
}

int libxl_uuid_from_string(libxl_uuid *uuid, const char *in)
{
    if (!in)
        return -1;
    return uuid_parse(in, uuid->uuid) ? -1 : 0;
}

void libxl_uuid_copy(libxl_ctx *ctx_opt, libxl_uuid *dst,
                     const libxl_uuid *src)
{
    (void)ctx_opt;
    memcpy(dst->uuid, src->uuid, sizeof(dst->uuid));
}

void libxl_uuid_clear(libxl_uuid *uuid)
{
    memset(uuid->uuid, 0, sizeof(uuid->uuid));
}

int libxl_uuid_compare(const libxl_uuid *uuid1, const libxl_uuid *uuid2)
{
    return memcmp(uuid1->uuid, uuid2->uuid, sizeof(uuid1->uuid));
}

const uint8_t *libxl_uuid_bytearray_const(const libxl_uuid *uuid)
{
    return uuid->uuid;
}

uint8_t *libxl_uuid_bytearray(libxl_uuid *uuid)
{
    return uuid->uuid;
}

/* The JSON string of *p, quotes included (LIBXL_UUID_FMT's text within:
   8-4-4-4-12 lower-case hex digits). */
#define UUID_QUOTED_LEN (LIBXL_UUID_FMTLEN + 2)

static void quote_uuid(char text[UUID_QUOTED_LEN], const libxl_uuid *p)
{
    char *at = text;

    *at++ = '"';
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *at++ = '-';
        at = lc_hex_byte(at, p->uuid[i]);
    }
    *at = '"';
}

yajl_gen_status libxl_uuid_gen_json(yajl_gen hand, libxl_uuid *p)
{
    char text[UUID_QUOTED_LEN];

    quote_uuid(text, p);
    return yajl_gen_string(hand, (const unsigned char *)text + 1,
                           LIBXL_UUID_FMTLEN);
}

void lc_uuid_write_json(lc_jw *w, const libxl_uuid *p)
{
    char text[UUID_QUOTED_LEN];

    quote_uuid(text, p);
    lc_jw_quoted(w, text, sizeof(text));
}

void lc_uuid_init(libxl_uuid *p)
{
    libxl_uuid_clear(p);
}

void lc_uuid_dispose(libxl_uuid *p)
{
    libxl_uuid_clear(p);
}

void lc_uuid_copy(libxl_ctx *ctx, libxl_uuid *dst, const libxl_uuid *src)
{
    libxl_uuid_copy(ctx, dst, src);
}

bool lc_uuid_is_default(const libxl_uuid *p)
{
    return libxl_uuid_is_nil(p);
}

/* A string libuuid parses, else ERROR_FAIL (libxl's parser returns -1,
   which its from_json turns into ERROR_FAIL). */
int lc_uuid_parse_json(json_object *v, libxl_uuid *p)
{
    if (!json_object_is_type(v, json_type_string))
        return ERROR_FAIL;
    if (strlen(json_object_get_string(v)) !=
        (size_t)json_object_get_string_len(v))
        return ERROR_FAIL;
    return libxl_uuid_from_string(p, json_object_get_string(v))
           ? ERROR_FAIL : 0;
}

/* ------------------------------------------------------------ helpers */

/* A malloc'ed copy of *src into *dst (NULL stays NULL); aborts when out
   of memory. */
void libxl_string_copy(libxl_ctx *ctx, char **dst, char *const *src)
{
    (void)ctx;
    *dst = lc_strdup(*src);
}

yajl_gen_status lc_yajl_gen_cstring(yajl_gen hand, const char *s)
{
    if (!s)
        return yajl_gen_null(hand);
    return yajl_gen_string(hand, (const unsigned char *)s, strlen(s));
}

void *lc_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (!p) {
        fprintf(stderr, "lightcore: out of memory (%zu x %zu bytes)\n",
                n, size);
        abort();
    }
    return p;
}

void *lc_realloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);

    if (!q) {
        fprintf(stderr, "lightcore: out of memory (%zu bytes)\n", size);
        abort();
    }
    return q;
}

int lc_enum_from_string(const libxl_enum_string_table *t, const char *s,
                        int *v)
{
    if (!s)
        return -1;
    for (; t->s; t++) {
        if (!strcasecmp(t->s, s)) {
            *v = t->v;
            return 0;
        }
    }
    return -1;
}

char *lc_strdup(const char *s)
{
    char *copy;

    if (!s)
        return NULL;
    copy = strdup(s);
    if (!copy) {
        fprintf(stderr, "lightcore: out of memory copying a string\n");
        abort();
    }
    return copy;
}
