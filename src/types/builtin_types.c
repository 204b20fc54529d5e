/*
 * types/builtin_types.c: the hand-written builtin types the IDL refers to
 * (libxl_defbool, libxl_uuid over libuuid) and small helpers shared with
 * the generated code (enum string lookup, aborting strdup).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uuid/uuid.h>

#include "types/types_internal.h"

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

/* ------------------------------------------------------------ helpers */

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
