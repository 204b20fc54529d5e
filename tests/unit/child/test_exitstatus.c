/*
 * test_exitstatus.c: libxl_report_child_exitstatus (src/child/exitstatus.c):
 * what it logs, at the caller's level, for exits, signals (with and
 * without a core), and statuses that are neither; a NULL ctx (which libxl
 * dereferences) logs nothing. (The same texts as Debian's library:
 * test_dropin_utils.)
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxl_utils.h>
#include "ctx.h"
#include "testlog.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;

static void setup(void)
{
    lg = testlog_new();
    ck_assert_ptr_nonnull(lg);
    ck_assert_int_eq(libxl__ctx_alloc_bare(&ctx, lg), 0);
}

static void teardown(void)
{
    libxl_ctx_free(ctx);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

/* The status of a real child that did what `how` says. */
static int real_status(int how)
{
    pid_t pid = fork();
    int status;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (how >= 0)
            _exit(how);
        signal(-how, SIG_DFL);
        raise(-how);
        _exit(99);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

static void expect(int status, xentoollog_level level, const char *text)
{
    testlog_clear(lg);
    libxl_report_child_exitstatus(ctx, level, "worker", 4321, status);
    ck_assert_msg(testlog_contains(lg, level, text), "%#x: want \"%s\" in\n%s",
                  status, text, testlog_dump(lg));
    ck_assert(!testlog_contains(lg, level + 1, "worker"));
}

TEST(exit_statuses_described, 30)
{
    expect(real_status(0), XTL_WARN,
           "worker [4321] unexpectedly exited status zero");
    expect(real_status(3), XTL_ERROR,
           "worker [4321] exited with error status 3");
    expect(real_status(-SIGTERM), XTL_NOTICE,
           "worker [4321] died due to fatal signal Terminated");
    expect(SIGSEGV | 0x80, XTL_ERROR,
           "worker [4321] died due to fatal signal Segmentation fault "
           "(core dumped)");
    expect(0x137f, XTL_ERROR, "worker [4321] gave unknown wait status 0x137f");
    expect(0xffff, XTL_ERROR, "worker [4321] gave unknown wait status 0xffff");

    testlog_clear(lg);
    libxl_report_child_exitstatus(ctx, XTL_ERROR, NULL, 1, 1 << 8);
    ck_assert(testlog_contains(lg, XTL_ERROR, "(null) [1] exited"));
    libxl_report_child_exitstatus(NULL, XTL_ERROR, "x", 1, 0);
}
