/*
 * dev/entries.c: building a device's xenstore entries from its kind's
 * table, reading them back, and the codecs (dev/entries.h). Values read
 * back are hostile: every codec accepts only its exact format.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "dev/entries.h"

static const void *field_of(const libxl__dev_entry *e,
                            const libxl__devent_src *src)
{
    const char *base = (e->flags & LIBXL__DEVENT_ADDR)
        ? (const char *)src->addr : (const char *)src->dev;
    return base + e->offset;
}

const char **libxl__dev_entries_kvs(libxl__gc *gc,
                                    const libxl__dev_entries *table,
                                    unsigned where,
                                    const libxl__devent_src *src)
{
    const char **kvs = GCZALLOC((2 * table->count + 1) * sizeof(*kvs));
    unsigned n = 0;

    if (!kvs) return NULL;
    for (unsigned i = 0; i < table->count; i++) {
        const libxl__dev_entry *e = &table->entries[i];
        const char *value;

        if (!(e->where & where)) continue;
        if (e->when && !e->when(src)) continue;
        value = e->codec->encode(gc, src, field_of(e, src), e->arg);
        if (!value) continue;
        kvs[n++] = e->key;
        kvs[n++] = value;
    }
    kvs[n] = NULL;
    return kvs;
}

int libxl__dev_entries_decode(libxl__gc *gc, const libxl__dev_entries *table,
                              void *dev, libxl__dev_lookup *lookup,
                              void *user, const char *path)
{
    for (unsigned i = 0; i < table->count; i++) {
        const libxl__dev_entry *e = &table->entries[i];
        const char *text;
        int rc;

        if (!(e->where & LIBXL__DEVENT_BACK) || !e->codec->decode ||
            (e->flags & (LIBXL__DEVENT_ADDR | LIBXL__DEVENT_WRITE_ONLY)))
            continue;
        text = lookup(e->key, user);
        if (!text) {
            if (e->flags & LIBXL__DEVENT_OPTIONAL) continue;
            LOG(gc->ctx, ERROR, "Missing xenstore node %s/%s", path, e->key);
            return ERROR_FAIL;
        }
        rc = e->codec->decode(gc, text, (char *)dev + e->offset, e->arg);
        if (rc) {
            LOG(gc->ctx, ERROR, "Unable to parse xenstore node %s/%s", path,
                e->key);
            return ERROR_FAIL;
        }
    }
    return 0;
}

/* ---------------------------------------------------------- strings */

static const char *string_encode(libxl__gc *gc, const libxl__devent_src *src,
                                 const void *field, const void *arg)
{
    (void)gc; (void)src; (void)arg;
    return *(char *const *)field;
}

static const char *string_or_empty_encode(libxl__gc *gc,
                                          const libxl__devent_src *src,
                                          const void *field, const void *arg)
{
    const char *s = string_encode(gc, src, field, arg);
    return s ? s : "";
}

static int string_decode(libxl__gc *gc, const char *text, void *field,
                         const void *arg)
{
    char **s = field;
    char *copy = strdup(text);
    (void)gc; (void)arg;

    if (!copy) return ERROR_NOMEM;
    free(*s);
    *s = copy;
    return 0;
}

const libxl__dev_codec libxl__devc_string = { string_encode, string_decode };
const libxl__dev_codec libxl__devc_string_or_empty = {
    string_or_empty_encode, string_decode };

/* ---------------------------------------------------------- numbers */

/* Decimal, no sign, no blanks, no leading zeros; at most max. */
static bool parse_decimal(const char *text, uint64_t max, uint64_t *val)
{
    uint64_t v = 0;
    const char *p = text;

    if (*p < '0' || *p > '9' || (*p == '0' && p[1])) return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10) return false;
        v = v * 10 + d;
    }
    if (*p) return false;
    *val = v;
    return true;
}

static const char *int_encode(libxl__gc *gc, const libxl__devent_src *src,
                              const void *field, const void *arg)
{
    (void)src; (void)arg;
    return GCSPRINTF("%d", *(const int *)field);
}

static int int_decode(libxl__gc *gc, const char *text, void *field,
                      const void *arg)
{
    uint64_t v;
    (void)gc; (void)arg;

    if (*text == '-') {
        if (!parse_decimal(text + 1, (uint64_t)INT32_MAX + 1, &v) || !v)
            return ERROR_INVAL;
        *(int *)field = (int)-(int64_t)v;
        return 0;
    }
    if (!parse_decimal(text, INT32_MAX, &v)) return ERROR_INVAL;
    *(int *)field = (int)v;
    return 0;
}

static const char *u32_encode(libxl__gc *gc, const libxl__devent_src *src,
                              const void *field, const void *arg)
{
    (void)src; (void)arg;
    return GCSPRINTF("%" PRIu32, *(const uint32_t *)field);
}

static int u32_decode(libxl__gc *gc, const char *text, void *field,
                      const void *arg)
{
    uint64_t v;
    (void)gc; (void)arg;

    if (!parse_decimal(text, UINT32_MAX, &v)) return ERROR_INVAL;
    *(uint32_t *)field = (uint32_t)v;
    return 0;
}

static const char *u64_encode(libxl__gc *gc, const libxl__devent_src *src,
                              const void *field, const void *arg)
{
    (void)src; (void)arg;
    return GCSPRINTF("%" PRIu64, *(const uint64_t *)field);
}

static int u64_decode(libxl__gc *gc, const char *text, void *field,
                      const void *arg)
{
    (void)gc; (void)arg;
    return parse_decimal(text, UINT64_MAX, field) ? 0 : ERROR_INVAL;
}

const libxl__dev_codec libxl__devc_int = { int_encode, int_decode };
const libxl__dev_codec libxl__devc_u32 = { u32_encode, u32_decode };
const libxl__dev_codec libxl__devc_u64 = { u64_encode, u64_decode };

/* ---------------------------------------------------------- truth values */

static const char *int01_encode(libxl__gc *gc, const libxl__devent_src *src,
                                const void *field, const void *arg)
{
    (void)gc; (void)src; (void)arg;
    return *(const int *)field ? "1" : "0";
}

/* libxl reads these with atoi: any decimal number, its truth value. */
static int truth_decode(const char *text, bool *val)
{
    uint64_t v;

    if (!parse_decimal(text, UINT64_MAX, &v)) return ERROR_INVAL;
    *val = v != 0;
    return 0;
}

static int int01_decode(libxl__gc *gc, const char *text, void *field,
                        const void *arg)
{
    bool b;
    (void)gc; (void)arg;

    if (truth_decode(text, &b)) return ERROR_INVAL;
    *(int *)field = b;
    return 0;
}

static const char *bool01_encode(libxl__gc *gc, const libxl__devent_src *src,
                                 const void *field, const void *arg)
{
    (void)gc; (void)src; (void)arg;
    return *(const bool *)field ? "1" : "0";
}

static int bool01_decode(libxl__gc *gc, const char *text, void *field,
                         const void *arg)
{
    (void)gc; (void)arg;
    return truth_decode(text, field);
}

static const char *defbool01_encode(libxl__gc *gc,
                                    const libxl__devent_src *src,
                                    const void *field, const void *arg)
{
    (void)gc; (void)src; (void)arg;
    return libxl_defbool_val(*(const libxl_defbool *)field) ? "1" : "0";
}

static int defbool01_decode(libxl__gc *gc, const char *text, void *field,
                            const void *arg)
{
    bool b;
    (void)gc; (void)arg;

    if (truth_decode(text, &b)) return ERROR_INVAL;
    libxl_defbool_set(field, b);
    return 0;
}

const libxl__dev_codec libxl__devc_int01 = { int01_encode, int01_decode };
const libxl__dev_codec libxl__devc_bool01 = { bool01_encode, bool01_decode };
const libxl__dev_codec libxl__devc_defbool01 = {
    defbool01_encode, defbool01_decode };

/* ---------------------------------------------------------- words */

static const char *int_words_encode(libxl__gc *gc,
                                    const libxl__devent_src *src,
                                    const void *field, const void *arg)
{
    const libxl__devc_words *w = arg;
    (void)gc; (void)src;
    return *(const int *)field ? w->yes : w->no;
}

static int int_words_decode(libxl__gc *gc, const char *text, void *field,
                            const void *arg)
{
    const libxl__devc_words *w = arg;
    (void)gc;
    *(int *)field = !strcmp(text, w->yes);
    return 0;
}

static const char *bool_words_encode(libxl__gc *gc,
                                     const libxl__devent_src *src,
                                     const void *field, const void *arg)
{
    const libxl__devc_words *w = arg;
    (void)gc; (void)src;
    return *(const bool *)field ? w->yes : w->no;
}

static int bool_words_decode(libxl__gc *gc, const char *text, void *field,
                             const void *arg)
{
    const libxl__devc_words *w = arg;
    (void)gc;
    *(bool *)field = !strcmp(text, w->yes);
    return 0;
}

const libxl__dev_codec libxl__devc_int_words = {
    int_words_encode, int_words_decode };
const libxl__dev_codec libxl__devc_bool_words = {
    bool_words_encode, bool_words_decode };

/* ---------------------------------------------------------- enums */

static const char *enum_encode(libxl__gc *gc, const libxl__devent_src *src,
                               const void *field, const void *arg)
{
    const libxl__devc_enum_arg *en = arg;
    (void)gc; (void)src;
    return en->to_string(*(const int *)field);
}

static int enum_decode(libxl__gc *gc, const char *text, void *field,
                       const void *arg)
{
    const libxl__devc_enum_arg *en = arg;
    int v;
    (void)gc;

    if (en->from_string(text, &v)) return ERROR_INVAL;
    *(int *)field = v;
    return 0;
}

const libxl__dev_codec libxl__devc_enum = { enum_encode, enum_decode };

/* ---------------------------------------------------------- mac, fixed */

static const char *mac_encode(libxl__gc *gc, const libxl__devent_src *src,
                              const void *field, const void *arg)
{
    const uint8_t *m = field;
    (void)src; (void)arg;
    return GCSPRINTF("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
                     m[4], m[5]);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int mac_decode(libxl__gc *gc, const char *text, void *field,
                      const void *arg)
{
    uint8_t *m = field, v[6];
    (void)gc; (void)arg;

    if (strlen(text) != 17) return ERROR_INVAL;
    for (int i = 0; i < 6; i++) {
        int hi = hexval(text[3 * i]), lo = hexval(text[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && text[3 * i + 2] != ':'))
            return ERROR_INVAL;
        v[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(m, v, 6);
    return 0;
}

static const char *fixed_encode(libxl__gc *gc, const libxl__devent_src *src,
                                const void *field, const void *arg)
{
    (void)gc; (void)src; (void)field;
    return arg;
}

const libxl__dev_codec libxl__devc_mac = { mac_encode, mac_decode };
const libxl__dev_codec libxl__devc_fixed = { fixed_encode, NULL };
