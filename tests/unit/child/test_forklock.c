/*
 * test_forklock.c: the fd-leak proof and libxl_postfork_child_noexec.
 * Application threads start /bin/ls -l /proc/self/fd with fork, with
 * posix_spawn and with vfork, hundreds of times each (LIGHTCORE_STRESS
 * multiplies), while a library thread keeps creating and closing its fds:
 * children on the pidfd path (run 0) or the SIGCHLD path (run 1), pty
 * helpers (socketpairs, received pty fds, pidfds), fresh ctxs with a
 * SIGCHLD self-pipe, epoll set, timerfd and eventfds. No fd that was not
 * already open before the run may show up in any child. Run 2: careful fds
 * made without close-on-exec inside the no-fork lock, against fork() (the
 * only one of the three that honours pthread_atfork). The xenstore part of
 * the proof needs the simulated host (tests/sim) and is not done here.
 */
#include <pthread.h>
#include <spawn.h>
#include <sys/socket.h>

#include "child/child_testutil.h"
#include "fdprobe.h"
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

/* ------------------------------------------------ the fd listing */

static pthread_mutex_t leak_lock = PTHREAD_MUTEX_INITIALIZER;
static int leaks, children_checked;
static char leak_example[256];

static void note_leak(const char *line, const char *target, void *arg)
{
    (void)target; (void)arg;
    pthread_mutex_lock(&leak_lock);
    if (!leaks++) snprintf(leak_example, sizeof(leak_example), "%s", line);
    pthread_mutex_unlock(&leak_lock);
}

static void one_child(enum fdprobe_method m)
{
    char *listing = fdprobe_child_listing(m);
    fdprobe_new_fds(listing, note_leak, NULL);
    free(listing);
    pthread_mutex_lock(&leak_lock);
    children_checked++;
    pthread_mutex_unlock(&leak_lock);
}

static int per_method;
static void *app_thread(void *arg)
{
    enum fdprobe_method m = (enum fdprobe_method)(intptr_t)arg;
    for (int i = 0; i < per_method; i++) one_child(m);
    return NULL;
}

/* ------------------------------------------------ the library side */

static int stop;  /* atomic */
static int pty_calls;
static void pty_cb(libxl__egc *egc, libxl__openpty_state *op, int rc)
{
    (void)egc; (void)op;
    ck_assert_int_eq(rc, 0);
    pty_calls++;
}
static bool pty_done(void *arg) { (void)arg; return pty_calls > 0; }

static void *library_thread(void *arg)
{
    int path = (int)(intptr_t)arg;
    static const libxl_childproc_hooks selective = {
        .chldowner = libxl_sigchld_owner_libxl_always_selective_reap,
    };
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        t_child tc;
        libxl__child_spec spec;
        t_spec_fn(&spec, t_fn_exit, NULL);
        ck_assert_int_eq(t_start(ctx, &tc, &spec), 0);
        ck_assert(t_wait(ctx, t_child_called, &tc, 10000));

        static libxl__openpty_state op;
        {
            EGC_INIT(ctx);
            CTX_LOCK(ctx);
            libxl__openptys_init(&op);
            op.count = 2;
            op.callback = pty_cb;
            pty_calls = 0;
            ck_assert_int_eq(libxl__openptys(egc, &op), 0);
            CTX_UNLOCK_EGC_FREE;
        }
        ck_assert(t_wait(ctx, pty_done, NULL, 10000));
        CTX_LOCK(ctx);
        libxl__openptys_dispose(ctx, &op);
        CTX_UNLOCK(ctx);

        libxl_ctx *c2 = t_ctx(lg);
        libxl_childproc_setmode(c2, &selective, NULL);
        t_set_path(c2, path);
        ck_assert_int_eq(t_start(c2, &tc, &spec), 0);
        ck_assert(t_wait(c2, t_child_called, &tc, 10000));
        libxl_ctx_free(c2);
    }
    return NULL;
}

static void *carefd_thread(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        libxl__carefd_begin();
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);   /* no CLOEXEC yet */
        libxl__carefd *cf = libxl__carefd_record(ctx, fd);
        libxl__carefd_unlock();
        ck_assert_ptr_nonnull(cf);
        libxl__carefd_close(cf);
    }
    return NULL;
}

TEST_LOOP(no_library_fd_in_any_child, 300, 0, 3)
{
    static const libxl_childproc_hooks selective = {
        .chldowner = libxl_sigchld_owner_libxl_always_selective_reap,
    };
    pthread_t lib, app[3];
    int nmethods = _i == 2 ? 1 : 3;

    libxl_childproc_setmode(ctx, &selective, NULL);
    t_set_path(ctx, _i == 1);
    per_method = 300 * t_stress_factor();
    fdprobe_take_baseline();
    __atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
    ck_assert_int_eq(pthread_create(&lib, NULL,
                                    _i == 2 ? carefd_thread : library_thread,
                                    (void *)(intptr_t)(_i == 1)), 0);
    for (int m = 0; m < nmethods; m++)
        ck_assert_int_eq(pthread_create(&app[m], NULL, app_thread,
                                        (void *)(intptr_t)m), 0);
    for (int m = 0; m < nmethods; m++) pthread_join(app[m], NULL);
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    pthread_join(lib, NULL);
    fprintf(stderr, "fd-leak run %d: %d children checked, %d leaks\n",
            _i, children_checked, leaks);
    ck_assert_int_eq(children_checked, per_method * nmethods);
    ck_assert_msg(leaks == 0, "%d library fds leaked, e.g. %s", leaks,
                  leak_example);
}

/* ------------------------------------------------ postfork */

TEST_LOOP(postfork_child_keeps_using_library, 300, 0, 2)
{
    static const libxl_childproc_hooks always = {
        .chldowner = libxl_sigchld_owner_libxl_always,
    };
    t_child running;
    libxl__child_spec spec;
    int status, cfd;

    libxl_childproc_setmode(ctx, &always, NULL);
    t_set_path(ctx, _i);
    t_spec_fn(&spec, t_fn_block_forever, NULL);
    ck_assert_int_eq(t_start(ctx, &running, &spec), 0);
    libxl__carefd *cf = libxl__carefd_opened(ctx, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ck_assert_ptr_nonnull(cf);
    cfd = libxl__carefd_fd(cf);
    int wake0 = CTX_CHLD(ctx)->wakepipe[0];
    ck_assert(libxl__sigchld_installed());

    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct sigaction sa;
        libxl_postfork_child_noexec(ctx);
        if (fcntl(cfd, F_GETFD) >= 0 || fcntl(wake0, F_GETFD) >= 0) _exit(10);
        sigaction(SIGCHLD, NULL, &sa);
        if (sa.sa_handler != SIG_DFL || libxl__sigchld_installed()) _exit(11);
        libxl_ctx *c2 = NULL;
        if (libxl__ctx_alloc_bare(&c2, lg)) _exit(12);
        libxl_childproc_setmode(c2, &always, NULL);
        t_set_path(c2, _i);
        for (int i = 0; i < 20; i++) {
            t_child tc;
            t_spec_fn(&spec, t_fn_exit, (void *)(intptr_t)i);
            if (t_start(c2, &tc, &spec)) _exit(13);
            if (!t_wait(c2, t_child_called, &tc, 5000)) _exit(14);
            if (WEXITSTATUS(tc.status) != i) _exit(15);
        }
        libxl_ctx_free(c2);
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "postfork child failed: status %#x", status);
    /* the parent is unaffected */
    ck_assert(fcntl(cfd, F_GETFD) >= 0);
    libxl__carefd_close(cf);
    CTX_LOCK(ctx);
    libxl__ev_child_kill_deregister(ctx, &running.ch, SIGKILL, NULL);
    CTX_UNLOCK(ctx);
    libxl_ctx_free(ctx);
    ctx = t_ctx(lg);
    t_assert_no_children();
}
