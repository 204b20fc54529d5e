/*
 * ops/dev_pvcalls.c: PV calls interfaces (pvcallsif), which libxl 4.17 can
 * only take away from a running domain (domain creation adds them): their
 * device type names them for the generic removal;
 * libxl_device_pvcallsif_remove / _destroy.
 */
#include "ops/device.h"

static const libxl__devtype pvcallsif_type = {
    .name = "pvcallsif",
    .kind = LIBXL__DEVKIND_PVCALLS,
    .size = sizeof(libxl_device_pvcallsif),
    .cfg_array = offsetof(libxl_domain_config, pvcallsifs),
    .cfg_num = offsetof(libxl_domain_config, num_pvcallsifs),
    .init = (void (*)(void *))libxl_device_pvcallsif_init,
    .dispose = (void (*)(void *))libxl_device_pvcallsif_dispose,
    .copy = (void (*)(libxl_ctx *, void *, const void *))
            libxl_device_pvcallsif_copy,
    .backend_domid_off = offsetof(libxl_device_pvcallsif, backend_domid),
    .devid_off = offsetof(libxl_device_pvcallsif, devid),
    .hotplug = LIBXL__HOTPLUG_NONE,
};

int libxl_device_pvcallsif_remove(libxl_ctx *ctx, uint32_t domid,
                                  libxl_device_pvcallsif *pvcallsif,
                                  const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &pvcallsif_type, pvcallsif,
                                LIBXL__FORCE_AUTO, ao_how);
}

int libxl_device_pvcallsif_destroy(libxl_ctx *ctx, uint32_t domid,
                                   libxl_device_pvcallsif *pvcallsif,
                                   const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &pvcallsif_type, pvcallsif,
                                LIBXL__FORCE_ON, ao_how);
}
