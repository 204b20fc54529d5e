/*
 * test_kill.c: subop/kill.h on processes that are not our children
 * (a "stranger": made with a double fork, reparented away from us, its
 * pid learnt over a pipe once it is ready):
 *  - libxl__kill: sent, already gone (quiet), pid <= 0 refused;
 *  - libxl__kill_wait: a stranger that exits on SIGTERM, one that ignores
 *    SIGTERM (escalated to SIGKILL after the grace), a pid already gone,
 *    the final deadline (signals made no-ops with a seccomp filter), an
 *    abort (no further signal), a start refused while aborting (nothing
 *    signalled), bad arguments, and a kernel without pidfd_open (seccomp
 *    makes it ENOSYS).
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>

#include "subop/kill.h"
#include "subop/subop_testutil.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;

static void setup(void) { lg = testlog_new(); ctx = t_ctx(lg); }
static void teardown(void)
{
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

/* ------------------------------------------------------------ strangers */

/* A process that is not our child, ready (SIGTERM ignored if asked) when
 * this returns its pid. It dies of SIGALRM after a minute whatever
 * happens, so a failed test leaves nothing behind for long. */
static pid_t stranger(bool ignore_term)
{
    int p[2], status;
    pid_t mid, pid = -1;

    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    mid = fork();
    ck_assert_int_ge(mid, 0);
    if (mid == 0) {
        pid_t s = fork();
        if (s == 0) {
            pid_t me = getpid();
            signal(SIGTERM, ignore_term ? SIG_IGN : SIG_DFL);
            alarm(60);
            if (write(p[1], &me, sizeof(me)) != sizeof(me)) _exit(1);
            for (;;) pause();
        }
        _exit(s > 0 ? 0 : 1);
    }
    close(p[1]);
    ck_assert_int_eq(waitpid(mid, &status, 0), mid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(read(p[0], &pid, sizeof(pid)), sizeof(pid));
    close(p[0]);
    ck_assert_int_gt(pid, 0);
    return pid;
}

/* 'Z' for a zombie, 0 if there is no such process, else its state. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512], *paren;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "re");
    if (!f) return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    paren = strrchr(buf, ')');
    return paren && paren[1] == ' ' ? paren[2] : '?';
}

static bool exited(pid_t pid)
{
    char st = proc_state(pid);
    return st == 0 || st == 'Z' || st == 'X';
}

/* Done with a stranger: make sure it is gone (and reaped, if it ended up
 * ours after all because some ancestor is a subreaper). Waits on a pidfd
 * of our own when the kernel lets us have one. */
static void stranger_gone(pid_t pid)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    uint64_t deadline = test_now_ms() + 10000;

    kill(pid, SIGKILL);
    while (!exited(pid) && test_now_ms() < deadline) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (fd < 0 || poll(&p, 1, 100) < 0) sched_yield();
    }
    if (fd >= 0) close(fd);
    ck_assert(exited(pid));
    waitpid(pid, NULL, WNOHANG);
}

/* A pid that was in use a moment ago and is free now. */
static pid_t gone_pid(void)
{
    int status;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) _exit(0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return pid;
}

/* From now on the syscall nr returns -err (0: "succeeds", doing nothing)
 * in this process (the test's own). */
static void fake_syscall(long nr, int err)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = ARRAY_SIZE(filter), .filter = filter };
    ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
    ck_assert_int_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), 0);
}

/* ----------------------------------------------------------- libxl__kill */

TEST(kill_sends_refuses_and_is_quiet_when_gone, 30)
{
    pid_t pid = stranger(false);

    ck_assert_int_eq(libxl__kill(ctx, pid, 0, "stranger"), 0);
    ck_assert_int_eq(libxl__kill(ctx, pid, SIGTERM, "stranger"), 0);
    stranger_gone(pid);

    testlog_clear(lg);
    ck_assert_int_eq(libxl__kill(ctx, gone_pid(), SIGTERM, "stranger"),
                     ERROR_NOTFOUND);
    ck_assert(testlog_contains(lg, XTL_DEBUG, "already gone"));
    ck_assert(!testlog_contains(lg, XTL_INFO, "stranger"));

    ck_assert_int_eq(libxl__kill(ctx, 0, SIGTERM, "nobody"), ERROR_INVAL);
    ck_assert_int_eq(libxl__kill(ctx, -1, SIGKILL, "nobody"), ERROR_INVAL);
    ck_assert_int_eq(libxl__kill(ctx, -getpgrp(), SIGKILL, "nobody"),
                     ERROR_INVAL);
    ck_assert(testlog_contains(lg, XTL_ERROR, "nobody: refusing"));
}

/* ------------------------------------------------------ libxl__kill_wait */

typedef struct {
    libxl__ao *ao;
    libxl__kill_wait kw;
    int calls, rc;
    bool sigkill_sent, inuse_in_callback;
    uint64_t when;                 /* test_now_ms() at the callback */
    /* parameters */
    pid_t pid;
    int grace_ms, timeout_ms;
} kill_run;

static kill_run K;

static void kill_done(libxl__egc *egc, libxl__kill_wait *kw, int rc)
{
    kill_run *kr = CONTAINER_OF(kw, kill_run, kw);
    kr->calls++;
    kr->rc = rc;
    kr->sigkill_sent = kw->sigkill_sent;
    kr->inuse_in_callback = libxl__kill_wait_inuse(kw);
    kr->when = test_now_ms();
    libxl__ao_complete(egc, kr->ao, rc);
}

static int kill_starter(libxl__egc *egc, libxl__ao *ao, void *arg)
{
    kill_run *kr = arg;
    (void)egc;
    kr->ao = ao;
    libxl__kill_wait_init(&kr->kw);
    kr->kw.ao = ao;
    kr->kw.what = "stranger";
    kr->kw.pid = kr->pid;
    kr->kw.grace_ms = kr->grace_ms;
    kr->kw.timeout_ms = kr->timeout_ms;
    kr->kw.callback = kill_done;
    return libxl__kill_wait_start(&kr->kw);
}

static int kill_start(t_op *op, pid_t pid, int grace_ms, int timeout_ms)
{
    memset(&K, 0, sizeof(K));
    K.rc = -12345;
    K.pid = pid;
    K.grace_ms = grace_ms;
    K.timeout_ms = timeout_ms;
    int rc = t_op_start(ctx, op, kill_starter, &K);
    ck_assert_int_eq(K.calls, 0);       /* never from inside _start */
    return rc;
}

static int kill_finish(t_op *op)
{
    int rc = t_op_wait(ctx, op, 20000);
    ck_assert_int_eq(K.calls, 1);
    ck_assert_int_eq(K.rc, rc);
    ck_assert(!K.inuse_in_callback);
    return rc;
}

TEST(wait_exits_on_sigterm, 30)
{
    pid_t pid = stranger(false);
    uint64_t t0 = test_now_ms();
    t_op op;

    ck_assert_int_eq(kill_start(&op, pid, 10000, 20000), 0);
    /* the pidfd is close-on-exec */
    ck_assert(t_fd_is_cloexec(libxl__carefd_fd(K.kw.pidfd)));
    ck_assert_int_eq(kill_finish(&op), 0);
    ck_assert(!K.sigkill_sent);
    ck_assert_uint_lt(K.when - t0, 10000);    /* well before the grace */
    ck_assert(exited(pid));
    stranger_gone(pid);
}

TEST(wait_escalates_to_sigkill, 30)
{
    pid_t pid = stranger(true);
    uint64_t t0 = test_now_ms();
    char msg[128];
    t_op op;

    ck_assert_int_eq(kill_start(&op, pid, 300, 20000), 0);
    ck_assert_int_eq(kill_finish(&op), 0);
    ck_assert(K.sigkill_sent);
    ck_assert_uint_ge(K.when - t0, 300);
    ck_assert(exited(pid));
    snprintf(msg, sizeof(msg), "stranger [%d] did not exit within 300 ms of"
             " SIGTERM: sending SIGKILL", (int)pid);
    ck_assert_msg(testlog_contains(lg, XTL_WARN, msg), "log: %s",
                  testlog_dump(lg));
    stranger_gone(pid);
}

TEST(wait_sigkill_without_grace, 30)
{
    pid_t pid = stranger(true);
    t_op op;

    ck_assert_int_eq(kill_start(&op, pid, 0, 20000), 0);
    ck_assert_int_eq(kill_finish(&op), 0);
    ck_assert(K.sigkill_sent);
    ck_assert(exited(pid));
    ck_assert(!testlog_contains(lg, XTL_WARN, "stranger"));
    stranger_gone(pid);
}

TEST(wait_pid_already_gone, 30)
{
    t_op op;

    ck_assert_int_eq(kill_start(&op, gone_pid(), 1000, 2000), 0);
    ck_assert_int_eq(kill_finish(&op), 0);
    ck_assert(!K.sigkill_sent);
    ck_assert(testlog_contains(lg, XTL_DEBUG, "is already gone"));
}

/* Every signal through a pidfd does nothing: the stranger survives the
 * SIGKILL and the final deadline passes. */
TEST(wait_final_deadline, 30)
{
    pid_t pid = stranger(true);
    uint64_t t0 = test_now_ms();
    t_op op;

    fake_syscall(SYS_pidfd_send_signal, 0);
    ck_assert_int_eq(kill_start(&op, pid, 200, 500), 0);
    ck_assert_int_eq(kill_finish(&op), ERROR_TIMEDOUT);
    ck_assert(K.sigkill_sent);
    ck_assert_uint_ge(K.when - t0, 500);
    ck_assert(!exited(pid));
    ck_assert(testlog_contains(lg, XTL_ERROR, "giving up"));
    stranger_gone(pid);
}

TEST(wait_aborted, 30)
{
    pid_t pid = stranger(true);
    t_op op;

    ck_assert_int_eq(kill_start(&op, pid, 10000, 20000), 0);
    ck_assert_int_eq(t_op_abort(ctx, &op), 0);
    ck_assert_int_eq(K.calls, 1);             /* at once */
    ck_assert_int_eq(K.rc, ERROR_ABORTED);
    ck_assert_int_eq(kill_finish(&op), ERROR_ABORTED);
    ck_assert(!K.sigkill_sent);
    ck_assert(!exited(pid));                  /* no further signal */
    ck_assert_int_eq(t_op_abort(ctx, &op), ERROR_NOTFOUND);
    stranger_gone(pid);
}

static void never_called(libxl__egc *egc, libxl__kill_wait *kw, int rc)
{
    (void)egc; (void)kw; (void)rc;
    ck_abort_msg("callback of a wait that never started");
}

static void never_completes(libxl_ctx *c, int rc, void *arg)
{
    (void)c; (void)rc; (void)arg;
    ck_abort_msg("completion of an operation that never started");
}

/* _start with the given fields in an ao (aborting if asked); its rc. */
static int start_alone(pid_t pid, int grace_ms, int timeout_ms, bool aborting)
{
    const libxl_asyncop_how how = { .callback = never_completes };
    static libxl__kill_wait kw;
    int rc;
    EGC_INIT(ctx);
    CTX_LOCK(ctx);
    libxl__ao *ao = libxl__ao_create(egc, LIBXL__NO_DOMID, &how);
    ck_assert_ptr_nonnull(ao);
    ao->aborting = aborting;      /* as libxl_ao_abort leaves it */
    libxl__kill_wait_init(&kw);
    kw.ao = ao;
    kw.what = "stranger";
    kw.pid = pid;
    kw.grace_ms = grace_ms;
    kw.timeout_ms = timeout_ms;
    kw.callback = never_called;
    rc = libxl__kill_wait_start(&kw);
    ck_assert(!libxl__kill_wait_inuse(&kw));
    ck_assert_ptr_null(kw.pidfd);
    if (rc) ck_assert_int_eq(libxl__ao_create_fail(egc, ao, rc), rc);
    CTX_UNLOCK_EGC_FREE;
    return rc;
}

TEST(wait_refused_when_aborting, 30)
{
    pid_t pid = stranger(false);

    ck_assert_int_eq(start_alone(pid, 1000, 2000, true), ERROR_ABORTED);
    ck_assert(!exited(pid));                  /* nothing signalled */
    stranger_gone(pid);
}

TEST(wait_bad_arguments, 30)
{
    pid_t pid = stranger(false);

    ck_assert_int_eq(start_alone(0, 1000, 2000, false), ERROR_INVAL);
    ck_assert_int_eq(start_alone(-1, 1000, 2000, false), ERROR_INVAL);
    ck_assert_int_eq(start_alone(pid, 1000, 0, false), ERROR_INVAL);
    ck_assert_int_eq(start_alone(pid, 2000, 2000, false), ERROR_INVAL);
    ck_assert(!exited(pid));
    stranger_gone(pid);
}

TEST(wait_without_pidfd_open, 30)
{
    pid_t pid = stranger(false);

    fake_syscall(SYS_pidfd_open, ENOSYS);
    ck_assert_int_eq(start_alone(pid, 1000, 2000, false), ERROR_FAIL);
    ck_assert_msg(testlog_contains(lg, XTL_ERROR, "no pidfd_open"),
                  "log: %s", testlog_dump(lg));
    ck_assert(!exited(pid));                  /* nothing signalled */
    stranger_gone(pid);
}
