/*
 * ops/usb.h: what the two PVUSB kinds share (ops/dev_usbctrl.c, the
 * controllers; ops/dev_usbdev.c, the host devices on their ports), and
 * the host side of a USB device (ops/usb_host.c: finding it in sysfs and
 * binding its interfaces to usbback and back). Internal to those three
 * files.
 */
#ifndef LIGHTCORE_OPS_USB_H
#define LIGHTCORE_OPS_USB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "libxl.h"

#include "base/gc.h"
#include "ops/device.h"

/* The most ports a paravirtual controller has (usbif's). */
#define LIBXL__USB_MAX_PORTS 31

/* A number as libxl reads one with atoi (glibc's: strtol's value cut to
 * an int), without atoi's undefined overflow: text a backend or guest
 * wrote gives the same number in both libraries. */
static inline int libxl__usb_atoi(const char *text)
{
    return (int)strtol(text, NULL, 10);
}

/* ------------------------------------------------ controllers (usbctrl) */

/* libxl_devid_to_device_usbctrl, for the usbdev side: 0, ERROR_NOTFOUND
 * (logged), or the error of reading its record. */
int libxl__usbctrl_of(libxl__gc *gc, uint32_t domid, int devid,
                      libxl_device_usbctrl *usbctrl);

/* The directory holding a controller's port list: the backend named by
 * its record (the record itself for a device-model controller). NULL
 * when the record names none (logged only on a read error). */
const char *libxl__usbctrl_ports_dir(libxl__gc *gc, uint32_t domid,
                                     int devid);

/* The port node libxl 4.17 writes a device's bus id to:
 * /local/domain/0/backend/{vusb,qusb}/DOMID/CTRL/port/PORT, or
 * /libxl/DOMID/device/vusb/CTRL/port/PORT for a device-model one. */
char *libxl__usbctrl_port_path(libxl__gc *gc, uint32_t domid,
                               libxl_usbctrl_type type, int ctrl, int port);

/* libxl's dm_check_start and the QEMU backend query for a stored
 * configuration (the device model's side of a controller add). */
int libxl__usbctrl_check(libxl__gc *gc, uint32_t domid,
                         const libxl_domain_config *d_config,
                         const void *dev);

/* ------------------------------------------------ devices (usbdev) */

/* Every device on controller ctrl's ports (libxl's per-controller list):
 * a gc-owned array. 0, or ERROR_FAIL (logged where libxl logs). */
int libxl__usbdev_list_ctrl(libxl__gc *gc, uint32_t domid, int ctrl,
                            libxl_device_usbdev **devs, int *num);

/* Removes one device from its controller's port (libxl's usbdev remove,
 * synchronous as in libxl): 0 or an error (logged). */
int libxl__usbdev_remove_one(libxl__gc *gc, uint32_t domid,
                             const libxl_device_usbdev *usbdev);

/* ------------------------------------------------ the host (sysfs) */

/* 1 when /sys/bus/usb/drivers/usbback exists, 0 when not, or ERROR_FAIL
 * (logged). */
int libxl__usbback_loaded(libxl__gc *gc);

/* The bus id ("1-1", "3-1.2") of the host device at bus:addr, as sysfs
 * lists it (gc-owned), or NULL. */
char *libxl__usb_busid_of(libxl__gc *gc, int bus, int addr);

/* A bus id's bus and address, from sysfs. The bus id may come from
 * xenstore: anything but the shape of a bus id is refused. 0 or
 * ERROR_FAIL. */
int libxl__usb_busaddr_of(libxl__gc *gc, const char *busid, uint8_t *bus,
                          uint8_t *addr);

/* Whether the device at bus:addr exists and is not a hub. */
bool libxl__usb_assignable(libxl__gc *gc, int bus, int addr);

/*
 * Each interface of the device busid unbound from its driver (the driver
 * remembered under /libxl/usbback) and bound to usbback; on a failure,
 * everything undone. Then the reverse: _unassign unbinds the interfaces
 * from usbback, _rebind binds them to the drivers remembered and forgets
 * them. 0 or an error (logged).
 */
int libxl__usbback_assign(libxl__gc *gc, const char *busid);
int libxl__usbback_unassign(libxl__gc *gc, const char *busid);
int libxl__usbback_rebind(libxl__gc *gc, const char *busid);

#endif /* LIGHTCORE_OPS_USB_H */
