/*
 * test_builtins.c: the hand-written builtin types (types/builtins.h and
 * their public helpers): init, dispose, copy and is_default; the JSON text
 * each writes; what each parser accepts and rejects, including where
 * lightcore deliberately differs from libxl 4.17 (marked "libxl: ..."); the
 * bitmap, list, MAC, hwcap, generation id and CPUID policy helpers.
 * (Agreement with Debian's libxenlight on shared inputs is checked by
 * tests/types/builtindump.c, run as types-builtin-gen-check and
 * types-builtin-parse-check.)
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>
#include "types/builtin_impl.h"
#include "types/builtins.h"
#include "types/cpuid_policy.h"
#include "testmain.h"

/* ------------------------------------------------------------ helpers */

/* gen_json's text on a generator configured as libxl's (malloc'ed). */
static char *gen_text(yajl_gen_status (*fn)(yajl_gen, void *), void *p)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;
    char *text;

    ck_assert_ptr_nonnull(g);
    yajl_gen_config(g, yajl_gen_beautify, 1);
    ck_assert_int_eq(fn(g, p), yajl_gen_status_ok);
    ck_assert_int_eq(yajl_gen_get_buf(g, &buf, &len), yajl_gen_status_ok);
    text = strndup((const char *)buf, len);
    yajl_gen_free(g);
    return text;
}
#define GEN_TEXT(type, p) \
    gen_text((yajl_gen_status (*)(yajl_gen, void *))libxl_##type##_gen_json, (p))

/* yajl ends a complete top-level value with a newline. */
static void expect_gen(char *text, const char *want)
{
    size_t n = strlen(text);

    ck_assert_msg(n > 0 && text[n - 1] == '\n', "no newline: %s", text);
    text[n - 1] = '\0';
    ck_assert_str_eq(text, want);
    free(text);
}

/* Parses text as the builtin: rc of lc_<type>_parse_json. */
#define PARSE(type, text, p) ({                                           \
        json_object *o_ = json_tokener_parse(text);                       \
        int rc_;                                                          \
        ck_assert_msg(o_ != NULL, "bad test JSON %s", text);              \
        rc_ = lc_##type##_parse_json(o_, (p));                            \
        json_object_put(o_);                                              \
        rc_; })

/* ------------------------------------------------------------ bitmap */

static void bits_are(const libxl_bitmap *b, uint32_t size, const int *bits,
                     int n)
{
    int k = 0, i;

    ck_assert_uint_eq(b->size, size);
    libxl_for_each_set_bit(i, *b) {
        ck_assert_int_lt(k, n);
        ck_assert_int_eq(i, bits[k]);
        k++;
    }
    ck_assert_int_eq(k, n);
}

TEST(bitmap_alloc_set_test_reset, 30)
{
    libxl_bitmap b;
    int i, n = 0;

    libxl_bitmap_init(&b);
    ck_assert_uint_eq(b.size, 0);
    ck_assert_ptr_null(b.map);
    ck_assert(libxl_bitmap_is_empty(&b));
    ck_assert(libxl_bitmap_is_full(&b));   /* vacuously, as in libxl */

    ck_assert_int_eq(libxl_bitmap_alloc(NULL, &b, 9), 0);
    ck_assert_uint_eq(b.size, 2);           /* whole bytes */
    ck_assert(libxl_bitmap_is_empty(&b));
    libxl_bitmap_set(&b, 0);
    libxl_bitmap_set(&b, 15);
    libxl_bitmap_set(&b, 16);               /* outside: ignored */
    libxl_bitmap_set(&b, -1);               /* ignored */
    ck_assert_int_eq(b.map[0], 0x01);
    ck_assert_int_eq(b.map[1], 0x80);
    ck_assert_int_eq(libxl_bitmap_test(&b, 15), 1);
    ck_assert_int_eq(libxl_bitmap_test(&b, 16), 0);
    ck_assert_int_eq(libxl_bitmap_test(&b, -5), 0);
    ck_assert_int_eq(libxl_bitmap_test(&b, 2147483647), 0);
    ck_assert_int_eq(libxl_bitmap_count_set(&b), 2);
    libxl_bitmap_reset(&b, 15);
    libxl_bitmap_reset(&b, 99);
    ck_assert_int_eq(libxl_bitmap_count_set(&b), 1);
    ck_assert(!libxl_bitmap_is_empty(&b));
    ck_assert(!libxl_bitmap_is_full(&b));
    libxl_bitmap_set_any(&b);
    ck_assert(libxl_bitmap_is_full(&b));
    ck_assert_int_eq(libxl_bitmap_count_set(&b), 16);
    libxl_for_each_bit(i, b)
        n++;
    ck_assert_int_eq(n, 16);
    libxl_bitmap_set_none(&b);
    ck_assert(libxl_bitmap_is_empty(&b));
    ck_assert(libxl_bitmap_cpu_valid(&b, 15));
    ck_assert(!libxl_bitmap_cpu_valid(&b, 16));
    ck_assert(!libxl_bitmap_cpu_valid(&b, -1));
    libxl_bitmap_dispose(&b);
    ck_assert_ptr_null(b.map);
    ck_assert_uint_eq(b.size, 0);
    libxl_bitmap_dispose(&b);               /* idempotent */
    libxl_bitmap_dispose(NULL);

    ck_assert_int_eq(libxl_bitmap_alloc(NULL, &b, 0), 0);
    ck_assert_uint_eq(b.size, 0);
    ck_assert_ptr_nonnull(b.map);
    libxl_bitmap_dispose(&b);
    /* libxl aborts here (a negative calloc size); lightcore refuses. */
    ck_assert_int_eq(libxl_bitmap_alloc(NULL, &b, -9), ERROR_INVAL);
}

TEST(bitmap_copy_or_and_hex, 30)
{
    libxl_bitmap a, b, c, d;

    libxl_bitmap_init(&a);
    libxl_bitmap_init(&b);
    libxl_bitmap_init(&c);
    libxl_bitmap_alloc(NULL, &a, 16);
    libxl_bitmap_alloc(NULL, &b, 8);
    a.map[0] = 0x0f;
    a.map[1] = 0xa5;
    b.map[0] = 0x3c;

    libxl_bitmap_copy_alloc(NULL, &c, &a);
    ck_assert_uint_eq(c.size, 2);
    ck_assert_ptr_ne(c.map, a.map);
    ck_assert_mem_eq(c.map, a.map, 2);
    c.map[1] = 0;
    libxl_bitmap_copy(NULL, &c, &a);
    ck_assert_int_eq(c.map[1], 0xa5);
    ck_assert(libxl_bitmap_equal(&a, &c, 0));
    c.map[1] = 0x25;
    ck_assert(!libxl_bitmap_equal(&a, &c, 0));
    ck_assert(libxl_bitmap_equal(&a, &c, 15));
    libxl_bitmap_dispose(&c);

    ck_assert_int_eq(libxl_bitmap_or(NULL, &c, &a, &b), 0);
    ck_assert_uint_eq(c.size, 2);
    ck_assert_int_eq(c.map[0], 0x3f);
    ck_assert_int_eq(c.map[1], 0xa5);
    ck_assert_int_eq(libxl_bitmap_and(NULL, &d, &b, &a), 0);
    ck_assert_uint_eq(d.size, 1);
    ck_assert_int_eq(d.map[0], 0x0c);
    libxl_bitmap_dispose(&d);

    {
        char *hex = libxl_bitmap_to_hex_string(NULL, &c);

        ck_assert_str_eq(hex, "0xa53f");
        free(hex);
    }
    libxl_bitmap_dispose(&c);
    {
        char *hex = libxl_bitmap_to_hex_string(NULL, &c);

        ck_assert_str_eq(hex, "0x");
        free(hex);
    }

    /* The result may be an operand: computed before it is replaced. */
    {
        uint8_t *old = a.map;

        ck_assert_int_eq(libxl_bitmap_and(NULL, &a, &a, &b), 0);
        free(old);
        ck_assert_uint_eq(a.size, 1);
        ck_assert_int_eq(a.map[0], 0x0c);
    }
    libxl_bitmap_dispose(&a);
    libxl_bitmap_dispose(&b);
}

TEST(bitmap_builtin_and_json, 30)
{
    libxl_bitmap b, c;
    static const int bits[] = { 0, 7, 8, 23 };

    lc_bitmap_init(&b);
    ck_assert(lc_bitmap_is_default(&b));
    expect_gen(GEN_TEXT(bitmap, &b), "[\n\n]");
    ck_assert_int_eq(PARSE(bitmap, "[0, 7, 8, 23]", &b), 0);
    bits_are(&b, 3, bits, 4);
    ck_assert(!lc_bitmap_is_default(&b));
    expect_gen(GEN_TEXT(bitmap, &b),
               "[\n    0,\n    7,\n    8,\n    23\n]");
    lc_bitmap_init(&c);
    lc_bitmap_copy(NULL, &c, &b);
    ck_assert_ptr_ne(c.map, b.map);
    bits_are(&c, 3, bits, 4);
    lc_bitmap_dispose(&b);
    lc_bitmap_dispose(&c);
    ck_assert(lc_bitmap_is_default(&c));

    /* An allocated map with no bit set is still the default. */
    libxl_bitmap_alloc(NULL, &b, 64);
    ck_assert(lc_bitmap_is_default(&b));
    libxl_bitmap_dispose(&b);

    ck_assert_int_eq(PARSE(bitmap, "[]", &b), 0);
    ck_assert_ptr_null(b.map);
    ck_assert_int_eq(PARSE(bitmap, "[0, 0, 3]", &b), 0);  /* repeats: fine */
    ck_assert_uint_eq(b.size, 1);
    ck_assert_int_eq(b.map[0], 0x09);
    libxl_bitmap_dispose(&b);

    ck_assert_int_eq(PARSE(bitmap, "{}", &b), ERROR_FAIL);
    ck_assert_int_eq(PARSE(bitmap, "[1.5]", &b), ERROR_FAIL);
    ck_assert_int_eq(PARSE(bitmap, "[\"1\"]", &b), ERROR_FAIL);
    ck_assert_int_eq(PARSE(bitmap, "[\"a\", 1]", &b), ERROR_FAIL);
    ck_assert_int_eq(PARSE(bitmap, "[null]", &b), ERROR_FAIL);
    ck_assert_ptr_null(b.map);       /* nothing left to dispose on error */
    /* libxl reads 1e2 as the integer 1 (strtoll stops at the 'e'). */
    ck_assert_int_eq(PARSE(bitmap, "[1e2]", &b), ERROR_FAIL);
    /* libxl sizes the map by the last index and drops the 5 silently. */
    ck_assert_int_eq(PARSE(bitmap, "[5, 1]", &b), ERROR_FAIL);
    /* libxl: [-1] is an empty map, [-100] aborts, a huge index allocates
       as much as it asks (or overflows an int). */
    ck_assert_int_eq(PARSE(bitmap, "[-1]", &b), ERROR_FAIL);
    ck_assert_int_eq(PARSE(bitmap, "[-100]", &b), ERROR_FAIL);
    ck_assert_int_eq(PARSE(bitmap, "[2147483647]", &b), ERROR_FAIL);
    ck_assert_int_eq(PARSE(bitmap, "[16777216]", &b), ERROR_FAIL);
    ck_assert_int_eq(PARSE(bitmap, "[18446744073709551615]", &b),
                     ERROR_FAIL);
    ck_assert_ptr_null(b.map);
    ck_assert_int_eq(PARSE(bitmap, "[16777215]", &b), 0);
    ck_assert_uint_eq(b.size, 1 << 21);
    ck_assert_int_eq(libxl_bitmap_count_set(&b), 1);
    libxl_bitmap_dispose(&b);
}

/* ------------------------------------------------------------ lists */

TEST(string_list, 30)
{
    libxl_string_list l = NULL, c = NULL;

    lc_string_list_init(&l);
    ck_assert_ptr_null(l);
    ck_assert(lc_string_list_is_default(&l));
    ck_assert_int_eq(libxl_string_list_length(&l), 0);
    expect_gen(GEN_TEXT(string_list, &l), "[\n\n]");
    libxl_string_list_copy(NULL, &c, &l);
    ck_assert_ptr_null(c);
    libxl_string_list_dispose(&l);

    ck_assert_int_eq(PARSE(string_list, "[\"a\", \"\", \"\\u00e9\\t\"]", &l), 0);
    ck_assert_int_eq(libxl_string_list_length(&l), 3);
    ck_assert_str_eq(l[2], "\xc3\xa9\t");
    ck_assert(!lc_string_list_is_default(&l));
    expect_gen(GEN_TEXT(string_list, &l),
               "[\n    \"a\",\n    \"\",\n    \"\xc3\xa9\\t\"\n]");
    lc_string_list_copy(NULL, &c, &l);
    ck_assert_ptr_ne(c, l);
    ck_assert_ptr_ne(c[0], l[0]);
    ck_assert_str_eq(c[1], "");
    ck_assert_ptr_null(c[3]);
    lc_string_list_dispose(&l);
    ck_assert_ptr_null(l);
    libxl_string_list_dispose(&c);

    /* [] is the NULL list; an allocated empty list is still the default */
    ck_assert_int_eq(PARSE(string_list, "[]", &l), 0);
    ck_assert_ptr_null(l);
    l = calloc(1, sizeof(char *));
    ck_assert(lc_string_list_is_default(&l));
    libxl_string_list_copy(NULL, &c, &l);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_null(c[0]);
    libxl_string_list_dispose(&l);
    libxl_string_list_dispose(&c);

    ck_assert_int_eq(PARSE(string_list, "[\"a\", 1]", &l), ERROR_FAIL);
    ck_assert_int_eq(PARSE(string_list, "[null]", &l), ERROR_FAIL);
    ck_assert_int_eq(PARSE(string_list, "{}", &l), ERROR_FAIL);
    ck_assert_int_eq(PARSE(string_list, "\"a\"", &l), ERROR_FAIL);
    /* libxl keeps "a" (its strings end at the NUL); lightcore rejects. */
    ck_assert_int_eq(PARSE(string_list, "[\"a\\u0000b\"]", &l), ERROR_FAIL);
    ck_assert_ptr_null(l);
}

TEST(key_value_list, 30)
{
    libxl_key_value_list l = NULL, c = NULL;

    lc_key_value_list_init(&l);
    ck_assert(lc_key_value_list_is_default(&l));
    expect_gen(GEN_TEXT(key_value_list, &l), "{\n\n}");

    ck_assert_int_eq(PARSE(key_value_list,
                           "{\"b\": \"1\", \"a\": null, \"\": \"\"}", &l), 0);
    ck_assert_int_eq(libxl_key_value_list_length(&l), 3);
    ck_assert_str_eq(l[0], "b");
    ck_assert_str_eq(l[1], "1");
    ck_assert_str_eq(l[2], "a");
    ck_assert_ptr_null(l[3]);
    ck_assert_str_eq(l[4], "");
    ck_assert_ptr_null(l[6]);
    expect_gen(GEN_TEXT(key_value_list, &l),
               "{\n    \"b\": \"1\",\n    \"a\": null,\n    \"\": \"\"\n}");
    lc_key_value_list_copy(NULL, &c, &l);
    ck_assert_int_eq(libxl_key_value_list_length(&c), 3);
    ck_assert_ptr_ne(c[0], l[0]);
    ck_assert_ptr_null(c[3]);
    ck_assert_str_eq(c[4], "");
    libxl_key_value_list_dispose(&c);
    lc_key_value_list_dispose(&l);
    ck_assert_ptr_null(l);

    /* {} allocates an empty list, as in libxl; still the default. */
    ck_assert_int_eq(PARSE(key_value_list, "{}", &l), 0);
    ck_assert_ptr_nonnull(l);
    ck_assert_ptr_null(l[0]);
    ck_assert(lc_key_value_list_is_default(&l));
    libxl_key_value_list_dispose(&l);

    ck_assert_int_eq(PARSE(key_value_list, "{\"a\": 1}", &l), ERROR_FAIL);
    ck_assert_int_eq(PARSE(key_value_list, "{\"a\": []}", &l), ERROR_FAIL);
    ck_assert_int_eq(PARSE(key_value_list, "[]", &l), ERROR_FAIL);
    ck_assert_int_eq(PARSE(key_value_list, "{\"a\": \"x\\u0000\"}", &l),
                     ERROR_FAIL);
    ck_assert_ptr_null(l);
    libxl_key_value_list_copy(NULL, &c, &l);
    ck_assert_ptr_null(c);
}

/* ------------------------------------------------------------ mac */

TEST(mac, 30)
{
    libxl_mac m, c;
    static const libxl_mac want = { 0x00, 0x16, 0x3e, 0xab, 0x0c, 0xff };

    lc_mac_init(&m);
    ck_assert(lc_mac_is_default(&m));
    expect_gen(GEN_TEXT(mac, &m), "\"00:00:00:00:00:00\"");
    ck_assert_int_eq(PARSE(mac, "\"00:16:3E:ab:0c:ff\"", &m), 0);
    ck_assert_mem_eq(m, want, 6);
    ck_assert(!lc_mac_is_default(&m));
    expect_gen(GEN_TEXT(mac, &m), "\"00:16:3e:ab:0c:ff\"");
    lc_mac_init(&c);
    lc_mac_copy(NULL, &c, &m);
    ck_assert_mem_eq(c, want, 6);
    libxl_mac_copy(NULL, &c, &(libxl_mac){ 0 });
    ck_assert(lc_mac_is_default(&c));
    lc_mac_dispose(&m);
    ck_assert(lc_mac_is_default(&m));

    /* libxl's quirks, kept: strtol's sign and blank, a trailing ':' and
       anything after a sixth field's ':' */
    ck_assert_int_eq(PARSE(mac, "\" a:+b:-1:0a:0b:0c\"", &m), 0);
    ck_assert_int_eq(m[0], 0x0a);
    ck_assert_int_eq(m[1], 0x0b);
    ck_assert_int_eq(m[2], 0xff);
    ck_assert_int_eq(PARSE(mac, "\"aa:bb:cc:dd:ee:ff:zz\"", &m), 0);
    ck_assert_int_eq(m[5], 0xff);

    static const char *bad[] = {
        "\"\"", "\"aa:bb:cc:dd:ee\"", "\"aa:bb:cc:dd:ee:\"",
        "\"aa-bb-cc-dd-ee-ff\"", "\"aa:bb:cc:dd:ee:fff\"",
        "\"aaa:bb:cc:dd:ee:ff\"", "\"0x:bb:cc:dd:ee:ff\"",
        "\"g0:00:00:00:00:00\"", "\"aa:bb:cc:dd:ee:ff \"",
        "\"aa:bb:cc:dd:ee:ff\\u0000\"", "1", "[]", "null",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_object *o = json_tokener_parse(bad[i]);
        int rc = o ? lc_mac_parse_json(o, &m) : ERROR_FAIL;

        /* lc_X_parse_json is never given null; the rest must fail */
        if (!o)
            continue;
        ck_assert_msg(rc == ERROR_FAIL, "%s: rc %d", bad[i], rc);
        json_object_put(o);
    }
}

/* ------------------------------------------------------------ hwcap */

TEST(hwcap, 30)
{
    libxl_hwcap h, c;

    lc_hwcap_init(&h);
    ck_assert(!lc_hwcap_is_default(&h));    /* never: always written */
    expect_gen(GEN_TEXT(hwcap, &h), "[\n    0,\n    0,\n    0,\n    0\n]");
    ck_assert_int_eq(PARSE(hwcap, "[1, 4294967295, 3, 4]", &h), 0);
    ck_assert_uint_eq(h[1], 4294967295u);
    ck_assert_uint_eq(h[4], 0);
    h[7] = 9;                               /* not written: libxl's four */
    expect_gen(GEN_TEXT(hwcap, &h),
               "[\n    1,\n    4294967295,\n    3,\n    4\n]");
    lc_hwcap_init(&c);
    lc_hwcap_copy(NULL, &c, &h);
    ck_assert_uint_eq(c[7], 9);
    libxl_hwcap_copy(NULL, &c, &(libxl_hwcap){ 0 });
    ck_assert_uint_eq(c[0], 0);
    lc_hwcap_dispose(&h);
    ck_assert_uint_eq(h[7], 0);

    /* Eight words fit; libxl ignores the last four. */
    ck_assert_int_eq(PARSE(hwcap, "[1, 2, 3, 4, 5, 6, 7, 8]", &h), 0);
    ck_assert_uint_eq(h[7], 8);
    /* Words before a bad one are stored, as in libxl. */
    lc_hwcap_init(&h);
    ck_assert_int_eq(PARSE(hwcap, "[1, 2, 3]", &h), ERROR_FAIL);
    ck_assert_uint_eq(h[2], 3);
    ck_assert_int_eq(PARSE(hwcap, "[1, 2, \"3\", 4]", &h), ERROR_FAIL);
    ck_assert_int_eq(PARSE(hwcap, "{}", &h), ERROR_FAIL);
    ck_assert_int_eq(PARSE(hwcap, "[1, 2, 3, 4, 5, 6, 7, 8, 9]", &h),
                     ERROR_FAIL);
    /* libxl stores these modulo 2^32. */
    ck_assert_int_eq(PARSE(hwcap, "[4294967296, 0, 0, 0]", &h), ERROR_FAIL);
    ck_assert_int_eq(PARSE(hwcap, "[-1, 0, 0, 0]", &h), ERROR_FAIL);
}

/* ------------------------------------------------------------ genid */

TEST(ms_vm_genid, 30)
{
    libxl_ms_vm_genid g, c;
    char *text;

    lc_ms_vm_genid_init(&g);
    ck_assert(lc_ms_vm_genid_is_default(&g));
    ck_assert(libxl_ms_vm_genid_is_zero(&g));
    ck_assert_int_eq(libxl_ms_vm_genid_generate(NULL, &g), 0);
    ck_assert(!libxl_ms_vm_genid_is_zero(&g));   /* 2^-128 to fail */
    lc_ms_vm_genid_init(&c);
    libxl_ms_vm_genid_copy(NULL, &c, &g);
    ck_assert_mem_eq(c.bytes, g.bytes, 16);
    lc_ms_vm_genid_copy(NULL, &c, &(libxl_ms_vm_genid){ { 0 } });
    ck_assert(lc_ms_vm_genid_is_default(&c));

    ck_assert_int_eq(PARSE(ms_vm_genid,
        "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255]", &g), 0);
    ck_assert_int_eq(g.bytes[15], 255);
    text = GEN_TEXT(ms_vm_genid, &g);
    ck_assert_ptr_nonnull(strstr(text, "[\n    0,\n    1,\n"));
    ck_assert_ptr_nonnull(strstr(text, "    14,\n    255\n]"));
    free(text);
    lc_ms_vm_genid_dispose(&g);
    ck_assert(libxl_ms_vm_genid_is_zero(&g));

    ck_assert_int_eq(PARSE(ms_vm_genid, "[1, 2]", &g), ERROR_FAIL);
    ck_assert_int_eq(g.bytes[1], 2);            /* as libxl: partly read */
    ck_assert_int_eq(PARSE(ms_vm_genid, "{}", &g), ERROR_FAIL);
    /* libxl stores 256 as 0 and ignores a seventeenth element. */
    ck_assert_int_eq(PARSE(ms_vm_genid,
        "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 256]", &g),
        ERROR_FAIL);
    ck_assert_int_eq(PARSE(ms_vm_genid,
        "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]", &g),
        ERROR_FAIL);
}

/* ------------------------------------------------------------ cpuid */

#define X32 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define O32 "01010101010101010101010101010101"

TEST(cpuid_policy_list, 30)
{
    libxl_cpuid_policy_list p, c;
    char *text;

    lc_cpuid_policy_list_init(&p);
    ck_assert_ptr_null(p);
    ck_assert(lc_cpuid_policy_list_is_default(&p));
    ck_assert_int_eq(libxl_cpuid_policy_list_length(&p), 0);
    expect_gen(GEN_TEXT(cpuid_policy_list, &p),
               "{\n    \"cpuid\": [\n\n    ],\n    \"msr\": [\n\n    ]\n}");
    libxl_cpuid_policy_list_copy(NULL, &c, &p);
    ck_assert_ptr_null(c);

    ck_assert_int_eq(PARSE(cpuid_policy_list,
        "{\"cpuid\": [{\"leaf\": 7, \"subleaf\": 0, \"edx\": \"" X32 "\"},"
        " {\"leaf\": 2147483649, \"eax\": \"" O32 "\", \"other\": 1}],"
        " \"msr\": [{\"index\": 266, \"policy\": \"" X32 O32 "\"}]}", &p), 0);
    ck_assert_int_eq(libxl_cpuid_policy_list_length(&p), 2);
    ck_assert_int_eq(lc_cpuid_policy_msr_count(&p), 1);
    ck_assert_uint_eq(p->cpuid[1].input[1], LC_CPUID_UNUSED);
    ck_assert(!lc_cpuid_policy_list_is_default(&p));
    text = GEN_TEXT(cpuid_policy_list, &p);
    ck_assert_str_eq(text,
        "{\n    \"cpuid\": [\n        {\n            \"leaf\": 7,\n"
        "            \"subleaf\": 0,\n            \"edx\": \"" X32 "\"\n"
        "        },\n        {\n            \"leaf\": 2147483649,\n"
        "            \"eax\": \"" O32 "\"\n        }\n    ],\n"
        "    \"msr\": [\n        {\n            \"index\": 266,\n"
        "            \"policy\": \"" X32 O32 "\"\n        }\n    ]\n}\n");
    free(text);
    lc_cpuid_policy_list_copy(NULL, &c, &p);
    ck_assert_ptr_ne(c, p);
    ck_assert_ptr_ne(c->cpuid[0].policy[3], p->cpuid[0].policy[3]);
    ck_assert_str_eq(c->cpuid[0].policy[3], X32);
    ck_assert_ptr_null(c->cpuid[0].policy[0]);
    ck_assert_str_eq(c->msr[0].policy, X32 O32);
    ck_assert_uint_eq(c->msr[1].index, XC_MSR_INPUT_UNUSED);
    text = GEN_TEXT(cpuid_policy_list, &c);
    {
        char *orig = GEN_TEXT(cpuid_policy_list, &p);

        ck_assert_str_eq(text, orig);
        free(orig);
    }
    free(text);
    libxl_cpuid_dispose(&c);
    ck_assert_ptr_null(c);
    lc_cpuid_policy_list_dispose(&p);
    ck_assert_ptr_null(p);
    libxl_cpuid_dispose(&p);

    /* The old form: the bare CPUID array, no MSRs. */
    ck_assert_int_eq(PARSE(cpuid_policy_list,
                           "[{\"leaf\": 1, \"subleaf\": null}]", &p), 0);
    ck_assert_int_eq(libxl_cpuid_policy_list_length(&p), 1);
    ck_assert_ptr_null(p->msr);
    libxl_cpuid_dispose(&p);
    /* Empty still allocates (as libxl), and is the default. */
    ck_assert_int_eq(PARSE(cpuid_policy_list,
                           "{\"cpuid\": [], \"msr\": []}", &p), 0);
    ck_assert_ptr_nonnull(p);
    ck_assert(lc_cpuid_policy_list_is_default(&p));
    libxl_cpuid_policy_list_copy(NULL, &c, &p);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_null(c->cpuid);
    libxl_cpuid_dispose(&c);
    libxl_cpuid_dispose(&p);

    static const char *bad[] = {
        "1", "\"x\"", "{\"cpuid\": []}", "{\"msr\": []}",
        "{\"cpuid\": {}, \"msr\": []}", "{\"cpuid\": [], \"msr\": {}}",
        "[1]", "[[]]", "{\"cpuid\": [], \"msr\": [1]}",
        "{\"cpuid\": [], \"msr\": [{\"index\": 1}]}",
        "{\"cpuid\": [], \"msr\": [{\"policy\": \"" X32 X32 "\"}]}",
        "{\"cpuid\": [], \"msr\": [{\"index\": 1, \"policy\": \"" X32 "\"}]}",
        /* libxl takes these (see cpuid.c) */
        "[{\"subleaf\": 1}]", "[{\"leaf\": \"1\"}]",
        "[{\"leaf\": 4294967295}]", "[{\"leaf\": 4294967296}]",
        "[{\"leaf\": -1}]", "[{\"leaf\": 1, \"subleaf\": \"2\"}]",
        "[{\"leaf\": 1, \"eax\": \"x\"}]", "[{\"leaf\": 1, \"eax\": 5}]",
        "[{\"leaf\": 1}, {\"leaf\": 2, \"ebx\": \"" X32 "x\"}]",
        "{\"cpuid\": [], \"msr\": [{\"index\": 4294967295, \"policy\": \""
            X32 X32 "\"}]}",
        "{\"cpuid\": [], \"msr\": [{\"index\": 1.5, \"policy\": \""
            X32 X32 "\"}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        p = NULL;
        ck_assert_msg(PARSE(cpuid_policy_list, bad[i], &p) == ERROR_FAIL,
                      "accepted %s", bad[i]);
        ck_assert_ptr_null(p);
    }
}

/* ------------------------------------------------------------ defbool, uuid */

TEST(defbool_and_uuid_builtins, 30)
{
    libxl_defbool d, e;
    libxl_uuid u, v;

    lc_defbool_init(&d);
    ck_assert(lc_defbool_is_default(&d));
    expect_gen(GEN_TEXT(defbool, &d), "\"<default>\"");
    ck_assert_int_eq(PARSE(defbool, "\"True\"", &d), 0);
    ck_assert(libxl_defbool_val(d));
    expect_gen(GEN_TEXT(defbool, &d), "\"True\"");
    lc_defbool_copy(NULL, &e, &d);
    ck_assert(libxl_defbool_val(e));
    ck_assert_int_eq(PARSE(defbool, "\"False\"", &d), 0);
    expect_gen(GEN_TEXT(defbool, &d), "\"False\"");
    ck_assert_int_eq(PARSE(defbool, "\"<default>\"", &d), 0);
    ck_assert(lc_defbool_is_default(&d));
    ck_assert_int_eq(PARSE(defbool, "\"true\"", &d), ERROR_FAIL);
    ck_assert_int_eq(PARSE(defbool, "true", &d), ERROR_FAIL);
    /* libxl compares prefixes only: it takes these. */
    ck_assert_int_eq(PARSE(defbool, "\"Truest\"", &d), ERROR_FAIL);
    ck_assert_int_eq(PARSE(defbool, "\"<default>x\"", &d), ERROR_FAIL);
    lc_defbool_dispose(&e);
    ck_assert(lc_defbool_is_default(&e));

    lc_uuid_init(&u);
    ck_assert(lc_uuid_is_default(&u));
    ck_assert_int_eq(PARSE(uuid, "\"A236B483-01a7-4d27-b85f-7843e6439914\"",
                           &u), 0);
    ck_assert(!lc_uuid_is_default(&u));
    expect_gen(GEN_TEXT(uuid, &u), "\"a236b483-01a7-4d27-b85f-7843e6439914\"");
    lc_uuid_copy(NULL, &v, &u);
    ck_assert_int_eq(libxl_uuid_compare(&u, &v), 0);
    lc_uuid_dispose(&v);
    ck_assert(libxl_uuid_is_nil(&v));
    ck_assert_int_eq(PARSE(uuid, "\"a236b483\"", &u), ERROR_FAIL);
    ck_assert_int_eq(PARSE(uuid, "[]", &u), ERROR_FAIL);
}

/* ------------------------------------------------------------ strings */

TEST(string_copy, 30)
{
    char *src = "text", *dst = NULL;

    libxl_string_copy(NULL, &dst, &src);
    ck_assert_ptr_ne(dst, src);
    ck_assert_str_eq(dst, "text");
    free(dst);
    src = NULL;
    dst = (char *)"old";
    libxl_string_copy(NULL, &dst, &src);
    ck_assert_ptr_null(dst);
}

/* ------------------------------------------------------------ yajl errors */

/* A writer stops at yajl's first error and returns it. */
TEST(gen_json_reports_yajl_errors, 30)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    libxl_mac m = { 0 };
    libxl_string_list l = NULL;

    /* Two top-level values: yajl refuses the second. */
    ck_assert_int_eq(libxl_mac_gen_json(g, &m), yajl_gen_status_ok);
    ck_assert_int_eq(libxl_string_list_gen_json(g, &l),
                     yajl_gen_generation_complete);
    yajl_gen_free(g);
}
