/*
 * test_entries_nested.c: nested entry tables (src/dev/entries.c,
 * libxl__devc_nested): an array of structs written under "INDEX/" or a
 * named prefix, with arrays and embedded structs inside, in table order;
 * read back from a lookup, elements found from 0 up to the first missing
 * index; LIBXL__DEVSUB_SIZED reads only the elements already there; read
 * errors, missing mandatory entries and refused values fail cleanly.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "dev/entries.h"
#include "testlog.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;

static void setup(void)
{
    lg = testlog_new();
    ck_assert_ptr_nonnull(lg);
    ck_assert_int_eq(libxl__ctx_alloc_bare(&ctx, lg), 0);
}

static void teardown(void)
{
    libxl_ctx_free(ctx);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

#define FRONT LIBXL__DEVENT_FRONT
#define OPT LIBXL__DEVENT_OPTIONAL

static const libxl__dev_entry params_entries[] = {
    { "channels-min", FRONT, offsetof(libxl_vsnd_params, channels_min),
      &libxl__devc_u32_loose, NULL, OPT, NULL },
};
static const libxl__dev_subtable params = {
    LIBXL__DEV_ENTRIES(params_entries), 0, 0, NULL, 0 };

static const libxl__dev_entry stream_entries[] = {
    { "unique-id", FRONT, offsetof(libxl_vsnd_stream, unique_id),
      &libxl__devc_string, NULL, 0, NULL },
    { "", FRONT, offsetof(libxl_vsnd_stream, params), &libxl__devc_nested,
      &params, 0, NULL },
};
static const libxl__dev_subtable streams = {
    LIBXL__DEV_ENTRIES(stream_entries), sizeof(libxl_vsnd_stream),
    offsetof(libxl_vsnd_pcm, num_vsnd_streams),
    (void (*)(void *))libxl_vsnd_stream_init, 0 };

static const libxl__dev_entry pcm_entries[] = {
    { "name", FRONT, offsetof(libxl_vsnd_pcm, name), &libxl__devc_string,
      NULL, OPT, NULL },
    { "stream-%u", FRONT, offsetof(libxl_vsnd_pcm, streams),
      &libxl__devc_nested, &streams, 0, NULL },
};
static const libxl__dev_subtable pcms = {
    LIBXL__DEV_ENTRIES(pcm_entries), sizeof(libxl_vsnd_pcm),
    offsetof(libxl_device_vsnd, num_vsnd_pcms),
    (void (*)(void *))libxl_vsnd_pcm_init, 0 };

static const libxl__dev_entry card_entries[] = {
    { "short-name", FRONT, offsetof(libxl_device_vsnd, short_name),
      &libxl__devc_string, NULL, OPT, NULL },
    { "", FRONT, offsetof(libxl_device_vsnd, params), &libxl__devc_nested,
      &params, 0, NULL },
    { "%u", FRONT, offsetof(libxl_device_vsnd, pcms), &libxl__devc_nested,
      &pcms, 0, NULL },
    { "back", LIBXL__DEVENT_BACK, 0, &libxl__devc_fixed, "1", 0, NULL },
};
static const libxl__dev_entries card = LIBXL__DEV_ENTRIES(card_entries);

/* A card with two PCM devices, the first with two streams. */
static void make_card(libxl_device_vsnd *v)
{
    libxl_device_vsnd_init(v);
    v->short_name = strdup("card");
    v->params.channels_min = 2;
    v->num_vsnd_pcms = 2;
    v->pcms = calloc(2, sizeof(*v->pcms));
    ck_assert_ptr_nonnull(v->pcms);
    for (int i = 0; i < 2; i++) libxl_vsnd_pcm_init(&v->pcms[i]);
    v->pcms[0].name = strdup("pcm0");
    v->pcms[0].num_vsnd_streams = 2;
    v->pcms[0].streams = calloc(2, sizeof(*v->pcms[0].streams));
    ck_assert_ptr_nonnull(v->pcms[0].streams);
    for (int j = 0; j < 2; j++) {
        libxl_vsnd_stream_init(&v->pcms[0].streams[j]);
        v->pcms[0].streams[j].unique_id = strdup(j ? "s1" : "s0");
    }
    v->pcms[0].streams[1].params.channels_min = 1;
}

static const char *const expected[] = {
    "short-name", "card",
    "channels-min", "2",
    "0/name", "pcm0",
    "0/stream-0/unique-id", "s0",
    "0/stream-1/unique-id", "s1",
    "0/stream-1/channels-min", "1",
    NULL,
};

TEST(nested_kvs_in_table_order, 30)
{
    GC_INIT(ctx);
    libxl_device_vsnd v;
    libxl__devaddr addr = { 0 };
    libxl__devent_src src = { ctx, &v, &addr, LIBXL_DOMAIN_TYPE_PV };
    const char **kvs;
    int i;

    make_card(&v);
    kvs = libxl__dev_entries_kvs(gc, &card, FRONT, &src);
    ck_assert_ptr_nonnull(kvs);
    for (i = 0; expected[i]; i++) {
        ck_assert_ptr_nonnull(kvs[i]);
        ck_assert_str_eq(kvs[i], expected[i]);
    }
    ck_assert_ptr_null(kvs[i]);
    kvs = libxl__dev_entries_kvs(gc, &card, LIBXL__DEVENT_BACK, &src);
    ck_assert_str_eq(kvs[0], "back");
    ck_assert_ptr_null(kvs[2]);
    libxl_device_vsnd_dispose(&v);
}

/* A lookup over a NULL-terminated key/value list; directories are the
 * prefixes of its keys; "ERR" is a read error. */
static const char *list_lookup(const char *key, void *user)
{
    const char *const *kv = user;
    size_t len = strlen(key);

    for (; kv[0]; kv += 2) {
        if (!strcmp(kv[0], key))
            return strcmp(kv[1], "ERR") ? kv[1] : libxl__dev_lookup_error;
        if (!strncmp(kv[0], key, len) && kv[0][len] == '/') return "";
    }
    return NULL;
}

static int read_card(const char *const *kv, libxl_device_vsnd *v)
{
    GC_INIT(ctx);
    libxl_device_vsnd_init(v);
    return libxl__dev_entries_read(gc, &card, FRONT, v, list_lookup,
                                   (void *)kv, "/test");
}

TEST(nested_round_trip, 30)
{
    libxl_device_vsnd v, back;
    char *a, *b;

    make_card(&v);
    v.pcms[1].name = strdup("pcm1");          /* the second must show */
    const char *const kv[] = {
        "short-name", "card", "channels-min", "2", "0/name", "pcm0",
        "0/stream-0/unique-id", "s0", "0/stream-1/unique-id", "s1",
        "0/stream-1/channels-min", "1", "1/name", "pcm1", NULL,
    };
    ck_assert_int_eq(read_card(kv, &back), 0);
    a = libxl_device_vsnd_to_json(ctx, &v);
    b = libxl_device_vsnd_to_json(ctx, &back);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    libxl_device_vsnd_dispose(&v);
    libxl_device_vsnd_dispose(&back);
}

TEST(nested_hostile, 30)
{
    libxl_device_vsnd v;

    /* a gap: index 2 is not reached */
    const char *const gap[] = {
        "0/name", "a", "2/name", "c", "0/stream-0/unique-id", "x",
        "0/stream-2/unique-id", "z", NULL };
    ck_assert_int_eq(read_card(gap, &v), 0);
    ck_assert_int_eq(v.num_vsnd_pcms, 1);
    ck_assert_int_eq(v.pcms[0].num_vsnd_streams, 1);
    ck_assert_str_eq(v.pcms[0].streams[0].unique_id, "x");
    libxl_device_vsnd_dispose(&v);

    /* a stream without its mandatory entry */
    const char *const missing[] = { "0/stream-0/channels-min", "1", NULL };
    ck_assert_int_eq(read_card(missing, &v), ERROR_FAIL);
    libxl_device_vsnd_dispose(&v);

    /* a read error, on an element's directory or on a value */
    const char *const err1[] = { "0", "ERR", NULL };
    ck_assert_int_eq(read_card(err1, &v), ERROR_FAIL);
    libxl_device_vsnd_dispose(&v);
    const char *const err2[] = { "0/stream-0/unique-id", "ERR", NULL };
    ck_assert_int_eq(read_card(err2, &v), ERROR_FAIL);
    libxl_device_vsnd_dispose(&v);

    /* loose numbers read as libxl reads them */
    const char *const loose[] = { "channels-min", " 0x10junk", NULL };
    ck_assert_int_eq(read_card(loose, &v), 0);
    ck_assert_uint_eq(v.params.channels_min, 16);
    ck_assert_int_eq(v.num_vsnd_pcms, 0);
    ck_assert_ptr_null(v.pcms);
    libxl_device_vsnd_dispose(&v);
}

TEST(nested_sized_reads_only_what_is_there, 30)
{
    static const libxl__dev_subtable sized = {
        LIBXL__DEV_ENTRIES(stream_entries), sizeof(libxl_vsnd_stream),
        offsetof(libxl_vsnd_pcm, num_vsnd_streams), NULL,
        LIBXL__DEVSUB_SIZED };
    static const libxl__dev_entry pcm[] = {
        { "%u", FRONT, offsetof(libxl_vsnd_pcm, streams),
          &libxl__devc_nested, &sized, 0, NULL },
    };
    static const libxl__dev_entries table = LIBXL__DEV_ENTRIES(pcm);
    const char *const kv[] = { "0/unique-id", "a", "1/unique-id", "b",
                               NULL };
    libxl_vsnd_pcm p;
    GC_INIT(ctx);

    libxl_vsnd_pcm_init(&p);
    p.streams = calloc(1, sizeof(*p.streams));
    ck_assert_ptr_nonnull(p.streams);
    libxl_vsnd_stream_init(&p.streams[0]);
    p.num_vsnd_streams = 1;
    ck_assert_int_eq(libxl__dev_entries_read(gc, &table, FRONT, &p,
                                             list_lookup, (void *)kv, "/t"),
                     0);
    ck_assert_int_eq(p.num_vsnd_streams, 1);
    ck_assert_str_eq(p.streams[0].unique_id, "a");
    libxl_vsnd_pcm_dispose(&p);
}
