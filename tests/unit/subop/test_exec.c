/*
 * test_exec.c: libxl__async_exec (subop/async_exec.h) inside an
 * operation, on both child paths (loop index 0: pidfd, 1: SIGCHLD):
 * a program that succeeds (its stdout, environment, /dev/null stdin), a
 * non-zero exit and a death by signal (logged with `what`), a program
 * that does not exist, one killed at its timeout (SIGKILL; SIGTERM then
 * SIGKILL with a grace), an abort while it runs, a start refused because
 * the operation is aborting, and no library fd reaching the program.
 * Every time: the operation's completion arrives only once the program
 * has been reaped.
 */
#include <sys/wait.h>

#include "fdprobe.h"
#include "subop/async_exec.h"
#include "subop/subop_testutil.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;

static void setup(void)
{
    fdprobe_take_baseline();   /* before the ctx has any fd */
    lg = testlog_new();
    ctx = t_ctx(lg);
}

static void teardown(void)
{
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

/* The run under test: the operation, and what the callback was told. */
typedef struct {
    libxl__ao *ao;
    libxl__async_exec_state aes;
    int calls, rc, status;
    pid_t pid;
    bool inuse_in_callback;
    /* what to run */
    const char *path;
    char *const *argv;
    char *const *envp;
    int stdout_fd;
    int timeout_ms, kill_grace_ms;
} exec_run;

static exec_run R;

static void exec_done(libxl__egc *egc, libxl__async_exec_state *aes, int rc,
                      int status)
{
    exec_run *er = CONTAINER_OF(aes, exec_run, aes);
    er->calls++;
    er->rc = rc;
    er->status = status;
    er->pid = aes->pid;
    er->inuse_in_callback = libxl__async_exec_inuse(aes);
    libxl__ao_complete(egc, er->ao, rc);
}

static int exec_starter(libxl__egc *egc, libxl__ao *ao, void *arg)
{
    exec_run *er = arg;
    er->ao = ao;
    libxl__async_exec_init(&er->aes);
    er->aes.ao = ao;
    er->aes.what = "test script";
    er->aes.path = er->path;
    er->aes.argv = er->argv;
    er->aes.envp = er->envp;
    er->aes.stdfds[1] = er->stdout_fd;
    er->aes.timeout_ms = er->timeout_ms;
    er->aes.kill_grace_ms = er->kill_grace_ms;
    er->aes.callback = exec_done;
    return libxl__async_exec_start(egc, &er->aes);
}

/* Start R as set up; the start's rc. */
static int run_start(t_op *op)
{
    R.calls = 0;
    R.rc = R.status = -12345;
    return t_op_start(ctx, op, exec_starter, &R);
}

/* Start and wait: the operation's rc (the callback's). */
static int run(t_op *op)
{
    ck_assert_int_eq(run_start(op), 0);
    ck_assert_int_gt(R.aes.pid, 0);
    int rc = t_op_wait(ctx, op, 20000);
    ck_assert_int_eq(R.calls, 1);
    ck_assert_int_eq(R.rc, rc);
    ck_assert(!R.inuse_in_callback);
    ck_assert_msg(op->no_children, "a child outlived the completion");
    t_assert_no_children();
    return rc;
}

static void run_init(const char *path, char *const *argv)
{
    memset(&R, 0, sizeof(R));
    R.path = path;
    R.argv = argv;
    R.stdout_fd = -1;
}

/* Everything readable on fd now (the writer has gone), NUL-terminated. */
static char *slurp(int fd)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    ssize_t r;
    ck_assert_ptr_nonnull(buf);
    while ((r = read(fd, buf + len, cap - 1 - len)) > 0) {
        len += (size_t)r;
        ck_assert_uint_lt(len, cap - 1);
    }
    buf[len] = 0;
    return buf;
}

/* --------------------------------------------------------- ends by itself */

TEST_LOOP(exec_success_output_env_stdin, 30, 0, 2)
{
    char *const argv[] = { "/bin/sh", "-c",
        "echo \"var=$LCVAR\"; if read x; then echo input; else echo EOF;"
        " fi; exit 0", NULL };
    char *const envp[] = { "LCVAR=hello", NULL };
    int p[2];
    t_op op;

    t_set_path(ctx, _i);
    t_pipe(p);
    run_init("/bin/sh", argv);
    R.envp = envp;
    R.stdout_fd = p[1];
    ck_assert_int_eq(run_start(&op), 0);
    close(p[1]);                 /* the program has its own copy */
    ck_assert_int_eq(R.calls, 0);  /* never from inside _start */
    ck_assert_int_eq(t_op_wait(ctx, &op, 20000), 0);
    ck_assert(op.no_children);
    ck_assert(WIFEXITED(R.status) && WEXITSTATUS(R.status) == 0);
    char *out = slurp(p[0]);
    ck_assert_str_eq(out, "var=hello\nEOF\n");
    free(out);
    close(p[0]);
    ck_assert(!testlog_contains(lg, XTL_ERROR, "test script"));
    t_assert_no_children();
}

TEST_LOOP(exec_nonzero_exit_logged, 30, 0, 2)
{
    char *const argv[] = { "/bin/sh", "-c", "exit 3", NULL };
    char msg[128];
    t_op op;

    t_set_path(ctx, _i);
    run_init("/bin/sh", argv);
    ck_assert_int_eq(run(&op), 0);     /* it ran: the status is the news */
    ck_assert(WIFEXITED(R.status) && WEXITSTATUS(R.status) == 3);
    snprintf(msg, sizeof(msg), "test script [%d] exited with error status 3",
             (int)R.pid);
    ck_assert_msg(testlog_contains(lg, XTL_ERROR, msg), "log: %s",
                  testlog_dump(lg));
}

TEST_LOOP(exec_death_by_signal_logged, 30, 0, 2)
{
    char *const argv[] = { "/bin/sh", "-c", "kill -USR1 $$", NULL };
    char msg[128];
    t_op op;

    t_set_path(ctx, _i);
    run_init("/bin/sh", argv);
    ck_assert_int_eq(run(&op), 0);
    ck_assert(WIFSIGNALED(R.status) && WTERMSIG(R.status) == SIGUSR1);
    snprintf(msg, sizeof(msg), "test script [%d] died from signal %d (SIGUSR1)",
             (int)R.pid, SIGUSR1);
    ck_assert_msg(testlog_contains(lg, XTL_ERROR, msg), "log: %s",
                  testlog_dump(lg));
}

TEST_LOOP(exec_missing_program, 30, 0, 2)
{
    char *const argv[] = { "/nonexistent/lightcore-test", NULL };
    t_op op;

    t_set_path(ctx, _i);
    run_init("/nonexistent/lightcore-test", argv);
    ck_assert_int_eq(run(&op), 0);
    ck_assert(WIFEXITED(R.status) && WEXITSTATUS(R.status) == 127);
    ck_assert(testlog_contains(lg, XTL_ERROR, "exited with error status 127"));
}

/* --------------------------------------------------------------- timeouts */

TEST_LOOP(exec_killed_at_timeout, 30, 0, 2)
{
    char *const argv[] = { "/bin/sleep", "30", NULL };
    uint64_t t0 = test_now_ms();
    t_op op;

    t_set_path(ctx, _i);
    run_init("/bin/sleep", argv);
    R.timeout_ms = 300;
    ck_assert_int_eq(run(&op), ERROR_TIMEDOUT);
    ck_assert_uint_ge(test_now_ms() - t0, 300);
    ck_assert_msg(WIFSIGNALED(R.status) && WTERMSIG(R.status) == SIGKILL,
                  "status %#x", R.status);
    ck_assert(testlog_contains(lg, XTL_ERROR, "timed out after 300 ms"));
}

/* _i = path * 2 + (0: it exits on SIGTERM, 1: it ignores SIGTERM). The
 * program inherits an ignored SIGTERM from us (ignored signals stay so
 * across exec), so whether it obeys does not race with its start. */
TEST_LOOP(exec_timeout_term_then_kill, 30, 0, 4)
{
    char *const argv[] = { "/bin/sleep", "30", NULL };
    bool ignores = _i % 2;
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    uint64_t t0 = test_now_ms();
    t_op op;

    t_set_path(ctx, _i / 2);
    run_init("/bin/sleep", argv);
    R.timeout_ms = 200;
    R.kill_grace_ms = 300;
    if (ignores) ck_assert_int_eq(sigaction(SIGTERM, &ign, &old), 0);
    ck_assert_int_eq(run_start(&op), 0);
    if (ignores) ck_assert_int_eq(sigaction(SIGTERM, &old, NULL), 0);
    ck_assert_int_eq(t_op_wait(ctx, &op, 20000), ERROR_TIMEDOUT);
    ck_assert(op.no_children);
    ck_assert(WIFSIGNALED(R.status));
    if (ignores) {
        ck_assert_int_eq(WTERMSIG(R.status), SIGKILL);
        ck_assert_uint_ge(test_now_ms() - t0, 500);
    } else {
        ck_assert_int_eq(WTERMSIG(R.status), SIGTERM);
        ck_assert_uint_ge(test_now_ms() - t0, 200);
    }
    t_assert_no_children();
}

/* ------------------------------------------------------------------ abort */

TEST_LOOP(exec_aborted, 30, 0, 2)
{
    char *const argv[] = { "/bin/sleep", "30", NULL };
    t_op op;

    t_set_path(ctx, _i);
    run_init("/bin/sleep", argv);
    R.timeout_ms = 30000;
    ck_assert_int_eq(run_start(&op), 0);
    ck_assert_int_eq(t_op_abort(ctx, &op), 0);
    /* told at once... */
    ck_assert_int_eq(R.calls, 1);
    ck_assert_int_eq(R.rc, ERROR_ABORTED);
    ck_assert_int_eq(R.status, -1);
    /* ...and the completion follows the reap */
    ck_assert_int_eq(t_op_wait(ctx, &op, 20000), ERROR_ABORTED);
    ck_assert_msg(op.no_children, "the program outlived the completion");
    ck_assert_int_eq(t_op_abort(ctx, &op), ERROR_NOTFOUND);
    t_assert_no_children();
}

static void never_completes(libxl_ctx *c, int rc, void *arg)
{
    (void)c; (void)rc; (void)arg;
    ck_abort_msg("completion of an operation that never started");
}

static void never_called(libxl__egc *egc, libxl__async_exec_state *aes,
                         int rc, int status)
{
    (void)egc; (void)aes; (void)rc; (void)status;
    ck_abort_msg("callback of a program that never started");
}

TEST_LOOP(exec_refused_when_aborting, 30, 0, 2)
{
    const libxl_asyncop_how how = { .callback = never_completes };
    char *const argv[] = { "/bin/true", NULL };
    static libxl__async_exec_state aes;
    int rc;

    t_set_path(ctx, _i);
    {
        EGC_INIT(ctx);
        CTX_LOCK(ctx);
        libxl__ao *ao = libxl__ao_create(egc, LIBXL__NO_DOMID, &how);
        ck_assert_ptr_nonnull(ao);
        ao->aborting = true;      /* as libxl_ao_abort leaves it */
        libxl__async_exec_init(&aes);
        aes.ao = ao;
        aes.what = "test script";
        aes.path = "/bin/true";
        aes.argv = argv;
        aes.callback = never_called;
        rc = libxl__async_exec_start(egc, &aes);
        ck_assert(!libxl__async_exec_inuse(&aes));
        ck_assert_int_eq(libxl__ao_create_fail(egc, ao, rc), ERROR_ABORTED);
        CTX_UNLOCK_EGC_FREE;
    }
    ck_assert_int_eq(rc, ERROR_ABORTED);
    ck_assert_int_eq(libxl__childproc_count(ctx), 0);
    t_assert_no_children();
}

/* ---------------------------------------------------------------- fds */

static int leaks;
static void leaked(const char *line, const char *target, void *arg)
{
    (void)arg;
    fprintf(stderr, "leaked into the program: %s (%s)\n", line,
            target ? target : "?");
    leaks++;
}

TEST_LOOP(exec_no_fd_reaches_program, 30, 0, 2)
{
    char *const argv[] = { "/bin/ls", "-l", "/proc/self/fd/", NULL };
    int p[2];
    t_op op;

    t_set_path(ctx, _i);
    t_pipe(p);
    run_init("/bin/ls", argv);
    R.stdout_fd = p[1];
    ck_assert_int_eq(run_start(&op), 0);
    close(p[1]);
    ck_assert_int_eq(t_op_wait(ctx, &op, 20000), 0);
    ck_assert(WIFEXITED(R.status) && WEXITSTATUS(R.status) == 0);
    char *listing = slurp(p[0]);
    close(p[0]);
    leaks = 0;
    fdprobe_new_fds(listing, leaked, NULL);
    free(listing);
    ck_assert_int_eq(leaks, 0);
}
