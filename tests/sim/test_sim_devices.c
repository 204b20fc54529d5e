/*
 * test_sim_devices.c: the simulated host's device drivers (backend.c in
 * dom0, frontend.c in the guest) under Debian's own libxenlight (its
 * headers, its library): disk, vkb and nic add and remove complete as on a
 * real host, the fault knobs make add time out, a guest without frontends
 * leaves its devices waiting; Debian's `block` script on a loop device;
 * pciback's and pcifront's reconfigurations. Each test runs in private
 * mount (and, for links, network) namespaces: /var/lib/xen, /var/log/xen
 * and /run/xen are tmpfs there, so the stored configurations and test
 * scripts vanish with it (/run/xen-hotplug, the `block` script's lock, is
 * the machine's, shared as on a real host). Needs root (unshare); without
 * it, each test says so and does nothing.
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
#include <sys/wait.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "simhost.h"
#include "testmain.h"

#define WORK "/var/lib/xen/simdev"        /* on the private tmpfs */

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger_stdiostream *logger;
static struct xs_handle *xs;
static bool skipped;

/* Private /var/lib/xen, /var/log/xen and /run/xen (tmpfs); a private
 * network namespace too when net is set. False (with a note) when not
 * possible. */
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
    static const char *const dirs[] = { "/var/lib/xen", "/var/log/xen", "/run/xen" };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        mkdir(dirs[i], 0755);    /* the mount point, as private-xen-dirs */
        ck_assert_msg(mount("tmpfs", dirs[i], "tmpfs", 0, "size=64m,mode=0755") == 0,
                      "mount tmpfs on %s: %s", dirs[i], strerror(errno));
    }
    ck_assert_int_eq(mkdir(WORK, 0755), 0);
    /* sysfs shows the network namespace of whoever mounted it */
    if (net)
        ck_assert_int_eq(mount("sysfs", "/sys", "sysfs", 0, NULL), 0);
    return true;
}

static void start(bool net)
{
    skipped = !private_namespaces(net);
    if (skipped)
        return;
    if (net) {
        /* name the namespace: the backends make links only in it */
        char ns[64];
        ssize_t n = readlink("/proc/self/ns/net", ns, sizeof(ns) - 1);
        ck_assert_int_gt(n, 0);
        ns[n] = 0;
        setenv("XENSIM_NETBACK_LINKS", ns, 1);
    }
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
static uint32_t make_domain_vcpus(const char *name, bool frontends, unsigned vcpus)
{
    char *out = NULL, nv[16];
    snprintf(nv, sizeof(nv), "%u", vcpus);
    int rc = simhost_cli(&out, "create", name, "--mem-mb", "64", "--vcpus", nv,
                         "--guest", "obey", "--frontends", frontends ? "on" : "off",
                         (char *)NULL);
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

static uint32_t make_domain(const char *name, bool frontends)
{
    return make_domain_vcpus(name, frontends, 1);
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
    static char bufs[32][256];
    static unsigned next;
    char *b = bufs[next++ % 32];
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

    /* the same disk again: bound anew */
    ck_assert_int_eq(libxl_device_disk_add(ctx, d, &disk, NULL), 0);
    ck_assert(wait_value(BE(d, "vbd", XVDB, "state"), "4", 5000));
    ck_assert(wait_value(FE(d, "vbd", XVDB, "state"), "4", 5000));
    ck_assert_int_eq(libxl_device_disk_destroy(ctx, d, &disk, NULL), 0);
    ck_assert(!xs_exists(BE(d, "vbd", XVDB, NULL)));
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
    ck_assert_int_eq(simhost_backend_policy((int)d, "vbd", "no-initwait"), 0);
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
    ck_assert_int_eq(simhost_guest_frontends((int)d, true), 0);
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

/* The trivial vif script; with EXPECT_LINK set it fails unless the
 * interface netback makes is there. */
static const char *vif_script(void)
{
    write_file(WORK "/vif-test",
               "#!/bin/sh\n"
               "case \"$1\" in\n"
               "add|online)\n"
               "    if [ -n \"$EXPECT_LINK\" ] && ! ip link show dev \"$vif\" >/dev/null; then\n"
               "        xenstore-write \"$XENBUS_PATH/hotplug-error\" \"no $vif\" \\\n"
               "            \"$XENBUS_PATH/hotplug-status\" error\n"
               "        exit 1\n"
               "    fi\n"
               "    xenstore-write \"$XENBUS_PATH/hotplug-status\" connected ;;\n"
               "esac\n", 0755);
    return WORK "/vif-test";
}

/* A nic, in a private network namespace where netback makes vifD.N. */
TEST_NO_FIXTURE(nic_add_remove_with_link, 60)
{
    start(true);
    if (skipped)
        return;
    setenv("EXPECT_LINK", "1", 1);
    uint32_t d = make_domain("netty", true);
    char ifname[IFNAMSIZ];
    snprintf(ifname, sizeof(ifname), "vif%u.0", d);
    libxl_device_nic nic;
    libxl_device_nic_init(&nic);
    nic.devid = 0;
    nic.script = strdup(vif_script());
    nic.nictype = LIBXL_NIC_TYPE_VIF;
    nic.bridge = strdup("xenbr0");
    static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x01, 0x02, 0x03 };
    memcpy(nic.mac, mac, 6);

    ck_assert_uint_eq(if_nametoindex(ifname), 0);
    ck_assert_int_eq(libxl_device_nic_add(ctx, d, &nic, NULL), 0);
    ck_assert_uint_gt(if_nametoindex(ifname), 0);
    ck_assert(wait_value(BE(d, "vif", 0, "state"), "4", 5000));
    ck_assert(wait_value(FE(d, "vif", 0, "state"), "4", 5000));
    char *v = xs_get(FE(d, "vif", 0, "request-rx-copy"));
    ck_assert_str_eq(v, "1");
    free(v);
    v = xs_get(BE(d, "vif", 0, "feature-rx-copy"));
    ck_assert_str_eq(v, "1");
    free(v);

    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(libxl_device_nic_remove(ctx, d, &nic, NULL), 0);
    ck_assert_uint_lt(test_now_ms() - t0, 5000);
    ck_assert_uint_eq(if_nametoindex(ifname), 0);
    ck_assert(!xs_exists(BE(d, "vif", 0, NULL)));
    ck_assert(!xs_exists(FE(d, "vif", 0, NULL)));
    libxl_device_nic_dispose(&nic);
    teardown();
}

/* A directory's children, one space between each, in xenstored's order
 * (the order they were made in). */
static char *xs_children(const char *path)
{
    unsigned n;
    char **e = xs_directory(xs, XBT_NULL, path, &n);
    ck_assert_msg(e != NULL, "%s: %s", path, strerror(errno));
    size_t len = 1;
    for (unsigned i = 0; i < n; i++)
        len += strlen(e[i]) + 1;
    char *s = calloc(1, len);
    ck_assert_ptr_nonnull(s);
    for (unsigned i = 0; i < n; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, e[i]);
    }
    free(e);
    return s;
}

static void vif_init(libxl_device_nic *nic, int devid)
{
    libxl_device_nic_init(nic);
    nic->devid = devid;
    nic->script = strdup(vif_script());
    nic->nictype = LIBXL_NIC_TYPE_VIF;
    nic->bridge = strdup("xenbr0");
}

static void assert_node(const char *path, const char *want)
{
    char *v = xs_get(path);
    ck_assert_msg(v && !strcmp(v, want), "%s: \"%s\", not \"%s\"", path,
                  v ? v : "(absent)", want);
    free(v);
}

/* netback's keys and netfront's answer, in the order Linux 6.1's drivers
 * write them on real Xen 4.17 (tests/realxen/README.md): split event
 * channels, one queue (a 1-vcpu guest), no XDP headroom wanted. */
TEST(netfront_and_netback_keys_as_linux, 60)
{
    if (skipped)
        return;
    uint32_t d = make_domain("keys", true);
    libxl_device_nic nic;
    vif_init(&nic, 0);
    ck_assert_int_eq(libxl_device_nic_add(ctx, d, &nic, NULL), 0);
    ck_assert(wait_value(BE(d, "vif", 0, "state"), "4", 5000));
    ck_assert(wait_value(FE(d, "vif", 0, "state"), "4", 5000));
    char *be = xs_children(BE(d, "vif", 0, NULL));
    static const char be_keys[] =
        " feature-sg feature-gso-tcpv4 feature-gso-tcpv6 feature-ipv6-csum-offload"
        " feature-rx-copy feature-xdp-headroom feature-rx-flip"
        " feature-multicast-control feature-dynamic-multicast-control"
        " feature-split-event-channels multi-queue-max-queues feature-ctrl-ring";
    size_t bl = strlen(be), kl = strlen(be_keys);
    ck_assert_msg(bl > kl && !strcmp(be + bl - kl, be_keys), "backend: %s", be);
    free(be);
    char *fe = xs_children(FE(d, "vif", 0, NULL));
    ck_assert_str_eq(fe, "backend backend-id state handle mac trusted mtu"
                         " xdp-headroom multi-queue-num-queues"
                         " tx-ring-ref rx-ring-ref event-channel-tx event-channel-rx"
                         " request-rx-copy feature-rx-notify feature-sg"
                         " feature-gso-tcpv4 feature-gso-tcpv6 feature-ipv6-csum-offload");
    free(fe);
    assert_node(FE(d, "vif", 0, "xdp-headroom"), "0");
    assert_node(FE(d, "vif", 0, "multi-queue-num-queues"), "1");
    assert_node(BE(d, "vif", 0, "feature-xdp-headroom"), "1");
    assert_node(BE(d, "vif", 0, "feature-rx-flip"), "0");
    ck_assert_int_eq(libxl_device_nic_remove(ctx, d, &nic, NULL), 0);
    libxl_device_nic_dispose(&nic);
}

/* What netfront reads of netback's offer: more queues than one (as many
 * as both sides take: here the guest's 2 vcpus) go under queue-N; one
 * event channel per queue without feature-split-event-channels; no
 * xdp-headroom without feature-xdp-headroom; and without feature-rx-copy
 * it never connects. */
TEST(netfront_follows_what_netback_offers, 60)
{
    if (skipped)
        return;
    uint32_t d = make_domain_vcpus("offers", false, 2);
    libxl_device_nic nic0, nic1;
    vif_init(&nic0, 0);
    vif_init(&nic1, 1);
    ck_assert_int_eq(libxl_device_nic_add(ctx, d, &nic0, NULL), 0);
    ck_assert_int_eq(libxl_device_nic_add(ctx, d, &nic1, NULL), 0);
    assert_node(BE(d, "vif", 1, "state"), "2");
    ck_assert(xs_write(xs, XBT_NULL, BE(d, "vif", 1, "multi-queue-max-queues"), "4", 1));
    ck_assert(xs_write(xs, XBT_NULL, BE(d, "vif", 1, "feature-split-event-channels"),
                       "0", 1));
    ck_assert(xs_rm(xs, XBT_NULL, BE(d, "vif", 1, "feature-xdp-headroom")));
    ck_assert(xs_rm(xs, XBT_NULL, BE(d, "vif", 0, "feature-rx-copy")));
    ck_assert_int_eq(simhost_guest_frontends((int)d, true), 0);
    ck_assert(wait_value(FE(d, "vif", 1, "state"), "4", 5000));
    char *fe = xs_children(FE(d, "vif", 1, NULL));
    ck_assert_str_eq(fe, "backend backend-id state handle mac trusted mtu"
                         " multi-queue-num-queues queue-0 queue-1"
                         " request-rx-copy feature-rx-notify feature-sg"
                         " feature-gso-tcpv4 feature-gso-tcpv6 feature-ipv6-csum-offload");
    free(fe);
    assert_node(FE(d, "vif", 1, "multi-queue-num-queues"), "2");
    for (int q = 0; q < 2; q++) {
        char p[256];
        snprintf(p, sizeof(p), "%s/queue-%d", FE(d, "vif", 1, NULL), q);
        fe = xs_children(p);
        ck_assert_str_eq(fe, "tx-ring-ref rx-ring-ref event-channel");
        free(fe);
    }
    /* the frontends went through the devices in order: vif 0 was looked
     * at before vif 1 connected, and left alone */
    assert_node(FE(d, "vif", 0, "state"), "1");
    ck_assert(!xs_exists(FE(d, "vif", 0, "tx-ring-ref")));
    ck_assert(!xs_exists(FE(d, "vif", 0, "xdp-headroom")));
    libxl_device_nic_dispose(&nic0);
    libxl_device_nic_dispose(&nic1);
}

/* Run a command (no shell); its exit status. */
static int run(const char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Debian's `vif-bridge` on a bridge of the private namespace: it finds
 * vifD.N and enslaves it, as on a real host. */
TEST_NO_FIXTURE(nic_with_debian_vif_bridge, 60)
{
    start(true);
    if (skipped)
        return;
    if (access("/etc/xen/scripts/vif-bridge", X_OK) < 0) {
        fprintf(stderr, "skipped: needs /etc/xen/scripts/vif-bridge (xen-utils-common)\n");
        teardown();
        return;
    }
    static const char *const mkbr[] = { "ip", "link", "add", "xenbr0", "type", "bridge",
                                        NULL };
    ck_assert_int_eq(run(mkbr), 0);
    uint32_t d = make_domain("bridged", true);
    char ifname[IFNAMSIZ], master[128], target[64];
    snprintf(ifname, sizeof(ifname), "vif%u.0", d);
    snprintf(master, sizeof(master), "/sys/class/net/%s/master", ifname);
    libxl_device_nic nic;
    libxl_device_nic_init(&nic);
    nic.devid = 0;
    nic.nictype = LIBXL_NIC_TYPE_VIF;
    nic.bridge = strdup("xenbr0");
    nic.script = strdup("/etc/xen/scripts/vif-bridge");
    ck_assert_int_eq(libxl_device_nic_add(ctx, d, &nic, NULL), 0);
    char *v = xs_get(BE(d, "vif", 0, "hotplug-status"));
    ck_assert_str_eq(v, "connected");
    free(v);
    ssize_t n = readlink(master, target, sizeof(target) - 1);
    ck_assert_int_gt(n, 0);
    target[n] = 0;
    ck_assert_str_eq(strrchr(target, '/') + 1, "xenbr0");
    ck_assert(wait_value(BE(d, "vif", 0, "state"), "4", 5000));

    ck_assert_int_eq(libxl_device_nic_remove(ctx, d, &nic, NULL), 0);
    ck_assert_uint_eq(if_nametoindex(ifname), 0);
    ck_assert(!xs_exists(BE(d, "vif", 0, NULL)));
    libxl_device_nic_dispose(&nic);
    teardown();
}

/* The loop device node the `block` script recorded, as "loopN". */
static char *loop_name(uint32_t d)
{
    char *node = xs_get(BE(d, "vbd", XVDB, "node"));
    ck_assert_ptr_nonnull(node);
    ck_assert_msg(!strncmp(node, "/dev/loop", 9), "node %s", node);
    char *name = strdup(node + 5);
    free(node);
    return name;
}

static bool loop_attached(const char *name)
{
    char p[128];
    snprintf(p, sizeof(p), "/sys/block/%s/loop/backing_file", name);
    return access(p, F_OK) == 0;
}

/* Debian's own `block` script on a file: losetup as on a real host. */
TEST(disk_with_debian_block_script, 60)
{
    if (skipped)
        return;
    if (access("/etc/xen/scripts/block", X_OK) < 0 ||
        access("/dev/loop-control", R_OK | W_OK) < 0) {
        fprintf(stderr, "skipped: needs /etc/xen/scripts/block (xen-utils-common) "
                "and /dev/loop-control\n");
        return;
    }
    uint32_t d = make_domain("blocky", true);
    disk_script();               /* the image */
    libxl_device_disk disk;
    disk_init(&disk, "/etc/xen/scripts/block");
    ck_assert_int_eq(libxl_device_disk_add(ctx, d, &disk, NULL), 0);
    char *v = xs_get(BE(d, "vbd", XVDB, "hotplug-status"));
    ck_assert_str_eq(v, "connected");
    free(v);
    char *loop = loop_name(d);
    ck_assert(loop_attached(loop));
    ck_assert(wait_value(BE(d, "vbd", XVDB, "state"), "4", 5000));
    ck_assert(wait_value(FE(d, "vbd", XVDB, "state"), "4", 5000));
    v = xs_get(BE(d, "vbd", XVDB, "sectors"));
    ck_assert_str_eq(v, "2048");           /* 1 MiB, from the loop device */
    free(v);

    ck_assert_int_eq(libxl_device_disk_remove(ctx, d, &disk, NULL), 0);
    ck_assert(!loop_attached(loop));       /* `block remove` let it go */
    ck_assert(!xs_exists(BE(d, "vbd", XVDB, NULL)));
    free(loop);
    libxl_device_disk_dispose(&disk);
}

/* Write what libxl writes for a first PCI device (libxl_pci.c), as dom0. */
static void pci_backend(uint32_t d)
{
    char v[16], fe_dir[256], be_dir[256];
    struct xs_permissions fe[2] = { { .id = d, .perms = XS_PERM_NONE },
                                    { .id = 0, .perms = XS_PERM_READ } };
    struct xs_permissions be[2] = { { .id = 0, .perms = XS_PERM_NONE },
                                    { .id = d, .perms = XS_PERM_READ } };
    xs_transaction_t t = xs_transaction_start(xs);
    ck_assert(t);
    ck_assert(xs_mkdir(xs, t, FE(d, "pci", 0, NULL)));
    ck_assert(xs_set_permissions(xs, t, FE(d, "pci", 0, NULL), fe, 2));
    ck_assert(xs_mkdir(xs, t, BE(d, "pci", 0, NULL)));
    ck_assert(xs_set_permissions(xs, t, BE(d, "pci", 0, NULL), be, 2));
    snprintf(fe_dir, sizeof(fe_dir), "%s", FE(d, "pci", 0, NULL));
    snprintf(be_dir, sizeof(be_dir), "%s", BE(d, "pci", 0, NULL));
    snprintf(v, sizeof(v), "%u", d);
    /* (the paths are taken one at a time: FE and BE rotate 32 buffers) */
    struct { const char *path, *value; } w[] = {
        { FE(d, "pci", 0, "backend"), be_dir }, { FE(d, "pci", 0, "backend-id"), "0" },
        { FE(d, "pci", 0, "state"), "1" },
        { BE(d, "pci", 0, "frontend"), fe_dir }, { BE(d, "pci", 0, "frontend-id"), v },
        { BE(d, "pci", 0, "online"), "1" }, { BE(d, "pci", 0, "num_devs"), "1" },
        { BE(d, "pci", 0, "dev-0"), "0000:00:01.0" }, { BE(d, "pci", 0, "state-0"), "1" },
        { BE(d, "pci", 0, "state"), "1" },
    };
    for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
        ck_assert(xs_write(xs, t, w[i].path, w[i].value, strlen(w[i].value)));
    ck_assert(xs_transaction_end(xs, t, false));
}

/* pciback and pcifront: connect, then hot-adds and a hot-remove as libxl
 * asks for them (Reconfiguring), back to Connected each time; pciback's
 * virtual slots (vdev-N) and root. */
TEST(pci_reconfigure, 60)
{
    if (skipped)
        return;
    uint32_t d = make_domain("pcidev", true);
    pci_backend(d);
    ck_assert(wait_value(BE(d, "pci", 0, "state"), "4", 5000));
    ck_assert(wait_value(FE(d, "pci", 0, "state"), "4", 5000));
    char *v = xs_get(BE(d, "pci", 0, "state-0"));
    ck_assert_str_eq(v, "3");
    free(v);
    ck_assert(xs_exists(FE(d, "pci", 0, "pci-op-ref")));
    /* pciback's virtual bus: the device at its first slot, the root */
    static const char *const published[][2] = {
        { "vdev-0", "0000:00:00.00" }, { "root-0", "0000:00" },
        { "root_num", "1" },
    };
    for (size_t i = 0; i < 3; i++) {
        v = xs_get(BE(d, "pci", 0, published[i][0]));
        ck_assert_str_eq(v, published[i][1]);
        free(v);
    }

    /* hot-add dev-1 */
    xs_transaction_t t = xs_transaction_start(xs);
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "dev-1"), "0000:00:02.0", 12));
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "state-1"), "1", 1));
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "num_devs"), "2", 1));
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "state"), "7", 1));
    ck_assert(xs_transaction_end(xs, t, false));
    ck_assert(wait_value(BE(d, "pci", 0, "state-1"), "3", 5000));
    ck_assert(wait_value(BE(d, "pci", 0, "state"), "4", 5000));
    ck_assert(wait_value(FE(d, "pci", 0, "state"), "4", 5000));
    v = xs_get(BE(d, "pci", 0, "vdev-1"));
    ck_assert_str_eq(v, "0000:00:01.00");            /* the next slot */
    free(v);

    /* another function of dev-0's physical slot: dev-0's virtual slot */
    t = xs_transaction_start(xs);
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "dev-2"), "0000:00:01.3", 12));
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "state-2"), "1", 1));
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "num_devs"), "3", 1));
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "state"), "7", 1));
    ck_assert(xs_transaction_end(xs, t, false));
    ck_assert(wait_value(BE(d, "pci", 0, "state-2"), "3", 5000));
    ck_assert(wait_value(BE(d, "pci", 0, "state"), "4", 5000));
    v = xs_get(BE(d, "pci", 0, "vdev-2"));
    ck_assert_str_eq(v, "0000:00:00.03");
    free(v);

    /* hot-remove dev-0 */
    t = xs_transaction_start(xs);
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "state-0"), "5", 1));
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "state"), "7", 1));
    ck_assert(xs_transaction_end(xs, t, false));
    ck_assert(wait_value(BE(d, "pci", 0, "state"), "4", 5000));
    v = xs_get(BE(d, "pci", 0, "state-0"));
    ck_assert_str_eq(v, "5");          /* pciback writes nothing for it */
    free(v);

    /* the whole backend goes */
    t = xs_transaction_start(xs);
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "online"), "0", 1));
    ck_assert(xs_write(xs, t, BE(d, "pci", 0, "state"), "5", 1));
    ck_assert(xs_transaction_end(xs, t, false));
    ck_assert(wait_value(FE(d, "pci", 0, "state"), "6", 5000));
    ck_assert(wait_value(BE(d, "pci", 0, "state"), "6", 5000));
}

/* A guest writing nonsense as its frontend's state: blkback reads it as
 * Unknown (xenbus_read_driver_state), closes and lets the device go; the
 * toolstack's remove still completes at once. */
TEST(hostile_frontend_state, 60)
{
    if (skipped)
        return;
    uint32_t d = make_domain("rogue", true);
    libxl_device_disk disk;
    disk_init(&disk, disk_script());
    ck_assert_int_eq(libxl_device_disk_add(ctx, d, &disk, NULL), 0);
    ck_assert(wait_value(BE(d, "vbd", XVDB, "state"), "4", 5000));
    ck_assert_int_eq(simhost_guest_write((int)d, "device/vbd/51728/state", "4; rm -rf /"), 0);
    ck_assert(wait_value(BE(d, "vbd", XVDB, "state"), "6", 5000));
    uint64_t t0 = test_now_ms();
    ck_assert_int_eq(libxl_device_disk_remove(ctx, d, &disk, NULL), 0);
    ck_assert_uint_lt(test_now_ms() - t0, 5000);
    ck_assert(!xs_exists(BE(d, "vbd", XVDB, NULL)));
    libxl_device_disk_dispose(&disk);
}
