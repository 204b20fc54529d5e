/*
 * dropin_needmem.c: the drop-in probe of libxl_domain_need_memory and its
 * two old forms (_0x041200, _0x040700), and through it of the defaults
 * libxl gives a domain configuration. Built against Debian's headers and
 * library (dropin-needmem-debian) and against lightcore's
 * (dropin-needmem-ours); tests/integration/ops/test_dropin_needmem.c runs
 * it on a simulated host on both libraries and compares what it prints.
 *
 * For each configuration of its table it prints the current form's rc,
 * its result and the configuration as the call left it (the current form
 * defaults the caller's configuration in place, so its JSON shows every
 * default libxl chose, or those it had chosen before an error), then each
 * old form's rc and result on the original build info, and the log lines
 * (INFO and above) each call caused.
 *
 * Left out on purpose, where libxl itself fails: a cpumap without
 * vcpu_hard_affinity, for which libxl's defaults leave the caller's
 * configuration pointing at memory freed when the call returns
 * (lightcore's configuration owns it); a create info of a non-PV type
 * with a PV build info, on which libxl aborts (an assertion on nested_hvm,
 * never defaulted for PV; lightcore reads it as false).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    if (level < XTL_INFO) return;   /* debug lines differ by design */
    probe_log_print(level, errnoval, context, msg);
}

static libxl_ctx *ctx;

typedef void setup_fn(libxl_domain_config *d);

static void pv(libxl_domain_config *d)
{
    d->c_info.type = LIBXL_DOMAIN_TYPE_PV;
    libxl_domain_build_info_init_type(&d->b_info, LIBXL_DOMAIN_TYPE_PV);
}

static void pvh(libxl_domain_config *d)
{
    d->c_info.type = LIBXL_DOMAIN_TYPE_PVH;
    libxl_domain_build_info_init_type(&d->b_info, LIBXL_DOMAIN_TYPE_PVH);
}

static void hvm(libxl_domain_config *d)
{
    d->c_info.type = LIBXL_DOMAIN_TYPE_HVM;
    libxl_domain_build_info_init_type(&d->b_info, LIBXL_DOMAIN_TYPE_HVM);
}

/* An HVM guest whose device model is a binary that exists: qemu-xen. */
static void hvm_qemu(libxl_domain_config *d)
{
    hvm(d);
    d->b_info.device_model = strdup("/bin/true");
}

/* An HVM guest with qemu-xen-traditional asked for. */
static void hvm_trad(libxl_domain_config *d)
{
    hvm(d);
    d->b_info.device_model_version =
        LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
}

#define B (&d->b_info)

static void pv_mem(libxl_domain_config *d)
{ pv(d); B->max_memkb = 524288; B->target_memkb = 262144; }
static void pv_target_only(libxl_domain_config *d)
{ pv(d); B->target_memkb = 65536; }
static void pv_target_above_max(libxl_domain_config *d)
{ pv(d); B->max_memkb = 262144; B->target_memkb = 524288; }
static void pv_shadow(libxl_domain_config *d)
{ pv(d); B->max_memkb = 262144; B->shadow_memkb = 8192; }
static void pv_vcpus(libxl_domain_config *d)
{ pv(d); B->max_memkb = 1048576; B->max_vcpus = 4; }
static void pv_odd_sizes(libxl_domain_config *d)
{ pv(d); B->max_memkb = 100001; B->target_memkb = 99999; B->video_memkb = 3;
  B->u.pv.slack_memkb = 7; }
static void pv_zero(libxl_domain_config *d)
{ pv(d); B->max_memkb = 0; B->target_memkb = 0; B->shadow_memkb = 0; }
static void pv_huge(libxl_domain_config *d)
{ pv(d); B->max_memkb = 5ULL << 30; }
static void pv_stubdom(libxl_domain_config *d)
{ pv(d); libxl_defbool_set(&B->device_model_stubdomain, true); }
static void pv_deprecated(libxl_domain_config *d)
{
    pv(d);
    B->u.pv.kernel = strdup("/boot/vmlinuz");
    B->u.pv.cmdline = strdup("root=/dev/xvda1");
    B->u.pv.bootloader = strdup("pygrub");
    libxl_string_list_copy(ctx, &B->u.pv.bootloader_args,
                           &(libxl_string_list){(char *[]){"-q", NULL}});
}
static void pv_deprecated_clash(libxl_domain_config *d)
{
    pv(d);
    B->u.pv.ramdisk = strdup("/boot/initrd");
    B->kernel = strdup("/boot/new");
    B->u.pv.kernel = strdup("/boot/old");
}
static void pv_grant_bad(libxl_domain_config *d)
{ pv(d); B->max_grant_version = 16; }
static void pv_grant_1(libxl_domain_config *d)
{ pv(d); B->max_grant_version = 1; B->event_channels = 77; }
static void pv_vpmu(libxl_domain_config *d)
{ pv(d); libxl_defbool_set(&B->vpmu, true); }
static void pv_passthrough(libxl_domain_config *d)
{ pv(d); d->c_info.passthrough = LIBXL_PASSTHROUGH_ENABLED; }
static void pv_pool_name(libxl_domain_config *d)
{ pv(d); d->c_info.pool_name = strdup("nosuchpool"); }
static void pv_pool_0(libxl_domain_config *d)
{ pv(d); d->c_info.pool_name = strdup("Pool-0"); d->c_info.poolid = 9; }
static void pv_poolid_bad(libxl_domain_config *d)
{ pv(d); d->c_info.poolid = 5; }
static void pv_labels(libxl_domain_config *d)
{
    pv(d);
    d->c_info.ssid_label = strdup("system_u:system_r:domU_t");
    B->exec_ssid_label = strdup("system_u:system_r:domU_t");
    B->device_model_ssid_label = strdup("system_u:system_r:dm_dom_t");
}
static void pv_vnuma(libxl_domain_config *d)
{
    pv(d);
    B->vnuma_nodes = calloc(1, sizeof(*B->vnuma_nodes));
    libxl_vnode_info_init(&B->vnuma_nodes[0]);
    B->num_vnuma_nodes = 1;
}
static void pv_iomem(libxl_domain_config *d)
{
    pv(d);
    B->iomem = calloc(2, sizeof(*B->iomem));
    libxl_iomem_range_init(&B->iomem[0]);
    libxl_iomem_range_init(&B->iomem[1]);
    B->iomem[0].start = 0xfe000; B->iomem[0].number = 4;
    B->iomem[1].start = 0xfd000; B->iomem[1].number = 1;
    B->iomem[1].gfn = 0x1000;
    B->num_iomem = 2;
}
static void pv_avail_too_many(libxl_domain_config *d)
{ pv(d); libxl_bitmap_alloc(ctx, &B->avail_vcpus, 2048); }
static void pv_avail_set(libxl_domain_config *d)
{
    pv(d);
    B->max_vcpus = 3;
    libxl_bitmap_alloc(ctx, &B->avail_vcpus, 3);
    libxl_bitmap_set(&B->avail_vcpus, 1);
}
static void type_unset(libxl_domain_config *d)
{ pv(d); d->c_info.type = 0; }
static void type_unknown(libxl_domain_config *d)
{ pv(d); d->c_info.type = 7; d->b_info.type = 7; }
static void type_b_invalid(libxl_domain_config *d)
{ pv(d); d->b_info.type = LIBXL_DOMAIN_TYPE_INVALID; }

static void pvh_min(libxl_domain_config *d) { pvh(d); }
static void pvh_mem(libxl_domain_config *d)
{ pvh(d); B->max_memkb = 1048576; B->max_vcpus = 2; }
static void pvh_pod(libxl_domain_config *d)
{ pvh(d); B->max_memkb = 1048576; B->target_memkb = 524288; }
static void pvh_shadow(libxl_domain_config *d)
{ pvh(d); B->max_memkb = 262144; B->shadow_memkb = 4096; }
static void pvh_shim(libxl_domain_config *d)
{ pvh(d); libxl_defbool_set(&B->u.pvh.pvshim, true); }
static void pvh_stubdom(libxl_domain_config *d)
{ pvh(d); libxl_defbool_set(&B->device_model_stubdomain, true);
  B->device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN; }
static void pvh_passthrough(libxl_domain_config *d)
{ pvh(d); d->c_info.passthrough = LIBXL_PASSTHROUGH_DISABLED;
  B->max_memkb = 131072; }
static void pvh_altp2m_pod(libxl_domain_config *d)
{ pvh(d); B->altp2m = LIBXL_ALTP2M_MODE_EXTERNAL; B->max_memkb = 262144;
  B->target_memkb = 131072; }
static void pvh_nested_altp2m(libxl_domain_config *d)
{ pvh(d); B->altp2m = LIBXL_ALTP2M_MODE_MIXED;
  libxl_defbool_set(&B->nested_hvm, true); }

static void hvm_min(libxl_domain_config *d) { hvm(d); }
static void hvm_trad_min(libxl_domain_config *d) { hvm_trad(d); }
static void hvm_mem(libxl_domain_config *d)
{ hvm(d); B->max_memkb = 2097152; B->max_vcpus = 2; }
static void hvm_pod(libxl_domain_config *d)
{ hvm(d); B->max_memkb = 2097152; B->target_memkb = 1048576; }
static void hvm_qemu_min(libxl_domain_config *d) { hvm_qemu(d); }
static void hvm_qemu_std(libxl_domain_config *d)
{ hvm_qemu(d); B->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_STD; }
static void hvm_qemu_std_small(libxl_domain_config *d)
{ hvm_qemu(d); B->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_STD;
  B->video_memkb = 8192; }
static void hvm_qemu_qxl(libxl_domain_config *d)
{ hvm_qemu(d); B->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_QXL; }
static void hvm_qemu_qxl_small(libxl_domain_config *d)
{ hvm_qemu(d); B->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_QXL;
  B->video_memkb = 65536; }
static void hvm_qemu_cirrus_small(libxl_domain_config *d)
{ hvm_qemu(d); B->video_memkb = 4096; }
static void hvm_qemu_none(libxl_domain_config *d)
{ hvm_qemu(d); B->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_NONE; }
static void hvm_trad_std(libxl_domain_config *d)
{ hvm_trad(d); B->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_STD; }
static void hvm_trad_std_small(libxl_domain_config *d)
{ hvm_trad(d); B->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_STD;
  B->video_memkb = 4096; }
static void hvm_trad_qxl(libxl_domain_config *d)
{ hvm_trad(d); B->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_QXL; }
static void hvm_trad_cirrus_odd(libxl_domain_config *d)
{ hvm_trad(d); B->video_memkb = 16384; }
static void hvm_stubdom(libxl_domain_config *d)
{ hvm(d); libxl_defbool_set(&B->device_model_stubdomain, true);
  B->max_memkb = 262144; }
static void hvm_stubdom_linux(libxl_domain_config *d)
{ hvm(d); libxl_defbool_set(&B->device_model_stubdomain, true);
  B->device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN;
  B->u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_STD; B->stubdomain_memkb = 65536; }
static void hvm_qemu_rombios(libxl_domain_config *d)
{ hvm_qemu(d); B->u.hvm.bios = LIBXL_BIOS_TYPE_ROMBIOS; }
static void hvm_trad_seabios(libxl_domain_config *d)
{ hvm(d); B->device_model_version =
  LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN_TRADITIONAL;
  B->u.hvm.bios = LIBXL_BIOS_TYPE_SEABIOS; }
static void hvm_qemu_ovmf(libxl_domain_config *d)
{ hvm(d); B->device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN;
  B->u.hvm.bios = LIBXL_BIOS_TYPE_OVMF; }
static void hvm_direct_boot_bad(libxl_domain_config *d)
{ hvm(d); B->ramdisk = strdup("/boot/initrd"); }
static void hvm_direct_boot(libxl_domain_config *d)
{ hvm(d); B->kernel = strdup("/boot/vmlinuz"); B->cmdline = strdup("x"); }
static void hvm_deprecated(libxl_domain_config *d)
{ hvm(d); B->u.hvm.timer_mode = LIBXL_TIMER_MODE_DELAY_FOR_MISSED_TICKS;
  libxl_defbool_set(&B->u.hvm.apic, false);
  libxl_defbool_set(&B->u.hvm.nested_hvm, true); }
static void hvm_deprecated_clash(libxl_domain_config *d)
{ hvm(d); libxl_defbool_set(&B->apic, true);
  libxl_defbool_set(&B->u.hvm.apic, false); }
static void hvm_spice(libxl_domain_config *d)
{ hvm(d); B->u.hvm.spice.usbredirection = 2; }
static void hvm_spice_on(libxl_domain_config *d)
{ hvm(d); libxl_defbool_set(&B->u.hvm.spice.enable, true);
  B->u.hvm.spice.usbredirection = 2;
  libxl_defbool_set(&B->u.hvm.vnc.enable, false);
  libxl_defbool_set(&B->u.hvm.sdl.enable, true); }
static void hvm_usb_clash(libxl_domain_config *d)
{ hvm(d); B->u.hvm.usbversion = 2; libxl_defbool_set(&B->u.hvm.usb, true); }
static void hvm_nested_altp2m(libxl_domain_config *d)
{ hvm(d); libxl_defbool_set(&B->nested_hvm, true);
  libxl_defbool_set(&B->u.hvm.altp2m, true); }
static void hvm_altp2m_pod(libxl_domain_config *d)
{ hvm(d); libxl_defbool_set(&B->u.hvm.altp2m, true);
  B->max_memkb = 262144; B->target_memkb = 131072; }
static void hvm_vnuma_pod(libxl_domain_config *d)
{ hvm_pod(d); B->vnuma_nodes = calloc(1, sizeof(*B->vnuma_nodes));
  libxl_vnode_info_init(&B->vnuma_nodes[0]); B->num_vnuma_nodes = 1; }
static void hvm_share_pt(libxl_domain_config *d)
{ hvm(d); d->c_info.passthrough = LIBXL_PASSTHROUGH_SHARE_PT; }
static void hvm_no_hap(libxl_domain_config *d)
{ hvm(d); libxl_defbool_set(&d->c_info.hap, false);
  B->max_memkb = 524288; B->max_vcpus = 2; }

static const struct { const char *name; setup_fn *setup; } cases[] = {
#define C(f) { #f, f }
    C(pv), C(pv_mem), C(pv_target_only), C(pv_target_above_max),
    C(pv_shadow), C(pv_vcpus), C(pv_odd_sizes), C(pv_zero), C(pv_huge),
    C(pv_stubdom), C(pv_deprecated), C(pv_deprecated_clash),
    C(pv_grant_bad), C(pv_grant_1), C(pv_vpmu), C(pv_passthrough),
    C(pv_pool_name), C(pv_pool_0), C(pv_poolid_bad), C(pv_labels),
    C(pv_vnuma), C(pv_iomem), C(pv_avail_too_many), C(pv_avail_set),
    C(type_unset), C(type_unknown), C(type_b_invalid),
    C(pvh_min), C(pvh_mem), C(pvh_pod), C(pvh_shadow), C(pvh_shim),
    C(pvh_stubdom), C(pvh_passthrough), C(pvh_altp2m_pod),
    C(pvh_nested_altp2m),
    C(hvm_min), C(hvm_mem), C(hvm_pod), C(hvm_qemu_min), C(hvm_qemu_std),
    C(hvm_qemu_std_small), C(hvm_qemu_qxl), C(hvm_qemu_qxl_small),
    C(hvm_qemu_cirrus_small), C(hvm_qemu_none), C(hvm_trad_min), C(hvm_trad_std),
    C(hvm_trad_std_small), C(hvm_trad_qxl), C(hvm_trad_cirrus_odd),
    C(hvm_stubdom), C(hvm_stubdom_linux), C(hvm_qemu_rombios),
    C(hvm_trad_seabios), C(hvm_qemu_ovmf), C(hvm_direct_boot_bad),
    C(hvm_direct_boot), C(hvm_deprecated), C(hvm_deprecated_clash),
    C(hvm_spice), C(hvm_spice_on), C(hvm_usb_clash), C(hvm_nested_altp2m),
    C(hvm_altp2m_pod), C(hvm_vnuma_pod), C(hvm_share_pt), C(hvm_no_hap),
#undef C
};

static void run_case(const char *name, setup_fn *setup)
{
    libxl_domain_config d, orig;
    uint64_t kb = 0;
    uint32_t kb32 = 0;
    int rc;

    libxl_domain_config_init(&d);
    setup(&d);
    libxl_domain_config_init(&orig);
    libxl_domain_config_copy(ctx, &orig, &d);

    printf("== %s\n", name);
    rc = libxl_domain_need_memory(ctx, &d, 7, &kb);
    printf("need_memory: rc %d need %llu\n", rc, (unsigned long long)kb);
    char *json = libxl_domain_config_to_json(ctx, &d);
    printf("config after: %s\n", json ? json : "(null)");
    free(json);

    kb = 0;
    rc = libxl_domain_need_memory_0x041200(ctx, &orig.b_info, &kb);
    printf("need_memory_0x041200: rc %d need %llu\n", rc,
           (unsigned long long)kb);
    rc = libxl_domain_need_memory_0x040700(ctx, &orig.b_info, &kb32);
    printf("need_memory_0x040700: rc %d need %u\n", rc, kb32);
    /* the old forms default a copy: the build info is as it was */
    char *a = libxl_domain_build_info_to_json(ctx, &orig.b_info);
    libxl_domain_config orig2;
    libxl_domain_config_init(&orig2);
    setup(&orig2);
    char *b = libxl_domain_build_info_to_json(ctx, &orig2.b_info);
    printf("old forms left b_info alone: %s\n",
           a && b && !strcmp(a, b) ? "yes" : "no");
    free(a);
    free(b);
    libxl_domain_config_dispose(&orig2);
    libxl_domain_config_dispose(&orig);
    libxl_domain_config_dispose(&d);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) {
        printf("ctx_alloc failed\n");
        return 1;
    }
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (argc < 2 || !strcmp(argv[1], cases[i].name))
            run_case(cases[i].name, cases[i].setup);
    libxl_ctx_free(ctx);
    printf("done\n");
    return 0;
}
