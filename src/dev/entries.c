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

const char libxl__dev_lookup_error[] = "";

/* Only its address matters: the entries it marks are walked, not
 * encoded. */
const libxl__dev_codec libxl__devc_nested = { NULL, NULL };

static const libxl__dev_subtable *nested(const libxl__dev_entry *e)
{
    return e->codec == &libxl__devc_nested ? e->arg : NULL;
}

static const void *field_of(const libxl__dev_entry *e,
                            const libxl__devent_src *src)
{
    const char *base = (e->flags & LIBXL__DEVENT_ADDR)
        ? (const char *)src->addr : (const char *)src->dev;
    return base + e->offset;
}

/* A nested array's count and elements, in its parent. */
static int *sub_count(const libxl__dev_entry *e, const void *parent)
{
    return (int *)((char *)parent + nested(e)->count_offset);
}

static char **sub_array(const libxl__dev_entry *e, const void *parent)
{
    return (char **)((char *)parent + e->offset);
}

/* The prefix of element i of e's array, under prefix. */
static char *elem_prefix(libxl__gc *gc, const char *prefix,
                         const libxl__dev_entry *e, unsigned i)
{
    char *key = libxl__gc_sprintf(gc, e->key, i);
    return key ? GCSPRINTF("%s%s/", prefix, key) : NULL;
}

/* How many keys entry e stands for: 1, or a series' count (checked). */
static unsigned keys_of(const libxl__dev_entry *e,
                        const libxl__devent_src *src)
{
    int n;

    if (!(e->flags & LIBXL__DEVENT_SERIES)) return 1;
    n = *(const int *)field_of(e, src);
    return n > 0 && n <= LIBXL__DEVENT_SERIES_MAX ? (unsigned)n : 0;
}

/* The key/value list being built: grows in gc. */
typedef struct {
    libxl__gc *gc;
    const char **kvs;
    unsigned n, cap;                 /* strings held / room */
} kvs_builder;

static bool kvs_add(kvs_builder *b, const char *key, const char *value)
{
    libxl__gc *gc = b->gc;

    if (b->n + 3 > b->cap) {
        unsigned cap = b->cap ? 2 * b->cap : 32;
        const char **kvs = GCZALLOC(cap * sizeof(*kvs));

        if (!kvs) return false;
        if (b->n) memcpy(kvs, b->kvs, b->n * sizeof(*kvs));
        b->kvs = kvs;
        b->cap = cap;
    }
    b->kvs[b->n++] = key;
    b->kvs[b->n++] = value;
    b->kvs[b->n] = NULL;
    return true;
}

static bool kvs_table(kvs_builder *b, const libxl__dev_entries *table,
                      unsigned where, const libxl__devent_src *src,
                      const char *prefix)
{
    libxl__gc *gc = b->gc;

    for (unsigned i = 0; i < table->count; i++) {
        const libxl__dev_entry *e = &table->entries[i];
        const libxl__dev_subtable *st = nested(e);
        const char *value, *key;

        if (!(e->where & where)) continue;
        if (e->when && !e->when(src)) continue;
        if (st) {
            libxl__devent_src sub = *src;
            int n;

            if (!st->elem_size) {
                sub.dev = field_of(e, src);
                if (!kvs_table(b, &st->table, where, &sub, prefix))
                    return false;
                continue;
            }
            n = *sub_count(e, src->dev);
            for (int j = 0; j < n && *sub_array(e, src->dev); j++) {
                const char *p = elem_prefix(gc, prefix, e, (unsigned)j);

                sub.dev = *sub_array(e, src->dev) +
                          (size_t)j * st->elem_size;
                if (!p || !kvs_table(b, &st->table, where, &sub, p))
                    return false;
            }
            continue;
        }
        value = e->codec->encode(gc, src, field_of(e, src), e->arg);
        if (!value) continue;
        if (e->flags & LIBXL__DEVENT_SERIES) {
            for (unsigned k = 1; k <= keys_of(e, src); k++) {
                key = GCSPRINTF("%s%s/%u", prefix, e->key, k);
                if (!key || !kvs_add(b, key, value)) return false;
            }
            continue;
        }
        key = *prefix ? GCSPRINTF("%s%s", prefix, e->key) : e->key;
        if (!key || !kvs_add(b, key, value)) return false;
    }
    return true;
}

const char **libxl__dev_entries_kvs(libxl__gc *gc,
                                    const libxl__dev_entries *table,
                                    unsigned where,
                                    const libxl__devent_src *src)
{
    kvs_builder b = { gc, NULL, 0, 0 };

    if (!kvs_add(&b, NULL, NULL)) return NULL;   /* room, and the end */
    b.n = 0;
    b.kvs[0] = NULL;
    if (!kvs_table(&b, table, where, src, "")) return NULL;
    return b.kvs;
}

/* Reading back: where to look things up. */
typedef struct {
    libxl__gc *gc;
    unsigned where;
    libxl__dev_lookup *lookup;
    void *user;
    const char *path;
} reader;

static int read_table(reader *r, const libxl__dev_entries *table, void *dev,
                      const char *prefix);

/* The elements of e's array in parent: how many directories there are,
 * from 0 on (unless SIZED). */
static int read_array(reader *r, const libxl__dev_entry *e, void *parent,
                      const char *prefix)
{
    libxl__gc *gc = r->gc;
    const libxl__dev_subtable *st = nested(e);
    int *count = sub_count(e, parent);
    char **array = sub_array(e, parent);

    if (!(st->flags & LIBXL__DEVSUB_SIZED)) {
        unsigned n = 0;
        char *elems;

        for (;; n++) {
            const char *p = elem_prefix(gc, prefix, e, n), *v;

            if (!p) return ERROR_NOMEM;
            v = r->lookup(GCSPRINTF("%.*s", (int)strlen(p) - 1, p), r->user);
            if (v == libxl__dev_lookup_error) {
                LOG(gc->ctx, ERROR, "Unable to read xenstore node %s/%.*s",
                    r->path, (int)strlen(p) - 1, p);
                return ERROR_FAIL;
            }
            if (!v) break;
            if (n == INT32_MAX) return ERROR_FAIL;
        }
        if (*count || *array) {
            LOG(gc->ctx, ERROR, "internal error: %s/%s read back twice",
                r->path, e->key);
            return ERROR_FAIL;
        }
        if (!n) return 0;
        elems = calloc(n, st->elem_size);
        if (!elems) {
            LOG(gc->ctx, ERROR, "no memory for %u entries under %s", n,
                r->path);
            return ERROR_NOMEM;
        }
        for (unsigned i = 0; i < n; i++) st->init(elems + i * st->elem_size);
        *array = elems;
        *count = (int)n;
    }
    for (int i = 0; i < *count && *array; i++) {
        const char *p = elem_prefix(gc, prefix, e, (unsigned)i);
        int rc;

        if (!p) return ERROR_NOMEM;
        rc = read_table(r, &st->table, *array + (size_t)i * st->elem_size,
                        p);
        if (rc) return rc;
    }
    return 0;
}

static int read_table(reader *r, const libxl__dev_entries *table, void *dev,
                      const char *prefix)
{
    libxl__gc *gc = r->gc;

    for (unsigned i = 0; i < table->count; i++) {
        const libxl__dev_entry *e = &table->entries[i];
        const libxl__dev_subtable *st = nested(e);
        const char *text, *key;
        int rc;

        if (!(e->where & r->where) ||
            (e->flags & (LIBXL__DEVENT_ADDR | LIBXL__DEVENT_WRITE_ONLY |
                         LIBXL__DEVENT_SERIES)))
            continue;
        if (st) {
            rc = st->elem_size
                ? read_array(r, e, dev, prefix)
                : read_table(r, &st->table, (char *)dev + e->offset,
                             prefix);
            if (rc) return rc;
            continue;
        }
        if (!e->codec->decode) continue;
        key = *prefix ? GCSPRINTF("%s%s", prefix, e->key) : e->key;
        if (!key) return ERROR_NOMEM;
        text = r->lookup(key, r->user);
        if (text == libxl__dev_lookup_error) {
            LOG(gc->ctx, ERROR, "Unable to read xenstore node %s/%s",
                r->path, key);
            return ERROR_FAIL;
        }
        if (!text && (e->flags & LIBXL__DEVENT_DEFAULT)) text = e->arg;
        if (!text) {
            if (e->flags & LIBXL__DEVENT_OPTIONAL) continue;
            LOG(gc->ctx, ERROR, "Missing xenstore node %s/%s", r->path, key);
            return ERROR_FAIL;
        }
        rc = e->codec->decode(gc, text, (char *)dev + e->offset, e->arg);
        if (rc) {
            LOG(gc->ctx, ERROR, "Unable to parse xenstore node %s/%s",
                r->path, key);
            return ERROR_FAIL;
        }
    }
    return 0;
}

int libxl__dev_entries_read(libxl__gc *gc, const libxl__dev_entries *table,
                            unsigned where, void *dev,
                            libxl__dev_lookup *lookup, void *user,
                            const char *path)
{
    reader r = { gc, where, lookup, user, path };
    return read_table(&r, table, dev, "");
}

int libxl__dev_entries_decode(libxl__gc *gc, const libxl__dev_entries *table,
                              void *dev, libxl__dev_lookup *lookup,
                              void *user, const char *path)
{
    return libxl__dev_entries_read(gc, table, LIBXL__DEVENT_BACK, dev, lookup,
                                   user, path);
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

/* ---------------------------------------------------------- loose numbers */

static const char *u32_loose_encode(libxl__gc *gc,
                                    const libxl__devent_src *src,
                                    const void *field, const void *arg)
{
    uint32_t v = *(const uint32_t *)field;
    (void)src; (void)arg;
    return v ? GCSPRINTF("%" PRIu32, v) : NULL;
}

static int u32_loose_decode(libxl__gc *gc, const char *text, void *field,
                            const void *arg)
{
    (void)gc; (void)arg;
    *(uint32_t *)field = (uint32_t)strtoul(text, NULL, 0);
    return 0;
}

static int int_loose_decode(libxl__gc *gc, const char *text, void *field,
                            const void *arg)
{
    (void)gc; (void)arg;
    *(int *)field = (int)strtoul(text, NULL, 10);
    return 0;
}

static int bool_loose_decode(libxl__gc *gc, const char *text, void *field,
                             const void *arg)
{
    (void)gc; (void)arg;
    *(bool *)field = strtoul(text, NULL, 10) != 0;
    return 0;
}

const libxl__dev_codec libxl__devc_u32_loose = {
    u32_loose_encode, u32_loose_decode };
const libxl__dev_codec libxl__devc_int_loose = { int_encode,
                                                 int_loose_decode };
const libxl__dev_codec libxl__devc_bool_loose = { bool01_encode,
                                                  bool_loose_decode };
