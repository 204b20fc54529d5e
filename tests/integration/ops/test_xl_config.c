/*
 * test_xl_config.c: Debian's own xl, unchanged, reading stored domain
 * configurations on both libraries: `xl list -l` (every domain) and
 * `xl list -l DOMAIN` (by name and by id; one without a configuration; one
 * that does not exist), each run once on Debian's libxenlight and once on
 * lightcore's, on one simulated host, and compared (tests/common/xlboth).
 *
 * Both runs share one private /var/lib/xen (xlboth_shared), into which the
 * test stores the configurations, through Debian's library in one test and
 * through lightcore's in another. What xl prints is the stored
 * configuration with the live name, uuid, vcpus, memory and scheduling
 * merged in, so each stored configuration differs from the live domain on
 * purpose (an old name, another uuid, fewer vcpus, other memory figures).
 *
 * Normalisation (error output only; the uuids are fixed by the test and
 * JSON has no times):
 *  - the "FILE:LINE:FUNCTION:" prefix of libxl's log lines (each library
 *    names its own source) becomes "@:";
 *  - the JSON parsers' own messages are dropped: yajl's "yajl error: ..."
 *    (several lines, to the blank line that ends it) and "unable to
 *    generate libxl__json_object ..." in libxl; json-c's parser logs
 *    nothing. The "Fail to get domain configuration" line that follows
 *    them is compared.
 */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"
#include "xlboth.h"

#define PROBE_DEBIAN "tests/dropin-userdata-debian"
#define UUID_FMT "c0f19000-0000-4000-8000-0000000000%02x"

static simhost *host;
static char base[] = "/tmp/xl-config.XXXXXX";
static int web, db, hvm, bare;

/* A domain with the uuid UUID_FMT(tag) and libxl's nodes; its domid. */
static int make_domain(const char *name, unsigned tag, const char *vcpus,
                       const char *mem_mb, const char *type)
{
    char uuid[40], *out = NULL;
    snprintf(uuid, sizeof(uuid), UUID_FMT, tag);
    ck_assert_int_eq(simhost_cli(&out, "create", name, "--uuid", uuid,
                                 "--vcpus", vcpus, "--mem-mb", mem_mb,
                                 type, NULL), 0);
    int domid = atoi(out);
    free(out);
    ck_assert_int_gt(domid, 0);
    return domid;
}

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    ck_assert_ptr_nonnull(mkdtemp(base));
    xlboth_init(simhost_preload_env(), base);
    xlboth_shared = true;

    web = make_domain("web", 1, "2", "512", NULL);
    db = make_domain("db", 2, "4", "1024", NULL);
    hvm = make_domain("hvm", 3, "2", "256", "--hvm");
    bare = make_domain("bare", 4, "1", "64", NULL);   /* nothing stored */
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* Store json (with its NUL, as libxl stores it) as domid's configuration,
 * through Debian's library or lightcore's, in the shared directory. */
static void store_config(int domid, const char *json, bool on_lightcore)
{
    char path[PATH_MAX], id[16], dir[PATH_MAX];
    snprintf(path, sizeof(path), "%s/config-%d.json", base, domid);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(json, 1, strlen(json) + 1, f), strlen(json) + 1);
    ck_assert_int_eq(fclose(f), 0);
    snprintf(id, sizeof(id), "%d", domid);
    snprintf(dir, sizeof(dir), "%s/shared", base);
    const char *args[] = { "put", id, "libxl-json", path, NULL };
    char *out = dropin_run_private(PROBE_DEBIAN, args, simhost_preload_env(),
                                   on_lightcore, dir);
    ck_assert_msg(strstr(out, "libxl-json, ") && strstr(out, " bytes) = 0\n"),
                  "%s", out);
    free(out);
}

/* The three stored configurations, each unlike its live domain. */
static void store_all(bool on_lightcore)
{
    store_config(web,
        "{\"c_info\": {\"type\": \"pv\", \"name\": \"web-old-name\","
        " \"uuid\": \"00000000-1111-2222-3333-444444444444\"},"
        " \"b_info\": {\"max_vcpus\": 2, \"avail_vcpus\": [0],"
        " \"max_memkb\": 1024, \"target_memkb\": 1000, \"video_memkb\": 0,"
        " \"cmdline\": \"root=/dev/xvda1 ro\", \"type.pv\": {\"kernel\": \"/boot/vmlinuz\"}}}",
        on_lightcore);
    store_config(db,
        "{\"c_info\": {\"type\": \"pv\", \"name\": \"db\"},"
        " \"b_info\": {\"max_vcpus\": 8, \"max_memkb\": 2048000,"
        " \"target_memkb\": 2048000, \"type.pv\": {}},"
        " \"on_poweroff\": \"destroy\", \"on_crash\": \"preserve\"}",
        on_lightcore);
    /* HVM with an unchanged default device model (no dm-version node):
     * libxl reads the vcpus from xenstore, and adds its 1 MiB slack to the
     * target when max is above it. */
    store_config(hvm,
        "{\"c_info\": {\"type\": \"hvm\", \"name\": \"hvm\"},"
        " \"b_info\": {\"max_vcpus\": 2, \"max_memkb\": 262144,"
        " \"target_memkb\": 131072, \"video_memkb\": 8192,"
        " \"device_model_version\": \"qemu_xen_traditional\","
        " \"type.hvm\": {\"acpi\": \"True\"}}}",
        on_lightcore);
}

/* libxl's log lines: "libxl: LEVEL: FILE:LINE:FUNC: msg" -> "libxl:
 * LEVEL: @: msg". */
static char *mask_log_prefix(const char *text)
{
    char *out = malloc(strlen(text) + 1), *w = out;
    ck_assert_ptr_nonnull(out);
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p + 1) : strlen(p);
        const char *lvl = !strncmp(p, "libxl: ", 7) ? strchr(p + 7, ':') : NULL;
        if (lvl && lvl < p + len && lvl[1] == ' ') {
            /* skip FILE:LINE:FUNC: (three colons) after the level */
            const char *q = lvl + 2;
            int colons = 0;
            while (q < p + len && colons < 3)
                if (*q++ == ':') colons++;
            if (colons == 3) {
                size_t head = (size_t)(lvl + 2 - p);
                memcpy(w, p, head);
                w += head;
                memcpy(w, "@:", 2);
                w += 2;
                memcpy(w, q, (size_t)(p + len - q));
                w += p + len - q;
                p += len;
                continue;
            }
        }
        memcpy(w, p, len);
        w += len;
        p += len;
    }
    *w = '\0';
    return out;
}

static bool starts(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

/* mask_log_prefix, then the JSON parsers' messages dropped. */
static char *normalise(const char *text)
{
    char *out = mask_log_prefix(text), *w = out;
    bool in_yajl = false;
    for (const char *p = out; *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p + 1) : strlen(p);
        bool drop = in_yajl;
        if (starts(p, "libxl: error: @: yajl error:"))
            drop = in_yajl = true;
        else if (in_yajl && len == 1)
            in_yajl = false;            /* the blank line ending it */
        if (starts(p, "libxl: error: @: unable to generate libxl__json_object"))
            drop = true;
        if (!drop) {
            memmove(w, p, len);
            w += len;
        }
        p += len;
    }
    *w = '\0';
    return out;
}

static xl_run same(const char *a1, const char *a2, const char *a3)
{
    const char *args[] = { a1, a2, a3, NULL };
    return xlboth_same(args, normalise);
}

/* What xl shows of web, whichever library stored it: the live values. */
static void assert_live_values(const char *out)
{
    char want[64];
    snprintf(want, sizeof(want), "\"domid\": %d,", web);
    ck_assert_msg(strstr(out, want), "%s", out);
    ck_assert_ptr_nonnull(strstr(out, "\"name\": \"web\""));
    ck_assert_ptr_null(strstr(out, "web-old-name"));
    ck_assert_ptr_nonnull(strstr(out, "c0f19000-0000-4000-8000-000000000001"));
    ck_assert_ptr_null(strstr(out, "00000000-1111-2222-3333-444444444444"));
    ck_assert_ptr_nonnull(strstr(out, "\"max_memkb\": 524288"));
    ck_assert_ptr_nonnull(strstr(out, "\"sched\": \"credit2\""));
    ck_assert_ptr_nonnull(strstr(out, "root=/dev/xvda1 ro"));
}

TEST(xl_list_long_is_the_same_on_lightcore, 120)
{
    store_all(false);
    xl_run r = same("list", "-l", NULL);
    ck_assert_int_eq(r.status, 0);
    assert_live_values(r.out);
    /* db, hvm too; not dom0 nor bare, which have nothing stored. */
    ck_assert_ptr_nonnull(strstr(r.out, "\"name\": \"db\""));
    ck_assert_ptr_nonnull(strstr(r.out, "\"name\": \"hvm\""));
    ck_assert_ptr_null(strstr(r.out, "\"name\": \"bare\""));
    /* dom0: libxl names no domain */
    ck_assert_msg(strstr(r.err, "_acquired: Fail to get domain configuration\n"), "%s", r.err);
    char want[64];
    snprintf(want, sizeof(want), "Domain %d:Fail to get domain configuration", bare);
    ck_assert_ptr_nonnull(strstr(r.err, want));
    xl_run_free(&r);
}

TEST(xl_list_long_one_domain_is_the_same_on_lightcore, 120)
{
    char id[16];
    store_all(true);   /* stored by lightcore, read by both */

    xl_run r = same("list", "-l", "web");
    ck_assert_int_eq(r.status, 0);
    assert_live_values(r.out);
    ck_assert_ptr_null(strstr(r.out, "\"name\": \"db\""));
    xl_run_free(&r);

    snprintf(id, sizeof(id), "%d", db);
    r = same("list", "-l", id);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "\"name\": \"db\""));
    ck_assert_ptr_nonnull(strstr(r.out, "\"on_crash\": \"preserve\""));
    xl_run_free(&r);

    /* Nothing stored: an empty list, and libxl's error. */
    r = same("list", "-l", "bare");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, "domid"));
    ck_assert_ptr_nonnull(strstr(r.err, "Fail to get domain configuration"));
    xl_run_free(&r);

    r = same("list", "-l", "no-such-domain");
    ck_assert_int_ne(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "no-such-domain"));
    xl_run_free(&r);
}

/* Stored configurations xl cannot use: truncated JSON, an empty file, a
 * configuration whose vcpu count is absurd; xl prints the same on both. */
TEST(xl_list_long_of_bad_stored_configs_is_the_same_on_lightcore, 120)
{
    store_config(web, "{\"c_info\": {\"type\": \"pv\", \"name\": ", false);
    store_config(db, "", false);
    store_config(hvm,
        "{\"c_info\": {\"type\": \"pv\", \"name\": \"many\"},"
        " \"b_info\": {\"max_vcpus\": 4000, \"type.pv\": {}}}", false);
    xl_run r = same("list", "-l", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "\"name\": \"hvm\""));
    ck_assert_ptr_null(strstr(r.out, "\"name\": \"web\""));
    char want[64];
    snprintf(want, sizeof(want), "Domain %d:Fail to get domain configuration", web);
    ck_assert_ptr_nonnull(strstr(r.err, want));
    xl_run_free(&r);
}
