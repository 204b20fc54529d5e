/*
 * ops/device_list_free.c: the libxl_device_<kind>_list_free functions,
 * which free the arrays the device listing calls return (each element
 * disposed, then the array).
 */
#include <stdlib.h>

#include "libxl.h"

void libxl_device_disk_list_free(libxl_device_disk *list, int num)
{
    if (!list) return;
    for (int i = 0; i < num; i++)
        libxl_device_disk_dispose(&list[i]);
    free(list);
}

void libxl_device_usbctrl_list_free(libxl_device_usbctrl *list, int nr)
{
    if (!list) return;
    for (int i = 0; i < nr; i++)
        libxl_device_usbctrl_dispose(&list[i]);
    free(list);
}

void libxl_device_usbdev_list_free(libxl_device_usbdev *list, int nr)
{
    if (!list) return;
    for (int i = 0; i < nr; i++)
        libxl_device_usbdev_dispose(&list[i]);
    free(list);
}

void libxl_device_nic_list_free(libxl_device_nic *list, int num)
{
    if (!list) return;
    for (int i = 0; i < num; i++)
        libxl_device_nic_dispose(&list[i]);
    free(list);
}

void libxl_device_vtpm_list_free(libxl_device_vtpm *list, int num)
{
    if (!list) return;
    for (int i = 0; i < num; i++)
        libxl_device_vtpm_dispose(&list[i]);
    free(list);
}

void libxl_device_vdispl_list_free(libxl_device_vdispl *list, int num)
{
    if (!list) return;
    for (int i = 0; i < num; i++)
        libxl_device_vdispl_dispose(&list[i]);
    free(list);
}

void libxl_device_vsnd_list_free(libxl_device_vsnd *list, int num)
{
    if (!list) return;
    for (int i = 0; i < num; i++)
        libxl_device_vsnd_dispose(&list[i]);
    free(list);
}

void libxl_device_vkb_list_free(libxl_device_vkb *list, int num)
{
    if (!list) return;
    for (int i = 0; i < num; i++)
        libxl_device_vkb_dispose(&list[i]);
    free(list);
}

void libxl_device_pci_list_free(libxl_device_pci *list, int num)
{
    if (!list) return;
    for (int i = 0; i < num; i++)
        libxl_device_pci_dispose(&list[i]);
    free(list);
}

void libxl_device_pci_assignable_list_free(libxl_device_pci *list, int num)
{
    if (!list) return;
    for (int i = 0; i < num; i++)
        libxl_device_pci_dispose(&list[i]);
    free(list);
}
