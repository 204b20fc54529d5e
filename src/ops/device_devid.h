/*
 * ops/device_devid.h: what the device kinds numbered by a plain devid
 * (vdispl, vsnd, ...) share, beside the generic machinery of
 * ops/device.h: a free devid, the backend domain of a record's backend
 * path, the common part of a getinfo, and a device read back by its
 * devid. Synchronous; every value comes from the toolstack's records.
 */
#ifndef LIGHTCORE_OPS_DEVICE_DEVID_H
#define LIGHTCORE_OPS_DEVICE_DEVID_H

#include <stdint.h>

#include "libxl.h"

#include "base/gc.h"
#include "dev/device.h"
#include "ops/device.h"

/* The devid after the last of the domain's records of that kind (0 when
 * there is none), as libxl numbers a new device; -1 on failure. */
int libxl__device_nextid(libxl__gc *gc, uint32_t domid, libxl__devkind kind);

/* The domain of a backend path /local/domain/N/...: 0, or ERROR_FAIL
 * (logged as libxl). */
int libxl__device_backend_domid(libxl__gc *gc, const char *be,
                                uint32_t *domid);

/*
 * What every getinfo reports first, from the device's record: its
 * backend path (malloc'ed, stored in *backend: the info owns it) and
 * domain, and its frontend path (malloc'ed in *frontend, NULL if the
 * record has none). 0, or ERROR_FAIL when the record has no usable
 * backend path.
 */
int libxl__device_info_paths(libxl__gc *gc, const libxl__devaddr *addr,
                             char **backend, uint32_t *backend_id,
                             char **frontend);

/*
 * libxl_devid_to_device_X (the kinds whose devid names the record): dev
 * initialised, then read back from /libxl/DOMID/device/KIND/DEVID;
 * ERROR_NOTFOUND when there is no such record (logged as libxl),
 * ERROR_FAIL when it cannot be read back.
 */
int libxl__device_devid_to_device(libxl__gc *gc, const libxl__devtype *dt,
                                  uint32_t domid, int devid, void *dev);

#endif /* LIGHTCORE_OPS_DEVICE_DEVID_H */
