/*
 * ops/devices_destroy.c: every device of a domain removed, forced, as
 * libxl 4.17's destroy removes them (libxl__devices_destroy): the devices
 * the toolstack's own records name (/libxl/D/device/KIND/DEVID/backend,
 * never the guest's nodes), all at once, each through device_remove.c's
 * steps (backend told to close, awaited, hotplug script's "remove", nodes
 * removed); a console or vuart only loses its nodes; a usb controller
 * loses the usb devices on its ports first. Contract in ops/device.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "xs/paths.h"

#define BACKEND_PATH_MAX 256

typedef struct {
    libxl__ao *ao;
    uint32_t domid;
    int pending;                 /* removals started, not yet over */
    bool all_started;
    int rc;                      /* the first failure */
    libxl__devices_destroyed_cb *cb;
    void *cb_arg;
} destroy_all;

static void check_done(libxl__egc *egc, destroy_all *da)
{
    if (da->all_started && !da->pending) da->cb(egc, da->cb_arg, da->rc);
}

static void one_removed(libxl__egc *egc, void *arg, int rc)
{
    destroy_all *da = arg;

    if (rc && !da->rc) da->rc = rc;
    da->pending--;
    check_done(egc, da);
}

/* The address of the device recorded at /libxl/D/device/KIND/NAME, from
 * its backend path; false (skipped, as libxl skips it) when the record
 * does not make one. */
static bool addr_of_record(libxl__gc *gc, uint32_t domid, const char *kind,
                           const char *name, libxl__devaddr *addr)
{
    const char *p = name;
    uint32_t devid;
    libxl__backend_path bp;
    const char *be = libxl__xs_read_checked(
        gc, XBT_NULL, GCSPRINTF("/libxl/%u/device/%s/%s/backend", domid, kind,
                                name),
        BACKEND_PATH_MAX);

    if (!libxl__parse_u32_strict(&p, &devid) || *p || devid > INT32_MAX)
        return false;
    if (!be || !libxl__backend_path_parse(be, &bp) ||
        !libxl__devkind_from_name(kind, &addr->kind) ||
        !libxl__devkind_from_name(bp.kind, &addr->backend_kind))
        return false;
    addr->domid = domid;
    addr->backend_domid = bp.backend_domid;
    addr->devid = (int)devid;
    return true;
}

/* A usb controller's devices go first (libxl stops the controller's
 * removal at a failure there). 0 or an error. */
static int usbctrl_first(libxl__gc *gc, const libxl__devaddr *addr)
{
    const libxl__devtype *dt = &libxl__usbctrl_devtype;
    void *dev = libxl__gc_zalloc(gc, dt->size);
    int rc;

    if (!dev) return ERROR_NOMEM;
    dt->init(dev);
    rc = libxl__device_from_record(gc, dt, addr, dev);
    if (!rc) rc = dt->pre_remove(gc, addr->domid, dev);
    dt->dispose(dev);
    return rc;
}

void libxl__devices_destroy(libxl__egc *egc, libxl__ao *ao, uint32_t domid,
                            libxl__devices_destroyed_cb *cb, void *arg)
{
    libxl_ctx *ctx = egc->ctx;
    libxl__gc *gc = libxl__ao_gc(ao);
    destroy_all *da = libxl__ao_zalloc(ao, sizeof(*da));
    const char *records = GCSPRINTF("/libxl/%u/device", domid);
    unsigned nkinds = 0;
    char **kinds;

    if (!da || !records) {
        cb(egc, arg, ERROR_NOMEM);
        return;
    }
    da->ao = ao;
    da->domid = domid;
    da->cb = cb;
    da->cb_arg = arg;

    kinds = xs_directory(ctx->xsh, XBT_NULL, records, &nkinds);
    if (!kinds && errno != ENOENT) {
        LOGE(ctx, ERROR, "unable to get xenstore device listing %s", records);
        da->rc = ERROR_FAIL;
    }
    for (unsigned k = 0; kinds && k < nkinds; k++) {
        libxl__devkind kind;
        unsigned ndevs = 0;
        char **devs;

        if (!libxl__devkind_from_name(kinds[k], &kind)) continue;
        devs = xs_directory(ctx->xsh, XBT_NULL,
                            GCSPRINTF("%s/%s", records, kinds[k]), &ndevs);
        for (unsigned d = 0; devs && d < ndevs; d++) {
            libxl__devaddr addr;
            const libxl__devtype *dt = NULL;

            if (!addr_of_record(gc, domid, kinds[k], devs[d], &addr))
                continue;
            if (addr.backend_kind == LIBXL__DEVKIND_CONSOLE ||
                addr.backend_kind == LIBXL__DEVKIND_VUART) {
                /* nothing to wait for: the nodes go */
                libxl__device_destroy_nodes(gc, &addr);
                continue;
            }
            if (addr.kind == LIBXL__DEVKIND_VUSB) {
                int rc = usbctrl_first(gc, &addr);
                if (rc) {
                    if (!da->rc) da->rc = rc;
                    continue;
                }
                dt = &libxl__usbctrl_devtype;
            }
            da->pending++;
            libxl__device_remove_sub(egc, ao, dt, &addr, LIBXL__FORCE_ON,
                                     one_removed, da);
        }
        free(devs);
    }
    free(kinds);
    da->all_started = true;
    check_done(egc, da);
}
