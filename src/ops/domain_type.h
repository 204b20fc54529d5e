/*
 * ops/domain_type.h: a domain's type as libxl 4.17 works it out for the
 * operations that depend on it (device model calls, cdrom, PCI, vcpus).
 */
#ifndef LIGHTCORE_OPS_DOMAIN_TYPE_H
#define LIGHTCORE_OPS_DOMAIN_TYPE_H

#include <stdint.h>

#include "libxl.h"

#include "base/gc.h"

/*
 * The hypervisor's HVM flag first: PV without it. With it, /libxl/N/type
 * tells HVM from PVH; a missing node is logged as a failed read, and a
 * missing or unreadable one means HVM (with libxl's warning).
 * LIBXL_DOMAIN_TYPE_INVALID (logged) when domid is not there.
 */
libxl_domain_type libxl__domain_type(libxl__gc *gc, uint32_t domid);

#endif /* LIGHTCORE_OPS_DOMAIN_TYPE_H */
