/*
 * test_pty_ao.c: the pty helper and the pty runner inside an ao, through
 * the internal operation libxl__pty_run, in the three completion styles
 * (synchronous, callback, event) and on both child paths (pidfd, SIGCHLD):
 *  - a real program on the pty that checks it has a terminal, prints a
 *    prompt, reads a line of input and exits with a status;
 *  - libxl_ao_abort while the program runs (ERROR_ABORTED) and while the
 *    helper runs, and the timeout of a program waiting for input and of a
 *    helper that never answers (ERROR_TIMEDOUT);
 *  - a helper that dies before sending its fds (ERROR_FAIL).
 * Every time: by the completion no child of any kind is left (the children
 * hold the ao until reaped) and the process has exactly the fds it had
 * before the operation.
 */
#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>

#include "child/child_testutil.h"
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

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

/* The state of "any child left" now: true if none at all. */
static bool no_children_now(void)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 &&
           errno == ECHILD;
}

/* ------------------------------------------------ completion styles */

enum style { S_SYNC, S_CALLBACK, S_EVENT, S_COUNT };
static const char *const style_name[] = { "sync", "callback", "event" };

#define FOR_EVENT 0x7e57

typedef struct {
    int calls;
    int rc;
    bool no_children;     /* at the time the completion was delivered */
} completion;

static completion done_cb;
static void op_callback(libxl_ctx *c, int rc, void *for_callback)
{
    completion *cp = for_callback;
    (void)c;
    cp->calls++;
    cp->rc = rc;
    cp->no_children = no_children_now();
}

static bool cb_called(void *arg) { return ((completion *)arg)->calls > 0; }

static void how_for(enum style s, libxl_asyncop_how *how)
{
    memset(how, 0, sizeof(*how));
    if (s == S_CALLBACK) {
        how->callback = op_callback;
        how->u.for_callback = &done_cb;
    } else {
        how->u.for_event = FOR_EVENT;
    }
}

/* Drive the loop (single-fd style) until our completion event is queued;
 * its rc, or -99999 at the deadline. */
static int wait_completion_event(int ms, bool *no_children)
{
    uint64_t deadline = test_now_ms() + (uint64_t)ms;
    int fd;

    ck_assert_int_eq(libxl_osevent_fd(ctx, &fd), 0);
    for (;;) {
        libxl_event *ev = NULL;
        int r = libxl_event_check(ctx, &ev,
                    1ULL << LIBXL_EVENT_TYPE_OPERATION_COMPLETE, NULL, NULL);
        if (!r) {
            int rc = ev->u.operation_complete.rc;
            *no_children = no_children_now();
            ck_assert_uint_eq(ev->for_user, FOR_EVENT);
            libxl_event_free(ctx, ev);
            return rc;
        }
        ck_assert_int_eq(r, ERROR_NOT_READY);
        uint64_t now = test_now_ms();
        if (now >= deadline) return -99999;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        poll(&p, 1, (int)(deadline - now));
        ck_assert_int_eq(libxl_osevent_dispatch(ctx), 0);
    }
}

/* Start (async styles) or run (sync) an operation. */
typedef struct {
    const char *path;
    char *const *argv;
    const char *input;
    int timeout_ms;
    char *output;
    int status;
    int rc;               /* of the call itself */
} run_args;

static void start_run(enum style s, run_args *ra)
{
    libxl_asyncop_how how;
    done_cb.calls = 0;
    done_cb.rc = -99999;
    how_for(s, &how);
    ra->rc = libxl__pty_run(ctx, ra->path, ra->argv, ra->input,
                            ra->timeout_ms, &ra->output, &ra->status,
                            s == S_SYNC ? NULL : &how);
}

/* The operation's final rc, once its completion has been delivered; sets
 * *no_children as observed at that moment. */
static int finish_run(enum style s, run_args *ra, bool *no_children)
{
    switch (s) {
    case S_SYNC:
        *no_children = no_children_now();
        return ra->rc;
    case S_CALLBACK:
        ck_assert_int_eq(ra->rc, 0);
        ck_assert_msg(t_wait(ctx, cb_called, &done_cb, 20000),
                      "no completion callback");
        ck_assert_int_eq(done_cb.calls, 1);
        *no_children = done_cb.no_children;
        return done_cb.rc;
    default:
        ck_assert_int_eq(ra->rc, 0);
        return wait_completion_event(20000, no_children);
    }
}

static int run_style(enum style s, run_args *ra)
{
    bool none;
    int rc;
    start_run(s, ra);
    rc = finish_run(s, ra, &none);
    ck_assert_msg(none, "a child outlived the completion (%s)",
                  style_name[s]);
    return rc;
}

/* The ctx makes some fds lazily (epoll set, timerfd, self-pipe...): one
 * operation first, so that the count before and after compares. */
static void warm_up(void)
{
    char *const argv[] = { "/bin/true", NULL };
    run_args ra = { .path = "/bin/true", .argv = argv, .timeout_ms = 20000 };
    ck_assert_int_eq(run_style(S_SYNC, &ra), 0);
    free(ra.output);
}

/* _i = style * 2 + path */
#define STYLE(i) ((enum style)((i) / 2))
#define PATH(i)  ((i) % 2)

/* --------------------------------------------------- a program runs */

TEST_LOOP(program_prints_reads_exits, 60, 0, 2 * S_COUNT)
{
    enum style s = STYLE(_i);
    char *const argv[] = { "/bin/sh", "-c",
        "if [ -t 0 ] && [ -t 1 ]; then echo ON-A-TTY; fi; "
        "printf 'name? '; read n; echo \"got $n\"; exit 3", NULL };
    run_args ra = { .path = "/bin/sh", .argv = argv, .input = "world\n",
                    .timeout_ms = 20000 };
    int before, rc;

    t_set_path(ctx, PATH(_i));
    warm_up();
    before = count_fds();
    rc = run_style(s, &ra);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(ra.output);
    ck_assert_msg(WIFEXITED(ra.status) && WEXITSTATUS(ra.status) == 3,
                  "status %#x", ra.status);
    ck_assert_msg(strstr(ra.output, "ON-A-TTY"), "output: %s", ra.output);
    ck_assert_msg(strstr(ra.output, "name? "), "output: %s", ra.output);
    ck_assert_msg(strstr(ra.output, "got world"), "output: %s", ra.output);
    ck_assert_int_eq(count_fds(), before);
    free(ra.output);
    t_assert_no_children();
}

/* ------------------------------------------------------ abort, timeout */

static char fifo_dir[64], fifo_path[96];
static int fifo_fd = -1;

/* A FIFO the program writes "ready" to once it runs; our read end. */
static void fifo_make(void)
{
    snprintf(fifo_dir, sizeof(fifo_dir), "/tmp/test_pty_ao.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fifo_dir));
    snprintf(fifo_path, sizeof(fifo_path), "%s/ready", fifo_dir);
    ck_assert_int_eq(mkfifo(fifo_path, 0600), 0);
    fifo_fd = open(fifo_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ck_assert_int_ge(fifo_fd, 0);
}

static void fifo_remove(void)
{
    close(fifo_fd);
    fifo_fd = -1;
    unlink(fifo_path);
    rmdir(fifo_dir);
}

/* (SIGCHLD, on the fallback path, may interrupt the poll) */
static bool fifo_readable(int ms)
{
    uint64_t deadline = test_now_ms() + (uint64_t)ms;
    for (;;) {
        struct pollfd p = { .fd = fifo_fd, .events = POLLIN };
        uint64_t now = test_now_ms();
        if (now >= deadline) return false;
        int r = poll(&p, 1, (int)(deadline - now));
        if (r == 1) return p.revents & POLLIN;
        if (r < 0 && errno != EINTR) return false;
    }
}

/* For the async styles: the library's own loop hears the FIFO. */
static bool fifo_seen;
static void fifo_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short events,
                    short revents)
{
    char buf[64];
    (void)egc; (void)events; (void)revents;
    while (read(fd, buf, sizeof(buf)) > 0)
        ;
    fifo_seen = true;
    libxl__ev_fd_deregister(egc->ctx, ev);
}
static bool fifo_was_seen(void *arg) { (void)arg; return fifo_seen; }

static void *sync_runner(void *arg)
{
    start_run(S_SYNC, arg);
    return NULL;
}

static int abort_style(enum style s)
{
    libxl_asyncop_how how;
    how_for(s, &how);
    return libxl_ao_abort(ctx, s == S_SYNC ? NULL : &how);
}

TEST_LOOP(abort_while_program_runs, 60, 0, 2 * S_COUNT)
{
    enum style s = STYLE(_i);
    char *const argv[] = { "/bin/sh", "-c",
        "echo ready > \"$0\"; printf 'waiting '; read x; echo never",
        fifo_path, NULL };
    /* no timeout: the abort reaches the program's own child abortable
     * (helper_never_answers aborts through the abortable timeout) */
    run_args ra = { .path = "/bin/sh", .argv = argv, .timeout_ms = 0 };
    pthread_t th;
    bool none;
    int before, rc;

    t_set_path(ctx, PATH(_i));
    warm_up();
    fifo_make();
    before = count_fds();
    if (s == S_SYNC) {
        /* the initiator blocks; abort it from here once the program runs */
        ck_assert_int_eq(pthread_create(&th, NULL, sync_runner, &ra), 0);
        ck_assert_msg(fifo_readable(20000), "the program never ran");
        ck_assert_int_eq(abort_style(s), 0);
        pthread_join(th, NULL);
    } else {
        static libxl__ev_fd fev;
        start_run(s, &ra);
        CTX_LOCK(ctx);
        libxl__ev_fd_init(&fev);
        fifo_seen = false;
        ck_assert_int_eq(libxl__ev_fd_register(ctx, &fev, fifo_cb, fifo_fd,
                                               POLLIN), 0);
        CTX_UNLOCK(ctx);
        ck_assert_msg(t_wait(ctx, fifo_was_seen, NULL, 20000),
                      "the program never ran");
        ck_assert_int_eq(abort_style(s), 0);
    }
    rc = finish_run(s, &ra, &none);
    ck_assert_int_eq(rc, ERROR_ABORTED);
    ck_assert_msg(none, "the program outlived the completion");
    ck_assert_int_eq(ra.status, -1);
    ck_assert_ptr_nonnull(ra.output);
    ck_assert_msg(!strstr(ra.output, "never"), "output: %s", ra.output);
    free(ra.output);
    /* completed: no longer abortable */
    ck_assert_int_eq(abort_style(s), ERROR_NOTFOUND);
    fifo_remove();
    ck_assert_int_eq(count_fds(), before - 1);
    t_assert_no_children();
}

TEST_LOOP(program_times_out, 60, 0, 2 * S_COUNT)
{
    enum style s = STYLE(_i);
    char *const argv[] = { "/bin/sh", "-c",
        "printf 'waiting '; read x; echo never", NULL };
    run_args ra = { .path = "/bin/sh", .argv = argv, .timeout_ms = 400 };
    uint64_t t0;
    int before, rc;

    t_set_path(ctx, PATH(_i));
    warm_up();
    before = count_fds();
    t0 = test_now_ms();
    rc = run_style(s, &ra);
    ck_assert_int_eq(rc, ERROR_TIMEDOUT);
    ck_assert_uint_ge(test_now_ms() - t0, 400);
    ck_assert(testlog_contains(lg, XTL_ERROR, "timed out after 400 ms"));
    ck_assert_int_eq(ra.status, -1);
    ck_assert_ptr_nonnull(ra.output);
    ck_assert_msg(!strstr(ra.output, "never"), "output: %s", ra.output);
    free(ra.output);
    ck_assert_int_eq(count_fds(), before);
    t_assert_no_children();
}

/* ----------------------------------------- helpers that misbehave */

/* fork_replacement: the helper (the first child of an operation) is
 * replaced by a process that dies at once or never answers. */
enum { HOOK_FORK, HOOK_DIE, HOOK_HANG };
static int hook_mode;
static pid_t test_fork(void *user)
{
    (void)user;
    pid_t pid = fork();
    if (pid == 0 && hook_mode == HOOK_DIE) _exit(5);
    if (pid == 0 && hook_mode == HOOK_HANG)
        for (;;) pause();  /* every signal is blocked: only SIGKILL ends it */
    return pid;
}

static void use_test_fork(void)
{
    static const libxl_childproc_hooks hooks = {
        .chldowner = libxl_sigchld_owner_libxl,
        .fork_replacement = test_fork,
    };
    hook_mode = HOOK_FORK;
    libxl_childproc_setmode(ctx, &hooks, NULL);
    warm_up();
}

/* _i = style */
TEST_LOOP(helper_dies_before_sending, 60, 0, S_COUNT)
{
    enum style s = (enum style)_i;
    char *const argv[] = { "/bin/echo", "unreached", NULL };
    run_args ra = { .path = "/bin/echo", .argv = argv, .timeout_ms = 20000 };
    int before, rc;

    use_test_fork();
    before = count_fds();
    hook_mode = HOOK_DIE;
    rc = run_style(s, &ra);
    ck_assert_int_eq(rc, ERROR_FAIL);
    /* the socket's EOF or the death, whichever the loop sees first */
    ck_assert(testlog_contains(lg, XTL_ERROR, "without sending fds") ||
              testlog_contains(lg, XTL_ERROR, "peer closed the socket"));
    ck_assert_int_eq(ra.status, -1);
    ck_assert_ptr_nonnull(ra.output);
    ck_assert_str_eq(ra.output, "");
    free(ra.output);
    ck_assert_int_eq(count_fds(), before);
    t_assert_no_children();
}

/* _i = style * 2 + (0: timeout, 1: abort) */
TEST_LOOP(helper_never_answers, 60, 0, 2 * S_COUNT)
{
    enum style s = STYLE(_i);
    bool do_abort = _i % 2;
    char *const argv[] = { "/bin/echo", "unreached", NULL };
    run_args ra = { .path = "/bin/echo", .argv = argv,
                    .timeout_ms = do_abort ? 30000 : 300 };
    pthread_t th;
    bool none;
    int before, rc;

    use_test_fork();
    before = count_fds();
    hook_mode = HOOK_HANG;
    if (!do_abort) {
        rc = run_style(s, &ra);
        ck_assert_int_eq(rc, ERROR_TIMEDOUT);
    } else {
        if (s == S_SYNC) {
            ck_assert_int_eq(pthread_create(&th, NULL, sync_runner, &ra), 0);
            /* wait until the operation exists (the helper is forked
             * inside the initiator, with the ctx lock held) */
            uint64_t deadline = test_now_ms() + 20000;
            while ((rc = abort_style(s)) == ERROR_NOTFOUND &&
                   test_now_ms() < deadline)
                sched_yield();
            ck_assert_int_eq(rc, 0);
            pthread_join(th, NULL);
        } else {
            start_run(s, &ra);
            ck_assert_int_eq(abort_style(s), 0);
        }
        rc = finish_run(s, &ra, &none);
        ck_assert_msg(none, "the helper outlived the completion");
        ck_assert_int_eq(rc, ERROR_ABORTED);
    }
    ck_assert_int_eq(ra.status, -1);
    free(ra.output);
    ck_assert_int_eq(count_fds(), before);
    t_assert_no_children();
}

/* An ao that is already aborting starts no helper (and registers
 * nothing): libxl__openptys refuses with ERROR_ABORTED. */
static void never_called(libxl_ctx *c, int rc, void *arg)
{
    (void)c; (void)rc; (void)arg;
    ck_abort_msg("completion of an operation that never started");
}

TEST_LOOP(start_refused_when_aborting, 60, 0, 2)
{
    const libxl_asyncop_how how = { .callback = never_called };
    static libxl__openpty_state op;
    int before, rc;

    t_set_path(ctx, _i);
    warm_up();
    before = count_fds();
    {
        EGC_INIT(ctx);
        CTX_LOCK(ctx);
        libxl__ao *ao = libxl__ao_create(egc, LIBXL__NO_DOMID, &how);
        ck_assert_ptr_nonnull(ao);
        ao->aborting = true;      /* as libxl_ao_abort leaves it */
        libxl__openptys_init(&op);
        op.ao = ao;
        op.count = 1;
        op.timeout_ms = 1000;
        rc = libxl__openptys(egc, &op);
        ck_assert_int_eq(libxl__ao_create_fail(egc, ao, ERROR_ABORTED),
                         ERROR_ABORTED);
        CTX_UNLOCK_EGC_FREE;
    }
    ck_assert_int_eq(rc, ERROR_ABORTED);
    ck_assert_int_eq(count_fds(), before);
    t_assert_no_children();
}
