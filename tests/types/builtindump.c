/*
 * builtindump.c: what the hand-written builtin types of libxl 4.17 write
 * as JSON and what they make of JSON text, for a fixed set of values.
 * Built twice from this one source (see gen.mk): against Debian's headers
 * and libxenlight, and against lightcore (-DLC_OURS);
 * tests/types/compare-outputs compares the two outputs section by section.
 *
 *   builtindump gen     libxl_<builtin>_gen_json on a beautified generator
 *   builtindump parse   each text parsed as the builtin: rc and the value
 *   builtindump cpuid   libxl_cpuid_parse_config for every name Xen's
 *                       <xen/arch-x86/cpufeatureset.h> and libxl know, and
 *                       variants, with several values; and
 *                       libxl_cpuid_parse_config_xend: rc and the policy
 *
 * Debian's parsers are internal, so its side parses through a structure
 * that holds the builtin (a NIC's mac, a build info's cpuid ...), with
 * libxl_<struct>_from_json; that path passes the builtin's parser only
 * values of the JSON type it expects (others are skipped), so the texts
 * below all have that type. lightcore's side calls lc_<builtin>_parse_json
 * on json-c's parse of the same text. Inputs where lightcore deliberately
 * differs (libxl truncates, drops or reads out of bounds) are not here:
 * tests/unit/types/test_builtins.c covers them.
 *
 * Debian's from_json and bitmap allocation use a ctx only for its logger
 * and its "no gc" allocator (the first members of its libxl_ctx): the
 * Debian build passes a zeroed block holding just those, laid out as
 * Debian's libxl_internal.h has them, so no hypervisor is needed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>

#ifdef LC_OURS
#include <json-c/json.h>
#include "types/builtin_impl.h"
#include "types/builtins.h"
#include "types/cpuid_policy.h"
#else
#define HAVE_YAJL_YAJL_VERSION_H 1  /* what Debian's libxl_json.h needs */
#include <libxl_json.h>
#include <xenctrl.h>
struct libxl__cpu_policy {          /* Debian's layout, read-only here */
    struct xc_xend_cpuid *cpuid;
    struct xc_msr *msr;
};
#endif

static libxl_ctx *dctx;

/* ------------------------------------------------------------ gen */

typedef yajl_gen_status (*gen_fn)(yajl_gen, void *);

static void show_gen(const char *name, gen_fn fn, void *p)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;
    yajl_gen_status s;

    yajl_gen_config(g, yajl_gen_beautify, 1);
    s = fn(g, p);
    printf("=== gen-%s\nstatus %d\n", name, (int)s);
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
        printf("%.*s\n", (int)len, (const char *)buf);
    yajl_gen_free(g);
}

#define GEN(name, type, p) \
    show_gen(name, (gen_fn)libxl_##type##_gen_json, (p))

static void gen(void)
{
    libxl_defbool db;
    libxl_uuid u;
    libxl_mac mac = { 0x00, 0x16, 0x3e, 0xab, 0x0c, 0xff };
    libxl_mac mac0 = { 0 };
    libxl_bitmap bm;
    libxl_string_list sl = NULL;
    char *strs[] = { "one", "", "tab\there \"quoted\" \\ \x01", "\xc3\xa9t\xc3\xa9",
                     NULL };
    libxl_key_value_list kvl = NULL;
    char *kvs[] = { "k1", "v1", "k2", NULL, "", "", NULL };
    libxl_hwcap hw = { 1, 0xffffffff, 0x80000000, 4, 5, 6, 7, 8 };
    libxl_ms_vm_genid id;
    libxl_cpuid_policy_list pol = NULL;

    libxl_defbool_unset(&db);
    GEN("defbool-default", defbool, &db);
    libxl_defbool_set(&db, true);
    GEN("defbool-true", defbool, &db);
    libxl_defbool_set(&db, false);
    GEN("defbool-false", defbool, &db);

    libxl_uuid_clear(&u);
    GEN("uuid-nil", uuid, &u);
    libxl_uuid_from_string(&u, "A236B483-01a7-4d27-b85f-7843e6439914");
    GEN("uuid", uuid, &u);

    GEN("mac", mac, &mac);
    GEN("mac-zero", mac, &mac0);

    libxl_bitmap_init(&bm);
    GEN("bitmap-unallocated", bitmap, &bm);
    libxl_bitmap_alloc(dctx, &bm, 20);
    GEN("bitmap-empty", bitmap, &bm);
    libxl_bitmap_set(&bm, 0);
    libxl_bitmap_set(&bm, 7);
    libxl_bitmap_set(&bm, 8);
    libxl_bitmap_set(&bm, 23);
    GEN("bitmap-bits", bitmap, &bm);
    libxl_bitmap_set_any(&bm);
    GEN("bitmap-full", bitmap, &bm);
    libxl_bitmap_dispose(&bm);

    GEN("string_list-null", string_list, &sl);
    sl = strs + 4;
    GEN("string_list-empty", string_list, &sl);
    sl = strs;
    GEN("string_list", string_list, &sl);

    GEN("key_value_list-null", key_value_list, &kvl);
    kvl = kvs + 6;
    GEN("key_value_list-empty", key_value_list, &kvl);
    kvl = kvs;
    GEN("key_value_list", key_value_list, &kvl);

    GEN("hwcap", hwcap, &hw);

    memset(&id, 0, sizeof(id));
    GEN("ms_vm_genid-zero", ms_vm_genid, &id);
    for (int i = 0; i < LIBXL_MS_VM_GENID_LEN; i++)
        id.bytes[i] = (uint8_t)(i * 17);
    GEN("ms_vm_genid", ms_vm_genid, &id);

    GEN("cpuid-null", cpuid_policy_list, &pol);
    /* Built by hand: the two libraries lay the policy out alike. */
    pol = calloc(1, sizeof(*pol));
    GEN("cpuid-empty", cpuid_policy_list, &pol);
    pol->cpuid = calloc(3, sizeof(*pol->cpuid));
    pol->cpuid[0].input[0] = 0x80000001;
    pol->cpuid[0].input[1] = 3;
    pol->cpuid[0].policy[0] = strdup("01010101010101010101010101010101");
    pol->cpuid[0].policy[3] = strdup("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxkk");
    pol->cpuid[1].input[0] = 7;
    pol->cpuid[1].input[1] = 0xffffffffu;
    pol->cpuid[1].policy[2] = strdup("0000000000000000000000000000000x");
    pol->cpuid[2].input[0] = pol->cpuid[2].input[1] = 0xffffffffu;
    GEN("cpuid-leaves", cpuid_policy_list, &pol);
    pol->msr = calloc(3, sizeof(*pol->msr));
    pol->msr[0].index = 0x10a;
    memset(pol->msr[0].policy, 'x', 64);
    pol->msr[0].policy[0] = '1';
    pol->msr[1].index = 0;
    memset(pol->msr[1].policy, '0', 64);
    pol->msr[2].index = 0xffffffffu;
    GEN("cpuid-leaves-msrs", cpuid_policy_list, &pol);
    libxl_cpuid_dispose(&pol);
}

/* ------------------------------------------------------------ parse */

static void print_value_bitmap(const libxl_bitmap *b)
{
    printf("size %u map %s bits", (unsigned)b->size, b->map ? "yes" : "no");
    for (uint64_t i = 0; i < (uint64_t)b->size * 8; i++)
        if (b->map[i / 8] & (1u << (i % 8)))
            printf(" %llu", (unsigned long long)i);
    printf("\n");
}

static void print_strings(char **l, int step)
{
    if (!l) {
        printf("NULL\n");
        return;
    }
    printf("list");
    for (int i = 0; l[i]; i += step) {
        printf(" [%s]", l[i]);
        if (step == 2)
            printf("=[%s]", l[i + 1] ? l[i + 1] : "(null)");
    }
    printf("\n");
}

static void print_cpuid(const libxl_cpuid_policy_list *p)
{
    const struct libxl__cpu_policy *pol = *p;

    if (!pol) {
        printf("NULL\n");
        return;
    }
    printf("policy cpuid %s msr %s\n", pol->cpuid ? "yes" : "no",
           pol->msr ? "yes" : "no");
    for (int i = 0; pol->cpuid && pol->cpuid[i].input[0] != 0xffffffffu; i++) {
        printf("leaf %#x subleaf %#x", pol->cpuid[i].input[0],
               pol->cpuid[i].input[1]);
        for (int j = 0; j < 4; j++)
            printf(" %s", pol->cpuid[i].policy[j] ? pol->cpuid[i].policy[j]
                                                  : "-");
        printf("\n");
    }
    for (int i = 0; pol->msr && pol->msr[i].index != 0xffffffffu; i++)
        printf("msr %#x %s\n", pol->msr[i].index, pol->msr[i].policy);
}

#ifdef LC_OURS
#define PARSE(type, text, p, rc)                                          \
    do {                                                                  \
        json_object *o_ = json_tokener_parse(text);                       \
        (rc) = o_ ? lc_##type##_parse_json(o_, (p)) : -99;                \
        json_object_put(o_);                                              \
    } while (0)
#else
/* The member's text wrapped in its structure, parsed by Debian. */
#define WRAP(fmt, text) ({                                                \
        static char w_[4096];                                             \
        snprintf(w_, sizeof(w_), fmt, text);                              \
        w_; })
#endif

static void section(const char *type, const char *text)
{
    printf("=== parse-%s %s\n", type, text);
}

static void parse_mac(const char *text)
{
    libxl_mac mac = { 0 };
    int rc;

    section("mac", text);
#ifdef LC_OURS
    PARSE(mac, text, &mac, rc);
#else
    libxl_device_nic nic;

    libxl_device_nic_init(&nic);
    rc = libxl_device_nic_from_json(dctx, &nic, WRAP("{\"mac\": %s}", text));
    memcpy(mac, nic.mac, sizeof(mac));
    libxl_device_nic_dispose(&nic);
#endif
    printf("rc %d mac " LIBXL_MAC_FMT "\n", rc, LIBXL_MAC_BYTES(mac));
}

static void parse_bitmap(const char *text)
{
    libxl_bitmap b;
    int rc;

    section("bitmap", text);
    libxl_bitmap_init(&b);
#ifdef LC_OURS
    PARSE(bitmap, text, &b, rc);
    if (!rc)
        print_value_bitmap(&b);
    libxl_bitmap_dispose(&b);
#else
    libxl_cpupoolinfo ci;

    libxl_cpupoolinfo_init(&ci);
    rc = libxl_cpupoolinfo_from_json(dctx, &ci,
                                     WRAP("{\"cpumap\": %s}", text));
    if (!rc)
        print_value_bitmap(&ci.cpumap);
    libxl_cpupoolinfo_dispose(&ci);
#endif
    printf("rc %d\n", rc);
}

static void parse_string_list(const char *text)
{
    libxl_string_list l = NULL;
    int rc;

    section("string_list", text);
#ifdef LC_OURS
    PARSE(string_list, text, &l, rc);
    if (!rc)
        print_strings(l, 1);
    libxl_string_list_dispose(&l);
#else
    libxl_domain_build_info b;

    libxl_domain_build_info_init(&b);
    rc = libxl_domain_build_info_from_json(dctx, &b,
                                           WRAP("{\"extra\": %s}", text));
    l = b.extra;
    if (!rc)
        print_strings(l, 1);
    libxl_domain_build_info_dispose(&b);
#endif
    printf("rc %d\n", rc);
}

static void parse_key_value_list(const char *text)
{
    libxl_key_value_list l = NULL;
    int rc;

    section("key_value_list", text);
#ifdef LC_OURS
    PARSE(key_value_list, text, &l, rc);
    if (!rc)
        print_strings(l, 2);
    libxl_key_value_list_dispose(&l);
#else
    libxl_domain_create_info c;

    libxl_domain_create_info_init(&c);
    rc = libxl_domain_create_info_from_json(dctx, &c,
                                            WRAP("{\"xsdata\": %s}", text));
    l = c.xsdata;
    if (!rc)
        print_strings(l, 2);
    libxl_domain_create_info_dispose(&c);
#endif
    printf("rc %d\n", rc);
}

static void parse_hwcap(const char *text)
{
    libxl_hwcap hw = { 0 };
    int rc;

    section("hwcap", text);
#ifdef LC_OURS
    PARSE(hwcap, text, &hw, rc);
#else
    libxl_physinfo pi;

    libxl_physinfo_init(&pi);
    rc = libxl_physinfo_from_json(dctx, &pi, WRAP("{\"hw_cap\": %s}", text));
    memcpy(hw, pi.hw_cap, sizeof(hw));
    libxl_physinfo_dispose(&pi);
#endif
    printf("rc %d words", rc);
    for (int i = 0; i < 8; i++)
        printf(" %u", hw[i]);
    printf("\n");
}

static void parse_ms_vm_genid(const char *text)
{
    libxl_ms_vm_genid id;
    int rc;

    section("ms_vm_genid", text);
    memset(&id, 0, sizeof(id));
#ifdef LC_OURS
    PARSE(ms_vm_genid, text, &id, rc);
#else
    libxl_domain_build_info b;

    libxl_domain_build_info_init(&b);
    rc = libxl_domain_build_info_from_json(dctx, &b,
            WRAP("{\"type.hvm\": {\"ms_vm_genid\": %s}}", text));
    if (b.type == LIBXL_DOMAIN_TYPE_HVM)
        id = b.u.hvm.ms_vm_genid;
    else
        printf("(type %d)\n", b.type);
    libxl_domain_build_info_dispose(&b);
#endif
    printf("rc %d bytes", rc);
    for (int i = 0; i < LIBXL_MS_VM_GENID_LEN; i++)
        printf(" %u", id.bytes[i]);
    printf("\n");
}

static void parse_cpuid(const char *text)
{
    int rc;

    section("cpuid", text);
#ifdef LC_OURS
    libxl_cpuid_policy_list p = NULL;

    PARSE(cpuid_policy_list, text, &p, rc);
    if (!rc)
        print_cpuid(&p);
    libxl_cpuid_dispose(&p);
#else
    libxl_domain_build_info b;

    libxl_domain_build_info_init(&b);
    rc = libxl_domain_build_info_from_json(dctx, &b,
                                           WRAP("{\"cpuid\": %s}", text));
    if (!rc)
        print_cpuid(&b.cpuid);
    libxl_domain_build_info_dispose(&b);
#endif
    printf("rc %d\n", rc);
}

static void parse_defbool(const char *text)
{
    libxl_defbool db;
    int rc;

    section("defbool", text);
    libxl_defbool_unset(&db);
#ifdef LC_OURS
    PARSE(defbool, text, &db, rc);
#else
    libxl_domain_create_info c;

    libxl_domain_create_info_init(&c);
    rc = libxl_domain_create_info_from_json(dctx, &c,
                                            WRAP("{\"hap\": %s}", text));
    db = c.hap;
    libxl_domain_create_info_dispose(&c);
#endif
    printf("rc %d %s\n", rc, libxl_defbool_to_string(db));
}

static void parse_uuid(const char *text)
{
    libxl_uuid u;
    int rc;

    section("uuid", text);
    libxl_uuid_clear(&u);
#ifdef LC_OURS
    PARSE(uuid, text, &u, rc);
    (void)dctx;
#else
    libxl_domain_create_info c;

    libxl_domain_create_info_init(&c);
    rc = libxl_domain_create_info_from_json(dctx, &c,
                                            WRAP("{\"uuid\": %s}", text));
    u = c.uuid;
    libxl_domain_create_info_dispose(&c);
#endif
    printf("rc %d " LIBXL_UUID_FMT "\n", rc, LIBXL_UUID_BYTES(u));
}

#define R32(c) #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c \
               #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c #c
#define X32 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static void parse(void)
{
    static const char *macs[] = {
        "\"00:16:3e:01:02:03\"", "\"AA:BB:CC:DD:EE:FF\"",
        "\"aa:bb:cc:dd:ee:ff:\"", "\"aa:bb:cc:dd:ee:ff:zz:yy\"",
        "\"aa:bb:cc:dd:ee\"", "\"aa:bb:cc:dd:ee:\"", "\"\"",
        "\"aa-bb-cc-dd-ee-ff\"", "\" a:+b:-1:0a:0b:0c\"",
        "\"aa:bb:cc:dd:ee:fff\"", "\"aaa:bb:cc:dd:ee:ff\"",
        "\"0x:bb:cc:dd:ee:ff\"", "\"aa:bb:cc:dd:ee:f\"",
        "\"g0:00:00:00:00:00\"", "\"aa::bb:cc:dd:ee\"",
        "\"aa:bb:cc:dd:ee:ff0\"", "\"aa:bb:cc:dd:ee:ff \"",
        "\":aa:bb:cc:dd:ee:ff\"",
    };
    static const char *bitmaps[] = {
        "[]", "[0]", "[0, 1, 2]", "[1, 3]", "[7]", "[8]", "[0, 0, 5]",
        "[1, 100]", "[1.5]", "[\"1\"]", "[1, \"a\"]", "[null]",
        "[true]", "[[1]]", "[1, 2, 1000]", "[-0]",
    };
    static const char *string_lists[] = {
        "[]", "[\"a\"]", "[\"a\", \"b\", \"\"]", "[\"a\", 1]", "[null]",
        "[\"\\u00e9\\n\"]", "[[\"a\"]]", "[{}]", "[\"x\", true]",
    };
    static const char *kv_lists[] = {
        "{}", "{\"a\": \"1\"}", "{\"a\": null}", "{\"a\": 1}",
        "{\"a\": \"1\", \"b\": \"2\", \"c\": null}", "{\"\": \"\"}",
        "{\"a\": []}", "{\"a\": {}}", "{\"a\": true}", "{\"b\": \"x\", \"a\": \"y\"}",
    };
    static const char *hwcaps[] = {
        "[1, 2, 3, 4]", "[1, 2, 3]", "[]", "[1, 2, 3, \"4\"]",
        "[4294967295, 0, 0, 0]", "[1.0, 2, 3, 4]", "[null, 2, 3, 4]",
    };
    static const char *genids[] = {
        "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255]",
        "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]", "[]",
        "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, \"15\"]",
        "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 1.5]",
    };
    static const char *cpuids[] = {
        "[]", "{\"cpuid\": [], \"msr\": []}",
        "[{\"leaf\": 1, \"ecx\": \"" X32 "\"}]",
        "[{\"leaf\": 1, \"subleaf\": 2, \"eax\": \"" R32(0) "\", \"ebx\": \""
            R32(1) "\", \"ecx\": \"" R32(k) "\", \"edx\": \"" R32(s) "\"}]",
        "{\"cpuid\": [{\"leaf\": 7, \"subleaf\": 0, \"edx\": \"" X32 "\"},"
            " {\"leaf\": 2147483649, \"eax\": \"" R32(1) "\"}],"
            " \"msr\": [{\"index\": 266, \"policy\": \"" X32 X32 "\"}]}",
        "{\"cpuid\": []}", "{\"msr\": []}", "{\"cpuid\": {}, \"msr\": []}",
        "{\"cpuid\": [], \"msr\": {}}", "[1]", "[[]]",
        "{\"cpuid\": [], \"msr\": [{\"policy\": \"" X32 X32 "\"}]}",
        "{\"cpuid\": [], \"msr\": [{\"index\": 1}]}",
        "{\"cpuid\": [], \"msr\": [{\"index\": 1, \"policy\": \"" X32 "\"}]}",
        "{\"cpuid\": [], \"msr\": [1]}", "1", "\"x\"",
        "[{\"leaf\": 1, \"extra\": 5}]",
    };
    static const char *defbools[] = {
        "\"True\"", "\"False\"", "\"<default>\"", "\"true\"", "\"\"",
        "\"yes\"",
    };
    static const char *uuids[] = {
        "\"a236b483-01a7-4d27-b85f-7843e6439914\"",
        "\"A236B483-01A7-4D27-B85F-7843E6439914\"",
        "\"00000000-0000-0000-0000-000000000000\"", "\"a236b483\"", "\"\"",
        "\"a236b48301a74d27b85f7843e6439914\"",
        "\"a236b483-01a7-4d27-b85f-7843e643991\"",
    };
#define EACH(list, fn) \
    for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++) fn(list[i])
    EACH(macs, parse_mac);
    EACH(bitmaps, parse_bitmap);
    EACH(string_lists, parse_string_list);
    EACH(kv_lists, parse_key_value_list);
    EACH(hwcaps, parse_hwcap);
    EACH(genids, parse_ms_vm_genid);
    EACH(cpuids, parse_cpuid);
    EACH(defbools, parse_defbool);
    EACH(uuids, parse_uuid);
}

/* ------------------------------------------------------------ cpuid */

/* The policy as compact JSON, after rc. */
static void show_policy(int rc, libxl_cpuid_policy_list *p)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    const unsigned char *buf;
    size_t len;

    printf("rc %d %s\n", rc, *p ? "policy" : "NULL");
    libxl_cpuid_policy_list_gen_json(g, p);
    yajl_gen_get_buf(g, &buf, &len);
    printf("%.*s\n", (int)len, (const char *)buf);
    yajl_gen_free(g);
}

static void config_one(const char *name, const char *value)
{
    static unsigned int n;  /* section names must be unique */
    libxl_cpuid_policy_list p = NULL;
    char text[256];
    int rc;

    snprintf(text, sizeof(text), "%s=%s", name, value);
    printf("=== cpuid %u %s\n", n++, text);
    rc = libxl_cpuid_parse_config(&p, text);
    show_policy(rc, &p);
    libxl_cpuid_dispose(&p);
}

#define XEN_CPUFEATURE(name, value) #name,
static const char *const xen_features[] = {
#include <xen/arch-x86/cpufeatureset.h>
};
#undef XEN_CPUFEATURE

static void cpuid(void)
{
    static const char *const named[] = {
        "maxleaf", "stepping", "model", "family", "brandid", "clflush",
        "proccount", "localapicid", "est", "cntxid", "cmpxchg16", "sse4_1",
        "sse4.1", "sse4_2", "sse4.2", "aes", "cmpxchg8", "sysenter", "psn",
        "clfsh", "tm", "ia64", "pbe", "arat", "tsc_adjust", "cmt",
        "lahfsahf", "cmplegacy", "altmovcr8", "nodeid", "perfctr_core",
        "perfctr_nb", "procpkg", "invtsc", "ppin", "btc-no", "nc",
        "apicidsize", "svm_npt", "svm_lbrv", "svm_nrips", "svm_tscrate",
        "svm_vmcbclean", "svm_decode", "svm_pausefilt", "lfence+",
        "maxhvleaf",
        /* not names */
        "", "maxlea", "maxleafx", "MAXLEAF", "sse4", "sse4-1", "nosuch",
        "svm", "fpu ", " fpu",
    };
    static const char *const values[] = {
        "0", "1", "x", "k", "s", "2", "0x1f", "255", "-1", "", "y", "1x",
        "xk", " 1", "017", "4294967297",
    };
    static const char *const feature_values[] = { "1", "s", "", "10", "k" };
    static const char *const wide[] = {
        "0", "5", "15", "16", "17", "0x7f", "128", "143", "255", "300",
        "0xab", "x", "k",
    };
    static const char *const xend[] = {
        "1:eax=" "01010101010101010101010101010101",
        "0x80000001,3:eax=01010101010101010101010101010101,"
            "edx=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxkk",
        "7,0:ebx=0000000000000000000000000000000x, \n"
            "ecx=1111111111111111111111111111111x,",
        "7:ebxyz=0000000000000000000000000000000x",
        "7:ebx=000000000000000000000000000000x",
        "7:ebx=0000000000000000000000000000000xx",
        "7:efx=0000000000000000000000000000000x", "7:ebq=0", "7:ebx",
        "7", "7:", "x:eax=0", "7,:eax=0", "7;eax=0", "", "7,1",
        "7:eax=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
        "7:eax=00000000000000000000000000000000,ebx",
        "  0x1f : eax=0", "-0:eax=11111111111111111111111111111111",
        "7:eax=00000000000000000000000000000000,"
            "eax=11111111111111111111111111111111",
    };
    char lower[64];

    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        for (size_t j = 0; j < sizeof(values) / sizeof(values[0]); j++)
            config_one(named[i], values[j]);
    for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
        config_one("family", wide[i]);
        config_one("model", wide[i]);
        config_one("procpkg", wide[i]);
    }
    for (size_t i = 0; i < sizeof(xen_features) / sizeof(xen_features[0]);
         i++) {
        size_t k;

        for (k = 0; xen_features[i][k] && k < sizeof(lower) - 1; k++)
            lower[k] = xen_features[i][k] == '_' ? '-'
                     : (char)tolower((unsigned char)xen_features[i][k]);
        lower[k] = '\0';
        for (size_t j = 0; j < sizeof(feature_values) /
                               sizeof(feature_values[0]); j++)
            config_one(lower, feature_values[j]);
        config_one(xen_features[i], "1");    /* Xen's spelling: unknown */
    }

    /* Settings accumulate; later ones win. */
    {
        static const char *const seq[] = {
            "sse3=0", "family=6", "model=0x5e", "sse3=1", "rdcl-no=1",
            "its-no=k", "rdcl-no=s", "maxleaf=13", "mds-no=2", "fpu=q",
            "no-equals", "nosuch=1", "tsa-sq-no=0", "stepping=3",
        };
        libxl_cpuid_policy_list p = NULL;

        for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
            int rc = libxl_cpuid_parse_config(&p, seq[i]);

            printf("=== cpuid-seq %zu %s\n", i, seq[i]);
            show_policy(rc, &p);
        }
        for (size_t i = 0; i < sizeof(xend) / sizeof(xend[0]); i++) {
            int rc = libxl_cpuid_parse_config_xend(&p, xend[i]);

            printf("=== cpuid-xend-seq %zu %s\n", i, xend[i]);
            show_policy(rc, &p);
        }
        libxl_cpuid_dispose(&p);
    }
    for (size_t i = 0; i < sizeof(xend) / sizeof(xend[0]); i++) {
        libxl_cpuid_policy_list p = NULL;
        int rc = libxl_cpuid_parse_config_xend(&p, xend[i]);

        printf("=== cpuid-xend %s\n", xend[i]);
        show_policy(rc, &p);
        libxl_cpuid_dispose(&p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        goto usage;
#ifndef LC_OURS
    {
        /* lg, xch, xsh, then nogc_gc {alloc_maxsize = -1, alloc_ptrs, owner} */
        static struct {
            xentoollog_logger *lg;
            void *xch, *xsh;
            struct { int alloc_maxsize; void **alloc_ptrs; void *owner; } nogc;
            char rest[65536];
        } block;

        block.lg = (xentoollog_logger *)
            xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
        block.nogc.alloc_maxsize = -1;
        block.nogc.owner = &block;
        dctx = (libxl_ctx *)&block;
    }
#endif
    if (!strcmp(argv[1], "gen"))
        gen();
    else if (!strcmp(argv[1], "parse"))
        parse();
    else if (!strcmp(argv[1], "cpuid"))
        cpuid();
    else
        goto usage;
    return 0;
usage:
    fprintf(stderr, "usage: builtindump gen|parse|cpuid\n");
    return 2;
}
