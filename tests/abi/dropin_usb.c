/*
 * dropin_usb.c: the drop-in probe for PVUSB: controllers (usbctrl) and host
 * devices on their ports (usbdev). Built against Debian's headers and
 * library (dropin-usb-debian) and against lightcore's (dropin-usb-ours);
 * run by tests/integration/ops/test_dropin_usb.c inside a private mount
 * namespace where /sys/bus/usb is the fake sysfs of tests/abi/fakeusb.c,
 * on one simulated guest whose frontends answer (its backends held in
 * InitWait: see settled), as Debian's, as Debian's binary on lightcore,
 * and as ours. It prints each call's rc, its results (the generated
 * _to_json), its log lines of level INFO and up (without the
 * FILE:LINE:FUNC prefix), and after each call that changes them the
 * xenstore trees the calls write (every node with its value and
 * permissions, in xenstored's order) and the fake sysfs (which driver has
 * which interface). All three runs must print the same.
 *
 * The probe stores the guest's configuration first (as xl does at
 * creation), and removes everything it added, so the three runs on one
 * guest start alike; its last line says whether the final state is the
 * first one.
 *
 * Arguments: MODE DOMID [lightcore]. MODE pv: the kernel backend (vusb,
 * usbback in sysfs); qusb: QEMU's backend (the test marks a device model
 * running); hvm: a device-model controller on an HVM guest. With
 * "lightcore", calls that make Debian's library crash are made too (for
 * lightcore's runs only). MODE hostile: what a backend or the guest may
 * write where the libraries read. MODE store: the configuration stored,
 * nothing else (for the xl tests).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <xenstore.h>

#include <libxl.h>
#include <libxl_utils.h>

#include "fakeusb.h"

/* ------------------------------------------------------------ logger */

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    if (level >= XTL_INFO)
        probe_log_print(level, errnoval, context, msg);
}

/* ------------------------------------------------------------ state */

static libxl_ctx *ctx;
static struct xs_handle *xsh;
static uint32_t domid;
static bool lightcore_only;            /* calls that crash Debian's library */

/* The guest's grant references and event channel numbers: made up, and
 * different from run to run. */
static bool made_up(const char *path)
{
    static const char *const keys[] = { "/urb-ring-ref", "/conn-ring-ref",
                                        "/event-channel" };
    size_t l = strlen(path);

    for (size_t i = 0; i < 3; i++) {
        size_t k = strlen(keys[i]);
        if (l > k && !strcmp(path + l - k, keys[i])) return true;
    }
    return false;
}

/* Every node under path, its value and permissions, children in
 * xenstored's order. */
static void tree(FILE *f, const char *path)
{
    unsigned len = 0, nperms = 0, n = 0;
    char *v = xs_read(xsh, XBT_NULL, path, &len);
    struct xs_permissions *perms;
    char **kids;

    if (!v) return;
    perms = xs_get_permissions(xsh, XBT_NULL, path, &nperms);
    if (made_up(path) && *v)
        fprintf(f, "  %s = (a number) (", path);
    else
        fprintf(f, "  %s = \"%s\" (", path, v);
    for (unsigned p = 0; perms && p < nperms; p++) {
        int m = perms[p].perms & (XS_PERM_READ | XS_PERM_WRITE);
        fprintf(f, "%s%c%u", p ? "," : "",
                m == (XS_PERM_READ | XS_PERM_WRITE) ? 'b'
                : m == XS_PERM_READ ? 'r' : m == XS_PERM_WRITE ? 'w' : 'n',
                perms[p].id);
    }
    fprintf(f, ")\n");
    free(perms);
    free(v);
    kids = xs_directory(xsh, XBT_NULL, path, &n);
    for (unsigned i = 0; kids && i < n; i++) {
        char sub[512];
        snprintf(sub, sizeof(sub), "%s/%s", path, kids[i]);
        tree(f, sub);
    }
    free(kids);
}

/*
 * Whether every PVUSB device of the guest has settled: its backend in
 * InitWait and its frontend Initialised. The test holds the simulated
 * backends there (backend-policy no-connect): a backend that connects at
 * once races libxl's wait for InitWait, which then reads Connected and
 * waits on until its 10 s deadline (in both libraries, as with any
 * frontend quick enough).
 */
static bool settled(void)
{
    static const char *const kinds[] = { "vusb", "qusb" };
    bool ok = true;

    for (int k = 0; k < 2 && ok; k++) {
        char dir[128], path[256];
        unsigned n = 0;
        char **devs;

        snprintf(dir, sizeof(dir), "/local/domain/0/backend/%s/%u", kinds[k],
                 domid);
        devs = xs_directory(xsh, XBT_NULL, dir, &n);
        for (unsigned i = 0; devs && i < n && ok; i++) {
            unsigned len;
            char *be, *fe;
            snprintf(path, sizeof(path), "%s/%s/state", dir, devs[i]);
            be = xs_read(xsh, XBT_NULL, path, &len);
            snprintf(path, sizeof(path),
                     "/local/domain/%u/device/vusb/%s/state", domid, devs[i]);
            fe = xs_read(xsh, XBT_NULL, path, &len);
            ok = be && fe && !strcmp(be, "2") && !strcmp(fe, "3");
            free(be);
            free(fe);
        }
        free(devs);
    }
    return ok;
}

/* Waits (at most 10 s) until every device has settled: the trees printed
 * are then the same whatever the timing. */
static void settle(void)
{
    struct timespec start, now;

    clock_gettime(CLOCK_MONOTONIC, &start);
    xs_watch(xsh, "/local/domain/0/backend", "settle");
    for (;;) {
        struct pollfd p = { .fd = xs_fileno(xsh), .events = POLLIN };
        unsigned n;
        char **ev;

        if (settled()) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= 10) {
            printf("  (the devices did not settle)\n");
            break;
        }
        if (poll(&p, 1, 200) > 0) {
            ev = xs_read_watch(xsh, &n);
            free(ev);
        }
    }
    xs_unwatch(xsh, "/local/domain/0/backend", "settle");
}

static char *state_text(void)
{
    char *buf = NULL, path[256];
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    static const char *const fmt[] = {
        "/local/domain/0/backend/vusb/%u", "/local/domain/0/backend/qusb/%u",
        "/local/domain/%u/device/vusb", "/libxl/%u/device",
    };

    for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
        snprintf(path, sizeof(path), fmt[i], domid);
        tree(f, path);
    }
    tree(f, "/libxl/usbback");
    fakeusb_print_state(f);
    fclose(f);
    return buf;
}

static void show(const char *what)
{
    char *s;

    settle();
    s = state_text();
    printf("state %s:\n%s", what, s);
    free(s);
}

/* ------------------------------------------------------------ printing */

static void print_ctrl(const char *what, int rc, libxl_device_usbctrl *c)
{
    char *json = libxl_device_usbctrl_to_json(ctx, c);
    printf("%s: rc %d %s\n", what, rc, json ? json : "(null)");
    free(json);
}

static void print_dev(const char *what, int rc, libxl_device_usbdev *d)
{
    char *json = libxl_device_usbdev_to_json(ctx, d);
    printf("%s: rc %d %s\n", what, rc, json ? json : "(null)");
    free(json);
}

static void list_all(const char *what)
{
    int n = -1, m = -1;
    libxl_device_usbctrl *c = libxl_device_usbctrl_list(ctx, domid, &n);
    libxl_device_usbdev *d = libxl_device_usbdev_list(ctx, domid, &m);

    printf("%s: %d controllers\n", what, n);
    for (int i = 0; i < n; i++) {
        libxl_usbctrlinfo info;
        int rc;

        print_ctrl("  ctrl", 0, &c[i]);
        libxl_usbctrlinfo_init(&info);
        rc = libxl_device_usbctrl_getinfo(ctx, domid, &c[i], &info);
        /* made-up numbers (see made_up): only whether there is one */
        if (info.evtch > 0) info.evtch = 1;
        if (info.ref_urb > 0) info.ref_urb = 1;
        if (info.ref_conn > 0) info.ref_conn = 1;
        char *json = libxl_usbctrlinfo_to_json(ctx, &info);
        printf("  getinfo: rc %d %s\n", rc, json ? json : "(null)");
        free(json);
        libxl_usbctrlinfo_dispose(&info);
    }
    libxl_device_usbctrl_list_free(c, n);
    printf("%s: %d devices\n", what, m);
    for (int i = 0; i < m; i++)
        print_dev("  dev", 0, &d[i]);
    libxl_device_usbdev_list_free(d, m);
}

static void retrieve(const char *what)
{
    libxl_domain_config cfg;
    int rc;

    libxl_domain_config_init(&cfg);
    rc = libxl_retrieve_domain_configuration(ctx, domid, &cfg, NULL);
    printf("%s: rc %d, %d controllers, %d devices\n", what, rc,
           cfg.num_usbctrls, cfg.num_usbdevs);
    for (int i = 0; i < cfg.num_usbctrls; i++)
        print_ctrl("  stored ctrl", 0, &cfg.usbctrls[i]);
    for (int i = 0; i < cfg.num_usbdevs; i++)
        print_dev("  stored dev", 0, &cfg.usbdevs[i]);
    libxl_domain_config_dispose(&cfg);
}

/* ------------------------------------------------------------ calls */

static int ctrl_add(const char *what, libxl_usbctrl_type type, int version,
                    int ports, int devid)
{
    libxl_device_usbctrl c;
    int rc;

    libxl_device_usbctrl_init(&c);
    c.type = type;
    c.version = version;
    c.ports = ports;
    c.devid = devid;
    rc = libxl_device_usbctrl_add(ctx, domid, &c, NULL);
    print_ctrl(what, rc, &c);
    libxl_device_usbctrl_dispose(&c);
    return rc;
}

/* remove (or destroy) as xl does: the controller looked up first. */
static int ctrl_remove(const char *what, int devid, bool destroy)
{
    libxl_device_usbctrl c;
    int rc = libxl_devid_to_device_usbctrl(ctx, domid, devid, &c);

    print_ctrl("  devid_to_device", rc, &c);
    if (rc) {
        libxl_device_usbctrl_dispose(&c);
        libxl_device_usbctrl_init(&c);
        c.type = LIBXL_USBCTRL_TYPE_PV;
        c.devid = devid;
    }
    rc = destroy ? libxl_device_usbctrl_destroy(ctx, domid, &c, NULL)
                 : libxl_device_usbctrl_remove(ctx, domid, &c, NULL);
    printf("%s: rc %d\n", what, rc);
    libxl_device_usbctrl_dispose(&c);
    return rc;
}

static int dev_add(const char *what, int ctrl, int port, int bus, int addr)
{
    libxl_device_usbdev d;
    int rc;

    libxl_device_usbdev_init(&d);
    d.ctrl = ctrl;
    d.port = port;
    d.u.hostdev.hostbus = (uint8_t)bus;
    d.u.hostdev.hostaddr = (uint8_t)addr;
    rc = libxl_device_usbdev_add(ctx, domid, &d, NULL);
    print_dev(what, rc, &d);
    libxl_device_usbdev_dispose(&d);
    return rc;
}

static int dev_remove(const char *what, int ctrl, int port)
{
    libxl_device_usbdev d;
    int rc;

    libxl_device_usbdev_init(&d);
    d.ctrl = ctrl;
    d.port = port;
    d.type = LIBXL_USBDEV_TYPE_HOSTDEV;
    rc = libxl_device_usbdev_remove(ctx, domid, &d, NULL);
    printf("%s: rc %d\n", what, rc);
    libxl_device_usbdev_dispose(&d);
    return rc;
}

static void ctrlport(int ctrl, int port)
{
    libxl_device_usbdev d;
    char what[64];
    int rc;

    libxl_device_usbdev_init(&d);
    rc = libxl_ctrlport_to_device_usbdev(ctx, domid, ctrl, port, &d);
    snprintf(what, sizeof(what), "ctrlport_to_device(%d, %d)", ctrl, port);
    print_dev(what, rc, &d);
    libxl_device_usbdev_dispose(&d);
}

/* The guest's configuration, as xl stores it at creation. */
static void store_config(libxl_domain_type type)
{
    libxl_dominfo info;
    libxl_domain_config cfg;
    char *json;
    int rc;

    libxl_dominfo_init(&info);
    libxl_domain_config_init(&cfg);
    if (libxl_domain_info(ctx, &info, domid)) {
        printf("no domain %u\n", domid);
        exit(1);
    }
    cfg.c_info.type = type;
    cfg.c_info.name = strdup("usbguest");
    libxl_uuid_copy(ctx, &cfg.c_info.uuid, &info.uuid);
    libxl_domain_build_info_init_type(&cfg.b_info, type);
    json = libxl_domain_config_to_json(ctx, &cfg);
    rc = libxl_userdata_store(ctx, domid, "libxl-json", (const uint8_t *)json,
                              (int)strlen(json) + 1);
    printf("config stored: rc %d\n", rc);
    free(json);
    libxl_domain_config_dispose(&cfg);
    libxl_dominfo_dispose(&info);
}

/* ------------------------------------------------------------ scenarios */

static void scenario_pv(void)
{
    store_config(LIBXL_DOMAIN_TYPE_PV);
    show("at start");

    /* controllers */
    ctrl_add("ctrl_add(pv, 4 ports)", LIBXL_USBCTRL_TYPE_PV, 0, 4, -1);
    show("after a controller");
    ctrl_add("ctrl_add(auto)", LIBXL_USBCTRL_TYPE_AUTO, 1, 0, -1);
    ctrl_add("ctrl_add(devid 1 again)", LIBXL_USBCTRL_TYPE_PV, 2, 2, 1);
    ctrl_add("ctrl_add(version 3)", LIBXL_USBCTRL_TYPE_PV, 3, 0, -1);
    ctrl_add("ctrl_add(32 ports)", LIBXL_USBCTRL_TYPE_PV, 2, 32, -1);
    ctrl_add("ctrl_add(qusb, no device model)", LIBXL_USBCTRL_TYPE_QUSB, 2,
             2, -1);
    show("after two controllers");
    list_all("list");
    for (int devid = 0; devid < 3; devid++) {
        libxl_device_usbctrl c;
        char what[64];
        int rc = libxl_devid_to_device_usbctrl(ctx, domid, devid, &c);
        snprintf(what, sizeof(what), "devid_to_device(%d)", devid);
        print_ctrl(what, rc, &c);
        libxl_device_usbctrl_dispose(&c);
    }

    /* devices */
    dev_add("dev_add(1:2, anywhere)", -1, 0, 1, 2);
    show("after a device");
    dev_add("dev_add(1:2 again)", 1, 0, 1, 2);
    dev_add("dev_add(2:5 on 0.1, taken)", 0, 1, 2, 5);
    dev_add("dev_add(2:5 on controller 1)", 1, 0, 2, 5);
    show("after two devices");
    dev_add("dev_add(hub 1:1)", -1, 0, 1, 1);
    dev_add("dev_add(9:9, no such device)", -1, 0, 9, 9);
    dev_add("dev_add(port without controller)", -1, 2, 2, 5);
    dev_add("dev_add(controller 7)", 7, 0, 2, 5);
    list_all("list with devices");
    ctrlport(0, 1);
    ctrlport(0, 2);
    ctrlport(1, 1);
    /* Debian's library crashes on a controller without a record (it
     * parses the missing type): asked only of lightcore */
    if (lightcore_only) ctrlport(7, 1);
    retrieve("retrieve");

    dev_remove("dev_remove(0.1)", 0, 1);
    show("after a device removed");
    dev_remove("dev_remove(0.1 again)", 0, 1);
    dev_remove("dev_remove(controller -1)", -1, 1);
    dev_remove("dev_remove(port 0)", 0, 0);
    dev_remove("dev_remove(controller 7)", 7, 1);
    show("after bad removes");

    ctrl_remove("ctrl_remove(1, with its device)", 1, false);
    show("after controller 1 removed");
    ctrl_remove("ctrl_destroy(0)", 0, true);
    ctrl_remove("ctrl_remove(7)", 7, false);
    show("after every controller removed");
    retrieve("retrieve after removes");

    /* a device added where there is no controller: one is made for it */
    dev_add("dev_add(2:5, no controller)", -1, 0, 2, 5);
    show("after a device made its controller");
    list_all("list");
    retrieve("retrieve");
    ctrl_remove("ctrl_remove(0, with its device)", 0, false);
    show("after its controller removed");

    /* usbback unloaded: an automatic controller is QEMU's (which this
     * guest has not), and a device cannot be bound: libxl takes its
     * interfaces back to their drivers */
    if (fakeusb_command("reset-nousbback")) printf("no emulator\n");
    ctrl_add("ctrl_add(auto, no usbback)", LIBXL_USBCTRL_TYPE_AUTO, 0, 0, -1);
    ctrl_add("ctrl_add(pv, no usbback)", LIBXL_USBCTRL_TYPE_PV, 0, 2, -1);
    dev_add("dev_add(1:2, no usbback)", 0, 0, 1, 2);
    show("after a device usbback could not take");
    list_all("list");
    ctrl_remove("ctrl_remove(0)", 0, false);
    if (fakeusb_command("reset")) printf("no emulator\n");
    show("at the end");
}

static void scenario_qusb(void)
{
    store_config(LIBXL_DOMAIN_TYPE_PV);
    show("at start");
    ctrl_add("ctrl_add(qusb)", LIBXL_USBCTRL_TYPE_QUSB, 1, 2, -1);
    show("after a qusb controller");
    list_all("list");
    dev_add("dev_add(1:2 on qusb)", 0, 0, 1, 2);
    show("after a device on qusb");
    list_all("list");
    ctrlport(0, 1);
    retrieve("retrieve");
    dev_remove("dev_remove(0.1)", 0, 1);
    show("after the device removed");
    ctrl_remove("ctrl_remove(0)", 0, false);
    show("at the end");
}

static void scenario_hvm(void)
{
    store_config(LIBXL_DOMAIN_TYPE_HVM);
    show("at start");
    ctrl_add("ctrl_add(auto, hvm)", LIBXL_USBCTRL_TYPE_AUTO, 0, 0, -1);
    ctrl_add("ctrl_add(devicemodel 1, 4 ports)",
             LIBXL_USBCTRL_TYPE_DEVICEMODEL, 1, 4, -1);
    ctrl_add("ctrl_add(devicemodel 3, 16 ports)",
             LIBXL_USBCTRL_TYPE_DEVICEMODEL, 3, 16, -1);
    ctrl_add("ctrl_add(devicemodel 4)", LIBXL_USBCTRL_TYPE_DEVICEMODEL, 4, 0,
             -1);
    show("at the end");
}

static void put(const char *fmt, const char *value)
{
    char path[256];

    snprintf(path, sizeof(path), fmt, domid);
    if (!xs_write(xsh, XBT_NULL, path, value, strlen(value)))
        printf("could not write %s\n", path);
}

/* What a backend or the guest may write where the libraries read: never
 * a crash, never a path out of sysfs's devices. */
static void scenario_hostile(void)
{
    store_config(LIBXL_DOMAIN_TYPE_PV);
    ctrl_add("ctrl_add(pv, 2 ports)", LIBXL_USBCTRL_TYPE_PV, 0, 2, -1);
    show("after a controller");
    put("/local/domain/0/backend/vusb/%u/0/port/1", "../../../../etc");
    put("/local/domain/0/backend/vusb/%u/0/port/2", "9-9");
    put("/local/domain/%u/device/vusb/0/event-channel", "99999999999");
    put("/local/domain/%u/device/vusb/0/urb-ring-ref", "-3");
    put("/local/domain/0/backend/vusb/%u/0/usb-ver", "abc");
    list_all("list of a hostile controller");
    ctrlport(0, 1);
    ctrlport(0, 2);
    dev_add("dev_add(1:2 beside hostile ports)", -1, 0, 1, 2);
    retrieve("retrieve");
    if (lightcore_only) {
        /* a path, not a bus id: Debian's library reads the device it
         * leads to (here 2-1.3's numbers) */
        put("/local/domain/0/backend/vusb/%u/0/port/2", "1-1/../2-1.3");
        ctrlport(0, 2);
        /* Debian's library reads every port of the number given */
        put("/local/domain/0/backend/vusb/%u/0/num-ports", "2000000000");
        list_all("list with 2000000000 ports");
    }
    put("/local/domain/0/backend/vusb/%u/0/port/1", "");
    put("/local/domain/0/backend/vusb/%u/0/port/2", "");
    put("/local/domain/0/backend/vusb/%u/0/num-ports", "2");
    if (lightcore_only) {
        /* a remembered driver that is not a driver: its "bind" is never
         * written (Debian's library writes the interface's name there) */
        struct stat st;
        FILE *f;
        mkdir("/run/notadriver", 0755);
        f = fopen("/run/notadriver/bind", "w");
        if (f) fclose(f);
        dev_add("dev_add(1:2)", 0, 1, 1, 2);
        xs_write(xsh, XBT_NULL, "/libxl/usbback/1-1/1-1@1_0/driver_path",
                 "/run/notadriver", strlen("/run/notadriver"));
        dev_remove("dev_remove(0.1, a driver that is not one)", 0, 1);
        printf("not a driver's bind: %lld bytes\n",
               stat("/run/notadriver/bind", &st) ? -1LL
                                                  : (long long)st.st_size);
        /* back where it was */
        fakeusb_command("reset");
        xs_rm(xsh, XBT_NULL, "/libxl/usbback/1-1");
    }
    ctrl_remove("ctrl_remove(0)", 0, false);
    show("at the end");
}

int main(int argc, char **argv)
{
    char *first, *last;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "lightcore"))) {
        fprintf(stderr, "usage: %s pv|qusb|hvm DOMID [lightcore]\n", argv[0]);
        return 2;
    }
    lightcore_only = argc == 4;
    domid = (uint32_t)atoi(argv[2]);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) return 1;
    xsh = xs_open(0);
    if (!xsh) return 1;
    if (!strcmp(argv[1], "store")) {      /* for xl: the configuration only */
        store_config(LIBXL_DOMAIN_TYPE_PV);
        xs_close(xsh);
        libxl_ctx_free(ctx);
        return 0;
    }
    /* what a run before left of the drivers usbback took interfaces
     * from (the emulator starts over for each run) */
    xs_rm(xsh, XBT_NULL, "/libxl/usbback");
    first = state_text();
    if (!strcmp(argv[1], "pv")) scenario_pv();
    else if (!strcmp(argv[1], "qusb")) scenario_qusb();
    else if (!strcmp(argv[1], "hvm")) scenario_hvm();
    else if (!strcmp(argv[1], "hostile")) scenario_hostile();
    else return 2;
    /* libxl forgets a device's drivers node by node and leaves the empty
     * /libxl/usbback behind: shown, then taken away for the comparison */
    printf("left behind:\n");
    tree(stdout, "/libxl/usbback");
    xs_rm(xsh, XBT_NULL, "/libxl/usbback");
    last = state_text();
    printf("final state is the first: %s\n",
           strcmp(first, last) ? "no" : "yes");
    free(first);
    free(last);
    xs_close(xsh);
    libxl_ctx_free(ctx);
    return 0;
}
