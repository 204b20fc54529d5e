/*
 * ops/device_dm.c: whether a domain's stored configuration needs a device
 * model (a QEMU serving PV backends) that is not running: libxl 4.17's
 * check before a device is added (ops/device.h). Reads xenstore only.
 */
#include <errno.h>

#include "base/log.h"
#include "ops/device.h"
#include "xs/paths.h"

/* Whether the domain has a device model (a process or a stub domain). */
static bool dm_active(libxl__gc *gc, uint32_t domid)
{
    static const char *const keys[] = { "device-model-pid",
                                        "device-model-domid" };

    for (unsigned i = 0; i < 2; i++)
        if (libxl__xs_read_checked(gc, XBT_NULL, GCSPRINTF(
                "/local/domain/%u/image/%s", domid, keys[i]), 64))
            return true;
    return false;
}

/* Whether d_config has a device a QEMU of this domain (self) serves. */
static bool needs_pv_qemu(const libxl_domain_config *c, uint32_t self)
{
    if (c->num_vfbs > 0 || c->num_p9s > 0) return true;
    for (int i = 0; i < c->num_disks; i++)
        if (c->disks[i].backend == LIBXL_DISK_BACKEND_QDISK &&
            c->disks[i].backend_domid == self)
            return true;
    for (int i = 0; i < c->num_usbctrls; i++)
        if (c->usbctrls[i].type == LIBXL_USBCTRL_TYPE_QUSB &&
            c->usbctrls[i].backend_domid == self)
            return true;
    for (int i = 0; i < c->num_channels; i++)
        if (c->channels[i].backend_domid == self) return true;
    return false;
}

int libxl__device_dm_check_start(libxl__gc *gc, uint32_t domid,
                                 const libxl_domain_config *d_config)
{
    uint32_t self;

    if (dm_active(gc, domid)) return 0;
    if (libxl__device_own_domid(gc, &self)) {
        LOG(gc->ctx, ERROR, "unable to get domain id");
        return ERROR_FAIL;
    }
    if (!needs_pv_qemu(d_config, self)) return 0;
    LOGD(gc->ctx, ERROR, domid, "device model required but not running");
    return ERROR_FAIL;
}
