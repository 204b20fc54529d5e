/*
 * dropin_vdev.c: the drop-in probe of the simpler device kinds: vkb, vfb,
 * vtpm, channels, p9 and pvcallsif. Built against Debian's headers and
 * library (dropin-vdev-debian) and against lightcore's (dropin-vdev-ours);
 * tests/integration/ops/test_dropin_vdev.c runs it on a simulated host
 * of its own for each library (so the domids are the same), inside private
 * /var/lib/xen directories, and compares what it prints: each call's
 * result, the devices it reads back (the generated *_to_json), the
 * xenstore trees the calls leave (every node with its value and
 * permissions, in xenstored's order), and the warnings and errors
 * logged (without the FILE:LINE:FUNC prefix each library fills in).
 *
 * Usage: dropin-vdev DOMID STEP...; the steps run in order:
 *   store    a stored configuration for DOMID (as domain creation leaves)
 *   vkb      vkb add (default, every feature, Linux backend, a devid
 *            again), list, getinfo, devid_to_device, remove, destroy
 *   vfb      vfb add (VNC, SDL), remove, destroy
 *   vtpm     vtpm add, list, getinfo, devid/uuid_to_device, the stored
 *            configuration's vtpms, remove, destroy
 *   channel  console records written as domain creation writes them for
 *            channels; channel list and getinfo
 *   p9       a 9pfs share and a pvcalls interface written as domain
 *            creation writes them; their remove and destroy
 *   bad      bad input: devices that do not exist, unknown backend
 *            domains, a domain that does not exist, hostile frontend and
 *            backend values (vkb's features, vtpm's uuid: libxl reads
 *            both back from the backend)
 *   lightcore-only  what libxl crashes on or reads blindly: a channel
 *            record without its connection, device records whose backend
 *            is no backend directory (not for Debian's library)
 * Between steps that change devices it waits (bounded) until the
 * simulated drivers have settled every device (both ends Connected), so
 * the trees it prints do not depend on timing. A vtpm uuid the library
 * generates is printed as GENERATED-UUID.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>
#include <poll.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

/* ------------------------------------------------------------ output */

static char generated[40];          /* a uuid libxl made up, once known */

/* Prints text with a generated uuid masked. */
static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
    char buf[16384], *p;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    for (p = buf; generated[0] && (p = strstr(p, generated)); ) {
        fwrite(buf, 1, (size_t)(p - buf), stdout);
        fputs("GENERATED-UUID", stdout);
        memmove(buf, p + strlen(generated), strlen(p + strlen(generated)) + 1);
        p = buf;
    }
    fputs(buf, stdout);
    fflush(stdout);
}

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    if (level < XTL_WARN) return;           /* debug lines differ */
    out("  log %d %s [errno %d] %s\n", (int)level, context ? context : "-",
        errnoval, msg);
}

static libxl_ctx *ctx;
static struct xs_handle *xsh;
static uint32_t domid;

/* ------------------------------------------------------------ xenstore */

/* Every node under path (path included), with value and permissions. */
static void dump_node(const char *path)
{
    unsigned len = 0, nperms = 0, n = 0;
    char *val = xs_read(xsh, XBT_NULL, path, &len);
    struct xs_permissions *perms = xs_get_permissions(xsh, XBT_NULL, path,
                                                      &nperms);
    char **kids;

    if (!val && !perms) return;
    out("  %s = \"%s\" (", path, val ? val : "");
    for (unsigned i = 0; i < nperms; i++) {
        char c = perms[i].perms == XS_PERM_NONE ? 'n'
               : perms[i].perms == XS_PERM_READ ? 'r'
               : perms[i].perms == XS_PERM_WRITE ? 'w' : 'b';
        out("%s%c%u", i ? "," : "", c, perms[i].id);
    }
    out(")\n");
    free(val);
    free(perms);
    kids = xs_directory(xsh, XBT_NULL, path, &n);
    for (unsigned i = 0; i < n; i++) {
        char child[1024];
        snprintf(child, sizeof(child), "%s/%s", path, kids[i]);
        dump_node(child);
    }
    free(kids);
}

/* The guest's devices, dom0's backends of them and libxl's records. */
static void dump_domain(const char *what, uint32_t d)
{
    static const char *const backends[] = {
        "vkbd", "vinput", "vfb", "vtpm", "console", "9pfs", "pvcalls",
    };
    char path[256];

    out("xenstore %s:\n", what);
    snprintf(path, sizeof(path), "/local/domain/%u/device", d);
    dump_node(path);
    for (unsigned i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u",
                 backends[i], d);
        dump_node(path);
    }
    snprintf(path, sizeof(path), "/libxl/%u/device", d);
    dump_node(path);
}

static char *read_state(const char *path)
{
    return xs_read(xsh, XBT_NULL, path, NULL);
}

/* Whether every device of the guest has both ends Connected. */
static bool settled(void)
{
    char dir[128];
    unsigned nk = 0;
    bool all = true;
    char **kinds;

    snprintf(dir, sizeof(dir), "/local/domain/%u/device", domid);
    kinds = xs_directory(xsh, XBT_NULL, dir, &nk);
    for (unsigned k = 0; k < nk && all; k++) {
        char kdir[256];
        unsigned nd = 0;
        char **devs;

        snprintf(kdir, sizeof(kdir), "%s/%s", dir, kinds[k]);
        devs = xs_directory(xsh, XBT_NULL, kdir, &nd);
        for (unsigned i = 0; i < nd && all; i++) {
            char p[512], *be, *fs, *bs = NULL;
            snprintf(p, sizeof(p), "%s/%s/backend", kdir, devs[i]);
            be = xs_read(xsh, XBT_NULL, p, NULL);
            snprintf(p, sizeof(p), "%s/%s/state", kdir, devs[i]);
            fs = read_state(p);
            if (be) {
                snprintf(p, sizeof(p), "%s/state", be);
                bs = read_state(p);
            }
            /* device/suspend and the like have no backend */
            if (be)
                all = fs && bs && !strcmp(fs, "4") && !strcmp(bs, "4");
            free(be);
            free(fs);
            free(bs);
        }
        free(devs);
    }
    free(kinds);
    return all;
}

/*
 * The guest's frontend drivers on or off ($XENSIM_CLI guest-frontends,
 * which returns once the guest has it). Devices are added with them off:
 * the simulated frontend answers InitWait at once, and a backend already
 * Connected when the library first reads its state would make both
 * libraries wait for InitWait in vain. Then on, to connect everything.
 */
static void xensim(const char *what, const char *arg1, const char *arg2)
{
    const char *cli = getenv("XENSIM_CLI");
    char id[16];
    pid_t pid;
    int status;

    if (!cli) {
        out("XENSIM_CLI not set\n");
        return;
    }
    snprintf(id, sizeof(id), "%u", domid);
    /* The CLI is run directly, not through a shell: under the sanitizer
     * suites this probe inherits the sanitizer runtime in LD_PRELOAD, and
     * a shell started with it can crash before it runs anything. */
    pid = fork();
    if (pid == 0) {
        unsetenv("LD_PRELOAD");
        unsetenv("LD_LIBRARY_PATH");
        execl(cli, cli, what, id, arg1, arg2, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid ||
        !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        out("xensim %s failed\n", what);
}

static void frontends(bool on)
{
    xensim("guest-frontends", on ? "on" : "off", NULL);
}

/* How dom0's simulated backends of kind treat the guest's devices (they
 * return once the backends have it): "no-initwait" leaves new devices
 * alone, so one can be written twice before any backend binds it. */
static void backend_policy(const char *kind, const char *policy)
{
    xensim("backend-policy", kind, policy);
}

/* Turns the frontends on and waits (at most 10 s, on xenstore watches)
 * until settled. */
static void settle(void)
{
    struct timespec t0, t;
    bool ok;

    frontends(true);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    xs_watch(xsh, "/local/domain", "settle");
    while (!(ok = settled())) {
        struct pollfd pfd = { .fd = xs_fileno(xsh), .events = POLLIN };
        unsigned n;
        char **ev;

        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec >= 10) break;
        if (poll(&pfd, 1, 200) > 0) {
            ev = xs_read_watch(xsh, &n);
            free(ev);
        }
    }
    xs_unwatch(xsh, "/local/domain", "settle");
    if (!ok) out("devices did NOT settle\n");
}

/* Writes kvs (key, value, ..., NULL) under dir, each with perms. */
static void write_kvs(xs_transaction_t t, const char *dir,
                      const char *const *kvs, struct xs_permissions *perms)
{
    for (; kvs && kvs[0]; kvs += 2) {
        char p[512];
        snprintf(p, sizeof(p), "%s/%s", dir, kvs[0]);
        xs_write(xsh, t, p, kvs[1], strlen(kvs[1]));
        if (perms) xs_set_permissions(xsh, t, p, perms, 2);
    }
}

/*
 * A device's nodes as libxl's domain creation writes them (its
 * libxl__device_generic_add): the record (frontend, backend and a copy of
 * back), the frontend (backend, then front with the guest's permissions,
 * ro_front read-only to it), the backend (frontend, then back).
 */
static void creation_add(const char *kind, int devid, const char *const *back,
                         const char *const *front,
                         const char *const *ro_front)
{
    char fe[256], be[256], rec[256], p[512];
    struct xs_permissions fe_perms[2] = {
        { .id = domid, .perms = XS_PERM_NONE },
        { .id = 0, .perms = XS_PERM_READ } };
    struct xs_permissions ro_perms[2] = {
        { .id = 0, .perms = XS_PERM_NONE },
        { .id = domid, .perms = XS_PERM_READ } };
    xs_transaction_t t = xs_transaction_start(xsh);

    snprintf(fe, sizeof(fe), "/local/domain/%u/device/%s/%d", domid, kind,
             devid);
    snprintf(be, sizeof(be), "/local/domain/0/backend/%s/%u/%d", kind, domid,
             devid);
    snprintf(rec, sizeof(rec), "/libxl/%u/device/%s/%d", domid, kind, devid);
    snprintf(p, sizeof(p), "%s/frontend", rec);
    xs_write(xsh, t, p, fe, strlen(fe));
    snprintf(p, sizeof(p), "%s/backend", rec);
    xs_write(xsh, t, p, be, strlen(be));
    xs_mkdir(xsh, t, fe);
    xs_set_permissions(xsh, t, fe, fe_perms, 2);
    snprintf(p, sizeof(p), "%s/backend", fe);
    xs_write(xsh, t, p, be, strlen(be));
    write_kvs(t, fe, front, fe_perms);
    write_kvs(t, fe, ro_front, ro_perms);
    xs_mkdir(xsh, t, be);
    xs_set_permissions(xsh, t, be, ro_perms, 2);
    snprintf(p, sizeof(p), "%s/frontend", be);
    xs_write(xsh, t, p, fe, strlen(fe));
    write_kvs(t, be, back, NULL);
    write_kvs(t, rec, back, NULL);
    if (!xs_transaction_end(xsh, t, false)) out("creation_add failed\n");
}

static void xs_put(const char *path, const char *value)
{
    if (!xs_write(xsh, XBT_NULL, path, value, strlen(value)))
        out("write %s failed\n", path);
}

/* ------------------------------------------------------------ printing */

#define PRINT_JSON(type, what, p)                                        \
    do {                                                                 \
        char *j_ = libxl_##type##_to_json(ctx, (p));                     \
        out("%s %s\n", (what), j_ ? j_ : "(null)");                      \
        free(j_);                                                        \
    } while (0)

/* ------------------------------------------------------------ store */

static void step_store(void)
{
    libxl_domain_config c;
    char *json;
    int rc;

    libxl_domain_config_init(&c);
    c.c_info.type = LIBXL_DOMAIN_TYPE_PV;
    c.c_info.name = strdup("vm");
    libxl_domain_build_info_init_type(&c.b_info, LIBXL_DOMAIN_TYPE_PV);
    c.b_info.max_vcpus = 1;
    c.b_info.max_memkb = c.b_info.target_memkb = 65536;
    json = libxl_domain_config_to_json(ctx, &c);
    rc = libxl_userdata_store(ctx, domid, "libxl-json", (uint8_t *)json,
                              (int)strlen(json) + 1);
    out("store = %d\n", rc);
    free(json);
    libxl_domain_config_dispose(&c);
}

/* ------------------------------------------------------------ vkb */

static void vkb_list_all(uint32_t d)
{
    int n = -1;
    libxl_device_vkb *l = libxl_device_vkb_list(ctx, d, &n);

    out("vkb_list(%u): %s, %d\n", d, l ? "list" : "NULL", n);
    for (int i = 0; l && i < n; i++) {
        libxl_vkbinfo info;
        int rc;

        PRINT_JSON(device_vkb, "  vkb", &l[i]);
        libxl_vkbinfo_init(&info);
        rc = libxl_device_vkb_getinfo(ctx, d, &l[i], &info);
        out("  getinfo = %d\n", rc);
        PRINT_JSON(vkbinfo, "  vkbinfo", &info);
        libxl_vkbinfo_dispose(&info);
    }
    if (l) libxl_device_vkb_list_free(l, n);
}

static void vkb_by_devid(uint32_t d, int devid)
{
    libxl_device_vkb vkb;
    int rc = libxl_devid_to_device_vkb(ctx, d, devid, &vkb);

    out("devid_to_device_vkb(%u, %d) = %d\n", d, devid, rc);
    PRINT_JSON(device_vkb, "  vkb", &vkb);
    libxl_device_vkb_dispose(&vkb);
}

static void step_vkb(void)
{
    libxl_device_vkb vkb;
    int rc;

    frontends(false);
    backend_policy("vkbd", "no-initwait");
    backend_policy("vinput", "no-initwait");

    /* the defaults: devid -1 becomes 0, the QEMU backend */
    libxl_device_vkb_init(&vkb);
    rc = libxl_device_vkb_add(ctx, domid, &vkb, NULL);
    out("vkb_add(default) = %d\n", rc);
    PRINT_JSON(device_vkb, "  after", &vkb);
    libxl_device_vkb_dispose(&vkb);

    /* every key libxl writes, Linux's backend */
    libxl_device_vkb_init(&vkb);
    vkb.backend_type = LIBXL_VKB_BACKEND_LINUX;
    vkb.unique_id = strdup("kbd-one");
    vkb.feature_disable_keyboard = true;
    vkb.feature_disable_pointer = true;
    vkb.feature_abs_pointer = true;
    vkb.feature_raw_pointer = true;
    vkb.feature_multi_touch = true;
    vkb.multi_touch_width = 1920;
    vkb.multi_touch_height = 1080;
    vkb.multi_touch_num_contacts = 10;
    vkb.width = 800;
    vkb.height = 600;
    rc = libxl_device_vkb_add(ctx, domid, &vkb, NULL);
    out("vkb_add(features) = %d\n", rc);
    PRINT_JSON(device_vkb, "  after", &vkb);
    libxl_device_vkb_dispose(&vkb);

    /* a devid given, and a device that exists already (libxl's
     * synchronous add writes it again) */
    libxl_device_vkb_init(&vkb);
    vkb.devid = 5;
    vkb.backend_domname = strdup("Domain-0");
    vkb.width = 640;
    rc = libxl_device_vkb_add(ctx, domid, &vkb, NULL);
    out("vkb_add(devid 5) = %d\n", rc);
    vkb.width = 1024;
    rc = libxl_device_vkb_add(ctx, domid, &vkb, NULL);
    out("vkb_add(devid 5 again) = %d\n", rc);
    libxl_device_vkb_dispose(&vkb);

    backend_policy("vkbd", "obey");
    backend_policy("vinput", "obey");
    settle();
    dump_domain("after vkb adds", domid);
    vkb_list_all(domid);
    vkb_by_devid(domid, 0);
    vkb_by_devid(domid, 5);
    vkb_by_devid(domid, 3);

    /* the next devid after 5 is 6: libxl counts from the last one */
    libxl_device_vkb_init(&vkb);
    rc = libxl_device_vkb_add(ctx, domid, &vkb, NULL);
    out("vkb_add(next) = %d devid %d\n", rc, vkb.devid);
    libxl_device_vkb_dispose(&vkb);
    settle();

    for (int devid = 0; devid <= 6; devid++) {
        if (devid > 1 && devid < 5) continue;
        libxl_device_vkb_init(&vkb);
        vkb.devid = devid;
        vkb.backend_type = devid == 1 ? LIBXL_VKB_BACKEND_LINUX
                                      : LIBXL_VKB_BACKEND_QEMU;
        rc = devid % 2 ? libxl_device_vkb_destroy(ctx, domid, &vkb, NULL)
                       : libxl_device_vkb_remove(ctx, domid, &vkb, NULL);
        out("vkb_%s(%d) = %d\n", devid % 2 ? "destroy" : "remove", devid,
            rc);
        libxl_device_vkb_dispose(&vkb);
    }
    dump_domain("after vkb removals", domid);
    vkb_list_all(domid);
}

/* ------------------------------------------------------------ vfb */

static void step_vfb(void)
{
    libxl_device_vfb vfb;
    int rc;

    frontends(false);

    libxl_device_vfb_init(&vfb);
    rc = libxl_device_vfb_add(ctx, domid, &vfb, NULL);
    out("vfb_add(default) = %d\n", rc);
    PRINT_JSON(device_vfb, "  after", &vfb);
    libxl_device_vfb_dispose(&vfb);

    libxl_device_vfb_init(&vfb);
    libxl_defbool_set(&vfb.vnc.enable, false);
    libxl_defbool_set(&vfb.sdl.enable, true);
    vfb.vnc.passwd = strdup("secret");
    vfb.vnc.display = 3;
    vfb.sdl.display = strdup(":0");
    vfb.sdl.xauthority = strdup("/root/.Xauthority");
    vfb.keymap = strdup("en-us");
    rc = libxl_device_vfb_add(ctx, domid, &vfb, NULL);
    out("vfb_add(sdl) = %d\n", rc);
    PRINT_JSON(device_vfb, "  after", &vfb);
    libxl_device_vfb_dispose(&vfb);

    libxl_device_vfb_init(&vfb);
    vfb.vnc.listen = strdup("0.0.0.0");
    libxl_defbool_set(&vfb.vnc.findunused, false);
    vfb.backend_domname = strdup("no-such-domain");
    rc = libxl_device_vfb_add(ctx, domid, &vfb, NULL);
    out("vfb_add(unknown backend domain) = %d\n", rc);
    libxl_device_vfb_dispose(&vfb);

    settle();
    dump_domain("after vfb adds", domid);
    for (int devid = 0; devid < 3; devid++) {
        libxl_device_vfb_init(&vfb);
        vfb.devid = devid;
        rc = devid % 2 ? libxl_device_vfb_destroy(ctx, domid, &vfb, NULL)
                       : libxl_device_vfb_remove(ctx, domid, &vfb, NULL);
        out("vfb_%s(%d) = %d\n", devid % 2 ? "destroy" : "remove", devid,
            rc);
        libxl_device_vfb_dispose(&vfb);
    }
    dump_domain("after vfb removals", domid);
}

/* ------------------------------------------------------------ vtpm */

static const char *const UUID1 = "0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f9";

static void vtpm_list_all(uint32_t d)
{
    int n = -1;
    libxl_device_vtpm *l = libxl_device_vtpm_list(ctx, d, &n);

    out("vtpm_list(%u): %s, %d\n", d, l ? "list" : "NULL", n);
    for (int i = 0; l && i < n; i++) {
        libxl_vtpminfo info;
        int rc;

        PRINT_JSON(device_vtpm, "  vtpm", &l[i]);
        libxl_vtpminfo_init(&info);
        rc = libxl_device_vtpm_getinfo(ctx, d, &l[i], &info);
        out("  getinfo = %d\n", rc);
        PRINT_JSON(vtpminfo, "  vtpminfo", &info);
        libxl_vtpminfo_dispose(&info);
    }
    if (l) libxl_device_vtpm_list_free(l, n);
}

static void vtpm_lookups(uint32_t d)
{
    libxl_device_vtpm vtpm;
    libxl_uuid u;
    int rc;

    for (int devid = 0; devid < 3; devid++) {
        libxl_device_vtpm_init(&vtpm);
        rc = libxl_devid_to_device_vtpm(ctx, d, devid, &vtpm);
        out("devid_to_device_vtpm(%u, %d) = %d\n", d, devid, rc);
        PRINT_JSON(device_vtpm, "  vtpm", &vtpm);
        libxl_device_vtpm_dispose(&vtpm);
    }
    libxl_uuid_from_string(&u, UUID1);
    libxl_device_vtpm_init(&vtpm);
    rc = libxl_uuid_to_device_vtpm(ctx, d, &u, &vtpm);
    out("uuid_to_device_vtpm(%u, uuid1) = %d\n", d, rc);
    PRINT_JSON(device_vtpm, "  vtpm", &vtpm);
    libxl_device_vtpm_dispose(&vtpm);
    libxl_uuid_from_string(&u, "ffffffff-0000-4000-8000-000000000000");
    libxl_device_vtpm_init(&vtpm);
    rc = libxl_uuid_to_device_vtpm(ctx, d, &u, &vtpm);
    out("uuid_to_device_vtpm(%u, unknown) = %d\n", d, rc);
    PRINT_JSON(device_vtpm, "  vtpm", &vtpm);
    libxl_device_vtpm_dispose(&vtpm);
}

static void stored_vtpms(void)
{
    libxl_domain_config c;
    int rc;

    libxl_domain_config_init(&c);
    rc = libxl_retrieve_domain_configuration(ctx, domid, &c, NULL);
    out("retrieve = %d, %d vtpms\n", rc, c.num_vtpms);
    for (int i = 0; i < c.num_vtpms; i++)
        PRINT_JSON(device_vtpm, "  stored", &c.vtpms[i]);
    libxl_domain_config_dispose(&c);
}

static void step_vtpm(void)
{
    libxl_device_vtpm vtpm;
    int rc;

    frontends(false);

    libxl_device_vtpm_init(&vtpm);
    libxl_uuid_from_string(&vtpm.uuid, UUID1);
    rc = libxl_device_vtpm_add(ctx, domid, &vtpm, NULL);
    out("vtpm_add(uuid1) = %d\n", rc);
    PRINT_JSON(device_vtpm, "  after", &vtpm);
    libxl_device_vtpm_dispose(&vtpm);

    /* no uuid: libxl makes one up */
    libxl_device_vtpm_init(&vtpm);
    rc = libxl_device_vtpm_add(ctx, domid, &vtpm, NULL);
    snprintf(generated, sizeof(generated), LIBXL_UUID_FMT,
             LIBXL_UUID_BYTES(vtpm.uuid));
    out("vtpm_add(no uuid) = %d, uuid %s\n", rc,
        libxl_uuid_is_nil(&vtpm.uuid) ? "nil" : "made up");
    PRINT_JSON(device_vtpm, "  after", &vtpm);
    libxl_device_vtpm_dispose(&vtpm);

    /* devid 0 again */
    libxl_device_vtpm_init(&vtpm);
    vtpm.devid = 0;
    rc = libxl_device_vtpm_add(ctx, domid, &vtpm, NULL);
    out("vtpm_add(devid 0 again) = %d\n", rc);
    libxl_device_vtpm_dispose(&vtpm);

    libxl_device_vtpm_init(&vtpm);
    vtpm.backend_domname = strdup("no-such-domain");
    rc = libxl_device_vtpm_add(ctx, domid, &vtpm, NULL);
    out("vtpm_add(unknown backend domain) = %d\n", rc);
    libxl_device_vtpm_dispose(&vtpm);

    settle();
    dump_domain("after vtpm adds", domid);
    vtpm_list_all(domid);
    vtpm_lookups(domid);
    stored_vtpms();

    for (int devid = 0; devid < 2; devid++) {
        libxl_device_vtpm_init(&vtpm);
        vtpm.devid = devid;
        rc = devid ? libxl_device_vtpm_destroy(ctx, domid, &vtpm, NULL)
                   : libxl_device_vtpm_remove(ctx, domid, &vtpm, NULL);
        out("vtpm_%s(%d) = %d\n", devid ? "destroy" : "remove", devid, rc);
        libxl_device_vtpm_dispose(&vtpm);
    }
    dump_domain("after vtpm removals", domid);
    vtpm_list_all(domid);
    vtpm_lookups(domid);
    stored_vtpms();
}

/* ------------------------------------------------------------ channel */

static void channel_list_all(uint32_t d)
{
    int n = -1;
    libxl_device_channel *l = libxl_device_channel_list(ctx, d, &n);

    out("channel_list(%u): %s, %d\n", d, l ? "list" : "NULL", n);
    for (int i = 0; l && i < n; i++) {
        libxl_channelinfo info;
        int rc;

        PRINT_JSON(device_channel, "  channel", &l[i]);
        libxl_channelinfo_init(&info);
        rc = libxl_device_channel_getinfo(ctx, d, &l[i], &info);
        out("  getinfo = %d\n", rc);
        PRINT_JSON(channelinfo, "  channelinfo", &info);
        libxl_channelinfo_dispose(&info);
    }
    for (int i = 0; l && i < n; i++) libxl_device_channel_dispose(&l[i]);
    free(l);
}

/* Console DEVID as domain creation writes a channel's (secondary consoles
 * have no ring of their own in the frontend yet). */
static void creation_console(int devid, const char *name,
                             const char *connection, const char *path)
{
    char d[16], output[64];
    snprintf(d, sizeof(d), "%u", domid);
    snprintf(output, sizeof(output), path ? "chardev:libxl-channel%d"
                                          : "pty", devid - 1);
    const char *back[] = {
        "frontend-id", d, "online", "1", "state", "1", "protocol", "vt100",
        "name", name, "connection", connection,
        path ? "path" : NULL, path, NULL };
    const char *front[] = { "backend-id", "0", "state", "1",
                            "protocol", "vt100", NULL };
    const char *ro_front[] = { "name", name, "limit", "1048576",
                               "type", "ioemu", "output", output,
                               "tty", "", NULL };
    creation_add("console", devid, back, front, ro_front);
}

static void step_channel(void)
{
    char p[256];
    libxl_device_channel ch;
    libxl_channelinfo info;
    int rc;

    frontends(false);
    channel_list_all(domid);        /* none yet */
    creation_console(1, "org.qemu.guest_agent.0", "pty", NULL);
    creation_console(2, "sock-chan", "socket", "/run/chan.sock");
    settle();
    /* QEMU's console backend tells where the pty is */
    snprintf(p, sizeof(p), "/local/domain/%u/device/console/1/tty", domid);
    xs_put(p, "/dev/pts/7");
    dump_domain("with channels", domid);
    channel_list_all(domid);

    /* a channel that is not there; a pty whose tty is gone */
    libxl_device_channel_init(&ch);
    ch.devid = 7;
    ch.connection = LIBXL_CHANNEL_CONNECTION_PTY;
    libxl_channelinfo_init(&info);
    rc = libxl_device_channel_getinfo(ctx, domid, &ch, &info);
    out("channel_getinfo(7) = %d\n", rc);
    libxl_channelinfo_dispose(&info);
    ch.devid = 0;
    xs_rm(xsh, XBT_NULL, p);
    libxl_channelinfo_init(&info);
    rc = libxl_device_channel_getinfo(ctx, domid, &ch, &info);
    out("channel_getinfo(0, no tty) = %d\n", rc);
    PRINT_JSON(channelinfo, "  channelinfo", &info);
    libxl_channelinfo_dispose(&info);
    libxl_device_channel_dispose(&ch);
}

/* ------------------------------------------------------------ p9 */

static void step_p9(void)
{
    char d[16];
    libxl_device_p9 p9;
    libxl_device_pvcallsif pv;
    int rc;

    snprintf(d, sizeof(d), "%u", domid);
    const char *p9_back[] = { "frontend-id", d, "online", "1", "state", "1",
                              "path", "/srv/share",
                              "security_model", "none", NULL };
    const char *p9_front[] = { "backend-id", "0", "state", "1",
                               "tag", "share0", NULL };
    const char *pv_back[] = { "frontend-id", d, "online", "1", "state", "1",
                              NULL };
    const char *pv_front[] = { "backend-id", "0", "state", "1", NULL };

    frontends(false);
    creation_add("9pfs", 0, p9_back, p9_front, NULL);
    creation_add("9pfs", 1, p9_back, p9_front, NULL);
    creation_add("pvcalls", 0, pv_back, pv_front, NULL);
    creation_add("pvcalls", 1, pv_back, pv_front, NULL);
    settle();
    dump_domain("with p9 and pvcalls", domid);
    for (int devid = 0; devid < 3; devid++) {
        libxl_device_p9_init(&p9);
        p9.devid = devid;
        rc = devid == 1 ? libxl_device_p9_destroy(ctx, domid, &p9, NULL)
                        : libxl_device_p9_remove(ctx, domid, &p9, NULL);
        out("p9_%s(%d) = %d\n", devid == 1 ? "destroy" : "remove", devid,
            rc);
        libxl_device_p9_dispose(&p9);
        libxl_device_pvcallsif_init(&pv);
        pv.devid = devid;
        rc = devid == 1
            ? libxl_device_pvcallsif_destroy(ctx, domid, &pv, NULL)
            : libxl_device_pvcallsif_remove(ctx, domid, &pv, NULL);
        out("pvcallsif_%s(%d) = %d\n", devid == 1 ? "destroy" : "remove",
            devid, rc);
        libxl_device_pvcallsif_dispose(&pv);
    }
    dump_domain("after p9 and pvcalls removals", domid);
}

/* ------------------------------------------------------------ bad */

static void step_bad(void)
{
    const uint32_t nodom = 4242;
    libxl_device_vkb vkb;
    libxl_device_vtpm vtpm;
    libxl_vkbinfo kinfo;
    libxl_vtpminfo tinfo;
    char p[256];
    int rc;

    /* libxl's synchronous add writes a vkb even for a domain that does not
     * exist; the asynchronous vtpm add does not */
    libxl_device_vkb_init(&vkb);
    rc = libxl_device_vkb_add(ctx, nodom, &vkb, NULL);
    out("vkb_add(no such domain) = %d\n", rc);
    dump_domain("of the domain that does not exist", nodom);
    vkb_list_all(nodom);
    rc = libxl_device_vkb_destroy(ctx, nodom, &vkb, NULL);
    out("vkb_destroy(no such domain) = %d\n", rc);
    dump_domain("of the domain that does not exist, after", nodom);
    libxl_device_vkb_dispose(&vkb);
    snprintf(p, sizeof(p), "/local/domain/%u", nodom);
    xs_rm(xsh, XBT_NULL, p);
    snprintf(p, sizeof(p), "/libxl/%u", nodom);
    xs_rm(xsh, XBT_NULL, p);

    libxl_device_vtpm_init(&vtpm);
    libxl_uuid_from_string(&vtpm.uuid, UUID1);
    rc = libxl_device_vtpm_add(ctx, nodom, &vtpm, NULL);
    out("vtpm_add(no such domain) = %d\n", rc);
    libxl_device_vtpm_dispose(&vtpm);
    vtpm_list_all(nodom);
    vtpm_lookups(nodom);

    /* devices that are not there */
    libxl_device_vkb_init(&vkb);
    vkb.devid = 9;
    rc = libxl_device_vkb_getinfo(ctx, domid, &vkb, &kinfo);
    out("vkb_getinfo(9) = %d\n", rc);
    libxl_vkbinfo_dispose(&kinfo);
    rc = libxl_device_vkb_remove(ctx, domid, &vkb, NULL);
    out("vkb_remove(9) = %d\n", rc);
    libxl_device_vkb_dispose(&vkb);
    libxl_device_vtpm_init(&vtpm);
    vtpm.devid = 9;
    rc = libxl_device_vtpm_getinfo(ctx, domid, &vtpm, &tinfo);
    out("vtpm_getinfo(9) = %d\n", rc);
    libxl_vtpminfo_dispose(&tinfo);
    rc = libxl_device_vtpm_destroy(ctx, domid, &vtpm, NULL);
    out("vtpm_destroy(9) = %d\n", rc);
    libxl_device_vtpm_dispose(&vtpm);

    /* hostile values: the guest's frontend numbers, the backend's
     * features (libxl reads vkb's back from the backend) */
    frontends(false);
    libxl_device_vkb_init(&vkb);
    vkb.devid = 3;
    vkb.width = 100;
    rc = libxl_device_vkb_add(ctx, domid, &vkb, NULL);
    out("vkb_add(3) = %d\n", rc);
    libxl_device_vkb_dispose(&vkb);
    settle();
    snprintf(p, sizeof(p), "/local/domain/%u/device/vkbd/3/event-channel",
             domid);
    xs_put(p, "-12abc");
    snprintf(p, sizeof(p), "/local/domain/%u/device/vkbd/3/page-gref",
             domid);
    xs_put(p, "99999999999999999999");
    snprintf(p, sizeof(p), "/local/domain/0/backend/vkbd/%u/3/width", domid);
    xs_put(p, "0x20");
    snprintf(p, sizeof(p), "/local/domain/0/backend/vkbd/%u/3/height",
             domid);
    xs_put(p, "tall");
    snprintf(p, sizeof(p),
             "/local/domain/0/backend/vkbd/%u/3/feature-abs-pointer", domid);
    xs_put(p, "017");
    snprintf(p, sizeof(p),
             "/local/domain/0/backend/vkbd/%u/3/multi-touch-width", domid);
    xs_put(p, "4294967297");
    vkb_list_all(domid);
    vkb_by_devid(domid, 3);
    libxl_device_vkb_init(&vkb);
    vkb.devid = 3;
    rc = libxl_device_vkb_destroy(ctx, domid, &vkb, NULL);
    out("vkb_destroy(3) = %d\n", rc);
    libxl_device_vkb_dispose(&vkb);

    /* a vtpm backend that spoils its uuid (libxl reads it from there),
     * and a guest that spoils its frontend's numbers */
    frontends(false);
    libxl_device_vtpm_init(&vtpm);
    vtpm.devid = 4;
    libxl_uuid_from_string(&vtpm.uuid, UUID1);
    rc = libxl_device_vtpm_add(ctx, domid, &vtpm, NULL);
    out("vtpm_add(4) = %d\n", rc);
    settle();
    snprintf(p, sizeof(p), "/local/domain/0/backend/vtpm/%u/4/uuid", domid);
    xs_put(p, "not-a-uuid");
    snprintf(p, sizeof(p), "/local/domain/%u/device/vtpm/4/ring-ref", domid);
    xs_put(p, "  +42");
    snprintf(p, sizeof(p), "/local/domain/%u/device/vtpm/4/event-channel",
             domid);
    xs_put(p, "");
    vtpm_list_all(domid);
    rc = libxl_device_vtpm_getinfo(ctx, domid, &vtpm, &tinfo);
    out("vtpm_getinfo(4) = %d\n", rc);
    PRINT_JSON(vtpminfo, "  vtpminfo", &tinfo);
    libxl_vtpminfo_dispose(&tinfo);
    vtpm_lookups(domid);
    rc = libxl_device_vtpm_destroy(ctx, domid, &vtpm, NULL);
    out("vtpm_destroy(4) = %d\n", rc);
    libxl_device_vtpm_dispose(&vtpm);
    stored_vtpms();
    dump_domain("at the end", domid);
}

/* ------------------------------------------------------------ lightcore */

/* What makes libxl crash or read what it should not: run on lightcore
 * only (README, "Where lightcore deliberately differs"). */
static void step_lightcore_only(void)
{
    char p[256];
    int n = -1;
    libxl_device_channel *ch;
    libxl_device_vkb *vkbs;
    libxl_device_vtpm *vtpms;

    /* a channel's record without its connection (libxl: NULL deref) */
    snprintf(p, sizeof(p), "/libxl/%u/device/console/5/name", domid);
    xs_put(p, "no-connection");
    ch = libxl_device_channel_list(ctx, domid, &n);
    out("channel_list(no connection): %s, %d\n", ch ? "list" : "NULL", n);
    snprintf(p, sizeof(p), "/libxl/%u/device/console", domid);
    xs_rm(xsh, XBT_NULL, p);

    /* records whose backend is not a backend directory */
    snprintf(p, sizeof(p), "/libxl/%u/device/vkbd/7/frontend", domid);
    xs_put(p, "/local/domain/1/device/vkbd/7");
    snprintf(p, sizeof(p), "/libxl/%u/device/vkbd/7/backend", domid);
    xs_put(p, "/local/domain/0/backend/vkbd/1/7/../../../../../libxl");
    vkbs = libxl_device_vkb_list(ctx, domid, &n);
    out("vkb_list(bad backend path): %s, %d\n", vkbs ? "list" : "NULL", n);
    snprintf(p, sizeof(p), "/libxl/%u/device/vtpm/7/backend", domid);
    xs_put(p, "/tmp/vtpm");
    vtpms = libxl_device_vtpm_list(ctx, domid, &n);
    out("vtpm_list(bad backend path): %s, %d\n", vtpms ? "list" : "NULL",
        n);
    snprintf(p, sizeof(p), "/libxl/%u/device", domid);
    xs_rm(xsh, XBT_NULL, p);
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DOMID STEP...\n", argv[0]);
        return 2;
    }
    domid = (uint32_t)strtoul(argv[1], NULL, 10);
    xsh = xs_open(0);
    if (!xsh || libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) {
        fprintf(stderr, "no ctx or xenstore\n");
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        out("== %s\n", argv[i]);
        if (!strcmp(argv[i], "store")) step_store();
        else if (!strcmp(argv[i], "vkb")) step_vkb();
        else if (!strcmp(argv[i], "vfb")) step_vfb();
        else if (!strcmp(argv[i], "vtpm")) step_vtpm();
        else if (!strcmp(argv[i], "channel")) step_channel();
        else if (!strcmp(argv[i], "p9")) step_p9();
        else if (!strcmp(argv[i], "bad")) step_bad();
        else if (!strcmp(argv[i], "lightcore-only")) step_lightcore_only();
        else out("unknown step %s\n", argv[i]);
    }
    libxl_ctx_free(ctx);
    xs_close(xsh);
    return 0;
}
