/*
 * test_qmp_qemu.c: libxl__qmp (subop/qmp.h) against a real QEMU, Debian's
 * qemu-system-x86_64 with no machine (`-M none -nodefaults -display none
 * -qmp unix:SOCKET,server=on,wait=off`, installed by scripts/install-deps),
 * started by each test; the client connects while QEMU is still starting
 * (the connect retries). Cases: the handshake and QEMU's version,
 * query-version and query-status; an unknown command and bad arguments
 * (their error classes), after which the connection still serves; many
 * commands on one connection and one connection after another; fds passed
 * with add-fd and getfd; the STOP / RESUME events skipped; an abort while
 * QEMU sits on the command (it is stopped with SIGSTOP) and QEMU killed
 * at that point. No socket is left open afterwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "subop/qmp_testutil.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;
static char dir[64], path[128];
static pid_t qemu = -1;
static int sockets_before;

static void qemu_start(void)
{
    char qmp[200];

    snprintf(qmp, sizeof(qmp), "unix:%s,server=on,wait=off", path);
    qemu = fork();
    ck_assert_int_ge(qemu, 0);
    if (qemu == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", "none",
               "-nodefaults", "-no-user-config", "-display", "none",
               "-qmp", qmp, (char *)NULL);
        fprintf(stderr, "cannot run qemu-system-x86_64: %s\n",
                strerror(errno));
        _exit(127);
    }
}

static void setup(void)
{
    lg = testlog_new();
    ctx = t_ctx(lg);
    strcpy(dir, "/tmp/lc-qmpq.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/qmp.sock", dir);
    sockets_before = qc_count_sockets();
    qc_init(path);
    QC.connect_timeout_ms = 30000;    /* QEMU starting on a busy machine */
    qemu_start();
}

static void teardown(void)
{
    if (qemu > 0) {
        kill(qemu, SIGKILL);
        waitpid(qemu, NULL, 0);
    }
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
    unlink(path);
    rmdir(dir);
}

TEST_FIXTURE(setup, teardown);

static void no_sockets_left(void)
{
    ck_assert_int_eq(qc_count_sockets(), sockets_before);
}

static void response_has(int i, const char *what)
{
    ck_assert_ptr_nonnull(QC.response[i]);
    ck_assert_msg(strstr(QC.response[i], what) != NULL,
                  "response %d is %s, without %s", i, QC.response[i], what);
}

TEST(qemu_handshake_version_and_status, 60)
{
    char version[128];

    qc_add("query-version", NULL, -1);
    qc_add("query-status", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 40000), 0);
    ck_assert_int_eq(QC.calls, 2);
    ck_assert_int_ge(QC.qmp.qemu_major, 7);
    ck_assert_int_ge(QC.qmp.qemu_minor, 0);
    ck_assert_int_ge(QC.qmp.qemu_micro, 0);
    /* the greeting's version is query-version's */
    snprintf(version, sizeof(version), "{\"micro\":%d,\"minor\":%d,"
             "\"major\":%d}", QC.qmp.qemu_micro, QC.qmp.qemu_minor,
             QC.qmp.qemu_major);
    response_has(0, version);
    response_has(1, "\"status\":\"running\"");
    response_has(1, "\"running\":true");
    ck_assert_uint_ge(QC.attempts_in_cb[0], 1);
    ck_assert_uint_eq(QC.attempts_in_cb[1], 0);     /* still connected */
    no_sockets_left();
}

TEST(qemu_errors_are_classified_and_the_connection_serves_on, 60)
{
    qc_add("no-such-command", NULL, -1);
    qc_add("query-status", "{\"no-such-argument\":1}", -1);
    qc_add("device_del", "{\"id\":\"no-such-device\"}", -1);
    qc_add("query-status", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 40000), 0);
    ck_assert_int_eq(QC.calls, 4);
    ck_assert_int_eq(QC.rc[0], ERROR_QMP_COMMAND_NOT_FOUND);
    response_has(0, "\"class\":\"CommandNotFound\"");
    ck_assert_int_eq(QC.rc[1], ERROR_QMP_GENERIC_ERROR);
    response_has(1, "no-such-argument");
    ck_assert_int_eq(QC.rc[2], ERROR_QMP_DEVICE_NOT_FOUND);
    response_has(2, "no-such-device");
    ck_assert_int_eq(QC.rc[3], 0);
    response_has(3, "\"status\":\"running\"");
    ck_assert(testlog_contains(lg, XTL_ERROR, "no-such-command"));
    no_sockets_left();
}

TEST(qemu_many_commands_and_many_connections, 120)
{
    for (int i = 0; i < QC_MAX; i++)
        qc_add(i % 2 ? "query-status" : "query-version", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 60000), 0);
    ck_assert_int_eq(QC.calls, QC_MAX);
    for (int i = 0; i < QC_MAX; i++) {
        ck_assert_int_eq(QC.rc[i], 0);
        response_has(i, i % 2 ? "\"status\"" : "\"qemu\"");
    }

    /* QEMU takes the next client once the last one has gone */
    for (int n = 0; n < 10; n++) {
        qc_init(path);
        qc_add("query-status", NULL, -1);
        ck_assert_int_eq(qc_run_all(ctx, 40000), 0);
        response_has(0, "\"running\":true");
        ck_assert_uint_eq(QC.qmp.connect_attempts, 1);
    }
    no_sockets_left();
}

TEST(qemu_takes_fds_with_add_fd_and_getfd, 60)
{
    int p[2];

    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    qc_add("add-fd", "{\"opaque\":\"lightcore-test\"}", p[0]);
    qc_add("query-fdsets", NULL, -1);
    qc_add("getfd", "{\"fdname\":\"lcfd\"}", p[1]);
    qc_add("closefd", "{\"fdname\":\"lcfd\"}", -1);
    qc_add("closefd", "{\"fdname\":\"lcfd\"}", -1);
    qc_add("getfd", "{\"fdname\":\"nofd\"}", -1);
    /* the operation's rc is the last command's */
    ck_assert_int_eq(qc_run_all(ctx, 40000), ERROR_QMP_GENERIC_ERROR);
    ck_assert_int_eq(QC.calls, 6);
    ck_assert_int_eq(QC.rc[0], 0);
    response_has(0, "\"fdset-id\":");
    ck_assert_int_eq(QC.rc[1], 0);
    response_has(1, "\"opaque\":\"lightcore-test\"");
    ck_assert_int_eq(QC.rc[2], 0);
    ck_assert_int_eq(QC.rc[3], 0);
    ck_assert_int_eq(QC.rc[4], ERROR_QMP_GENERIC_ERROR);  /* closed */
    ck_assert_int_eq(QC.rc[5], ERROR_QMP_GENERIC_ERROR);
    response_has(5, "SCM_RIGHTS");
    close(p[0]);
    close(p[1]);
    no_sockets_left();
}

TEST(qemu_events_are_skipped, 60)
{
    qc_add("stop", NULL, -1);
    qc_add("query-status", NULL, -1);
    qc_add("cont", NULL, -1);
    qc_add("query-status", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 40000), 0);
    ck_assert_int_eq(QC.calls, 4);
    response_has(1, "\"status\":\"paused\"");
    response_has(3, "\"status\":\"running\"");
    ck_assert(testlog_contains(lg, XTL_DEBUG, "event STOP skipped"));
    ck_assert(testlog_contains(lg, XTL_DEBUG, "event RESUME skipped"));
    no_sockets_left();
}

/* ------------------------------------------ QEMU sitting on a command */

static void stop_qemu(int i)
{
    int status;
    (void)i;
    ck_assert_int_eq(kill(qemu, SIGSTOP), 0);
    ck_assert_int_eq(waitpid(qemu, &status, WUNTRACED), qemu);
    ck_assert(WIFSTOPPED(status));
}

/* The second command has been written in full (to a stopped QEMU). */
static bool second_sent(void *arg)
{
    (void)arg;
    return QC.calls >= 2 || (QC.calls == 1 && QC.qmp.command_sent);
}

static void start_second_on_stopped_qemu(t_op *op)
{
    qc_add("query-version", NULL, -1);
    qc_add("query-status", NULL, -1);
    QC.before_next = stop_qemu;
    ck_assert_int_eq(qc_start(ctx, op), 0);
    ck_assert(t_wait(ctx, second_sent, NULL, 40000));
    ck_assert_int_eq(QC.calls, 1);
    ck_assert_int_eq(QC.rc[0], 0);
}

TEST(qemu_abort_mid_command, 60)
{
    t_op op;

    start_second_on_stopped_qemu(&op);
    ck_assert_int_eq(t_op_abort(ctx, &op), 0);
    ck_assert_int_eq(t_op_wait(ctx, &op, 10000), ERROR_ABORTED);
    ck_assert_int_eq(QC.calls, 2);
    ck_assert_int_eq(QC.rc[1], ERROR_ABORTED);
    ck_assert(QC.sent_in_cb[1]);
    no_sockets_left();

    /* QEMU, resumed, saw the client go and serves the next one */
    ck_assert_int_eq(kill(qemu, SIGCONT), 0);
    qc_init(path);
    qc_add("query-status", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 40000), 0);
    response_has(0, "\"running\":true");
    no_sockets_left();
}

TEST(qemu_killed_mid_command, 60)
{
    t_op op;

    start_second_on_stopped_qemu(&op);
    ck_assert_int_eq(kill(qemu, SIGKILL), 0);
    ck_assert_int_eq(t_op_wait(ctx, &op, 10000), ERROR_PROTOCOL_ERROR_QMP);
    ck_assert_int_eq(QC.calls, 2);
    ck_assert(QC.sent_in_cb[1]);
    ck_assert_int_eq(waitpid(qemu, NULL, 0), qemu);
    qemu = -1;
    no_sockets_left();

    /* nobody there any more: the stale socket file is refused */
    qc_init(path);
    QC.connect_timeout_ms = 300;
    qc_add("query-status", NULL, -1);
    ck_assert_int_eq(qc_run_all(ctx, 10000), ERROR_FAIL);
    ck_assert_uint_ge(QC.qmp.connect_attempts, 2);
    no_sockets_left();
}
