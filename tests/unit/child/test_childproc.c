/*
 * test_childproc.c: the internal child API on both paths (loop index 0:
 * clone3 + pidfd, 1: fork + SIGCHLD): exit statuses of programs and child
 * functions, timeouts (a child that ignores SIGTERM is killed), fork
 * failure through one error convention with nothing left registered,
 * abandoning a child, ao tie-in, ctx_free with children, invisibility of
 * pidfd children. No Xen needed.
 */
#include <pwd.h>
#include <sys/resource.h>
#include <time.h>

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

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

TEST_LOOP(program_exit_status, 30, 0, 2)
{
    t_child tc;
    libxl__child_spec spec;
    char *argv[] = { "/bin/sh", "-c", "exit 7", NULL };

    t_set_path(ctx, _i);
    libxl__child_spec_init(&spec);
    spec.path = "/bin/sh";
    spec.argv = argv;
    ck_assert_int_eq(t_start(ctx, &tc, &spec), 0);
    ck_assert_int_gt(tc.ch.pid, 0);
    ck_assert(libxl__ev_child_inuse(&tc.ch));
    ck_assert(t_wait(ctx, t_child_called, &tc, 10000));
    ck_assert_int_eq(tc.calls, 1);
    ck_assert(WIFEXITED(tc.status));
    ck_assert_int_eq(WEXITSTATUS(tc.status), 7);
    ck_assert_int_eq(tc.rc, 0);
    ck_assert(!libxl__ev_child_inuse(&tc.ch));
    ck_assert_int_eq(libxl__childproc_count(ctx), 0);
    t_assert_no_children();
}

TEST_LOOP(function_exit_status_and_env, 30, 0, 2)
{
    t_child tc;
    libxl__child_spec spec;
    char *argv[] = { "/bin/sh", "-c", "test \"$LCVAR\" = hello", NULL };
    char *envp[] = { "LCVAR=hello", NULL };

    t_set_path(ctx, _i);
    t_spec_fn(&spec, t_fn_exit, (void *)(intptr_t)42);
    ck_assert_int_eq(t_start(ctx, &tc, &spec), 0);
    ck_assert(t_wait(ctx, t_child_called, &tc, 10000));
    ck_assert_int_eq(WEXITSTATUS(tc.status), 42);

    libxl__child_spec_init(&spec);
    spec.path = "/bin/sh";
    spec.argv = argv;
    spec.envp = envp;
    ck_assert_int_eq(t_start(ctx, &tc, &spec), 0);
    ck_assert(t_wait(ctx, t_child_called, &tc, 10000));
    ck_assert(WIFEXITED(tc.status));
    ck_assert_int_eq(WEXITSTATUS(tc.status), 0);
}

TEST_LOOP(timeout_kills_child_ignoring_sigterm, 30, 0, 2)
{
    t_child tc;
    libxl__child_spec spec;
    long t0 = now_ms();

    t_set_path(ctx, _i);
    t_spec_fn(&spec, t_fn_ignore_term_block, NULL);
    spec.timeout_ms = 50;
    spec.kill_grace_ms = 150;
    ck_assert_int_eq(t_start(ctx, &tc, &spec), 0);
    ck_assert(t_wait(ctx, t_child_called, &tc, 10000));
    ck_assert(WIFSIGNALED(tc.status));
    ck_assert_int_eq(WTERMSIG(tc.status), SIGKILL);   /* TERM was ignored */
    ck_assert_int_eq(tc.rc, ERROR_TIMEDOUT);
    ck_assert_int_ge(now_ms() - t0, 200);
    t_assert_no_children();
}

TEST_LOOP(timeout_sigterm_suffices, 30, 0, 2)
{
    t_child tc;
    libxl__child_spec spec;

    t_set_path(ctx, _i);
    t_spec_fn(&spec, t_fn_block_forever, NULL);
    spec.timeout_ms = 30;
    spec.kill_grace_ms = 10000;
    ck_assert_int_eq(t_start(ctx, &tc, &spec), 0);
    ck_assert(t_wait(ctx, t_child_called, &tc, 5000));
    ck_assert(WIFSIGNALED(tc.status));
    ck_assert_int_eq(WTERMSIG(tc.status), SIGTERM);
    ck_assert_int_eq(tc.rc, ERROR_TIMEDOUT);
}

static pid_t failing_fork(void *user)
{
    (void)user;
    errno = EAGAIN;
    return -1;
}

static bool nothing_registered(libxl_ctx *c)
{
    bool r;
    CTX_LOCK(c);
    r = !CTX_CHLD(c)->nchildren && !CTX_CHLD(c)->nsigchld &&
        !libxl__ev_fd_isregistered(&CTX_CHLD(c)->wake_reg) &&
        !CTX_CHLD(c)->sigchld_user && XEN_LIST_EMPTY(&CTX_EV(c)->times);
    CTX_UNLOCK(c);
    return r;
}

TEST(fork_replacement_failure, 30)
{
    static const libxl_childproc_hooks hooks = {
        .chldowner = libxl_sigchld_owner_libxl,
        .fork_replacement = failing_fork,
    };
    t_child tc;
    libxl__child_spec spec;

    libxl_childproc_setmode(ctx, &hooks, NULL);
    t_spec_fn(&spec, t_fn_exit, NULL);
    spec.timeout_ms = 1000;
    ck_assert_int_eq(t_start(ctx, &tc, &spec), ERROR_FAIL);
    ck_assert(!libxl__ev_child_inuse(&tc.ch));
    ck_assert_int_eq(tc.ch.pid, -1);
    ck_assert(nothing_registered(ctx));
    ck_assert(!libxl__sigchld_installed());
    ck_assert(testlog_contains(lg, XTL_ERROR, "fork_replacement failed"));
    ck_assert(testlog_contains(lg, XTL_ERROR, "Resource temporarily"));
    ck_assert_int_eq(tc.calls, 0);
}

TEST_LOOP(rlimit_nproc_failure, 30, 0, 2)
{
    struct passwd *pw = getpwnam("nobody");
    struct rlimit rl = { 0, 0 };
    t_child tc;
    libxl__child_spec spec;

    t_set_path(ctx, _i);
    if (!pw || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
        fprintf(stderr, "rlimit_nproc_failure: cannot become nobody; skipped\n");
        return;
    }
    struct rlimit saved;
    getrlimit(RLIMIT_NPROC, &saved);
    rl.rlim_max = saved.rlim_max;  /* soft limit only: restored below */
    ck_assert_int_eq(setrlimit(RLIMIT_NPROC, &rl), 0);
    t_spec_fn(&spec, t_fn_exit, NULL);
    spec.timeout_ms = 1000;
    ck_assert_int_eq(t_start(ctx, &tc, &spec), ERROR_FAIL);
    ck_assert(!libxl__ev_child_inuse(&tc.ch));
    ck_assert(nothing_registered(ctx));
    ck_assert(!libxl__sigchld_installed());
    ck_assert(testlog_contains(lg, XTL_ERROR, "cannot start a child process"));
    setrlimit(RLIMIT_NPROC, &saved); /* sanitizers' exit-time threads */
}

static int orphan_reaped;
static void orphan_hold_cb(libxl__egc *egc, libxl__child_hold *h)
{
    (void)egc; (void)h;
    orphan_reaped++;
}
static bool orphan_done(void *arg) { (void)arg; return orphan_reaped > 0; }

TEST_LOOP(kill_deregister_reaps_silently, 30, 0, 2)
{
    t_child tc;
    libxl__child_spec spec;
    libxl__child_hold hold = { orphan_hold_cb };

    t_set_path(ctx, _i);
    t_spec_fn(&spec, t_fn_block_forever, NULL);
    ck_assert_int_eq(t_start(ctx, &tc, &spec), 0);
    CTX_LOCK(ctx);
    libxl__ev_child_kill_deregister(ctx, &tc.ch, SIGKILL, &hold);
    CTX_UNLOCK(ctx);
    ck_assert(!libxl__ev_child_inuse(&tc.ch));
    ck_assert(t_wait(ctx, orphan_done, NULL, 5000));
    ck_assert_int_eq(tc.calls, 0);
    ck_assert_int_eq(libxl__childproc_count(ctx), 0);
    t_assert_no_children();
}

TEST_LOOP(ctx_free_kills_and_reaps, 30, 0, 2)
{
    t_child tc[3];
    libxl__child_spec spec;

    t_set_path(ctx, _i);
    t_spec_fn(&spec, t_fn_ignore_term_block, NULL);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(t_start(ctx, &tc[i], &spec), 0);
    libxl_ctx_free(ctx);
    ctx = t_ctx(lg);
    t_assert_no_children();
    ck_assert(!libxl__sigchld_installed());
    for (int i = 0; i < 3; i++) ck_assert_int_eq(tc[i].calls, 0);
}

TEST(pidfd_child_invisible, 30)
{
    t_child tc;
    libxl__child_spec spec;
    struct sigaction sa;
    int status;

    ck_assert(libxl__childproc_uses_pidfd(ctx));
    t_spec_fn(&spec, t_fn_exit, (void *)(intptr_t)3);
    ck_assert_int_eq(t_start(ctx, &tc, &spec), 0);
    /* the application's wait-for-anything sees nothing and no handler */
    ck_assert_int_eq(waitpid(-1, &status, 0), -1);
    ck_assert_int_eq(errno, ECHILD);
    ck_assert(!libxl__sigchld_installed());
    sigaction(SIGCHLD, NULL, &sa);
    ck_assert(sa.sa_handler == SIG_DFL);
    ck_assert(t_wait(ctx, t_child_called, &tc, 5000));
    ck_assert_int_eq(WEXITSTATUS(tc.status), 3);
}

/* ao tie-in: a synchronous operation whose child is aborted keeps the ao
 * until the reap. Here: an async-callback ao, aborted. */
typedef struct { t_child tc; libxl__ao *ao; } aochild;
static int ao_cb_calls, ao_cb_rc;
static void ao_done_cb(libxl_ctx *c, int rc, void *user)
{
    (void)c; (void)user;
    ao_cb_calls++;
    ao_cb_rc = rc;
}
static void aochild_death(libxl__egc *egc, libxl__ev_child *ch, pid_t pid,
                          int status, int rc)
{
    aochild *ac = (aochild *)ch;
    t_child_death(egc, ch, pid, status, rc);
    libxl__ao_complete(egc, ac->ao, rc);
}
static bool ao_cb_done(void *arg) { (void)arg; return ao_cb_calls > 0; }

static int start_ao_child(libxl_ctx *c, aochild *ac, const libxl_asyncop_how *how)
{
    libxl__child_spec spec;
    AO_CREATE(c, 0, how);
    ac->ao = ao;
    libxl__ev_child_init(&ac->tc.ch);
    ac->tc.calls = 0;
    t_spec_fn(&spec, t_fn_block_forever, NULL);
    int rc = libxl__ev_child_start_ao(egc, ao, &ac->tc.ch, &spec, aochild_death);
    if (rc) return AO_CREATE_FAIL(rc);
    return AO_INPROGRESS;
}

TEST_LOOP(ao_abort_kills_child_and_waits_for_reap, 30, 0, 2)
{
    static aochild ac;
    libxl_asyncop_how how = { .callback = ao_done_cb };

    t_set_path(ctx, _i);
    ck_assert_int_eq(start_ao_child(ctx, &ac, &how), 0);
    ck_assert_int_eq(libxl_ao_abort(ctx, &how), 0);
    ck_assert_int_eq(ac.tc.calls, 1);           /* told at once */
    ck_assert_int_eq(ac.tc.rc, ERROR_ABORTED);
    ck_assert(t_wait(ctx, ao_cb_done, NULL, 5000));  /* after the reap */
    ck_assert_int_eq(ao_cb_rc, ERROR_ABORTED);
    ck_assert_int_eq(libxl__childproc_count(ctx), 0);
    t_assert_no_children();
}
