/*
 * ops/pci.h: what PCI passthrough's host side (ops/pci_assignable.c)
 * gives its guest side (ops/dev_pci.c).
 */
#ifndef LIGHTCORE_OPS_PCI_H
#define LIGHTCORE_OPS_PCI_H

#include "base/gc.h"

#include "libxl.h"

/*
 * The address of the device named pci->name (a name given when it was
 * set aside, under /libxl/pci), into pci: 0 or ERROR_NOTFOUND. As libxl,
 * pci's address is left at the last entry looked at when none matches.
 */
int libxl__pci_name_to_bdf(libxl__gc *gc, libxl_device_pci *pci);

#endif /* LIGHTCORE_OPS_PCI_H */
