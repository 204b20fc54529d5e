/*
 * test_entries_series.c: a numbered series in a kind's entry table
 * (LIBXL__DEVENT_SERIES, src/dev/entries.c): an entry that stands for the
 * keys KEY/1 ... KEY/N, N from an int field, written in table order after
 * the entries before it; none when N is out of range; never read back.
 */
#include <check.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dev/entries.h"
#include "testmain.h"

typedef struct {
    int ports;
    char *name;
} thing;

static const libxl__dev_entry entries[] = {
    { "name", LIBXL__DEVENT_BACK, offsetof(thing, name), &libxl__devc_string,
      NULL, 0, NULL },
    { "port", LIBXL__DEVENT_BACK, 0, &libxl__devc_fixed, "",
      LIBXL__DEVENT_WRITE_ONLY, NULL },
    { "port", LIBXL__DEVENT_BACK, offsetof(thing, ports), &libxl__devc_fixed,
      "", LIBXL__DEVENT_WRITE_ONLY | LIBXL__DEVENT_SERIES, NULL },
    { "front", LIBXL__DEVENT_FRONT, 0, &libxl__devc_fixed, "1", 0, NULL },
};
static const libxl__dev_entries table = LIBXL__DEV_ENTRIES(entries);

/* The kvs for t, joined as "k=v;" (static). */
static const char *kvs_of(thing *t)
{
    static char out[1024];
    GC_INIT(NULL);
    libxl__devaddr addr = { 0 };
    libxl__devent_src src = { NULL, t, &addr, LIBXL_DOMAIN_TYPE_PV };
    const char **kvs = libxl__dev_entries_kvs(gc, &table, LIBXL__DEVENT_BACK,
                                              &src);

    ck_assert_ptr_nonnull(kvs);
    out[0] = 0;
    for (int i = 0; kvs[i]; i += 2) {
        strcat(out, kvs[i]);
        strcat(out, "=");
        strcat(out, kvs[i + 1]);
        strcat(out, ";");
    }
    return out;
}

TEST(series_keys_in_order, 30)
{
    thing t = { 3, "x" };

    ck_assert_str_eq(kvs_of(&t), "name=x;port=;port/1=;port/2=;port/3=;");
    t.ports = 1;
    ck_assert_str_eq(kvs_of(&t), "name=x;port=;port/1=;");
    t.ports = LIBXL__DEVENT_SERIES_MAX;
    const char *s = kvs_of(&t);
    ck_assert_ptr_nonnull(strstr(s, ";port/64=;"));
    ck_assert_ptr_null(strstr(s, "port/65"));
}

TEST(series_out_of_range_has_no_keys, 30)
{
    static const int bad[] = { 0, -1, LIBXL__DEVENT_SERIES_MAX + 1,
                               1 << 30 };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        thing t = { bad[i], "x" };
        ck_assert_str_eq(kvs_of(&t), "name=x;port=;");
    }
}

static const char *lookup(const char *key, void *user)
{
    (void)user;
    if (!strcmp(key, "name")) return "y";
    if (!strcmp(key, "port")) return "not a number";
    return NULL;
}

TEST(series_never_read_back, 30)
{
    GC_INIT(NULL);
    thing t = { 5, NULL };

    ck_assert_int_eq(libxl__dev_entries_decode(gc, &table, &t, lookup, NULL,
                                               "/libxl/1/device/x/0"), 0);
    ck_assert_int_eq(t.ports, 5);
    ck_assert_str_eq(t.name, "y");
    free(t.name);
}
