/*
 * test_ctx.c: libxl_ctx_alloc / libxl_ctx_free without a Xen host, and the
 * log line format. (The success path runs against the simulated host in
 * tests/integration/ops/test_ctx_host.c.)
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "ctx.h"
#include "ops/ops.h"
#include "subop/xswait.h"
#include "testlog.h"
#include "testmain.h"

static xentoollog_logger *lg;

static void setup(void)
{
    lg = testlog_new();
    ck_assert_ptr_nonnull(lg);
    /* Nothing here may reach a real xenstored or hypervisor. */
    setenv("XENSTORED_PATH", "/nonexistent/lightcore-test/socket", 1);
}

static void teardown(void)
{
    xtl_logger_destroy(lg);
}

START_TEST(version_mismatch_is_refused)
{
    libxl_ctx *ctx = (libxl_ctx *)0x1;
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION + 1, 0, lg),
                     ERROR_VERSION);
    ck_assert_ptr_eq(ctx, (libxl_ctx *)0x1); /* untouched */
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, -1, 0, lg), ERROR_VERSION);
}
END_TEST

START_TEST(free_null_is_fine)
{
    ck_assert_int_eq(libxl_ctx_free(NULL), 0);
}
END_TEST

START_TEST(no_hypervisor_is_a_clear_error)
{
    /* These machines have no Xen: the hypervisor interface cannot open. */
    libxl_ctx *ctx = NULL;
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), ERROR_FAIL);
    ck_assert_ptr_null(ctx);
    ck_assert_msg(testlog_contains(lg, XTL_ERROR, "cannot open the hypervisor"),
                  "log was: %s", testlog_dump(lg));
}
END_TEST

START_TEST(log_line_format)
{
    struct libxl__ctx fake;
    memset(&fake, 0, sizeof(fake));
    fake.lg = lg;

    errno = 1234;
    LOG(&fake, ERROR, "plain %d", 7);
    ck_assert_int_eq(errno, 1234); /* preserved */
    LOGD(&fake, WARN, 42, "about a domain");
    errno = ENOENT;
    LOGE(&fake, ERROR, "with errno");

    char *all = testlog_dump(lg);
    ck_assert_msg(strstr(all, "libxl: test_ctx.c:") != NULL, "%s", all);
    ck_assert_msg(strstr(all, ":log_line_format_fn: plain 7\n") != NULL, "%s", all);
    ck_assert_msg(strstr(all, ":log_line_format_fn: Domain 42:about a domain\n")
                  != NULL, "%s", all);
    ck_assert_msg(strstr(all, "with errno: No such file or directory") != NULL,
                  "%s", all);
    free(all);

    /* A ctx without a logger, or no ctx, logs nothing and does not crash. */
    fake.lg = NULL;
    LOG(&fake, ERROR, "dropped");
    LOG(NULL, ERROR, "dropped");
}
END_TEST

static Suite *ctx_suite(void)
{
    Suite *s = suite_create("ctx");
    TCase *tc = tcase_create("ctx");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, version_mismatch_is_refused);
    tcase_add_test(tc, free_null_is_fine);
    tcase_add_test(tc, no_hypervisor_is_a_clear_error);
    tcase_add_test(tc, log_line_format);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(ctx_suite());
}
