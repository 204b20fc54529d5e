/*
 * test_sim_devices.c: the simulated host's device drivers (backend.c in
 * dom0, frontend.c in the guest) under Debian's own libxenlight (its
 * headers, its library): disk, vkb and nic add and remove complete as on a
 * real host, the fault knobs make add time out, a guest without frontends
 * leaves its devices waiting. Each test runs in private mount (and, for
 * links, network) namespaces: /var/lib/xen and /run are tmpfs there, so
 * the stored configurations, locks and test scripts vanish with it.
 * Needs root (unshare); without it, each test says so and does nothing.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "simhost.h"
#include "testmain.h"

#define WORK "/run/simdev"        /* on the private tmpfs */

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger_stdiostream *logger;
static struct xs_handle *xs;
static bool skipped;

/* Private /var/lib/xen, /var/log/xen and /run (tmpfs); a private network
 * namespace too when net is set. False (with a note) when not possible. */
static bool private_namespaces(bool net)
{
    if (geteuid() != 0) {
        fprintf(stderr, "skipped: needs root for private namespaces\n");
        return false;
    }
    if (unshare(CLONE_NEWNS | (net ? CLONE_NEWNET : 0)) < 0) {
        fprintf(stderr, "skipped: unshare: %s\n", strerror(errno));
        return false;
    }
    ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    static const char *const dirs[] = { "/var/lib/xen", "/var/log/xen", "/run" };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        mkdir(dirs[i], 0755);
        ck_assert_msg(mount("tmpfs", dirs[i], "tmpfs", 0, "size=64m,mode=0755") == 0,
                      "mount tmpfs on %s: %s", dirs[i], strerror(errno));
    }
    ck_assert_int_eq(mkdir(WORK, 0755), 0);
    ck_assert_int_eq(mkdir("/run/xen", 0755), 0);
    return true;
}

static void start(bool net)
{
    skipped = !private_namespaces(net);
    if (skipped)
        return;
    if (net)
        setenv("XENSIM_NETBACK_LINKS", "1", 1);
    host = simhost_start();
    ck_assert_msg(host != NULL, "could not start a simulated host");
    logger = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    ck_assert_ptr_nonnull(logger);
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0,
                                     (xentoollog_logger *)logger), 0);
    xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
}

static void setup(void)
{
    start(false);
}

static void teardown(void)
{
    if (skipped)
        return;
    xs_close(xs);
    libxl_ctx_free(ctx);
    xtl_logger_destroy((xentoollog_logger *)logger);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* A domain with a guest (frontends as said), its configuration stored as
 * libxl stores it at creation ("libxl-json": device adds need it). */
static uint32_t make_domain(const char *name, bool frontends)
{
    char *out = NULL;
    int rc = simhost_cli(&out, "create", name, "--mem-mb", "64", "--guest", "obey",
                         "--frontends", frontends ? "on" : "off", (char *)NULL);
    ck_assert_int_eq(rc, 0);
    uint32_t domid = (uint32_t)atoi(out);
    free(out);
    ck_assert_uint_gt(domid, 0);

    libxl_dominfo info;
    libxl_dominfo_init(&info);
    ck_assert_int_eq(libxl_domain_info(ctx, &info, domid), 0);
    libxl_domain_config cfg;
    libxl_domain_config_init(&cfg);
    cfg.c_info.type = LIBXL_DOMAIN_TYPE_PV;
    cfg.c_info.name = strdup(name);
    libxl_uuid_copy(ctx, &cfg.c_info.uuid, &info.uuid);
    libxl_domain_build_info_init_type(&cfg.b_info, LIBXL_DOMAIN_TYPE_PV);
    char *json = libxl_domain_config_to_json(ctx, &cfg);
    ck_assert_ptr_nonnull(json);
    ck_assert_int_eq(libxl_userdata_store(ctx, domid, "libxl-json", (const uint8_t *)json,
                                          (int)strlen(json) + 1), 0);
    free(json);
    libxl_domain_config_dispose(&cfg);
    libxl_dominfo_dispose(&info);
    return domid;
}

static char *xs_get(const char *path)
{
    unsigned len;
    return xs_read(xs, XBT_NULL, path, &len);
}

static bool xs_exists(const char *path)
{
    char *v = xs_get(path);
    free(v);
    return v != NULL;
}

/* Wait (a watch, no sleeping) until path holds want; false at the deadline. */
static bool wait_value(const char *path, const char *want, int timeout_ms)
{
    uint64_t deadline = test_now_ms() + (uint64_t)timeout_ms;
    ck_assert(xs_watch(xs, path, "w"));
    bool ok = false;
    for (;;) {
        char *v = xs_get(path);
        ok = v && !strcmp(v, want);
        free(v);
        uint64_t now = test_now_ms();
        if (ok || now >= deadline)
            break;
        struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
        if (poll(&p, 1, (int)(deadline - now)) == 1) {
            unsigned n;
            free(xs_read_watch(xs, &n));
        }
    }
    xs_unwatch(xs, path, "w");
    return ok;
}

/* Backend and frontend paths (key NULL: the directory), in rotating
 * buffers: a few may be used at once. */
static const char *dev_path(bool backend, uint32_t domid, const char *kind, int devid,
                            const char *key)
{
    static char bufs[8][256];
    static unsigned next;
    char *b = bufs[next++ % 8];
    int n = backend
        ? snprintf(b, 256, "/local/domain/0/backend/%s/%u/%d", kind, domid, devid)
        : snprintf(b, 256, "/local/domain/%u/device/%s/%d", domid, kind, devid);
    if (key)
        snprintf(b + n, 256 - (size_t)n, "/%s", key);
    return b;
}

#define BE(domid, kind, devid, key) dev_path(true, domid, kind, devid, key)
#define FE(domid, kind, devid, key) dev_path(false, domid, kind, devid, key)

/* The trivial block hotplug script: what `block` leaves behind, no loop. */
static const char *disk_script(void)
{
    write_file(WORK "/block-test",
               "#!/bin/sh\n"
               "case \"$1\" in\n"
               "add) xenstore-write \"$XENBUS_PATH/physical-device\" 7:0 \\\n"
               "         \"$XENBUS_PATH/hotplug-status\" connected ;;\n"
               "esac\n", 0755);
    write_file(WORK "/disk.img", "", 0644);
    ck_assert_int_eq(truncate(WORK "/disk.img", 1 << 20), 0);
    return WORK "/block-test";
}

static void disk_init(libxl_device_disk *d, const char *script)
{
    libxl_device_disk_init(d);
    d->pdev_path = strdup(WORK "/disk.img");
    d->vdev = strdup("xvdb");
    d->backend = LIBXL_DISK_BACKEND_PHY;
    d->format = LIBXL_DISK_FORMAT_RAW;
    d->readwrite = 1;
    d->script = strdup(script);
}

#define XVDB 51728

TEST(disk_add_remove, 60)
{
    if (skipped)
        return;
    uint32_t d = make_domain("disky", true);
    libxl_device_disk disk;
    disk_init(&disk, disk_script());

    ck_assert_int_eq(libxl_device_disk_add(ctx, d, &disk, NULL), 0);
    ck_assert(wait_value(BE(d, "vbd", XVDB, "state"), "4", 5000));
    ck_assert(wait_value(FE(d, "vbd", XVDB, "state"), "4", 5000));
    /* what blkback and blkfront published on the way */
    char *v = xs_get(BE(d, "vbd", XVDB, "sectors"));
    ck_assert_ptr_nonnull(v);
    free(v);
    v = xs_get(BE(d, "vbd", XVDB, "feature-persistent"));
    ck_assert_str_eq(v, "1");
    free(v);
    v = xs_get(FE(d, "vbd", XVDB, "protocol"));
    ck_assert_str_eq(v, "x86_64-abi");
    free(v);
    ck_assert(xs_exists(FE(d, "vbd", XVDB, "ring-ref")));

    /* backend Closing → frontend Closed → backend Closed: no timeout */
    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(libxl_device_disk_remove(ctx, d, &disk, NULL), 0);
    ck_assert_uint_lt(test_now_ms() - t0, 5000);
    ck_assert(!xs_exists(BE(d, "vbd", XVDB, NULL)));
    ck_assert(!xs_exists(FE(d, "vbd", XVDB, NULL)));
    libxl_device_disk_dispose(&disk);
}

/* A backend that never reaches InitWait: libxl's 10 s deadline. */
TEST(disk_add_times_out_without_initwait, 60)
{
    if (skipped)
        return;
    uint32_t d = make_domain("stuck", true);
    char id[16], *out = NULL;
    snprintf(id, sizeof(id), "%u", d);
    ck_assert_int_eq(simhost_cli(NULL, "backend-policy", id, "vbd", "no-initwait",
                                 (char *)NULL), 0);
    ck_assert_int_eq(simhost_cli(&out, "backend-policy", id, "vbd", (char *)NULL), 0);
    ck_assert_str_eq(out, "no-initwait\n");
    free(out);
    libxl_device_disk disk;
    disk_init(&disk, disk_script());
    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(libxl_device_disk_add(ctx, d, &disk, NULL), ERROR_TIMEDOUT);
    ck_assert_uint_ge(test_now_ms() - t0, 9000);
    char *v = xs_get(BE(d, "vbd", XVDB, "state"));
    ck_assert_str_eq(v, "1");
    free(v);
    libxl_device_disk_dispose(&disk);
}

/* Without frontends, the backend waits in InitWait; they connect when the
 * guest turns them on. */
TEST(guest_without_frontends, 60)
{
    if (skipped)
        return;
    uint32_t d = make_domain("quiet", false);
    libxl_device_disk disk;
    disk_init(&disk, disk_script());
    ck_assert_int_eq(libxl_device_disk_add(ctx, d, &disk, NULL), 0);
    ck_assert(wait_value(BE(d, "vbd", XVDB, "physical-device"), "7:0", 5000));
    char *v = xs_get(BE(d, "vbd", XVDB, "state"));
    ck_assert_str_eq(v, "2");
    free(v);
    v = xs_get(FE(d, "vbd", XVDB, "state"));
    ck_assert_str_eq(v, "1");
    free(v);
    char id[16];
    snprintf(id, sizeof(id), "%u", d);
    ck_assert_int_eq(simhost_cli(NULL, "guest-frontends", id, "on", (char *)NULL), 0);
    ck_assert(wait_value(BE(d, "vbd", XVDB, "state"), "4", 5000));
    ck_assert(wait_value(FE(d, "vbd", XVDB, "state"), "4", 5000));
    libxl_device_disk_dispose(&disk);
}

TEST(vkb_add_remove, 60)
{
    if (skipped)
        return;
    uint32_t d = make_domain("keyboard", true);
    libxl_device_vkb vkb;
    libxl_device_vkb_init(&vkb);
    vkb.devid = 0;
    vkb.backend_type = LIBXL_VKB_BACKEND_LINUX;
    ck_assert_int_eq(libxl_device_vkb_add(ctx, d, &vkb, NULL), 0);
    ck_assert(wait_value(BE(d, "vinput", 0, "state"), "4", 5000));
    ck_assert(wait_value(FE(d, "vkbd", 0, "state"), "4", 5000));
    ck_assert(xs_exists(FE(d, "vkbd", 0, "page-ref")));
    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(libxl_device_vkb_remove(ctx, d, &vkb, NULL), 0);
    ck_assert_uint_lt(test_now_ms() - t0, 5000);
    ck_assert(!xs_exists(BE(d, "vinput", 0, NULL)));
    ck_assert(!xs_exists(FE(d, "vkbd", 0, NULL)));
    libxl_device_vkb_dispose(&vkb);
}
