/*
 * ops/device_types.c: the device kinds a retrieved configuration is
 * checked against (in libxl 4.17's order), and that check: the stored
 * devices merged with what xenstore says of them (ops/device.h). A kind
 * joins the table once its file defines its devtype; until then its
 * stored devices are returned as stored.
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ops/device.h"

const libxl__devtype *const libxl__device_types[] = {
    &libxl__disk_devtype,
    &libxl__nic_devtype,
    &libxl__vtpm_devtype,
    &libxl__usbctrl_devtype,
    &libxl__usbdev_devtype,
    &libxl__pci_devtype,
    &libxl__vdispl_devtype,
    &libxl__vsnd_devtype,
    NULL
};

static void merge_kind(libxl__gc *gc, const libxl__devtype *dt,
                       uint32_t domid, libxl_domain_config *d_config)
{
    char **array = (char **)((char *)d_config + dt->cfg_array);
    int *num = (int *)((char *)d_config + dt->cfg_num);
    int nlive = 0;
    void *live = libxl__device_list(gc, dt, domid, &nlive);

    if (!live)
        LOGD(gc->ctx, DEBUG, domid, "No %s from xenstore",
             libxl__devkind_name(dt->kind));
    for (int i = 0; i < *num; i++) {
        void *stored = libxl__devtype_elem(dt, *array, i);
        int j;

        for (j = 0; j < nlive; j++)
            if (dt->same(libxl__devtype_elem(dt, live, j), stored)) break;
        if (j < nlive) {
            if (dt->merge)
                dt->merge(gc->ctx, libxl__devtype_elem(dt, live, j), stored);
            continue;
        }
        LOGD(gc->ctx, WARN, domid, "Device present in JSON but not in"
             " xenstore, ignored");
        dt->dispose(stored);
        memmove(stored, (char *)stored + dt->size,
                dt->size * (size_t)(*num - i - 1));
        (*num)--;
        i--;
    }
    if (!*num) {
        free(*array);
        *array = NULL;
    }
    libxl__device_list_free(dt, live, nlive);
}

void libxl__device_merge_live(libxl__gc *gc, uint32_t domid,
                              libxl_domain_config *d_config)
{
    for (int k = 0; libxl__device_types[k]; k++)
        merge_kind(gc, libxl__device_types[k], domid, d_config);
}
