/*
 * test_pty.c: fd passing with full validation (wrong count, no control
 * message, MSG_CTRUNC, peer gone first: an error with every received fd
 * closed; close-on-exec fds), the openpty helper child on both paths, and
 * a real program run on a pty that prints, reads input and exits.
 */
#include <dirent.h>
#include <sys/socket.h>

#include "child/child_testutil.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;

static void setup(void) { lg = testlog_new(); ctx = t_ctx(lg); }
static void teardown(void)
{
    libxl_ctx_free(ctx);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

static void send_fds(int sock, int n, bool with_cmsg)
{
    union { struct cmsghdr a; char buf[CMSG_SPACE(sizeof(int) * 8)]; } u;
    int fds[8];
    char data = 'x';
    struct iovec iov = { &data, 1 };
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    memset(&u, 0, sizeof(u));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    for (int i = 0; i < n; i++) fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (with_cmsg) {
        msg.msg_control = u.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
        memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
    }
    ck_assert_int_eq(sendmsg(sock, &msg, 0), 1);
    for (int i = 0; i < n; i++) close(fds[i]);
}

/* _i: 0 right count, 1 too few, 2 too many (CTRUNC), 3 no cmsg,
 *     4 peer closed, 5 nothing yet */
TEST_LOOP(recvmsg_fds_validation, 30, 0, 6)
{
    int sv[2], got[4];
    int before, rc;
    static const int expect[] = { 0, ERROR_FAIL, ERROR_FAIL, ERROR_FAIL,
                                  ERROR_FAIL, ERROR_NOT_READY };
    static const char *const msgs[] = { NULL, "received 1 fds, expected 2",
        "MSG_CTRUNC", "no SCM_RIGHTS", "peer closed", NULL };

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    before = count_fds();
    switch (_i) {
    case 0: send_fds(sv[1], 2, true); break;
    case 1: send_fds(sv[1], 1, true); break;
    case 2: send_fds(sv[1], 7, true); break;
    case 3: send_fds(sv[1], 0, false); break;
    case 4: close(sv[1]); before--; break;
    default: break;
    }
    rc = libxl__recvmsg_fds(ctx, sv[0], 2, got);
    ck_assert_int_eq(rc, expect[_i]);
    if (msgs[_i]) ck_assert(testlog_contains(lg, XTL_ERROR, msgs[_i]));
    if (rc == 0) {
        ck_assert(t_fd_is_cloexec(got[0]));
        ck_assert(t_fd_is_cloexec(got[1]));
        close(got[0]);
        close(got[1]);
    }
    ck_assert_int_eq(count_fds(), before);   /* nothing leaked */
}

static int pty_calls, pty_rc;
static void pty_cb(libxl__egc *egc, libxl__openpty_state *op, int rc)
{
    (void)egc; (void)op;
    pty_calls++;
    pty_rc = rc;
}
static bool pty_done(void *arg) { (void)arg; return pty_calls > 0; }

TEST_LOOP(openpty_helper, 30, 0, 2)
{
    static libxl__openpty_state op;
    EGC_INIT(ctx);

    t_set_path(ctx, _i);
    CTX_LOCK(ctx);
    libxl__openptys_init(&op);
    op.count = 2;
    op.timeout_ms = 10000;
    op.callback = pty_cb;
    ck_assert_int_eq(libxl__openptys(egc, &op), 0);
    CTX_UNLOCK_EGC_FREE;
    ck_assert(t_wait(ctx, pty_done, NULL, 10000));
    ck_assert_int_eq(pty_rc, 0);
    for (int i = 0; i < 2; i++) {
        ck_assert(isatty(op.slave[i]));
        ck_assert(t_fd_is_cloexec(op.master[i]));
        ck_assert(t_fd_is_cloexec(op.slave[i]));
        ck_assert(write(op.slave[i], "hi\n", 3) == 3);
        char buf[16];
        ck_assert_int_gt(read(op.master[i], buf, sizeof(buf)), 0);
    }
    CTX_LOCK(ctx);
    libxl__openptys_dispose(ctx, &op);
    CTX_UNLOCK(ctx);
    t_assert_no_children();
}

/* a program on a pty */
static char outbuf[8192];
static size_t outlen;
static int run_calls, run_rc, run_status;
static void run_output(libxl__egc *egc, libxl__ptyrun_state *pr,
                       const char *buf, size_t len)
{
    (void)egc; (void)pr;
    if (len > sizeof(outbuf) - 1 - outlen) len = sizeof(outbuf) - 1 - outlen;
    memcpy(outbuf + outlen, buf, len);
    outlen += len;
    outbuf[outlen] = 0;
}
static void run_cb(libxl__egc *egc, libxl__ptyrun_state *pr, int rc, int status)
{
    (void)egc; (void)pr;
    run_calls++;
    run_rc = rc;
    run_status = status;
}
static bool prompt_seen(void *arg) { (void)arg; return strstr(outbuf, "name? ") || run_calls; }
static bool run_done(void *arg) { (void)arg; return run_calls > 0; }

TEST_LOOP(program_on_pty, 30, 0, 2)
{
    static libxl__ptyrun_state pr;
    char *argv[] = { "/bin/sh", "-c",
        "if [ -t 0 ] && [ -t 1 ]; then echo ON-A-TTY; fi; "
        "printf 'name? '; read n; echo \"hello, $n\"; exit 3", NULL };

    t_set_path(ctx, _i);
    {
        EGC_INIT(ctx);
        CTX_LOCK(ctx);
        libxl__ptyrun_init(&pr);
        pr.path = "/bin/sh";
        pr.argv = argv;
        pr.timeout_ms = 20000;
        pr.output = run_output;
        pr.callback = run_cb;
        ck_assert_int_eq(libxl__ptyrun_start(egc, &pr), 0);
        CTX_UNLOCK_EGC_FREE;
    }
    ck_assert(t_wait(ctx, prompt_seen, NULL, 10000));
    ck_assert_int_eq(run_calls, 0);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ptyrun_input(ctx, &pr, "world\n", 6), 0);
    CTX_UNLOCK(ctx);
    ck_assert(t_wait(ctx, run_done, NULL, 10000));
    ck_assert_int_eq(run_rc, 0);
    ck_assert(WIFEXITED(run_status));
    ck_assert_int_eq(WEXITSTATUS(run_status), 3);
    ck_assert_msg(strstr(outbuf, "ON-A-TTY"), "output: %s", outbuf);
    ck_assert_msg(strstr(outbuf, "hello, world"), "output: %s", outbuf);
    t_assert_no_children();
}
