/*
 * test_osevent_poll.c: the poll(2) style (libxl_osevent_beforepoll /
 * afterpoll) and the single-fd style (libxl_osevent_fd / dispatch): pollfd
 * sizing and ERROR_BUFFERFULL, the timeout only ever reduced, the caller's
 * now honoured, Xen's fd deregistration race, and readiness of the one fd.
 */
#include "ev/ev_testutil.h"
#include "ev/ev_private.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;

static void setup(void) { lg = testlog_new(); ctx = t_ctx(lg); }
static void teardown(void) { libxl_ctx_free(ctx); xtl_logger_destroy(lg); }

TEST_FIXTURE(setup, teardown);

static int fd_calls, to_calls;
static void fd_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{ (void)egc; (void)ev; (void)e; (void)r; fd_calls++; t_drain(fd); }
static void to_cb(libxl__egc *egc, libxl__ev_time *ev,
                  const struct timeval *abs, int rc)
{ (void)egc; (void)ev; (void)abs; (void)rc; to_calls++; }

static void reg_time(libxl__ev_time *t, int ms)
{
    libxl__ev_time_init(t);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_time_register_rel(ctx, t, to_cb, ms), 0);
    CTX_UNLOCK(ctx);
}
static void dereg_time(libxl__ev_time *t)
{
    CTX_LOCK(ctx);
    libxl__ev_time_deregister(ctx, t);
    CTX_UNLOCK(ctx);
}

TEST(size_query_and_bufferfull, 30)
{
    struct pollfd fds[4];
    int n = 0, timeout = -1;
    ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &n, NULL, &timeout, t_now()),
                     ERROR_BUFFERFULL);
    ck_assert_int_eq(n, 1);
    n = 0;
    ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &n, fds, &timeout, t_now()),
                     ERROR_BUFFERFULL);
    ck_assert_int_eq(n, 1);
    n = 4;
    ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &n, fds, &timeout, t_now()), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(fds[0].fd, CTX_EV(ctx)->epfd);
    ck_assert_int_eq(fds[0].events, POLLIN);
    ck_assert_int_eq(timeout, -1); /* nothing due: unchanged */
}

TEST(timeout_only_reduced, 30)
{
    struct pollfd fds[1];
    libxl__ev_time t;
    int n = 1, timeout;
    reg_time(&t, 1000);
    struct timeval now = t_now();
    timeout = 50;
    ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &n, fds, &timeout, now), 0);
    ck_assert_int_eq(timeout, 50);
    timeout = -1;
    ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &n, fds, &timeout, now), 0);
    ck_assert(timeout > 900 && timeout <= 1000);
    timeout = 5000;
    ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &n, fds, &timeout, now), 0);
    ck_assert(timeout > 900 && timeout <= 1000);
    dereg_time(&t);
}

TEST(callers_now_honoured, 30)
{
    struct pollfd fds[1];
    libxl__ev_time t;
    int n = 1, timeout = -1;
    reg_time(&t, 10000);
    struct timeval now = t_now();
    ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &n, fds, &timeout,
                                              t_add_ms(now, 9000)), 0);
    ck_assert(timeout > 900 && timeout <= 1000);
    libxl_osevent_afterpoll(ctx, n, fds, now);          /* not yet */
    ck_assert_int_eq(to_calls, 0);
    libxl_osevent_afterpoll(ctx, n, fds, t_add_ms(now, 20000)); /* due then */
    ck_assert_int_eq(to_calls, 1);
    ck_assert(!libxl__ev_time_isregistered(&t));
}

TEST(fd_through_poll_loop, 30)
{
    struct pollfd fds[1];
    libxl__ev_fd f;
    int p[2], n = 1, timeout = -1;
    t_pipe(p);
    libxl__ev_fd_init(&f);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &f, fd_cb, p[0], POLLIN), 0);
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &n, fds, &timeout, t_now()), 0);
    t_write1(p[1]);
    ck_assert_int_eq(poll(fds, (nfds_t)n, 5000), 1);
    libxl_osevent_afterpoll(ctx, n, fds, t_now());
    ck_assert_int_eq(fd_calls, 1);
    /* drained: a further poll times out at once */
    ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &n, fds, &timeout, t_now()), 0);
    ck_assert_int_eq(poll(fds, (nfds_t)n, 0), 0);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &f);
    CTX_UNLOCK(ctx);
    close(p[0]); close(p[1]);
}

/* Xen's test_fdderegrace: an fd in the caller's set is deregistered and
 * closed, its number reused by a new registration, and afterpoll gets the
 * stale poll results. Nothing may break, the old callback must not run. */
static int old_calls;
static void old_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{ (void)egc; (void)ev; (void)fd; (void)e; (void)r; old_calls++; }

TEST(fd_deregistration_race, 30)
{
    struct pollfd fds[1];
    libxl__ev_fd a, b;
    int n = 1, timeout = -1;
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    libxl__ev_fd_init(&a); libxl__ev_fd_init(&b);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &a, old_cb, fd, POLLIN), 0);
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &n, fds, &timeout, t_now()), 0);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &a);
    CTX_UNLOCK(ctx);
    close(fd);
    struct pollfd stale = { .fd = fd, .events = POLLIN };
    ck_assert_int_eq(poll(&stale, 1, 0), 1);
    ck_assert(stale.revents & POLLNVAL);
    poll(fds, (nfds_t)n, 0);
    int fd2 = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ck_assert_int_eq(fd2, fd);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &b, fd_cb, fd2, POLLIN), 0);
    CTX_UNLOCK(ctx);
    libxl_osevent_afterpoll(ctx, n, fds, t_now());
    ck_assert_int_eq(old_calls, 0);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &b);
    CTX_UNLOCK(ctx);
    close(fd2);
}

/* ------------------------------------------------------------ single fd */

static int readable(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* afterpoll with the epoll fd reported readable and one fd registered
 * takes that fd as the cause without asking epoll; it must still notice
 * an expired timeout, a stale report, and a second fd. */
static int strict_calls;
static void strict_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)egc; (void)ev; (void)e;
    strict_calls++;
    ck_assert(r & POLLIN);
    ck_assert_int_gt(t_drain(fd), 0);
}

static void poll_round(int ms)
{
    struct pollfd fds[1];
    int n = 1, timeout = ms;
    ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &n, fds, &timeout, t_now()), 0);
    poll(fds, (nfds_t)n, timeout);
    libxl_osevent_afterpoll(ctx, n, fds, t_now());
}

TEST(afterpoll_one_fd, 30)
{
    libxl__ev_fd f, g;
    libxl__ev_time t;
    int p[2], q[2];
    t_pipe(p); t_pipe(q);
    libxl__ev_fd_init(&f); libxl__ev_fd_init(&g);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &f, strict_cb, p[0], POLLIN), 0);
    CTX_UNLOCK(ctx);
    t_write1(p[1]);
    poll_round(5000);
    ck_assert_int_eq(strict_calls, 1);
    ck_assert(!readable(CTX_EV(ctx)->epfd, 0));

    /* A stale report: nothing ready, the callback is not made. */
    struct pollfd stale = { .fd = CTX_EV(ctx)->epfd, .events = POLLIN,
                            .revents = POLLIN };
    libxl_osevent_afterpoll(ctx, 1, &stale, t_now());
    ck_assert_int_eq(strict_calls, 1);

    /* The fd and an expired timeout together: both. */
    reg_time(&t, 10);
    t_write1(p[1]);
    usleep(30 * 1000);
    poll_round(5000);
    ck_assert_int_eq(strict_calls, 2);
    ck_assert_int_eq(to_calls, 1);
    ck_assert(!readable(CTX_EV(ctx)->epfd, 0));   /* timerfd consumed */

    /* Two fds: the one that is ready is found. */
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &g, fd_cb, q[0], POLLIN), 0);
    CTX_UNLOCK(ctx);
    t_write1(q[1]);
    poll_round(5000);
    ck_assert_int_eq(fd_calls, 1);
    ck_assert_int_eq(strict_calls, 2);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &g);
    CTX_UNLOCK(ctx);
    t_write1(p[1]);
    poll_round(5000);
    ck_assert_int_eq(strict_calls, 3);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &f);
    CTX_UNLOCK(ctx);
    close(p[0]); close(p[1]); close(q[0]); close(q[1]);
}

TEST(single_fd_readiness_and_dispatch, 30)
{
    libxl__ev_fd f;
    libxl__ev_time t;
    int p[2], efd = -1;
    t_pipe(p);
    ck_assert_int_eq(libxl_osevent_fd(ctx, &efd), 0);
    ck_assert(t_fd_is_cloexec(efd));
    ck_assert(!readable(efd, 0));
    libxl__ev_fd_init(&f);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &f, fd_cb, p[0], POLLIN), 0);
    CTX_UNLOCK(ctx);
    ck_assert(!readable(efd, 0));
    t_write1(p[1]);
    ck_assert(readable(efd, 5000));
    ck_assert_int_eq(libxl_osevent_dispatch(ctx), 0);
    ck_assert_int_eq(fd_calls, 1);
    ck_assert(!readable(efd, 0));

    reg_time(&t, 20);
    ck_assert(readable(efd, 5000));  /* the timerfd inside */
    ck_assert_int_eq(libxl_osevent_dispatch(ctx), 0);
    ck_assert_int_eq(to_calls, 1);
    ck_assert(!readable(efd, 0));
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &f);
    CTX_UNLOCK(ctx);
    close(p[0]); close(p[1]);
}

TEST(single_fd_always_ready, 30)
{
    libxl__ev_fd f;
    int efd, fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ck_assert_int_eq(libxl_osevent_fd(ctx, &efd), 0);
    libxl__ev_fd_init(&f);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &f, fd_cb, fd, POLLIN), 0);
    CTX_UNLOCK(ctx);
    ck_assert(readable(efd, 0));
    libxl_osevent_dispatch(ctx);
    ck_assert_int_eq(fd_calls, 1);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &f);
    CTX_UNLOCK(ctx);
    ck_assert(!readable(efd, 0));
    close(fd);
}
