/*
 * test_dropin_needmem.c: libxl_domain_need_memory (and its old forms
 * _0x041200 and _0x040700) as a drop-in for Debian's libxenlight 4.17.
 * tests/abi/dropin_needmem.c is built against Debian's headers and library
 * and against ours; on one simulated host it must print the same run as
 * Debian's, as Debian's binary on lightcore (ABI) and as ours (API): for
 * each of its ~70 configurations (PV, PVH, HVM; memory set and unset;
 * shadow; video cards and device models; stub domains; deprecated fields;
 * bad input) every form's rc and result, the configuration the current
 * form left defaulted (its JSON), and the log lines. A few of Debian's
 * figures are checked first so the comparison means something.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>

#include "dropin.h"
#include "simhost.h"
#include "testlog.h"
#include "testmain.h"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());
}

static void teardown(void)
{
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* The block of case name in out, up to the next case (static copy). */
static const char *case_block(const char *out, const char *name)
{
    static char buf[16384];
    char head[128];

    snprintf(head, sizeof(head), "== %s\n", name);
    const char *p = strstr(out, head);
    ck_assert_msg(p != NULL, "no case %s", name);
    const char *end = strstr(p + strlen(head), "\n== ");
    size_t n = end ? (size_t)(end - p) + 1 : strlen(p);
    ck_assert_uint_lt(n, sizeof(buf));
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

static void expect(const char *out, const char *name, const char *text)
{
    const char *block = case_block(out, name);
    ck_assert_msg(strstr(block, text) != NULL, "%s: no \"%s\" in\n%s", name,
                  text, block);
}

TEST(need_memory_same_on_debian_and_lightcore, 120)
{
    char *debian = dropin_run("tests/dropin-needmem-debian", NULL,
                              preload_env, false);
    char *abi = dropin_run("tests/dropin-needmem-debian", NULL, preload_env,
                           true);
    char *api = dropin_run("tests/dropin-needmem-ours", NULL, preload_env,
                           true);

    /* PV, nothing set: 32 MiB, and the paging memory libxl works out
     * before it defaults max_memkb (from the unset ~0), as libxl does */
    expect(debian, "pv", "need_memory: rc 0 need 72057594037962752\n");
    expect(debian, "pv", "\"shadow_memkb\": 72057594037927932,");
    expect(debian, "pv", "\"ssidref\": 12,");
    expect(debian, "pv", "need_memory_0x041200: rc 0 need 34816\n");
    expect(debian, "pv_shadow", "need_memory: rc 0 need 272384\n");
    expect(debian, "pv_huge", "too large for 32 bit value\n\n"
                              "need_memory_0x040700: rc -3");
    /* PVH's shadow_memkb is left unset by the old forms: the sum wraps */
    expect(debian, "pvh_min", "need_memory_0x041200: rc 0 need 34816\n");
    expect(debian, "hvm_qemu_qxl", "\"video_memkb\": 131072,");
    expect(debian, "hvm_stubdom", "\"stubdomain_memkb\": 28672,");
    expect(debian, "hvm_stubdom", "\"device_model_ssidref\": 13,");
    expect(debian, "hvm_stubdom_linux", "\"stubdomain_memkb\": 65536,");
    expect(debian, "pv_deprecated_clash", "need_memory: rc -22 need 0\n");
    expect(debian, "pv_grant_bad", "need_memory: rc 6 need 0\n");
    expect(debian, "pv_labels",
           "Domain 7:XSM Disabled: init_seclabel not supported\n");
    expect(debian, "pv_pool_name",
           "Domain 7:Illegal pool specified: nosuchpool\n");
    expect(debian, "type_unset", "domain type unspecified\n");
    expect(debian, "hvm_trad_qxl", "qemu upstream required for qxl vga\n");
    expect(debian, "pv_vpmu", "vPMU not supported on this platform\n");
    expect(debian, "hvm_vnuma_pod",
           "Cannot enable PoD and vNUMA at the same time\n");
    ck_assert_ptr_null(strstr(debian, "left b_info alone: no"));
    ck_assert_ptr_nonnull(strstr(debian, "\ndone\n"));

    dropin_assert_same(debian, abi, api);
    free(debian);
    free(abi);
    free(api);
}

/*
 * Lightcore only: the cpumap given without per-vcpu affinities becomes
 * one hard affinity per vcpu, owned by the configuration (libxl's are
 * freed when need_memory returns, so Debian's library cannot be run on
 * it); dispose frees them (the leak checker of check-asan sees it).
 */
TEST(need_memory_turns_the_cpumap_into_owned_affinities, 60)
{
    xentoollog_logger *lg = testlog_new();
    libxl_ctx *ctx = NULL;
    libxl_domain_config d;
    uint64_t kb = 0;

    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
    libxl_domain_config_init(&d);
    d.c_info.type = LIBXL_DOMAIN_TYPE_PV;
    libxl_domain_build_info_init_type(&d.b_info, LIBXL_DOMAIN_TYPE_PV);
    d.b_info.max_vcpus = 3;
    d.b_info.max_memkb = 131072;
    ck_assert_int_eq(libxl_cpu_bitmap_alloc(ctx, &d.b_info.cpumap, 0), 0);
    libxl_bitmap_set(&d.b_info.cpumap, 0);
    ck_assert_int_eq(libxl_domain_need_memory(ctx, &d, INVALID_DOMID, &kb), 0);
    ck_assert_int_eq(d.b_info.num_vcpu_hard_affinity, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert(libxl_bitmap_test(&d.b_info.vcpu_hard_affinity[i], 0));
        ck_assert_int_eq(libxl_bitmap_count_set(
                             &d.b_info.vcpu_hard_affinity[i]), 1);
    }
    /* 128 MiB, the paging memory (a MiB a vcpu and a page a MiB: 3584
     * KiB), PV's 1 MiB, rounded up to 2 MiB */
    ck_assert_uint_eq(kb, 137216);
    libxl_domain_config_dispose(&d);
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
}
