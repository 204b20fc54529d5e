/*
 * ops/domain_defaults.c: a domain configuration's defaults and checks, as
 * libxl 4.17 sets them before creating a domain (contract in
 * ops/domain_defaults.h). Pure work on the configuration plus the host's
 * physinfo, its pools and XSM labels; it creates nothing and touches no
 * device, no xenstore node and no other family's state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xen/hvm/hvm_info_table.h>

#include "libxl.h"
#include "libxl_utils.h"

#include "base/log.h"
#include "ops/domain_defaults.h"
#include "ops/ops.h"

/* The initial XSM labels of a guest and of a device model's stub domain
 * (Xen's flask policy: the 12th and 13th initial SIDs). */
#define SID_DOMU   12
#define SID_DOMDM  13

#define GFN_INVALID (~(uint64_t)0)
#define LINUX_STUBDOM_MEMKB (128 * 1024)
#define MINIOS_STUBDOM_MEMKB (28 * 1024)
#define PVSHIM_NAME "xen-shim"
#define PVSHIM_COMMAND_LINE "pv-shim console=xen,pv"

/* ------------------------------------------------------------ ctx flags */

void libxl__domain_defaults_note_need_memory(libxl_ctx *ctx, bool old_form)
{
    libxl__domain_defaults_state *st = CTX_DOMAIN_DEFAULTS(ctx);

    if (old_form)
        __atomic_store_n(&st->need_memory_0x041200_called, true,
                         __ATOMIC_RELAXED);
    else
        __atomic_store_n(&st->need_memory_called, true, __ATOMIC_RELAXED);
}

/* Old callers keep 4.13's zero shadow and IOMMU memory; an application
 * calling both forms counts as a new one. */
static bool may_default_memkb(libxl_ctx *ctx)
{
    libxl__domain_defaults_state *st = CTX_DOMAIN_DEFAULTS(ctx);

    return !__atomic_load_n(&st->need_memory_0x041200_called,
                            __ATOMIC_RELAXED) ||
           __atomic_load_n(&st->need_memory_called, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------ sizes */

unsigned long libxl__get_required_paging_memory(unsigned long maxmem_kb,
                                                unsigned int smp_cpus,
                                                libxl_domain_type type,
                                                bool hap)
{
    unsigned long per_mib = (type != LIBXL_DOMAIN_TYPE_PV) + !hap;

    /* x86 reserves nothing more (Arm would add its extended regions) */
    return 4 * (256 * smp_cpus + per_mib * (maxmem_kb / 1024));
}

unsigned long libxl__get_required_iommu_memory(unsigned long maxmem_kb)
{
    unsigned long pages = maxmem_kb / 4, total = 0;

    for (int level = 0; level < 4; level++) {
        pages = (pages + 511) / 512;
        total += pages;
    }
    return total * 4;
}

int libxl__domain_need_memory_calculate(libxl__gc *gc,
                                        const libxl_domain_build_info *b_info,
                                        uint64_t *need_memkb)
{
    uint64_t kb = b_info->target_memkb + b_info->shadow_memkb +
                  b_info->iommu_memkb;

    (void)gc;
    switch (b_info->type) {
    case LIBXL_DOMAIN_TYPE_PVH:
    case LIBXL_DOMAIN_TYPE_HVM:
        kb += LIBXL__HVM_EXTRA_MEMKB;
        if (libxl_defbool_val(b_info->device_model_stubdomain))
            kb += b_info->stubdomain_memkb + b_info->video_memkb;
        break;
    case LIBXL_DOMAIN_TYPE_PV:
        kb += LIBXL__PV_EXTRA_MEMKB;
        break;
    default:
        return ERROR_INVAL;
    }
    if (kb % 2048)
        kb += 2048 - kb % 2048;
    *need_memkb = kb;
    return 0;
}

/* ------------------------------------------------------------ create info */

int libxl__domain_create_info_setdefault(libxl__gc *gc,
                                         libxl_domain_create_info *c_info,
                                         const libxl_physinfo *info)
{
    if (!c_info->type) {
        LOG(CTX, ERROR, "domain type unspecified");
        return ERROR_INVAL;
    }
    /* the x86 part of the create info has no defaults */
    if (c_info->type != LIBXL_DOMAIN_TYPE_PV) {
        if (info->cap_hap) {
            libxl_defbool_setdefault(&c_info->hap, true);
        } else if (info->cap_shadow) {
            libxl_defbool_setdefault(&c_info->hap, false);
        } else {
            LOG(CTX, ERROR, "neither hap nor shadow paging available");
            return ERROR_INVAL;
        }
        libxl_defbool_setdefault(&c_info->oos, true);
    }
    libxl_defbool_setdefault(&c_info->run_hotplug_scripts, true);
    libxl_defbool_setdefault(&c_info->driver_domain, false);
    if (!c_info->ssidref)
        c_info->ssidref = SID_DOMU;
    libxl_defbool_setdefault(&c_info->xend_suspend_evtchn_compat, false);
    return 0;
}

/* ------------------------------------------------------------ build info */

/*
 * The deprecated union fields: each moves to its successor when that is
 * unset; both set is -EINVAL (libxl's generated code's value), and the
 * fields before the clash have moved already, as in libxl.
 */
static int move_defbool(libxl_defbool *to, libxl_defbool *from)
{
    if (!libxl_defbool_is_default(*to) && !libxl_defbool_is_default(*from))
        return -EINVAL;
    if (libxl_defbool_is_default(*to)) {
        *to = *from;
        libxl_defbool_unset(from);
    }
    return 0;
}

static int move_string(char **to, char **from)
{
    if (*to && *from)
        return -EINVAL;
    if (!*to) {
        *to = *from;
        *from = NULL;
    }
    return 0;
}

static int move_string_list(libxl_string_list *to, libxl_string_list *from)
{
    bool to_set = libxl_string_list_length(to) > 0;

    if (to_set && libxl_string_list_length(from) > 0)
        return -EINVAL;
    if (!to_set) {
        libxl_string_list_dispose(to);
        *to = *from;
        *from = NULL;
    }
    return 0;
}

static int move_timer_mode(libxl_timer_mode *to, libxl_timer_mode *from)
{
    if (*to != LIBXL_TIMER_MODE_DEFAULT && *from != LIBXL_TIMER_MODE_DEFAULT)
        return -EINVAL;
    if (*to == LIBXL_TIMER_MODE_DEFAULT) {
        *to = *from;
        *from = LIBXL_TIMER_MODE_DEFAULT;
    }
    return 0;
}

static int move_deprecated(libxl_domain_build_info *b)
{
    int rc = 0;

    switch (b->type) {
    case LIBXL_DOMAIN_TYPE_HVM:
        if ((rc = move_defbool(&b->apic, &b->u.hvm.apic)) ||
            (rc = move_timer_mode(&b->timer_mode, &b->u.hvm.timer_mode)) ||
            (rc = move_defbool(&b->nested_hvm, &b->u.hvm.nested_hvm)))
            return rc;
        break;
    case LIBXL_DOMAIN_TYPE_PV:
        if ((rc = move_string(&b->kernel, &b->u.pv.kernel)) ||
            (rc = move_string(&b->bootloader, &b->u.pv.bootloader)) ||
            (rc = move_string_list(&b->bootloader_args,
                                   &b->u.pv.bootloader_args)) ||
            (rc = move_string(&b->cmdline, &b->u.pv.cmdline)) ||
            (rc = move_string(&b->ramdisk, &b->u.pv.ramdisk)))
            return rc;
        break;
    default:
        break;
    }
    return 0;
}

/* *field = a malloc'ed s when unset; false when out of memory. */
static bool default_string(char **field, const char *s)
{
    if (!*field)
        *field = strdup(s);
    return *field != NULL;
}

/* The device model's version, bios and stub domain files. */
static int device_model_setdefault(libxl__gc *gc, libxl_domain_build_info *b)
{
    bool stubdom = libxl_defbool_val(b->device_model_stubdomain);

    if (stubdom && !b->device_model_ssidref)
        b->device_model_ssidref = SID_DOMDM;

    if (!b->device_model_version) {
        b->device_model_version =
            b->type == LIBXL_DOMAIN_TYPE_HVM && stubdom
            ? LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL
            : LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN;
        /* Debian's libxl never falls back to -traditional when qemu-xen's
         * binary is missing (upstream's access() check is patched out) */
    }

    if (!default_string(&b->blkdev_start, "xvda"))
        return ERROR_NOMEM;

    if (b->type == LIBXL_DOMAIN_TYPE_HVM) {
        bool traditional = b->device_model_version ==
                           LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;

        if (!traditional &&
            b->device_model_version != LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN) {
            if (!b->u.hvm.bios) {
                LOG(CTX, ERROR, "unknown device model version");
                return ERROR_INVAL;
            }
            /* libxl aborts here; refuse instead */
            LOG(CTX, ERROR, "invalid device model version %d",
                b->device_model_version);
            return ERROR_INVAL;
        }
        if (!b->u.hvm.bios)
            b->u.hvm.bios = traditional ? LIBXL_BIOS_TYPE_ROMBIOS
                                        : LIBXL_BIOS_TYPE_SEABIOS;
        if (traditional && b->u.hvm.bios != LIBXL_BIOS_TYPE_ROMBIOS) {
            LOG(CTX, ERROR, "qemu-xen-traditional requires bios=rombios.");
            return ERROR_INVAL;
        }
        if (!traditional && b->u.hvm.bios == LIBXL_BIOS_TYPE_ROMBIOS) {
            LOG(CTX, ERROR, "qemu-xen does not support bios=rombios.");
            return ERROR_INVAL;
        }
        /* ramdisk and cmdline only go with a kernel */
        if (!b->kernel && (b->ramdisk || b->cmdline)) {
            LOG(CTX, ERROR,
                "direct boot parameters specified but kernel missing");
            return ERROR_INVAL;
        }
        if (stubdom) {
            bool ok;

            if (traditional)
                ok = default_string(&b->stubdomain_kernel,
                                    LIBXL__FIRMWARE_DIR "/ioemu-stubdom.gz");
            else
                ok = default_string(&b->stubdomain_kernel,
                                    LIBXL__FIRMWARE_DIR
                                    "/qemu-stubdom-linux-kernel") &&
                     default_string(&b->stubdomain_ramdisk,
                                    LIBXL__FIRMWARE_DIR
                                    "/qemu-stubdom-linux-rootfs");
            if (!ok)
                return ERROR_NOMEM;
        }
    }
    return 0;
}

/* max_vcpus, the available vcpus and the cpumap as hard affinities. */
static int vcpus_setdefault(libxl__gc *gc, libxl_domain_build_info *b)
{
    if (!b->max_vcpus)
        b->max_vcpus = 1;
    if (!b->avail_vcpus.size) {
        if (libxl_cpu_bitmap_alloc(CTX, &b->avail_vcpus, 1)) {
            LOG(CTX, ERROR, "unable to allocate avail_vcpus bitmap");
            return ERROR_FAIL;
        }
        libxl_bitmap_set(&b->avail_vcpus, 0);
    } else if (b->avail_vcpus.size > HVM_MAX_VCPUS) {
        /* libxl compares the bitmap's bytes with the vcpu limit */
        LOG(CTX, ERROR, "avail_vcpus bitmap contains too many VCPUS");
        return ERROR_FAIL;
    }

    /*
     * Each vcpu gets the cpumap as its hard affinity. libxl allocates the
     * array from the call's gc (so after need_memory the caller's config
     * points at freed memory); here the configuration owns it.
     */
    if (b->cpumap.size && !b->num_vcpu_hard_affinity && b->max_vcpus > 0) {
        libxl_bitmap *aff = calloc(b->max_vcpus, sizeof(*aff));

        if (!aff) return ERROR_NOMEM;
        for (int i = 0; i < b->max_vcpus; i++) {
            libxl_bitmap_init(&aff[i]);
            if (libxl_cpu_bitmap_alloc(CTX, &aff[i], 0)) {
                LOG(CTX, ERROR, "failed to allocate vcpu hard affinity bitmap");
                for (int j = 0; j <= i; j++)
                    libxl_bitmap_dispose(&aff[j]);
                free(aff);
                return ERROR_FAIL;
            }
            libxl_bitmap_copy(CTX, &aff[i], &b->cpumap);
        }
        b->vcpu_hard_affinity = aff;
        b->num_vcpu_hard_affinity = b->max_vcpus;
    }
    return 0;
}

/* The video memory an HVM guest's card gets, and its minimum. */
static int video_setdefault(libxl__gc *gc, libxl_domain_build_info *b)
{
    bool traditional = b->device_model_version ==
                       LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
    bool unset = b->video_memkb == LIBXL_MEMKB_DEFAULT;

    switch (b->u.hvm.vga.kind) {
    case LIBXL_VGA_INTERFACE_TYPE_NONE:
        if (unset) b->video_memkb = 0;
        break;
    case LIBXL_VGA_INTERFACE_TYPE_QXL:
        if (traditional) {
            LOG(CTX, ERROR, "qemu upstream required for qxl vga");
            return ERROR_INVAL;
        }
        if (unset) {
            b->video_memkb = 128 * 1024;
        } else if (b->video_memkb < 128 * 1024) {
            LOG(CTX, ERROR, "128 Mib videoram is the minimum for qxl default");
            return ERROR_INVAL;
        }
        break;
    case LIBXL_VGA_INTERFACE_TYPE_STD:
        if (unset) b->video_memkb = (traditional ? 8 : 16) * 1024;
        if (traditional && b->video_memkb < 8 * 1024) {
            LOG(CTX, ERROR, "videoram must be at least 8 MB for STDVGA on "
                "QEMU_XEN_TRADITIONAL");
            return ERROR_INVAL;
        }
        if (!traditional && b->video_memkb < 16 * 1024) {
            LOG(CTX, ERROR, "videoram must be at least 16 MB for STDVGA on "
                "QEMU_XEN");
            return ERROR_INVAL;
        }
        break;
    default:        /* cirrus, and anything unknown */
        if (traditional) {
            if (unset) b->video_memkb = 4 * 1024;
            if (b->video_memkb != 4 * 1024)
                LOG(CTX, WARN, "ignoring videoram other than 4 MB for CIRRUS"
                    " on QEMU_XEN_TRADITIONAL");
        } else {
            if (unset) b->video_memkb = 8 * 1024;
            if (b->video_memkb < 8 * 1024) {
                LOG(CTX, ERROR, "videoram must be at least 8 MB for CIRRUS "
                    "on QEMU_XEN");
                return ERROR_INVAL;
            }
        }
        break;
    }
    return 0;
}

static int hvm_setdefault(libxl__gc *gc, libxl_domain_build_info *b)
{
    int rc;

    if (b->shadow_memkb == LIBXL_MEMKB_DEFAULT)
        b->shadow_memkb = 0;
    if (b->u.hvm.mmio_hole_memkb == LIBXL_MEMKB_DEFAULT)
        b->u.hvm.mmio_hole_memkb = 0;
    if (b->u.hvm.vga.kind == LIBXL_VGA_INTERFACE_TYPE_UNKNOWN)
        b->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_CIRRUS;
    if (!b->u.hvm.hdtype)
        b->u.hvm.hdtype = LIBXL_HDTYPE_IDE;
    rc = video_setdefault(gc, b);
    if (rc) return rc;

    libxl_defbool_setdefault(&b->u.hvm.pae, true);
    libxl_defbool_setdefault(&b->u.hvm.acpi, true);
    libxl_defbool_setdefault(&b->u.hvm.acpi_s3, true);
    libxl_defbool_setdefault(&b->u.hvm.acpi_s4, true);
    libxl_defbool_setdefault(&b->u.hvm.acpi_laptop_slate, false);
    libxl_defbool_setdefault(&b->u.hvm.nx, true);
    libxl_defbool_setdefault(&b->u.hvm.viridian, false);
    libxl_defbool_setdefault(&b->u.hvm.hpet, true);
    libxl_defbool_setdefault(&b->u.hvm.vpt_align, true);
    libxl_defbool_setdefault(&b->u.hvm.altp2m, false);
    libxl_defbool_setdefault(&b->u.hvm.usb, false);
    libxl_defbool_setdefault(&b->u.hvm.vkb_device, true);
    libxl_defbool_setdefault(&b->u.hvm.xen_platform_pci, true);

    libxl_defbool_setdefault(&b->u.hvm.spice.enable, false);
    if (!libxl_defbool_val(b->u.hvm.spice.enable) &&
        b->u.hvm.spice.usbredirection > 0) {
        b->u.hvm.spice.usbredirection = 0;
        LOG(CTX, WARN, "spice disabled, disabling usbredirection");
    }
    if (!b->u.hvm.usbversion && b->u.hvm.spice.usbredirection > 0)
        b->u.hvm.usbversion = 2;
    if ((b->u.hvm.usbversion || b->u.hvm.spice.usbredirection) &&
        (libxl_defbool_val(b->u.hvm.usb) || b->u.hvm.usbdevice_list ||
         b->u.hvm.usbdevice)) {
        LOG(CTX, ERROR, "usbversion and/or usbredirection cannot be enabled "
            "with usb and/or usbdevice parameters.");
        return ERROR_INVAL;
    }

    if (!default_string(&b->u.hvm.boot, "cda"))
        return ERROR_NOMEM;

    libxl_defbool_setdefault(&b->u.hvm.vnc.enable, true);
    if (libxl_defbool_val(b->u.hvm.vnc.enable)) {
        libxl_defbool_setdefault(&b->u.hvm.vnc.findunused, true);
        if (!default_string(&b->u.hvm.vnc.listen, "127.0.0.1"))
            return ERROR_NOMEM;
    }
    libxl_defbool_setdefault(&b->u.hvm.sdl.enable, false);
    if (libxl_defbool_val(b->u.hvm.sdl.enable))
        libxl_defbool_setdefault(&b->u.hvm.sdl.opengl, false);
    if (libxl_defbool_val(b->u.hvm.spice.enable)) {
        libxl_defbool_setdefault(&b->u.hvm.spice.disable_ticketing, false);
        libxl_defbool_setdefault(&b->u.hvm.spice.agent_mouse, true);
        libxl_defbool_setdefault(&b->u.hvm.spice.vdagent, false);
        libxl_defbool_setdefault(&b->u.hvm.spice.clipboard_sharing, false);
    }
    libxl_defbool_setdefault(&b->u.hvm.nographic, false);
    libxl_defbool_setdefault(&b->u.hvm.gfx_passthru, false);

    if (b->u.hvm.rdm.policy == LIBXL_RDM_RESERVE_POLICY_INVALID)
        b->u.hvm.rdm.policy = LIBXL_RDM_RESERVE_POLICY_RELAXED;
    if (b->u.hvm.rdm_mem_boundary_memkb == LIBXL_MEMKB_DEFAULT)
        b->u.hvm.rdm_mem_boundary_memkb = LIBXL_RDM_MEM_BOUNDARY_MEMKB_DEFAULT;
    return 0;
}

/* The build info's defaults; the host's physinfo is phys, or when phys is
 * NULL fetched where libxl fetches it. */
static int build_info_defaults(libxl__gc *gc, libxl_domain_build_info *b,
                               const libxl_physinfo *phys)
{
    libxl_physinfo info;
    int rc;

    if (b->type != LIBXL_DOMAIN_TYPE_HVM && b->type != LIBXL_DOMAIN_TYPE_PV &&
        b->type != LIBXL_DOMAIN_TYPE_PVH) {
        LOG(CTX, ERROR, "invalid domain type");
        return ERROR_INVAL;
    }
    rc = move_deprecated(b);
    if (rc) {
        LOG(CTX, ERROR, "Unable to copy deprecated fields");
        return rc;
    }

    libxl_defbool_setdefault(&b->device_model_stubdomain, false);
    libxl_defbool_setdefault(&b->vpmu, false);
    rc = device_model_setdefault(gc, b);
    if (rc) return rc;
    rc = vcpus_setdefault(gc, b);
    if (rc) return rc;

    libxl_defbool_setdefault(&b->numa_placement, true);

    if (b->max_memkb == LIBXL_MEMKB_DEFAULT)
        b->max_memkb = 32 * 1024;
    if (b->target_memkb == LIBXL_MEMKB_DEFAULT)
        b->target_memkb = b->max_memkb;
    if (b->stubdomain_memkb == LIBXL_MEMKB_DEFAULT) {
        if (!libxl_defbool_val(b->device_model_stubdomain))
            b->stubdomain_memkb = 0;
        else if (b->device_model_version ==
                 LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN)
            b->stubdomain_memkb = LINUX_STUBDOM_MEMKB;
        else
            b->stubdomain_memkb = MINIOS_STUBDOM_MEMKB;
    }

    libxl_defbool_setdefault(&b->claim_mode, false);
    libxl_defbool_setdefault(&b->localtime, false);
    libxl_defbool_setdefault(&b->disable_migrate, false);
    for (int i = 0; i < b->num_iomem; i++)
        if (b->iomem[i].gfn == GFN_INVALID)
            b->iomem[i].gfn = b->iomem[i].start;
    if (!b->event_channels)
        b->event_channels = 1023;

    libxl_physinfo_init(&info);
    if (phys) {
        info = *phys;           /* no dynamic member: a plain copy */
    } else {
        rc = libxl_get_physinfo(CTX, &info);
        if (rc) {
            LOG(CTX, ERROR, "failed to get hypervisor info");
            goto out;
        }
    }

    /* x86's own part */
    libxl_defbool_setdefault(&b->acpi, true);
    libxl_defbool_setdefault(&b->arch_x86.msr_relaxed, false);

    libxl_defbool_setdefault(&b->dm_restrict, false);
    if (b->iommu_memkb == LIBXL_MEMKB_DEFAULT)
        b->iommu_memkb = 0;

    switch (b->type) {
    case LIBXL_DOMAIN_TYPE_HVM:
        rc = hvm_setdefault(gc, b);
        if (rc) goto out;
        break;
    case LIBXL_DOMAIN_TYPE_PV:
        libxl_defbool_setdefault(&b->u.pv.e820_host, false);
        if (b->video_memkb == LIBXL_MEMKB_DEFAULT)
            b->video_memkb = 0;
        if (b->shadow_memkb == LIBXL_MEMKB_DEFAULT)
            b->shadow_memkb = 0;
        if (b->u.pv.slack_memkb == LIBXL_MEMKB_DEFAULT)
            b->u.pv.slack_memkb = 0;
        break;
    default:        /* PVH; its shadow_memkb stays unset, as in libxl */
        libxl_defbool_setdefault(&b->u.pvh.pvshim, false);
        if (b->video_memkb == LIBXL_MEMKB_DEFAULT)
            b->video_memkb = 0;
        if (libxl_defbool_val(b->u.pvh.pvshim) &&
            (!default_string(&b->u.pvh.pvshim_path,
                             LIBXL__FIRMWARE_DIR "/" PVSHIM_NAME) ||
             !default_string(&b->u.pvh.pvshim_cmdline, PVSHIM_COMMAND_LINE))) {
            rc = ERROR_NOMEM;
            goto out;
        }
        break;
    }

    if (b->type != LIBXL_DOMAIN_TYPE_PV) {
        if (b->timer_mode == LIBXL_TIMER_MODE_DEFAULT)
            b->timer_mode = LIBXL_TIMER_MODE_NO_DELAY_FOR_MISSED_TICKS;
        libxl_defbool_setdefault(&b->apic, true);
        libxl_defbool_setdefault(&b->nested_hvm, false);
    }

    if ((uint32_t)b->max_grant_version == LIBXL_MAX_GRANT_DEFAULT) {
        b->max_grant_version = info.cap_gnttab_v2 ? 2
                             : info.cap_gnttab_v1 ? 1 : 0;
    } else if (b->max_grant_version & ~XEN_DOMCTL_GRANT_version_mask) {
        LOG(CTX, ERROR, "max grant version %d out of range",
            (int)b->max_grant_version);
        rc = -ERROR_INVAL;      /* libxl's sign */
        goto out;
    }
    rc = 0;
out:
    libxl_physinfo_dispose(&info);
    return rc;
}

int libxl__domain_build_info_setdefault(libxl__gc *gc,
                                        libxl_domain_build_info *b_info)
{
    return build_info_defaults(gc, b_info, NULL);
}

int libxl__domain_build_info_setdefault_phys(libxl__gc *gc,
                                             libxl_domain_build_info *b_info,
                                             const libxl_physinfo *phys)
{
    return build_info_defaults(gc, b_info, phys);
}

/* ------------------------------------------------------------ the config */

/*
 * An XSM label turned into its ssidref. A hypervisor without XSM is only
 * a warning (ssidref left as it was); any other failure is the call's.
 */
static int label_to_sid(libxl__gc *gc, uint32_t domid, char *label,
                        uint32_t *ssidref, const char *what)
{
    int r;

    if (!label)
        return 0;
    r = libxl_flask_context_to_sid(CTX, label, strlen(label), ssidref);
    if (!r)
        return 0;
    if (errno == ENOSYS) {
        LOGD(CTX, WARN, domid, "XSM Disabled: %s not supported", what);
        return 0;
    }
    LOGD(CTX, ERROR, domid, "Invalid %s: %s", what, label);
    return r;
}

/* Passthrough's mode, resolved and checked (x86). */
static int passthrough_setdefault(libxl__gc *gc, uint32_t domid,
                                  libxl_domain_config *d,
                                  const libxl_physinfo *phys)
{
    libxl_domain_create_info *c = &d->c_info;
    bool need_pt = d->num_pcidevs || d->num_dtdevs;
    const char *no_share;

    if (c->passthrough == LIBXL_PASSTHROUGH_DEFAULT)
        c->passthrough = need_pt ? LIBXL_PASSTHROUGH_ENABLED
                                 : LIBXL_PASSTHROUGH_DISABLED;
    if (c->passthrough != LIBXL_PASSTHROUGH_DISABLED &&
        !phys->cap_hvm_directio) {
        LOGD(CTX, ERROR, domid, "passthrough not supported on this platform\n");
        return ERROR_INVAL;
    }
    if (c->passthrough == LIBXL_PASSTHROUGH_DISABLED && need_pt) {
        LOGD(CTX, ERROR, domid,
             "passthrough disabled but devices are specified");
        return ERROR_INVAL;
    }
    if (c->passthrough != LIBXL_PASSTHROUGH_DISABLED &&
        c->type == LIBXL_DOMAIN_TYPE_PVH) {
        LOGD(CTX, ERROR, domid,
             "passthrough not yet supported for x86 PVH guests\n");
        return ERROR_INVAL;
    }
    no_share = c->type == LIBXL_DOMAIN_TYPE_PV ? "not valid for PV domain"
             : !phys->cap_iommu_hap_pt_share ? "not supported on this platform"
             : !libxl_defbool_val(c->hap) ? "only valid for HAP guests"
             : NULL;
    if (c->passthrough == LIBXL_PASSTHROUGH_ENABLED)
        c->passthrough = no_share ? LIBXL_PASSTHROUGH_SYNC_PT
                                  : LIBXL_PASSTHROUGH_SHARE_PT;
    if (c->passthrough == LIBXL_PASSTHROUGH_SHARE_PT && no_share) {
        LOGD(CTX, ERROR, domid, "passthrough=\"share_pt\" %s\n", no_share);
        return ERROR_INVAL;
    }
    if (c->passthrough != LIBXL_PASSTHROUGH_DISABLED &&
        c->passthrough != LIBXL_PASSTHROUGH_SYNC_PT &&
        c->passthrough != LIBXL_PASSTHROUGH_SHARE_PT) {
        /* libxl asserts; a value outside the enumeration is refused */
        LOGD(CTX, ERROR, domid, "invalid passthrough mode %d",
             c->passthrough);
        return ERROR_INVAL;
    }
    return 0;
}

/*
 * A switch that is set and true. libxl asserts it is set where the create
 * info's type says it was defaulted, which a build info of another type
 * (an HVM create info with a PV build info, say) breaks: libxl aborts,
 * lightcore reads an unset switch as false.
 */
static bool is_true(libxl_defbool db)
{
    return !libxl_defbool_is_default(db) && libxl_defbool_val(db);
}

/* altp2m asked for, by the HVM field or the common one. */
static bool wants_altp2m(const libxl_domain_config *d)
{
    return (d->c_info.type == LIBXL_DOMAIN_TYPE_HVM &&
            is_true(d->b_info.u.hvm.altp2m)) ||
           (d->c_info.type != LIBXL_DOMAIN_TYPE_PV &&
            d->b_info.altp2m != LIBXL_ALTP2M_MODE_DISABLED);
}

int libxl__domain_config_setdefault(libxl__gc *gc,
                                    libxl_domain_config *d_config,
                                    uint32_t domid)
{
    libxl_domain_create_info *c = &d_config->c_info;
    libxl_domain_build_info *b = &d_config->b_info;
    libxl_physinfo phys;
    int rc;

    libxl_physinfo_init(&phys);
    rc = libxl_get_physinfo(CTX, &phys);
    if (rc) goto out;

    if ((rc = label_to_sid(gc, domid, c->ssid_label, &c->ssidref,
                           "init_seclabel")) ||
        (rc = label_to_sid(gc, domid, b->exec_ssid_label, &b->exec_ssidref,
                           "seclabel")) ||
        (rc = label_to_sid(gc, domid, b->device_model_ssid_label,
                           &b->device_model_ssidref,
                           "device_model_stubdomain_seclabel")))
        goto out;

    if (c->pool_name) {
        c->poolid = -1;
        libxl_cpupool_qualifier_to_cpupoolid(CTX, c->pool_name, &c->poolid,
                                             NULL);
    }
    if (!libxl_cpupoolid_is_valid(CTX, c->poolid)) {
        LOGD(CTX, ERROR, domid, "Illegal pool specified: %s",
             c->pool_name ? c->pool_name : "(null)");
        rc = ERROR_INVAL;
        goto out;
    }
    rc = libxl__domain_config_setdefault_phys(gc, d_config, domid, &phys);
out:
    libxl_physinfo_dispose(&phys);
    return rc;
}

int libxl__domain_config_setdefault_phys(libxl__gc *gc,
                                         libxl_domain_config *d_config,
                                         uint32_t domid,
                                         const libxl_physinfo *phys)
{
    libxl_domain_create_info *c = &d_config->c_info;
    libxl_domain_build_info *b = &d_config->b_info;
    bool pod;
    int rc;

    rc = libxl__domain_create_info_setdefault(gc, c, phys);
    if (rc) {
        LOGD(CTX, ERROR, domid, "Unable to set domain create info defaults");
        return rc;
    }

    rc = passthrough_setdefault(gc, domid, d_config, phys);
    if (rc) return rc;

    /* a non-PV guest whose target is below its maximum starts with PoD */
    pod = c->type != LIBXL_DOMAIN_TYPE_PV && b->target_memkb < b->max_memkb;
    if (c->type != LIBXL_DOMAIN_TYPE_PV &&
        c->passthrough != LIBXL_PASSTHROUGH_DISABLED && pod) {
        LOGD(CTX, ERROR, domid, "IOMMU required for device passthrough but "
             "not supported together with PoD");
        return ERROR_INVAL;
    }
    if (pod && b->num_vnuma_nodes) {
        LOGD(CTX, ERROR, domid, "Cannot enable PoD and vNUMA at the same time");
        return ERROR_INVAL;
    }
    if (c->type == LIBXL_DOMAIN_TYPE_PV && b->num_vnuma_nodes) {
        LOGD(CTX, ERROR, domid, "PV vNUMA is not yet supported");
        return ERROR_INVAL;
    }

    if (b->shadow_memkb == LIBXL_MEMKB_DEFAULT && may_default_memkb(CTX)) {
        bool hap = c->type != LIBXL_DOMAIN_TYPE_PV &&
                   libxl_defbool_val(c->hap);

        b->shadow_memkb = libxl__get_required_paging_memory(b->max_memkb,
                                                            b->max_vcpus,
                                                            c->type, hap);
    }
    if (b->iommu_memkb == LIBXL_MEMKB_DEFAULT && may_default_memkb(CTX))
        b->iommu_memkb = c->passthrough == LIBXL_PASSTHROUGH_SYNC_PT
                       ? libxl__get_required_iommu_memory(b->max_memkb) : 0;

    /* libxl asks the hypervisor for its physinfo a second time here */
    rc = build_info_defaults(gc, b, phys);
    if (rc) {
        LOGD(CTX, ERROR, domid, "Unable to set domain build info defaults");
        return rc;
    }

    if (c->type != LIBXL_DOMAIN_TYPE_PV &&
        is_true(b->nested_hvm) && wants_altp2m(d_config)) {
        LOGD(CTX, ERROR, domid,
             "nestedhvm and altp2mhvm cannot be used together");
        return ERROR_INVAL;
    }
    if (wants_altp2m(d_config) && pod) {
        LOGD(CTX, ERROR, domid, "Cannot enable PoD and ALTP2M at the same time");
        return ERROR_INVAL;
    }
    if (libxl_defbool_val(b->vpmu) && !phys->cap_vpmu) {
        LOGD(CTX, ERROR, domid, "vPMU not supported on this platform");
        return ERROR_INVAL;
    }
    return 0;
}
