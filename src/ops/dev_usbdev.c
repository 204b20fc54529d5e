/*
 * ops/dev_usbdev.c: host USB devices given to a guest through a PVUSB
 * controller: libxl_device_usbdev_add / _remove / _list and
 * libxl_ctrlport_to_device_usbdev with libxl 4.17's results and log
 * lines, and the usbdev device type the stored configuration is merged
 * with. A device has no xenstore directory of its own: it is its bus id
 * on one of its controller's ports (the one helper below that writes a
 * port, set_port), its interfaces bound to usbback (ops/usb_host.c), and
 * its entry in the stored configuration. Beyond libxl, a failed add
 * leaves nothing behind: the port, the configuration entry and a
 * controller the add made for it are all taken back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "dev/devpath.h"
#include "ops/device.h"
#include "ops/usb.h"
#include "ops/userdata.h"
#include "xs/paths.h"

#define MAX_VALUE 256

/* ------------------------------------------------------------ devtype */

static bool usbdev_same(const void *a, const void *b)
{
    const libxl_device_usbdev *x = a, *y = b;
    return x->ctrl == y->ctrl && x->port == y->port;
}

static int usbdev_to_addr(libxl__gc *gc, uint32_t domid, const void *dev,
                          libxl__devaddr *addr)
{
    (void)dev; (void)addr;
    LOGD(gc->ctx, ERROR, domid, "a USB device has no directory of its own");
    return ERROR_INVAL;
}

const libxl__devtype libxl__usbdev_devtype = {
    .name = "usbdev",
    .kind = LIBXL__DEVKIND_VUSB,
    .size = sizeof(libxl_device_usbdev),
    .cfg_array = offsetof(libxl_domain_config, usbdevs),
    .cfg_num = offsetof(libxl_domain_config, num_usbdevs),
    .init = (void (*)(void *))libxl_device_usbdev_init,
    .dispose = (void (*)(void *))libxl_device_usbdev_dispose,
    .copy = (void (*)(libxl_ctx *, void *, const void *))
        libxl_device_usbdev_copy,
    .same = usbdev_same,
    .to_addr = usbdev_to_addr,
    /* no entries: as libxl, a retrieved configuration compares its USB
     * devices with one blank device per controller record */
    .entries = { NULL, 0 },
    .hotplug = LIBXL__HOTPLUG_NONE,
};

/* ------------------------------------------------ ports */

/* The one write of a device's xenstore state: value (a bus id, or "" for
 * a free port) on port PORT of its controller. */
static int set_port(libxl__gc *gc, xs_transaction_t t, const char *path,
                    const char *value)
{
    if (!xs_write(gc->ctx->xsh, t, path, value, strlen(value))) {
        LOGE(gc->ctx, ERROR, "xenstore write failed: `%s' = `%s'", path,
             value);
        return ERROR_FAIL;
    }
    return 0;
}

/* A port's value: 0 with *v (NULL: no such node), or ERROR_FAIL. */
static int get_port(libxl__gc *gc, const char *path, const char **v)
{
    *v = libxl__xs_read_checked(gc, XBT_NULL, path, MAX_VALUE);
    if (!*v && errno != ENOENT) {
        LOGE(gc->ctx, ERROR, "xenstore read failed: `%s'", path);
        return ERROR_FAIL;
    }
    return 0;
}

/* How many ports the list at dir has (its num-ports, as libxl reads it,
 * never more than a controller can have). */
static int ports_of(libxl__gc *gc, const char *dir, int *n)
{
    const char *v;
    int rc = get_port(gc, GCSPRINTF("%s/num-ports", dir), &v);

    if (rc) return rc;
    *n = v ? libxl__usb_atoi(v) : 0;
    if (*n > LIBXL__USB_MAX_PORTS) *n = LIBXL__USB_MAX_PORTS;
    return 0;
}

int libxl__usbdev_list_ctrl(libxl__gc *gc, uint32_t domid, int ctrl,
                            libxl_device_usbdev **devs, int *num)
{
    const char *dir = libxl__usbctrl_ports_dir(gc, domid, ctrl);
    libxl_device_usbdev *list;
    int n, rc;

    *devs = NULL;
    *num = 0;
    if (!dir) return ERROR_FAIL;
    rc = ports_of(gc, dir, &n);
    if (rc) return rc;
    list = GCZALLOC((size_t)(n > 0 ? n : 1) * sizeof(*list));
    if (!list) return ERROR_NOMEM;
    for (int i = 1; i <= n; i++) {
        libxl_device_usbdev *d = &list[*num];
        const char *busid;

        rc = get_port(gc, GCSPRINTF("%s/port/%d", dir, i), &busid);
        if (rc) return rc;
        if (!busid || !*busid) continue;
        libxl_device_usbdev_init(d);
        d->ctrl = ctrl;
        d->port = i;
        d->type = LIBXL_USBDEV_TYPE_HOSTDEV;
        (*num)++;
        rc = libxl__usb_busaddr_of(gc, busid, &d->u.hostdev.hostbus,
                                   &d->u.hostdev.hostaddr);
        if (rc) return rc;
    }
    *devs = list;
    return 0;
}

/* The controllers' ids of a domain, from its records (libxl reads the
 * names with atoi). */
static char **ctrl_names(libxl__gc *gc, uint32_t domid, unsigned *n)
{
    *n = 0;
    return libxl__gc_adopt(gc, xs_directory(
        gc->ctx->xsh, XBT_NULL,
        GCSPRINTF("/libxl/%u/device/vusb", domid), n));
}

libxl_device_usbdev *libxl_device_usbdev_list(libxl_ctx *ctx, uint32_t domid,
                                              int *num)
{
    GC_INIT(ctx);
    libxl_device_usbdev *all = NULL;
    unsigned nc;
    char **ctrls = ctrl_names(gc, domid, &nc);

    *num = 0;
    for (unsigned i = 0; ctrls && i < nc; i++) {
        libxl_device_usbdev *devs, *bigger;
        int nd;

        if (libxl__usbdev_list_ctrl(gc, domid, libxl__usb_atoi(ctrls[i]), &devs, &nd) ||
            !nd)
            continue;
        bigger = realloc(all, sizeof(*all) * (size_t)(*num + nd));
        if (!bigger) {
            LOG(ctx, ERROR, "no memory for a list of USB devices");
            break;
        }
        all = bigger;
        for (int j = 0; j < nd; j++) {
            libxl_device_usbdev_init(&all[*num]);
            libxl_device_usbdev_copy(ctx, &all[*num], &devs[j]);
            (*num)++;
        }
    }
    return all;
}

int libxl_ctrlport_to_device_usbdev(libxl_ctx *ctx, uint32_t domid, int ctrl,
                                    int port, libxl_device_usbdev *usbdev)
{
    GC_INIT(ctx);
    const char *dir = libxl__usbctrl_ports_dir(gc, domid, ctrl), *busid;
    int rc;

    if (!dir) return ERROR_FAIL;
    rc = get_port(gc, GCSPRINTF("%s/port/%d", dir, port), &busid);
    if (rc) return rc;
    if (!busid || !*busid) return ERROR_FAIL;
    usbdev->ctrl = ctrl;
    usbdev->port = port;
    usbdev->type = LIBXL_USBDEV_TYPE_HOSTDEV;
    return libxl__usb_busaddr_of(gc, busid, &usbdev->u.hostdev.hostbus,
                                 &usbdev->u.hostdev.hostaddr);
}

/* ------------------------------------------------------------ add */

/* Whether a domain has a device at bus:addr already: -1 on an error
 * (logged as libxl), else 0 or 1. */
static int assigned_anywhere(libxl__gc *gc, const libxl_device_usbdev *dev)
{
    unsigned nd = 0;
    char **doms = libxl__gc_adopt(gc, xs_directory(gc->ctx->xsh, XBT_NULL,
                                                   "/local/domain", &nd));

    for (unsigned i = 0; doms && i < nd; i++) {
        uint32_t domid = (uint32_t)libxl__usb_atoi(doms[i]);
        unsigned nc;
        char **ctrls = ctrl_names(gc, domid, &nc);

        for (unsigned j = 0; ctrls && j < nc; j++) {
            libxl_device_usbdev *devs;
            int n;

            if (libxl__usbdev_list_ctrl(gc, domid, libxl__usb_atoi(ctrls[j]), &devs,
                                        &n)) {
                LOG(gc->ctx, ERROR, "fail to get assigned devices");
                return -1;
            }
            for (int k = 0; k < n; k++)
                if (devs[k].u.hostdev.hostbus == dev->u.hostdev.hostbus &&
                    devs[k].u.hostdev.hostaddr == dev->u.hostdev.hostaddr)
                    return 1;
        }
    }
    return 0;
}

/* The first free port of the domain's controllers (libxl's choice). */
static int free_port_anywhere(libxl__gc *gc, uint32_t domid,
                              libxl_device_usbdev *dev)
{
    int n = 0, rc = ERROR_FAIL;
    libxl_device_usbctrl *ctrls = libxl__device_list(
        gc, &libxl__usbctrl_devtype, domid, &n);

    for (int i = 0; i < n && rc == ERROR_FAIL; i++) {
        for (int p = 1; p <= ctrls[i].ports && p <= LIBXL__USB_MAX_PORTS;
             p++) {
            const char *v;
            int r = get_port(gc, libxl__usbctrl_port_path(
                gc, domid, ctrls[i].type, ctrls[i].devid, p), &v);
            if (r) {
                rc = r;
                break;
            }
            if (v && !*v) {
                dev->ctrl = ctrls[i].devid;
                dev->port = p;
                rc = 0;
                break;
            }
        }
    }
    libxl__device_list_free(&libxl__usbctrl_devtype, ctrls, n);
    return rc;
}

/* libxl's defaults: a controller and port, chosen (and a controller added
 * when none has a free port: *made_ctrl receives it). */
static int usbdev_setdefault(libxl__gc *gc, uint32_t domid,
                             libxl_device_usbdev *dev,
                             libxl_device_usbctrl *made_ctrl, bool *made)
{
    const char *dir, *v;
    int rc, n;

    if (!dev->type) dev->type = LIBXL_USBDEV_TYPE_HOSTDEV;
    if (dev->ctrl == -1) {
        if (dev->port) {
            LOGD(gc->ctx, ERROR, domid, "USB controller must be specified if"
                 " you specify port");
            return ERROR_INVAL;
        }
        if (!free_port_anywhere(gc, domid, dev)) return 0;
        rc = libxl__device_add_records(gc, domid, &libxl__usbctrl_devtype,
                                       made_ctrl);
        if (rc) return rc;
        *made = true;
        dev->ctrl = made_ctrl->devid;
        dev->port = 1;
        return 0;
    }
    dir = libxl__usbctrl_ports_dir(gc, domid, dev->ctrl);
    if (!dir) return ERROR_FAIL;
    if (dev->port) {
        rc = get_port(gc, GCSPRINTF("%s/port/%d", dir, dev->port), &v);
        if (rc) return rc;
        if (v && *v) {
            LOGD(gc->ctx, ERROR, domid, "The controller port isn't"
                 " available");
            return ERROR_FAIL;
        }
        return 0;
    }
    rc = ports_of(gc, dir, &n);
    if (rc) return rc;
    for (int i = 1; i <= n; i++) {
        rc = get_port(gc, GCSPRINTF("%s/port/%d", dir, i), &v);
        if (rc) return rc;
        if (v && !*v) {
            dev->port = i;
            return 0;
        }
    }
    LOGD(gc->ctx, ERROR, domid, "No available port under specified"
         " controller");
    return ERROR_FAIL;
}

/* The stored configuration gets dev (the same port's device replaced:
 * *replaced receives it, malloc'ed, for an undo), then the port its bus
 * id. */
static int store_and_set(libxl__gc *gc, uint32_t domid,
                         const libxl_device_usbdev *dev,
                         libxl_usbctrl_type type, const char *busid,
                         void **replaced)
{
    libxl__userdata_dom dom;
    libxl__userdata_flock lock = { .fd = -1 };
    libxl_domain_config d_config;
    const char *port = libxl__usbctrl_port_path(gc, domid, type, dev->ctrl,
                                                dev->port);
    int rc;

    libxl_domain_config_init(&d_config);
    if (libxl__userdata_dom_find(gc, domid, &dom) ||
        libxl__userdata_lock(gc, &dom, LIBXL__LOCK_USERDATA, &lock, NULL)) {
        rc = ERROR_LOCK_FAIL;
        goto out;
    }
    rc = libxl__userdata_config_read(gc, &dom, &d_config);
    if (rc) goto out;
    rc = libxl__device_config_put(gc, &libxl__usbdev_devtype, &d_config, dev,
                                  replaced);
    if (rc) goto out;
    rc = libxl__device_dm_check_start(gc, domid, &d_config);
    if (rc) goto out;
    rc = libxl__userdata_config_write(gc, &dom, &d_config);
    if (rc) goto out;
    LOGD(gc->ctx, DEBUG, domid, "Adding usb device %s to xenstore:"
         " controller %d, port %d", busid, dev->ctrl, dev->port);
    rc = set_port(gc, XBT_NULL, port, busid);
    if (rc) {
        libxl__device_config_drop(gc, &libxl__usbdev_devtype, &d_config, dev,
                                  *replaced);
        libxl__userdata_config_write(gc, &dom, &d_config);
    }
out:
    libxl__userdata_unlock(&lock);
    libxl_domain_config_dispose(&d_config);
    return rc;
}

/* Takes dev back out of the stored configuration (restoring what it
 * replaced). */
static void unstore(libxl__gc *gc, uint32_t domid,
                    const libxl_device_usbdev *dev, const void *replaced)
{
    libxl__userdata_dom dom;
    libxl__userdata_flock lock = { .fd = -1 };
    libxl_domain_config d_config;

    libxl_domain_config_init(&d_config);
    if (libxl__userdata_dom_find(gc, domid, &dom) ||
        libxl__userdata_lock(gc, &dom, LIBXL__LOCK_USERDATA, &lock, NULL) ||
        libxl__userdata_config_read(gc, &dom, &d_config) ||
        libxl__device_config_drop(gc, &libxl__usbdev_devtype, &d_config, dev,
                                  replaced) ||
        libxl__userdata_config_write(gc, &dom, &d_config))
        LOGD(gc->ctx, ERROR, domid, "could not take the USB device that"
             " failed out of the stored configuration");
    libxl__userdata_unlock(&lock);
    libxl_domain_config_dispose(&d_config);
}

/* The body of an add, synchronous as libxl's; dev is the caller's struct
 * (it receives the defaults, as libxl). */
static int usbdev_add(libxl__gc *gc, uint32_t domid, libxl_device_usbdev *dev)
{
    libxl_device_usbctrl ctrl, made_ctrl;
    bool made = false, stored = false;
    void *replaced = NULL;
    const char *busid = NULL;
    int rc;

    libxl_device_usbctrl_init(&ctrl);
    libxl_device_usbctrl_init(&made_ctrl);
    if (dev->ctrl != -1) {
        rc = libxl__usbctrl_of(gc, domid, dev->ctrl, &ctrl);
        if (rc) goto out;
        if (ctrl.backend_domid != 0) {
            LOGD(gc->ctx, ERROR, domid, "Don't support adding USB device from"
                 " non-Dom0 backend");
            rc = ERROR_INVAL;
            goto out;
        }
        libxl_device_usbctrl_dispose(&ctrl);
    }
    if (!libxl__usb_assignable(gc, dev->u.hostdev.hostbus,
                               dev->u.hostdev.hostaddr)) {
        LOGD(gc->ctx, ERROR, domid, "USB device is not assignable.");
        rc = ERROR_FAIL;
        goto out;
    }
    rc = assigned_anywhere(gc, dev);
    if (rc < 0) {
        LOGD(gc->ctx, ERROR, domid, "cannot determine if device is assigned,"
             " refusing to continue");
        rc = ERROR_FAIL;
        goto out;
    }
    if (rc) {
        LOGD(gc->ctx, ERROR, domid, "USB device already attached to a"
             " domain");
        rc = ERROR_INVAL;
        goto out;
    }
    rc = usbdev_setdefault(gc, domid, dev, &made_ctrl, &made);
    if (rc) goto out;
    rc = libxl__usbctrl_of(gc, domid, dev->ctrl, &ctrl);
    if (rc) goto out;

    switch (ctrl.type) {
    case LIBXL_USBCTRL_TYPE_PV:
    case LIBXL_USBCTRL_TYPE_QUSB:
        busid = libxl__usb_busid_of(gc, dev->u.hostdev.hostbus,
                                    dev->u.hostdev.hostaddr);
        if (!busid) {
            if (ctrl.type == LIBXL_USBCTRL_TYPE_QUSB)
                LOGD(gc->ctx, DEBUG, domid, "Fail to get busid of usb"
                     " device");
            rc = ERROR_FAIL;
            goto out;
        }
        rc = store_and_set(gc, domid, dev, ctrl.type, busid, &replaced);
        if (rc) goto out;
        stored = true;
        if (ctrl.type == LIBXL_USBCTRL_TYPE_PV) {
            rc = libxl__usbback_assign(gc, busid);
            if (rc) goto out;
        }
        break;
    case LIBXL_USBCTRL_TYPE_DEVICEMODEL:
        /* QEMU's usb-host device_add: the device model's (not yet) */
        LOGED(gc->ctx, ERROR, domid, "Failed to connect to QMP socket"
              " /var/run/xen/qmp-libxl-%u", domid);
        rc = ERROR_FAIL;
        goto out;
    default:
        LOGD(gc->ctx, ERROR, domid, "Unsupported usb controller type");
        rc = ERROR_FAIL;
        goto out;
    }
    rc = 0;
out:
    if (rc && stored) {
        LOGD(gc->ctx, DEBUG, domid, "Removing usb device from xenstore:"
             " controller %d, port %d", dev->ctrl, dev->port);
        set_port(gc, XBT_NULL, libxl__usbctrl_port_path(
            gc, domid, ctrl.type, dev->ctrl, dev->port), "");
        unstore(gc, domid, dev, replaced);
    }
    if (rc && made && libxl__device_unadd(gc, domid, &libxl__usbctrl_devtype,
                                          &made_ctrl))
        LOGD(gc->ctx, ERROR, domid, "could not take back the USB controller"
             " made for the device");
    if (replaced) {
        libxl_device_usbdev_dispose(replaced);
        free(replaced);
    }
    libxl_device_usbctrl_dispose(&ctrl);
    libxl_device_usbctrl_dispose(&made_ctrl);
    return rc;
}

int libxl_device_usbdev_add(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_usbdev *usbdev,
                            const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    int rc;

    AO_UNLOCKED(ao, rc = usbdev_add(libxl__ao_gc(ao), domid, usbdev));
    if (rc) LOG(ctx, ERROR, "unable to add device");
    libxl__ao_complete(egc, ao, rc);
    return AO_INPROGRESS;
}

/* ------------------------------------------------------------ remove */

int libxl__usbdev_remove_one(libxl__gc *gc, uint32_t domid,
                             const libxl_device_usbdev *dev)
{
    libxl_device_usbctrl ctrl;
    const char *port, *busid;
    int rc;

    libxl_device_usbctrl_init(&ctrl);
    if (dev->ctrl < 0 || dev->port < 1) {
        LOGD(gc->ctx, ERROR, domid, "Invalid USB device");
        rc = ERROR_FAIL;
        goto out;
    }
    rc = libxl__usbctrl_of(gc, domid, dev->ctrl, &ctrl);
    if (rc) goto out;
    if (ctrl.backend_domid != 0) {
        LOGD(gc->ctx, ERROR, domid, "Don't support removing USB device from"
             " non-Dom0 backend");
        rc = ERROR_INVAL;
        goto out;
    }
    port = libxl__usbctrl_port_path(gc, domid, ctrl.type, dev->ctrl,
                                    dev->port);
    switch (ctrl.type) {
    case LIBXL_USBCTRL_TYPE_PV:
        /* unbound from usbback before the port is freed, so that a
         * failure leaves the device listed, to be tried again */
        busid = libxl__xs_read_checked(gc, XBT_NULL, port, MAX_VALUE);
        if (!busid) {
            rc = ERROR_FAIL;
            goto out;
        }
        rc = libxl__usbback_unassign(gc, busid);
        if (rc) {
            LOGD(gc->ctx, ERROR, domid, "Error removing device from"
                 " guest. Try running usbdev-detach again.");
            goto out;
        }
        LOGD(gc->ctx, DEBUG, domid, "Removing usb device from xenstore:"
             " controller %d, port %d", dev->ctrl, dev->port);
        rc = set_port(gc, XBT_NULL, port, "");
        if (rc) {
            LOGD(gc->ctx, ERROR, domid, "Error removing device from guest."
                 " Try running usbdev-detach again.");
            goto out;
        }
        /* (a free port's "" too: libxl then asks xenstored to remove
         * "/libxl/usbback/", which it refuses) */
        rc = libxl__usbback_rebind(gc, busid);
        if (rc) {
            LOGD(gc->ctx, ERROR, domid, "USB device removed from guest,"
                 " but couldn't re-bind to domain 0. Try removing and"
                 " re-inserting the USB device or reloading the driver"
                 " modules.");
            goto out;
        }
        break;
    case LIBXL_USBCTRL_TYPE_QUSB:
        LOGD(gc->ctx, DEBUG, domid, "Removing usb device from xenstore:"
             " controller %d, port %d", dev->ctrl, dev->port);
        rc = set_port(gc, XBT_NULL, port, "");
        break;
    case LIBXL_USBCTRL_TYPE_DEVICEMODEL:
        LOGED(gc->ctx, ERROR, domid, "Failed to connect to QMP socket"
              " /var/run/xen/qmp-libxl-%u", domid);
        rc = ERROR_FAIL;
        break;
    default:
        LOGD(gc->ctx, ERROR, domid, "Unsupported usb controller type");
        rc = ERROR_FAIL;
        break;
    }
out:
    libxl_device_usbctrl_dispose(&ctrl);
    return rc;
}

int libxl_device_usbdev_remove(libxl_ctx *ctx, uint32_t domid,
                               libxl_device_usbdev *usbdev,
                               const libxl_asyncop_how *ao_how)
{
    AO_CREATE(ctx, domid, ao_how);
    int rc;

    AO_UNLOCKED(ao, rc = libxl__usbdev_remove_one(libxl__ao_gc(ao), domid,
                                                  usbdev));
    if (rc) LOG(ctx, ERROR, "unable to remove device");
    libxl__ao_complete(egc, ao, rc);
    return AO_INPROGRESS;
}
