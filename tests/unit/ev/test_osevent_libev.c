/*
 * test_osevent_libev.c: the osevent hooks driven by a second real event
 * library, libev: fds through ev_io watchers (fd_modify restarts the
 * watcher with the new event set), timeouts through ev_timer,
 * cancellation through timeout_modify({0,0}) as a zero-delay timer. Also:
 * several registrations on one fd, each woken by its own revents bit, and
 * a late occurred_fd for a registration the library has already dropped.
 *
 * Built with libev's flags by tests/unit/unit.mk.
 */

#include <ev.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "ev/ev_testutil.h"
#include "ev/ev_private.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;
static struct ev_loop *loop;
static int fd_registrations, fd_modifies;

/* ------------------------------------------------ hooks over libev */

typedef struct { ev_io io; void *for_libxl; } lfd;
typedef struct { ev_timer t; void *for_libxl; } lto;

static void lfd_ready(struct ev_loop *l, ev_io *w, int revents)
{
    lfd *f = (lfd *)w;
    short r = 0;
    (void)l;
    if (revents & EV_READ) r |= POLLIN;
    if (revents & EV_WRITE) r |= POLLOUT;
    libxl_osevent_occurred_fd(ctx, f->for_libxl, w->fd, 0, r);
}

static void lfd_set(lfd *f, int fd, short events)
{
    int e = 0;
    if (events & (POLLIN | POLLPRI)) e |= EV_READ;
    if (events & POLLOUT) e |= EV_WRITE;
    ev_io_stop(loop, &f->io);
    ev_io_set(&f->io, fd, e);
    if (e) ev_io_start(loop, &f->io);
}

static int h_fd_register(void *user, int fd, void **for_app, short events,
                         void *for_libxl)
{
    (void)user;
    lfd *f = calloc(1, sizeof(*f));
    if (!f) return ERROR_NOMEM;
    ev_io_init(&f->io, lfd_ready, fd, 0);
    f->for_libxl = for_libxl;
    lfd_set(f, fd, events);
    *for_app = f;
    fd_registrations++;
    return 0;
}

static int h_fd_modify(void *user, int fd, void **for_app, short events)
{
    (void)user;
    lfd_set(*for_app, fd, events);
    fd_modifies++;
    return 0;
}

static void h_fd_deregister(void *user, int fd, void *for_app)
{
    lfd *f = for_app;
    (void)user; (void)fd;
    ev_io_stop(loop, &f->io);
    free(f);
    fd_registrations--;
}

static void lto_fire(struct ev_loop *l, ev_timer *w, int revents)
{
    lto *t = (lto *)w;
    void *tok = t->for_libxl;
    (void)revents;
    ev_timer_stop(l, w);
    free(t);        /* the registration ends as it occurs */
    libxl_osevent_occurred_timeout(ctx, tok);
}

static double seconds_until(struct timeval abs)
{
    struct timeval now;
    gettimeofday(&now, NULL);
    double s = (double)(abs.tv_sec - now.tv_sec) +
               (double)(abs.tv_usec - now.tv_usec) / 1e6;
    return s > 0 ? s : 0;
}

static int h_to_register(void *user, void **for_app, struct timeval abs,
                         void *for_libxl)
{
    (void)user;
    lto *t = calloc(1, sizeof(*t));
    if (!t) return ERROR_NOMEM;
    t->for_libxl = for_libxl;
    /* ev_now is the loop's cached time: refresh it so the delay counts
     * from now, not from the last iteration. */
    ev_now_update(loop);
    ev_timer_init(&t->t, lto_fire, seconds_until(abs), 0);
    ev_timer_start(loop, &t->t);
    *for_app = t;
    return 0;
}

static int h_to_modify(void *user, void **for_app, struct timeval abs)
{
    (void)user; (void)abs;
    lto *t = *for_app;
    /* libxl only ever asks for {0,0}: occur as soon as possible (from the
     * loop, never from inside this hook). */
    ev_timer_stop(loop, &t->t);
    ev_timer_set(&t->t, 0, 0);
    ev_timer_start(loop, &t->t);
    return 0;
}

static const libxl_osevent_hooks evhooks = {
    .fd_register = h_fd_register, .fd_modify = h_fd_modify,
    .fd_deregister = h_fd_deregister, .timeout_register = h_to_register,
    .timeout_modify = h_to_modify,
};

static void give_up(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l; (void)w; (void)revents;
    ck_abort_msg("libev loop: nothing happened within 10 s");
}

/* Iterate libev's loop until *flag. */
static void run_until(int *flag)
{
    ev_timer guard;
    ev_timer_init(&guard, give_up, 10.0, 0);
    ev_timer_start(loop, &guard);
    while (!*flag) ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &guard);
}

static void setup(void)
{
    loop = ev_loop_new(EVFLAG_AUTO);
    ck_assert_ptr_nonnull(loop);
    lg = testlog_new();
    ctx = t_ctx(lg);
    libxl_osevent_register_hooks(ctx, &evhooks, NULL);
}

static void teardown(void)
{
    libxl_ctx_free(ctx);
    xtl_logger_destroy(lg);
    ev_loop_destroy(loop);
}

TEST_FIXTURE(setup, teardown);

/* Run what libev has ready, without blocking. */
static void loop_drain(void)
{
    while (ev_run(loop, EVRUN_NOWAIT)) ;
}

#include "ev/loop_scenarios.h"

/* ------------------------------------------------- libev-only tests */

static libxl__ev_fd fin, fout;
static int in_calls, out_calls;

static void in_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)egc; (void)ev; (void)e;
    ck_assert(r & POLLIN);
    t_drain(fd);
    in_calls++;
}

static void out_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e, short r)
{
    (void)fd; (void)e;
    ck_assert(r & POLLOUT);
    out_calls++;
    /* writable forever: stop after the first time */
    libxl__ev_fd_deregister(egc->ctx, ev);
}

TEST(libev_two_registrations_on_one_fd, 30)
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
    libxl__ev_fd_init(&fin); libxl__ev_fd_init(&fout);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &fin, in_cb, sv[0], POLLIN), 0);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &fout, out_cb, sv[0], POLLOUT), 0);
    CTX_UNLOCK(ctx);
    /* Only the output side is ready. */
    run_until(&out_calls);
    ck_assert_int_eq(in_calls, 0);
    /* Then only the input side, after the library narrowed the fd's
     * events through fd_modify. */
    t_write1(sv[1]);
    run_until(&in_calls);
    ck_assert_int_eq(out_calls, 1);
    ck_assert_int_ge(fd_modifies, 1);

    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &fin);
    CTX_UNLOCK(ctx);
    ck_assert_int_eq(fd_registrations, 0);
    close(sv[0]); close(sv[1]);
}

/* Late occurrences: the token of an fd registration kept by the "loop"
 * after fd_deregister, and of a timeout after it occurred. */
static void *kept_fd_token, *kept_to_token;
static int kh_fd_register(void *user, int fd, void **for_app, short events,
                          void *for_libxl)
{
    kept_fd_token = for_libxl;
    return h_fd_register(user, fd, for_app, events, for_libxl);
}
static int kh_to_register(void *user, void **for_app, struct timeval abs,
                          void *for_libxl)
{
    kept_to_token = for_libxl;
    return h_to_register(user, for_app, abs, for_libxl);
}
static const libxl_osevent_hooks keeping_hooks = {
    .fd_register = kh_fd_register, .fd_modify = h_fd_modify,
    .fd_deregister = h_fd_deregister, .timeout_register = kh_to_register,
    .timeout_modify = h_to_modify,
};

static libxl__ev_time late_t;
static int late_t_fired;
static void late_t_cb(libxl__egc *egc, libxl__ev_time *ev,
                      const struct timeval *abs, int rc)
{
    (void)egc; (void)ev; (void)abs; (void)rc;
    late_t_fired++;
}
static int late_f_calls;
static void late_f_cb(libxl__egc *egc, libxl__ev_fd *ev, int fd, short e,
                      short r)
{
    (void)egc; (void)ev; (void)fd; (void)e; (void)r;
    late_f_calls++;
}

TEST(libev_late_occurrences_ignored, 30)
{
    libxl_ctx_free(ctx);
    ctx = t_ctx(lg);
    libxl_osevent_register_hooks(ctx, &keeping_hooks, NULL);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
    libxl__ev_fd_init(&fin);
    libxl__ev_time_init(&late_t);
    CTX_LOCK(ctx);
    ck_assert_int_eq(libxl__ev_fd_register(ctx, &fin, late_f_cb, sv[0], POLLIN), 0);
    ck_assert_int_eq(libxl__ev_time_register_rel(ctx, &late_t, late_t_cb, 1), 0);
    CTX_UNLOCK(ctx);
    run_until(&late_t_fired);
    ck_assert_ptr_nonnull(kept_fd_token);
    ck_assert_ptr_nonnull(kept_to_token);
    CTX_LOCK(ctx);
    libxl__ev_fd_deregister(ctx, &fin);
    CTX_UNLOCK(ctx);
    t_write1(sv[1]);
    libxl_osevent_occurred_fd(ctx, kept_fd_token, sv[0], POLLIN, POLLIN);
    libxl_osevent_occurred_timeout(ctx, kept_to_token);
    ev_run(loop, EVRUN_NOWAIT);
    ck_assert_int_eq(late_f_calls, 0);
    ck_assert_int_eq(late_t_fired, 1);
    close(sv[0]); close(sv[1]);
}
