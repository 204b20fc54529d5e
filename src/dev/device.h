/*
 * dev/device.h: what names one device: its kind (as xenstore spells it),
 * its frontend and backend domains and its devid, and the three xenstore
 * directories libxl 4.17 keeps for it (the guest's frontend, the backend
 * domain's backend, and the toolstack's own record under /libxl). Pure
 * naming: no xenstore access, no state.
 */
#ifndef LIGHTCORE_DEV_DEVICE_H
#define LIGHTCORE_DEV_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/gc.h"

/* The device kinds, as libxl 4.17 numbers them (its internal
 * libxl__device_kind); the names are the xenstore directory names. */
typedef enum {
    LIBXL__DEVKIND_NONE = 0,         /* a record under /libxl only */
    LIBXL__DEVKIND_VIF = 1,
    LIBXL__DEVKIND_VBD = 2,
    LIBXL__DEVKIND_QDISK = 3,
    LIBXL__DEVKIND_PCI = 4,
    LIBXL__DEVKIND_VFB = 5,
    LIBXL__DEVKIND_VKBD = 6,
    LIBXL__DEVKIND_CONSOLE = 7,
    LIBXL__DEVKIND_VTPM = 8,
    LIBXL__DEVKIND_VUSB = 9,
    LIBXL__DEVKIND_QUSB = 10,
    LIBXL__DEVKIND_9PFS = 11,
    LIBXL__DEVKIND_VDISPL = 12,
    LIBXL__DEVKIND_VUART = 13,
    LIBXL__DEVKIND_PVCALLS = 14,
    LIBXL__DEVKIND_VSND = 15,
    LIBXL__DEVKIND_VINPUT = 16,
    LIBXL__DEVKIND_VIRTIO_DISK = 17,
    LIBXL__DEVKIND_COUNT
} libxl__devkind;

/* "vbd", "vif", ... ; "none" for NONE; NULL for a value out of range. */
const char *libxl__devkind_name(libxl__devkind kind);
/* The kind named name exactly, or false. */
bool libxl__devkind_from_name(const char *name, libxl__devkind *kind);

/* Whether QEMU, not a kernel driver, serves this backend kind (libxl
 * waits for no backend state then: QEMU connects by itself). */
bool libxl__devkind_qemu_backend(libxl__devkind backend_kind);

/* One device. */
typedef struct {
    libxl__devkind kind;             /* the frontend's kind */
    libxl__devkind backend_kind;     /* the backend's (qdisk for a vbd...) */
    uint32_t domid;                  /* the guest */
    uint32_t backend_domid;
    int devid;                       /* >= 0 */
} libxl__devaddr;

/*
 * Its directories, owned by gc (NULL only when out of memory):
 *  frontend  /local/domain/DOMID/device/KIND/DEVID (console 0:
 *            /local/domain/DOMID/console; a vuart: .../vuart/DEVID)
 *  backend   /local/domain/BACKEND/backend/BACKEND_KIND/DOMID/DEVID
 *  record    /libxl/DOMID/device/KIND/DEVID
 */
char *libxl__dev_frontend_path(libxl__gc *gc, const libxl__devaddr *dev);
char *libxl__dev_backend_path(libxl__gc *gc, const libxl__devaddr *dev);
char *libxl__dev_record_path(libxl__gc *gc, const libxl__devaddr *dev);
/* /libxl/DOMID/device/KIND: every record of that kind. */
char *libxl__dev_records_dir(libxl__gc *gc, uint32_t domid,
                             libxl__devkind kind);

/* xenbus states, as the drivers write them. */
enum {
    LIBXL__XENBUS_INITIALISING = 1,
    LIBXL__XENBUS_INITWAIT = 2,
    LIBXL__XENBUS_INITIALISED = 3,
    LIBXL__XENBUS_CONNECTED = 4,
    LIBXL__XENBUS_CLOSING = 5,
    LIBXL__XENBUS_CLOSED = 6,
};

#endif /* LIGHTCORE_DEV_DEVICE_H */
