/*
 * test_dropin_userdata.c: the stored configuration as a drop-in for
 * Debian's libxenlight 4.17. tests/abi/dropin_userdata.c is built against
 * Debian's headers and library and against ours; on one simulated host,
 * each run inside private /var/lib/xen directories
 * (tests/common/private-xen-dirs), it must print the same as Debian's run,
 * as Debian's binary on lightcore (ABI) and as ours (API): every userdata
 * call and its errors, the files left behind, and
 * libxl_retrieve_domain_configuration's failures. The two libraries read
 * each other's files byte for byte. Stored JSON that makes Debian's
 * library abort (a document that is not an object, ...) only fails on
 * lightcore.
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenstore.h>

#include "dropin.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"

#define PROBE_DEBIAN "tests/dropin-userdata-debian"
#define PROBE_OURS   "tests/dropin-userdata-ours"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];
static char base[] = "/tmp/dropin-userdata.XXXXXX";

/* Domain ids made by make_domain, and their uuids. */
#define UUID_FMT "5eed0000-0000-4000-8000-0000000000%02x"

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());
    ck_assert_ptr_nonnull(mkdtemp(base));
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

/* A domain (PV, or type "--hvm" / "--pvh") with the uuid UUID_FMT(tag);
 * its domid. */
static int make_typed_domain(const char *name, unsigned tag, unsigned vcpus,
                             const char *type)
{
    char uuid[40], nv[16], *out = NULL;
    snprintf(uuid, sizeof(uuid), UUID_FMT, tag);
    snprintf(nv, sizeof(nv), "%u", vcpus);
    ck_assert_int_eq(simhost_cli(&out, "create", name, "--uuid", uuid,
                                 "--vcpus", nv, "--mem-mb", "256", type,
                                 NULL), 0);
    int domid = atoi(out);
    free(out);
    ck_assert_int_gt(domid, 0);
    return domid;
}

static int make_domain(const char *name, unsigned tag, unsigned vcpus)
{
    return make_typed_domain(name, tag, vcpus, NULL);
}

/* base/NAME, made fresh. */
static const char *dir_of(const char *name)
{
    static char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/%s", base, name);
    return dir;
}

/* A file under base holding len bytes of data; its path (static). */
static const char *data_file(const char *name, const void *data, size_t len)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", base, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

/* The probe with args, in private dir (each of the three ways). */
static char *probe(const char *dir, int way, const char *const args[])
{
    return dropin_run_private(way == 2 ? PROBE_OURS : PROBE_DEBIAN, args,
                              preload_env, way != 0, dir);
}

static const char *const way_names[] = { "debian", "abi", "api" };

/* The same run three ways, each in a fresh directory of its own. */
static void same_three_ways(const char *tag, const char *const args[],
                            char *out[3])
{
    char name[64];
    for (int w = 0; w < 3; w++) {
        snprintf(name, sizeof(name), "%s-%s", tag, way_names[w]);
        out[w] = probe(dir_of(name), w, args);
    }
    dropin_assert_same(out[0], out[1], out[2]);
}

TEST(userdata_same_on_debian_and_lightcore, 120)
{
    char id[16], *out[3];
    int domid = make_domain("web", 1, 2);
    snprintf(id, sizeof(id), "%d", domid);
    const char *args[] = { "userdata", id, NULL };

    same_three_ways("userdata", args, out);
    /* The probe got through, and saw what libxl does. */
    ck_assert_ptr_nonnull(strstr(out[0], "retrieve(1, app) = 0 len 0 data NULL\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "files after store: userdata-d.1.uuid-of-1.app(6)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "store(1, other.app, 0 bytes) = 2\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "store(12345, app, 1 bytes) = -15\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "unlink(1, app) = -3\n"));
    /* No lock file left behind, ever. */
    ck_assert_ptr_null(strstr(out[0], "userdata-l."));
    ck_assert_ptr_nonnull(strstr(out[0], "files at the end:\n"));
    for (int w = 0; w < 3; w++)
        free(out[w]);
}

/* The file each library writes is what the other reads, byte for byte,
 * in the same place. */
TEST(userdata_files_are_shared_with_debian, 120)
{
    static const char blob[] = "{\"some\": \"data\"}\0with\x01" "binary\xff";
    char id[16], path[PATH_MAX + 128], *out;
    int domid = make_domain("shared", 2, 1);
    snprintf(id, sizeof(id), "%d", domid);
    const char *file = data_file("blob", blob, sizeof(blob));
    const char *dir = dir_of("shared");

    /* Debian stores, lightcore (as Debian's binary, and as ours) reads. */
    const char *put[] = { "put", id, "app", file, NULL };
    free(probe(dir, 0, put));
    snprintf(path, sizeof(path), "%s/lib/userdata-d.%d." UUID_FMT ".app", dir,
             domid, 2);
    void *bytes = NULL;
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    bytes = malloc(sizeof(blob) + 16);
    ck_assert_int_eq(read(fd, bytes, sizeof(blob) + 16), (int)sizeof(blob));
    close(fd);
    ck_assert_int_eq(memcmp(bytes, blob, sizeof(blob)), 0);
    free(bytes);

    const char *get[] = { "get", id, "app", NULL };
    char *theirs = probe(dir, 0, get);
    ck_assert_msg(strstr(theirs, "= 0 len 30 data \"{\\x22some"), "%s", theirs);
    for (int w = 1; w < 3; w++) {
        out = probe(dir, w, get);
        ck_assert_str_eq(out, theirs);
        free(out);
    }
    free(theirs);

    /* lightcore stores, Debian reads; then Debian removes it. */
    const char *put2[] = { "put", id, "other", file, NULL };
    free(probe(dir, 1, put2));
    const char *get2[] = { "get", id, "other", NULL };
    out = probe(dir, 0, get2);
    ck_assert_ptr_nonnull(strstr(out, "= 0 len 30 data \"{\\x22some"));
    free(out);

    const char *ls[] = { "ls", NULL };
    out = probe(dir, 0, ls);
    ck_assert_ptr_null(strstr(out, "userdata-l."));   /* no lock left */
    ck_assert_ptr_null(strstr(out, "userdata-n."));   /* nor a half write */
    ck_assert_ptr_nonnull(strstr(out, ".app(30)"));
    ck_assert_ptr_nonnull(strstr(out, ".other(30)"));
    free(out);
}

/* The same stored files (written by each run's own library) and the same
 * retrievals: domains without configuration, unreadable JSON, dom0, a
 * domain that does not exist. */
TEST(retrieve_config_failures_same_on_debian_and_lightcore, 120)
{
    static const struct { const char *name; const char *data; size_t len; } cfg[] = {
        { "truncated", "{\"c_info\": {\"name\": \"x\"", 24 },
        { "garbage", "garbage", 8 },
        { "nul", "", 1 },
    };
    char ids[4][16], *out[3];
    int none = make_domain("none", 3, 1);
    snprintf(ids[3], sizeof(ids[3]), "%d", none);
    for (int i = 0; i < 3; i++) {
        snprintf(ids[i], sizeof(ids[i]), "%d", make_domain(cfg[i].name, 4 + i, 1));
        const char *file = data_file(cfg[i].name, cfg[i].data, cfg[i].len);
        const char *put[] = { "put", ids[i], "libxl-json", file, NULL };
        for (int w = 0; w < 3; w++) {
            char name[64];
            snprintf(name, sizeof(name), "cfg-%s", way_names[w]);
            free(probe(dir_of(name), w, put));
        }
    }
    const char *args[] = { "config", ids[3], ids[0], ids[1], ids[2], "0",
                           "12345", NULL };
    for (int w = 0; w < 3; w++) {
        char name[64];
        snprintf(name, sizeof(name), "cfg-%s", way_names[w]);
        out[w] = probe(dir_of(name), w, args);
    }
    dropin_assert_same(out[0], out[1], out[2]);
    char want[128];
    snprintf(want, sizeof(want), "Domain %d:Fail to get domain configuration\n"
             "retrieve_domain_configuration(%d) = -3\n", none, none);
    ck_assert_ptr_nonnull(strstr(out[0], want));
    ck_assert_ptr_nonnull(strstr(out[0], "] Fail to get domain configuration\n"
                                 "retrieve_domain_configuration(0) = -3\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "retrieve_domain_configuration(12345) = -15\n"));
    for (int w = 0; w < 3; w++)
        free(out[w]);
}

/* Stored JSON that Debian's library aborts on (a document that is not an
 * object), reads past the end of (no NUL), takes ~25 s for (deep
 * nesting) or hours (2^31 vcpus: a bitmap of 256 MiB and a xenstore read
 * per vcpu), or reads as something else (a member of the wrong type, which
 * libxl skips: README's deliberate differences): lightcore fails cleanly,
 * at once. A document of 4 MiB is read whole. */
TEST(hostile_stored_config_never_crashes_lightcore, 120)
{
    static const char array[] = "[1, 2]";
    static const char number[] = "42";
    static const char unterminated[] = "{\"c_info\": {\"na";
    static const char many_vcpus[] =
        "{\"c_info\": {\"type\": \"pv\"}, \"b_info\": {\"max_vcpus\": 2147483647,"
        " \"type.pv\": {}}}";
    static const char wrong_type[] =
        "{\"c_info\": {\"type\": \"pv\", \"name\": 5},"
        " \"b_info\": {\"max_vcpus\": 1, \"type.pv\": {}}}";
    static const char deep_start[] = "{\"c_info\": ";
    static const char big_start[] =
        "{\"c_info\": {\"type\": \"pv\"}, \"b_info\": {\"max_vcpus\": 1,"
        " \"type.pv\": {}, \"cmdline\": \"";
    static const char big_end[] = "\"}}";
    /* 100,000 nested arrays */
    size_t depth = 100000, dlen = sizeof(deep_start) - 1 + depth + 1;
    char *deep = malloc(dlen);
    ck_assert_ptr_nonnull(deep);
    memcpy(deep, deep_start, sizeof(deep_start) - 1);
    memset(deep + sizeof(deep_start) - 1, '[', depth);
    deep[dlen - 1] = '\0';
    /* a 4 MiB command line */
    size_t cmdline = 4 << 20;
    size_t blen = sizeof(big_start) - 1 + cmdline + sizeof(big_end);
    char *big = malloc(blen);
    ck_assert_ptr_nonnull(big);
    memcpy(big, big_start, sizeof(big_start) - 1);
    memset(big + sizeof(big_start) - 1, 'x', cmdline);
    memcpy(big + sizeof(big_start) - 1 + cmdline, big_end, sizeof(big_end));
    const struct { const char *name; const char *data; size_t len; int rc; } cfg[] = {
        { "array", array, sizeof(array), -3 },
        { "number", number, sizeof(number), -3 },
        { "deep", deep, dlen, -3 },
        /* libxl reads past the end of the file's buffer */
        { "unterminated", unterminated, sizeof(unterminated) - 1, -3 },
        { "many-vcpus", many_vcpus, sizeof(many_vcpus), -3 },
        { "wrong-type", wrong_type, sizeof(wrong_type), -3 },
        { "big", big, blen, 0 },
    };
    enum { N = sizeof(cfg) / sizeof(cfg[0]) };
    const char *dir = dir_of("hostile");
    const char *args[N + 2] = { "config" };
    char ids[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof(ids[i]), "%d", make_domain(cfg[i].name, 8 + i, 1));
        const char *file = data_file(cfg[i].name, cfg[i].data, cfg[i].len);
        const char *put[] = { "put", ids[i], "libxl-json", file, NULL };
        free(probe(dir, 1, put));
        args[1 + i] = ids[i];
    }
    free(deep);
    free(big);
    for (int w = 1; w < 3; w++) {   /* lightcore only: abi and api */
        char *out = probe(dir, w, args);
        for (int i = 0; i < N; i++) {
            char want[96];
            snprintf(want, sizeof(want), "retrieve_domain_configuration(%s) = %d\n",
                     ids[i], cfg[i].rc);
            ck_assert_msg(strstr(out, want), "%s: %.3000s", cfg[i].name, out);
        }
        ck_assert_ptr_nonnull(strstr(out, "has 2147483647 vcpus, more than any"));
        ck_assert_ptr_nonnull(strstr(out, "\"cmdline\": \"xxxxxxxxxxxxxxxx"));
        free(out);
    }
}

/* Writes (value) or removes (NULL) /local/domain/DOMID/rel, as dom0. */
static void xs_set(int domid, const char *rel, const char *value)
{
    struct xs_handle *xs = xs_open(0);
    char path[128];
    ck_assert_ptr_nonnull(xs);
    snprintf(path, sizeof(path), "/local/domain/%d/%s", domid, rel);
    if (value)
        ck_assert(xs_write(xs, XBT_NULL, path, value, strlen(value)));
    else
        xs_rm(xs, XBT_NULL, path);
    xs_close(xs);
}

/* /local/domain/0/memory/rel, or "(none)" (static). */
static const char *dom0_memory(const char *rel)
{
    static char value[64];
    struct xs_handle *xs = xs_open(0);
    char path[128];
    unsigned len = 0;
    ck_assert_ptr_nonnull(xs);
    snprintf(path, sizeof(path), "/local/domain/0/memory/%s", rel);
    char *v = xs_read(xs, XBT_NULL, path, &len);
    snprintf(value, sizeof(value), "%s", v ? v : "(none)");
    free(v);
    xs_close(xs);
    return value;
}

/* Successful retrievals and the live values merged in, side by side: PV,
 * HVM (libxl's slack on the target) and PVH guests, a vcpu taken offline,
 * dom0 (whose memory nodes libxl writes when they are missing), a domain
 * whose name is gone from xenstore (libxl then succeeds with the stored
 * name and nothing else merged), a malformed memory target and a missing
 * static-max. Each library's run stores the same files first. */
TEST(retrieve_config_same_on_debian_and_lightcore, 120)
{
    enum { PV, HVM, PVH, NONAME, BADMEM, NOMAX, N };
    static const char *const json[N] = {
        [PV] = "{\"c_info\": {\"type\": \"pv\", \"name\": \"old-name\","
               " \"uuid\": \"00000000-0000-0000-0000-000000000042\"},"
               " \"b_info\": {\"max_vcpus\": 2, \"avail_vcpus\": [0, 1],"
               " \"max_memkb\": 1, \"target_memkb\": 1,"
               " \"cmdline\": \"ro\", \"type.pv\": {\"kernel\": \"/k\"}},"
               " \"on_crash\": \"preserve\"}",
        [HVM] = "{\"c_info\": {\"type\": \"hvm\", \"name\": \"hvm\"},"
                " \"b_info\": {\"max_vcpus\": 2, \"max_memkb\": 262144,"
                " \"target_memkb\": 131072, \"video_memkb\": 8192,"
                " \"type.hvm\": {\"acpi\": \"True\"}}}",
        [PVH] = "{\"c_info\": {\"type\": \"pvh\", \"name\": \"pvh\"},"
                " \"b_info\": {\"max_vcpus\": 1, \"type.pvh\": {}}}",
        [NONAME] = "{\"c_info\": {\"type\": \"pv\", \"name\": \"stored\"},"
                   " \"b_info\": {\"max_vcpus\": 1, \"type.pv\": {}}}",
        [BADMEM] = "{\"c_info\": {\"type\": \"pv\"},"
                   " \"b_info\": {\"max_vcpus\": 1, \"type.pv\": {}}}",
        [NOMAX] = "{\"c_info\": {\"type\": \"pv\"},"
                  " \"b_info\": {\"max_vcpus\": 1, \"type.pv\": {}}}",
    };
    static const char *const types[N] = { [HVM] = "--hvm", [PVH] = "--pvh" };
    static const char dom0_json[] =
        "{\"c_info\": {\"type\": \"pv\", \"name\": \"Domain-0\"},"
        " \"b_info\": {\"max_vcpus\": 1, \"type.pv\": {}}}";
    char ids[N][16], path[PATH_MAX];
    int domid[N];

    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof(name), "guest%d", i);
        domid[i] = make_typed_domain(name, 0x20 + (unsigned)i,
                                     i == PV || i == HVM ? 2 : 1, types[i]);
        snprintf(ids[i], sizeof(ids[i]), "%d", domid[i]);
    }
    xs_set(domid[PV], "cpu/1/availability", "offline");
    xs_set(domid[NONAME], "name", NULL);
    xs_set(domid[BADMEM], "memory/target", "12abc");
    xs_set(domid[NOMAX], "memory/static-max", NULL);

    char *out[3];
    const char *args[] = { "config", "0", ids[PV], ids[HVM], ids[PVH],
                           ids[NONAME], ids[BADMEM], ids[NOMAX], NULL };
    for (int w = 0; w < 3; w++) {
        char dir[64];
        snprintf(dir, sizeof(dir), "ok-%s", way_names[w]);
        for (int i = 0; i < N; i++) {
            snprintf(path, sizeof(path), "%s/config-%d", base, i);
            const char *file = data_file(path + strlen(base) + 1, json[i],
                                         strlen(json[i]) + 1);
            const char *put[] = { "put", ids[i], "libxl-json", file, NULL };
            free(probe(dir_of(dir), w, put));
        }
        const char *file = data_file("config-dom0", dom0_json, sizeof(dom0_json));
        const char *put0[] = { "put", "0", "libxl-json", file, NULL };
        free(probe(dir_of(dir), w, put0));
        /* dom0's memory nodes: missing before each run, libxl's after */
        xs_set(0, "memory/target", NULL);
        xs_set(0, "memory/static-max", NULL);
        out[w] = probe(dir_of(dir), w, args);
        ck_assert_str_ne(dom0_memory("target"), "(none)");
        ck_assert_str_ne(dom0_memory("static-max"), "(none)");
    }
    dropin_assert_same(out[0], out[1], out[2]);

    char want[160];
    /* PV: live name, uuid, vcpus and memory; stored cmdline and actions */
    snprintf(want, sizeof(want), "retrieve_domain_configuration(%d) = 0\n", domid[PV]);
    const char *pv = strstr(out[0], want);
    ck_assert_msg(pv, "%s", out[0]);
    ck_assert_ptr_nonnull(strstr(pv, "\"name\": \"guest0\""));
    ck_assert_ptr_nonnull(strstr(pv, "uuid-of-"));
    ck_assert_ptr_nonnull(strstr(pv, "\"avail_vcpus\": [\n            0\n        ]"));
    ck_assert_ptr_nonnull(strstr(pv, "\"max_memkb\": 262144"));
    ck_assert_ptr_nonnull(strstr(pv, "\"on_crash\": \"preserve\""));
    /* HVM: xenstore's target plus the video memory and libxl's slack */
    snprintf(want, sizeof(want), "retrieve_domain_configuration(%d) = 0\n", domid[HVM]);
    const char *hvm = strstr(out[0], want);
    ck_assert_ptr_nonnull(hvm);
    ck_assert_msg(strstr(hvm, "\"target_memkb\": 271360"), "%s", hvm);
    /* no name in xenstore: success, the stored name */
    snprintf(want, sizeof(want), "Domain %d:Fail to get domain name\n"
             "retrieve_domain_configuration(%d) = 0\n", domid[NONAME],
             domid[NONAME]);
    ck_assert_msg(strstr(out[0], want), "%s", out[0]);
    ck_assert_ptr_nonnull(strstr(out[0], "Invalid memory target 12abc from "));
    ck_assert_ptr_nonnull(strstr(out[0], "/memory/static-max\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "retrieve_domain_configuration(0) = 0\n"));
    for (int w = 0; w < 3; w++)
        free(out[w]);
}
