/*
 * ops/dev_p9.c: 9pfs shares (p9), which libxl 4.17 can only take away
 * from a running domain (domain creation adds them): their device type
 * names them for the generic removal; libxl_device_p9_remove / _destroy.
 */
#include "ops/device.h"

static const libxl__devtype p9_type = {
    .name = "p9",
    .kind = LIBXL__DEVKIND_9PFS,
    .size = sizeof(libxl_device_p9),
    .cfg_array = offsetof(libxl_domain_config, p9s),
    .cfg_num = offsetof(libxl_domain_config, num_p9s),
    .init = (void (*)(void *))libxl_device_p9_init,
    .dispose = (void (*)(void *))libxl_device_p9_dispose,
    .copy = (void (*)(libxl_ctx *, void *, const void *))
            libxl_device_p9_copy,
    .backend_domid_off = offsetof(libxl_device_p9, backend_domid),
    .devid_off = offsetof(libxl_device_p9, devid),
    .hotplug = LIBXL__HOTPLUG_NONE,
};

int libxl_device_p9_remove(libxl_ctx *ctx, uint32_t domid,
                           libxl_device_p9 *p9,
                           const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &p9_type, p9, LIBXL__FORCE_AUTO,
                                ao_how);
}

int libxl_device_p9_destroy(libxl_ctx *ctx, uint32_t domid,
                            libxl_device_p9 *p9,
                            const libxl_asyncop_how *ao_how)
{
    return libxl__device_remove(ctx, domid, &p9_type, p9, LIBXL__FORCE_ON,
                                ao_how);
}
