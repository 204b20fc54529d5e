/*
 * dev/device.c: device kinds and the xenstore directories of one device
 * (dev/device.h).
 */
#include <string.h>

#include "dev/device.h"

static const char *const kind_names[LIBXL__DEVKIND_COUNT] = {
    [LIBXL__DEVKIND_NONE] = "none",
    [LIBXL__DEVKIND_VIF] = "vif",
    [LIBXL__DEVKIND_VBD] = "vbd",
    [LIBXL__DEVKIND_QDISK] = "qdisk",
    [LIBXL__DEVKIND_PCI] = "pci",
    [LIBXL__DEVKIND_VFB] = "vfb",
    [LIBXL__DEVKIND_VKBD] = "vkbd",
    [LIBXL__DEVKIND_CONSOLE] = "console",
    [LIBXL__DEVKIND_VTPM] = "vtpm",
    [LIBXL__DEVKIND_VUSB] = "vusb",
    [LIBXL__DEVKIND_QUSB] = "qusb",
    [LIBXL__DEVKIND_9PFS] = "9pfs",
    [LIBXL__DEVKIND_VDISPL] = "vdispl",
    [LIBXL__DEVKIND_VUART] = "vuart",
    [LIBXL__DEVKIND_PVCALLS] = "pvcalls",
    [LIBXL__DEVKIND_VSND] = "vsnd",
    [LIBXL__DEVKIND_VINPUT] = "vinput",
    [LIBXL__DEVKIND_VIRTIO_DISK] = "virtio_disk",
};

const char *libxl__devkind_name(libxl__devkind kind)
{
    if ((unsigned)kind >= LIBXL__DEVKIND_COUNT) return NULL;
    return kind_names[kind];
}

bool libxl__devkind_from_name(const char *name, libxl__devkind *kind)
{
    for (unsigned i = 0; i < LIBXL__DEVKIND_COUNT; i++) {
        if (!strcmp(name, kind_names[i])) {
            *kind = (libxl__devkind)i;
            return true;
        }
    }
    return false;
}

bool libxl__devkind_qemu_backend(libxl__devkind backend_kind)
{
    return backend_kind == LIBXL__DEVKIND_QDISK ||
           backend_kind == LIBXL__DEVKIND_VFB ||
           backend_kind == LIBXL__DEVKIND_QUSB ||
           backend_kind == LIBXL__DEVKIND_VKBD;
}

char *libxl__dev_frontend_path(libxl__gc *gc, const libxl__devaddr *dev)
{
    const char *kind = libxl__devkind_name(dev->kind);

    if (dev->kind == LIBXL__DEVKIND_CONSOLE && dev->devid == 0)
        return GCSPRINTF("/local/domain/%u/console", dev->domid);
    if (dev->kind == LIBXL__DEVKIND_VUART)
        return GCSPRINTF("/local/domain/%u/vuart/%d", dev->domid, dev->devid);
    return GCSPRINTF("/local/domain/%u/device/%s/%d", dev->domid, kind,
                     dev->devid);
}

char *libxl__dev_backend_path(libxl__gc *gc, const libxl__devaddr *dev)
{
    return GCSPRINTF("/local/domain/%u/backend/%s/%u/%d", dev->backend_domid,
                     libxl__devkind_name(dev->backend_kind), dev->domid,
                     dev->devid);
}

char *libxl__dev_record_path(libxl__gc *gc, const libxl__devaddr *dev)
{
    return GCSPRINTF("/libxl/%u/device/%s/%d", dev->domid,
                     libxl__devkind_name(dev->kind), dev->devid);
}

char *libxl__dev_records_dir(libxl__gc *gc, uint32_t domid,
                             libxl__devkind kind)
{
    return GCSPRINTF("/libxl/%u/device/%s", domid, libxl__devkind_name(kind));
}
