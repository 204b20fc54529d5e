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

TEST_FIXTURE(setup, teardown);

TEST(version_mismatch_is_refused, 30)
{
    libxl_ctx *ctx = (libxl_ctx *)0x1;
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION + 1, 0, lg),
                     ERROR_VERSION);
    ck_assert_ptr_eq(ctx, (libxl_ctx *)0x1); /* untouched */
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, -1, 0, lg), ERROR_VERSION);
}

TEST(free_null_is_fine, 30)
{
    ck_assert_int_eq(libxl_ctx_free(NULL), 0);
}

TEST(no_hypervisor_is_a_clear_error, 30)
{
    /* These machines have no Xen: the hypervisor interface cannot open. */
    libxl_ctx *ctx = NULL;
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), ERROR_FAIL);
    ck_assert_ptr_null(ctx);
    ck_assert_msg(testlog_contains(lg, XTL_ERROR, "cannot open the hypervisor"),
                  "log was: %s", testlog_dump(lg));
}

TEST(log_line_format, 30)
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
