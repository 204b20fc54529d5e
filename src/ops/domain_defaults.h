/*
 * ops/domain_defaults.h: a domain configuration's defaults, set as libxl
 * 4.17 sets them before it creates a domain or says how much memory one
 * needs (ops/domain_defaults.c), and the memory a configuration needs
 * (ops/need_memory.c builds libxl_domain_need_memory on both).
 */
#ifndef LIGHTCORE_OPS_DOMAIN_DEFAULTS_H
#define LIGHTCORE_OPS_DOMAIN_DEFAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "libxl.h"

#include "base/gc.h"

/* Where Debian's build keeps the firmware (stub domain images, shim). */
#define LIBXL__FIRMWARE_DIR     "/usr/lib/xen-4.17/boot"

/* The memory (KiB) libxl adds to a guest's target for what the domain
 * costs beyond its RAM. */
#define LIBXL__PV_EXTRA_MEMKB   1024
#define LIBXL__HVM_EXTRA_MEMKB  2048

/*
 * Per-ctx state (CTX_DOMAIN_DEFAULTS(ctx), ops/ops.h), all zero at first:
 * which forms of libxl_domain_need_memory the application has called.
 * libxl lets the old form's callers (who could not see the defaults it
 * chose) keep 4.13's behaviour: creation then leaves shadow_memkb and
 * iommu_memkb at 0 when the configuration leaves them unset. Written and
 * read with atomic operations; no module entry (nothing to release).
 */
typedef struct libxl__domain_defaults_state {
    bool need_memory_called;            /* libxl_domain_need_memory */
    bool need_memory_0x041200_called;   /* ... or one of the old forms */
} libxl__domain_defaults_state;

/* Records a call of need_memory's current (old: false) or an old form. */
void libxl__domain_defaults_note_need_memory(libxl_ctx *ctx, bool old_form);

/*
 * Every default libxl__domain_config_setdefault gives, with its checks,
 * in libxl's order and with libxl's log lines (about domid, which is for
 * the log only: INVALID_DOMID when there is no domain yet):
 *   - the host's physinfo (its failure is the result, unlogged here);
 *   - the three XSM labels turned into ssidrefs (a host without XSM is a
 *     warning; any other failure is logged and returns libxenctrl's -1);
 *   - the pool by name (then poolid), which must exist (ERROR_INVAL);
 *   - the create info (libxl__domain_create_info_setdefault);
 *   - passthrough: DISABLED without PCI or DT devices, else ENABLED
 *     resolved to SYNC_PT or SHARE_PT as x86 does; refused without an
 *     IOMMU, for PVH, with PoD (target below max for a non-PV guest);
 *     PoD with vNUMA, and vNUMA for PV, are refused too;
 *   - shadow_memkb and iommu_memkb, when unset and the application is not
 *     an old need_memory caller (above): the paging memory
 *     (libxl__get_required_paging_memory) and the IOMMU's page tables for
 *     SYNC_PT (else 0);
 *   - the build info (libxl__domain_build_info_setdefault);
 *   - nested HVM with altp2m, PoD with altp2m, and a vPMU the host lacks
 *     are refused (ERROR_INVAL).
 * Returns 0 or the error; on error d_config is partly defaulted. Strings
 * and arrays it sets are malloc'ed and owned by d_config (freed by
 * libxl_domain_config_dispose). Devices are not defaulted here: libxl
 * defaults each kind where creation adds it (the devtypes' setdefault).
 */
int libxl__domain_config_setdefault(libxl__gc *gc,
                                    libxl_domain_config *d_config,
                                    uint32_t domid);

/* The same after the labels and the pool, with the host's physinfo given
 * (asked for once, where libxl asks twice); for tests too. */
int libxl__domain_config_setdefault_phys(libxl__gc *gc,
                                         libxl_domain_config *d_config,
                                         uint32_t domid,
                                         const libxl_physinfo *phys);

/*
 * The create info's defaults: a type must be given (0 is refused: the
 * initial value, LIBXL_DOMAIN_TYPE_INVALID, is not 0 and passes, as in
 * libxl); hap (the host's HAP, else shadow paging, else ERROR_INVAL) and
 * oos for non-PV guests; run_hotplug_scripts true, driver_domain false,
 * ssidref the domU label's, xend_suspend_evtchn_compat false.
 */
int libxl__domain_create_info_setdefault(libxl__gc *gc,
                                         libxl_domain_create_info *c_info,
                                         const libxl_physinfo *info);

/*
 * The build info's defaults and checks, in libxl's order: the type (HVM,
 * PV or PVH, else ERROR_INVAL); the deprecated union fields moved to
 * their successors (both set: -EINVAL, as libxl's generated code
 * returns); the device model (stub domain false, its ssidref, the
 * version: qemu-xen-traditional for an HVM stub domain, else qemu-xen,
 * whether its binary is there or not, as Debian's libxl), blkdev_start,
 * HVM's bios and its check against the version, HVM direct boot, the
 * stub domain's kernel and ramdisk; vcpus (1, the available bitmap, the
 * cpumap turned into per-vcpu hard affinities); NUMA placement; memory
 * (max 32 MiB, target = max, the stub domain's); claim mode, localtime,
 * disable_migrate; iomem gfns; 1023 event channels; the x86 part (acpi
 * true, msr_relaxed false); dm_restrict; iommu_memkb 0; then per type:
 * HVM (shadow 0, mmio hole 0, cirrus, IDE, the video memory by device
 * model and card with its minimums, the HVM switches, spice, USB, boot
 * order "cda", VNC, SDL, RDM), PV (e820_host, video, shadow and slack 0),
 * PVH (pvshim and its path and command line, video 0); for non-PV the
 * timer mode, apic and nested_hvm; last the grant table version (the
 * host's highest; a version outside the mask is -ERROR_INVAL, i.e. 6, as
 * libxl returns). Needs the host's physinfo (its failure is logged).
 */
int libxl__domain_build_info_setdefault(libxl__gc *gc,
                                        libxl_domain_build_info *b_info);

/* The same with the host's physinfo given (never fails for it). */
int libxl__domain_build_info_setdefault_phys(libxl__gc *gc,
                                             libxl_domain_build_info *b_info,
                                             const libxl_physinfo *phys);

/* The paging (shadow/HAP) pool libxl gives a guest by default, in KiB:
 * 1 MiB per vcpu, and per MiB of RAM a page for the p2m of a non-PV guest
 * and another for a guest without HAP. */
unsigned long libxl__get_required_paging_memory(unsigned long maxmem_kb,
                                                unsigned int smp_cpus,
                                                libxl_domain_type type,
                                                bool hap);

/* The IOMMU's page tables for maxmem_kb of RAM (4 levels of 512), KiB. */
unsigned long libxl__get_required_iommu_memory(unsigned long maxmem_kb);

/*
 * What building b_info (defaulted) needs from the host, in KiB: target,
 * shadow and IOMMU memory, the per-type extra (and for a non-PV guest
 * with a stub domain, its memory and the video memory), rounded up to
 * 2 MiB. Sums wrap as libxl's do. ERROR_INVAL for an unknown type.
 */
int libxl__domain_need_memory_calculate(libxl__gc *gc,
                                        const libxl_domain_build_info *b_info,
                                        uint64_t *need_memkb);

#endif /* LIGHTCORE_OPS_DOMAIN_DEFAULTS_H */
