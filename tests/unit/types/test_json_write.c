/*
 * test_json_write.c: to_json's JSON writer (types/json_write.h) against
 * yajl configured as libxl configures it (libxl_yajl_gen_alloc): the same
 * calls made on both must give the same bytes, or fail on both. Covered:
 * every byte value inside strings and keys (control characters, DEL,
 * non-ASCII, invalid UTF-8), long strings, integer extremes, empty and
 * nested containers, randomly built documents, yajl's depth limit and
 * misuse, and each builtin's lc_X_write_json against its public
 * libxl_X_gen_json. (Every generated type is compared the same way by
 * tests/types/jsondiff-check's "writer" check.)
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_json.h>
#include <libxl_utils.h>
#include "types/builtin_impl.h"
#include "types/builtins.h"
#include "types/json_write.h"
#include "testmain.h"

/* ------------------------------------------------------------ both */

/* One document written twice: through the writer and through yajl. */
typedef struct {
    lc_jw w;
    yajl_gen g;
    yajl_gen_status st;         /* yajl's first failure, or ok */
} both;

static void both_init(both *b)
{
    lc_jw_init(&b->w);
    b->g = libxl_yajl_gen_alloc(NULL);
    ck_assert_ptr_nonnull(b->g);
    b->st = yajl_gen_status_ok;
}

static void yajl_did(both *b, yajl_gen_status s)
{
    if (b->st == yajl_gen_status_ok)
        b->st = s;
}

/* Ends both; asserts they agree (same text, or both failed). Returns
   whether the document was written (the writer's text is freed). */
static bool both_end(both *b, const char *what)
{
    char *text = lc_jw_finish(&b->w, NULL, "test");
    const unsigned char *buf;
    size_t len;

    if (b->st != yajl_gen_status_ok) {
        ck_assert_msg(text == NULL, "%.40s: yajl failed (%d), the writer "
                      "gave %.120s", what, (int)b->st, text);
        yajl_gen_free(b->g);
        return false;
    }
    ck_assert_int_eq(yajl_gen_get_buf(b->g, &buf, &len), yajl_gen_status_ok);
    ck_assert_msg(text != NULL, "%.40s: the writer failed, yajl wrote %.*s",
                  what, (int)(len < 120 ? len : 120), buf);
    if (strlen(text) != len || memcmp(text, buf, len)) {
        size_t at = 0;

        while (at < len && text[at] == (char)buf[at])
            at++;
        at = at > 40 ? at - 40 : 0;
        ck_abort_msg("%.40s: the texts differ from byte %zu on: the writer "
                     "wrote\n%.120s\nyajl wrote\n%.*s", what, at, text + at,
                     (int)(len - at < 120 ? len - at : 120), buf + at);
    }
    free(text);
    yajl_gen_free(b->g);
    return true;
}

static void b_map_open(both *b)
{
    lc_jw_map_open(&b->w);
    yajl_did(b, yajl_gen_map_open(b->g));
}

static void b_map_close(both *b)
{
    lc_jw_map_close(&b->w);
    yajl_did(b, yajl_gen_map_close(b->g));
}

static void b_array_open(both *b)
{
    lc_jw_array_open(&b->w);
    yajl_did(b, yajl_gen_array_open(b->g));
}

static void b_array_close(both *b)
{
    lc_jw_array_close(&b->w);
    yajl_did(b, yajl_gen_array_close(b->g));
}

static void b_string_n(both *b, const char *s, size_t n)
{
    lc_jw_string_n(&b->w, s, n);
    yajl_did(b, yajl_gen_string(b->g, (const unsigned char *)s, n));
}

static void b_int(both *b, long long v)
{
    lc_jw_int(&b->w, v);
    yajl_did(b, yajl_gen_integer(b->g, v));
}

static void b_uint64(both *b, uint64_t v)
{
    char digits[32];

    lc_jw_uint64(&b->w, v);
    snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
    yajl_did(b, yajl_gen_number(b->g, digits, strlen(digits)));
}

static void b_bool(both *b, bool v)
{
    lc_jw_bool(&b->w, v);
    yajl_did(b, yajl_gen_bool(b->g, v));
}

static void b_null(both *b)
{
    lc_jw_null(&b->w);
    yajl_did(b, yajl_gen_null(b->g));
}

/* ------------------------------------------------------------ strings */

/* s (n bytes) alone, as a member's key and value, and as an element. */
static void check_string(const char *s, size_t n, const char *what)
{
    both b;

    both_init(&b);
    b_string_n(&b, s, n);
    both_end(&b, what);

    both_init(&b);
    b_map_open(&b);
    b_string_n(&b, s, n);
    b_string_n(&b, s, n);
    b_string_n(&b, "k", 1);
    b_array_open(&b);
    b_string_n(&b, s, n);
    b_string_n(&b, s, n);
    b_array_close(&b);
    b_map_close(&b);
    both_end(&b, what);
}

TEST(every_byte_in_strings_and_keys, 30)
{
    char all[255];

    for (int c = 1; c < 256; c++) {
        char one[1] = { (char)c };
        char mid[3] = { 'a', (char)c, 'z' };
        char what[32];

        snprintf(what, sizeof(what), "byte 0x%02x", c);
        check_string(one, 1, what);
        check_string(mid, 3, what);
        all[c - 1] = (char)c;
    }
    check_string(all, sizeof(all), "bytes 1 to 255");
    check_string("", 0, "empty string");
}

TEST(nul_and_invalid_utf8, 30)
{
    static const char *const texts[] = {
        "\xc3", "\xc3\x28", "\xa0\xa1", "\xe2\x28\xa1", "\xe2\x82\x28",
        "\xf0\x28\x8c\xbc", "\xf0\x90\x28\xbc", "\xf8\xa1\xa1\xa1\xa1",
        "\xfc\xa1\xa1\xa1\xa1\xa1", "\xed\xa0\x80", "\xef\xbf\xbf",
        "\xc0\xaf", "\xe0\x80\xaf", "\xff\xfe", "caf\xc3\xa9 \xe2\x82\xac",
        "\xf0\x9f\x98\x80\x7f\x1b[0m", "/\\/\"\\\"",
    };

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
        check_string(texts[i], strlen(texts[i]), texts[i]);
    /* a NUL inside a counted string is a control character like the rest */
    check_string("a\0b", 3, "inner NUL");
}

/* Strings far longer than the writer's first buffer, escapes throughout
   and at the very ends. */
TEST(long_strings, 30)
{
    size_t n = 300000;
    char *s = malloc(n);

    ck_assert_ptr_nonnull(s);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('a' + i % 26);
    check_string(s, n, "long plain");
    for (size_t i = 0; i < n; i += 97)
        s[i] = "\n\"\\\x01\x7f\xc3"[i % 6];
    s[0] = '\x1f';
    s[n - 1] = '"';
    check_string(s, n, "long with escapes");
    for (size_t i = 0; i < n; i++)
        s[i] = '\x02';
    check_string(s, n, "long, every byte escaped");
    free(s);
}

/* ------------------------------------------------------------ atoms */

TEST(numbers_and_literals, 30)
{
    static const long long ints[] = {
        0, 1, -1, 9, 10, -10, 99, 100, 255, 256, 65535, INT_MAX, INT_MIN,
        (long long)INT_MAX + 1, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1,
        1000000000000000000LL, -999999999999999999LL,
    };
    static const uint64_t uints[] = {
        0, 1, 10, UINT32_MAX, (uint64_t)LLONG_MAX + 1, UINT64_MAX,
        UINT64_MAX - 1, 10000000000000000000ULL,
    };
    both b;

    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        both_init(&b);
        b_int(&b, ints[i]);
        both_end(&b, "integer");
    }
    for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
        both_init(&b);
        b_uint64(&b, uints[i]);
        both_end(&b, "uint64");
    }
    both_init(&b);
    b_array_open(&b);
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        b_int(&b, ints[i]);
    for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++)
        b_uint64(&b, uints[i]);
    b_bool(&b, true);
    b_bool(&b, false);
    b_null(&b);
    b_array_close(&b);
    both_end(&b, "array of atoms");
    for (int v = 0; v < 3; v++) {
        both_init(&b);
        if (v == 2)
            b_null(&b);
        else
            b_bool(&b, v);
        both_end(&b, "top-level literal");
    }
}

/* ------------------------------------------------------------ containers */

TEST(empty_and_nested_containers, 30)
{
    both b;

    both_init(&b);
    b_map_open(&b);
    b_map_close(&b);
    both_end(&b, "{}");

    both_init(&b);
    b_array_open(&b);
    b_array_close(&b);
    both_end(&b, "[]");

    both_init(&b);
    b_map_open(&b);
    b_string_n(&b, "a", 1);
    b_map_open(&b);
    b_map_close(&b);
    b_string_n(&b, "b", 1);
    b_array_open(&b);
    b_map_open(&b);
    b_map_close(&b);
    b_array_open(&b);
    b_array_close(&b);
    b_array_open(&b);
    b_int(&b, 1);
    b_array_close(&b);
    b_array_close(&b);
    b_string_n(&b, "c", 1);
    b_null(&b);
    b_map_close(&b);
    both_end(&b, "nested");
}

/* yajl accepts 127 nested containers and fails on the 128th; so does the
   writer (its text is then refused). */
TEST(depth_limit, 30)
{
    for (int n = 126; n <= 129; n++) {
        both b;
        bool written;

        both_init(&b);
        for (int i = 0; i < n; i++) {
            if (i % 2)
                b_array_open(&b);
            else {
                b_map_open(&b);
                b_string_n(&b, "k", 1);
            }
            if (b.st != yajl_gen_status_ok)
                break;
        }
        if (b.st == yajl_gen_status_ok) {
            for (int i = n; i-- > 0;) {
                if (i % 2)
                    b_array_close(&b);
                else
                    b_map_close(&b);
            }
        }
        written = both_end(&b, "deep");
        ck_assert_int_eq(written, n <= 127);
    }
}

/* Misuse that yajl refuses: the writer refuses it too. */
TEST(misuse_fails_like_yajl, 30)
{
    both b;

    both_init(&b);                      /* a number as a key */
    b_map_open(&b);
    b_int(&b, 1);
    ck_assert_int_eq(b.st, yajl_gen_keys_must_be_strings);
    ck_assert(!both_end(&b, "number key"));

    both_init(&b);                      /* a container as a key */
    b_map_open(&b);
    b_string_n(&b, "k", 1);
    b_int(&b, 1);
    b_array_open(&b);
    ck_assert(!both_end(&b, "array key"));

    both_init(&b);                      /* a second top-level value */
    b_bool(&b, true);
    b_bool(&b, false);
    ck_assert_int_eq(b.st, yajl_gen_generation_complete);
    ck_assert(!both_end(&b, "second value"));

    both_init(&b);                      /* closing what is not open */
    b_array_close(&b);
    ck_assert(!both_end(&b, "close at depth 0"));
}

/* Nothing written, or an unfinished document: no text. */
TEST(incomplete_document_has_no_text, 30)
{
    lc_jw w;

    lc_jw_init(&w);
    ck_assert_ptr_null(lc_jw_finish(&w, NULL, "test"));
    lc_jw_init(&w);
    lc_jw_map_open(&w);
    LC_JW_KEY(&w, "a");
    ck_assert_ptr_null(lc_jw_finish(&w, NULL, "test"));
}

/* ------------------------------------------------------------ random */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void random_string(both *b, uint64_t *s)
{
    static const char specials[] = "\"\\/\b\f\n\r\t\x01\x1f\x7f\x80\xc3\xa9\xff ";
    char text[40];
    size_t n = rng_next(s) % sizeof(text);

    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng_next(s);

        if (r % 3 == 0)
            text[i] = specials[(r >> 8) % (sizeof(specials) - 1)];
        else if (r % 3 == 1)
            text[i] = (char)('a' + (r >> 8) % 26);
        else
            text[i] = (char)(1 + (r >> 8) % 255);
    }
    b_string_n(b, text, n);
}

static void random_value(both *b, uint64_t *s, int depth)
{
    uint64_t r = rng_next(s);
    int n;

    switch (r % (depth < 6 ? 9 : 7)) {
    case 0:
        b_int(b, (long long)rng_next(s) >> (rng_next(s) % 64));
        break;
    case 1:
        b_uint64(b, rng_next(s) >> (rng_next(s) % 64));
        break;
    case 2:
        b_bool(b, r & 64);
        break;
    case 3:
        b_null(b);
        break;
    case 4:
    case 5:
    case 6:
        random_string(b, s);
        break;
    case 7:
        b_array_open(b);
        n = (int)(rng_next(s) % 5);
        for (int i = 0; i < n; i++)
            random_value(b, s, depth + 1);
        b_array_close(b);
        break;
    default:
        b_map_open(b);
        n = (int)(rng_next(s) % 5);
        for (int i = 0; i < n; i++) {
            random_string(b, s);
            random_value(b, s, depth + 1);
        }
        b_map_close(b);
        break;
    }
}

TEST_LOOP(random_documents, 60, 0, 8)
{
    uint64_t s = 0x5eed0000 + (uint64_t)_i;

    for (int doc = 0; doc < 500; doc++) {
        both b;
        char what[48];

        snprintf(what, sizeof(what), "seed %d document %d", _i, doc);
        both_init(&b);
        random_value(&b, &s, 0);
        ck_assert(both_end(&b, what));
    }
}

/* ------------------------------------------------------------ builtins */

/*
 * A builtin's value as the document itself and as a member at depth 2
 * ({"a": {"x": VALUE, "y": VALUE}}): the writer's lc_X_write_json against
 * the public libxl_X_gen_json.
 */
#define CHECK_BUILTIN(X, p) do {                                          \
        both b_;                                                          \
                                                                          \
        both_init(&b_);                                                   \
        lc_##X##_write_json(&b_.w, (p));                                  \
        yajl_did(&b_, libxl_##X##_gen_json(b_.g, (p)));                   \
        both_end(&b_, #X);                                                \
        both_init(&b_);                                                   \
        b_map_open(&b_);                                                  \
        b_string_n(&b_, "a", 1);                                          \
        b_map_open(&b_);                                                  \
        b_string_n(&b_, "x", 1);                                          \
        lc_##X##_write_json(&b_.w, (p));                                  \
        yajl_did(&b_, libxl_##X##_gen_json(b_.g, (p)));                   \
        b_string_n(&b_, "y", 1);                                          \
        lc_##X##_write_json(&b_.w, (p));                                  \
        yajl_did(&b_, libxl_##X##_gen_json(b_.g, (p)));                   \
        b_map_close(&b_);                                                 \
        b_map_close(&b_);                                                 \
        both_end(&b_, #X " at depth 2");                                  \
    } while (0)

TEST(builtins_write_as_gen_json, 30)
{
    libxl_defbool db;
    libxl_uuid u;
    libxl_mac mac;
    libxl_bitmap bm;
    libxl_string_list sl;
    libxl_key_value_list kvl;
    libxl_hwcap hw;
    libxl_ms_vm_genid genid;
    libxl_cpuid_policy_list cpuid = NULL;

    for (int v = -1; v <= 1; v++) {
        db.val = v;
        CHECK_BUILTIN(defbool, &db);
    }
    for (int v = 0; v < 3; v++) {
        for (int i = 0; i < 16; i++)
            u.uuid[i] = (unsigned char)(v == 2 ? 0xff : v * (17 * i + 3));
        CHECK_BUILTIN(uuid, &u);
        for (int i = 0; i < 6; i++)
            mac[i] = (uint8_t)(v == 2 ? 0xff : v * (41 * i + 9));
        CHECK_BUILTIN(mac, &mac);
    }

    libxl_bitmap_init(&bm);
    CHECK_BUILTIN(bitmap, &bm);
    ck_assert_int_eq(libxl_bitmap_alloc(NULL, &bm, 70), 0);
    CHECK_BUILTIN(bitmap, &bm);
    libxl_bitmap_set(&bm, 0);
    libxl_bitmap_set(&bm, 9);
    libxl_bitmap_set(&bm, 69);
    CHECK_BUILTIN(bitmap, &bm);
    libxl_bitmap_dispose(&bm);

    sl = NULL;
    CHECK_BUILTIN(string_list, &sl);
    sl = calloc(4, sizeof(char *));
    ck_assert_ptr_nonnull(sl);
    sl[0] = strdup("plain");
    sl[1] = strdup("");
    sl[2] = strdup("esc \"\\\n\x01 \xc3\xa9 \xff");
    CHECK_BUILTIN(string_list, &sl);
    libxl_string_list_dispose(&sl);

    kvl = NULL;
    CHECK_BUILTIN(key_value_list, &kvl);
    kvl = calloc(7, sizeof(char *));
    ck_assert_ptr_nonnull(kvl);
    kvl[0] = strdup("key");
    kvl[1] = strdup("value");
    kvl[2] = strdup("no value");
    kvl[3] = NULL;
    kvl[4] = strdup("\t\"odd\" key\x7f");
    kvl[5] = strdup("\x02");
    /* (a NULL value is written as null; the list ends at the NULL key
       kvl[6]) */
    CHECK_BUILTIN(key_value_list, &kvl);
    libxl_key_value_list_dispose(&kvl);

    memset(hw, 0, sizeof(hw));
    CHECK_BUILTIN(hwcap, &hw);
    hw[0] = UINT32_MAX;
    hw[1] = 1;
    hw[3] = 0x80000000u;
    hw[7] = 5;
    CHECK_BUILTIN(hwcap, &hw);

    memset(&genid, 0, sizeof(genid));
    CHECK_BUILTIN(ms_vm_genid, &genid);
    for (int i = 0; i < LIBXL_MS_VM_GENID_LEN; i++)
        genid.bytes[i] = (uint8_t)(i * 37 + 200);
    CHECK_BUILTIN(ms_vm_genid, &genid);

    CHECK_BUILTIN(cpuid_policy_list, &cpuid);
    ck_assert_int_eq(libxl_cpuid_parse_config(&cpuid, "sse3=0"), 0);
    ck_assert_int_eq(libxl_cpuid_parse_config(&cpuid, "proccount=0x1f3"), 0);
    ck_assert_int_eq(libxl_cpuid_parse_config(&cpuid, "rdcl-no=1"), 0);
    ck_assert_int_eq(libxl_cpuid_parse_config_xend(&cpuid,
        "0x80000001,3:eax=01010101010101010101010101010101"), 0);
    CHECK_BUILTIN(cpuid_policy_list, &cpuid);
    libxl_cpuid_dispose(&cpuid);
}
