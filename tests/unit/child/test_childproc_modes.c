/*
 * test_childproc_modes.c: the four libxl_sigchld_owner modes, each on both
 * paths (loop index 0: pidfd, 1: SIGCHLD fallback), with an application
 * that has children of its own: handler installed only while needed and
 * the previous disposition restored (default mode), unknown children to
 * reaped_callback, two default-mode ctxs not stealing from each other,
 * selective reap beside application waitpid, mainloop mode with
 * libxl_childproc_reaped and _sigchld_occurred. Then 10,000 children in
 * total across the modes (LIGHTCORE_STRESS multiplies): no zombie, no
 * status lost or misdelivered.
 */
#include <fcntl.h>
#include <pthread.h>

#include "child/child_testutil.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx, *ctx2;

static void setup(void)
{
    lg = testlog_new();
    ctx = t_ctx(lg);
    ctx2 = t_ctx(lg);
}
static void teardown(void)
{
    libxl_ctx_free(ctx);
    libxl_ctx_free(ctx2);
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

/* An application child that exits with code when poked (via a pipe). */
typedef struct { pid_t pid; int poke; } appchild;
static appchild app_fork(int code)
{
    int p[2];
    appchild a;
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    a.pid = fork();
    ck_assert_int_ge(a.pid, 0);
    if (a.pid == 0) {
        char c;
        /* drop every inherited poke, this one's write end included */
        for (int fd = 3; fd < 1024; fd++) if (fd != p[0]) close(fd);
        ssize_t r = read(p[0], &c, 1);
        (void)r;
        _exit(code);
    }
    close(p[0]);
    a.poke = p[1];
    return a;
}
static void app_poke(appchild *a) { close(a->poke); }

static int reaped_calls, reaped_status;
static pid_t reaped_pid;
static int reaped_cb(pid_t pid, int status, void *user)
{
    (void)user;
    reaped_calls++;
    reaped_pid = pid;
    reaped_status = status;
    return 0;
}
static bool reaped_seen(void *arg) { (void)arg; return reaped_calls > 0; }

static void spawn_exit(libxl_ctx *c, t_child *tc, int code)
{
    libxl__child_spec spec;
    t_spec_fn(&spec, t_fn_exit, (void *)(intptr_t)code);
    ck_assert_int_eq(t_start(c, tc, &spec), 0);
}

TEST_LOOP(default_mode_handler_only_while_needed, 60, 0, 2)
{
    struct sigaction ign, now;
    t_child tc;

    memset(&ign, 0, sizeof(ign));
    ign.sa_handler = SIG_IGN;
    sigaction(SIGCHLD, &ign, NULL);
    t_set_path(ctx, _i);
    ck_assert(!libxl__sigchld_installed());
    spawn_exit(ctx, &tc, 9);
    ck_assert(libxl__sigchld_installed() == (_i == 1));
    ck_assert(t_wait(ctx, t_child_called, &tc, 5000));
    ck_assert_int_eq(WEXITSTATUS(tc.status), 9);
    ck_assert(!libxl__sigchld_installed());
    sigaction(SIGCHLD, NULL, &now);
    ck_assert(now.sa_handler == SIG_IGN);             /* restored */
}

TEST(default_mode_unknown_child_to_reaped_callback, 60)
{
    static const libxl_childproc_hooks hooks = {
        .chldowner = libxl_sigchld_owner_libxl, .reaped_callback = reaped_cb,
    };
    t_child tc;
    libxl__child_spec spec;

    libxl_childproc_setmode(ctx, &hooks, NULL);
    t_set_path(ctx, 1);               /* only the fallback reaps others */
    t_spec_fn(&spec, t_fn_block_forever, NULL);
    ck_assert_int_eq(t_start(ctx, &tc, &spec), 0);
    appchild a = app_fork(33);
    app_poke(&a);
    ck_assert(t_wait(ctx, reaped_seen, NULL, 5000));
    ck_assert_int_eq(reaped_pid, a.pid);
    ck_assert_int_eq(WEXITSTATUS(reaped_status), 33);
    CTX_LOCK(ctx);
    libxl__ev_child_kill_deregister(ctx, &tc.ch, SIGKILL, NULL);
    CTX_UNLOCK(ctx);
    libxl_ctx_free(ctx);
    ctx = t_ctx(lg);
    t_assert_no_children();
}

#define NEACH 20
static bool all_called(void *arg)
{
    t_child *tcs = arg;
    for (int i = 0; i < NEACH; i++) if (!tcs[i].calls) return false;
    return true;
}

TEST_LOOP(two_default_ctxs_do_not_steal, 60, 0, 2)
{
    static t_child a[NEACH], b[NEACH];

    t_set_path(ctx, _i);
    t_set_path(ctx2, _i);
    for (int i = 0; i < NEACH; i++) {
        spawn_exit(ctx, &a[i], 10 + i);
        spawn_exit(ctx2, &b[i], 100 + i);
    }
    /* ctx reaps (with waitpid(-1) on the fallback) ctx2's children too */
    ck_assert(t_wait(ctx, all_called, a, 10000));
    ck_assert(t_wait(ctx2, all_called, b, 10000));
    for (int i = 0; i < NEACH; i++) {
        ck_assert_int_eq(a[i].calls, 1);
        ck_assert_int_eq(b[i].calls, 1);
        ck_assert_int_eq(WEXITSTATUS(a[i].status), 10 + i);
        ck_assert_int_eq(WEXITSTATUS(b[i].status), 100 + i);
    }
    ck_assert(!testlog_contains(lg, XTL_WARN, "unknown child"));
    t_assert_no_children();
}

TEST_LOOP(always_mode_reaps_app_children, 60, 0, 2)
{
    static const libxl_childproc_hooks hooks = {
        .chldowner = libxl_sigchld_owner_libxl_always,
        .reaped_callback = reaped_cb,
    };
    t_child tc;

    libxl_childproc_setmode(ctx, &hooks, NULL);
    t_set_path(ctx, _i);
    ck_assert(libxl__sigchld_installed());
    appchild a = app_fork(44);
    spawn_exit(ctx, &tc, 5);
    app_poke(&a);
    ck_assert(t_wait(ctx, reaped_seen, NULL, 5000));
    ck_assert(t_wait(ctx, t_child_called, &tc, 5000));
    ck_assert_int_eq(reaped_pid, a.pid);
    ck_assert_int_eq(WEXITSTATUS(reaped_status), 44);
    ck_assert_int_eq(WEXITSTATUS(tc.status), 5);
    ck_assert(libxl__sigchld_installed());
    libxl_ctx_free(ctx);
    ctx = t_ctx(lg);
    ck_assert(!libxl__sigchld_installed());
}

TEST_LOOP(two_selective_ctxs_and_app_waitpid, 60, 0, 2)
{
    static const libxl_childproc_hooks hooks = {
        .chldowner = libxl_sigchld_owner_libxl_always_selective_reap,
    };
    static t_child a[NEACH], b[NEACH];
    appchild app[5];
    int status;

    libxl_childproc_setmode(ctx, &hooks, NULL);
    libxl_childproc_setmode(ctx2, &hooks, NULL);
    t_set_path(ctx, _i);
    t_set_path(ctx2, _i);
    for (int i = 0; i < 5; i++) app[i] = app_fork(60 + i);
    for (int i = 0; i < NEACH; i++) {
        spawn_exit(ctx, &a[i], 10 + i);
        spawn_exit(ctx2, &b[i], 100 + i);
    }
    for (int i = 0; i < 5; i++) app_poke(&app[i]);
    ck_assert(t_wait(ctx, all_called, a, 10000));
    ck_assert(t_wait(ctx2, all_called, b, 10000));
    for (int i = 0; i < 5; i++) {        /* none stolen from the app */
        ck_assert_int_eq(waitpid(app[i].pid, &status, 0), app[i].pid);
        ck_assert_int_eq(WEXITSTATUS(status), 60 + i);
    }
    for (int i = 0; i < NEACH; i++) {
        ck_assert_int_eq(WEXITSTATUS(a[i].status), 10 + i);
        ck_assert_int_eq(WEXITSTATUS(b[i].status), 100 + i);
    }
    t_assert_no_children();
}

/* mainloop mode: the application's SIGCHLD handler and self-pipe. The
 * test's "main loop" is each ctx's wait loop with the app's pipe
 * registered in it (as an application would in its own loop).
 *
 * Each registration's callback runs inside its own ctx's loop, holding
 * that ctx's lock, so it hands children only to that ctx. What belongs
 * to the other ctx is kept (pending_sigchld, pending[]) and delivered by
 * the test body between the waits, with no ctx lock held, as a real
 * application does: taking ctx2's lock while holding ctx's, and the
 * reverse in the other loop, would be a lock-order inversion. */
static int app_pipe[2] = { -1, -1 };
static int app_other_status = -1;
static pid_t app_other_pid;
static bool use_sigchld_occurred;
static libxl__ev_fd app_reg[2];        /* [0] in ctx's loop, [1] in ctx2's */
static bool pending_sigchld[2];
static struct { pid_t pid; int status; } pending[2][NEACH];
static int npending[2];

static void app_handler(int sig)
{
    int e = errno;
    (void)sig;
    ssize_t r = write(app_pipe[1], "", 1);
    (void)r;
    errno = e;
}
static void app_pipe_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd,
                        short events, short revents)
{
    int own = ev == &app_reg[0] ? 0 : 1, other = !own;
    libxl_ctx *own_ctx = own ? ctx2 : ctx;
    (void)egc; (void)events; (void)revents;
    t_drain(fd);
    if (use_sigchld_occurred) {
        libxl_childproc_sigchld_occurred(own_ctx);  /* same lock: recursive */
        pending_sigchld[other] = true;
        int status;
        if (app_other_pid && waitpid(app_other_pid, &status, WNOHANG) > 0)
            app_other_status = status;
        return;
    }
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) break;
        if (libxl_childproc_reaped(own_ctx, pid, status) == 0) continue;
        if (pid == app_other_pid) {
            app_other_status = status;
            continue;
        }
        ck_assert_int_lt(npending[other], NEACH);
        pending[other][npending[other]].pid = pid;
        pending[other][npending[other]].status = status;
        npending[other]++;
    }
}
/* Deliver to ctx number idx what the other loop kept for it; the test
 * body calls this with no ctx lock held. */
static void app_deliver_pending(int idx)
{
    libxl_ctx *c = idx ? ctx2 : ctx;
    if (pending_sigchld[idx]) {
        pending_sigchld[idx] = false;
        libxl_childproc_sigchld_occurred(c);
    }
    for (int i = 0; i < npending[idx]; i++)
        ck_assert_int_eq(libxl_childproc_reaped(c, pending[idx][i].pid,
                                                pending[idx][i].status), 0);
    npending[idx] = 0;
}
static bool all_and_app(void *arg)
{
    return all_called(arg) && app_other_status != -1;
}

TEST_LOOP(mainloop_mode, 60, 0, 4)
{
    static const libxl_childproc_hooks hooks = {
        .chldowner = libxl_sigchld_owner_mainloop,
    };
    static t_child a[NEACH], b[NEACH];
    struct sigaction sa;

    use_sigchld_occurred = _i >= 2;
    t_pipe(app_pipe);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = app_handler;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    libxl_childproc_setmode(ctx, &hooks, NULL);
    libxl_childproc_setmode(ctx2, &hooks, NULL);
    t_set_path(ctx, _i & 1);
    t_set_path(ctx2, _i & 1);
    CTX_LOCK(ctx);
    libxl__ev_fd_init(&app_reg[0]);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &app_reg[0], app_pipe_cb,
                                           app_pipe[0], POLLIN), 0);
    CTX_UNLOCK(ctx);
    /* The application's loop serves both ctxs: the wait on ctx2 below
     * must see SIGCHLDs of ctx2's children that exit after the wait on ctx
     * is over (a loaded machine), as an application's one loop would. */
    CTX_LOCK(ctx2);
    libxl__ev_fd_init(&app_reg[1]);
    ck_assert_int_eq(libxl__ev_fd_register(ctx2, &app_reg[1], app_pipe_cb,
                                           app_pipe[0], POLLIN), 0);
    CTX_UNLOCK(ctx2);

    appchild app = app_fork(77);
    app_other_pid = app.pid;
    for (int i = 0; i < NEACH; i++) {
        spawn_exit(ctx, &a[i], 10 + i);
        spawn_exit(ctx2, &b[i], 100 + i);
    }
    app_poke(&app);
    ck_assert(!libxl__sigchld_installed());
    ck_assert(t_wait(ctx, all_and_app, a, 10000));
    /* ctx2's children reaped while ctx's loop ran, then the rest in
     * ctx2's own loop (SIGCHLD path) or through ctx2's pidfds */
    app_deliver_pending(1);
    ck_assert(t_wait(ctx2, all_called, b, 10000));
    app_deliver_pending(0);
    ck_assert_int_eq(WEXITSTATUS(app_other_status), 77);
    for (int i = 0; i < NEACH; i++) {
        ck_assert_int_eq(WEXITSTATUS(a[i].status), 10 + i);
        ck_assert_int_eq(WEXITSTATUS(b[i].status), 100 + i);
    }
    ck_assert_int_eq(libxl_childproc_reaped(ctx, 1, 0), ERROR_UNKNOWN_CHILD);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &app_reg[0]);
    CTX_UNLOCK(ctx);
    CTX_LOCK(ctx2);
    libxl__ev_fd_deregister(ctx2, &app_reg[1]);
    CTX_UNLOCK(ctx2);
    t_assert_no_children();
}

/* ------------------------------------------------------------ stress */

#define INFLIGHT 32
typedef struct { t_child tc[INFLIGHT]; int next_code[INFLIGHT]; int done; int started; int total; int bad; libxl_ctx *c; } stress_state;
static stress_state *SS;

static void stress_death(libxl__egc *egc, libxl__ev_child *ch, pid_t pid,
                         int status, int rc)
{
    t_child *tc = (t_child *)ch;
    int slot = (int)(tc - SS->tc);
    libxl__child_spec spec;
    (void)pid;
    if (rc || !WIFEXITED(status) || WEXITSTATUS(status) != tc->expect_exit)
        SS->bad++;
    SS->done++;
    if (SS->started < SS->total) {
        tc->expect_exit = SS->started++ % 251;
        t_spec_fn(&spec, t_fn_exit, (void *)(intptr_t)tc->expect_exit);
        if (libxl__ev_child_start(egc, &tc->ch, &spec, stress_death))
            SS->bad++, SS->done++;
    }
    (void)slot;
}
static bool stress_done(void *arg) { (void)arg; return SS->done >= SS->total; }

/* mode index = _i / 2, path = _i % 2: 8 runs of 1,250 = 10,000 children */
TEST_LOOP(stress_modes, 240, 0, 8)
{
    static const libxl_childproc_hooks modes[4] = {
        { .chldowner = libxl_sigchld_owner_libxl },
        { .chldowner = libxl_sigchld_owner_mainloop },
        { .chldowner = libxl_sigchld_owner_libxl_always },
        { .chldowner = libxl_sigchld_owner_libxl_always_selective_reap },
    };
    static stress_state ss;
    struct sigaction sa;
    int mode = _i / 2;

    memset(&ss, 0, sizeof(ss));
    SS = &ss;
    ss.total = 1250 * t_stress_factor();
    libxl_childproc_setmode(ctx, &modes[mode], NULL);
    t_set_path(ctx, _i % 2);
    libxl__ev_fd_init(&app_reg[0]);
    if (mode == 1) {
        use_sigchld_occurred = true;
        app_other_pid = 0;
        t_pipe(app_pipe);
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = app_handler;
        sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
        sigaction(SIGCHLD, &sa, NULL);
        CTX_LOCK(ctx);
        ck_assert_int_eq(libxl__ev_fd_register(ctx, &app_reg[0], app_pipe_cb,
                                               app_pipe[0], POLLIN), 0);
        CTX_UNLOCK(ctx);
    }
    {
        EGC_INIT(ctx);
        CTX_LOCK(ctx);
        for (int i = 0; i < INFLIGHT && ss.started < ss.total; i++) {
            libxl__child_spec spec;
            libxl__ev_child_init(&ss.tc[i].ch);
            ss.tc[i].expect_exit = ss.started++ % 251;
            t_spec_fn(&spec, t_fn_exit, (void *)(intptr_t)ss.tc[i].expect_exit);
            ck_assert_int_eq(libxl__ev_child_start(egc, &ss.tc[i].ch, &spec,
                                                   stress_death), 0);
        }
        CTX_UNLOCK_EGC_FREE;
    }
    ck_assert(t_wait(ctx, stress_done, NULL, 120000));
    ck_assert_int_eq(ss.bad, 0);
    ck_assert_int_eq(ss.done, ss.total);
    ck_assert_int_eq(libxl__childproc_count(ctx), 0);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &app_reg[0]);
    CTX_UNLOCK(ctx);
    t_assert_no_children();
}
