/*
 * test_domain_defaults.c: the defaults ops/domain_defaults.c gives a
 * domain configuration, one libxl 4.17 rule per test with the value libxl
 * gives, on a bare ctx (no hypervisor: the host's physinfo is given to the
 * _phys forms). What needs a host (labels, pools, physinfo from the
 * hypervisor) and the comparison with Debian's library are in
 * tests/integration/ops/test_dropin_needmem.c.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libxl_utils.h"

#include "ctx.h"
#include "ops/domain_defaults.h"
#include "testlog.h"
#include "testmain.h"

#define MEMKB_UNSET LIBXL_MEMKB_DEFAULT
#define FW "/usr/lib/xen-4.17/boot/"

static xentoollog_logger *lg;
static libxl_ctx *ctx;
static libxl_physinfo phys;        /* the simulated host's capabilities */
static libxl_domain_config d;

static void setup(void)
{
    lg = testlog_new();
    ck_assert_ptr_nonnull(lg);
    ck_assert_int_eq(libxl__ctx_alloc_bare(&ctx, lg), 0);
    libxl_physinfo_init(&phys);
    phys.cap_hvm = phys.cap_pv = phys.cap_hap = true;
    phys.cap_gnttab_v1 = phys.cap_gnttab_v2 = true;
    libxl_domain_config_init(&d);
}

static void teardown(void)
{
    libxl_domain_config_dispose(&d);
    libxl_physinfo_dispose(&phys);
    libxl_ctx_free(ctx);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

/* A new configuration of type t (the one before is disposed). */
static void type(libxl_domain_type t)
{
    libxl_domain_config_dispose(&d);
    libxl_domain_config_init(&d);
    d.c_info.type = t;
    libxl_domain_build_info_init_type(&d.b_info, t);
}

static int config_defaults(void)
{
    GC_INIT(ctx);
    return libxl__domain_config_setdefault_phys(gc, &d, 5, &phys);
}

static int build_defaults(void)
{
    GC_INIT(ctx);
    return libxl__domain_build_info_setdefault_phys(gc, &d.b_info, &phys);
}

static int create_defaults(void)
{
    GC_INIT(ctx);
    return libxl__domain_create_info_setdefault(gc, &d.c_info, &phys);
}

static uint64_t need(void)
{
    GC_INIT(ctx);
    uint64_t kb = 0;
    ck_assert_int_eq(libxl__domain_need_memory_calculate(gc, &d.b_info, &kb),
                     0);
    return kb;
}

/* (on the dump: testlog_contains counts lines, and some of libxl's
 * messages end with a newline of their own) */
static void logged(const char *text)
{
    char *all = testlog_dump(lg);
    ck_assert_msg(all && strstr(all, text), "not logged: %s\n%s", text, all);
    free(all);
}

/* ------------------------------------------------------------ sizes */

TEST(paging_memory_is_a_mib_per_vcpu_and_pages_per_mib, 30)
{
    /* PV: 1 MiB a vcpu and one page per MiB (no HAP) */
    ck_assert_uint_eq(libxl__get_required_paging_memory(
                          262144, 2, LIBXL_DOMAIN_TYPE_PV, false),
                      4 * (512 + 256));
    /* HVM with HAP: the p2m's page per MiB */
    ck_assert_uint_eq(libxl__get_required_paging_memory(
                          1048576, 1, LIBXL_DOMAIN_TYPE_HVM, true),
                      4 * (256 + 1024));
    /* HVM with shadow paging: two pages per MiB */
    ck_assert_uint_eq(libxl__get_required_paging_memory(
                          1048576, 1, LIBXL_DOMAIN_TYPE_HVM, false),
                      4 * (256 + 2048));
    /* the public shadow helper always counts two pages per MiB */
    ck_assert_uint_eq(libxl_get_required_shadow_memory(1048576, 1),
                      4 * (256 + 2048));
}

TEST(iommu_memory_is_four_levels_of_tables, 30)
{
    /* 1 GiB: 262144 pages -> 512 + 1 + 1 + 1 table pages */
    ck_assert_uint_eq(libxl__get_required_iommu_memory(1048576), 515 * 4);
    ck_assert_uint_eq(libxl__get_required_iommu_memory(0), 0);
    ck_assert_uint_eq(libxl__get_required_iommu_memory(4), 4 * 4);
}

TEST(need_memory_sums_and_rounds_to_2_mib, 30)
{
    type(LIBXL_DOMAIN_TYPE_PV);
    libxl_defbool_set(&d.b_info.device_model_stubdomain, false);
    d.b_info.target_memkb = 65536;
    d.b_info.shadow_memkb = 100;
    d.b_info.iommu_memkb = 0;
    d.b_info.video_memkb = 8192;
    d.b_info.stubdomain_memkb = 28672;
    /* 65536 + 100 + 1024 (PV) = 66660, up to 67584 */
    ck_assert_uint_eq(need(), 67584);

    type(LIBXL_DOMAIN_TYPE_HVM);
    libxl_defbool_set(&d.b_info.device_model_stubdomain, false);
    d.b_info.target_memkb = 65536;
    d.b_info.shadow_memkb = 2048;
    d.b_info.iommu_memkb = 2048;
    d.b_info.video_memkb = 8192;
    d.b_info.stubdomain_memkb = 28672;
    /* without a stub domain neither its memory nor the video counts */
    ck_assert_uint_eq(need(), 65536 + 4096 + 2048);
    libxl_defbool_set(&d.b_info.device_model_stubdomain, true);
    ck_assert_uint_eq(need(), 65536 + 4096 + 2048 + 28672 + 8192);

    /* an unset shadow size wraps the sum, as libxl's does */
    type(LIBXL_DOMAIN_TYPE_PVH);
    libxl_defbool_set(&d.b_info.device_model_stubdomain, false);
    d.b_info.target_memkb = 32768;
    d.b_info.iommu_memkb = 0;
    ck_assert_uint_eq(need(), 32768 + 2048);

    GC_INIT(ctx);
    uint64_t kb = 7;
    d.b_info.type = LIBXL_DOMAIN_TYPE_INVALID;
    ck_assert_int_eq(libxl__domain_need_memory_calculate(gc, &d.b_info, &kb),
                     ERROR_INVAL);
    ck_assert_uint_eq(kb, 7);
}

/* ------------------------------------------------------------ create info */

TEST(create_info_defaults, 30)
{
    type(LIBXL_DOMAIN_TYPE_HVM);
    ck_assert_int_eq(create_defaults(), 0);
    ck_assert(libxl_defbool_val(d.c_info.hap));
    ck_assert(libxl_defbool_val(d.c_info.oos));
    ck_assert(libxl_defbool_val(d.c_info.run_hotplug_scripts));
    ck_assert(!libxl_defbool_val(d.c_info.driver_domain));
    ck_assert(!libxl_defbool_val(d.c_info.xend_suspend_evtchn_compat));
    ck_assert_uint_eq(d.c_info.ssidref, 12);        /* domU's label */

    /* PV: no paging mode to choose; a given ssidref stays */
    type(LIBXL_DOMAIN_TYPE_PV);
    d.c_info.ssidref = 77;
    ck_assert_int_eq(create_defaults(), 0);
    ck_assert(libxl_defbool_is_default(d.c_info.hap));
    ck_assert(libxl_defbool_is_default(d.c_info.oos));
    ck_assert_uint_eq(d.c_info.ssidref, 77);
}

TEST(create_info_hap_follows_the_host, 30)
{
    type(LIBXL_DOMAIN_TYPE_PVH);
    phys.cap_hap = false;
    phys.cap_shadow = true;
    ck_assert_int_eq(create_defaults(), 0);
    ck_assert(!libxl_defbool_val(d.c_info.hap));

    libxl_defbool_unset(&d.c_info.hap);
    phys.cap_shadow = false;
    ck_assert_int_eq(create_defaults(), ERROR_INVAL);
    logged("neither hap nor shadow paging available");

    /* an explicit choice is kept whatever the host */
    phys.cap_hap = true;
    libxl_defbool_set(&d.c_info.hap, false);
    ck_assert_int_eq(create_defaults(), 0);
    ck_assert(!libxl_defbool_val(d.c_info.hap));
}

TEST(create_info_needs_a_type, 30)
{
    d.c_info.type = 0;
    ck_assert_int_eq(create_defaults(), ERROR_INVAL);
    logged("domain type unspecified");
    ck_assert_int_eq(config_defaults(), ERROR_INVAL);
    logged("Domain 5:Unable to set domain create info defaults");
}

/* ------------------------------------------------------------ build info */

TEST(build_info_pv_defaults, 30)
{
    type(LIBXL_DOMAIN_TYPE_PV);
    ck_assert_int_eq(build_defaults(), 0);
    libxl_domain_build_info *b = &d.b_info;
    ck_assert(!libxl_defbool_val(b->device_model_stubdomain));
    ck_assert(!libxl_defbool_val(b->vpmu));
    ck_assert_int_eq(b->device_model_version,
                     LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN);
    ck_assert_uint_eq(b->device_model_ssidref, 0);
    ck_assert_str_eq(b->blkdev_start, "xvda");
    ck_assert_int_eq(b->max_vcpus, 1);
    ck_assert_int_eq(b->avail_vcpus.size, 1);
    ck_assert(libxl_bitmap_test(&b->avail_vcpus, 0));
    ck_assert(libxl_defbool_val(b->numa_placement));
    ck_assert_uint_eq(b->max_memkb, 32768);
    ck_assert_uint_eq(b->target_memkb, 32768);
    ck_assert_uint_eq(b->stubdomain_memkb, 0);
    ck_assert(!libxl_defbool_val(b->claim_mode));
    ck_assert(!libxl_defbool_val(b->localtime));
    ck_assert(!libxl_defbool_val(b->disable_migrate));
    ck_assert_uint_eq(b->event_channels, 1023);
    ck_assert(libxl_defbool_val(b->acpi));
    ck_assert(!libxl_defbool_val(b->arch_x86.msr_relaxed));
    ck_assert(!libxl_defbool_val(b->dm_restrict));
    ck_assert_uint_eq(b->iommu_memkb, 0);
    ck_assert(!libxl_defbool_val(b->u.pv.e820_host));
    ck_assert_uint_eq(b->video_memkb, 0);
    ck_assert_uint_eq(b->shadow_memkb, 0);
    ck_assert_uint_eq(b->u.pv.slack_memkb, 0);
    ck_assert_int_eq(b->max_grant_version, 2);
    /* PV has no timer mode, apic or nested HVM */
    ck_assert_int_eq(b->timer_mode, LIBXL_TIMER_MODE_DEFAULT);
    ck_assert(libxl_defbool_is_default(b->apic));
    ck_assert(libxl_defbool_is_default(b->nested_hvm));
}

TEST(build_info_keeps_what_is_given, 30)
{
    type(LIBXL_DOMAIN_TYPE_PV);
    libxl_domain_build_info *b = &d.b_info;
    b->max_memkb = 262144;
    b->target_memkb = 131072;
    b->max_vcpus = 3;
    b->event_channels = 55;
    b->blkdev_start = strdup("xvdb");
    b->shadow_memkb = 4096;
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_uint_eq(b->max_memkb, 262144);
    ck_assert_uint_eq(b->target_memkb, 131072);
    ck_assert_int_eq(b->max_vcpus, 3);
    ck_assert_uint_eq(b->event_channels, 55);
    ck_assert_str_eq(b->blkdev_start, "xvdb");
    ck_assert_uint_eq(b->shadow_memkb, 4096);
    /* the available vcpus are vcpu 0 only, whatever max_vcpus */
    ck_assert(libxl_bitmap_test(&b->avail_vcpus, 0));
    ck_assert(!libxl_bitmap_test(&b->avail_vcpus, 1));
}

TEST(build_info_refuses_an_unknown_type, 30)
{
    type(LIBXL_DOMAIN_TYPE_PV);
    d.b_info.type = 9;
    ck_assert_int_eq(build_defaults(), ERROR_INVAL);
    logged("invalid domain type");
    d.b_info.type = LIBXL_DOMAIN_TYPE_PV;   /* so dispose knows the union */
}

TEST(build_info_moves_deprecated_pv_fields, 30)
{
    type(LIBXL_DOMAIN_TYPE_PV);
    libxl_domain_build_info *b = &d.b_info;
    b->u.pv.kernel = strdup("/k");
    b->u.pv.ramdisk = strdup("/r");
    b->u.pv.cmdline = strdup("c");
    b->u.pv.bootloader = strdup("pygrub");
    char *args[] = {"-q", NULL};
    libxl_string_list given = args;
    libxl_string_list_copy(ctx, &b->u.pv.bootloader_args, &given);
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_str_eq(b->kernel, "/k");
    ck_assert_str_eq(b->ramdisk, "/r");
    ck_assert_str_eq(b->cmdline, "c");
    ck_assert_str_eq(b->bootloader, "pygrub");
    ck_assert_int_eq(libxl_string_list_length(&b->bootloader_args), 1);
    ck_assert_str_eq(b->bootloader_args[0], "-q");
    ck_assert_ptr_null(b->u.pv.kernel);
    ck_assert_ptr_null(b->u.pv.ramdisk);
    ck_assert_ptr_null(b->u.pv.cmdline);
    ck_assert_ptr_null(b->u.pv.bootloader);
    ck_assert_ptr_null(b->u.pv.bootloader_args);
}

TEST(build_info_refuses_deprecated_and_new_both_set, 30)
{
    type(LIBXL_DOMAIN_TYPE_PV);
    libxl_domain_build_info *b = &d.b_info;
    b->u.pv.kernel = strdup("/old");
    b->kernel = strdup("/new");
    ck_assert_int_eq(build_defaults(), -EINVAL);
    logged("Unable to copy deprecated fields");
    ck_assert_str_eq(b->kernel, "/new");
    ck_assert_str_eq(b->u.pv.kernel, "/old");
}

TEST(build_info_moves_deprecated_hvm_fields, 30)
{
    type(LIBXL_DOMAIN_TYPE_HVM);
    libxl_domain_build_info *b = &d.b_info;
    b->u.hvm.timer_mode = LIBXL_TIMER_MODE_ONE_MISSED_TICK_PENDING;
    libxl_defbool_set(&b->u.hvm.apic, false);
    libxl_defbool_set(&b->u.hvm.nested_hvm, true);
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_int_eq(b->timer_mode, LIBXL_TIMER_MODE_ONE_MISSED_TICK_PENDING);
    ck_assert(!libxl_defbool_val(b->apic));
    ck_assert(libxl_defbool_val(b->nested_hvm));
    ck_assert_int_eq(b->u.hvm.timer_mode, LIBXL_TIMER_MODE_DEFAULT);
    ck_assert(libxl_defbool_is_default(b->u.hvm.apic));
    ck_assert(libxl_defbool_is_default(b->u.hvm.nested_hvm));

    type(LIBXL_DOMAIN_TYPE_HVM);
    libxl_defbool_set(&d.b_info.apic, true);
    libxl_defbool_set(&d.b_info.u.hvm.apic, true);
    ck_assert_int_eq(build_defaults(), -EINVAL);
}

TEST(build_info_hvm_defaults, 30)
{
    type(LIBXL_DOMAIN_TYPE_HVM);
    ck_assert_int_eq(build_defaults(), 0);
    libxl_domain_build_info *b = &d.b_info;
    ck_assert_int_eq(b->device_model_version,
                     LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN);
    ck_assert_int_eq(b->u.hvm.bios, LIBXL_BIOS_TYPE_SEABIOS);
    ck_assert_uint_eq(b->shadow_memkb, 0);
    ck_assert_uint_eq(b->u.hvm.mmio_hole_memkb, 0);
    ck_assert_int_eq(b->u.hvm.vga.kind, LIBXL_VGA_INTERFACE_TYPE_CIRRUS);
    ck_assert_int_eq(b->u.hvm.hdtype, LIBXL_HDTYPE_IDE);
    ck_assert_uint_eq(b->video_memkb, 8192);
    ck_assert(libxl_defbool_val(b->u.hvm.pae));
    ck_assert(libxl_defbool_val(b->u.hvm.acpi));
    ck_assert(libxl_defbool_val(b->u.hvm.acpi_s3));
    ck_assert(libxl_defbool_val(b->u.hvm.acpi_s4));
    ck_assert(!libxl_defbool_val(b->u.hvm.acpi_laptop_slate));
    ck_assert(libxl_defbool_val(b->u.hvm.nx));
    ck_assert(!libxl_defbool_val(b->u.hvm.viridian));
    ck_assert(libxl_defbool_val(b->u.hvm.hpet));
    ck_assert(libxl_defbool_val(b->u.hvm.vpt_align));
    ck_assert(!libxl_defbool_val(b->u.hvm.altp2m));
    ck_assert(!libxl_defbool_val(b->u.hvm.usb));
    ck_assert(libxl_defbool_val(b->u.hvm.vkb_device));
    ck_assert(libxl_defbool_val(b->u.hvm.xen_platform_pci));
    ck_assert(!libxl_defbool_val(b->u.hvm.spice.enable));
    ck_assert_str_eq(b->u.hvm.boot, "cda");
    ck_assert(libxl_defbool_val(b->u.hvm.vnc.enable));
    ck_assert(libxl_defbool_val(b->u.hvm.vnc.findunused));
    ck_assert_str_eq(b->u.hvm.vnc.listen, "127.0.0.1");
    ck_assert(!libxl_defbool_val(b->u.hvm.sdl.enable));
    ck_assert(libxl_defbool_is_default(b->u.hvm.sdl.opengl));
    ck_assert(!libxl_defbool_val(b->u.hvm.nographic));
    ck_assert(!libxl_defbool_val(b->u.hvm.gfx_passthru));
    ck_assert_int_eq(b->u.hvm.rdm.policy, LIBXL_RDM_RESERVE_POLICY_RELAXED);
    ck_assert_uint_eq(b->u.hvm.rdm_mem_boundary_memkb, 2048 * 1024);
    ck_assert_int_eq(b->timer_mode,
                     LIBXL_TIMER_MODE_NO_DELAY_FOR_MISSED_TICKS);
    ck_assert(libxl_defbool_val(b->apic));
    ck_assert(!libxl_defbool_val(b->nested_hvm));
    ck_assert_uint_eq(b->stubdomain_memkb, 0);
}

TEST(build_info_hvm_video_memory_by_card_and_device_model, 30)
{
    static const struct {
        libxl_device_model_version dm;
        libxl_vga_interface_type vga;
        uint64_t given, expect;
        int rc;
    } cases[] = {
#define TRAD LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL
#define QEMU LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN
        {QEMU, LIBXL_VGA_INTERFACE_TYPE_CIRRUS, MEMKB_UNSET, 8192, 0},
        {QEMU, LIBXL_VGA_INTERFACE_TYPE_CIRRUS, 4096, 4096, ERROR_INVAL},
        {QEMU, LIBXL_VGA_INTERFACE_TYPE_STD, MEMKB_UNSET, 16384, 0},
        {QEMU, LIBXL_VGA_INTERFACE_TYPE_STD, 8192, 8192, ERROR_INVAL},
        {QEMU, LIBXL_VGA_INTERFACE_TYPE_QXL, MEMKB_UNSET, 131072, 0},
        {QEMU, LIBXL_VGA_INTERFACE_TYPE_QXL, 65536, 65536, ERROR_INVAL},
        {QEMU, LIBXL_VGA_INTERFACE_TYPE_NONE, MEMKB_UNSET, 0, 0},
        {QEMU, LIBXL_VGA_INTERFACE_TYPE_NONE, 1234, 1234, 0},
        {TRAD, LIBXL_VGA_INTERFACE_TYPE_CIRRUS, MEMKB_UNSET, 4096, 0},
        {TRAD, LIBXL_VGA_INTERFACE_TYPE_CIRRUS, 9000, 9000, 0},  /* a warning */
        {TRAD, LIBXL_VGA_INTERFACE_TYPE_STD, MEMKB_UNSET, 8192, 0},
        {TRAD, LIBXL_VGA_INTERFACE_TYPE_STD, 4096, 4096, ERROR_INVAL},
        {TRAD, LIBXL_VGA_INTERFACE_TYPE_QXL, MEMKB_UNSET, MEMKB_UNSET,
         ERROR_INVAL},
        {TRAD, LIBXL_VGA_INTERFACE_TYPE_NONE, MEMKB_UNSET, 0, 0},
#undef TRAD
#undef QEMU
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        libxl_domain_config_dispose(&d);
        libxl_domain_config_init(&d);
        type(LIBXL_DOMAIN_TYPE_HVM);
        d.b_info.device_model_version = cases[i].dm;
        d.b_info.u.hvm.vga.kind = cases[i].vga;
        d.b_info.video_memkb = cases[i].given;
        ck_assert_msg(build_defaults() == cases[i].rc, "case %zu", i);
        ck_assert_msg(d.b_info.video_memkb == cases[i].expect, "case %zu", i);
    }
    logged("ignoring videoram other than 4 MB for CIRRUS on "
           "QEMU_XEN_TRADITIONAL");
    logged("qemu upstream required for qxl vga");
    logged("128 Mib videoram is the minimum for qxl default");
    logged("videoram must be at least 16 MB for STDVGA on QEMU_XEN");
    logged("videoram must be at least 8 MB for STDVGA on QEMU_XEN_TRADITIONAL");
    logged("videoram must be at least 8 MB for CIRRUS on QEMU_XEN");
}

TEST(build_info_hvm_bios_goes_with_the_device_model, 30)
{
    type(LIBXL_DOMAIN_TYPE_HVM);
    d.b_info.device_model_version =
        LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_int_eq(d.b_info.u.hvm.bios, LIBXL_BIOS_TYPE_ROMBIOS);

    d.b_info.u.hvm.bios = LIBXL_BIOS_TYPE_OVMF;
    ck_assert_int_eq(build_defaults(), ERROR_INVAL);
    logged("qemu-xen-traditional requires bios=rombios.");

    d.b_info.device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN;
    d.b_info.video_memkb = MEMKB_UNSET;   /* -traditional's 4 MiB is short */
    d.b_info.u.hvm.bios = LIBXL_BIOS_TYPE_ROMBIOS;
    ck_assert_int_eq(build_defaults(), ERROR_INVAL);
    logged("qemu-xen does not support bios=rombios.");

    d.b_info.u.hvm.bios = LIBXL_BIOS_TYPE_OVMF;
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_int_eq(d.b_info.u.hvm.bios, LIBXL_BIOS_TYPE_OVMF);

    /* a version outside the enumeration: refused, never an abort */
    d.b_info.device_model_version = 9;
    ck_assert_int_eq(build_defaults(), ERROR_INVAL);
}

TEST(build_info_hvm_direct_boot_needs_a_kernel, 30)
{
    type(LIBXL_DOMAIN_TYPE_HVM);
    d.b_info.cmdline = strdup("console=ttyS0");
    ck_assert_int_eq(build_defaults(), ERROR_INVAL);
    logged("direct boot parameters specified but kernel missing");
    d.b_info.kernel = strdup("/boot/vmlinuz");
    ck_assert_int_eq(build_defaults(), 0);
}

TEST(build_info_stub_domains, 30)
{
    /* HVM: qemu-xen-traditional in a MiniOS stub domain */
    type(LIBXL_DOMAIN_TYPE_HVM);
    libxl_defbool_set(&d.b_info.device_model_stubdomain, true);
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_int_eq(d.b_info.device_model_version,
                     LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL);
    ck_assert_uint_eq(d.b_info.device_model_ssidref, 13);  /* domDM's */
    ck_assert_str_eq(d.b_info.stubdomain_kernel, FW "ioemu-stubdom.gz");
    ck_assert_ptr_null(d.b_info.stubdomain_ramdisk);
    ck_assert_uint_eq(d.b_info.stubdomain_memkb, 28 * 1024);

    /* qemu-xen asked for: a Linux stub domain */
    type(LIBXL_DOMAIN_TYPE_HVM);
    libxl_defbool_set(&d.b_info.device_model_stubdomain, true);
    d.b_info.device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN;
    d.b_info.device_model_ssidref = 99;
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_uint_eq(d.b_info.device_model_ssidref, 99);
    ck_assert_str_eq(d.b_info.stubdomain_kernel,
                     FW "qemu-stubdom-linux-kernel");
    ck_assert_str_eq(d.b_info.stubdomain_ramdisk,
                     FW "qemu-stubdom-linux-rootfs");
    ck_assert_uint_eq(d.b_info.stubdomain_memkb, 128 * 1024);

    /* PV with a stub domain: no image, but a Linux stub domain's memory */
    type(LIBXL_DOMAIN_TYPE_PV);
    libxl_defbool_set(&d.b_info.device_model_stubdomain, true);
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_ptr_null(d.b_info.stubdomain_kernel);
    ck_assert_uint_eq(d.b_info.stubdomain_memkb, 128 * 1024);
}

TEST(build_info_pvh_defaults_and_shim, 30)
{
    type(LIBXL_DOMAIN_TYPE_PVH);
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert(!libxl_defbool_val(d.b_info.u.pvh.pvshim));
    ck_assert_ptr_null(d.b_info.u.pvh.pvshim_path);
    ck_assert_uint_eq(d.b_info.video_memkb, 0);
    ck_assert_uint_eq(d.b_info.shadow_memkb, MEMKB_UNSET);   /* as libxl */
    ck_assert_int_eq(d.b_info.timer_mode,
                     LIBXL_TIMER_MODE_NO_DELAY_FOR_MISSED_TICKS);
    ck_assert(libxl_defbool_val(d.b_info.apic));

    type(LIBXL_DOMAIN_TYPE_PVH);
    libxl_defbool_set(&d.b_info.u.pvh.pvshim, true);
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_str_eq(d.b_info.u.pvh.pvshim_path, FW "xen-shim");
    ck_assert_str_eq(d.b_info.u.pvh.pvshim_cmdline, "pv-shim console=xen,pv");
}

TEST(build_info_vcpus_and_affinity, 30)
{
    type(LIBXL_DOMAIN_TYPE_PV);
    libxl_bitmap_alloc(ctx, &d.b_info.avail_vcpus, 1032);
    ck_assert_int_eq(build_defaults(), ERROR_FAIL);   /* 129 bytes > 128 */
    logged("avail_vcpus bitmap contains too many VCPUS");

    type(LIBXL_DOMAIN_TYPE_PV);
    libxl_bitmap_alloc(ctx, &d.b_info.avail_vcpus, 1024);
    ck_assert_int_eq(build_defaults(), 0);
}

TEST(build_info_iomem_gfn_defaults_to_its_start, 30)
{
    type(LIBXL_DOMAIN_TYPE_PV);
    d.b_info.iomem = calloc(2, sizeof(*d.b_info.iomem));
    d.b_info.num_iomem = 2;
    for (int i = 0; i < 2; i++)
        libxl_iomem_range_init(&d.b_info.iomem[i]);
    d.b_info.iomem[0].start = 0xfe000;
    d.b_info.iomem[1].start = 0xfd000;
    d.b_info.iomem[1].gfn = 0x42;
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_uint_eq(d.b_info.iomem[0].gfn, 0xfe000);
    ck_assert_uint_eq(d.b_info.iomem[1].gfn, 0x42);
}

TEST(build_info_spice_and_usb, 30)
{
    type(LIBXL_DOMAIN_TYPE_HVM);
    d.b_info.u.hvm.spice.usbredirection = 3;
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_int_eq(d.b_info.u.hvm.spice.usbredirection, 0);
    ck_assert_int_eq(d.b_info.u.hvm.usbversion, 0);
    logged("spice disabled, disabling usbredirection");

    type(LIBXL_DOMAIN_TYPE_HVM);
    libxl_defbool_set(&d.b_info.u.hvm.spice.enable, true);
    d.b_info.u.hvm.spice.usbredirection = 3;
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_int_eq(d.b_info.u.hvm.usbversion, 2);
    ck_assert(!libxl_defbool_val(d.b_info.u.hvm.spice.disable_ticketing));
    ck_assert(libxl_defbool_val(d.b_info.u.hvm.spice.agent_mouse));
    ck_assert(!libxl_defbool_val(d.b_info.u.hvm.spice.vdagent));
    ck_assert(!libxl_defbool_val(d.b_info.u.hvm.spice.clipboard_sharing));

    type(LIBXL_DOMAIN_TYPE_HVM);
    d.b_info.u.hvm.usbversion = 2;
    d.b_info.u.hvm.usbdevice = strdup("tablet");
    ck_assert_int_eq(build_defaults(), ERROR_INVAL);
    logged("usbversion and/or usbredirection cannot be enabled with usb "
           "and/or usbdevice parameters.");
}

TEST(build_info_vnc_off_and_sdl_on, 30)
{
    type(LIBXL_DOMAIN_TYPE_HVM);
    libxl_defbool_set(&d.b_info.u.hvm.vnc.enable, false);
    libxl_defbool_set(&d.b_info.u.hvm.sdl.enable, true);
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert(libxl_defbool_is_default(d.b_info.u.hvm.vnc.findunused));
    ck_assert_ptr_null(d.b_info.u.hvm.vnc.listen);
    ck_assert(!libxl_defbool_val(d.b_info.u.hvm.sdl.opengl));
}

TEST(build_info_grant_version_follows_the_host, 30)
{
    type(LIBXL_DOMAIN_TYPE_PV);
    phys.cap_gnttab_v2 = false;
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_int_eq(d.b_info.max_grant_version, 1);

    d.b_info.max_grant_version = LIBXL_MAX_GRANT_DEFAULT;
    phys.cap_gnttab_v1 = false;
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_int_eq(d.b_info.max_grant_version, 0);

    d.b_info.max_grant_version = 0x10;
    ck_assert_int_eq(build_defaults(), -ERROR_INVAL);   /* libxl's sign */
    logged("max grant version 16 out of range");
}

/* ------------------------------------------------------------ the config */

TEST(config_shadow_memory_from_max_memory_and_vcpus, 30)
{
    type(LIBXL_DOMAIN_TYPE_HVM);
    d.b_info.max_memkb = 1048576;
    d.b_info.max_vcpus = 2;
    ck_assert_int_eq(config_defaults(), 0);
    ck_assert_uint_eq(d.b_info.shadow_memkb, 4 * (512 + 1024));
    ck_assert_uint_eq(d.b_info.iommu_memkb, 0);
    ck_assert_int_eq(d.c_info.passthrough, LIBXL_PASSTHROUGH_DISABLED);

    /* worked out before max_memkb and max_vcpus have their defaults */
    type(LIBXL_DOMAIN_TYPE_PV);
    ck_assert_int_eq(config_defaults(), 0);
    ck_assert_uint_eq(d.b_info.shadow_memkb, 4 * (MEMKB_UNSET / 1024));
}

TEST(config_old_need_memory_callers_keep_zero_shadow, 30)
{
    libxl__domain_defaults_note_need_memory(ctx, true);
    type(LIBXL_DOMAIN_TYPE_HVM);
    d.b_info.max_memkb = 1048576;
    ck_assert_int_eq(config_defaults(), 0);
    ck_assert_uint_eq(d.b_info.shadow_memkb, 0);
    ck_assert_uint_eq(d.b_info.iommu_memkb, 0);

    /* an application calling both forms counts as a new one */
    libxl__domain_defaults_note_need_memory(ctx, false);
    type(LIBXL_DOMAIN_TYPE_HVM);
    d.b_info.max_memkb = 1048576;
    ck_assert_int_eq(config_defaults(), 0);
    /* (max_vcpus is still 0 then) */
    ck_assert_uint_eq(d.b_info.shadow_memkb, 4 * 1024);
}

static void add_pci(void)
{
    d.pcidevs = calloc(1, sizeof(*d.pcidevs));
    libxl_device_pci_init(&d.pcidevs[0]);
    d.num_pcidevs = 1;
}

TEST(config_passthrough_modes, 30)
{
    /* devices on a host without an IOMMU */
    type(LIBXL_DOMAIN_TYPE_PV);
    add_pci();
    ck_assert_int_eq(config_defaults(), ERROR_INVAL);
    logged("Domain 5:passthrough not supported on this platform");

    /* PV: page tables cannot be shared, so sync_pt, with its IOMMU memory */
    phys.cap_hvm_directio = true;
    type(LIBXL_DOMAIN_TYPE_PV);
    add_pci();
    d.b_info.max_memkb = 1048576;
    ck_assert_int_eq(config_defaults(), 0);
    ck_assert_int_eq(d.c_info.passthrough, LIBXL_PASSTHROUGH_SYNC_PT);
    ck_assert_uint_eq(d.b_info.iommu_memkb, 515 * 4);

    /* HVM with HAP on a host that shares them: share_pt, no IOMMU memory */
    phys.cap_iommu_hap_pt_share = true;
    type(LIBXL_DOMAIN_TYPE_HVM);
    add_pci();
    ck_assert_int_eq(config_defaults(), 0);
    ck_assert_int_eq(d.c_info.passthrough, LIBXL_PASSTHROUGH_SHARE_PT);
    ck_assert_uint_eq(d.b_info.iommu_memkb, 0);

    /* HVM without HAP: sync_pt; share_pt asked for is refused */
    type(LIBXL_DOMAIN_TYPE_HVM);
    libxl_defbool_set(&d.c_info.hap, false);
    d.c_info.passthrough = LIBXL_PASSTHROUGH_SHARE_PT;
    ck_assert_int_eq(config_defaults(), ERROR_INVAL);
    logged("passthrough=\"share_pt\" only valid for HAP guests");

    /* PVH: none yet */
    type(LIBXL_DOMAIN_TYPE_PVH);
    d.c_info.passthrough = LIBXL_PASSTHROUGH_ENABLED;
    ck_assert_int_eq(config_defaults(), ERROR_INVAL);
    logged("passthrough not yet supported for x86 PVH guests");

    /* disabled, with devices */
    type(LIBXL_DOMAIN_TYPE_PV);
    d.c_info.passthrough = LIBXL_PASSTHROUGH_DISABLED;
    add_pci();
    ck_assert_int_eq(config_defaults(), ERROR_INVAL);
    logged("passthrough disabled but devices are specified");

    /* HVM passthrough with PoD */
    type(LIBXL_DOMAIN_TYPE_HVM);
    add_pci();
    d.b_info.max_memkb = 262144;
    d.b_info.target_memkb = 131072;
    ck_assert_int_eq(config_defaults(), ERROR_INVAL);
    logged("IOMMU required for device passthrough but not supported "
           "together with PoD");
}

TEST(config_vnuma_pod_altp2m_nested_and_vpmu, 30)
{
    type(LIBXL_DOMAIN_TYPE_PV);
    d.b_info.vnuma_nodes = calloc(1, sizeof(*d.b_info.vnuma_nodes));
    libxl_vnode_info_init(&d.b_info.vnuma_nodes[0]);
    d.b_info.num_vnuma_nodes = 1;
    ck_assert_int_eq(config_defaults(), ERROR_INVAL);
    logged("PV vNUMA is not yet supported");

    type(LIBXL_DOMAIN_TYPE_HVM);
    libxl_defbool_set(&d.b_info.u.hvm.altp2m, true);
    d.b_info.max_memkb = 262144;
    d.b_info.target_memkb = 131072;
    ck_assert_int_eq(config_defaults(), ERROR_INVAL);
    logged("Cannot enable PoD and ALTP2M at the same time");

    type(LIBXL_DOMAIN_TYPE_PVH);
    d.b_info.altp2m = LIBXL_ALTP2M_MODE_LIMITED;
    libxl_defbool_set(&d.b_info.nested_hvm, true);
    ck_assert_int_eq(config_defaults(), ERROR_INVAL);
    logged("nestedhvm and altp2mhvm cannot be used together");

    /* a vPMU where the host has one */
    type(LIBXL_DOMAIN_TYPE_PV);
    libxl_defbool_set(&d.b_info.vpmu, true);
    ck_assert_int_eq(config_defaults(), ERROR_INVAL);
    logged("vPMU not supported on this platform");
    phys.cap_vpmu = true;
    ck_assert_int_eq(config_defaults(), 0);
}

TEST(config_of_mismatched_types_never_aborts, 30)
{
    /* libxl aborts on this one (nested_hvm is never defaulted for PV) */
    type(LIBXL_DOMAIN_TYPE_PV);
    d.c_info.type = LIBXL_DOMAIN_TYPE_HVM;
    ck_assert_int_eq(config_defaults(), 0);
    d.c_info.type = LIBXL_DOMAIN_TYPE_PVH;
    ck_assert_int_eq(config_defaults(), 0);
}

TEST(config_cpumap_becomes_owned_hard_affinities, 30)
{
    /* a bare ctx cannot count the host's cpus: a given affinity is kept */
    type(LIBXL_DOMAIN_TYPE_PV);
    d.b_info.max_vcpus = 2;
    libxl_bitmap_alloc(ctx, &d.b_info.cpumap, 8);
    libxl_bitmap_set(&d.b_info.cpumap, 3);
    d.b_info.vcpu_hard_affinity = calloc(1, sizeof(libxl_bitmap));
    libxl_bitmap_init(&d.b_info.vcpu_hard_affinity[0]);
    d.b_info.num_vcpu_hard_affinity = 1;
    ck_assert_int_eq(build_defaults(), 0);
    ck_assert_int_eq(d.b_info.num_vcpu_hard_affinity, 1);
}
