/*
 * dropin_disk.c: the drop-in probe of the disk calls (libxl_device_disk_add,
 * _remove, _destroy, _safe_remove, _list, _getinfo,
 * libxl_vdev_to_device_disk and the disks of
 * libxl_retrieve_domain_configuration). Built against Debian's headers and
 * library (dropin-disk-debian) and against lightcore's (dropin-disk-ours);
 * tests/integration/ops/test_dropin_disk.c runs it on a simulated host with
 * device drivers, inside private /var/lib/xen directories, and compares
 * what each run prints: every result, the devices read back, the error
 * log lines (without their FILE:LINE:FUNCTION prefix, with pids masked,
 * and a line repeated at once counted once: libxl logs a bad disk name
 * twice when it adds it),
 * and the xenstore directories of the guest's devices, its backends and
 * the toolstack's records, with their permissions.
 *
 * Commands (one per run):
 *   store DOMID CONFIG      store CONFIG's text as the domain's
 *                           configuration ("libxl-json", with its NUL)
 *   scenario DOMID IMAGE SCRIPT
 *                           add, read back, refuse, remove and destroy
 *                           disks of IMAGE with the hotplug script SCRIPT
 *   add DOMID VDEV IMAGE SCRIPT
 *                           one add (the caller checks the result)
 *   tree DOMID              the directories only
 */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#include "probe_logger.h"
#include "probe_devices.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    probe_log_errors_once(level, errnoval, context, msg);
}

static libxl_ctx *ctx;
static struct xs_handle *xsh;

/* ------------------------------------------------------------ the trees */

/* A device's state node as a number, or -1. */
static int state_of(const char *dir)
{
    char path[256], *v;
    int st;

    snprintf(path, sizeof(path), "%s/state", dir);
    v = xs_read(xsh, XBT_NULL, path, NULL);
    st = v ? atoi(v) : -1;
    free(v);
    return st;
}

/* Whether each of the domain's vbd backends and its frontend have gone as
 * far as they will (both Connected, or the frontend gone): the drivers
 * move on by themselves after a call returns, so the trees are compared
 * once they rest. */
static bool settled(uint32_t domid)
{
    char dir[128], be[192], fe[192];
    unsigned n = 0;
    char **devs;
    bool ok = true;

    snprintf(dir, sizeof(dir), "/local/domain/0/backend/vbd/%u", domid);
    devs = xs_directory(xsh, XBT_NULL, dir, &n);
    for (unsigned i = 0; devs && i < n; i++) {
        int bs, fs;
        snprintf(be, sizeof(be), "%s/%s", dir, devs[i]);
        snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%s", domid,
                 devs[i]);
        bs = state_of(be);
        fs = state_of(fe);
        if (!((bs == 4 && fs == 4) || fs == -1 || bs == 6)) ok = false;
    }
    free(devs);
    return ok;
}

static bool settled_of(void *domid)
{
    return settled(*(uint32_t *)domid);
}

/* Waits (watching, at most 10 s) until settled. */
static void settle(uint32_t domid)
{
    char fe[64];
    const char *paths[] = { "/local/domain/0/backend", fe };

    snprintf(fe, sizeof(fe), "/local/domain/%u/device", domid);
    probe_xs_settle(xsh, paths, 2, settled_of, &domid, 10000);
}

static void tree(uint32_t domid)
{
    settle(domid);
    probe_device_trees(xsh, domid);
}

/* ------------------------------------------------------------ helpers */

static void print_json(const char *what, char *json)
{
    probe_log_forget_last();
    printf("%s %s\n", what, json ? json : "(null)");
    free(json);
}

static void disk_of(libxl_device_disk *d, const char *vdev, const char *img,
                    const char *script)
{
    libxl_device_disk_init(d);
    d->vdev = vdev ? strdup(vdev) : NULL;
    d->pdev_path = img ? strdup(img) : NULL;
    d->script = script ? strdup(script) : NULL;
    d->format = LIBXL_DISK_FORMAT_RAW;
    d->backend = LIBXL_DISK_BACKEND_PHY;
    d->readwrite = 1;
}

static int add(uint32_t domid, const char *vdev, const char *img,
               const char *script)
{
    libxl_device_disk d;
    int rc;

    disk_of(&d, vdev, img, script);
    rc = libxl_device_disk_add(ctx, domid, &d, NULL);
    printf("add %s rc=%d\n", vdev ? vdev : "(null)", rc);
    probe_log_forget_last();
    if (!rc) print_json("  as added:", libxl_device_disk_to_json(ctx, &d));
    libxl_device_disk_dispose(&d);
    return rc;
}

typedef int remove_fn(libxl_ctx *, uint32_t, libxl_device_disk *,
                      const libxl_asyncop_how *);

static void removal(const char *what, remove_fn *fn, uint32_t domid,
                    const char *vdev, libxl_disk_backend backend)
{
    libxl_device_disk d;

    disk_of(&d, vdev, NULL, NULL);
    d.backend = backend;
    printf("%s %s rc=%d\n", what, vdev, fn(ctx, domid, &d, NULL));
    libxl_device_disk_dispose(&d);
}

static void read_back(uint32_t domid)
{
    libxl_domain_config config;
    libxl_device_disk *disks, d;
    int n = -1, rc;

    settle(domid);
    disks = libxl_device_disk_list(ctx, domid, &n);
    printf("list n=%d\n", n);
    for (int i = 0; i < n; i++) {
        libxl_diskinfo info;

        print_json("  disk", libxl_device_disk_to_json(ctx, &disks[i]));
        libxl_diskinfo_init(&info);
        rc = libxl_device_disk_getinfo(ctx, domid, &disks[i], &info);
        printf("  getinfo rc=%d\n", rc);
        if (!rc) print_json("  info", libxl_diskinfo_to_json(ctx, &info));
        libxl_diskinfo_dispose(&info);
    }
    libxl_device_disk_list_free(disks, n);

    for (const char *const *v = (const char *const[]){ "xvdb", "51728",
                                 "xvdz", "zz", NULL }; *v; v++) {
        libxl_device_disk_init(&d);
        rc = libxl_vdev_to_device_disk(ctx, domid, *v, &d);
        printf("vdev_to_device_disk %s rc=%d\n", *v, rc);
        if (!rc) print_json("  disk", libxl_device_disk_to_json(ctx, &d));
        libxl_device_disk_dispose(&d);
    }

    libxl_domain_config_init(&config);
    rc = libxl_retrieve_domain_configuration(ctx, domid, &config, NULL);
    printf("retrieve rc=%d num_disks=%d\n", rc, config.num_disks);
    for (int i = 0; !rc && i < config.num_disks; i++)
        print_json("  disk", libxl_device_disk_to_json(ctx,
                                                       &config.disks[i]));
    libxl_domain_config_dispose(&config);
}

/* ------------------------------------------------------------ commands */

static void scenario(uint32_t domid, const char *img, const char *script)
{
    libxl_device_disk d;
    libxl_diskinfo info;

    add(domid, "xvdb", img, script);
    tree(domid);
    read_back(domid);

    /* refused */
    add(domid, "xvdb", img, script);            /* exists */
    add(domid, "bogus", img, script);           /* no such name */
    add(4242, "xvdc", img, script);             /* no such domain */
    disk_of(&d, "xvdc", "/nonexistent/image", NULL);
    d.backend = LIBXL_DISK_BACKEND_UNKNOWN;     /* stat fails */
    printf("add unstattable rc=%d\n", libxl_device_disk_add(ctx, domid, &d,
                                                            NULL));
    libxl_device_disk_dispose(&d);
    disk_of(&d, "xvdc", img, script);
    d.format = LIBXL_DISK_FORMAT_EMPTY;         /* empty, not a cdrom */
    printf("add empty rc=%d\n", libxl_device_disk_add(ctx, domid, &d, NULL));
    libxl_device_disk_dispose(&d);
    disk_of(&d, "xvdz", NULL, NULL);
    libxl_diskinfo_init(&info);
    printf("getinfo absent rc=%d\n", libxl_device_disk_getinfo(ctx, domid,
                                                               &d, &info));
    libxl_diskinfo_dispose(&info);
    libxl_device_disk_dispose(&d);
    removal("remove unknown-backend", libxl_device_disk_remove, domid,
            "xvdb", LIBXL_DISK_BACKEND_UNKNOWN);
    removal("remove bad-vdev", libxl_device_disk_remove, domid, "bogus",
            LIBXL_DISK_BACKEND_PHY);
    tree(domid);

    /* a second disk, then both go */
    add(domid, "xvdc", img, script);
    read_back(domid);
    removal("remove", libxl_device_disk_remove, domid, "xvdb",
            LIBXL_DISK_BACKEND_PHY);
    removal("destroy", libxl_device_disk_destroy, domid, "xvdc",
            LIBXL_DISK_BACKEND_PHY);
    tree(domid);
    read_back(domid);

    /* gone already */
    removal("destroy absent", libxl_device_disk_destroy, domid, "xvdb",
            LIBXL_DISK_BACKEND_PHY);
    removal("remove absent", libxl_device_disk_remove, domid, "xvdc",
            LIBXL_DISK_BACKEND_PHY);
    removal("safe_remove absent", libxl_device_disk_safe_remove, domid,
            "xvdd", LIBXL_DISK_BACKEND_PHY);
    removal("remove no-domain", libxl_device_disk_remove, 4242, "xvdb",
            LIBXL_DISK_BACKEND_PHY);
    tree(domid);
}

int main(int argc, char **argv)
{
    uint32_t domid;
    int rc = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) return 2;
    domid = (uint32_t)strtoul(argv[2], NULL, 10);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) return 3;
    xsh = xs_open(0);
    if (!xsh) return 4;
    if (!strcmp(argv[1], "store") && argc == 4)
        rc = probe_store_config(ctx, domid, argv[3]);
    else if (!strcmp(argv[1], "scenario") && argc == 5)
        scenario(domid, argv[3], argv[4]);
    else if (!strcmp(argv[1], "add") && argc == 6)
        add(domid, argv[3], argv[4], argv[5]);
    else if (!strcmp(argv[1], "tree"))
        tree(domid);
    else
        rc = 2;
    xs_close(xsh);
    libxl_ctx_free(ctx);
    return rc;
}
