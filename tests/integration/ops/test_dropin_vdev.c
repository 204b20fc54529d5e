/*
 * test_dropin_vdev.c: the simpler device kinds (vkb, vfb, vtpm, channels,
 * p9, pvcallsif) as a drop-in for Debian's libxenlight 4.17, on the
 * simulated host with its device drivers (tests/sim, "Devices").
 *
 * tests/abi/dropin_vdev.c runs every call of these kinds, good and bad,
 * and prints results, what it reads back and the xenstore trees the calls
 * leave (values, permissions, order). It runs three ways (Debian's
 * library, Debian's binary on lightcore, the probe built against
 * lightcore), each on a simulated host of its own with one guest made the
 * same way, so domids and grant numbers agree and the outputs must be
 * identical byte for byte.
 *
 * What Debian's library crashes on or reads blindly is checked on
 * lightcore alone (vdev_lightcore_refuses_bad_records).
 *
 * Then Debian's own xl on both libraries (tests/common/xlboth) on one
 * host: vkb-attach/-list/-detach, vtpm-attach/-list/-detach and
 * channel-list, good and bad.
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "dropin.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"
#include "xlboth.h"

#define PROBE_DEBIAN "tests/dropin-vdev-debian"
#define PROBE_OURS   "tests/dropin-vdev-ours"
#define GUEST_UUID   "5eed0000-0000-4000-8000-0000000000a1"

static char base[] = "/tmp/dropin-vdev.XXXXXX";

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(base));
    /* Under check-asan the probe runs on Debian's library with
     * AddressSanitizer preloaded: Debian's libxenlight leaks in these calls
     * (some 2 KB in 30 allocations of its own), which would fail that
     * run. dropin runs lightcore with the same setting; Debian's xl leaks
     * too (as in test_xl_cpupool.c). */
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
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
}

TEST_FIXTURE(setup, teardown);

/* A fresh host with the guest "vm" (its frontends running); the guest's
 * domid. The probe reaches the CLI through XENSIM_CLI. */
static int fresh_host(simhost **host)
{
    char *out = NULL;
    int domid;

    *host = simhost_start();
    ck_assert_ptr_nonnull(*host);
    setenv("XENSIM_CLI", simhost_cli_path(), 1);
    ck_assert_int_eq(simhost_cli(&out, "create", "vm", "--uuid", GUEST_UUID,
                                 "--mem-mb", "64", "--guest", "obey", NULL),
                     0);
    domid = atoi(out);
    free(out);
    ck_assert_int_gt(domid, 0);
    return domid;
}

static const char *const way_names[] = { "debian", "abi", "api" };

TEST(vdev_same_on_debian_and_lightcore, 180)
{
    char *out[3], id[16], dir[PATH_MAX];

    for (int w = 0; w < 3; w++) {
        simhost *host;
        int domid = fresh_host(&host);
        const char *args[] = { id, "store", "vkb", "vfb", "vtpm", "channel",
                               "p9", "bad", NULL };

        snprintf(id, sizeof(id), "%d", domid);
        snprintf(dir, sizeof(dir), "%s/%s", base, way_names[w]);
        out[w] = dropin_run_private(w == 2 ? PROBE_OURS : PROBE_DEBIAN, args,
                                    simhost_preload_env(), w != 0, dir);
        ck_assert_int_eq(simhost_stop(host), 0);
    }
    dropin_assert_same(out[0], out[1], out[2]);

    /* Debian's run got through every step and saw what libxl does. */
    ck_assert_ptr_null(strstr(out[0], "did NOT settle"));
    ck_assert_ptr_null(strstr(out[0], "failed\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "vkb_add(devid 5 again) = 0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "vkb_add(next) = 0 devid 6\n"));
    ck_assert_ptr_nonnull(strstr(out[0],
        "/local/domain/0/backend/vinput/1/1/multi-touch-num-contacts ="
        " \"10\" (n0,r1)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "devid_to_device_vkb(1, 3) = -23\n"));
    ck_assert_ptr_nonnull(strstr(out[0],
        "/local/domain/0/backend/vfb/1/0/vnclisten = \"127.0.0.1\""));
    ck_assert_ptr_nonnull(strstr(out[0], "vfb_add(unknown backend domain)"
                                         " = -6\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "vtpm_add(devid 0 again) = -17\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "retrieve = 0, 2 vtpms\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "retrieve = 0, 0 vtpms\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "uuid_to_device_vtpm(1, unknown)"
                                         " = 1\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "channel_list(1): list, 2\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "\"path\": \"/NO-SUCH-PATH\""));
    ck_assert_ptr_nonnull(strstr(out[0], "pvcallsif_destroy(1) = 0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "vtpm_add(no such domain) = -15\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "\"evtch\": -12,\n"));
    /* a spoilt backend uuid spoils libxl's list, not getinfo */
    ck_assert_ptr_nonnull(strstr(out[0], "Probably a bug!!\n\n"
                                         "vtpm_list(1): NULL, 0\n"
                                         "vtpm_getinfo(4) = 0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "\"rref\": 42,\n"));
    /* nothing is left behind at the end but the guest's own nodes */
    ck_assert_ptr_nonnull(strstr(out[0], "xenstore at the end:\n"
        "  /local/domain/1/device = \"\" (n0,r1)\n"
        "  /local/domain/1/device/suspend = \"\" (n0,r1)\n"
        "  /local/domain/1/device/suspend/event-channel = \"\" (n1)\n"));
    for (int w = 0; w < 3; w++)
        free(out[w]);
}

/* What libxl crashes on (a channel record without its connection) or
 * reads blindly (a record naming something that is not a backend
 * directory): lightcore refuses it, as ABI and as API. */
TEST(vdev_lightcore_refuses_bad_records, 60)
{
    simhost *host;
    int domid = fresh_host(&host);
    char id[16], dir[PATH_MAX], *out[2];
    const char *args[] = { id, "lightcore-only", NULL };

    snprintf(id, sizeof(id), "%d", domid);
    for (int w = 0; w < 2; w++) {
        snprintf(dir, sizeof(dir), "%s/lc-%d", base, w);
        out[w] = dropin_run_private(w ? PROBE_OURS : PROBE_DEBIAN, args,
                                    simhost_preload_env(), true, dir);
    }
    ck_assert_str_eq(out[0], out[1]);
    ck_assert_ptr_nonnull(strstr(out[0],
        "no connection (/libxl/1/device/console/5/connection)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "Unable to list channels\n"
                                         "channel_list(no connection):"
                                         " NULL, 0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "unparseable!\n"
                                         "vkb_list(bad backend path):"
                                         " NULL, 0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "unparseable!\n"
                                         "vtpm_list(bad backend path):"
                                         " NULL, 0\n"));
    free(out[0]);
    free(out[1]);
    ck_assert_int_eq(simhost_stop(host), 0);
}

/* ------------------------------------------------------------ xl */

/* libxl's log lines on xl's stderr name each library's source:
 * "libxl: error: FILE:LINE:FUNC: " becomes "libxl: error: SRC: ". */
static char *mask_sources(const char *text)
{
    size_t n = strlen(text);
    char *r = malloc(n + 1), *o = r;
    const char *p = text;

    ck_assert_ptr_nonnull(r);
    while (*p) {
        const char *tag = strstr(p, "libxl: ");
        const char *lvl, *colon;
        int colons = 0;

        if (!tag) break;
        lvl = strchr(tag + 7, ':');
        if (!lvl) break;
        memcpy(o, p, (size_t)(lvl + 2 - p));
        o += lvl + 2 - p;
        for (colon = lvl + 2; *colon && *colon != '\n' && colons < 3; colon++)
            if (*colon == ':') colons++;
        if (colons == 3) {
            memcpy(o, "SRC:", 4);
            o += 4;
            p = colon;
        } else {
            p = lvl + 2;
        }
    }
    strcpy(o, p);
    return r;
}

/* text and its NUL, as libxl stores a configuration (Debian's reader
 * runs past a file without it) */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text) + 1, f),
                      strlen(text) + 1);
    ck_assert_int_eq(fclose(f), 0);
}

/* xensim guest-frontends DOMID on|off (returns once the guest has it). */
static int frontends(int domid, const char *on_off)
{
    char id[16];
    snprintf(id, sizeof(id), "%d", domid);
    return simhost_cli(NULL, "guest-frontends", id, on_off, NULL);
}

/* Whether every device of the guest with a backend has both ends at 4. */
static bool connected(struct xs_handle *xsh, int domid)
{
    char dir[128];
    unsigned nk = 0;
    bool all = true;
    char **kinds;

    snprintf(dir, sizeof(dir), "/local/domain/%d/device", domid);
    kinds = xs_directory(xsh, XBT_NULL, dir, &nk);
    for (unsigned k = 0; k < nk && all; k++) {
        char kdir[256], **devs;
        unsigned nd = 0;

        snprintf(kdir, sizeof(kdir), "%s/%s", dir, kinds[k]);
        devs = xs_directory(xsh, XBT_NULL, kdir, &nd);
        for (unsigned i = 0; i < nd && all; i++) {
            char p[512], *be, *fs, *bs = NULL;

            snprintf(p, sizeof(p), "%s/%s/backend", kdir, devs[i]);
            be = xs_read(xsh, XBT_NULL, p, NULL);
            snprintf(p, sizeof(p), "%s/%s/state", kdir, devs[i]);
            fs = xs_read(xsh, XBT_NULL, p, NULL);
            if (be) {
                snprintf(p, sizeof(p), "%s/state", be);
                bs = xs_read(xsh, XBT_NULL, p, NULL);
                all = fs && bs && !strcmp(fs, "4") && !strcmp(bs, "4");
            }
            free(be);
            free(fs);
            free(bs);
        }
        free(devs);
    }
    free(kinds);
    return all;
}

/* The guest's frontends on, then every device Connected (10 s at most,
 * on watches). Devices are attached with the frontends off: the simulated
 * frontend answers InitWait at once, and a backend Connected before the
 * library first reads its state makes either library wait for InitWait
 * in vain. */
static void settle(int domid)
{
    struct xs_handle *xsh = xs_open(0);
    time_t t0 = time(NULL);

    ck_assert_ptr_nonnull(xsh);
    ck_assert_int_eq(frontends(domid, "on"), 0);
    ck_assert(xs_watch(xsh, "/local/domain", "settle"));
    while (!connected(xsh, domid)) {
        struct pollfd pfd = { .fd = xs_fileno(xsh), .events = POLLIN };
        unsigned n;

        ck_assert_int_lt(time(NULL) - t0, 10);
        if (poll(&pfd, 1, 200) > 0) free(xs_read_watch(xsh, &n));
    }
    xs_close(xsh);
}

/* Console DEVID written as domain creation writes a channel's record and
 * frontend (what channel-list reads). */
static void creation_channel(int domid, int devid, const char *name,
                             const char *connection, const char *path)
{
    struct xs_handle *xsh = xs_open(0);
    char rec[128], fe[128], be[128], p[256];
    const char *rec_kvs[] = { "frontend-id", "online", "state", "protocol",
                              "name", "connection", "path" };
    char dom[16];
    const char *rec_vals[] = { dom, "1", "1", "vt100", name, connection,
                               path };

    ck_assert_ptr_nonnull(xsh);
    snprintf(dom, sizeof(dom), "%d", domid);
    snprintf(rec, sizeof(rec), "/libxl/%d/device/console/%d", domid, devid);
    snprintf(fe, sizeof(fe), "/local/domain/%d/device/console/%d", domid,
             devid);
    snprintf(p, sizeof(p), "%s/frontend", rec);
    ck_assert(xs_write(xsh, XBT_NULL, p, fe, strlen(fe)));
    snprintf(p, sizeof(p), "%s/backend", rec);
    snprintf(be, sizeof(be), "/local/domain/0/backend/console/%d/%d", domid,
             devid);
    ck_assert(xs_write(xsh, XBT_NULL, p, be, strlen(be)));
    for (int i = 0; i < 7; i++) {
        if (!rec_vals[i]) continue;
        snprintf(p, sizeof(p), "%s/%s", rec, rec_kvs[i]);
        ck_assert(xs_write(xsh, XBT_NULL, p, rec_vals[i],
                           strlen(rec_vals[i])));
    }
    snprintf(p, sizeof(p), "%s/state", fe);
    ck_assert(xs_write(xsh, XBT_NULL, p, "4", 1));
    snprintf(p, sizeof(p), "%s/ring-ref", fe);
    ck_assert(xs_write(xsh, XBT_NULL, p, "77", 2));
    snprintf(p, sizeof(p), "%s/port", fe);
    ck_assert(xs_write(xsh, XBT_NULL, p, "9", 1));
    snprintf(p, sizeof(p), "%s/tty", fe);
    ck_assert(xs_write(xsh, XBT_NULL, p, "/dev/pts/3", 10));
    xs_close(xsh);
}

static xl_run same(const char *a1, const char *a2, const char *a3,
                   const char *a4)
{
    const char *args[] = { a1, a2, a3, a4, NULL };
    return xlboth_same(args, mask_sources);
}

/* xl ARGS on Debian's library, then ARGS2 on lightcore (each detaching
 * the device it attached): the same status and output. */
static void same_each(const char *const args_debian[],
                      const char *const args_ours[])
{
    xl_run d = xlboth_run(false, args_debian);
    xl_run o = xlboth_run(true, args_ours);
    char *de = mask_sources(d.err), *oe = mask_sources(o.err);

    ck_assert_int_eq(d.status, o.status);
    ck_assert_str_eq(d.out, o.out);
    ck_assert_str_eq(de, oe);
    ck_assert_int_eq(d.status, 0);
    free(de);
    free(oe);
    xl_run_free(&d);
    xl_run_free(&o);
}

TEST(xl_vdev_same_on_both, 180)
{
    simhost *host;
    int domid = fresh_host(&host);
    char id[16], cfg[PATH_MAX], dir[256], json[512];
    xl_run r;

    snprintf(id, sizeof(id), "%d", domid);
    snprintf(dir, sizeof(dir), "%s/xl", base);
    xlboth_init(simhost_preload_env(), dir);
    xlboth_shared = true;
    /* the stored configuration domain creation leaves (vtpm-attach adds
     * to it) */
    snprintf(cfg, sizeof(cfg), "%s/shared", dir);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    ck_assert_int_eq(mkdir(cfg, 0700), 0);
    snprintf(cfg, sizeof(cfg), "%s/shared/lib", dir);
    ck_assert_int_eq(mkdir(cfg, 0700), 0);
    snprintf(cfg, sizeof(cfg), "%s/shared/lib/userdata-d.%d.%s.libxl-json",
             dir, domid, GUEST_UUID);
    snprintf(json, sizeof(json), "{\"c_info\":{\"type\":\"pv\",\"name\":"
             "\"vm\",\"uuid\":\"%s\"},\"b_info\":{\"max_vcpus\":1,"
             "\"max_memkb\":65536,\"target_memkb\":65536,\"type.pv\":{}}}",
             GUEST_UUID);
    write_file(cfg, json);

    /* vkb: one each, then the list, then each detaches its own */
    ck_assert_int_eq(frontends(domid, "off"), 0);
    r = same("vkb-attach", id, "backend-type=linux", "unique-id=k1");
    ck_assert_int_eq(r.status, 0);
    xl_run_free(&r);
    settle(domid);
    r = same("vkb-list", id, NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "/local/domain/0/backend/vinput/"));
    ck_assert_ptr_nonnull(strstr(r.out, "\n1   0       1     4 "));
    xl_run_free(&r);
    {
        const char *d[] = { "vkb-detach", id, "0", NULL };
        const char *o[] = { "vkb-detach", id, "1", NULL };
        same_each(d, o);
    }
    r = same("vkb-list", id, NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, "/local/domain/0/backend/"));
    xl_run_free(&r);

    /* vtpm: the same, by devid and by uuid */
    ck_assert_int_eq(frontends(domid, "off"), 0);
    r = same("vtpm-attach", id, NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    xl_run_free(&r);
    settle(domid);
    {
        const char *args[] = { "vtpm-list", id, NULL };
        xl_run d = xlboth_run(false, args), o = xlboth_run(true, args);
        /* the uuids are made up: the rest of each line must agree */
        ck_assert_int_eq(d.status, 0);
        ck_assert_int_eq(o.status, 0);
        ck_assert_str_eq(d.out, o.out);
        ck_assert_ptr_nonnull(strstr(d.out, "/local/domain/0/backend/vtpm/"));
        xl_run_free(&d);
        xl_run_free(&o);
    }
    {
        const char *d[] = { "vtpm-detach", id, "0", NULL };
        const char *o[] = { "vtpm-detach", id, "1", NULL };
        same_each(d, o);
    }
    r = same("vtpm-list", id, NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, "/local/domain/0/backend/"));
    xl_run_free(&r);

    /* bad input */
    r = same("vkb-detach", id, "9", NULL);
    ck_assert_int_ne(r.status, 0);
    xl_run_free(&r);
    r = same("vtpm-detach", id, "9", NULL);
    ck_assert_int_ne(r.status, 0);
    xl_run_free(&r);
    r = same("vtpm-detach", id, "ffffffff-0000-4000-8000-000000000000",
             NULL);
    ck_assert_int_ne(r.status, 0);
    xl_run_free(&r);
    r = same("vkb-list", "4242", NULL, NULL);
    xl_run_free(&r);
    r = same("vtpm-list", "4242", NULL, NULL);
    xl_run_free(&r);
    r = same("vtpm-attach", "4242", NULL, NULL);
    ck_assert_int_ne(r.status, 0);
    xl_run_free(&r);

    /* channels as domain creation records them */
    r = same("channel-list", id, NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    xl_run_free(&r);
    creation_channel(domid, 1, "org.qemu.guest_agent.0", "pty", NULL);
    creation_channel(domid, 2, "sock", "socket", "/run/s.sock");
    r = same("channel-list", id, NULL, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "\n0   0  4     9      77       pty"
                                        "        /dev/pts/3"));
    ck_assert_ptr_nonnull(strstr(r.out, "\n1   0  4     9      77       "
                                        "socket"));
    ck_assert_ptr_nonnull(strstr(r.out, "/dev/pts/3"));
    xl_run_free(&r);
    r = same("channel-list", "4242", NULL, NULL);
    xl_run_free(&r);

    ck_assert_int_eq(simhost_stop(host), 0);
}
