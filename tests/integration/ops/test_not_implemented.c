/*
 * test_not_implemented.c: what a placeholder (ops/not_implemented.h) does
 * on a real ctx over the simulated host: one ERROR line through the ctx's
 * logger, errno ENOSYS, libxl's failure value for its return type, and
 * nothing else (no output written, no callback, no event). Also the
 * implemented functions that sit among the placeholders: the list_free
 * family and the two pure helpers (values checked against Debian's
 * libxenlight 4.17).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "libxl.h"
#include "libxl_utils.h"
#include "simhost.h"
#include "testlog.h"
#include "testmain.h"

static simhost *host;
static xentoollog_logger *lg;
static libxl_ctx *ctx;

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    lg = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* lg holds exactly one line about a placeholder: fn's, at ERROR level. */
static void assert_logged_once(const char *fn)
{
    char want[200];
    char *dump = testlog_dump(lg);
    const char *first = strstr(dump, "not implemented");

    snprintf(want, sizeof(want), "%s is not implemented yet", fn);
    ck_assert_msg(testlog_contains(lg, XTL_ERROR, want), "%s", dump);
    ck_assert_msg(first && !strstr(first + 1, "not implemented"),
                  "not exactly one line: %s", dump);
    free(dump);
    testlog_clear(lg);
}

TEST(placeholder_logs_and_fails_with_ERROR_NI, 60)
{
    testlog_clear(lg);
    errno = 0;
    ck_assert_int_eq(libxl_domain_core_dump(ctx, 1, "/nonexistent", NULL),
                     ERROR_NI);
    ck_assert_int_eq(errno, ENOSYS);

    /* libxl's format: FILE:LINE:FUNCTION: MESSAGE, the function's own name */
    char *dump = testlog_dump(lg);
    ck_assert_msg(strstr(dump, ":libxl_domain_core_dump: libxl_domain_core_dump is not"),
                  "%s", dump);
    free(dump);
    assert_logged_once("libxl_domain_core_dump");
}

static int callbacks;
static void count_callback(libxl_ctx *c, int rc, void *for_callback)
{
    (void)c; (void)rc; (void)for_callback;
    callbacks++;
}

TEST(asynchronous_placeholder_fails_at_once_with_no_completion, 60)
{
    libxl_asyncop_how how = { .callback = count_callback };
    libxl_domain_config config;
    libxl_event *ev = NULL;

    libxl_domain_config_init(&config);
    callbacks = 0;
    testlog_clear(lg);
    ck_assert_int_eq(libxl_domain_soft_reset(ctx, &config, 1, &how, NULL),
                     ERROR_NI);
    assert_logged_once("libxl_domain_soft_reset");
    ck_assert_int_eq(libxl_domain_suspend(ctx, 1, -1, 0, NULL), ERROR_NI);
    assert_logged_once("libxl_domain_suspend");
    how.callback = NULL;
    how.u.for_event = 42;
    ck_assert_int_eq(libxl_domain_core_dump(ctx, 1, "/nonexistent", &how), ERROR_NI);
    assert_logged_once("libxl_domain_core_dump");
    ck_assert_int_eq(libxl_event_check(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL),
                     ERROR_NOT_READY);
    ck_assert_int_eq(callbacks, 0);
    libxl_domain_config_dispose(&config);
}

TEST(placeholders_leave_outputs_alone, 60)
{
    libxl_domain_config config;
    uint32_t domid = 7;

    libxl_domain_config_init(&config);
    ck_assert_int_eq(libxl_domain_create_new(ctx, &config, &domid, NULL, NULL),
                     ERROR_NI);
    ck_assert_uint_eq(domid, 7);
    libxl_domain_config_dispose(&config);
}

TEST(failure_values_by_return_type, 60)
{
    testlog_clear(lg);
    /* pointers: NULL */
    int n = 0;
    ck_assert_ptr_null(libxl_device_usbctrl_list(ctx, 0, &n));
    ck_assert_ptr_null(libxl_device_vdispl_list(ctx, 0, &n));
}

TEST(list_free_disposes_every_entry, 60)
{
    libxl_device_disk *disks = calloc(3, sizeof(*disks));
    libxl_vcpuinfo *vcpus = calloc(2, sizeof(*vcpus));

    ck_assert_ptr_nonnull(disks);
    ck_assert_ptr_nonnull(vcpus);
    for (int i = 0; i < 3; i++) {
        libxl_device_disk_init(&disks[i]);
        disks[i].pdev_path = strdup("/dev/null");
        disks[i].vdev = strdup("xvda");
    }
    for (int i = 0; i < 2; i++) {
        libxl_vcpuinfo_init(&vcpus[i]);
        vcpus[i].cpumap.map = calloc(8, 1);
        ck_assert_ptr_nonnull(vcpus[i].cpumap.map);
        vcpus[i].cpumap.size = 8;
    }
    /* the leak checker (make check-asan) sees anything left behind */
    libxl_device_disk_list_free(disks, 3);
    libxl_vcpuinfo_list_free(vcpus, 2);
    /* no list: nothing to do, whatever the count */
    libxl_device_disk_list_free(NULL, 5);
    libxl_cputopology_list_free(NULL, -1);
    libxl_psr_hw_info_list_free(NULL, 3);
}

TEST(pure_helpers_give_libxl_values, 60)
{
    /* domain ids: guests are 1 .. DOMID_FIRST_RESERVED - 1 (0x7fef) */
    ck_assert_int_eq(libxl_domid_valid_guest(0), 0);
    ck_assert_int_ne(libxl_domid_valid_guest(1), 0);
    ck_assert_int_ne(libxl_domid_valid_guest(0x7fef), 0);
    ck_assert_int_eq(libxl_domid_valid_guest(0x7ff0), 0);
    ck_assert_int_eq(libxl_domid_valid_guest(0x7ff1), 0);
    ck_assert_int_eq(libxl_domid_valid_guest(0xffffffffu), 0);
    /* shadow memory: 1 MiB per vcpu, 8 KiB per MiB of guest memory */
    ck_assert_uint_eq(libxl_get_required_shadow_memory(0, 0), 0);
    ck_assert_uint_eq(libxl_get_required_shadow_memory(1023, 1), 1024);
    ck_assert_uint_eq(libxl_get_required_shadow_memory(1024, 1), 1032);
    ck_assert_uint_eq(libxl_get_required_shadow_memory(1048576, 2), 10240);
    ck_assert_uint_eq(libxl_get_required_shadow_memory(123456789, 128),
                      4 * (256 * 128 + 2 * (123456789 / 1024)));
}
